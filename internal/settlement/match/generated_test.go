package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// genKinds are the defects injected, one per invoice, in turn. clean
// injects nothing; within puts a price 0.5% over the order on a supplier
// with a 1% tolerance, which must pass as matched_within_tolerance.
var genKinds = []string{"clean", "within", "over_received", "over_ordered", "already_invoiced", "price_over",
	"price_under", "amount_off", "no_order_line", "no_receipt", "currency_differs"}

// genCase is one generated invoice with what was injected where.
type genCase struct {
	kind string
	in   Input
	// injected maps an invoice line number to the code it must carry
	// ("" for within: no code, status matched_within_tolerance).
	injected map[int]Code
}

func cents(c int64) canonical.Decimal { return canonical.NewDecimal(decimal.New(c, -2)) }

// generate builds n invoices over their own orders and ASNs. Invoice line
// numbers are the order lines shuffled, so most lines match by SKU.
// Every third invoice bills one clean line in two parts, the first on a
// prior invoice.
func generate(seed uint64, n int) []genCase {
	r := rand.New(rand.NewPCG(seed, 0x5e771e))
	currencies := []canonical.Currency{"EUR", "USD", "CNY", "GBP"}
	out := make([]genCase, 0, n)
	for i := range n {
		kind := genKinds[i%len(genKinds)]
		supplier := fmt.Sprintf("SUP-%d", 1+r.IntN(4))
		if kind == "within" {
			supplier = "SUP-1"
		}
		cur := currencies[r.IntN(len(currencies))]
		ord := canonical.Order{OrderNumber: fmt.Sprintf("ORD-%04d", i), Buyer: canonical.Party{ID: "B1"},
			Supplier: canonical.Party{ID: supplier}, Currency: cur}
		asn := canonical.Shipment{ShipmentID: fmt.Sprintf("ASN-%04d", i), OrderNumbers: []string{ord.OrderNumber}, Buyer: ord.Buyer, Supplier: ord.Supplier}
		nl := 2 + r.IntN(4)
		for ln := 1; ln <= nl; ln++ {
			q := int64(10 + r.IntN(491))
			ol := canonical.OrderLine{LineNumber: ln, SKU: fmt.Sprintf("SKU-%04d-%d", i, ln), Quantity: canonical.NewDecimal(decimal.NewFromInt(q)),
				Unit: "PCE", UnitPrice: cents(int64(100 + r.IntN(9900)))}
			ord.Lines = append(ord.Lines, ol)
			asn.Lines = append(asn.Lines, canonical.ShipmentLine{OrderNumber: ord.OrderNumber, LineNumber: ln, SKU: ol.SKU, Quantity: ol.Quantity, Unit: "PCE"})
		}
		perm := r.Perm(nl)
		target := r.IntN(nl) // index into ord.Lines
		inv := canonical.Invoice{InvoiceNumber: fmt.Sprintf("INV-%04d", i), OrderNumbers: []string{ord.OrderNumber},
			Supplier: ord.Supplier, Buyer: ord.Buyer, Currency: cur}
		var prior []canonical.Invoice
		var injected = map[int]Code{}
		for pos, k := range perm {
			ol := ord.Lines[k]
			l := canonical.InvoiceLine{LineNumber: pos + 1, OrderNumber: ord.OrderNumber, SKU: ol.SKU, Quantity: ol.Quantity, Unit: "PCE", UnitPrice: ol.UnitPrice}
			q := ol.Quantity.IntPart()
			if k == target {
				switch kind {
				case "within":
					p := ol.UnitPrice.Decimal
					l.UnitPrice = canonical.NewDecimal(p.Add(decimal.Max(p.Mul(decimal.RequireFromString("0.005")).Round(2), decimal.New(1, -2))))
					injected[l.LineNumber] = ""
				case "over_received":
					asn.Lines[k].Quantity = canonical.NewDecimal(decimal.NewFromInt(q * 8 / 10))
					injected[l.LineNumber] = CodeOverReceived
				case "over_ordered":
					extra := max(q/5, 2)
					asn.Lines[k].Quantity = canonical.NewDecimal(decimal.NewFromInt(q + extra))
					l.Quantity = asn.Lines[k].Quantity
					injected[l.LineNumber] = CodeOverOrdered
				case "already_invoiced":
					pl := l
					a := canonical.NewDecimal(lineAmount(pl, cur))
					pl.Amount = &a
					prior = append(prior, canonical.Invoice{InvoiceNumber: fmt.Sprintf("PRE-%04d", i), OrderNumbers: inv.OrderNumbers,
						Supplier: inv.Supplier, Buyer: inv.Buyer, Currency: cur, Lines: []canonical.InvoiceLine{pl}})
					injected[l.LineNumber] = CodeAlreadyInvoiced
				case "price_over":
					l.UnitPrice = canonical.NewDecimal(ol.UnitPrice.Mul(decimal.RequireFromString("1.05")).Round(2))
					injected[l.LineNumber] = CodePriceOver
				case "price_under":
					l.UnitPrice = canonical.NewDecimal(ol.UnitPrice.Mul(decimal.RequireFromString("0.95")).Round(2))
					injected[l.LineNumber] = CodePriceUnder
				case "no_receipt":
					injected[l.LineNumber] = CodeNoReceipt
				}
			} else if i%3 == 0 && q >= 2 {
				// Billed in two parts: the first on an earlier invoice.
				half := canonical.NewDecimal(decimal.NewFromInt(q / 2))
				pl := l
				pl.Quantity = half
				prior = append(prior, canonical.Invoice{InvoiceNumber: fmt.Sprintf("PART-%04d-%d", i, k), OrderNumbers: inv.OrderNumbers,
					Supplier: inv.Supplier, Buyer: inv.Buyer, Currency: cur, Lines: []canonical.InvoiceLine{pl}})
				l.Quantity = canonical.NewDecimal(decimal.NewFromInt(q - q/2))
			}
			a := canonical.NewDecimal(lineAmount(l, cur))
			if k == target && kind == "amount_off" {
				a = canonical.NewDecimal(a.Add(decimal.NewFromInt(5)))
				injected[l.LineNumber] = CodeAmountOff
			}
			l.Amount = &a
			inv.Lines = append(inv.Lines, l)
		}
		switch kind {
		case "no_receipt":
			asn.Lines = slices.Delete(asn.Lines, target, target+1)
		case "no_order_line":
			n := len(inv.Lines) + 1
			l := canonical.InvoiceLine{LineNumber: n, OrderNumber: ord.OrderNumber, SKU: fmt.Sprintf("X-%04d", i), Quantity: canonical.MustDecimal("3"), UnitPrice: cents(1250)}
			a := canonical.NewDecimal(lineAmount(l, cur))
			l.Amount = &a
			inv.Lines = append(inv.Lines, l)
			injected[n] = CodeNoOrderLine
		case "currency_differs":
			inv.Currency = currencies[(slices.Index(currencies, cur)+1)%len(currencies)]
			for _, l := range inv.Lines {
				injected[l.LineNumber] = CodeCurrencyDiffers
			}
		}
		retotal(&inv)
		out = append(out, genCase{kind: kind, injected: injected,
			in: Input{Invoice: inv, Orders: []canonical.Order{ord}, Shipments: []canonical.Shipment{asn}, PriorInvoices: prior}})
	}
	return out
}

