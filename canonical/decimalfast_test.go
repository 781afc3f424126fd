package canonical

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// productWithin must agree with the big-number check for every input.
func TestProductWithinAgreesWithTheBigNumberCheck(t *testing.T) {
	d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	cases := []struct{ a, q, p, tol string }{
		{"1500.00", "120", "12.50", "0.005"},
		{"1500.01", "120", "12.50", "0.005"},
		{"1500.005", "120", "12.50", "0.005"},
		{"1500.0051", "120", "12.50", "0.005"},
		{"-3.75", "-1.5", "2.5", "0.005"},
		{"0", "0", "99999999999999999", "0.5"},
		{"999999999999999999", "999999999", "999999999", "0.5"}, // product does not fit an int64
		{"9223372036854775807", "1", "1", "0.5"},                // more than 18 digits
		{"0.000000000000000001", "1", "0.000000000000000001", "0.00000000000000000005"},
		{"123456789012345678", "1", "-123456789012345678", "0.5"}, // the difference overflows
		{"1e20", "1", "1e20", "0.5"},                              // positive exponents
		{"12.5", "10", "1.25", "5e-10"},
		{"10", "3", "3.333333333333333333", "0.005"},
	}
	for _, c := range cases {
		want := within(d(c.a), d(c.q).Mul(d(c.p)), d(c.tol))
		if got := productWithin(d(c.a), d(c.q), d(c.p), d(c.tol)); got != want {
			t.Errorf("|%s − %s×%s| ≤ %s: got %v, want %v", c.a, c.q, c.p, c.tol, got, want)
		}
	}
}

func FuzzProductWithin(f *testing.F) {
	f.Add(int64(150000), int32(-2), int64(120), int32(0), int64(1250), int32(-2), int32(2))
	f.Add(int64(math.MaxInt64), int32(0), int64(-3), int32(5), int64(7), int32(-7), int32(0))
	f.Add(int64(-1), int32(-18), int64(1), int32(-9), int64(1), int32(-9), int32(7))
	f.Fuzz(func(t *testing.T, ac int64, ae int32, qc int64, qe int32, pc int64, pe int32, places int32) {
		clamp := func(e int32) int32 { return e%40 - 20 }
		a := decimal.New(ac, clamp(ae))
		q := decimal.New(qc, clamp(qe))
		p := decimal.New(pc, clamp(pe))
		tol := decimal.New(5, -(places%12+12)%12-1)
		want := within(a, q.Mul(p), tol)
		if got := productWithin(a, q, p, tol); got != want {
			t.Fatalf("|%s − %s×%s| ≤ %s: got %v, want %v", a, q, p, tol, got, want)
		}
	})
}

// sumSmall must give what adding the amounts as big numbers gives.
func FuzzSumAmounts(f *testing.F) {
	f.Add(int64(150000), int32(-2), int64(120), int32(0), int64(-1250), int32(-3), false)
	f.Add(int64(math.MaxInt64), int32(0), int64(math.MaxInt64), int32(0), int64(1), int32(-18), false)
	f.Add(int64(999999999999999999), int32(0), int64(1), int32(-1), int64(5), int32(3), true)
	f.Fuzz(func(t *testing.T, c1 int64, e1 int32, c2 int64, e2 int32, c3 int64, e3 int32, gap bool) {
		clamp := func(e int32) int32 { return e%40 - 20 }
		amounts := []*Decimal{
			{Decimal: decimal.New(c1, clamp(e1))}, {Decimal: decimal.New(c2, clamp(e2))}, {Decimal: decimal.New(c3, clamp(e3))},
		}
		if gap {
			amounts[1] = nil
		}
		amount := func(i int) *Decimal { return amounts[i] }
		got, gotOK, small := sumSmall(len(amounts), amount)
		if !small {
			return // the big-number path is taken: nothing to compare
		}
		want, wantOK := decimal.Decimal{}, true
		for _, a := range amounts {
			if a == nil {
				wantOK = false
				break
			}
			want = want.Add(a.Decimal)
		}
		if gotOK != wantOK || (wantOK && (!got.Equal(want) || got.Exponent() != want.Exponent())) {
			t.Fatalf("sum of %v: got %s (%v), want %s (%v)", amounts, got, gotOK, want, wantOK)
		}
	})
}
