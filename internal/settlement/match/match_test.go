package match

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

func decp(s string) *canonical.Decimal { v := dec(s); return &v }

// testOrder is ORD-1 from buyer B1 to supplier SUP-1 in EUR: 100 × SKU-A at
// 10.00 and 50 × SKU-B at 4.20.
func testOrder() canonical.Order {
	return canonical.Order{
		OrderNumber: "ORD-1", Buyer: canonical.Party{ID: "B1"}, Supplier: canonical.Party{ID: "SUP-1"},
		Currency: "EUR", PaymentTerms: "T/T 30% deposit 70% against B/L copy",
		Lines: []canonical.OrderLine{
			{LineNumber: 1, SKU: "SKU-A", Quantity: dec("100"), Unit: "PCE", UnitPrice: dec("10.00")},
			{LineNumber: 2, SKU: "SKU-B", Quantity: dec("50"), Unit: "PCE", UnitPrice: dec("4.20")},
		},
	}
}

// testASN ships both lines in full.
func testASN() canonical.Shipment {
	return canonical.Shipment{
		ShipmentID: "ASN-1", OrderNumbers: []string{"ORD-1"}, Buyer: canonical.Party{ID: "B1"}, Supplier: canonical.Party{ID: "SUP-1"},
		Lines: []canonical.ShipmentLine{
			{OrderNumber: "ORD-1", LineNumber: 1, SKU: "SKU-A", Quantity: dec("100"), Unit: "PCE"},
			{OrderNumber: "ORD-1", LineNumber: 2, SKU: "SKU-B", Quantity: dec("50"), Unit: "PCE"},
		},
	}
}

func invLine(n int, sku, qty, price string) canonical.InvoiceLine {
	l := canonical.InvoiceLine{LineNumber: n, OrderNumber: "ORD-1", SKU: sku, Quantity: dec(qty), Unit: "PCE", UnitPrice: dec(price)}
	a := canonical.NewDecimal(lineAmount(l, "EUR"))
	l.Amount = &a
	return l
}

// testInvoice bills lines of ORD-1 with consistent totals (19% tax).
func testInvoice(number string, lines ...canonical.InvoiceLine) canonical.Invoice {
	inv := canonical.Invoice{
		InvoiceNumber: number, InvoiceDate: canonical.NewDate(2026, 11, 20), OrderNumbers: []string{"ORD-1"},
		Supplier: canonical.Party{ID: "SUP-1"}, Buyer: canonical.Party{ID: "B1"}, Currency: "EUR", Lines: lines,
	}
	retotal(&inv)
	return inv
}

func retotal(inv *canonical.Invoice) {
	sum := dec("0")
	for _, l := range inv.Lines {
		sum = canonical.NewDecimal(sum.Add(l.Amount.Decimal))
	}
	tax := canonical.Money{Amount: canonical.NewDecimal(sum.Mul(dec("0.19").Decimal)), Currency: inv.Currency}.Round().Amount
	inv.LineTotal, inv.TaxAmount = &sum, &tax
	inv.TotalAmount = canonical.NewDecimal(sum.Add(tax.Decimal))
}

func fullInvoice() canonical.Invoice {
	return testInvoice("INV-1", invLine(1, "SKU-A", "100", "10.00"), invLine(2, "SKU-B", "50", "4.20"))
}

var onePercent = Tolerances{
	Default: DefaultTolerance(),
	BySupplier: map[string]Tolerance{
		"SUP-1": {QuantityPercent: dec("1"), UnitPricePercent: dec("1"), Amount: dec("0.05")},
	},
}

