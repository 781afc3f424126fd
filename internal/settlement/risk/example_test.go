package risk_test

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

func Example() {
	d := canonical.MustDecimal
	inv := canonical.Invoice{
		InvoiceNumber: "INV-7", InvoiceDate: canonical.NewDate(2026, 11, 16),
		Supplier: canonical.Party{ID: "SUP-1"}, Buyer: canonical.Party{ID: "B1"},
		Currency: "EUR", TotalAmount: d("1150.00"),
		// The invoice asks to be paid to a British account...
		PayeeAccount: &canonical.Counterparty{IBAN: "GB82WEST12345698765432"},
	}
	// ...while the supplier, in Germany, has a German account verified.
	accounts := []store.SupplierAccount{{SupplierID: "SUP-1", Account: "DE89370400440532013000", Country: "DE", Status: store.AccountVerified}}

	for _, f := range risk.CheckInvoice(risk.InvoiceInput{Invoice: inv, Accounts: accounts, SupplierCountry: "DE"}, risk.DefaultConfig()) {
		fmt.Println(f.Kind, f.Severity, f.Blocks, f.Data["payee_account"])
		fmt.Println(" ", f.Subject)
	}

	req := store.PaymentRequest{OrderNumber: "PO-7", Sequence: 2, Stage: "balance", Amount: d("7000.00"), Currency: "EUR",
		DueDate: canonical.NewDate(2026, 11, 5), Status: store.PaymentPending}
	for _, f := range risk.CheckPayment(risk.PaymentInput{Request: req, Terms: "T/T 30% deposit 70% against B/L copy",
		Shipped: canonical.NewDate(2026, 11, 10), Today: canonical.NewDate(2026, 11, 1)}) {
		fmt.Println(f.Kind, f.Severity, f.Blocks)
		fmt.Println(" ", f.Subject)
	}
	// Output:
	// bank_account_changed critical true GB82********5432
	//   invoice INV-7 asks payment to an account that is not on file
	// beneficiary_country warning true GB82********5432
	//   invoice INV-7 asks payment to a bank in GB
	// payment_before_delivery critical true
	//   payment 2 of order PO-7 would be paid before the goods shipped
}
