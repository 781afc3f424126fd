package ordering_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/shopspring/decimal"
)

func TestADemandOf130WithPack50AndMOQ100Becomes150(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	p := planner(t, cat, ordering.Options{Preference: ordering.PreferPrice})
	pl := plan(t, p, demand("B-BOLT", "130", date("2026-08-03")))

	if len(pl.Orders) != 1 || len(pl.Orders[0].Lines) != 1 {
		t.Fatalf("want one order of one line, got %+v", pl.Orders)
	}
	l := pl.Orders[0].Lines[0]
	if l.SKU != "M8X40-ZN" || l.Quantity.String() != "150" {
		t.Errorf("ordered %s of %s, want 150 of M8X40-ZN", l.Quantity, l.SKU)
	}
	lp := pl.Lines[0]
	if lp.Status != ordering.StatusPlanned || lp.Planned.String() != "150" {
		t.Errorf("line is %s with %s planned, want planned 150", lp.Status, lp.Planned)
	}
	msg := noteOf(t, lp, ordering.NoteRounded)
	for _, want := range []string{"130", "150", "pack size 50", "MOQ 100"} {
		if !strings.Contains(msg, want) {
			t.Errorf("rounded note %q does not say %q", msg, want)
		}
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestASmallDemandIsRaisedToTheMOQ(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), demand("B-BOLT", "7", date("2026-08-03")))
	if got := pl.Orders[0].Lines[0].Quantity.String(); got != "100" {
		t.Errorf("7 bolts became %s, want the MOQ 100", got)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestThePreferenceChoosesTheSupplier(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	for _, tc := range []struct {
		name     string
		pref     ordering.Preference
		supplier string
		price    string
		delivery string
	}{
		{"price chooses the cheaper supplier", ordering.PreferPrice, "SUP-DE-CHEAP", "0.40", "2026-08-03"},
		{"lead_time chooses the faster supplier", ordering.PreferLeadTime, "SUP-NL-FAST", "0.55", "2026-08-03"},
		{"the default is price", "", "SUP-DE-CHEAP", "0.40", "2026-08-03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := plan(t, planner(t, cat, ordering.Options{Preference: tc.pref}), demand("B-BOLT", "500", date("2026-08-03")))
			if len(pl.Orders) != 1 {
				t.Fatalf("want one order, got %d", len(pl.Orders))
			}
			o := pl.Orders[0]
			if o.Supplier.ID != tc.supplier || o.Lines[0].UnitPrice.String() != tc.price {
				t.Errorf("ordered from %s at %s, want %s at %s", o.Supplier.ID, o.Lines[0].UnitPrice, tc.supplier, tc.price)
			}
			if o.RequestedDeliveryDate.String() != tc.delivery {
				t.Errorf("delivery %s, want the need-by date %s", o.RequestedDeliveryDate, tc.delivery)
			}
			mustPassValidation(t, cat, nil, pl.Orders)
		})
	}
}

func TestCapacityPreferenceChoosesTheSupplierWithTheMostLeft(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	// The cheap supplier makes 2000 a week and has 1900 of the week taken;
	// the fast one states no capacity, which ranks first.
	taken := commitments{{"SUP-DE-CHEAP", "M8X40-ZN", date("2026-08-04"), decimal.NewFromInt(1900)}}
	pl := plan(t, planner(t, cat, ordering.Options{Preference: ordering.PreferCapacity, Commitments: taken}), demand("B-BOLT", "100", date("2026-08-03")))
	if got := pl.Orders[0].Supplier.ID; got != "SUP-NL-FAST" {
		t.Errorf("ordered from %s, want SUP-NL-FAST (no capacity limit)", got)
	}
	mustPassValidation(t, cat, taken, pl.Orders)
}

// usdPerEUR converts at 1.25 USD per EUR.
type usdPerEUR struct{}

func (usdPerEUR) Convert(a canonical.Decimal, from, to canonical.Currency, _ canonical.Date) (canonical.Decimal, error) {
	rate := decimal.RequireFromString("1.25")
	switch {
	case from == to:
		return a, nil
	case from == "USD" && to == "EUR":
		return canonical.NewDecimal(a.Div(rate).Round(2)), nil
	case from == "EUR" && to == "USD":
		return canonical.NewDecimal(a.Mul(rate).Round(2)), nil
	}
	return canonical.Decimal{}, errors.New("no rate")
}

func TestPricesInAnotherCurrencyAreComparedAfterConversion(t *testing.T) {
	cat := loadCatalog(t, "catalog-usd-cheaper-than-eur.yaml")
	for _, tc := range []struct {
		name     string
		policy   ordering.CurrencyPolicy
		supplier string
		currency canonical.Currency
	}{
		{"4.00 USD at 1.25 USD per EUR is cheaper than 4.00 EUR", ordering.CurrencyPolicy{Compare: "EUR", Rates: usdPerEUR{}}, "SUP-US-CABLE", "USD"},
		{"without rates a USD price ranks after a EUR one", ordering.CurrencyPolicy{}, "SUP-EU-CABLE", "EUR"},
		{"compared in USD, 4.00 EUR is 5.00 USD", ordering.CurrencyPolicy{Compare: "USD", Rates: usdPerEUR{}}, "SUP-US-CABLE", "USD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := plan(t, planner(t, cat, ordering.Options{Currency: tc.policy}), demand("B-CABLE", "250.5", date("2026-07-01")))
			o := pl.Orders[0]
			if o.Supplier.ID != tc.supplier || o.Currency != tc.currency {
				t.Errorf("ordered from %s in %s, want %s in %s", o.Supplier.ID, o.Currency, tc.supplier, tc.currency)
			}
			if got := o.Lines[0].Quantity.String(); got != "250.5" {
				t.Errorf("quantity %s, want 250.5 (metres are not rounded)", got)
			}
			mustPassValidation(t, cat, nil, pl.Orders)
		})
	}
}

