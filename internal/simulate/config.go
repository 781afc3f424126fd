// Package simulate generates a realistic procurement year between buyers
// in North America and Europe and suppliers in Southeast Asia, feeds it
// through the real connectors of a hub started in-process, and reports
// KPIs beside a manual-process baseline (`procurehub simulate`).
//
// The generator is a pure function of its Config and seed: every date is
// a simulated day of the configured year, every list is built in a fixed
// order, so the same seed gives byte-identical partner files.
package simulate

import (
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the world the simulator generates. Every field has a default
// (DefaultConfig); a --config YAML overrides what it names, keys as in
// the yaml tags:
//
//	orders: 2000            # purchase orders in the year
//	suppliers: 18           # in CN, VN, TH, MY, ID, PH (at most 18)
//	carriers: 6             # logistics providers (at most 6)
//	banks: 2                # the buyers' banks (at most 2)
//	buyers: 3               # in Europe and North America (2 to 4)
//	first_order: 2026-01-05 # order dates fall between these two days
//	last_order: 2026-10-30
//	year_end: 2026-12-31    # nothing happens after this day
//	error_rate: 0.03        # orders keyed with an error (wrong price, unit, missing HS code)
//	production_delay_rate: 0.12
//	transit_delay_rate: 0.10
//	customs_hold_rate: 0.05
//	partial_shipment_rate: 0.10
//	duplicate_invoices: 4   # invoices sent again under another number
//	fraud_attempts: 1       # invoices asking to be paid to an account not on file
//	partial_payment_rate: 0.05
//	fee_rate: 0.10          # payments with bank charges on top
//	fx_payment_rate: 0.10   # payments from an account in another currency
//	manual:                 # the manual-process baseline model
//	  order_entry_days: 2   # re-keying an order and mailing it
//	  confirmation_days: 3  # chasing the supplier's confirmation
//	  matching_days: 6      # matching an invoice to PO, receipt and bank line by hand
type Config struct {
	Orders              int     `yaml:"orders"`
	Suppliers           int     `yaml:"suppliers"`
	Carriers            int     `yaml:"carriers"`
	Banks               int     `yaml:"banks"`
	Buyers              int     `yaml:"buyers"`
	FirstOrder          Day     `yaml:"first_order"`
	LastOrder           Day     `yaml:"last_order"`
	YearEnd             Day     `yaml:"year_end"`
	ErrorRate           float64 `yaml:"error_rate"`
	ProductionDelayRate float64 `yaml:"production_delay_rate"`
	TransitDelayRate    float64 `yaml:"transit_delay_rate"`
	CustomsHoldRate     float64 `yaml:"customs_hold_rate"`
	PartialShipmentRate float64 `yaml:"partial_shipment_rate"`
	DuplicateInvoices   int     `yaml:"duplicate_invoices"`
	FraudAttempts       int     `yaml:"fraud_attempts"`
	PartialPaymentRate  float64 `yaml:"partial_payment_rate"`
	FeeRate             float64 `yaml:"fee_rate"`
	FXPaymentRate       float64 `yaml:"fx_payment_rate"`
	Manual              Manual  `yaml:"manual"`
}

// Manual is the baseline: what the same year costs when people re-key
// orders, chase confirmations and match payments by hand.
type Manual struct {
	OrderEntryDays   float64 `yaml:"order_entry_days"`
	ConfirmationDays float64 `yaml:"confirmation_days"`
	MatchingDays     float64 `yaml:"matching_days"`
}

// Day is a calendar day in YAML as YYYY-MM-DD.
type Day struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Day) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a date YYYY-MM-DD", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

func day(y int, m time.Month, d int) Day { return Day{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DefaultConfig is the default world: 2,000 orders in 2026.
func DefaultConfig() Config {
	return Config{
		Orders: 2000, Suppliers: 18, Carriers: 6, Banks: 2, Buyers: 3,
		FirstOrder: day(2026, time.January, 5), LastOrder: day(2026, time.October, 30), YearEnd: day(2026, time.December, 31),
		ErrorRate: 0.03, ProductionDelayRate: 0.12, TransitDelayRate: 0.10, CustomsHoldRate: 0.05,
		PartialShipmentRate: 0.10, DuplicateInvoices: 4, FraudAttempts: 1,
		PartialPaymentRate: 0.05, FeeRate: 0.10, FXPaymentRate: 0.10,
		Manual: Manual{OrderEntryDays: 2, ConfirmationDays: 3, MatchingDays: 6},
	}
}

// LoadConfig reads a YAML over the defaults; unknown keys are errors.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	f, err := os.Open(path)
	if err != nil {
		return cfg, err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, cfg.Validate()
}

// Validate says what is out of range.
func (c Config) Validate() error {
	rate := func(name string, v float64) error {
		if v < 0 || v > 1 {
			return fmt.Errorf("simulate: %s %v is not between 0 and 1", name, v)
		}
		return nil
	}
	switch {
	case c.Orders < 1:
		return fmt.Errorf("simulate: orders must be at least 1")
	case c.Suppliers < 1 || c.Suppliers > len(supplierTable):
		return fmt.Errorf("simulate: suppliers must be 1 to %d", len(supplierTable))
	case c.Carriers < 1 || c.Carriers > len(carrierTable):
		return fmt.Errorf("simulate: carriers must be 1 to %d", len(carrierTable))
	case c.Banks < 1 || c.Banks > len(bankTable):
		return fmt.Errorf("simulate: banks must be 1 to %d", len(bankTable))
	case c.Buyers < 1 || c.Buyers > len(buyerTable):
		return fmt.Errorf("simulate: buyers must be 1 to %d", len(buyerTable))
	case c.LastOrder.Before(c.FirstOrder.Time) || c.YearEnd.Before(c.LastOrder.Time):
		return fmt.Errorf("simulate: want first_order <= last_order <= year_end")
	case c.DuplicateInvoices < 0 || c.FraudAttempts < 0:
		return fmt.Errorf("simulate: duplicate_invoices and fraud_attempts are counts")
	}
	for name, v := range map[string]float64{"error_rate": c.ErrorRate, "production_delay_rate": c.ProductionDelayRate,
		"transit_delay_rate": c.TransitDelayRate, "customs_hold_rate": c.CustomsHoldRate,
		"partial_shipment_rate": c.PartialShipmentRate, "partial_payment_rate": c.PartialPaymentRate,
		"fee_rate": c.FeeRate, "fx_payment_rate": c.FXPaymentRate} {
		if err := rate(name, v); err != nil {
			return err
		}
	}
	return nil
}
