package plan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
)

// rates is a table where one US dollar costs home euros from: to (per-euro
// rates on 2026-02-02 and 2026-03-04).
func rates(t *testing.T, febPerEUR, marPerEUR string) *fxrates.Table {
	t.Helper()
	tb := fxrates.NewTable()
	for _, r := range []fxrates.Rate{
		{Date: date("2026-02-02"), Currency: "USD", PerEUR: dec(febPerEUR)},
		{Date: date("2026-03-04"), Currency: "USD", PerEUR: dec(marPerEUR)},
	} {
		if err := tb.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

func TestRecommend(t *testing.T) {
	net60 := Request{Sequence: 1, Stage: "payment", Percent: dec("100"), Amount: dec("10000.00"), Currency: "EUR", Trigger: TriggerInvoice, DueDate: date("2026-05-01")}
	withDiscount := func(r Request, until string) Request {
		r.Discount = &Discount{Percent: dec("2"), Days: 10, Until: date(until)}
		return r
	}
	inUSD := func(r Request) Request { r.Currency = "USD"; return r }
	base := Input{Today: date("2026-03-05"), HomeCurrency: "EUR", SupplierRating: -1, CostOfCapitalPercent: dec("8")}
	with := func(f func(*Input)) Input { in := base; f(&in); return in }

	tests := []struct {
		name     string
		req      Request
		in       Input
		payOn    string
		codes    []string
		saved    string // DiscountValue, "" for none
		fxTrend  string
		contains string // in some message
	}{
		{
			name: "a payment whose invoice has not come cannot be dated",
			req:  func() Request { r := net60; r.DueDate = canonical.Date{}; return r }(), in: base,
			codes: []string{"waiting_for_invoice"}, contains: "invoice",
		},
		{
			name: "money leaves two bank days before the due date",
			req:  net60, in: base,
			payOn: "2026-04-29", codes: []string{CodeDueDate}, contains: "2 bank days",
		},
		{
			name: "a pay day on a weekend moves back to Friday",
			req:  func() Request { r := net60; r.DueDate = date("2026-05-04"); return r }(), in: base,
			payOn: "2026-05-01", codes: []string{CodeDueDate},
		},
		{
			name: "more bank days mean paying earlier",
			req:  net60, in: with(func(in *Input) { in.BankDays = 5 }),
			payOn: "2026-04-24", codes: []string{CodeDueDate}, contains: "5 bank days",
		},
		{
			name: "an overdue payment is paid today",
			req:  net60, in: with(func(in *Input) { in.Today = date("2026-05-06") }),
			payOn: "2026-05-06", codes: []string{CodeDueDate}, contains: "overdue",
		},
		{
			name: "a payment due tomorrow is paid today, not in the past",
			req:  net60, in: with(func(in *Input) { in.Today = date("2026-04-30") }),
			payOn: "2026-04-30", codes: []string{CodeDueDate}, contains: "pay it today",
		},
		{
			name: "a discount worth more than the cost of capital is taken before it ends",
			req:  withDiscount(net60, "2026-03-12"), in: base,
			payOn: "2026-03-10", codes: []string{CodeDueDate, CodeDiscount}, saved: "200.00", contains: "14.6% a year",
		},
		{
			name: "a discount below the cost of capital is left, paying on the due date",
			req:  withDiscount(net60, "2026-03-12"), in: with(func(in *Input) { in.CostOfCapitalPercent = dec("20") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeDiscountNotWorth}, contains: "cost of capital",
		},
		{
			name: "an ended discount is not taken",
			req:  withDiscount(net60, "2026-03-12"), in: with(func(in *Input) { in.Today = date("2026-03-13") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeDiscountExpired},
		},
		{
			name: "the last day of a discount is paid today",
			req:  withDiscount(net60, "2026-03-12"), in: with(func(in *Input) { in.Today = date("2026-03-12") }),
			payOn: "2026-03-12", codes: []string{CodeDueDate, CodeDiscount}, saved: "200.00",
		},
		{
			name: "a discount before the invoice only says it is coming",
			req:  func() Request { r := withDiscount(net60, "2026-03-12"); r.Discount.Until = canonical.Date{}; return r }(), in: base,
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeDiscountNoInvoice},
		},
		{
			name: "a dollar getting dearer is paid today",
			req:  inUSD(net60), in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.05") }),
			payOn: "2026-03-05", codes: []string{CodeDueDate, CodeFXRising}, fxTrend: FXRising, contains: "+4.76%",
		},
		{
			name: "a dollar getting cheaper is paid on the due date",
			req:  inUSD(net60), in: with(func(in *Input) { in.Rates = rates(t, "1.05", "1.10") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeFXFalling}, fxTrend: FXFalling, contains: "-4.55%",
		},
		{
			name: "a steady dollar changes nothing",
			req:  inUSD(net60), in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.105") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeFXFlat}, fxTrend: FXFlat,
		},
		{
			name: "rates older than a month say nothing",
			req:  inUSD(net60), in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.05"); in.Today = date("2026-04-10") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate},
		},
		{
			name: "a payment in the home currency has no exchange rate reason",
			req:  net60, in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.05") }),
			payOn: "2026-04-29", codes: []string{CodeDueDate},
		},
		{
			name: "a well rated supplier is noted as never paid late",
			req:  net60, in: with(func(in *Input) { in.SupplierRating = 0.95 }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeSupplierRating}, contains: "never paid late",
		},
		{
			name: "a poorly rated supplier is not paid early for the exchange rate",
			req:  inUSD(net60), in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.05"); in.SupplierRating = 0.3 }),
			payOn: "2026-04-29", codes: []string{CodeDueDate, CodeFXRising, CodeSupplierRating}, fxTrend: FXRising, contains: "not early",
		},
		{
			name: "a poorly rated supplier is still paid early for a discount worth it",
			req:  withDiscount(net60, "2026-03-12"), in: with(func(in *Input) { in.SupplierRating = 0.3 }),
			payOn: "2026-03-10", codes: []string{CodeDueDate, CodeDiscount, CodeSupplierRating}, saved: "200.00",
		},
		{
			name: "a discount and a rising dollar with a poor supplier pay on the discount date",
			req:  inUSD(withDiscount(net60, "2026-03-12")), in: with(func(in *Input) { in.Rates = rates(t, "1.10", "1.05"); in.SupplierRating = 0.3 }),
			payOn: "2026-03-10", codes: []string{CodeDueDate, CodeDiscount, CodeFXRising, CodeSupplierRating}, saved: "200.00", fxTrend: FXRising,
		},
		{
			name: "a supplier of middling or unknown rating gets no rating reason",
			req:  net60, in: with(func(in *Input) { in.SupplierRating = 0.7 }),
			payOn: "2026-04-29", codes: []string{CodeDueDate},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Recommend(tc.req, tc.in)
			var codes []string
			msgs := ""
			for _, r := range got.Reasons {
				codes = append(codes, r.Code)
				msgs += r.Message + "\n"
				if !strings.HasSuffix(r.Message, ".") || strings.ToUpper(r.Message[:1]) != r.Message[:1] {
					t.Errorf("reason %s is not a sentence: %q", r.Code, r.Message)
				}
			}
			if got.PayOn.String() != tc.payOn {
				t.Errorf("pay on %q, want %q\n%s", got.PayOn, tc.payOn, msgs)
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("reasons %v, want %v\n%s", codes, tc.codes, msgs)
			}
			saved := ""
			if got.DiscountValue != nil {
				saved = got.DiscountValue.String()
			}
			if saved != tc.saved {
				t.Errorf("discount value %q, want %q", saved, tc.saved)
			}
			if got.FXTrend != tc.fxTrend {
				t.Errorf("fx trend %q, want %q", got.FXTrend, tc.fxTrend)
			}
			if !strings.Contains(msgs, tc.contains) {
				t.Errorf("no reason says %q:\n%s", tc.contains, msgs)
			}
		})
	}
}

func TestRecommendationJSON(t *testing.T) {
	saved := dec("200.00")
	b, err := json.Marshal(Recommendation{PayOn: date("2026-03-10"), Reasons: []Reason{{Code: CodeDiscount, Message: "M.", Value: "200.00"}}, DiscountValue: &saved, FXTrend: FXFlat})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"pay_on":"2026-03-10","reasons":[{"code":"early_payment_discount","message":"M.","value":"200.00"}],"discount_value":"200.00","fx_trend":"flat"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
