package canonical

import (
	"slices"
	"testing"
)

func TestACatalogItemReportsEveryProblemWithItsPath(t *testing.T) {
	zero := MustDecimal("0")
	it := CatalogItem{
		Supplier: Party{Name: "no id"},
		Unit:     "PCE",
		PackSize: &zero,
		Prices: []CatalogPrice{
			{ValidFrom: mustDate("2026-06-01"), ValidTo: mustDate("2026-01-31"), Currency: "usd", UnitPrice: MustDecimal("-1")},
		},
		HSCode:       "85.01",
		LeadTimeDays: -3,
	}
	ve := AsValidationError(it.Validate())
	if ve == nil {
		t.Fatal("a broken item validated")
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	for _, want := range []string{"supplier.id", "sku", "unit", "pack_size", "lead_time_days",
		"prices[0].valid_to", "prices[0].currency", "prices[0].unit_price", "hs_code"} {
		if !slices.Contains(paths, want) {
			t.Errorf("no problem at %s; got %v", want, paths)
		}
	}
}

func TestAPriceCoversItsDatesInclusive(t *testing.T) {
	p := CatalogPrice{ValidFrom: mustDate("2026-01-01"), ValidTo: mustDate("2026-06-30")}
	for d, want := range map[string]bool{"2025-12-31": false, "2026-01-01": true, "2026-06-30": true, "2026-07-01": false} {
		if got := p.Covers(mustDate(d)); got != want {
			t.Errorf("Covers(%s) = %v, want %v", d, got, want)
		}
	}
	if !(CatalogPrice{}).Covers(mustDate("1999-01-01")) {
		t.Error("an entry without dates covers every day")
	}
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