func TestShortCapacitySplitsTheLineOverTwoWeeks(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), demand("B-FLANGE-80", "1500", date("2026-07-01")))

	if len(pl.Orders) != 2 {
		t.Fatalf("want two orders, one per week, got %d", len(pl.Orders))
	}
	for i, want := range []struct{ date, qty string }{{"2026-07-01", "1000"}, {"2026-07-08", "500"}} {
		o := pl.Orders[i]
		if o.RequestedDeliveryDate.String() != want.date || o.Lines[0].Quantity.String() != want.qty {
			t.Errorf("order %d: %s on %s, want %s on %s", i, o.Lines[0].Quantity, o.RequestedDeliveryDate, want.qty, want.date)
		}
	}
	lp := pl.Lines[0]
	if lp.Status != ordering.StatusPlanned || len(lp.Allocations) != 2 {
		t.Errorf("line %s with %d allocations, want planned with 2", lp.Status, len(lp.Allocations))
	}
	if msg := noteOf(t, lp, ordering.NoteSplit); !strings.Contains(msg, "2 deliveries") {
		t.Errorf("split note %q does not say how many deliveries", msg)
	}
	if msg := noteOf(t, lp, ordering.NoteLate); !strings.Contains(msg, "late by 7 days") {
		t.Errorf("late note %q, want late by 7 days", msg)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestCapacityAlreadyCommittedIsNotPlannedAgain(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	taken := commitments{{"SUP-IT-FLANGE", "FL-DN80", date("2026-06-29"), decimal.NewFromInt(400)}}
	pl := plan(t, planner(t, cat, ordering.Options{Commitments: taken}), demand("B-FLANGE-80", "1500", date("2026-07-01")))
	var got []string
	for _, o := range pl.Orders {
		got = append(got, o.Lines[0].Quantity.String()+"@"+o.RequestedDeliveryDate.String())
	}
	if strings.Join(got, " ") != "600@2026-07-01 900@2026-07-08" {
		t.Errorf("got %v, want 600 in the week of 2026-07-01 (400 of 1000 taken) and 900 the week after", got)
	}
	mustPassValidation(t, cat, taken, pl.Orders)
}

func TestLinesPlannedTogetherShareTheCapacity(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}),
		demand("B-FLANGE-80", "700", date("2026-07-01")),
		demand("B-FLANGE-80", "700", date("2026-07-02")))
	week := map[string]string{}
	for _, o := range pl.Orders {
		for _, l := range o.Lines {
			week[o.RequestedDeliveryDate.String()] += l.Quantity.String() + " "
		}
	}
	if week["2026-07-01"] != "700 " || week["2026-07-02"] != "300 " || week["2026-07-09"] != "400 " {
		t.Errorf("got %v, want 700 + 300 in the week of 2026-06-29 and 400 the week after", week)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestShortCapacityGoesToTheNextBestSupplierOnTime(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), demand("B-BOLT", "3000", date("2026-08-03")))
	got := map[string]string{}
	for _, o := range pl.Orders {
		if o.RequestedDeliveryDate.String() != "2026-08-03" {
			t.Errorf("order %s delivers %s, want the need-by date", o.OrderNumber, o.RequestedDeliveryDate)
		}
		got[o.Supplier.ID] = o.Lines[0].Quantity.String()
	}
	if got["SUP-DE-CHEAP"] != "2000" || got["SUP-NL-FAST"] != "1000" {
		t.Errorf("got %v, want 2000 from the cheap supplier (its week's capacity) and 1000 from the fast one", got)
	}
	lp := pl.Lines[0]
	noteOf(t, lp, ordering.NoteSplit)
	if lp.HasNote(ordering.NoteLate) {
		t.Errorf("nothing is late, but: %s", notes(lp))
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestCapacityRunningOutLeavesTheRestUnplanned(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{MaxPushWeeks: 1}), demand("B-FLANGE-80", "2500", date("2026-07-01")))
	lp := pl.Lines[0]
	if lp.Status != ordering.StatusPartial || lp.Planned.String() != "2000" {
		t.Errorf("line %s with %s planned, want partial with 2000", lp.Status, lp.Planned)
	}
	if msg := noteOf(t, lp, ordering.NoteCapacityShort); !strings.Contains(msg, "500") {
		t.Errorf("capacity note %q does not say 500 are missing", msg)
	}
	if len(pl.Unplanned()) != 1 {
		t.Errorf("Unplanned lists %d lines, want 1", len(pl.Unplanned()))
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestASKUNoSupplierSellsIsUnplannedWithAReason(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}),
		demand("B-NOTHING", "10", date("2026-08-03")),
		demand("B-BOLT", "100", date("2026-08-03")))
	lp := pl.Lines[0]
	if lp.Status != ordering.StatusUnplanned || len(lp.Allocations) != 0 {
		t.Errorf("line is %s with %d allocations, want unplanned", lp.Status, len(lp.Allocations))
	}
	if msg := noteOf(t, lp, ordering.NoteNoSupplier); !strings.Contains(msg, "B-NOTHING") {
		t.Errorf("reason %q does not name the SKU", msg)
	}
	if pl.Lines[1].Status != ordering.StatusPlanned || len(pl.Orders) != 1 {
		t.Errorf("the other line is %s with %d orders, want it planned in one order", pl.Lines[1].Status, len(pl.Orders))
	}
}

