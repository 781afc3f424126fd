package reconcile

import (
	"fmt"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
)

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

func day(s string) canonical.Date {
	d, err := canonical.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// makeRF returns the valid ISO 11649 reference of base.
func makeRF(base string) string {
	return fmt.Sprintf("RF%02d%s", 98-mod97(base+"RF00"), base)
}

const (
	ibanAcme  = "DE89370400440532013000"
	ibanOther = "GB29NWBK60161331926819"
	ibanCust  = "FR1420041010050500013M02606"
)

// payable is a supplier invoice of Acme in EUR.
func payable(id, amount, due string) Open {
	return Open{ID: id, InvoiceNumber: id, Direction: DirectionPayable, Party: "Acme Trading Co., Ltd.",
		PartyIBAN: ibanAcme, Currency: "EUR", Amount: dec(amount), DueDate: day(due)}
}

// receivable is an invoice to our customer Globex in EUR.
func receivable(id, amount, due string) Open {
	return Open{ID: id, InvoiceNumber: id, Direction: DirectionReceivable, Party: "Globex SA",
		PartyIBAN: ibanCust, Currency: "EUR", Amount: dec(amount), DueDate: day(due)}
}

// debit is a payment to Acme; credit a receipt from Globex.
func debit(id, amount, date, text string) Entry {
	return Entry{ID: id, BankTransaction: canonical.BankTransaction{Amount: dec("-" + amount), Currency: "EUR",
		ValueDate: day(date), BookingDate: day(date), RemittanceInfo: text,
		Counterparty: &canonical.Counterparty{Name: "ACME TRADING", IBAN: ibanAcme}}}
}

func credit(id, amount, date, text string) Entry {
	return Entry{ID: id, BankTransaction: canonical.BankTransaction{Amount: dec(amount), Currency: "EUR",
		ValueDate: day(date), BookingDate: day(date), RemittanceInfo: text,
		Counterparty: &canonical.Counterparty{Name: "Globex S.A.", IBAN: ibanCust}}}
}

func with(e Entry, f func(*Entry)) Entry { f(&e); return e }

// usdTable holds 1.0800 USD per EUR on every day of March 2026.
func usdTable(t testing.TB) *fxrates.Table {
	t.Helper()
	tb := fxrates.NewTable()
	for d := 1; d <= 31; d++ {
		if err := tb.Add(fxrates.Rate{Date: canonical.NewDate(2026, 3, d), Currency: "USD", PerEUR: dec("1.0800")}); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

func usdTableOrNil(t testing.TB, on bool) *fxrates.Table {
	if !on {
		return nil
	}
	return usdTable(t)
}
