package storetest

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// Orders makes n distinct orders of linesPerOrder lines each, shaped like a
// buyer's ERP export (ten buyers, fifty suppliers, lineage on every order and
// line, amounts with their scale), for benchmarks and load tests. The same
// arguments always give the same orders; variant changes the payment terms
// of every order, so Orders(n, l, 1) updates what Orders(n, l, 0) inserted.
func Orders(n, linesPerOrder, variant int) []*canonical.Order {
	terms := []string{"NET30", "NET60"}[variant%2]
	out := make([]*canonical.Order, n)
	for i := range n {
		buyer := fmt.Sprintf("buyer-%02d", i%10)
		file := fmt.Sprintf("orders-%04d.csv", i/1000)
		o := &canonical.Order{
			OrderNumber:           fmt.Sprintf("PO-%08d", i),
			OrderDate:             canonical.NewDate(2026, 3, 1+i%28),
			Buyer:                 canonical.Party{ID: buyer, Name: "Buyer " + buyer, Country: "DE"},
			Supplier:              canonical.Party{ID: fmt.Sprintf("supplier-%02d", i%50), Country: "CN"},
			Currency:              "EUR",
			Incoterm:              "FOB",
			IncotermPlace:         "Shenzhen",
			PaymentTerms:          terms,
			RequestedDeliveryDate: canonical.NewDate(2026, 5, 1+i%28),
			ShipTo:                &canonical.Address{Name: "Warehouse Hamburg", City: "Hamburg", Country: "DE"},
			Source:                &canonical.Source{Connector: "erp_export", Partner: buyer, File: file, Line: 2 + i*linesPerOrder},
		}
		total := decimal.Zero
		for j := range linesPerOrder {
			qty := decimal.New(int64(1+(i+j)%200), 0)
			price := decimal.New(int64(125+(i*7+j*13)%10000), -2) // 1.25 .. 101.24
			amount := canonical.NewDecimal(qty.Mul(price))
			total = total.Add(amount.Decimal)
			o.Lines = append(o.Lines, canonical.OrderLine{
				LineNumber:    j + 1,
				SKU:           fmt.Sprintf("SKU-%05d", (i+j)%5000),
				Description:   "Brake pad, ceramic, front axle",
				Quantity:      canonical.NewDecimal(qty),
				Unit:          "EA",
				UnitPrice:     canonical.NewDecimal(price),
				Amount:        &amount,
				HSCode:        "870830",
				OriginCountry: "CN",
				Source:        &canonical.Source{File: file, Line: 2 + i*linesPerOrder + j},
			})
		}
		t := canonical.NewDecimal(total)
		o.TotalAmount = &t
		out[i] = o
	}
	return out
}
