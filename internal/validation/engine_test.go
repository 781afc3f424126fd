package validation_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

// ledOrder is a clean order: 200 LED panels and 500 tubes from Shenzhen,
// FOB Shenzhen by sea, to Hamburg.
func ledOrder() validation.Input {
	d := canonical.MustDecimal
	ptr := func(s string) *canonical.Decimal { v := d(s); return &v }
	return validation.Input{
		Order: canonical.Order{
			OrderNumber:           "PO-1001",
			TransportMode:         canonical.TransportSea,
			OrderDate:             canonical.NewDate(2026, 6, 1),
			Buyer:                 canonical.Party{ID: "BUY-DE-01", Country: "DE"},
			Supplier:              canonical.Party{ID: "SUP-CN-LIGHT", Country: "CN"},
			Currency:              "USD",
			Incoterm:              "FOB",
			IncotermPlace:         "Shenzhen",
			PaymentTerms:          "T/T 30% deposit 70% against B/L copy",
			RequestedDeliveryDate: canonical.NewDate(2026, 7, 20),
			ShipTo:                &canonical.Address{City: "Hamburg", Country: "DE"},
			Lines: []canonical.OrderLine{
				{LineNumber: 1, SKU: "LED-PANEL-40W", Quantity: d("200"), Unit: "H87", UnitPrice: d("12.40"), Amount: ptr("2480.00"), HSCode: "940542", OriginCountry: "CN"},
				{LineNumber: 2, SKU: "LED-TUBE-T8", Quantity: d("500"), Unit: "H87", UnitPrice: d("1.95"), Amount: ptr("975.00"), HSCode: "853952", OriginCountry: "CN"},
			},
			TotalAmount: ptr("3455.00"),
		},
	}
}

func validate(t *testing.T, v *validation.Validator, in validation.Input) []validation.Finding {
	t.Helper()
	fs, err := v.Validate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if !validation.KnownRule(f.RuleID) || !f.Severity.Valid() || f.Path == "" || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
	}
	return fs
}

func find(fs []validation.Finding, rule, path string) (validation.Finding, bool) {
	for _, f := range fs {
		if f.RuleID == rule && (path == "" || f.Path == path) {
			return f, true
		}
	}
	return validation.Finding{}, false
}

func TestACleanOrderHasNoFindings(t *testing.T) {
	v := newValidator(t, nil, testCatalog(t), nil)
	if fs := validate(t, v, ledOrder()); len(fs) != 0 {
		t.Errorf("findings on a clean order: %v", fs)
	}
}

