package risk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

func TestCheckInvoice(t *testing.T) {
	de := ibanOf(t, "DE", "370400440532013000") // the supplier's verified account
	deOther := ibanOf(t, "DE", "500105175407324931")
	fr := ibanOf(t, "FR", "20041010050500013M02606")
	gb := ibanOf(t, "GB", "WEST12345698765432")
	verified := []store.SupplierAccount{account(de, "COBADEFFXXX", "DE", store.AccountVerified)}

	base := func() risk.InvoiceInput {
		return risk.InvoiceInput{
			Invoice:         payTo(invoice("INV-200", "2026-11-16", "1150.00"), de, "", ""),
			History:         usualHistory(),
			Accounts:        verified,
			SupplierCountry: "DE",
		}
	}
	with := func(f func(*risk.InvoiceInput)) risk.InvoiceInput {
		in := base()
		f(&in)
		return in
	}

	tests := []struct {
		name string
		in   risk.InvoiceInput
		cfg  func(*risk.Config)
		want []brief
		// each string must appear in the message of the finding of that kind
		says map[risk.Kind][]string
	}{
		{
			name: "an ordinary invoice paid to the verified account raises nothing",
			in:   base(),
		},
		{
			name: "a resent invoice is not a duplicate",
			in: with(func(in *risk.InvoiceInput) {
				resend := in.Invoice
				resend.Source = &canonical.Source{Partner: "edi-hub", File: "inv-200-again.xml"}
				in.History = append(in.History, resend)
			}),
		},
		{
			name: "the same invoice number with another total is a critical duplicate",
			in: with(func(in *risk.InvoiceInput) {
				earlier := in.Invoice
				earlier.TotalAmount = dec("950.00")
				in.History = append(in.History, earlier)
			}),
			want: []brief{{risk.DuplicateInvoice, risk.SeverityCritical, true}},
			says: map[risk.Kind][]string{risk.DuplicateInvoice: {"INV-200", "total 1150.00 EUR now, 950.00 EUR before"}},
		},
		{
			name: "the same invoice number with another payee account names both accounts masked",
			in: with(func(in *risk.InvoiceInput) {
				earlier := in.Invoice
				earlier.PayeeAccount = &canonical.Counterparty{IBAN: deOther}
				in.History = append(in.History, earlier)
			}),
			want: []brief{{risk.DuplicateInvoice, risk.SeverityCritical, true}},
			says: map[risk.Kind][]string{risk.DuplicateInvoice: {canonical.MaskIBAN(de) + " now, " + canonical.MaskIBAN(deOther) + " before"}},
		},
		{
			name: "the same amount and date under another number is a duplicate warning that blocks",
			in: with(func(in *risk.InvoiceInput) {
				in.History = append(in.History, invoice("INV-199", "2026-11-16", "1150.00"))
			}),
			want: []brief{{risk.DuplicateInvoice, risk.SeverityWarning, true}},
			says: map[risk.Kind][]string{risk.DuplicateInvoice: {"INV-199", "1150.00 EUR", "2026-11-16"}},
		},
		{
			name: "the same amount on another date is not a duplicate",
			in: with(func(in *risk.InvoiceInput) {
				in.History = append(in.History, invoice("INV-199", "2026-10-20", "1150.00"))
			}),
		},
		{
			name: "the same amount and date in another currency is not a duplicate",
			in: with(func(in *risk.InvoiceInput) {
				usd := invoice("INV-199", "2026-11-16", "1150.00")
				usd.Currency = "USD"
				in.History = append(in.History, usd)
			}),
		},
		{
			name: "another supplier's invoice with the same number is not a duplicate",
			in: with(func(in *risk.InvoiceInput) {
				other := invoice("INV-200", "2026-11-16", "700.00")
				other.Supplier = canonical.Party{ID: "SUP-2"}
				in.History = append(in.History, other)
			}),
		},
		{
			name: "an invoice paying into an account not on file blocks payment",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice = payTo(in.Invoice, deOther, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}},
			says: map[risk.Kind][]string{risk.AccountChanged: {canonical.MaskIBAN(deOther), "is not on file", "1 verified account"}},
		},
		{
			name: "an invoice paying into an account pending verification blocks payment",
			in: with(func(in *risk.InvoiceInput) {
				in.Accounts = append(in.Accounts, account(deOther, "", "DE", store.AccountPending))
				in.Invoice = payTo(in.Invoice, deOther, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}},
			says: map[risk.Kind][]string{risk.AccountChanged: {"not yet verified"}},
		},
		{
			name: "an invoice paying into a revoked account blocks payment",
			in: with(func(in *risk.InvoiceInput) {
				in.Accounts = append(in.Accounts, account(deOther, "", "DE", store.AccountRevoked))
				in.Invoice = payTo(in.Invoice, deOther, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}},
			says: map[risk.Kind][]string{risk.AccountChanged: {"was revoked"}},
		},
		{
			name: "the verified account written with spaces and in lower case is the same account",
			in: with(func(in *risk.InvoiceInput) {
				spaced := strings.ToLower(de[:4] + " " + de[4:8] + " " + de[8:12] + " " + de[12:16] + " " + de[16:20] + " " + de[20:])
				in.Invoice = payTo(in.Invoice, spaced, "", "")
			}),
		},
		{
			name: "an invoice naming no payee account raises no account finding",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.PayeeAccount = nil
				in.Accounts = nil
			}),
		},
		{
			name: "a supplier with no account on file is a warning that still blocks payment",
			in: with(func(in *risk.InvoiceInput) {
				in.Accounts = nil
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityWarning, true}},
			says: map[risk.Kind][]string{risk.AccountChanged: {"no bank account on file", canonical.MaskIBAN(de)}},
		},
		{
			name: "another supplier's verified account does not vouch for this one",
			in: with(func(in *risk.InvoiceInput) {
				acc := account(deOther, "", "DE", store.AccountVerified)
				acc.SupplierID = "SUP-2"
				in.Accounts = append(in.Accounts, acc)
				in.Invoice = payTo(in.Invoice, deOther, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}},
		},
		{
			name: "a payee bank abroad that is not on file raises the account and the country",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice = payTo(in.Invoice, gb, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}, {risk.BeneficiaryCountry, risk.SeverityWarning, true}},
			says: map[risk.Kind][]string{risk.BeneficiaryCountry: {"bank in GB", "the supplier is in DE", "verified accounts are in DE"}},
		},
		{
			name: "a verified account abroad is not a country finding",
			in: with(func(in *risk.InvoiceInput) {
				in.Accounts = append(in.Accounts, account(fr, "", "", store.AccountVerified))
				in.Invoice = payTo(in.Invoice, fr, "", "")
			}),
		},
		{
			name: "the BIC gives the payee's country when the account is no IBAN",
			in: with(func(in *risk.InvoiceInput) {
				in.SupplierCountry = "CN"
				in.Accounts = []store.SupplierAccount{account("6222021234567890", "ICBKCNBJXXX", "CN", store.AccountVerified)}
				in.Invoice = payTo(in.Invoice, "", "004-123456-001", "HSBCHKHHXXX")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}, {risk.BeneficiaryCountry, risk.SeverityWarning, true}},
			says: map[risk.Kind][]string{risk.BeneficiaryCountry: {"bank in HK", "the supplier is in CN"}},
		},
		{
			name: "a payee country cannot be judged when neither the supplier's country nor a verified account is known",
			in: with(func(in *risk.InvoiceInput) {
				in.SupplierCountry = ""
				in.Accounts = []store.SupplierAccount{account(gb, "", "GB", store.AccountPending)}
				in.Invoice = payTo(in.Invoice, gb, "", "")
			}),
			want: []brief{{risk.AccountChanged, risk.SeverityCritical, true}},
		},
		{
			name: "a total far above the supplier's history is an outlier",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("9800.00")
			}),
			want: []brief{{risk.AmountOutlier, risk.SeverityWarning, true}},
			// median of 1000..1400 is 1225, spread a quarter of it (306.25),
			// threshold 1225 + 6 × 306.25 = 3062.50
			says: map[risk.Kind][]string{risk.AmountOutlier: {"9800.00 EUR", "median of 1225.00 EUR", "largest was 1400.00 EUR", "above 3062.50 EUR", "6 earlier EUR invoices"}},
		},
		{
			name: "a total somewhat above the largest earlier one is not an outlier",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("2900.00")
			}),
		},
		{
			name: "too few earlier invoices raise no outlier",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("9800.00")
				in.History = in.History[:2]
			}),
		},
		{
			name: "earlier invoices in another currency are not compared with this one",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("9800.00")
				for i := range in.History {
					in.History[i].Currency = "USD"
				}
			}),
		},
		{
			name: "a resend counted once does not make up the history",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("9800.00")
				one := in.History[0]
				in.History = []canonical.Invoice{one, one, one, one, one, one}
			}),
		},
		{
			name: "invoices split under the approval limit within the window are flagged",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("6000.00")
				in.History = []canonical.Invoice{invoice("INV-198", "2026-11-10", "5500.00"), invoice("INV-150", "2026-09-01", "4000.00")}
			}),
			want: []brief{{risk.SplitInvoice, risk.SeverityWarning, true}},
			says: map[risk.Kind][]string{risk.SplitInvoice: {"INV-200", "INV-198", "10000.00 EUR", "together 11500.00 EUR", "within 14 days"}},
		},
		{
			name: "invoices to another buyer are not a split",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("6000.00")
				other := invoice("INV-198", "2026-11-10", "5500.00")
				other.Buyer.ID = "B2"
				in.History = []canonical.Invoice{other}
			}),
		},
		{
			name: "invoices further apart than the window are not a split",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("6000.00")
				in.History = []canonical.Invoice{invoice("INV-198", "2026-10-01", "5500.00")}
			}),
		},
		{
			name: "invoices that stay under the limit together are not a split",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("3000.00")
				in.History = []canonical.Invoice{invoice("INV-198", "2026-11-10", "5500.00")}
			}),
		},
		{
			name: "invoices in another currency than the limit's are not checked for a split",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("6000.00")
				in.Invoice.Currency = "USD"
				h := invoice("INV-198", "2026-11-10", "5500.00")
				h.Currency = "USD"
				in.History = []canonical.Invoice{h}
			}),
		},
		{
			name: "an invoice over the limit itself is no split",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("12000.00")
				in.History = []canonical.Invoice{invoice("INV-198", "2026-11-10", "5500.00")}
			}),
		},
		{
			name: "a lower approval limit finds the split a higher one misses",
			in: with(func(in *risk.InvoiceInput) {
				in.Invoice.TotalAmount = dec("1500.00")
				in.History = []canonical.Invoice{invoice("INV-198", "2026-11-10", "1100.00")}
			}),
			cfg:  func(c *risk.Config) { c.ApprovalLimit = dec("2000.00") },
			want: []brief{{risk.SplitInvoice, risk.SeverityWarning, true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := risk.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			got := risk.CheckInvoice(tt.in, cfg)
			want := tt.want
			if want == nil {
				want = []brief{}
			}
			if b := briefs(got); !slices.Equal(b, want) {
				t.Fatalf("findings %v, want %v\n%s", b, want, dump(got))
			}
			for kind, phrases := range tt.says {
				for _, f := range got {
					if f.Kind != kind {
						continue
					}
					for _, p := range phrases {
						if !strings.Contains(f.Message, p) {
							t.Errorf("%s message does not say %q:\n%s", kind, p, f.Message)
						}
					}
				}
			}
			for _, f := range got {
				if f.Subject == "" || f.Message == "" || f.Action == "" || f.Data["invoice_number"] == "" {
					t.Errorf("%s finding is missing its subject, message, action or invoice number: %+v", f.Kind, f)
				}
			}
		})
	}
}

