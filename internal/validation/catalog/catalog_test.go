package catalog_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

func TestACatalogFileIsReadWithCodesInCanonicalForm(t *testing.T) {
	cat, err := catalog.LoadFile("testdata/catalog-one-supplier.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cat.Supplier("SUP-PL-BOX")
	if !ok || s.Currency != "PLN" || s.Incoterm != "FCA" || s.Rating != catalog.RatingA {
		t.Fatalf("supplier %+v", s)
	}
	it, ok := cat.Item("SUP-PL-BOX", "BOX-60x40")
	if !ok {
		t.Fatal("item not found by sku")
	}
	if it.Unit != "H87" || it.HSCode != "481910" || it.MOQ.String() != "500" || it.Specs["flute"] != "BC" {
		t.Errorf("item %+v", it)
	}
	if byBuyer, ok := cat.ItemByBuyerSKU("SUP-PL-BOX", "PACK-7"); !ok || byBuyer != it {
		t.Errorf("item not found by buyer sku")
	}
	if _, ok := cat.Item("SUP-OTHER", "BOX-60x40"); ok {
		t.Errorf("an item is found under another supplier")
	}
	if cat, ok := cat.Category("packaging"); !ok || !cat.Plausible("481910") || cat.Plausible("940360") {
		t.Errorf("category packaging: %+v", cat)
	}
}

func TestThePriceIsTheOneValidOnTheDate(t *testing.T) {
	cat, err := catalog.LoadFile("testdata/catalog-one-supplier.yaml")
	if err != nil {
		t.Fatal(err)
	}
	it, _ := cat.Item("SUP-PL-BOX", "BOX-60x40")
	for _, tt := range []struct {
		on   canonical.Date
		want string
	}{
		{canonical.NewDate(2025, 12, 31), "3.10"},
		{canonical.NewDate(2026, 1, 1), "3.25"},
		{canonical.NewDate(2030, 1, 1), "3.25"},
		{canonical.NewDate(2024, 12, 31), ""},
	} {
		p, ok := it.PriceOn(tt.on)
		got := ""
		if ok {
			got = p.UnitPrice.String()
		}
		if got != tt.want {
			t.Errorf("price on %s = %q, want %q", tt.on, got, tt.want)
		}
	}
}

type committed decimal.Decimal

func (c committed) Committed(_ context.Context, _, _ string, from, to canonical.Date) (decimal.Decimal, error) {
	if to.Time().Sub(from.Time()).Hours() > 7*24 {
		return decimal.Decimal(c).Mul(decimal.NewFromInt(3)), nil // the month
	}
	return decimal.Decimal(c), nil
}

func TestRemainingCapacityIsCapacityLessWhatIsCommittedInTheWeekAndMonth(t *testing.T) {
	cat, _ := catalog.LoadFile("testdata/catalog-one-supplier.yaml")
	it, _ := cat.Item("SUP-PL-BOX", "BOX-60x40")
	c, err := catalog.RemainingCapacity(context.Background(), committed(decimal.NewFromInt(15000)), it, canonical.NewDate(2026, 7, 16)) // a Thursday
	if err != nil {
		t.Fatal(err)
	}
	if c.Week.From != canonical.NewDate(2026, 7, 13) || c.Week.To != canonical.NewDate(2026, 7, 19) || c.Week.Remaining.String() != "5000" {
		t.Errorf("week %+v", c.Week)
	}
	if c.Month.From != canonical.NewDate(2026, 7, 1) || c.Month.To != canonical.NewDate(2026, 7, 31) || c.Month.Remaining.String() != "15000" {
		t.Errorf("month %+v", c.Month)
	}
	c, _ = catalog.RemainingCapacity(context.Background(), nil, it, canonical.NewDate(2026, 7, 16))
	if !c.WeekLimited || c.Week.Remaining.String() != "20000" {
		t.Errorf("with nothing committed: %+v", c.Week)
	}
}

func TestACatalogMistakeIsReportedAtItsPosition(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"an item of an unknown supplier", "suppliers: []\nitems:\n  - supplier: SUP-X\n    sku: A\n    unit: H87\n", `catalog.yaml:3:15: unknown supplier "SUP-X"`},
		{"a currency that is not ISO", "suppliers:\n  - id: S\n    currency: EURO\n    country: DE\n", `catalog.yaml:3:15: "EURO" is not a currency code`},
		{"a rating D", "suppliers:\n  - id: S\n    currency: EUR\n    country: DE\n    rating: D\n", `catalog.yaml:5:13: rating "D" is not A, B or C`},
		{"a negative MOQ", "suppliers:\n  - {id: S, currency: EUR, country: DE}\nitems:\n  - supplier: S\n    sku: A\n    unit: H87\n    moq: -5\n", "catalog.yaml:7:10: moq must not be negative"},
		{"a price that is not a number", "suppliers:\n  - {id: S, currency: EUR, country: DE}\nitems:\n  - supplier: S\n    sku: A\n    unit: H87\n    prices:\n      - currency: EUR\n        unit_price: 12,50\n", `catalog.yaml:9:21: "12,50" is not a decimal`},
		{"a malformed HS code", "suppliers:\n  - {id: S, currency: EUR, country: DE}\nitems:\n  - supplier: S\n    sku: A\n    unit: H87\n    hs_code: \"94054\"\n", `catalog.yaml:7:14: "94054" is not an HS code`},
		{"an unknown key", "suppliers:\n  - id: S\n    curency: EUR\n", `catalog.yaml:3:5: unknown key "curency" (did you mean "currency"?)`},
		{"a sku listed twice", "suppliers:\n  - {id: S, currency: EUR, country: DE}\nitems:\n  - {supplier: S, sku: A, unit: H87}\n  - {supplier: S, sku: A, unit: H87}\n", "catalog.yaml:5:24: supplier S: sku A is listed twice"},
		{"a price period that ends before it starts", "suppliers:\n  - {id: S, currency: EUR, country: DE}\nitems:\n  - supplier: S\n    sku: A\n    unit: H87\n    prices:\n      - {currency: EUR, unit_price: 1, valid_from: 2026-02-01, valid_to: 2026-01-01}\n", "catalog.yaml:8:74: valid_to 2026-01-01 is before valid_from 2026-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.Load("catalog.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	for _, name := range []string{"testdata/catalog-one-supplier.yaml", "../testdata/catalog-four-suppliers.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("items:\n  - {supplier: S, sku: A, moq: 1e99999, prices: [{unit_price: x}]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cat, err := catalog.Load("fuzz.yaml", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		for _, s := range cat.Suppliers() {
			for _, it := range cat.Items(s.ID) {
				if _, err := catalog.RemainingCapacity(context.Background(), nil, it, canonical.NewDate(2026, 6, 1)); err != nil {
					t.Error(err)
				}
			}
		}
	})
}