func TestGeneratedInvoicesFindEveryInjectedMismatchAndFlagNoCleanLine(t *testing.T) {
	tols := Tolerances{Default: DefaultTolerance(), BySupplier: map[string]Tolerance{
		"SUP-1": {QuantityPercent: dec("1"), UnitPricePercent: dec("1"), Amount: dec("0.05")},
		"SUP-3": {QuantityPercent: dec("2"), UnitPricePercent: dec("0.5"), Amount: dec("0.01")},
	}}
	type row struct{ invoices, injected, found, cleanLines, cleanFlagged, blocked int }
	rows := map[string]*row{}
	for _, k := range genKinds {
		rows[k] = &row{}
	}
	cases := generate(20261205, 220)
	bySKU := 0
	for _, c := range cases {
		res, err := Match(c.in, tols)
		if err != nil {
			t.Fatalf("%s: %v", c.in.Invoice.InvoiceNumber, err)
		}
		rw := rows[c.kind]
		rw.invoices++
		if res.Blocked {
			rw.blocked++
		}
		blocks := false
		for _, l := range res.Lines {
			if l.MatchedBy == "sku" {
				bySKU++
			}
			got := append(codes(l.Mismatches), codes(l.Warnings)...)
			want, injected := c.injected[l.InvoiceLine]
			switch {
			case !injected:
				rw.cleanLines++
				if len(got) > 0 || l.Status != StatusMatched {
					rw.cleanFlagged++
					t.Errorf("%s line %d (%s invoice) is clean but %s %v: %s", res.InvoiceNumber, l.InvoiceLine, c.kind, l.Status, got, messages(l))
				}
			case want == "":
				rw.injected++
				if len(got) == 0 && l.Status == StatusWithinTolerance && len(l.Tolerances) == 1 && l.Tolerances[0].Kind == "unit_price" {
					rw.found++
				} else {
					t.Errorf("%s line %d: %s %v %+v, want within the unit price tolerance", res.InvoiceNumber, l.InvoiceLine, l.Status, got, l.Tolerances)
				}
			default:
				rw.injected++
				if slices.Equal(got, []Code{want}) {
					rw.found++
				} else {
					t.Errorf("%s line %d: codes %v, want [%s]: %s", res.InvoiceNumber, l.InvoiceLine, got, want, messages(l))
				}
				blocks = blocks || want != CodePriceUnder
			}
		}
		if res.Blocked != blocks {
			t.Errorf("%s (%s): blocked %v, want %v: %v", res.InvoiceNumber, c.kind, res.Blocked, blocks, res.BlockReasons())
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%-17s %8s %8s %6s %6s %11s %13s %8s\n", "injected", "invoices", "injected", "found", "missed", "clean lines", "clean flagged", "blocked")
	var tot row
	for _, k := range genKinds {
		r := rows[k]
		fmt.Fprintf(&b, "%-17s %8d %8d %6d %6d %11d %13d %8d\n", k, r.invoices, r.injected, r.found, r.injected-r.found, r.cleanLines, r.cleanFlagged, r.blocked)
		tot.invoices += r.invoices
		tot.injected += r.injected
		tot.found += r.found
		tot.cleanLines += r.cleanLines
		tot.cleanFlagged += r.cleanFlagged
		tot.blocked += r.blocked
	}
	fmt.Fprintf(&b, "%-17s %8d %8d %6d %6d %11d %13d %8d\n", "total", tot.invoices, tot.injected, tot.found, tot.injected-tot.found, tot.cleanLines, tot.cleanFlagged, tot.blocked)
	t.Logf("three-way match over %d generated invoices (%d lines found their order line by SKU):\n%s", len(cases), bySKU, b.String())
	if bySKU == 0 {
		t.Error("no line was matched by SKU; the generator should renumber invoice lines")
	}
	for _, k := range genKinds {
		if k != "clean" && rows[k].injected == 0 {
			t.Errorf("no %s defect was injected", k)
		}
	}
}