func dump(fs []risk.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(string(f.Kind) + ": " + f.Subject + "\n  " + f.Message + "\n")
	}
	return b.String()
}

// everyRisk is an invoice that raises every invoice finding at once.
func everyRisk(t *testing.T) (risk.InvoiceInput, []string) {
	de := ibanOf(t, "DE", "370400440532013000")
	gb := ibanOf(t, "GB", "WEST12345698765432")
	pending := ibanOf(t, "NL", "ABNA0417164300")
	national := "004-123456-001"
	inv := payTo(invoice("INV-300", "2026-11-16", "9900.00"), gb, "", "")
	changed := inv
	changed.TotalAmount = dec("9000.00")
	changed.PayeeAccount = &canonical.Counterparty{IBAN: de}
	history := append(usualHistory(),
		changed,
		invoice("INV-298", "2026-11-12", "800.00"),
	)
	in := risk.InvoiceInput{
		Invoice: inv,
		History: history,
		Accounts: []store.SupplierAccount{
			account(de, "COBADEFFXXX", "DE", store.AccountVerified),
			account(pending, "", "NL", store.AccountPending),
			account(national, "HSBCHKHHXXX", "HK", store.AccountRevoked),
		},
		SupplierCountry: "DE",
	}
	return in, []string{de, gb, pending, national}
}