func TestEachMistakeIsReportedAtItsFieldWithItsRule(t *testing.T) {
	d := canonical.MustDecimal
	tests := []struct {
		name       string
		change     func(*validation.Input)
		rule, path string
		severity   validation.Severity
		suggestion string // a part of it, when one is expected
	}{
		{"an unknown supplier", func(in *validation.Input) { in.Order.Supplier.ID = "SUP-NOBODY" }, "unknown_supplier", "supplier.id", "error", ""},
		{"an unknown sku", func(in *validation.Input) { in.Order.Lines[1].SKU = "LED-TUBE-T9" }, "unknown_sku", "lines[1].sku", "error", ""},
		{"an unknown sku whose buyer sku is known", func(in *validation.Input) {
			in.Order.Lines[0].SKU, in.Order.Lines[0].BuyerSKU = "LED-40", "B-1001"
		}, "unknown_sku", "lines[0].sku", "error", "LED-PANEL-40W"},
		{"a negative quantity", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("-200") }, "absurd_quantity", "lines[0].quantity", "error", ""},
		{"a zero quantity", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("0") }, "absurd_quantity", "lines[0].quantity", "error", ""},
		{"a quantity of 10^12", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("1000000000000") }, "absurd_quantity", "lines[0].quantity", "error", ""},
		{"half a piece", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("200.5") }, "absurd_quantity", "lines[0].quantity", "error", "200 or 201"},
		{"a price with too many decimals", func(in *validation.Input) { in.Order.Lines[0].UnitPrice = d("12.400001") }, "price_precision", "lines[0].unit_price", "error", "12.4000"},
		{"an amount with too many decimals", func(in *validation.Input) { a := d("2480.001"); in.Order.Lines[0].Amount = &a }, "price_precision", "lines[0].amount", "error", "2480.00"},
		{"a delivery date in the past", func(in *validation.Input) {
			in.Order.OrderDate, in.Order.RequestedDeliveryDate = canonical.NewDate(2026, 3, 1), canonical.NewDate(2026, 5, 1)
		}, "date_in_past", "requested_delivery_date", "error", ""},
		{"a delivery before the order date", func(in *validation.Input) { in.Order.OrderDate = canonical.NewDate(2026, 8, 1) }, "date_in_past", "requested_delivery_date", "error", ""},
		{"a delivery sooner than the lead time", func(in *validation.Input) { in.Order.RequestedDeliveryDate = canonical.NewDate(2026, 6, 20) }, "lead_time", "requested_delivery_date", "warning", "2026-07-06"},
		{"the catalog's HS code differs", func(in *validation.Input) { in.Order.Lines[0].HSCode = "940360" }, "hs_code_catalog", "lines[0].hs_code", "warning", "HS code 9405.42 is the catalog's code for this SKU"},
		{"no HS code on a cross-border line", func(in *validation.Input) { in.Order.Lines[0].HSCode = "" }, "hs_code_format", "lines[0].hs_code", "error", "9405.42"},
		{"a malformed HS code", func(in *validation.Input) { in.Order.Lines[0].HSCode = "94054" }, "hs_code_format", "lines[0].hs_code", "error", ""},
		{"no origin on a cross-border line", func(in *validation.Input) { in.Order.Lines[1].OriginCountry = "" }, "origin_country", "lines[1].origin_country", "error", "CN"},
		{"another origin than the catalog's", func(in *validation.Input) { in.Order.Lines[1].OriginCountry = "VN" }, "origin_country", "lines[1].origin_country", "error", "CN"},
		{"FOB by air", func(in *validation.Input) { in.Order.TransportMode = canonical.TransportAir }, "incoterm_transport_mode", "incoterm", "error", "use FCA"},
		{"an unknown transport mode", func(in *validation.Input) { in.Order.TransportMode = "teleport" }, "incoterm_transport_mode", "transport_mode", "error", ""},
		{"an old incoterm", func(in *validation.Input) { in.Order.Incoterm = "DDU" }, "incoterm_transport_mode", "incoterm", "error", ""},
		{"a currency that is not ISO", func(in *validation.Input) { in.Order.Currency = "US$" }, "currency_code", "currency", "error", ""},
		{"another currency than the supplier's", func(in *validation.Input) { in.Order.Currency = "EUR" }, "supplier_currency", "currency", "error", "order in USD"},
		{"a country that is not ISO", func(in *validation.Input) { in.Order.ShipTo.Country = "GER" }, "country_code", "ship_to.country", "error", ""},
		{"a unit that is not Rec 20", func(in *validation.Input) { in.Order.Lines[0].Unit = "PCS" }, "unit_code", "lines[0].unit", "error", ""},
		{"another unit than the catalog's", func(in *validation.Input) { in.Order.Lines[0].Unit = "KGM" }, "unit_code", "lines[0].unit", "error", "H87"},
		{"below the MOQ", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("50") }, "moq", "lines[0].quantity", "error", "at least 100"},
		{"not a multiple of the pack size", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("205") }, "pack_size", "lines[0].quantity", "warning", "order 210"},
		{"more than the weekly capacity", func(in *validation.Input) { in.Order.Lines[0].Quantity = d("6000") }, "capacity", "lines[0].quantity", "error", "at most 5000"},
		{"a price 10% over the list", func(in *validation.Input) { in.Order.Lines[0].UnitPrice = d("13.64") }, "price_list", "lines[0].unit_price", "error", "12.40 USD"},
		{"a line amount that does not add up", func(in *validation.Input) { a := d("2490.00"); in.Order.Lines[0].Amount = &a }, "amounts_add_up", "lines[0].amount", "error", ""},
		{"a total that does not add up", func(in *validation.Input) { a := d("3400.00"); in.Order.TotalAmount = &a }, "amounts_add_up", "total_amount", "error", ""},
		{"unreadable payment terms", func(in *validation.Input) { in.Order.PaymentTerms = "when convenient" }, "payment_terms_policy", "payment_terms", "error", "T/T 30%"},
		{"too many days of credit", func(in *validation.Input) { in.Order.PaymentTerms = "NET 120" }, "payment_terms_policy", "payment_terms", "error", "90 days"},
		{"more prepayment than the rating allows", func(in *validation.Input) { in.Order.PaymentTerms = "T/T 50% deposit, balance against B/L copy" }, "payment_terms_policy", "payment_terms", "error", "30%"},
		{"no order number", func(in *validation.Input) { in.Order.OrderNumber = "" }, "required_fields", "order_number", "error", ""},
		{"no supplier", func(in *validation.Input) { in.Order.Supplier.ID = "" }, "required_fields", "supplier.id", "error", ""},
		{"no sku", func(in *validation.Input) { in.Order.Lines[1].SKU = "" }, "required_fields", "lines[1].sku", "error", ""},
		{"two lines numbered 1", func(in *validation.Input) { in.Order.Lines[1].LineNumber = 1 }, "order_structure", "lines[1].line_number", "error", ""},
	}
	v := newValidator(t, nil, testCatalog(t), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ledOrder()
			tt.change(&in)
			fs := validate(t, v, in)
			f, ok := find(fs, tt.rule, tt.path)
			if !ok {
				t.Fatalf("no %s finding at %s; got %v", tt.rule, tt.path, fs)
			}
			if f.Severity != tt.severity {
				t.Errorf("severity %s, want %s", f.Severity, tt.severity)
			}
			if !strings.Contains(f.Suggestion, tt.suggestion) {
				t.Errorf("suggestion %q, want it to contain %q", f.Suggestion, tt.suggestion)
			}
		})
	}
}

