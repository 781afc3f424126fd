package risk_test

import (
	"math"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

func FuzzCheckInvoice(f *testing.F) {
	f.Add("INV-1", "1150.00", "EUR", "DE89370400440532013000", "COBADEFFXXX", "1000.00", 3, "DE89370400440532013000", "verified", "DE", 6.0, 5, 14)
	f.Add("INV-1", "9800", "EUR", "GB82WEST12345698765432", "", "1200", 0, "", "pending", "", 0.5, 1, 0)
	f.Add("", "-5", "", "", "HSBCHKHH", "0", -40, "004-123", "revoked", "XX", math.NaN(), -3, -1)
	f.Add("inv 1", "1e3", "JPY", "de89 3704", "A", "999999999999999999999", 1<<20, "DE89", "", "CN", math.Inf(1), 0, 1<<30)
	f.Fuzz(func(t *testing.T, number, total, currency, iban, bic, histTotal string, days int, onFile, status string, country string,
		factor float64, minHistory, window int) {
		amount := func(s string) canonical.Decimal {
			d, err := canonical.ParseDecimal(s)
			if err != nil {
				return canonical.Decimal{}
			}
			return d
		}
		inv := canonical.Invoice{
			InvoiceNumber: number, InvoiceDate: canonical.NewDate(2026, 11, 16),
			Supplier: canonical.Party{ID: "SUP-1"}, Currency: canonical.Currency(currency), TotalAmount: amount(total),
			PayeeAccount: &canonical.Counterparty{IBAN: iban, BIC: bic},
		}
		var history []canonical.Invoice
		for i := range 7 {
			h := inv
			h.InvoiceNumber = number + string(rune('A'+i%3))
			h.InvoiceDate = canonical.NewDate(2026, 11, 16+days%4000*i)
			h.TotalAmount = amount(histTotal)
			history = append(history, h)
		}
		history = append(history, inv)
		cfg := risk.Config{MinHistory: minHistory, OutlierFactor: factor, SplitWindowDays: window,
			ApprovalLimit: amount(histTotal), LimitCurrency: canonical.Currency(currency)}
		in := risk.InvoiceInput{Invoice: inv, History: history, SupplierCountry: canonical.Country(country),
			Accounts: []store.SupplierAccount{{SupplierID: "SUP-1", Account: onFile, BIC: bic, Status: status}}}
		got := risk.CheckInvoice(in, cfg)
		for i, g := range got {
			if g.Severity != risk.SeverityWarning && g.Severity != risk.SeverityCritical {
				t.Errorf("finding %d has severity %q", i, g.Severity)
			}
			if i > 0 && (got[i-1].Kind > g.Kind || got[i-1].Kind == g.Kind && got[i-1].Subject > g.Subject) {
				t.Errorf("findings are not sorted: %s %q before %s %q", got[i-1].Kind, got[i-1].Subject, g.Kind, g.Subject)
			}
		}
		risk.CheckPayment(risk.PaymentInput{
			Request: store.PaymentRequest{Stage: number, Amount: amount(total), Currency: canonical.Currency(currency),
				DueDate: canonical.NewDate(2026, 11, days), Status: status},
			Terms: iban + bic, Shipped: canonical.NewDate(2026, 10, window), Today: canonical.NewDate(2026, 11, minHistory),
			OrderTotal: amount(histTotal),
		})
	})
}
