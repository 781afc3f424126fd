package match

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// Tolerance is how far an invoice line may differ from the order and the
// receipt and still be paid without a person looking at it.
type Tolerance struct {
	// QuantityPercent is how much more than received (and than ordered) may
	// be invoiced, in percent of the received (ordered) quantity.
	QuantityPercent canonical.Decimal `json:"quantity_percent"`
	// UnitPricePercent is how much above the order's unit price the
	// invoice's unit price may be, in percent of the order's price.
	UnitPricePercent canonical.Decimal `json:"unit_price_percent"`
	// Amount is how far a line amount may be from quantity × unit price,
	// absolute, in the invoice's currency; it covers the supplier's rounding.
	Amount canonical.Decimal `json:"amount"`
}

// DefaultTolerance is used for a supplier without its own: nothing over
// what was received or ordered, nothing above the order price, and a line
// amount exactly quantity × unit price rounded to the currency.
func DefaultTolerance() Tolerance {
	zero := canonical.MustDecimal("0")
	return Tolerance{QuantityPercent: zero, UnitPricePercent: zero, Amount: zero}
}

// Validate reports a negative tolerance, or a percentage over 100.
func (t Tolerance) Validate() error {
	for _, f := range []struct {
		name string
		v    decimal.Decimal
		pct  bool
	}{
		{"quantity_percent", t.QuantityPercent.Decimal, true},
		{"unit_price_percent", t.UnitPricePercent.Decimal, true},
		{"amount", t.Amount.Decimal, false},
	} {
		if f.v.IsNegative() {
			return fmt.Errorf("match: tolerance %s is negative (%s)", f.name, f.v)
		}
		if f.pct && f.v.GreaterThan(hundred) {
			return fmt.Errorf("match: tolerance %s is over 100 (%s)", f.name, f.v)
		}
	}
	return nil
}

// Tolerances are the default tolerance and the suppliers' own, by
// supplier party id. A supplier's entry replaces the default as a whole.
type Tolerances struct {
	Default    Tolerance            `json:"default"`
	BySupplier map[string]Tolerance `json:"by_supplier,omitempty"`
}

// DefaultTolerances is DefaultTolerance for every supplier.
func DefaultTolerances() Tolerances { return Tolerances{Default: DefaultTolerance()} }

// Validate checks the default and every supplier's tolerance.
func (ts Tolerances) Validate() error {
	if err := ts.Default.Validate(); err != nil {
		return fmt.Errorf("default: %w", err)
	}
	for id, t := range ts.BySupplier {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("supplier %s: %w", id, err)
		}
	}
	return nil
}

// For returns the tolerance of supplier and where it came from:
// "supplier:<id>" or "default".
func (ts Tolerances) For(supplier string) (Tolerance, string) {
	if t, ok := ts.BySupplier[supplier]; ok {
		return t, "supplier:" + supplier
	}
	return ts.Default, "default"
}

var hundred = decimal.NewFromInt(100)