func codes(rs []Reason) []Code {
	var out []Code
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestMatch(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   func() Input
		tols Tolerances
		// want is the invoice status and whether payment is blocked.
		want    Status
		blocked bool
		// lines are the codes finance sees per invoice line (mismatches,
		// then warnings); a line not listed has none.
		lines map[int][]Code
		check func(t *testing.T, r Result)
	}{
		{
			name: "an invoice billing what was ordered and received at the order price is matched",
			in: func() Input {
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(),
			want: StatusMatched,
			check: func(t *testing.T, r Result) {
				if r.Lines[0].MatchedBy != "line_number" || r.Lines[0].OrderLine != 1 {
					t.Errorf("line 1 matched %s to order line %d, want line_number 1", r.Lines[0].MatchedBy, r.Lines[0].OrderLine)
				}
			},
		},
		{
			name: "a price 0.5% over the order with the supplier's 1% tolerance is matched within tolerance, saying so",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "100", "10.05"), invLine(2, "SKU-B", "50", "4.20"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: onePercent,
			want: StatusWithinTolerance,
			check: func(t *testing.T, r Result) {
				l := r.Lines[0]
				if l.Status != StatusWithinTolerance || len(l.Tolerances) != 1 {
					t.Fatalf("line 1: %s with %+v, want one tolerance used", l.Status, l.Tolerances)
				}
				u := l.Tolerances[0]
				if u.Kind != "unit_price" || u.Difference.String() != "0.05" || u.Percent.String() != "0.50" || u.Allowed.String() != "1" || u.Source != "supplier:SUP-1" {
					t.Errorf("tolerance used = %+v, want unit_price 0.05 (0.5%%) of 1%% from supplier:SUP-1", u)
				}
			},
		},
		{
			name: "the same 0.5% price difference without a supplier tolerance is price_over and blocks",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "100", "10.05"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodePriceOver}},
		},
		{
			name: "a supplier's own tolerance replaces the default",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "100", "10.05"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: Tolerances{Default: Tolerance{QuantityPercent: dec("0"), UnitPricePercent: dec("5"), Amount: dec("0")},
				BySupplier: map[string]Tolerance{"SUP-1": DefaultTolerance()}},
			want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodePriceOver}},
			check: func(t *testing.T, r Result) {
				if r.ToleranceSource != "supplier:SUP-1" {
					t.Errorf("tolerance source %q, want supplier:SUP-1", r.ToleranceSource)
				}
			},
		},
		{
			name: "billing more than was received is over_received and blocks",
			in: func() Input {
				asn := testASN()
				asn.Lines[0].Quantity = dec("60")
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn}}
			},
			tols: onePercent, want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeOverReceived}},
		},
		{
			name: "one unit over received is within a 1% quantity tolerance",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "101", "10.00"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: onePercent, want: StatusWithinTolerance,
		},
		{
			name: "billing more than ordered, after an over-delivery, is over_ordered",
			in: func() Input {
				asn := testASN()
				asn.Lines[0].Quantity = dec("120")
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "120", "10.00"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn}}
			},
			tols: onePercent, want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeOverOrdered}},
		},
		{
			name: "a second invoice for goods already invoiced is already_invoiced and blocks",
			in: func() Input {
				second := testInvoice("INV-2", invLine(1, "SKU-A", "100", "10.00"))
				return Input{Invoice: second, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()},
					PriorInvoices: []canonical.Invoice{fullInvoice()}}
			},
			tols: onePercent, want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeAlreadyInvoiced}},
		},
		{
			name: "two invoices for half the goods each are both matched",
			in: func() Input {
				first := testInvoice("INV-1", invLine(1, "SKU-A", "50", "10.00"))
				second := testInvoice("INV-2", invLine(1, "SKU-A", "50", "10.00"))
				return Input{Invoice: second, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()},
					PriorInvoices: []canonical.Invoice{first}}
			},
			tols: DefaultTolerances(), want: StatusMatched,
		},
		{
			name: "the same invoice matched again is not billed twice against itself",
			in: func() Input {
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()},
					PriorInvoices: []canonical.Invoice{fullInvoice()}}
			},
			tols: DefaultTolerances(), want: StatusMatched,
		},
		{
			name: "a credit note's earlier refund frees the quantity for a new invoice",
			in: func() Input {
				credit := testInvoice("CN-1", invLine(1, "SKU-A", "-100", "10.00"))
				second := testInvoice("INV-2", invLine(1, "SKU-A", "100", "10.00"))
				return Input{Invoice: second, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()},
					PriorInvoices: []canonical.Invoice{fullInvoice(), credit}}
			},
			tols: DefaultTolerances(), want: StatusMatched,
		},
		{
			name: "a price under the order is a warning, not a block",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "100", "9.50"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusWithinTolerance,
			lines: map[int][]Code{1: {CodePriceUnder}},
		},
		{
			name: "a line for an item not on the order is no_order_line",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-A", "100", "10.00"), invLine(3, "SKU-Z", "5", "1.00"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{3: {CodeNoOrderLine}},
		},
		{
			name: "a line for an order not on file is no_order_line",
			in: func() Input {
				l := invLine(1, "SKU-A", "100", "10.00")
				l.OrderNumber = "ORD-404"
				return Input{Invoice: testInvoice("INV-1", l), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeNoOrderLine}},
		},
		{
			name: "invoice lines numbered differently from the order are matched by SKU",
			in: func() Input {
				inv := testInvoice("INV-1", invLine(1, "SKU-B", "50", "4.20"), invLine(2, "SKU-A", "100", "10.00"))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMatched,
			check: func(t *testing.T, r Result) {
				if r.Lines[0].OrderLine != 2 || r.Lines[0].MatchedBy != "sku" {
					t.Errorf("invoice line 1 matched order line %d by %q, want 2 by sku", r.Lines[0].OrderLine, r.Lines[0].MatchedBy)
				}
			},
		},
		{
			name: "a line with nothing shipped yet is no_receipt",
			in: func() Input {
				asn := testASN()
				asn.Lines = asn.Lines[:1]
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{2: {CodeNoReceipt}},
		},
		{
			name: "an invoice in another currency than the order is currency_differs",
			in: func() Input {
				inv := fullInvoice()
				inv.Currency = "USD"
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeCurrencyDiffers}, 2: {CodeCurrencyDiffers}},
		},
		{
			name: "a line amount that is not quantity × price is amount_off",
			in: func() Input {
				inv := fullInvoice()
				inv.Lines[1].Amount = decp("215.00")
				retotal(&inv)
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: onePercent, want: StatusMismatch, blocked: true,
			lines: map[int][]Code{2: {CodeAmountOff}},
		},
		{
			name: "a line amount two cents off is within a 0.05 amount tolerance",
			in: func() Input {
				inv := fullInvoice()
				inv.Lines[1].Amount = decp("210.02")
				retotal(&inv)
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: onePercent, want: StatusWithinTolerance,
		},
		{
			name: "a total that is not lines plus tax blocks the invoice though every line matches",
			in: func() Input {
				inv := fullInvoice()
				inv.TotalAmount = canonical.NewDecimal(inv.TotalAmount.Add(dec("100").Decimal))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			check: func(t *testing.T, r Result) {
				if got := codes(r.Totals.Mismatches); !slices.Equal(got, []Code{CodeTotalOff}) {
					t.Errorf("totals mismatches %v, want [total_off]", got)
				}
			},
		},
		{
			name: "an invoice without lines cannot be matched and blocks",
			in: func() Input {
				inv := testInvoice("INV-1")
				inv.TotalAmount = dec("100.00")
				inv.LineTotal, inv.TaxAmount = nil, nil
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			check: func(t *testing.T, r Result) {
				if got := codes(r.Totals.Mismatches); !slices.Equal(got, []Code{CodeNoLines, CodeTotalOff}) {
					t.Errorf("totals mismatches %v, want [no_lines total_off]", got)
				}
			},
		},
		{
			name: "a finance user's override of the mismatched line clears the block",
			in: func() Input {
				asn := testASN()
				asn.Lines[0].Quantity = dec("60")
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn},
					Overrides: []Override{{Line: 1, By: "fin.anna", Reason: "rest arrived, GR pending", At: at}}}
			},
			tols: DefaultTolerances(), want: StatusOverridden,
			lines: map[int][]Code{1: {CodeOverReceived}},
			check: func(t *testing.T, r Result) {
				if o := r.Lines[0].Override; o == nil || o.By != "fin.anna" || !o.At.Equal(at) {
					t.Errorf("line 1 override = %+v, want fin.anna's", o)
				}
			},
		},
		{
			name: "an override of another line leaves the block",
			in: func() Input {
				asn := testASN()
				asn.Lines[0].Quantity = dec("60")
				return Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn},
					Overrides: []Override{{Line: 2, By: "fin.anna", Reason: "checked", At: at}}}
			},
			tols: DefaultTolerances(), want: StatusMismatch, blocked: true,
			lines: map[int][]Code{1: {CodeOverReceived}},
		},
		{
			name: "an invoice override clears line and total mismatches",
			in: func() Input {
				inv := fullInvoice()
				inv.Currency = "USD"
				inv.TotalAmount = canonical.NewDecimal(inv.TotalAmount.Add(dec("1").Decimal))
				return Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()},
					Overrides: []Override{{By: "fin.bo", Reason: "USD agreed by mail", At: at}}}
			},
			tols: DefaultTolerances(), want: StatusOverridden,
			lines: map[int][]Code{1: {CodeCurrencyDiffers}, 2: {CodeCurrencyDiffers}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Match(tt.in(), tt.tols)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.want || r.Blocked != tt.blocked {
				t.Errorf("invoice %s, blocked %v; want %s, blocked %v; reasons %v", r.Status, r.Blocked, tt.want, tt.blocked, r.BlockReasons())
			}
			if r.Blocked != (len(r.BlockReasons()) > 0) {
				t.Errorf("blocked %v with block reasons %v", r.Blocked, r.BlockReasons())
			}
			for _, l := range r.Lines {
				got := append(codes(l.Mismatches), codes(l.Warnings)...)
				if want := tt.lines[l.InvoiceLine]; !slices.Equal(got, want) {
					t.Errorf("line %d: codes %v, want %v (%s)", l.InvoiceLine, got, want, messages(l))
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func messages(l LineResult) string {
	var s []string
	for _, r := range append(slices.Clone(l.Mismatches), l.Warnings...) {
		s = append(s, r.Message)
	}
	return strings.Join(s, "; ")
}

func TestMatchRejectsUnusableInput(t *testing.T) {
	base := Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{testASN()}}
	tests := []struct {
		name string
		mod  func(*Input, *Tolerances)
		want string
	}{
		{"an override without a finance user is refused", func(in *Input, _ *Tolerances) {
			in.Overrides = []Override{{Line: 1, Reason: "ok"}}
		}, "needs a user and a reason"},
		{"an override without a reason is refused", func(in *Input, _ *Tolerances) {
			in.Overrides = []Override{{Line: 1, By: "fin.anna"}}
		}, "needs a user and a reason"},
		{"an override of a line the invoice lacks is refused", func(in *Input, _ *Tolerances) {
			in.Overrides = []Override{{Line: 9, By: "fin.anna", Reason: "x"}}
		}, "line 9"},
		{"a negative supplier tolerance is refused", func(_ *Input, ts *Tolerances) {
			ts.BySupplier = map[string]Tolerance{"SUP-1": {QuantityPercent: dec("-1"), UnitPricePercent: dec("0"), Amount: dec("0")}}
		}, "supplier SUP-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ts := base, DefaultTolerances()
			tt.mod(&in, &ts)
			_, err := Match(in, ts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestMatchIsDeterministic(t *testing.T) {
	asn := testASN()
	asn.Lines[0].Quantity = dec("60")
	in := Input{Invoice: fullInvoice(), Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn},
		PriorInvoices: []canonical.Invoice{testInvoice("INV-0", invLine(2, "SKU-B", "10", "4.20")), testInvoice("INV-00", invLine(2, "SKU-B", "5", "4.20"))}}
	first, err := Match(in, onePercent)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		slices.Reverse(in.PriorInvoices)
		r, _ := Match(in, onePercent)
		if strings.Join(r.BlockReasons(), "|") != strings.Join(first.BlockReasons(), "|") || r.Status != first.Status {
			t.Fatalf("second run %v, first %v", r.BlockReasons(), first.BlockReasons())
		}
	}
}

func TestAnASNThatNumbersItsOwnItemsCountsForTheOrderLineOfItsSKU(t *testing.T) {
	// The order numbers its lines 10 and 20 (SAP); the ASN its items 1 and
	// 2, in the other order. Each receipt counts for the line of its SKU.
	o := testOrder()
	o.Lines[0].LineNumber, o.Lines[1].LineNumber = 10, 20
	asn := testASN()
	asn.Lines[0].LineNumber, asn.Lines[0].SKU, asn.Lines[0].Quantity = 1, "SKU-B", dec("50")
	asn.Lines[1].LineNumber, asn.Lines[1].SKU, asn.Lines[1].Quantity = 2, "SKU-A", dec("100")
	inv := testInvoice("INV-1", invLine(10, "SKU-A", "100", "10.00"), invLine(20, "SKU-B", "50", "4.20"))
	res, err := Match(Input{Invoice: inv, Orders: []canonical.Order{o}, Shipments: []canonical.Shipment{asn}}, DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusMatched || res.Lines[0].Received.String() != "100" || res.Lines[1].Received.String() != "50" {
		t.Errorf("status %s, received %s and %s; want matched with 100 and 50 received", res.Status, res.Lines[0].Received, res.Lines[1].Received)
	}
}
