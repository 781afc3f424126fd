package postgres

import (
	"encoding/binary"
	"math/big"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
)

// Money and quantities go to PostgreSQL as numeric in the binary format.
// pgx encodes a pgtype.Numeric through math/big, which took about a fifth of
// the Go CPU of a bulk load; nearly every amount fits in an int64 with a
// small scale, and for those numericValue is encoded here with plain integer
// arithmetic. TestNumericEncodingMatchesPgx checks it byte for byte against
// pgx's own encoder.

// Bounds of the fast path: |coefficient| below 10^15 and an exponent within
// ±16 keep every intermediate value below 10^19 (no uint64 overflow).
const (
	fastMaxDigits = 15
	fastMaxExp    = 16
)

// numeric converts a decimal for a numeric column, keeping its scale
// (12.50 is stored as 12.50), without going through text or a float.
func numeric(d canonical.Decimal) any {
	exp := d.Exponent()
	if d.NumDigits() <= fastMaxDigits && exp >= -fastMaxExp && exp <= fastMaxExp {
		return numericValue{coef: d.CoefficientInt64(), exp: exp}
	}
	return pgtype.Numeric{Int: d.Coefficient(), Exp: exp, Valid: true}
}

// numericValue is coef × 10^exp, within the fast-path bounds.
type numericValue struct {
	coef int64
	exp  int32
}

// NumericValue makes numericValue usable by pgx's own numeric codec too
// (text format, or a connection without numericCodec).
func (v numericValue) NumericValue() (pgtype.Numeric, error) {
	n := pgtype.Numeric{Exp: v.exp, Valid: true}
	n.Int = new(big.Int).SetInt64(v.coef)
	return n, nil
}

// numericCodec is pgx's NumericCodec with the fast binary encoder for
// numericValue. Open registers it on every connection of the pool.
type numericCodec struct{ pgtype.NumericCodec }

func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(numericValue); ok && format == pgtype.BinaryFormatCode {
		return encodeNumericValue{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

type encodeNumericValue struct{}

// Encode writes PostgreSQL's binary numeric: ndigits, weight, sign and
// dscale as 16-bit integers, then the base-10000 digits, most significant
// first. Like pgx, it first scales the value so the exponent is a multiple
// of 4, so each base-10000 digit holds four decimal digits.
func (encodeNumericValue) Encode(value any, buf []byte) ([]byte, error) {
	v := value.(numericValue)
	var sign uint16
	abs := uint64(v.coef)
	if v.coef < 0 {
		sign = 0x4000
		abs = uint64(-v.coef)
	}
	exp := v.exp
	switch exp % 4 {
	case 1, -3:
		exp, abs = exp-1, abs*10
	case 2, -2:
		exp, abs = exp-2, abs*100
	case 3, -1:
		exp, abs = exp-3, abs*1000
	}
	whole, frac := abs, uint64(0)
	fracDigits := 0
	if exp < 0 {
		div := uint64(1)
		for range -exp {
			div *= 10
		}
		whole, frac = abs/div, abs%div
		fracDigits = int(-exp) / 4 // every one, even zeros, as pgx writes them
	}

	var digits [9]uint16 // whole < 10^18: at most 5; frac: at most 4
	nWhole := 0
	for w := whole; w != 0; w /= 10000 {
		nWhole++
	}
	n := nWhole + fracDigits
	for i, w := nWhole-1, whole; i >= 0; i, w = i-1, w/10000 {
		digits[i] = uint16(w % 10000)
	}
	for i, f := n-1, frac; i >= nWhole; i, f = i-1, f/10000 {
		digits[i] = uint16(f % 10000)
	}

	weight := int(exp)/4 - 1 + fracDigits
	if nWhole > 0 {
		weight = nWhole - 1
		if exp > 0 {
			weight += int(exp) / 4
		}
	}
	var dscale uint16
	if v.exp < 0 {
		dscale = uint16(-v.exp)
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, dscale)
	for _, d := range digits[:n] {
		buf = binary.BigEndian.AppendUint16(buf, d)
	}
	return buf, nil
}
