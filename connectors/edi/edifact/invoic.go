package edifact

import (
	"slices"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// invoic maps an INVOIC message.
//
// BGM02 is the invoice number. BGM01 381 is a credit note: canonical
// invoices carry a credit note as negative quantities and amounts (unit
// prices stay positive), so every quantity, line amount and total of a
// 381 is made negative, whatever sign it was sent with. Any other document
// code (380 commercial invoice, 383, 384, ...) is read as an invoice.
// DTM+137 is the invoice date, DTM+13 (in or after PAT) the due date,
// RFF+ON the orders (in a line: the line's order), CUX the currency, NAD
// the parties. Each LIN is a line: QTY+47 the invoiced quantity and unit
// (else QTY+61, returned), PRI+AAA (else AAB) the unit price, MOA+203 the
// line amount, IMD the description. After UNS: MOA+79 the line total,
// MOA+77 the total (else MOA+86), MOA+9 the amount payable, MOA+176 the
// tax (else the sum of the MOA+124 that follow the TAX segments); without
// a total, it is the line total (or the sum of the lines) plus the tax.
// FII+BF (beneficiary) is the account the supplier asks to be paid to: C078
// account number (an IBAN when it reads as one) and holder, C088 the bank's
// BIC; the first one counts.
func (m *message) invoic() (connectors.Record, *problem) {
	inv := &canonical.Invoice{}
	var (
		bgm, credit, inLines, summary bool
		cur                           *canonical.InvoiceLine
		ids                           itemIDs
		qtyQual                       string
		gross                         bool
		moa77, moa86, taxTotal, tax   *canonical.Decimal
	)
	sign := func(d canonical.Decimal) canonical.Decimal {
		if credit {
			return canonical.NewDecimal(d.Abs().Neg())
		}
		return d
	}
	flush := func() {
		if cur == nil {
			return
		}
		cur.SKU = ids.sku
		cur.Quantity = sign(cur.Quantity)
		if cur.Amount != nil {
			cur.Amount = ptr(sign(*cur.Amount))
		}
		inv.Lines = append(inv.Lines, *cur)
		cur = nil
	}
	for i := range m.segs {
		s := &m.segs[i]
		switch s.tag {
		case "BGM":
			inv.InvoiceNumber, credit, bgm = s.el(1, 0), s.el(0, 0) == "381", true
		case "DTM":
			if inLines {
				continue
			}
			q, d, p := dtm(s)
			if p != nil {
				return connectors.Record{}, p
			}
			switch q {
			case "137":
				inv.InvoiceDate = d
			case "13":
				inv.DueDate = d
			}
		case "RFF":
			o, _, ok := rffON(s)
			switch {
			case !ok:
			case cur != nil:
				cur.OrderNumber = o
				if !slices.Contains(inv.OrderNumbers, o) {
					inv.OrderNumbers = append(inv.OrderNumbers, o)
				}
			case !inLines && !slices.Contains(inv.OrderNumbers, o):
				inv.OrderNumbers = append(inv.OrderNumbers, o)
			}
		case "CUX":
			if inv.Currency == "" {
				c, p := currency(s)
				if p != nil {
					return connectors.Record{}, p
				}
				inv.Currency = c
			}
		case "NAD":
			if inLines {
				continue
			}
			q, party, _ := nad(s)
			switch q {
			case m.opt.BuyerQualifier:
				inv.Buyer = party
			case m.opt.SupplierQualifier:
				inv.Supplier = party
			}
		case "LIN":
			flush()
			inLines = true
			ids, qtyQual, gross = itemIDs{}, "", false
			ln, _, p := m.lin(s, &ids)
			if p != nil {
				return connectors.Record{}, p
			}
			cur = &canonical.InvoiceLine{LineNumber: ln}
		case "PIA":
			if cur != nil {
				m.pia(s, &ids)
			}
		case "IMD":
			if cur != nil && cur.Description == "" {
				cur.Description = imd(s)
			}
		case "QTY":
			if cur == nil {
				continue
			}
			q, d, ok, p := qty(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if ok && (q == "47" || (q == "61" && qtyQual == "")) {
				u, p := unit(s, 0, 2, "")
				if p != nil {
					return connectors.Record{}, p
				}
				cur.Quantity, cur.Unit, qtyQual = d, u, q
			}
		case "PRI":
			if cur == nil {
				continue
			}
			q, d, ok, p := pri(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if ok && q == "AAA" {
				cur.UnitPrice, gross = canonical.NewDecimal(d.Abs()), false
			} else if ok && q == "AAB" && (cur.UnitPrice.IsZero() || gross) {
				cur.UnitPrice, gross = canonical.NewDecimal(d.Abs()), true
			}
		case "MOA":
			q, d, ok, p := moa(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if !ok {
				continue
			}
			d = sign(d)
			switch {
			case cur != nil && !summary:
				if q == "203" {
					cur.Amount = ptr(d)
				}
			case !summary:
			case q == "79":
				inv.LineTotal = ptr(d)
			case q == "77":
				moa77 = ptr(d)
			case q == "86":
				moa86 = ptr(d)
			case q == "9":
				inv.PayableAmount = ptr(d)
			case q == "176":
				taxTotal = ptr(d)
			case q == "124":
				if tax == nil {
					tax = ptr(d)
				} else {
					tax = ptr(canonical.NewDecimal(tax.Add(d.Decimal)))
				}
			}
		case "FII":
			if !inLines && s.el(0, 0) == "BF" && inv.PayeeAccount == nil && s.el(1, 0) != "" {
				inv.PayeeAccount = canonical.PayeeOf(s.el(1, 0), s.el(1, 1), s.el(2, 0))
			}
		case "UNS":
			flush()
			summary = true
		case "CNT":
			m.checkCNT(s, len(inv.Lines))
		}
	}
	flush()
	if !bgm {
		return connectors.Record{}, m.missing("BGM")
	}
	if taxTotal != nil {
		tax = taxTotal
	}
	inv.TaxAmount = tax
	switch {
	case moa77 != nil:
		inv.TotalAmount = *moa77
	case moa86 != nil:
		inv.TotalAmount = *moa86
	default:
		var base canonical.Decimal
		if inv.LineTotal != nil {
			base = *inv.LineTotal
		} else {
			for _, l := range inv.Lines {
				if l.Amount != nil {
					base = canonical.NewDecimal(base.Add(l.Amount.Decimal))
				}
			}
		}
		if tax != nil {
			base = canonical.NewDecimal(base.Add(tax.Decimal))
		}
		inv.TotalAmount = base
	}
	return connectors.Record{Type: canonical.TypeInvoice, Key: inv.InvoiceNumber, Value: inv}, nil
}