func TestFindingsNeverShowAFullAccount(t *testing.T) {
	in, accounts := everyRisk(t)
	got := risk.CheckInvoice(in, risk.DefaultConfig())
	kinds := map[risk.Kind]bool{}
	for _, f := range got {
		kinds[f.Kind] = true
	}
	for _, k := range []risk.Kind{risk.DuplicateInvoice, risk.AccountChanged, risk.AmountOutlier, risk.SplitInvoice, risk.BeneficiaryCountry} {
		if !kinds[k] {
			t.Fatalf("the fixture raises no %s, so the test would prove nothing:\n%s", k, dump(got))
		}
	}
	gb := accounts[1]
	if !strings.Contains(dump(got), canonical.MaskIBAN(gb)) {
		t.Errorf("no finding names the payee account masked as %s:\n%s", canonical.MaskIBAN(gb), dump(got))
	}
	for _, f := range got {
		for _, s := range texts(f) {
			for _, acc := range accounts {
				spaced := strings.Join(chunks(acc, 4), " ")
				bare := strings.NewReplacer(" ", "", "-", "").Replace(s)
				if strings.Contains(s, acc) || strings.Contains(s, spaced) || strings.Contains(bare, strings.ReplaceAll(acc, "-", "")) {
					t.Errorf("%s finding shows the full account %s: %q", f.Kind, canonical.MaskAccount(acc), s)
				}
			}
		}
	}
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestFindingsDoNotDependOnHistoryOrder(t *testing.T) {
	in, _ := everyRisk(t)
	first := risk.CheckInvoice(in, risk.DefaultConfig())
	if !slices.IsSortedFunc(first, func(a, b risk.Finding) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	}) {
		t.Errorf("findings are not sorted by kind, then subject:\n%s", dump(first))
	}
	slices.Reverse(in.History)
	slices.Reverse(in.Accounts)
	again := risk.CheckInvoice(in, risk.DefaultConfig())
	if dump(first) != dump(again) {
		t.Errorf("reordering the history changed the findings:\n%s\nthen\n%s", dump(first), dump(again))
	}
}