func TestFindingsComeHeaderFirstThenLineByLine(t *testing.T) {
	in := ledOrder()
	in.Order.Lines[1].Quantity = canonical.MustDecimal("50")  // moq, line 1
	in.Order.Lines[0].UnitPrice = canonical.MustDecimal("20") // price_list, amounts, line 0
	in.Order.PaymentTerms = "NET 120"                         // header
	v := newValidator(t, nil, testCatalog(t), nil)
	fs := validate(t, v, in)
	var paths []string
	for _, f := range fs {
		paths = append(paths, f.Path)
	}
	first := func(prefix string) int {
		return slices.IndexFunc(paths, func(p string) bool { return strings.HasPrefix(p, prefix) })
	}
	if !(first("payment_terms") < first("lines[0]") && first("lines[0]") < first("lines[1]")) || first("lines[1]") < 0 {
		t.Errorf("findings out of order: %v", paths)
	}
	again := validate(t, v, in)
	if !slices.Equal(fs, again) {
		t.Errorf("two runs differ:\n%v\n%v", fs, again)
	}
}

func TestPartnerThresholdsAndSettingsOverrideTheDefaults(t *testing.T) {
	cfg, err := validation.LoadConfigFile("testdata/rules-lenient-shenzhen.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, cfg, testCatalog(t), nil)

	in := ledOrder()
	in.Order.Lines[0].UnitPrice = canonical.MustDecimal("12.90") // 4% over the list
	in.Order.Lines[0].Amount = nil
	in.Order.TotalAmount = nil
	if fs := validate(t, v, in); len(fs) != 0 {
		t.Errorf("4%% over the list with a 5%% tolerance for this supplier: %v", fs)
	}

	in = ledOrder()
	in.Order.Lines[0].Quantity = canonical.MustDecimal("205")
	in.Order.Lines[0].Amount, in.Order.TotalAmount = nil, nil
	fs := validate(t, v, in)
	if f, ok := find(fs, "pack_size", ""); !ok || f.Severity != validation.SeverityError {
		t.Errorf("pack_size is an error in the config; got %v", fs)
	}

	in = ledOrder()
	in.Order.TransportMode = canonical.TransportAir
	if fs := validate(t, v, in); len(fs) != 0 {
		t.Errorf("incoterm_transport_mode is disabled for this supplier; got %v", fs)
	}

	// Another supplier keeps the global 2% tolerance.
	d := canonical.MustDecimal
	valve := validation.Input{Order: canonical.Order{
		OrderNumber: "PO-2001", TransportMode: canonical.TransportRoad, OrderDate: canonical.NewDate(2026, 6, 1), Buyer: canonical.Party{ID: "BUY-DE-01"},
		Supplier: canonical.Party{ID: "SUP-IT-VALVE", Country: "IT"}, Currency: "EUR", Incoterm: "FCA", PaymentTerms: "NET 60",
		RequestedDeliveryDate: canonical.NewDate(2026, 7, 1), ShipTo: &canonical.Address{Country: "DE"},
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "BV-DN50-PN16", Quantity: d("20"), Unit: "H87", UnitPrice: d("90.00"), HSCode: "84818081", OriginCountry: "IT"}},
	}}
	if _, ok := find(validate(t, v, valve), "price_list", ""); !ok {
		t.Errorf("3.7%% over the list passed with the global 2%% tolerance")
	}
}

