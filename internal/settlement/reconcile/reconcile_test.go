package reconcile

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

type wantAlloc struct {
	item, amount string
	method       Method
	charges, fx  string // "" is zero
}

func TestReconcile(t *testing.T) {
	tests := []struct {
		name    string
		items   []Open
		entries []Entry
		fx      bool
		cfg     func(*Config)
		// allocations per entry; an entry not listed must stay unmatched
		want      map[string][]wantAlloc
		status    map[string]Status
		remaining map[string]string
		// suggested: an unmatched entry whose suggestions include these items
		suggested map[string][]string
		reason    map[string]string // substring of the entry's reason
	}{
		{
			name:    "a receipt quoting the invoice number in its text settles that invoice",
			items:   []Open{receivable("INV-4711", "1200.00", "2026-03-10"), receivable("INV-4712", "1200.00", "2026-03-10")},
			entries: []Entry{credit("e1", "1200.00", "2026-03-09", "Payment inv-4712, thank you")},
			want:    map[string][]wantAlloc{"e1": {{item: "INV-4712", amount: "1200.00", method: MethodReference}}},
			status:  map[string]Status{"INV-4712": StatusReconciled, "INV-4711": StatusUnmatched},
		},
		{
			name:  "an invoice number inside a longer number is not taken as a reference",
			items: []Open{receivable("4711", "500.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "350.00", "2026-03-09", "Order 147112, contract 4711-2, ref 94711"), func(e *Entry) {
				e.Counterparty = &canonical.Counterparty{Name: "Someone Else", IBAN: ibanOther}
			})},
			status: map[string]Status{"4711": StatusUnmatched},
			reason: map[string]string{"e1": "no invoice matches"},
		},
		{
			name: "an end-to-end id settles the payment request it names even without any text",
			items: []Open{with2(payable("PR-1", "830.00", "2026-03-05"), func(o *Open) { o.EndToEndID = "E2E-PR-1-0001" }),
				payable("PR-2", "830.00", "2026-03-05")},
			entries: []Entry{with(debit("e1", "830.00", "2026-03-06", ""), func(e *Entry) { e.EndToEndID = "E2E-PR-1-0001" })},
			want:    map[string][]wantAlloc{"e1": {{item: "PR-1", amount: "830.00", method: MethodReference}}},
		},
		{
			name:    "a valid RF creditor reference settles the invoice it names",
			items:   []Open{with2(receivable("INV-9", "99.90", "2026-03-10"), func(o *Open) { o.CreditorReference = makeRF("539007547034") })},
			entries: []Entry{with(credit("e1", "99.90", "2026-05-30", ""), func(e *Entry) { e.CreditorReference = makeRF("539007547034") })},
			want:    map[string][]wantAlloc{"e1": {{item: "INV-9", amount: "99.90", method: MethodReference}}},
		},
		{
			name: "an RF reference with a wrong check digit is ignored",
			items: []Open{with2(receivable("INV-9", "99.90", "2026-03-10"), func(o *Open) { o.CreditorReference = makeRF("539007547034") }),
				receivable("INV-10", "99.90", "2026-03-10")},
			entries: []Entry{with(credit("e1", "99.90", "2026-05-30", ""), func(e *Entry) {
				e.CreditorReference = "RF00539007547034"
			})},
			status: map[string]Status{"INV-9": StatusUnmatched, "INV-10": StatusUnmatched},
		},
		{
			name:      "bank charges within the tolerance settle the invoice and are recorded",
			items:     []Open{receivable("INV-1", "1000.00", "2026-03-10")},
			entries:   []Entry{credit("e1", "985.00", "2026-03-11", "INV-1")},
			want:      map[string][]wantAlloc{"e1": {{item: "INV-1", amount: "1000.00", method: MethodReference, charges: "15.00"}}},
			status:    map[string]Status{"INV-1": StatusReconciled},
			remaining: map[string]string{"INV-1": "0"},
		},
		{
			name:    "bank charges within the tolerance settle an invoice found by amount and counterparty",
			items:   []Open{payable("A-1", "2000.00", "2026-03-10"), payable("A-2", "3000.00", "2026-03-10")},
			entries: []Entry{debit("e1", "1990.50", "2026-03-12", "monthly")},
			want:    map[string][]wantAlloc{"e1": {{item: "A-1", amount: "2000.00", method: MethodAmount, charges: "9.50"}}},
		},
		{
			name:      "a shortfall of more than a tenth of the rest is not taken for charges",
			items:     []Open{receivable("INV-7", "1000.00", "2026-03-10")},
			entries:   []Entry{credit("e1", "970.00", "2026-03-05", "INV-7"), credit("e2", "10.00", "2026-03-20", "")},
			want:      map[string][]wantAlloc{"e1": {{item: "INV-7", amount: "970.00", method: MethodReference}}},
			status:    map[string]Status{"INV-7": StatusPartiallyReconciled},
			remaining: map[string]string{"INV-7": "30.00"},
			suggested: map[string][]string{"e2": {"INV-7"}},
		},
		{
			name:    "a percentage tolerance lets larger charges through when configured",
			items:   []Open{payable("A-1", "20000.00", "2026-03-10")},
			entries: []Entry{debit("e1", "19950.00", "2026-03-12", "")},
			cfg:     func(c *Config) { c.ChargesPercent = dec("0.5") },
			want:    map[string][]wantAlloc{"e1": {{item: "A-1", amount: "20000.00", method: MethodAmount, charges: "50.00"}}},
		},
		{
			name:      "a partial payment then the rest settle the invoice",
			items:     []Open{receivable("INV-7", "1000.00", "2026-03-10")},
			entries:   []Entry{credit("e2", "600.00", "2026-03-20", "rest of INV-7"), credit("e1", "400.00", "2026-03-05", "INV-7 first part")},
			want:      map[string][]wantAlloc{"e1": {{item: "INV-7", amount: "400.00", method: MethodReference}}, "e2": {{item: "INV-7", amount: "600.00", method: MethodReference}}},
			status:    map[string]Status{"INV-7": StatusReconciled},
			remaining: map[string]string{"INV-7": "0.00"},
		},
		{
			name:      "a partial payment leaves the rest open as partially reconciled",
			items:     []Open{receivable("INV-7", "1000.00", "2026-03-10")},
			entries:   []Entry{credit("e1", "400.00", "2026-03-05", "INV-7")},
			want:      map[string][]wantAlloc{"e1": {{item: "INV-7", amount: "400.00", method: MethodReference}}},
			status:    map[string]Status{"INV-7": StatusPartiallyReconciled},
			remaining: map[string]string{"INV-7": "600.00"},
		},
		{
			name:    "two payments for one invoice accumulate, the second found by its amount",
			items:   []Open{receivable("INV-8", "900.00", "2026-03-10")},
			entries: []Entry{credit("e1", "300.00", "2026-03-05", "INV-8"), credit("e2", "600.00", "2026-03-15", "")},
			want:    map[string][]wantAlloc{"e1": {{item: "INV-8", amount: "300.00", method: MethodReference}}, "e2": {{item: "INV-8", amount: "600.00", method: MethodAmount}}},
			status:  map[string]Status{"INV-8": StatusReconciled},
		},
		{
			name: "one payment for three invoices of the supplier settles all three",
			items: []Open{payable("A-1", "120.10", "2026-03-01"), payable("A-2", "455.35", "2026-03-03"), payable("A-3", "1000.00", "2026-03-04"),
				payable("A-4", "78.00", "2026-03-08"), payable("A-5", "310.55", "2026-03-09")},
			entries: []Entry{debit("e1", "886.00", "2026-03-12", "collective payment")},
			want: map[string][]wantAlloc{"e1": {{item: "A-1", amount: "120.10", method: MethodSubset},
				{item: "A-2", amount: "455.35", method: MethodSubset}, {item: "A-5", amount: "310.55", method: MethodSubset}}},
			status: map[string]Status{"A-1": StatusReconciled, "A-2": StatusReconciled, "A-5": StatusReconciled, "A-3": StatusUnmatched, "A-4": StatusUnmatched},
		},
		{
			name:    "a remittance naming two invoices settles both when they add up",
			items:   []Open{receivable("INV-1", "100.00", "2026-03-01"), receivable("INV-2", "250.00", "2026-03-01")},
			entries: []Entry{credit("e1", "345.00", "2026-03-02", "INV-1 / INV-2")},
			want: map[string][]wantAlloc{"e1": {{item: "INV-1", amount: "100.00", method: MethodReference},
				{item: "INV-2", amount: "250.00", method: MethodReference, charges: "5.00"}}},
		},
		{
			name: "two sets of invoices that make the amount equally well are only suggested",
			items: []Open{payable("A-1", "100.00", "2026-03-01"), payable("A-2", "150.00", "2026-03-05"),
				payable("A-3", "150.00", "2026-03-05"), payable("A-4", "999.00", "2026-03-05")},
			entries:   []Entry{debit("e1", "250.00", "2026-03-10", "")},
			suggested: map[string][]string{"e1": {"A-1", "A-2"}},
			reason:    map[string]string{"e1": "equally well"},
		},
		{
			name: "of two sets that make the amount the one with fewer invoices wins",
			items: []Open{payable("A-1", "100.00", "2026-03-01"), payable("A-2", "150.00", "2026-03-02"),
				payable("A-3", "50.00", "2026-03-03"), payable("A-4", "200.00", "2026-03-04")},
			entries: []Entry{debit("e1", "350.00", "2026-03-10", "")},
			want: map[string][]wantAlloc{"e1": {{item: "A-2", amount: "150.00", method: MethodSubset},
				{item: "A-4", amount: "200.00", method: MethodSubset}}},
		},
		{
			name:    "a EUR invoice paid in USD within the FX tolerance is settled with the FX difference recorded",
			items:   []Open{receivable("INV-US", "1000.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "1075.00", "2026-03-10", "INV-US"), func(e *Entry) { e.Currency = "USD" })},
			fx:      true,
			// 1075.00 USD / 1.08 = 995.37 EUR: 4.63 EUR short, 0.46%.
			want:   map[string][]wantAlloc{"e1": {{item: "INV-US", amount: "1000.00", method: MethodFX, fx: "4.63"}}},
			status: map[string]Status{"INV-US": StatusReconciled},
		},
		{
			name:    "a EUR invoice paid in USD without a reference is found by the converted amount",
			items:   []Open{receivable("INV-US", "1000.00", "2026-03-10"), receivable("INV-X", "5000.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "1085.00", "2026-03-10", ""), func(e *Entry) { e.Currency = "USD" })},
			fx:      true,
			want:    map[string][]wantAlloc{"e1": {{item: "INV-US", amount: "1000.00", method: MethodFX, fx: "-4.63"}}},
		},
		{
			name:      "a USD payment outside the FX tolerance is only suggested",
			items:     []Open{receivable("INV-US", "1000.00", "2026-03-10")},
			entries:   []Entry{with(credit("e1", "1000.00", "2026-03-10", "INV-US"), func(e *Entry) { e.Currency = "USD" })},
			fx:        true,
			status:    map[string]Status{"INV-US": StatusUnmatched},
			suggested: map[string][]string{"e1": {"INV-US"}},
			reason:    map[string]string{"e1": "FX tolerance"},
		},
		{
			name:      "a USD payment without rates is only suggested",
			items:     []Open{receivable("INV-US", "1000.00", "2026-03-10")},
			entries:   []Entry{with(credit("e1", "1080.00", "2026-03-10", "INV-US"), func(e *Entry) { e.Currency = "USD" })},
			suggested: map[string][]string{"e1": {"INV-US"}},
			reason:    map[string]string{"e1": "no FX rate"},
		},
		{
			name:      "a second payment of a settled invoice is suggested as a possible duplicate",
			items:     []Open{receivable("INV-5", "700.00", "2026-03-10")},
			entries:   []Entry{credit("e1", "700.00", "2026-03-09", "INV-5"), credit("e2", "700.00", "2026-03-12", "INV-5")},
			want:      map[string][]wantAlloc{"e1": {{item: "INV-5", amount: "700.00", method: MethodReference}}},
			suggested: map[string][]string{"e2": {"INV-5"}},
			reason:    map[string]string{"e2": "duplicate"},
		},
		{
			name:    "the same statement entry delivered twice counts once",
			items:   []Open{receivable("INV-5", "700.00", "2026-03-10")},
			entries: []Entry{credit("e1", "350.00", "2026-03-09", "INV-5"), credit("e1", "350.00", "2026-03-09", "INV-5")},
			want:    map[string][]wantAlloc{"e1": {{item: "INV-5", amount: "350.00", method: MethodReference}}},
			status:  map[string]Status{"INV-5": StatusPartiallyReconciled},
		},
		{
			name:  "a payment quoting the invoice from an account other than the one on file is only suggested",
			items: []Open{receivable("INV-5", "700.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "700.00", "2026-03-09", "INV-5"), func(e *Entry) {
				e.Counterparty = &canonical.Counterparty{Name: "Globex", IBAN: ibanOther}
			})},
			suggested: map[string][]string{"e1": {"INV-5"}},
			reason:    map[string]string{"e1": "not the one on file"},
		},
		{
			name:      "a payment of more than is open is only suggested",
			items:     []Open{receivable("INV-5", "700.00", "2026-03-10")},
			entries:   []Entry{credit("e1", "750.00", "2026-03-09", "INV-5")},
			suggested: map[string][]string{"e1": {"INV-5"}},
			reason:    map[string]string{"e1": "more than is open"},
		},
		{
			name:      "two open invoices with the same amount and due date are only suggested",
			items:     []Open{payable("A-1", "500.00", "2026-03-10"), payable("A-2", "500.00", "2026-03-10")},
			entries:   []Entry{debit("e1", "500.00", "2026-03-11", "")},
			suggested: map[string][]string{"e1": {"A-1"}},
		},
		{
			name:    "of two open invoices with the same amount the older due date is settled",
			items:   []Open{payable("A-2", "500.00", "2026-03-20"), payable("A-1", "500.00", "2026-03-10")},
			entries: []Entry{debit("e1", "500.00", "2026-03-11", "")},
			want:    map[string][]wantAlloc{"e1": {{item: "A-1", amount: "500.00", method: MethodAmount}}},
		},
		{
			name:      "a payment far from the due date is not matched by amount",
			items:     []Open{payable("A-1", "500.00", "2026-01-10")},
			entries:   []Entry{debit("e1", "500.00", "2026-06-11", "")},
			suggested: map[string][]string{"e1": {"A-1"}},
		},
		{
			name:    "a counterparty known only by name is matched by its normalised name",
			items:   []Open{with2(payable("A-1", "500.00", "2026-03-10"), func(o *Open) { o.PartyIBAN = "" })},
			entries: []Entry{with(debit("e1", "500.00", "2026-03-11", ""), func(e *Entry) { e.Counterparty.IBAN = "" })},
			want:    map[string][]wantAlloc{"e1": {{item: "A-1", amount: "500.00", method: MethodAmount}}},
		},
		{
			name: "a payment within the charges tolerance of one invoice goes to the set of invoices it makes exactly",
			items: []Open{payable("A-1", "1010.00", "2026-03-01"), payable("A-2", "600.00", "2026-03-02"),
				payable("A-3", "400.00", "2026-03-03")},
			entries: []Entry{debit("e1", "1000.00", "2026-03-10", "")},
			want: map[string][]wantAlloc{"e1": {{item: "A-2", amount: "600.00", method: MethodSubset},
				{item: "A-3", amount: "400.00", method: MethodSubset}}},
			status: map[string]Status{"A-1": StatusUnmatched},
		},
		{
			name:      "a payment within the charges tolerance of one invoice and the FX tolerance of another is only suggested",
			items:     []Open{with2(payable("A-1", "1080.00", "2026-03-10"), func(o *Open) { o.Currency = "USD" }), payable("A-2", "1000.00", "2026-03-10")},
			entries:   []Entry{with(debit("e1", "1075.00", "2026-03-10", ""), func(e *Entry) { e.Currency = "USD" })},
			fx:        true,
			cfg:       func(c *Config) { c.ChargesAbsolute["USD"] = dec("10") },
			suggested: map[string][]string{"e1": {"A-1", "A-2"}},
			reason:    map[string]string{"e1": "FX tolerance"},
		},
		{
			name: "a set of invoices beyond the item bound is not searched for",
			items: []Open{payable("A-1", "120.10", "2026-03-01"), payable("A-2", "455.35", "2026-03-03"),
				payable("A-5", "310.55", "2026-03-09")},
			entries: []Entry{debit("e1", "886.00", "2026-03-12", "")},
			cfg:     func(c *Config) { c.SubsetMaxItems = 2 },
			status:  map[string]Status{"A-1": StatusUnmatched, "A-2": StatusUnmatched, "A-5": StatusUnmatched},
		},
		{
			name: "a search for a set of invoices that runs out of budget matches nothing",
			items: []Open{payable("A-1", "120.10", "2026-03-01"), payable("A-2", "455.35", "2026-03-03"),
				payable("A-3", "1000.00", "2026-03-04"), payable("A-4", "78.00", "2026-03-08"), payable("A-5", "310.55", "2026-03-09")},
			entries: []Entry{debit("e1", "886.00", "2026-03-12", "")},
			cfg:     func(c *Config) { c.SubsetBudget = 4 },
			reason:  map[string]string{"e1": "budget"},
		},
		{
			name:  "an invoice number quoted by an unknown payer with another amount is only suggested",
			items: []Open{with2(receivable("INV-5", "700.00", "2026-03-10"), func(o *Open) { o.PartyIBAN = "" })},
			entries: []Entry{with(credit("e1", "300.00", "2026-03-09", "our ref INV-5"), func(e *Entry) {
				e.Counterparty = &canonical.Counterparty{Name: "Initech", IBAN: ibanOther}
			})},
			suggested: map[string][]string{"e1": {"INV-5"}},
			reason:    map[string]string{"e1": "neither the payer nor the amount"},
		},
		{
			name:  "an invoice number quoted by an unknown payer with the invoice's amount settles it",
			items: []Open{with2(receivable("INV-5", "700.00", "2026-03-10"), func(o *Open) { o.PartyIBAN = "" })},
			entries: []Entry{with(credit("e1", "700.00", "2026-03-09", "INV-5"), func(e *Entry) {
				e.Counterparty = &canonical.Counterparty{Name: "Globex Holding (paying agent)", IBAN: ibanOther}
			})},
			want: map[string][]wantAlloc{"e1": {{item: "INV-5", amount: "700.00", method: MethodReference}}},
		},
		{
			name:    "a short invoice number is not looked for in the text",
			items:   []Open{with2(receivable("12", "700.00", "2026-03-10"), func(o *Open) { o.PartyIBAN = "" })},
			entries: []Entry{with(credit("e1", "650.00", "2026-03-09", "payment 1 of 12"), func(e *Entry) { e.Counterparty = nil })},
			status:  map[string]Status{"12": StatusUnmatched},
		},
		{
			name:    "a credit never settles a payable",
			items:   []Open{payable("A-1", "500.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "500.00", "2026-03-11", "A-1"), func(e *Entry) { e.Counterparty = &canonical.Counterparty{Name: "Acme", IBAN: ibanAcme} })},
			status:  map[string]Status{"A-1": StatusUnmatched},
		},
		{
			name:    "a pending or reversed entry is never matched",
			items:   []Open{receivable("INV-5", "700.00", "2026-03-10")},
			entries: []Entry{with(credit("e1", "700.00", "2026-03-09", "INV-5"), func(e *Entry) { e.Status = canonical.EntryPending }), with(credit("e2", "700.00", "2026-03-09", "INV-5"), func(e *Entry) { e.Reversal = true })},
			reason:  map[string]string{"e1": "not booked", "e2": "reverses"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rates := usdTableOrNil(t, tt.fx)
			res, err := Reconcile(tt.items, tt.entries, rates, cfg)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, er := range res.Entries {
				if seen[er.EntryID] {
					if er.Matched() {
						t.Errorf("entry %s delivered twice is allocated twice", er.EntryID)
					}
					continue
				}
				seen[er.EntryID] = true
				want := tt.want[er.EntryID]
				if len(er.Allocations) != len(want) {
					t.Errorf("entry %s: got %d allocations %+v, want %d (reason %q, suggestions %+v)", er.EntryID, len(er.Allocations), er.Allocations, len(want), er.Reason, er.Suggestions)
					continue
				}
				for i, w := range want {
					a := er.Allocations[i]
					if a.ItemID != w.item || !a.Amount.Equal(dec(w.amount)) || a.Method != w.method ||
						!a.Charges.Equal(dec(or0(w.charges))) || !a.FXDifference.Equal(dec(or0(w.fx))) {
						t.Errorf("entry %s allocation %d: got %s %s by %s charges %s fx %s, want %+v", er.EntryID, i, a.ItemID, a.Amount, a.Method, a.Charges, a.FXDifference, w)
					}
				}
				if ids, ok := tt.suggested[er.EntryID]; ok {
					if er.Matched() {
						t.Errorf("entry %s: want only suggested, got allocated", er.EntryID)
					}
					var got []string
					for _, s := range er.Suggestions {
						got = append(got, s.ItemIDs...)
					}
					for _, id := range ids {
						if !slices.Contains(got, id) {
							t.Errorf("entry %s: suggestions %v do not include %s", er.EntryID, er.Suggestions, id)
						}
					}
					if len(er.Suggestions) > 3 {
						t.Errorf("entry %s: %d suggestions, want at most 3", er.EntryID, len(er.Suggestions))
					}
				}
				if r, ok := tt.reason[er.EntryID]; ok && !strings.Contains(er.Reason, r) {
					t.Errorf("entry %s: reason %q, want it to mention %q", er.EntryID, er.Reason, r)
				}
			}
			for _, it := range res.Items {
				if st, ok := tt.status[it.ItemID]; ok && it.Status != st {
					t.Errorf("item %s: status %s, want %s", it.ItemID, it.Status, st)
				}
				if r, ok := tt.remaining[it.ItemID]; ok && !it.Remaining.Equal(dec(r)) {
					t.Errorf("item %s: remaining %s, want %s", it.ItemID, it.Remaining, r)
				}
			}
		})
	}
}

func with2(o Open, f func(*Open)) Open { f(&o); return o }

func or0(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func TestValidRF(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want bool
	}{
		{"the ISO 11649 example is valid", "RF18 5390 0754 7034", true},
		{"lower case and no spaces are valid", "rf18539007547034", true},
		{"one wrong digit fails the check", "RF18 5390 0754 7035", false},
		{"wrong check digits fail", "RF19539007547034", false},
		{"a reference without RF is not one", "18539007547034", false},
		{"a reference longer than 25 characters is not one", "RF18" + strings.Repeat("1", 22), false},
		{"letters in the reference are allowed", makeRF("INV4711"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidRF(tt.in); got != tt.want {
				t.Errorf("ValidRF(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestInvoiceNumberAsWholeToken(t *testing.T) {
	for _, tt := range []struct {
		name, text, number string
		want               bool
	}{
		{"the number alone is found", "4711", "4711", true},
		{"the number in a sentence is found", "paid invoice 4711, thanks", "4711", true},
		{"the number inside a longer number is not found", "order 147112", "4711", false},
		{"the number as the start of a hyphenated number is not found", "4711-2", "4711", false},
		{"the number as the end of a hyphenated number is not found", "2026-4711", "4711", false},
		{"the number after a prefix word and a hyphen is not found", "INV-4711", "4711", false},
		{"an invoice number with hyphens is found in brackets", "(INV-2026-0042)", "INV-2026-0042", true},
		{"an invoice number is found after a later one that contains it", "INV-20261 INV-2026", "INV-2026", true},
		{"case does not matter", "inv-9", "INV-9", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := containsToken(tt.text, tt.number); got != tt.want {
				t.Errorf("containsToken(%q, %q) = %v, want %v", tt.text, tt.number, got, tt.want)
			}
		})
	}
}

func TestConfigRejectsNegativeTolerances(t *testing.T) {
	cfg := DefaultConfig()
	cfg.FXPercent = dec("-1")
	if _, err := Reconcile(nil, nil, nil, cfg); err == nil {
		t.Fatal("a negative FX tolerance was accepted")
	}
}

func TestItemsWithTheSameIDAreRefused(t *testing.T) {
	_, err := Reconcile([]Open{payable("A", "1", "2026-03-01"), payable("A", "2", "2026-03-01")}, nil, nil, DefaultConfig())
	if err == nil {
		t.Fatal("two items with one id were accepted")
	}
}

func TestResultJSONNamesFieldsForTheAPI(t *testing.T) {
	res, err := Reconcile([]Open{receivable("INV-1", "1000.00", "2026-03-10")},
		[]Entry{credit("e1", "990.00", "2026-03-10", "INV-1"), credit("e2", "5.00", "2026-03-10", "")}, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"entry_id":"e1"`, `"item_id":"INV-1"`, `"amount":"1000.00"`, `"charges":"10.00"`,
		`"method":"reference"`, `"status":"reconciled"`, `"remaining":"0.00"`, `"reason":"no invoice matches`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("result JSON %s lacks %s", b, want)
		}
	}
}