func TestAnItemThatCannotBeOrderedIsNoCandidateAndSaysWhy(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	d := demand("B-BOLT", "100", date("2026-08-03"))
	d.Unit = "KGM"
	pl := plan(t, planner(t, cat, ordering.Options{}), d)
	msg := noteOf(t, pl.Lines[0], ordering.NoteNoSupplier)
	if !strings.Contains(msg, "sold in H87, the demand is in KGM") {
		t.Errorf("reason %q does not say the units differ", msg)
	}

	mixed := loadCatalog(t, "catalog-mixed-for-generated-demand.yaml")
	pl = plan(t, planner(t, mixed, ordering.Options{}), demand("B-TABLE", "40", date("2026-09-01")))
	if got := pl.Orders[0].Supplier.ID; got != "SUP-VN-FURN" {
		t.Errorf("ordered from %s, want SUP-VN-FURN: SUP-GB-OLD has no price valid today", got)
	}
}

func TestANeedByTooSoonTakesTheFastestSupplierAndSaysHowLate(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{Preference: ordering.PreferPrice}), demand("B-BOLT", "100", date("2026-06-05")))
	o := pl.Orders[0]
	if o.Supplier.ID != "SUP-NL-FAST" || o.RequestedDeliveryDate.String() != "2026-06-08" {
		t.Errorf("ordered from %s for %s, want SUP-NL-FAST (7 days) for 2026-06-08", o.Supplier.ID, o.RequestedDeliveryDate)
	}
	lp := pl.Lines[0]
	if lp.Status != ordering.StatusPlanned {
		t.Errorf("line is %s, want planned (late, but planned)", lp.Status)
	}
	if msg := noteOf(t, lp, ordering.NoteLate); !strings.Contains(msg, "late by 3 days") || !strings.Contains(msg, "SUP-NL-FAST") {
		t.Errorf("late note %q, want late by 3 days naming the fastest supplier", msg)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestANeedByInThePastIsDeliveredAsSoonAsPossible(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), demand("B-BOLT", "100", date("2026-05-20")))
	if got := pl.Orders[0].RequestedDeliveryDate.String(); got != "2026-06-08" {
		t.Errorf("delivery %s, want 2026-06-08", got)
	}
	if msg := noteOf(t, pl.Lines[0], ordering.NoteLate); !strings.Contains(msg, "late by 19 days") {
		t.Errorf("late note %q, want late by 19 days", msg)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestAWrongDemandLineIsUnplannedWithWhatIsWrong(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	for _, tc := range []struct {
		name string
		line ordering.DemandLine
		want string
	}{
		{"no quantity", demand("B-BOLT", "0", date("2026-08-03")), "quantity must be greater than zero"},
		{"no need-by date", demand("B-BOLT", "10", canonical.Date{}), "need_by is required"},
		{"no buyer SKU", demand(" ", "10", date("2026-08-03")), "buyer_sku is required"},
		{"an absurd quantity", demand("B-BOLT", "1e9", date("2026-08-03")), "believable"},
		{"an impossible date", demand("B-BOLT", "10", canonical.NewDate(2026, 2, 30)), "not a calendar date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := plan(t, planner(t, cat, ordering.Options{}), tc.line)
			if len(pl.Orders) != 0 {
				t.Errorf("made %d orders from a wrong line", len(pl.Orders))
			}
			if msg := noteOf(t, pl.Lines[0], ordering.NoteInvalidDemand); !strings.Contains(msg, tc.want) {
				t.Errorf("reason %q does not say %q", msg, tc.want)
			}
		})
	}
}