type committed map[string]decimal.Decimal

func (c committed) Committed(_ context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	return c[supplierID+"/"+sku+"/"+from.String()], nil
}

func TestCapacityCountsWhatIsAlreadyOrdered(t *testing.T) {
	// The week of 2026-07-20 starts on Monday 2026-07-20.
	c := committed{"SUP-CN-LIGHT/LED-PANEL-40W/2026-07-20": decimal.NewFromInt(4900)}
	v, err := validation.New(nil, validation.Options{Catalog: testCatalog(t), Commitments: c, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	fs := validate(t, v, ledOrder())
	f, ok := find(fs, "capacity", "lines[0].quantity")
	if !ok || !strings.Contains(f.Message, "4900 already ordered") || !strings.Contains(f.Suggestion, "at most 100") {
		t.Errorf("200 panels on top of 4900 of 5000 a week: %v", fs)
	}
}

type failingIndex struct{}

func (failingIndex) OrdersByKey(context.Context, string, canonical.Date, canonical.Date) ([]canonical.Order, error) {
	return nil, errors.New("store is down")
}

func TestAFailedLookupIsAnErrorBesideTheFindings(t *testing.T) {
	v := newValidator(t, nil, testCatalog(t), failingIndex{})
	in := ledOrder()
	in.Order.PaymentTerms = "NET 120"
	fs, err := v.Validate(context.Background(), in)
	if err == nil || !strings.Contains(err.Error(), "store is down") {
		t.Errorf("error %v, want the index's", err)
	}
	if _, ok := find(fs, "payment_terms_policy", ""); !ok {
		t.Errorf("findings made before the lookup are lost: %v", fs)
	}
}

func TestTheSameOrderSentTwiceIsNotADuplicateButACopyIs(t *testing.T) {
	idx := &validation.MemoryOrders{}
	v := newValidator(t, nil, testCatalog(t), idx)
	first := ledOrder()
	idx.Add(first.Order)
	if _, ok := find(validate(t, v, first), "duplicate_order", ""); ok {
		t.Errorf("the same order number again is flagged as a duplicate")
	}
	copyOf := ledOrder()
	copyOf.Order.OrderNumber = "PO-1002"
	copyOf.Order.Lines[0].Quantity = canonical.MustDecimal("200.00")
	copyOf.Order.Lines[0], copyOf.Order.Lines[1] = copyOf.Order.Lines[1], copyOf.Order.Lines[0]
	if _, ok := find(validate(t, v, copyOf), "duplicate_order", "order_number"); !ok {
		t.Errorf("a copy under another number is not flagged")
	}
	later := ledOrder()
	later.Order.OrderNumber = "PO-1003"
	later.Order.RequestedDeliveryDate = canonical.NewDate(2026, 8, 20)
	if _, ok := find(validate(t, v, later), "duplicate_order", ""); ok {
		t.Errorf("the same items for another delivery date are flagged")
	}
}

func TestWithoutACatalogOnlyTheOrderItselfIsChecked(t *testing.T) {
	v := newValidator(t, nil, nil, nil)
	in := ledOrder()
	in.Order.Lines[0].Quantity = canonical.MustDecimal("3") // below MOQ, but no catalog to say so
	in.Order.Lines[0].Amount = nil
	in.Order.TotalAmount = nil
	if fs := validate(t, v, in); len(fs) != 0 {
		t.Errorf("findings without a catalog: %v", fs)
	}
}

func FuzzValidate(f *testing.F) {
	seed, _ := json.Marshal(ledOrder().Order)
	f.Add(seed, "sea")
	for _, name := range []string{"testdata/order-absurd-values.json"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "air")
		}
	}
	f.Add([]byte(`{"order_number":"x","lines":[{"quantity":"1e12","unit_price":"-0.0000001"}]}`), "")
	f.Add([]byte(`{"supplier":{"id":"SUP-JP-TOOLS"},"currency":"JPY","lines":[{"sku":"PLIERS-200","quantity":"0.5","unit":"H87","unit_price":"1850.5"}],"total_amount":"-1"}`), "rail")
	cat := testCatalog(f)
	idx := &validation.MemoryOrders{}
	idx.Add(ledOrder().Order)
	v := newValidator(f, nil, cat, idx)
	f.Fuzz(func(t *testing.T, b []byte, mode string) {
		var o canonical.Order
		if err := json.Unmarshal(b, &o); err != nil {
			return
		}
		o.TransportMode = canonical.TransportMode(mode)
		fs, err := v.Validate(context.Background(), validation.Input{Order: o})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if !validation.KnownRule(f.RuleID) || !f.Severity.Valid() || f.Path == "" {
				t.Errorf("malformed finding %+v", f)
			}
		}
	})
}

