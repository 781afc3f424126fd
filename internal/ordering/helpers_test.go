package ordering_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

// The tests plan on Monday 2026-06-01.
var today = canonical.NewDate(2026, 6, 1)

func clock() time.Time { return time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC) }

var buyer = canonical.Party{ID: "BUY-DE-01", Name: "Nordhafen Handel GmbH", Country: "DE"}

var hamburg = canonical.Address{Name: "Nordhafen DC", City: "Hamburg", PostalCode: "20457", Country: "DE"}

func loadCatalog(t testing.TB, name string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.LoadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func planner(t testing.TB, cat *catalog.Catalog, opts ordering.Options) *ordering.Planner {
	t.Helper()
	opts.Catalog = cat
	if opts.Now == nil {
		opts.Now = clock
	}
	if opts.Buyer.ID == "" {
		opts.Buyer = buyer
	}
	p, err := ordering.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func plan(t testing.TB, p *ordering.Planner, lines ...ordering.DemandLine) ordering.Plan {
	t.Helper()
	pl, err := p.Plan(context.Background(), lines)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func demand(sku, qty string, needBy canonical.Date) ordering.DemandLine {
	return ordering.DemandLine{BuyerSKU: sku, Quantity: canonical.MustDecimal(qty), NeedBy: needBy, ShipTo: hamburg}
}

func date(s string) canonical.Date {
	d, err := canonical.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// commitments is capacity already ordered: quantities on delivery dates.
type commitments []committed

type committed struct {
	supplier, sku string
	on            canonical.Date
	qty           decimal.Decimal
}

func (c commitments) Committed(_ context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	sum := decimal.Zero
	for _, x := range c {
		if x.supplier == supplierID && x.sku == sku && !x.on.Before(from) && !to.Before(x.on) {
			sum = sum.Add(x.qty)
		}
	}
	return sum, nil
}

// withOrders adds the lines of orders to what is committed.
func (c commitments) withOrders(orders []canonical.Order) commitments {
	out := append(commitments(nil), c...)
	for _, o := range orders {
		for _, l := range o.Lines {
			out = append(out, committed{o.Supplier.ID, l.SKU, o.RequestedDeliveryDate, l.Quantity.Decimal})
		}
	}
	return out
}

// mustPassValidation checks every order with canonical Validate and with
// the validation rules against the catalog, each order seeing the others
// of the plan as committed: together they must fit the capacity.
func mustPassValidation(t testing.TB, cat *catalog.Catalog, base commitments, orders []canonical.Order) {
	t.Helper()
	for i, o := range orders {
		if err := o.Validate(); err != nil {
			t.Errorf("order %s: canonical: %v", o.OrderNumber, err)
		}
		others := append(append([]canonical.Order(nil), orders[:i]...), orders[i+1:]...)
		v, err := validation.New(nil, validation.Options{Catalog: cat, Commitments: base.withOrders(others), Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := v.Validate(context.Background(), validation.Input{Order: o})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Severity == validation.SeverityError {
				t.Errorf("order %s: %s", o.OrderNumber, f)
			}
		}
	}
}

func notes(l ordering.LinePlan) string {
	var s []string
	for _, n := range l.Notes {
		s = append(s, n.String())
	}
	return strings.Join(s, " | ")
}

func noteOf(t testing.TB, l ordering.LinePlan, code ordering.NoteCode) string {
	t.Helper()
	for _, n := range l.Notes {
		if n.Code == code {
			return n.Message
		}
	}
	t.Fatalf("line %d has no %s note; notes: %s", l.Index, code, notes(l))
	return ""
}
