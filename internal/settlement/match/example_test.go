package match_test

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/match"
)

func Example() {
	d := canonical.MustDecimal
	amount := d("1005.00")
	order := canonical.Order{OrderNumber: "PO-7", Buyer: canonical.Party{ID: "B1"}, Supplier: canonical.Party{ID: "SUP-1"}, Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "A", Quantity: d("100"), Unit: "PCE", UnitPrice: d("10.00")}}}
	asn := canonical.Shipment{ShipmentID: "ASN-7", Lines: []canonical.ShipmentLine{{OrderNumber: "PO-7", LineNumber: 1, Quantity: d("100")}}}
	inv := canonical.Invoice{InvoiceNumber: "INV-7", OrderNumbers: []string{"PO-7"}, Supplier: canonical.Party{ID: "SUP-1"}, Buyer: canonical.Party{ID: "B1"},
		Currency: "EUR", TotalAmount: d("1005.00"),
		Lines: []canonical.InvoiceLine{{LineNumber: 1, SKU: "A", Quantity: d("100"), UnitPrice: d("10.05"), Amount: &amount}}}

	tols := match.DefaultTolerances()
	res, _ := match.Match(match.Input{Invoice: inv, Orders: []canonical.Order{order}, Shipments: []canonical.Shipment{asn}}, tols)
	fmt.Println(res.Status, res.Blocked, res.BlockReasons())

	tols.BySupplier = map[string]match.Tolerance{"SUP-1": {QuantityPercent: d("0"), UnitPricePercent: d("1"), Amount: d("0")}}
	res, _ = match.Match(match.Input{Invoice: inv, Orders: []canonical.Order{order}, Shipments: []canonical.Shipment{asn}}, tols)
	u := res.Lines[0].Tolerances[0]
	fmt.Println(res.Status, res.Blocked, u.Kind, u.Difference, u.Percent.String()+"%", "of", u.Allowed, u.Source)

	plan, _ := match.DocumentsFor("T/T 30% deposit 70% against B/L copy")
	for _, s := range plan.Check([]string{"commercial_invoice"}) {
		fmt.Println(s.Name, s.Percent, s.Blocked, s.Missing)
	}
	// Output:
	// mismatch true [line 1: price_over: unit price 10.05, order price 10.00 (+0.05)]
	// matched_within_tolerance false unit_price 0.05 0.50% of 1 supplier:SUP-1
	// deposit 30 false []
	// balance 70 true [bill_of_lading]
}
