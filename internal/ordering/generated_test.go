package ordering_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/shopspring/decimal"
)

// generateDemand makes n demand lines against catalog-mixed-for-generated-demand.yaml:
// every buyer SKU and one nobody sells, whole and fractional quantities,
// need-by dates from the past to months ahead, four destinations, units
// given, left out or wrong. The same seed gives the same lines.
func generateDemand(seed uint64, n int) []ordering.DemandLine {
	rng := rand.New(rand.NewPCG(seed, seed^0xdead))
	skus := []struct {
		sku  string
		unit canonical.Unit
	}{{"B-LED", "H87"}, {"B-TABLE", "H87"}, {"B-PLIERS", "H87"}, {"B-RESIN", "KGM"}, {"B-OIL", "LTR"}, {"B-UNKNOWN", "H87"}}
	places := []canonical.Address{
		hamburg,
		{Name: "Nordhafen NL", City: "Rotterdam", Country: "NL"},
		{Name: "Nordhafen PL", City: "Poznań", Country: "PL"},
		{},
	}
	out := make([]ordering.DemandLine, n)
	for i := range out {
		s := skus[rng.IntN(len(skus))]
		qty := decimal.NewFromInt(1 + rng.Int64N(6000))
		if rng.IntN(4) == 0 {
			qty = decimal.New(1+rng.Int64N(60000), -1) // 0.1 to 6000.0
		}
		unit := s.unit
		switch rng.IntN(5) {
		case 0:
			unit = ""
		case 1:
			if rng.IntN(3) == 0 {
				unit = "SET" // no item is sold in sets
			}
		}
		out[i] = ordering.DemandLine{
			BuyerSKU:  s.sku,
			Quantity:  canonical.NewDecimal(qty),
			Unit:      unit,
			NeedBy:    canonical.DateOf(today.Time().AddDate(0, 0, rng.IntN(130)-10)),
			ShipTo:    places[rng.IntN(len(places))],
			Reference: fmt.Sprintf("REQ-%04d", i+1),
		}
	}
	return out
}

func TestEveryPlannedOrderPassesTheValidation(t *testing.T) {
	cat := loadCatalog(t, "catalog-mixed-for-generated-demand.yaml")
	taken := commitments{
		{"SUP-CN-LIGHT", "LED-PANEL-40W", date("2026-07-15"), decimal.NewFromInt(4000)},
		{"SUP-DE-LIGHT", "KL-PANEL-40", date("2026-06-24"), decimal.NewFromInt(700)},
		{"SUP-VN-FURN", "OAK-TABLE-180", date("2026-08-10"), decimal.NewFromInt(550)},
	}
	for _, pref := range []ordering.Preference{ordering.PreferPrice, ordering.PreferLeadTime, ordering.PreferCapacity} {
		for seed := range uint64(6) {
			t.Run(fmt.Sprintf("%s seed %d", pref, seed), func(t *testing.T) {
				p := planner(t, cat, ordering.Options{Preference: pref, Commitments: taken, Currency: ordering.CurrencyPolicy{Rates: fixedRates{}}})
				lines := generateDemand(seed, 80)
				pl := plan(t, p, lines...)
				if len(pl.Orders) == 0 {
					t.Fatal("no orders")
				}
				mustPassValidation(t, cat, taken, pl.Orders)
				checkLinesAddUp(t, lines, pl)
			})
		}
	}
}

// checkLinesAddUp checks that each line's allocations are in the orders,
// add up to what it says is planned, and cover the demand when planned.
func checkLinesAddUp(t *testing.T, lines []ordering.DemandLine, pl ordering.Plan) {
	t.Helper()
	byNumber := map[string]canonical.Order{}
	for _, o := range pl.Orders {
		byNumber[o.OrderNumber] = o
	}
	inOrders := 0
	for _, o := range pl.Orders {
		inOrders += len(o.Lines)
	}
	allocs := 0
	for i, lp := range pl.Lines {
		sum := decimal.Zero
		for _, a := range lp.Allocations {
			allocs++
			o, ok := byNumber[a.OrderNumber]
			if !ok || a.LineNumber < 1 || a.LineNumber > len(o.Lines) {
				t.Errorf("line %d: allocation %+v names no order line", i, a)
				continue
			}
			l := o.Lines[a.LineNumber-1]
			if l.SKU != a.SKU || !l.Quantity.Equal(a.Quantity) || o.RequestedDeliveryDate != a.DeliveryDate || l.BuyerSKU != lines[i].BuyerSKU {
				t.Errorf("line %d: allocation %+v is not order line %+v", i, a, l)
			}
			sum = sum.Add(a.Quantity.Decimal)
		}
		if !sum.Equal(lp.Planned.Decimal) {
			t.Errorf("line %d: allocations add up to %s, planned says %s", i, sum, lp.Planned)
		}
		switch lp.Status {
		case ordering.StatusPlanned:
			if sum.LessThan(lines[i].Quantity.Decimal) {
				t.Errorf("line %d: planned %s of a demand of %s", i, sum, lines[i].Quantity)
			}
		case ordering.StatusUnplanned:
			if len(lp.Notes) == 0 {
				t.Errorf("line %d is unplanned without a reason", i)
			}
		}
	}
	if allocs != inOrders {
		t.Errorf("%d allocations, %d order lines", allocs, inOrders)
	}
}

// fixedRates converts at fixed rates per EUR.
type fixedRates struct{}

var perEUR = map[canonical.Currency]decimal.Decimal{
	"EUR": decimal.NewFromInt(1), "USD": decimal.RequireFromString("1.08"), "JPY": decimal.NewFromInt(162),
	"PLN": decimal.RequireFromString("4.28"), "GBP": decimal.RequireFromString("0.85"),
}

func (fixedRates) Convert(a canonical.Decimal, from, to canonical.Currency, _ canonical.Date) (canonical.Decimal, error) {
	f, ok1 := perEUR[from]
	t, ok2 := perEUR[to]
	if !ok1 || !ok2 {
		return canonical.Decimal{}, fmt.Errorf("no rate for %s or %s", from, to)
	}
	return canonical.NewDecimal(a.Mul(t).DivRound(f, int32(to.MinorUnits()))), nil
}
