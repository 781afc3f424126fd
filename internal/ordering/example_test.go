package ordering_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

// A dry run: read a demand file, plan it, show the orders. Nothing is
// stored or reserved; creating the orders is the caller's next step.
func Example_dryRun() {
	cat, err := catalog.LoadFile("testdata/catalog-cheap-slow-and-dear-fast.yaml")
	if err != nil {
		panic(err)
	}
	lines, rowErrs, err := ordering.ReadCSV(context.Background(), "demand.csv", strings.NewReader(
		"buyer_sku,quantity,need_by,ship_to_country\n"+
			"B-BOLT,130,2026-08-03,DE\n"+
			"B-BOLT,many,2026-08-03,DE\n"+
			"B-BOLT,40,2026-06-03,DE\n"))
	if err != nil {
		panic(err)
	}
	for _, e := range rowErrs {
		fmt.Println("row error:", e)
	}
	p, err := ordering.New(ordering.Options{
		Catalog:    cat,
		Preference: ordering.PreferPrice,
		Buyer:      canonical.Party{ID: "BUY-DE-01", Country: "DE"},
		Now:        func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	plan, err := p.Plan(context.Background(), lines)
	if err != nil {
		panic(err)
	}
	for _, o := range plan.Orders {
		l := o.Lines[0]
		fmt.Println(o.OrderNumber, o.Supplier.ID, o.RequestedDeliveryDate, l.Quantity, l.SKU, l.UnitPrice, o.Currency)
	}
	for _, l := range plan.Lines {
		for _, n := range l.Notes {
			fmt.Printf("line %d: %s\n", l.Source.Line, n)
		}
	}
	// Output:
	// row error: demand.csv:3: quantity: "many" is not a decimal
	// PLN-20260601-0001 SUP-NL-FAST 2026-06-08 50 NL-BOLT-8-40 0.55 EUR
	// PLN-20260601-0002 SUP-DE-CHEAP 2026-08-03 150 M8X40-ZN 0.40 EUR
	// line 2: rounded: 130 H87 rounded up to 150 (pack size 50, MOQ 100 of SUP-DE-CHEAP/M8X40-ZN)
	// line 4: rounded: 40 H87 rounded up to 50 (pack size 25, MOQ 50 of SUP-NL-FAST/NL-BOLT-8-40)
	// line 4: late: late by 5 days: no supplier can deliver by 2026-06-03; the fastest, SUP-NL-FAST/NL-BOLT-8-40, needs 7 days and delivers on 2026-06-08
}
