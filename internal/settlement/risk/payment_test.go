package risk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

func TestCheckPayment(t *testing.T) {
	request := func(seq int, stage, amount, due, status string) store.PaymentRequest {
		r := store.PaymentRequest{
			ID: store.PaymentRequestID("B1", "PO-77", seq), BuyerID: "B1", OrderNumber: "PO-77", SupplierID: "SUP-1",
			Sequence: seq, Stage: stage, Amount: dec(amount), Currency: "EUR", Status: status,
		}
		if due != "" {
			r.DueDate = day(due)
		}
		return r
	}
	const deposit = "T/T 30% deposit 70% against B/L copy"
	blocked := []brief{{risk.PaymentBeforeDelivery, risk.SeverityCritical, true}}

	tests := []struct {
		name string
		in   risk.PaymentInput
		want []brief
		says []string
	}{
		{
			name: "a balance due after shipment may be paid",
			in: risk.PaymentInput{Request: request(2, "balance", "7000.00", "2026-11-20", store.PaymentPending), Terms: deposit,
				Shipped: day("2026-11-10"), Today: day("2026-11-12")},
		},
		{
			name: "a balance due before shipment blocks payment",
			in: risk.PaymentInput{Request: request(2, "balance", "7000.00", "2026-11-05", store.PaymentPending), Terms: deposit,
				Shipped: day("2026-11-10"), Today: day("2026-11-01")},
			want: blocked,
			says: []string{"due on 2026-11-05", "shipped on 2026-11-10", "7000.00 EUR", "30% deposit", "balance stage"},
		},
		{
			name: "a balance waiting for shipment that someone asks to pay now blocks payment",
			in: risk.PaymentInput{Request: request(2, "balance", "7000.00", "", store.PaymentPlanned), Terms: deposit,
				Today: day("2026-11-01"), PayNow: true},
			want: blocked,
			says: []string{"asked to be paid today, 2026-11-01", "nothing has shipped yet"},
		},
		{
			name: "a balance waiting for shipment is no finding while nobody asks to pay it",
			in: risk.PaymentInput{Request: request(2, "balance", "7000.00", "", store.PaymentPlanned), Terms: deposit,
				Today: day("2026-11-01")},
		},
		{
			name: "a deposit within the agreed percent may be paid before shipment",
			in: risk.PaymentInput{Request: request(1, "deposit", "3000.00", "2026-10-01", store.PaymentApproved), Terms: deposit,
				Today: day("2026-10-01"), OrderTotal: dec("10000.00")},
		},
		{
			name: "a deposit of an order whose total is unknown may be paid before shipment",
			in: risk.PaymentInput{Request: request(1, "deposit", "3000.00", "2026-10-01", store.PaymentApproved), Terms: deposit,
				Today: day("2026-10-01")},
		},
		{
			name: "a deposit above the agreed percent blocks payment",
			in: risk.PaymentInput{Request: request(1, "deposit", "5000.00", "2026-10-01", store.PaymentApproved), Terms: deposit,
				Today: day("2026-10-01"), OrderTotal: dec("10000.00")},
			want: blocked,
			says: []string{"5000.00 EUR", "deposit of 30% of the order total 10000.00 EUR, that is 3000.00 EUR", "nothing has shipped yet"},
		},
		{
			name: "terms paid fully in advance allow payment before shipment",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "2026-10-01", store.PaymentApproved), Terms: "100% T/T in advance",
				Today: day("2026-10-01")},
		},
		{
			name: "a letter of credit payment approved before shipment blocks payment",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "", store.PaymentApproved), Terms: "L/C at sight",
				Today: day("2026-10-01")},
			want: blocked,
			says: []string{"approved and payable today, 2026-10-01", "nothing has shipped yet", "shipping documents"},
		},
		{
			name: "a D/P payment approved after shipment may be paid",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "", store.PaymentApproved), Terms: "D/P",
				Shipped: day("2026-09-20"), Today: day("2026-10-01")},
		},
		{
			name: "open account terms due before shipment block payment",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "2026-09-15", store.PaymentPending), Terms: "NET 30",
				Shipped: day("2026-09-20"), Today: day("2026-09-10")},
			want: blocked,
			says: []string{"within 30 days", "no prepayment"},
		},
		{
			name: "a pending request still waiting for the shipment raises nothing",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "", store.PaymentPending), Terms: "NET 30",
				Today: day("2026-09-10")},
		},
		{
			name: "a delivery counts as shipment when no shipment date was recorded",
			in: risk.PaymentInput{Request: request(1, "payment", "10000.00", "2026-10-15", store.PaymentApproved), Terms: "CAD",
				Delivered: day("2026-10-10"), Today: day("2026-10-15")},
		},
		{
			name: "unreadable terms allow no payment before shipment",
			in: risk.PaymentInput{Request: request(1, "deposit", "3000.00", "2026-10-01", store.PaymentPending), Terms: "as agreed by phone",
				Today: day("2026-09-25"), OrderTotal: dec("10000.00")},
			want: blocked,
			says: []string{`"as agreed by phone" could not be read`},
		},
		{
			name: "a rejected request raises nothing",
			in: risk.PaymentInput{Request: request(2, "balance", "7000.00", "2026-11-05", store.PaymentRejected), Terms: deposit,
				Today: day("2026-11-01")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := risk.CheckPayment(tt.in)
			want := tt.want
			if want == nil {
				want = []brief{}
			}
			if b := briefs(got); !slices.Equal(b, want) {
				t.Fatalf("findings %v, want %v\n%s", b, want, dump(got))
			}
			for _, f := range got {
				for _, p := range tt.says {
					if !strings.Contains(f.Message, p) {
						t.Errorf("message does not say %q:\n%s", p, f.Message)
					}
				}
				if f.Data["order_number"] != "PO-77" || f.Data["request_id"] == "" {
					t.Errorf("data does not name the order and request: %v", f.Data)
				}
			}
		})
	}
}

func TestPaymentFindingsDoNotDependOnTheClockOrOrder(t *testing.T) {
	in := risk.PaymentInput{
		Request: store.PaymentRequest{ID: "PR-1", OrderNumber: "PO-1", Sequence: 1, Stage: "payment",
			Amount: dec("10.00"), Currency: "EUR", Status: store.PaymentApproved},
		Terms: "D/P", Today: canonical.NewDate(2026, 1, 2),
	}
	first := risk.CheckPayment(in)
	for range 20 {
		if again := risk.CheckPayment(in); dump(again) != dump(first) || len(again[0].Data) != len(first[0].Data) {
			t.Fatalf("the same request gave other findings:\n%s\nthen\n%s", dump(first), dump(again))
		}
	}
}
