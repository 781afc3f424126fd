package risk_test

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

// ibanOf builds a valid IBAN for a country and a national account (BBAN)
// by computing its ISO 7064 check digits, so test accounts are never
// someone's real account and still pass canonical.ValidIBAN.
func ibanOf(t testing.TB, country, bban string) string {
	t.Helper()
	var digits strings.Builder
	for _, c := range bban + country + "00" {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			digits.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			t.Fatalf("ibanOf: %q is not upper-case alphanumeric", bban)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	iban := country + string(rune('0'+check/10)) + string(rune('0'+check%10)) + bban
	if !canonical.ValidIBAN(iban) {
		t.Fatalf("ibanOf(%s, %s) = %s is not valid", country, bban, iban)
	}
	return iban
}

func day(s string) canonical.Date {
	d, err := canonical.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

// invoice is an invoice of supplier SUP-1 to buyer B1 in EUR.
func invoice(number, date, total string) canonical.Invoice {
	return canonical.Invoice{
		InvoiceNumber: number,
		InvoiceDate:   day(date),
		OrderNumbers:  []string{"PO-" + number},
		Supplier:      canonical.Party{ID: "SUP-1", Name: "Muster GmbH", Country: "DE"},
		Buyer:         canonical.Party{ID: "B1"},
		Currency:      "EUR",
		TotalAmount:   dec(total),
	}
}

func payTo(inv canonical.Invoice, iban, account, bic string) canonical.Invoice {
	inv.PayeeAccount = &canonical.Counterparty{Name: "Muster GmbH", IBAN: iban, Account: account, BIC: bic}
	return inv
}

func account(acc, bic string, country canonical.Country, status string) store.SupplierAccount {
	return store.SupplierAccount{
		SupplierID: "SUP-1", Account: acc, BIC: bic, Country: country, Status: status,
		AddedBy: "alice", AddedAt: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
	}
}

// usualHistory is six ordinary EUR invoices of SUP-1 between 1 000 and
// 1 400, a month apart so none of them forms a split.
func usualHistory() []canonical.Invoice {
	return []canonical.Invoice{
		invoice("INV-101", "2026-05-04", "1000.00"),
		invoice("INV-102", "2026-06-04", "1200.00"),
		invoice("INV-103", "2026-07-06", "1100.00"),
		invoice("INV-104", "2026-08-04", "1400.00"),
		invoice("INV-105", "2026-09-04", "1300.00"),
		invoice("INV-106", "2026-10-05", "1250.00"),
	}
}

// brief is what a test compares of a finding.
type brief struct {
	Kind     risk.Kind
	Severity string
	Blocks   bool
}

func briefs(fs []risk.Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		out = append(out, brief{f.Kind, f.Severity, f.Blocks})
	}
	return out
}

// texts is every string of a finding a person or a log could see.
func texts(f risk.Finding) []string {
	out := []string{string(f.Kind), f.Severity, f.Subject, f.Message, f.Action}
	for k, v := range f.Data {
		out = append(out, k, v)
	}
	return out
}
