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
	Source        *Source       `json:"source,omitempty"`
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
