package canonical

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// productWithin reports whether |a − q×p| ≤ tol, exactly as
// within(a, q.Mul(p), tol) does. Validation runs it for every order line
// (amount = quantity × unit price) on the bulk path, so the usual case —
// every coefficient below 10^18 — is done in int64 arithmetic without
// allocating; anything that could overflow goes the big-number way.
func productWithin(a, q, p, tol decimal.Decimal) bool {
	if r, ok := productWithinInt64(a, q, p, tol); ok {
		return r
	}
	return within(a, q.Mul(p), tol)
}

// smallParts returns d's coefficient and exponent when the coefficient has
// at most 18 digits (so it, and ten times it, fit an int64).
func smallParts(d decimal.Decimal) (int64, int32, bool) {
	if d.NumDigits() > 18 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), d.Exponent(), true
}

// mulInt64 returns x×y, or false when it overflows.
func mulInt64(x, y int64) (int64, bool) {
	neg := (x < 0) != (y < 0)
	hi, lo := bits.Mul64(absUint(x), absUint(y))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absUint(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // x > MinInt64 here: |coefficients| < 10^18
	}
	return uint64(x)
}

var pow10Int64 = func() (t [19]int64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// rescale returns c×10^(e−to) for e ≥ to, or false when it overflows.
func rescale(c int64, e, to int32) (int64, bool) {
	n := int64(e) - int64(to)
	if n >= int64(len(pow10Int64)) {
		return 0, c == 0
	}
	return mulInt64(c, pow10Int64[n])
}

func productWithinInt64(a, q, p, tol decimal.Decimal) (within, ok bool) {
	ac, ae, ok1 := smallParts(a)
	qc, qe, ok2 := smallParts(q)
	pc, pe, ok3 := smallParts(p)
	tc, te, ok4 := smallParts(tol)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false, false
	}
	prod, ok := mulInt64(qc, pc)
	if !ok {
		return false, false
	}
	prodE := qe + pe
	to := min(ae, prodE, te)
	av, ok1 := rescale(ac, ae, to)
	pv, ok2 := rescale(prod, prodE, to)
	tv, ok3 := rescale(tc, te, to)
	if !ok1 || !ok2 || !ok3 {
		return false, false
	}
	d := av - pv // wraps on overflow, caught next
	// Signed overflow of av − pv: the operands' signs differ and the
	// result's sign differs from av's.
	if (av >= 0) != (pv >= 0) && (d >= 0) != (av >= 0) {
		return false, false
	}
	if d == math.MinInt64 {
		return false, false
	}
	if d < 0 {
		d = -d
	}
	return d <= tv, true
}

// sumSmall is sumAmounts in int64 arithmetic, for the usual case of amounts
// whose coefficients and sum stay below 10^18: small is false when one does
// not, and sumAmounts then adds them as big numbers. Like the sum of
// decimal.Add from zero, it has the smallest exponent of zero's and the
// amounts'.
func sumSmall(n int, amount func(int) *Decimal) (sum decimal.Decimal, ok, small bool) {
	var c int64
	var e int32
	for i := 0; i < n; i++ {
		a := amount(i)
		if a == nil {
			return sum, false, true
		}
		ac, ae, fits := smallParts(a.Decimal)
		if !fits {
			return sum, false, false
		}
		to := min(e, ae)
		x, ok1 := rescale(c, e, to)
		y, ok2 := rescale(ac, ae, to)
		s := x + y
		// Signed overflow: both operands have one sign and the sum the other.
		if !ok1 || !ok2 || ((x >= 0) == (y >= 0) && (s >= 0) != (x >= 0)) {
			return sum, false, false
		}
		c, e = s, to
	}
	return decimal.New(c, e), true, true
}