var _ catalog.Commitments = committed{}

func TestAnHSCodeIsCheckedAgainstTheCategoryWhenTheCatalogHasNoCodeForTheSKU(t *testing.T) {
	cat, err := catalog.New(
		[]catalog.Supplier{{ID: "SUP-TR-TEX", Currency: "EUR", Country: "TR", Rating: catalog.RatingA}},
		[]catalog.Item{{SupplierID: "SUP-TR-TEX", SKU: "TOWEL-70", BuyerSKU: "B-77", Unit: "H87", Category: "textiles"}},
		[]catalog.Category{{Name: "textiles", HSPrefixes: []string{"63", "61", "62"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, nil, cat, nil)
	order := func(hs canonical.HSCode) validation.Input {
		return validation.Input{Order: canonical.Order{
			OrderNumber: "PO-3001", OrderDate: canonical.NewDate(2026, 6, 1), Buyer: canonical.Party{ID: "BUY-DE-01"},
			Supplier: canonical.Party{ID: "SUP-TR-TEX"}, Currency: "EUR", PaymentTerms: "NET 30",
			RequestedDeliveryDate: canonical.NewDate(2026, 7, 1), ShipTo: &canonical.Address{Country: "DE"},
			Lines: []canonical.OrderLine{{LineNumber: 1, BuyerSKU: "B-77", Quantity: canonical.MustDecimal("10"), Unit: "H87", UnitPrice: canonical.MustDecimal("4.20"), HSCode: hs, OriginCountry: "TR"}},
		}}
	}
	if fs := validate(t, v, order("630260")); len(fs) != 0 {
		t.Errorf("a towel under 6302.60 (found by its buyer sku): %v", fs)
	}
	f, ok := find(validate(t, v, order("940360")), "hs_code_catalog", "lines[0].hs_code")
	if !ok || !strings.Contains(f.Message, "not plausible for category textiles") || !strings.Contains(f.Suggestion, "63, 61, 62") {
		t.Errorf("a towel under 9403.60 (furniture): %+v", f)
	}
}

func TestABadConfigBuiltInGoIsRefusedByNew(t *testing.T) {
	neg := -5
	cfg := &validation.Config{
		Rules:      map[string]validation.RuleSetting{"moq": {Severity: "fatal"}, "teleport": {}},
		Thresholds: validation.Thresholds{MaxPaymentDays: &neg},
	}
	_, err := validation.New(cfg, validation.Options{})
	for _, want := range []string{`rules.moq.severity: severity "fatal"`, `rules.teleport: unknown rule id`, "thresholds.max_payment_days: max_payment_days must be from 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
}
