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
	return d.Decimal.StringFixed(d.Scale())
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
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON accepts a JSON string ("12.50") or a JSON number (12.50).
func (d *Decimal) UnmarshalJSON(b []byte) error {
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
