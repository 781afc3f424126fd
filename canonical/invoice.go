package canonical

// Invoice is a supplier's commercial invoice (or credit note, with negative amounts).
type Invoice struct {
	InvoiceNumber string        `json:"invoice_number"`
	InvoiceDate   Date          `json:"invoice_date,omitzero"`
	OrderNumbers  []string      `json:"order_numbers,omitempty"`
	Supplier      Party         `json:"supplier"`
	Buyer         Party         `json:"buyer"`
	Currency      Currency      `json:"currency"`
	Lines         []InvoiceLine `json:"lines,omitempty"`
	LineTotal     *Decimal      `json:"line_total,omitempty"`
	TaxAmount     *Decimal      `json:"tax_amount,omitempty"`
	TotalAmount   Decimal       `json:"total_amount"`
	PayableAmount *Decimal      `json:"payable_amount,omitempty"`
	DueDate       Date          `json:"due_date,omitzero"`
	// PayeeAccount is the bank account the supplier asks to be paid to
	// (UBL PayeeFinancialAccount, EDIFACT FII+BF); settlement compares it
	// with the verified account on file.
	PayeeAccount *Counterparty `json:"payee_account,omitempty"`
	Source       *Source       `json:"source,omitempty"`
}

// InvoiceLine is one invoiced item.
type InvoiceLine struct {
	LineNumber  int      `json:"line_number"`
	OrderNumber string   `json:"order_number,omitempty"`
	SKU         string   `json:"sku,omitempty"`
	Description string   `json:"description,omitempty"`
	Quantity    Decimal  `json:"quantity"`
	Unit        Unit     `json:"unit,omitempty"`
	UnitPrice   Decimal  `json:"unit_price"`
	Amount      *Decimal `json:"amount,omitempty"`
}

// Schema descriptions (see schema.go).

var invoiceDoc = typeDoc{
	title: "Invoice",
	desc:  "A supplier's commercial invoice, or a credit note with negative quantities and amounts.",
	fields: map[string]string{
		"invoice_number": "The supplier's invoice number.",
		"order_numbers":  "Orders the invoice bills.",
		"currency":       "Currency of every amount in the invoice.",
		"line_total":     "Sum of the line amounts.",
		"tax_amount":     "Total tax.",
		"total_amount":   "line_total plus tax_amount.",
		"payable_amount": "Amount due after prepayments; not more than total_amount.",
		"due_date":       "Payment due date; not before invoice_date.",
	},
}

var invoiceLineDoc = typeDoc{
	desc: "One invoiced item.",
	fields: map[string]string{
		"line_number":  "Position in the invoice, unique and above zero.",
		"order_number": "The order the line bills, one of the invoice's order_numbers.",
		"quantity":     "Invoiced quantity, negative on a credit note.",
		"unit_price":   "Price of one unit, not negative.",
		"amount":       "Line amount: quantity × unit_price, rounded to the currency's minor unit.",
	},
}
