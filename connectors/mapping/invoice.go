package mapping

import (
	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// invoiceRecord builds a canonical.Invoice (a commercial invoice, or a
// credit note with negative quantities). Canonical's Validate checks its
// sums: line amounts against quantity × unit price within the currency's
// minor unit, line_total, total_amount and payable_amount.
type invoiceRecord struct {
	inv *canonical.Invoice
}

func (r *invoiceRecord) begin() { r.inv = &canonical.Invoice{} }

func (r *invoiceRecord) head(f fieldID, v value) {
	inv := r.inv
	switch f {
	case fInvoiceNumber:
		inv.InvoiceNumber = v.s
	case fInvoiceDate:
		inv.InvoiceDate = v.date
	case fOrderNumbers:
		inv.OrderNumbers = splitList(v.s)
	case fSupplierID:
		inv.Supplier.ID = v.s
	case fSupplierName:
		inv.Supplier.Name = v.s
	case fBuyerID:
		inv.Buyer.ID = v.s
	case fBuyerName:
		inv.Buyer.Name = v.s
	case fCurrency:
		inv.Currency = canonical.Currency(v.s)
	case fDueDate:
		inv.DueDate = v.date
	case fLineTotal:
		inv.LineTotal = v.decimalPtr()
	case fTaxAmount:
		inv.TaxAmount = v.decimalPtr()
	case fTotalAmount:
		inv.TotalAmount = v.d
	case fPayableAmount:
		inv.PayableAmount = v.decimalPtr()
	case fPayeeAccount, fPayeeBIC, fPayeeName:
		r.payee(f, v.s)
	}
}

// payee fills the account the invoice asks to be paid to. The account
// column holds an IBAN or a domestic number (canonical.PayeeOf tells them
// apart); a bank or holder without an account is left for validation to
// name.
func (r *invoiceRecord) payee(f fieldID, s string) {
	inv := r.inv
	if inv.PayeeAccount == nil {
		inv.PayeeAccount = &canonical.Counterparty{}
	}
	a := inv.PayeeAccount
	switch f {
	case fPayeeAccount:
		p := canonical.PayeeOf(s, a.Name, a.BIC)
		a.IBAN, a.Account = p.IBAN, p.Account
	case fPayeeBIC:
		a.BIC = s
	case fPayeeName:
		a.Name = s
	}
}

func (r *invoiceRecord) newLine() { r.inv.Lines = append(r.inv.Lines, canonical.InvoiceLine{}) }

func (r *invoiceRecord) line(f fieldID, v value) {
	l := &r.inv.Lines[len(r.inv.Lines)-1]
	switch f {
	case fLineNumber:
		l.LineNumber = v.n
	case fLineOrderNumber:
		l.OrderNumber = v.s
	case fSKU:
		l.SKU = v.s
	case fDescription:
		l.Description = v.s
	case fQuantity:
		l.Quantity = v.d
	case fUnit:
		l.Unit = canonical.Unit(v.s)
	case fUnitPrice:
		l.UnitPrice = v.d
	case fAmount:
		l.Amount = v.decimalPtr()
	}
}

// finish numbers the lines when the file does not, and links lines and
// orders as a shipment does.
func (r *invoiceRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	inv := r.inv
	if l.autoNumber {
		for i := range inv.Lines {
			inv.Lines[i].LineNumber = i + 1
		}
	}
	inv.OrderNumbers = linkOrders(inv.OrderNumbers, len(inv.Lines), func(i int) *string { return &inv.Lines[i].OrderNumber })
	src := l.src
	inv.Source = &src
	return connectors.Record{Type: canonical.TypeInvoice, Key: inv.InvoiceNumber, Value: inv}, nil
}