func TestOrdersGroupLinesBySupplierShipToAndDate(t *testing.T) {
	cat := loadCatalog(t, "catalog-mixed-for-generated-demand.yaml")
	rotterdam := canonical.Address{Name: "Nordhafen NL", City: "Rotterdam", Country: "NL"}
	a := demand("B-RESIN", "500", date("2026-08-03"))
	b := demand("B-OIL", "200", date("2026-08-03"))
	c := demand("B-OIL", "300", date("2026-08-03"))
	c.ShipTo = rotterdam
	d := demand("B-OIL", "100", date("2026-08-10"))
	pl := plan(t, planner(t, cat, ordering.Options{}), a, b, c, d)
	if len(pl.Orders) != 3 {
		t.Fatalf("want 3 orders (Hamburg 08-03 with 2 lines, Rotterdam 08-03, Hamburg 08-10), got %d", len(pl.Orders))
	}
	first := pl.Orders[0]
	if first.ShipTo.City != "Hamburg" || len(first.Lines) != 2 || first.Lines[0].LineNumber != 1 || first.Lines[1].LineNumber != 2 {
		t.Errorf("first order: %s with %d lines, want Hamburg with lines 1 and 2", first.ShipTo.City, len(first.Lines))
	}
	if first.TotalAmount.String() != "1812.50" { // 500 × 2.385 + 200 × 3.10 = 1192.50 + 620.00
		t.Errorf("total %s, want 1812.50", first.TotalAmount)
	}
	for _, lp := range pl.Lines {
		if len(lp.Allocations) != 1 || lp.Allocations[0].OrderNumber == "" {
			t.Errorf("line %d allocations %+v, want one naming its order", lp.Index, lp.Allocations)
		}
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestTheSameDemandGivesTheSameOrders(t *testing.T) {
	cat := loadCatalog(t, "catalog-mixed-for-generated-demand.yaml")
	lines := generateDemand(7, 60)
	run := func() []byte {
		pl := plan(t, planner(t, cat, ordering.Options{}), lines...)
		b, err := json.Marshal(pl)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := run()
	for range 5 {
		if again := run(); string(again) != string(first) {
			t.Fatalf("the same demand gave another plan:\n%s\n%s", first, again)
		}
	}
}

// A dry run is a call of Plan whose orders are shown, not created: it must
// change nothing, so a second plan (the real one) sees the same capacity
// and makes the same orders, even when plans run at once.
func TestADryRunUsesUpNothing(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	p := planner(t, cat, ordering.Options{})
	lines := []ordering.DemandLine{demand("B-FLANGE-80", "900", date("2026-07-01"))}
	dry := plan(t, p, lines...)
	var wg sync.WaitGroup
	plans := make([]ordering.Plan, 8)
	for i := range plans {
		wg.Go(func() { plans[i] = plan(t, p, lines...) })
	}
	wg.Wait()
	want, _ := json.Marshal(dry)
	for _, pl := range plans {
		if got, _ := json.Marshal(pl); string(got) != string(want) {
			t.Fatalf("a plan after the dry run differs:\n%s\n%s", want, got)
		}
	}
	if q := dry.Orders[0].Lines[0].Quantity.String(); q != "900" || dry.Orders[0].RequestedDeliveryDate.String() != "2026-07-01" {
		t.Errorf("got %s on %s, want 900 on 2026-07-01", q, dry.Orders[0].RequestedDeliveryDate)
	}
}

func TestOrderNumbersAreInjectable(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	lines := []ordering.DemandLine{demand("B-BOLT", "100", date("2026-08-03")), demand("B-BOLT", "100", date("2026-08-10"))}
	pl := plan(t, planner(t, cat, ordering.Options{}), lines...)
	if pl.Orders[0].OrderNumber != "PLN-20260601-0001" || pl.Orders[1].OrderNumber != "PLN-20260601-0002" {
		t.Errorf("default numbers %s, %s", pl.Orders[0].OrderNumber, pl.Orders[1].OrderNumber)
	}
	pl = plan(t, planner(t, cat, ordering.Options{Numbers: ordering.Sequence("NH-")}), lines...)
	if pl.Orders[1].OrderNumber != "NH-20260601-0002" || pl.Lines[1].Allocations[0].OrderNumber != "NH-20260601-0002" {
		t.Errorf("numbers %s, allocation %s", pl.Orders[1].OrderNumber, pl.Lines[1].Allocations[0].OrderNumber)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	for _, tc := range []struct {
		name string
		opts ordering.Options
		want string
	}{
		{"no catalog", ordering.Options{Buyer: buyer}, "catalog"},
		{"no buyer", ordering.Options{Catalog: cat}, "buyer.id"},
		{"an unknown preference", ordering.Options{Catalog: cat, Buyer: buyer, Preference: "cheapest"}, "preference"},
		{"a bad compare currency", ordering.Options{Catalog: cat, Buyer: buyer, Currency: ordering.CurrencyPolicy{Compare: "EUX"}}, "currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ordering.New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error about %s", err, tc.want)
			}
		})
	}
}

func TestACancelledPlanStops(t *testing.T) {
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := planner(t, cat, ordering.Options{}).Plan(ctx, []ordering.DemandLine{demand("B-BOLT", "100", date("2026-08-03"))})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestPaymentTermsTheValidationCannotReadAreNotPutOnAnOrder(t *testing.T) {
	cat := loadCatalog(t, "catalog-unreadable-first-payment-terms.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), demand("B-GLOVE", "200", date("2026-07-01")))
	o := pl.Orders[0]
	if o.Supplier.ID != "SUP-AT-VAGUE" || o.PaymentTerms != "NET 30" {
		t.Errorf("ordered from %s on %q, want SUP-AT-VAGUE on NET 30 (the cheaper item's own terms cannot be read)", o.Supplier.ID, o.PaymentTerms)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}
