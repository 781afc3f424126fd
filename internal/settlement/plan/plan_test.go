package plan

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/match"
)

var (
	dec  = canonical.MustDecimal
	date = func(s string) canonical.Date {
		d, err := canonical.ParseDate(s)
		if err != nil {
			panic(err)
		}
		return d
	}
)

func order(terms, total string) *canonical.Order {
	o := &canonical.Order{OrderNumber: "PO-1", Currency: "EUR", PaymentTerms: terms, OrderDate: date("2026-03-02")}
	if total != "" {
		t := dec(total)
		o.TotalAmount = &t
	}
	return o
}

// want is one expected request, written compactly.
type want struct {
	stage, percent, amount, trigger, due string
	docs                                 []match.DocumentType
	discount                             string // "2% 10d until 2026-03-12", "" for none
}

func TestSchedule(t *testing.T) {
	all := Events{Ordered: date("2026-03-02"), Shipped: date("2026-04-10"), Invoiced: date("2026-04-13"), Delivered: date("2026-05-20")}
	tests := []struct {
		name  string
		order *canonical.Order
		ev    Events
		want  []want
	}{
		{
			name:  "a T/T deposit is due at order, the balance at shipment against the B/L",
			order: order("T/T 30% deposit 70% against B/L copy", "10000.00"), ev: all,
			want: []want{
				{stage: match.StageDeposit, percent: "30", amount: "3000.00", trigger: TriggerOrder, due: "2026-03-02"},
				{stage: match.StageBalance, percent: "70", amount: "7000.00", trigger: TriggerShipment, due: "2026-04-10", docs: []match.DocumentType{match.DocBillOfLading}},
			},
		},
		{
			name:  "the balance waits for the shipment that has not happened",
			order: order("T/T 30% deposit 70% against B/L copy", "10000.00"), ev: Events{Ordered: date("2026-03-02")},
			want: []want{
				{stage: match.StageDeposit, percent: "30", amount: "3000.00", trigger: TriggerOrder, due: "2026-03-02"},
				{stage: match.StageBalance, percent: "70", amount: "7000.00", trigger: TriggerShipment, docs: []match.DocumentType{match.DocBillOfLading}},
			},
		},
		{
			name:  "an L/C at sight is one payment on presentation of the documents",
			order: order("L/C at sight", "5000.00"), ev: Events{Ordered: date("2026-03-02"), Presented: date("2026-04-15")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "5000.00", trigger: TriggerPresentation, due: "2026-04-15",
				docs: []match.DocumentType{match.DocCommercialInvoice, match.DocPackingList, match.DocBillOfLading}}},
		},
		{
			name:  "an L/C is presentable once shipped and invoiced",
			order: order("L/C at sight", "5000.00"), ev: all,
			want: []want{{stage: match.StagePayment, percent: "100", amount: "5000.00", trigger: TriggerPresentation, due: "2026-04-13",
				docs: []match.DocumentType{match.DocCommercialInvoice, match.DocPackingList, match.DocBillOfLading}}},
		},
		{
			name:  "NET 60 is due 60 days after the invoice",
			order: order("NET 60", "1200.00"), ev: Events{Invoiced: date("2026-03-02")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "1200.00", trigger: TriggerInvoice, due: "2026-05-01"}},
		},
		{
			name:  "NET 60 has no due date before the invoice",
			order: order("NET 60", "1200.00"), ev: Events{Ordered: date("2026-03-02"), Shipped: date("2026-03-20")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "1200.00", trigger: TriggerInvoice}},
		},
		{
			name:  "2/10 net 60 gives 2% off until 10 days after the invoice",
			order: order("2/10 net 60", "10000.00"), ev: Events{Invoiced: date("2026-03-02")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "10000.00", trigger: TriggerInvoice, due: "2026-05-01", discount: "2% 10d until 2026-03-12"}},
		},
		{
			name:  "2% 10 days net 60 is the same discount, and the credit is still 60 days",
			order: order("2% 10 days net 60", "10000.00"), ev: Events{Invoiced: date("2026-03-02")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "10000.00", trigger: TriggerInvoice, due: "2026-05-01", discount: "2% 10d until 2026-03-12"}},
		},
		{
			name:  "a discount before the invoice has no end date yet",
			order: order("2/10 net 60", "10000.00"), ev: Events{Ordered: date("2026-03-02")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "10000.00", trigger: TriggerInvoice, discount: "2% 10d until "}},
		},
		{
			name:  "100% T/T in advance is due at the order date",
			order: order("100% T/T in advance", "800.00"), ev: all,
			want: []want{{stage: match.StagePayment, percent: "100", amount: "800.00", trigger: TriggerOrder, due: "2026-03-02"}},
		},
		{
			name:  "credit counted from the B/L date starts at shipment",
			order: order("NET 30 after B/L date", "800.00"), ev: all,
			want: []want{{stage: match.StagePayment, percent: "100", amount: "800.00", trigger: TriggerShipment, due: "2026-05-10", docs: []match.DocumentType{match.DocBillOfLading}}},
		},
		{
			name:  "credit counted from delivery starts at delivery",
			order: order("net 30 from delivery", "800.00"), ev: all,
			want: []want{{stage: match.StagePayment, percent: "100", amount: "800.00", trigger: TriggerDelivery, due: "2026-06-19"}},
		},
		{
			name:  "D/A 90 days is due 90 days after presentation",
			order: order("D/A 90 days", "800.00"), ev: Events{Presented: date("2026-04-15")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "800.00", trigger: TriggerPresentation, due: "2026-07-14",
				docs: []match.DocumentType{match.DocCommercialInvoice, match.DocBillOfLading}}},
		},
		{
			name:  "rounding leftovers go to the last stage so the stages add up to the total",
			order: order("T/T 30% deposit 70% against B/L copy", "0.05"), ev: all,
			want: []want{
				{stage: match.StageDeposit, percent: "30", amount: "0.02", trigger: TriggerOrder, due: "2026-03-02"},
				{stage: match.StageBalance, percent: "70", amount: "0.03", trigger: TriggerShipment, due: "2026-04-10", docs: []match.DocumentType{match.DocBillOfLading}},
			},
		},
		{
			name: "yen amounts are whole yen",
			order: func() *canonical.Order {
				o := order("T/T 30% deposit 70% against B/L copy", "1001")
				o.Currency = "JPY"
				return o
			}(), ev: all,
			want: []want{
				{stage: match.StageDeposit, percent: "30", amount: "300", trigger: TriggerOrder, due: "2026-03-02"},
				{stage: match.StageBalance, percent: "70", amount: "701", trigger: TriggerShipment, due: "2026-04-10", docs: []match.DocumentType{match.DocBillOfLading}},
			},
		},
		{
			name: "without a total the lines are added up, quantity times price where a line has no amount",
			order: func() *canonical.Order {
				o := order("NET 30", "")
				a := dec("100.00")
				o.Lines = []canonical.OrderLine{{LineNumber: 1, Quantity: dec("3"), UnitPrice: dec("9.99"), Amount: &a}, {LineNumber: 2, Quantity: dec("4"), UnitPrice: dec("2.50")}}
				return o
			}(), ev: Events{Invoiced: date("2026-03-02")},
			want: []want{{stage: match.StagePayment, percent: "100", amount: "110.00", trigger: TriggerInvoice, due: "2026-04-01"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Schedule(tc.order, tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d requests %+v, want %d", len(got), got, len(tc.want))
			}
			sum := dec("0")
			for i, r := range got {
				w := tc.want[i]
				disc := ""
				if r.Discount != nil {
					disc = r.Discount.Percent.String() + "% " + itoa(r.Discount.Days) + "d until " + r.Discount.Until.String()
				}
				if r.Sequence != i+1 || r.Stage != w.stage || r.Percent.String() != w.percent || r.Amount.String() != w.amount ||
					r.Currency != tc.order.Currency || r.Trigger != w.trigger || r.DueDate.String() != w.due ||
					!slices.Equal(r.Documents, w.docs) || disc != w.discount {
					t.Errorf("request %d:\n got %d %s %s%% %s %s trigger=%s due=%q docs=%v discount=%q\nwant %+v",
						i+1, r.Sequence, r.Stage, r.Percent, r.Amount, r.Currency, r.Trigger, r.DueDate, r.Documents, disc, w)
				}
				sum.Decimal = sum.Add(r.Amount.Decimal)
			}
			if tc.order.TotalAmount != nil && !sum.Equal(*tc.order.TotalAmount) {
				t.Errorf("requests add up to %s, the order total is %s", sum, tc.order.TotalAmount)
			}
		})
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := []struct {
		name  string
		order *canonical.Order
		want  []string // substrings of the error
	}{
		{"unreadable terms name the terms", order("pay when happy", "100.00"), []string{`"pay when happy"`, "PO-1"}},
		{"an order without an amount cannot be scheduled", order("NET 30", ""), []string{"PO-1", "no amount"}},
		{"a zero total is no amount", order("NET 30", "0.00"), []string{"no amount"}},
		{"an order without terms says so", order("  ", "100.00"), []string{"PO-1", "no payment terms"}},
		{"a discount as long as the credit leaves nothing to pay in", order("2/30 net 30", "100.00"), []string{`"2/30 net 30"`, "discount"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Schedule(tc.order, Events{})
			if err == nil {
				t.Fatalf("no error, requests %+v", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := Schedule(nil, Events{}); err == nil {
		t.Error("a nil order gave no error")
	}
}

func TestParseDiscount(t *testing.T) {
	tests := []struct {
		name, terms string
		ok          bool
		percent     string
		days        int
	}{
		{"the slash form", "2/10 net 60", true, "2", 10},
		{"the slash form with N", "1.5/15 N45", true, "1.5", 15},
		{"the slash form with a comma", "2/10, net 30", true, "2", 10},
		{"the percent form", "2% 10 days net 60", true, "2", 10},
		{"the percent form with words", "net 60, 2% discount if paid within 10 days", true, "2", 10},
		{"German Skonto", "2 % Skonto 10 Tage, 60 Tage netto", true, "2", 10},
		{"a decimal comma", "1,5% 14 Tage, 30 Tage netto", true, "1.5", 14},
		{"plain NET terms have no discount", "NET 60", false, "", 0},
		{"a deposit is not a discount", "T/T 30% deposit 70% against B/L copy", false, "", 0},
		{"a deposit split is not a discount", "T/T 30/70", false, "", 0},
		{"a large percentage is not read as a discount", "30% 30 days net 60", false, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := ParseDiscount(tc.terms)
			if ok != tc.ok {
				t.Fatalf("ParseDiscount(%q) ok = %v, want %v (%+v)", tc.terms, ok, tc.ok, d)
			}
			if ok && (d.Percent.String() != tc.percent || d.Days != tc.days || !d.Until.IsZero()) {
				t.Errorf("ParseDiscount(%q) = %+v, want %s%% %d days", tc.terms, d, tc.percent, tc.days)
			}
		})
	}
}

func TestDiscountTermsKeepTheirCreditPeriod(t *testing.T) {
	for _, terms := range []string{"2/10 net 60", "2% 10 days net 60", "2% 10 days, net 60", "net 60, 2% discount if paid within 10 days", "2 % Skonto 10 Tage, 60 Tage netto"} {
		got, err := Schedule(order(terms, "100.00"), Events{Invoiced: date("2026-03-02")})
		if err != nil {
			t.Errorf("%q: %v", terms, err)
			continue
		}
		if got[0].DueDate != date("2026-05-01") {
			t.Errorf("%q: due %s, want 2026-05-01 (60 days)", terms, got[0].DueDate)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
