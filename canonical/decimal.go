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

// ParseDecimal parses a plain decimal string with a point as decimal mark
// ("1234.50", "-3", "0.125"). Locale-specific forms are the mapping's job.
func ParseDecimal(s string) (Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("%q is not a decimal", s)
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
			return fmt.Errorf("decimal: %w", err)
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
// from zero) to the currency's minor units, as invoices and bank statements do.
func (m Money) Round() Money {
	places := int32(m.Currency.MinorUnits())
	return Money{Amount: Decimal{m.Amount.Decimal.Round(places)}, Currency: m.Currency}
}

// String prints "1234.50 EUR" with the currency's minor units.
func (m Money) String() string {
	return m.Amount.Decimal.StringFixed(int32(m.Currency.MinorUnits())) + " " + string(m.Currency)
}
