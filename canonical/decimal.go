package canonical

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// Decimal is an exact decimal number that keeps its scale when encoded:
// "12.50" is written back as "12.50", never as 12.5 and never as a float.
type Decimal struct {
	decimal.Decimal
}

// NewDecimal wraps a shopspring decimal.
func NewDecimal(d decimal.Decimal) Decimal { return Decimal{d} }

// maxDecimalDigits bounds the digits before and after the point. Money and
// quantities need far fewer; the bound stops "1e999999999" from turning
// into a gigabyte of zeros when it is printed.
const maxDecimalDigits = 64

// ParseDecimal parses a plain decimal string with a point as decimal mark
// ("1234.50", "-3", "0.125"); exponent notation ("1.5e3") is accepted too.
// Locale-specific forms ("1.234,50") are the mapping's job. A number with
// more than 64 digits before or after the point is rejected. The error is a
// *ParseError with code invalid_decimal.
func ParseDecimal(s string) (Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, parseError(CodeInvalidDecimal, "%s is not a decimal", clip(s))
	}
	exp := int64(d.Exponent())
	intDigits := int64(d.NumDigits()) + exp
	if intDigits > maxDecimalDigits || -exp > maxDecimalDigits {
		return Decimal{}, parseError(CodeInvalidDecimal, "%s has too many digits (at most %d before and %d after the point)", clip(s), maxDecimalDigits, maxDecimalDigits)
	}
	return Decimal{d}, nil
}

// parsePlainDecimal reads the plain form -?digits[.digits] when it has at
// most 18 characters besides the point: the inputs that shopspring's
// NewFromString reads through an int64. It gives exactly what ParseDecimal
// gives for them (the same coefficient built by decimal.New, the same
// exponent; 18 digits are always within the 64-digit bound) and reports
// false for every other input, which the caller hands to ParseDecimal.
func parsePlainDecimal(s []byte) (Decimal, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	intDigits, point := 0, -1
	var c int64
	for ; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= '0' && b <= '9':
			c = c*10 + int64(b-'0')
			if point < 0 {
				intDigits++
			}
		case b == '.' && point < 0 && intDigits > 0:
			point = i
		default:
			return Decimal{}, false
		}
	}
	chars := len(s) // NewFromString counts the sign too
	exp := 0
	if point >= 0 {
		chars--
		exp = point + 1 - len(s)
	}
	if intDigits == 0 || exp == 0 && point >= 0 || chars > 18 {
		return Decimal{}, false
	}
	if neg {
		c = -c
	}
	return Decimal{decimal.New(c, int32(exp))}, true
}

// MustDecimal is ParseDecimal for constants in code and tests; it panics on bad input.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Scale is the number of digits after the decimal point as written.
func (d Decimal) Scale() int32 {
	if e := d.Exponent(); e < 0 {
		return -e
	}
	return 0
}

// String prints the number with its own scale ("12.50").
func (d Decimal) String() string {
	var buf [32]byte
	return string(d.appendText(buf[:0]))
}

// appendText appends String's text to dst. A coefficient of at most 18
// digits with an exponent within ±64 (the usual case) is formatted here from
// its int64 value; anything else goes through shopspring's big integers.
// Both give StringFixed(Scale()): the coefficient's digits with the point
// placed by the exponent, zeros after them for a positive exponent.
func (d Decimal) appendText(dst []byte) []byte {
	exp := d.Exponent()
	if exp < -maxDecimalDigits || exp > maxDecimalDigits || d.NumDigits() > 18 {
		return append(dst, d.Decimal.StringFixed(d.Scale())...)
	}
	c := d.CoefficientInt64()
	if exp > 0 {
		if c == 0 {
			return append(dst, '0')
		}
		dst = strconv.AppendInt(dst, c, 10)
		for range exp {
			dst = append(dst, '0')
		}
		return dst
	}
	// Written from the right: the scale's digits (zero-padded), the point,
	// then the integer part, at least "0".
	var buf [1 + 18 + 1 + maxDecimalDigits]byte
	i := len(buf)
	u := uint64(c)
	if c < 0 {
		u = uint64(-c) // cannot overflow: |c| < 10^18
	}
	if exp < 0 {
		for range -exp {
			i--
			buf[i] = byte('0' + u%10)
			u /= 10
		}
		i--
		buf[i] = '.'
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if c < 0 {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}

// Format makes %s and %v print the number with its scale, like String
// (shopspring's own Format would drop trailing zeros). Other verbs go to it.
func (d Decimal) Format(f fmt.State, verb rune) {
	switch verb {
	case 's', 'v':
		fmt.Fprint(f, d.String())
	case 'q':
		fmt.Fprintf(f, "%q", d.String())
	default:
		d.Decimal.Format(f, verb)
	}
}

// Equal reports whether two decimals have the same value (12.5 equals 12.50).
func (d Decimal) Equal(o Decimal) bool { return d.Decimal.Equal(o.Decimal) }

// MarshalJSON writes the number as a JSON string with its scale.
func (d Decimal) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24)
	b = append(b, '"')
	b = d.appendText(b)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a JSON string ("12.50") or a JSON number (12.50).
func (d *Decimal) UnmarshalJSON(b []byte) error {
	// The usual "12.50" or 12.50 is read without going through strings.
	plain := b
	if len(plain) >= 2 && plain[0] == '"' && plain[len(plain)-1] == '"' {
		plain = plain[1 : len(plain)-1]
	}
	if v, ok := parsePlainDecimal(plain); ok {
		*d = v
		return nil
	}
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return parseError(CodeInvalidDecimal, "%s is not a JSON string", clip(s))
		}
		s = u
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Money is an amount in a currency. JSON documents carry amounts as decimal
// strings beside a currency field; Money is the Go-side pairing of the two.
type Money struct {
	Amount   Decimal
	Currency Currency
}

// Round returns the amount rounded with commercial rounding (half away
// from zero) to the currency's minor units, as invoices and bank statements
// do: 0.125 EUR is 0.13 EUR, 1234.5 JPY is 1235 JPY, 1.2345 KWD is 1.235 KWD.
// The result has exactly that scale ("12.5 EUR" becomes "12.50"). An amount
// in a currency whose minor unit is "N.A." (XAU, XDR...) is returned as it is.
func (m Money) Round() Money {
	if m.Currency.Valid() && !m.Currency.HasMinorUnits() {
		return m
	}
	places := int32(m.Currency.MinorUnits())
	return Money{Amount: Decimal{m.Amount.Decimal.Round(places)}, Currency: m.Currency}
}

// String prints "1234.50 EUR" with the currency's minor units (or, for XAU,
// XDR and the other codes without minor units, with the amount's own scale).
func (m Money) String() string {
	if m.Currency.Valid() && !m.Currency.HasMinorUnits() {
		return m.Amount.String() + " " + string(m.Currency)
	}
	return m.Amount.Decimal.StringFixed(int32(m.Currency.MinorUnits())) + " " + string(m.Currency)
}
