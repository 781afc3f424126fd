// Package match is three-way matching of supplier invoices: each invoice
// line against its order line (what was ordered, at what price) and the
// goods shipped or received for that line (ASNs, goods receipts), minus what
// earlier invoices already billed. It also derives from payment terms the
// documents each payment stage needs and checks them as present
// (documents.go).
//
// Everything here is a pure function of its input: no I/O, no clock, no
// map-order dependence; the same input gives the same Result.
//
// Decisions a finance user sees:
//
//   - A line finds its order line by order number and line number (when the
//     SKUs agree or one is empty), else by SKU on that order, else it is
//     no_order_line. The order number is the line's, or the invoice's only
//     order number.
//   - Received is the sum of the shipment lines for that order line. What is
//     available to bill is received minus what prior invoices (other
//     numbers) and earlier lines of this invoice billed for the same line.
//   - Billing more than available beyond the quantity tolerance is
//     over_received, or already_invoiced when the quantity would have fitted
//     had the earlier billing not happened. Billing in total more than
//     ordered beyond the tolerance is over_ordered (not reported beside
//     already_invoiced, which explains it).
//   - A unit price above the order price beyond the price tolerance is
//     price_over and blocks. A unit price below the order price is
//     price_under: a warning, never a block (the buyer pays less than
//     agreed; finance sees it, payment goes on), and the line is
//     matched_within_tolerance.
//   - A line amount further than the amount tolerance from quantity × unit
//     price (rounded to the invoice currency) is amount_off.
//   - An invoice in another currency than the order is currency_differs;
//     prices are then not compared.
//   - Credit-note lines (quantity not above zero) are not checked against
//     receipts or orders, only for price and amount.
package match

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// Status is the outcome of a line or of an invoice.
type Status string

// Statuses, from best to worst.
const (
	StatusMatched         Status = "matched"
	StatusWithinTolerance Status = "matched_within_tolerance"
	StatusOverridden      Status = "overridden"
	StatusMismatch        Status = "mismatch"
)

func (s Status) rank() int {
	switch s {
	case StatusMatched:
		return 0
	case StatusWithinTolerance:
		return 1
	case StatusOverridden:
		return 2
	default:
		return 3
	}
}

// Worse returns the worse of s and o.
func (s Status) Worse(o Status) Status {
	if o.rank() > s.rank() {
		return o
	}
	return s
}

// Code is a stable reason code.
type Code string

// Line reasons.
const (
	CodeOverReceived    Code = "over_received"
	CodeOverOrdered     Code = "over_ordered"
	CodePriceOver       Code = "price_over"
	CodePriceUnder      Code = "price_under" // a warning, never a block
	CodeAmountOff       Code = "amount_off"
	CodeNoOrderLine     Code = "no_order_line"
	CodeNoReceipt       Code = "no_receipt"
	CodeCurrencyDiffers Code = "currency_differs"
	CodeAlreadyInvoiced Code = "already_invoiced"
)

// Invoice total reasons.
const (
	CodeLineTotalOff Code = "line_total_off" // line_total is not the sum of the lines
	CodeTotalOff     Code = "total_off"      // total_amount is not line total plus tax
	CodeTaxNegative  Code = "tax_negative"   // tax on an invoice (not a credit note) below zero
	CodeNoLines      Code = "no_lines"       // a header-only invoice: nothing to match
)

// Reason says why a line or an invoice is not a plain match.
type Reason struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func reason(c Code, format string, a ...any) Reason {
	return Reason{Code: c, Message: fmt.Sprintf(format, a...)}
}

// ToleranceUse records a difference that a tolerance let through.
type ToleranceUse struct {
	// Kind is quantity_received, quantity_ordered, unit_price or amount.
	Kind string `json:"kind"`
	// Difference is the invoice's excess (quantity, price or amount).
	Difference canonical.Decimal `json:"difference"`
	// Percent is Difference in percent of the base it is measured against
	// (received, ordered, order price); zero for amount.
	Percent canonical.Decimal `json:"percent"`
	// Allowed is the tolerance applied (percent, or the absolute amount).
	Allowed canonical.Decimal `json:"allowed"`
	// Source is "default" or "supplier:<id>".
	Source string `json:"source"`
}

// Override turns a mismatch into overridden. It is a finance user's
// decision; the API requires the role and audits it, this package only
// applies it.
type Override struct {
	// Line is the invoice line number overridden, 0 for the whole invoice
	// (every line and the totals).
	Line   int       `json:"line,omitempty"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Input is what one invoice is matched against.
type Input struct {
	Invoice canonical.Invoice
	// Orders the invoice may bill; looked up by order number (and the
	// invoice's buyer id when the same number exists for several buyers).
	Orders []canonical.Order
	// Shipments are ASNs and goods receipts of those orders.
	Shipments []canonical.Shipment
	// PriorInvoices are the supplier's earlier invoices (and credit notes)
	// on the same orders. One with this invoice's number is this invoice
	// seen before and is ignored.
	PriorInvoices []canonical.Invoice
	Overrides     []Override
}

// LineResult is the outcome of one invoice line.
type LineResult struct {
	InvoiceLine int    `json:"invoice_line"`
	OrderNumber string `json:"order_number,omitempty"`
	// OrderLine is the matched order line number, 0 when none.
	OrderLine int `json:"order_line,omitempty"`
	// MatchedBy is line_number or sku, empty when unmatched.
	MatchedBy string            `json:"matched_by,omitempty"`
	Invoiced  canonical.Decimal `json:"invoiced"`
	Ordered   canonical.Decimal `json:"ordered"`
	Received  canonical.Decimal `json:"received"`
	// Billed is what prior invoices and earlier lines of this invoice
	// billed for the same order line.
	Billed     canonical.Decimal `json:"billed"`
	Status     Status            `json:"status"`
	Mismatches []Reason          `json:"mismatches,omitempty"`
	Warnings   []Reason          `json:"warnings,omitempty"`
	Tolerances []ToleranceUse    `json:"tolerances,omitempty"`
	Override   *Override         `json:"override,omitempty"`
}

// Totals is the check of the invoice's header amounts.
type Totals struct {
	LineSum    canonical.Decimal `json:"line_sum"`
	LineTotal  canonical.Decimal `json:"line_total"` // as invoiced; LineSum when absent
	Tax        canonical.Decimal `json:"tax"`
	Total      canonical.Decimal `json:"total"`
	Mismatches []Reason          `json:"mismatches,omitempty"`
}

// Result is the outcome of one invoice.
type Result struct {
	InvoiceNumber string `json:"invoice_number"`
	SupplierID    string `json:"supplier_id"`
	// Status is the worst line status, mismatch when the totals are off
	// (overridden when an invoice override covers them).
	Status Status       `json:"status"`
	Lines  []LineResult `json:"lines"`
	Totals Totals       `json:"totals"`
	// Blocked is true while any mismatch is not overridden: payment
	// approval must wait.
	Blocked  bool      `json:"blocked"`
	Override *Override `json:"override,omitempty"`
	// Tolerance is what was applied, and ToleranceSource where it came from.
	Tolerance       Tolerance `json:"tolerance"`
	ToleranceSource string    `json:"tolerance_source"`
}

// BlockReasons lists the mismatches still blocking, prefixed with their
// line ("line 3: price_over: ...").
func (r Result) BlockReasons() []string {
	var out []string
	for _, l := range r.Lines {
		if l.Status != StatusMismatch {
			continue
		}
		for _, m := range l.Mismatches {
			out = append(out, fmt.Sprintf("line %d: %s: %s", l.InvoiceLine, m.Code, m.Message))
		}
	}
	if r.Override == nil {
		for _, m := range r.Totals.Mismatches {
			out = append(out, fmt.Sprintf("totals: %s: %s", m.Code, m.Message))
		}
	}
	return out
}

// lineKey is an order line.
type lineKey struct {
	order string
	line  int
}

// Match matches in.Invoice with the tolerances of its supplier. It returns
// an error only for unusable input: invalid tolerances, an override without
// a user or a reason, or for a line the invoice does not have.
func Match(in Input, tols Tolerances) (Result, error) {
	if err := tols.Validate(); err != nil {
		return Result{}, err
	}
	inv := in.Invoice
	tol, src := tols.For(inv.Supplier.ID)
	res := Result{InvoiceNumber: inv.InvoiceNumber, SupplierID: inv.Supplier.ID, Tolerance: tol, ToleranceSource: src}

	lineOverride := map[int]*Override{}
	for i := range in.Overrides {
		o := new(in.Overrides[i]) // a copy: the result does not alias the input
		if strings.TrimSpace(o.By) == "" || strings.TrimSpace(o.Reason) == "" {
			return Result{}, fmt.Errorf("match: invoice %s: an override needs a user and a reason", inv.InvoiceNumber)
		}
		if o.Line == 0 {
			res.Override = o
			continue
		}
		if !slices.ContainsFunc(inv.Lines, func(l canonical.InvoiceLine) bool { return l.LineNumber == o.Line }) {
			return Result{}, fmt.Errorf("match: invoice %s: override for line %d, which the invoice does not have", inv.InvoiceNumber, o.Line)
		}
		lineOverride[o.Line] = o
	}

	m := newMatcher(in)

	// Billed by prior invoices: a sum, so their order does not matter.
	billed := map[lineKey]decimal.Decimal{}
	for _, p := range in.PriorInvoices {
		if p.InvoiceNumber == inv.InvoiceNumber && p.Supplier.ID == inv.Supplier.ID {
			continue
		}
		for _, l := range p.Lines {
			if o, ol, _ := m.resolve(p, l); ol != nil {
				k := lineKey{o.OrderNumber, ol.LineNumber}
				billed[k] = billed[k].Add(l.Quantity.Decimal)
			}
		}
	}

	res.Status = StatusMatched
	for _, l := range inv.Lines {
		lr := m.checkLine(inv, l, tol, src, billed)
		if lr.Status == StatusMismatch {
			if o := lineOverride[l.LineNumber]; o != nil {
				lr.Status, lr.Override = StatusOverridden, o
			} else if res.Override != nil {
				lr.Status, lr.Override = StatusOverridden, res.Override
			}
		}
		res.Status = res.Status.Worse(lr.Status)
		res.Lines = append(res.Lines, lr)
	}

	res.Totals = checkTotals(inv, tol)
	if len(res.Totals.Mismatches) > 0 {
		if res.Override != nil {
			res.Status = res.Status.Worse(StatusOverridden)
		} else {
			res.Status = StatusMismatch
		}
	}
	res.Blocked = res.Status == StatusMismatch
	return res, nil
}

type matcher struct {
	orders   map[string][]*canonical.Order
	received map[lineKey]decimal.Decimal
	shipped  map[lineKey]bool
}

func newMatcher(in Input) *matcher {
	m := &matcher{orders: map[string][]*canonical.Order{}, received: map[lineKey]decimal.Decimal{}, shipped: map[lineKey]bool{}}
	for i := range in.Orders {
		o := &in.Orders[i]
		m.orders[o.OrderNumber] = append(m.orders[o.OrderNumber], o)
	}
	for _, s := range in.Shipments {
		for _, sl := range s.Lines {
			n := sl.LineNumber
			if sl.SKU != "" {
				// A receipt line without a line number, or whose number is
				// not a line of the order with its SKU (an ASN numbers its
				// own items 1, 2, ... where SAP orders number 10, 20, ...),
				// counts for the order's first line with that SKU.
				if o := m.order(sl.OrderNumber, s.Buyer.ID); o != nil {
					same := func(ol canonical.OrderLine) bool {
						return ol.LineNumber == n && (ol.SKU == "" || ol.SKU == sl.SKU)
					}
					if n == 0 || !slices.ContainsFunc(o.Lines, same) {
						if i := slices.IndexFunc(o.Lines, func(ol canonical.OrderLine) bool { return ol.SKU == sl.SKU }); i >= 0 {
							n = o.Lines[i].LineNumber
						}
					}
				}
			}
			k := lineKey{sl.OrderNumber, n}
			m.received[k] = m.received[k].Add(sl.Quantity.Decimal)
			m.shipped[k] = true
		}
	}
	return m
}

// order is the order with that number, the buyer's when several buyers
// use the number.
func (m *matcher) order(number, buyer string) *canonical.Order {
	os := m.orders[number]
	if len(os) == 0 {
		return nil
	}
	for _, o := range os {
		if o.Buyer.ID == buyer {
			return o
		}
	}
	return os[0]
}

// resolve finds the order line an invoice line bills.
func (m *matcher) resolve(inv canonical.Invoice, l canonical.InvoiceLine) (*canonical.Order, *canonical.OrderLine, string) {
	number := l.OrderNumber
	if number == "" && len(inv.OrderNumbers) == 1 {
		number = inv.OrderNumbers[0]
	}
	o := m.order(number, inv.Buyer.ID)
	if o == nil {
		return nil, nil, ""
	}
	for i := range o.Lines {
		ol := &o.Lines[i]
		if ol.LineNumber == l.LineNumber && (l.SKU == "" || ol.SKU == "" || ol.SKU == l.SKU) {
			return o, ol, "line_number"
		}
	}
	if l.SKU != "" {
		for i := range o.Lines {
			if ol := &o.Lines[i]; ol.SKU == l.SKU {
				return o, ol, "sku"
			}
		}
	}
	return o, nil, ""
}

func (m *matcher) checkLine(inv canonical.Invoice, l canonical.InvoiceLine, tol Tolerance, src string, billed map[lineKey]decimal.Decimal) LineResult {
	lr := LineResult{InvoiceLine: l.LineNumber, OrderNumber: l.OrderNumber, Invoiced: l.Quantity}
	o, ol, by := m.resolve(inv, l)
	if o != nil {
		lr.OrderNumber = o.OrderNumber
	}
	if ol == nil {
		what := "order " + lr.OrderNumber
		if o == nil {
			what = "no order " + lr.OrderNumber + " on file"
			if lr.OrderNumber == "" {
				what = "no order number"
			}
		}
		lr.Mismatches = append(lr.Mismatches, reason(CodeNoOrderLine, "%s: no line %d and no line with SKU %q", what, l.LineNumber, l.SKU))
		lr.Status = StatusMismatch
		return lr
	}
	lr.OrderLine, lr.MatchedBy = ol.LineNumber, by
	k := lineKey{o.OrderNumber, ol.LineNumber}
	qty := l.Quantity.Decimal
	ordered := ol.Quantity.Decimal
	received := m.received[k]
	before := billed[k]
	billed[k] = before.Add(qty)
	lr.Ordered, lr.Received, lr.Billed = ol.Quantity, canonical.NewDecimal(received), canonical.NewDecimal(before)

	within := func(kind string, diff, base, allowed decimal.Decimal) {
		pct := decimal.Zero
		if !base.IsZero() {
			pct = diff.Mul(hundred).Div(base).Round(2)
		}
		lr.Tolerances = append(lr.Tolerances, ToleranceUse{Kind: kind, Difference: canonical.NewDecimal(diff), Percent: canonical.NewDecimal(pct), Allowed: canonical.NewDecimal(allowed), Source: src})
	}
	// overBy reports whether diff is over pct percent of base.
	overBy := func(diff, base, pct decimal.Decimal) bool {
		return diff.Mul(hundred).GreaterThan(base.Mul(pct))
	}

	if inv.Currency != o.Currency {
		lr.Mismatches = append(lr.Mismatches, reason(CodeCurrencyDiffers, "invoiced in %s, ordered in %s", inv.Currency, o.Currency))
	}

	if qty.IsPositive() {
		qtol := tol.QuantityPercent.Decimal
		available := received.Sub(before)
		switch {
		case !m.shipped[k] || !received.IsPositive():
			lr.Mismatches = append(lr.Mismatches, reason(CodeNoReceipt, "order %s line %d: nothing shipped or received yet, %s invoiced", o.OrderNumber, ol.LineNumber, qty))
		case qty.GreaterThan(available):
			excess := qty.Sub(available)
			switch {
			case !overBy(excess, received, qtol):
				within("quantity_received", excess, received, qtol)
			case before.IsPositive() && !qty.GreaterThan(received):
				lr.Mismatches = append(lr.Mismatches, reason(CodeAlreadyInvoiced, "order %s line %d: %s invoiced, %s received of which %s already billed by earlier invoices or lines", o.OrderNumber, ol.LineNumber, qty, received, before))
			case before.IsZero():
				lr.Mismatches = append(lr.Mismatches, reason(CodeOverReceived, "order %s line %d: %s invoiced, %s received", o.OrderNumber, ol.LineNumber, qty, received))
			default:
				lr.Mismatches = append(lr.Mismatches, reason(CodeOverReceived, "order %s line %d: %s invoiced, %s received, %s of it already billed", o.OrderNumber, ol.LineNumber, qty, received, before))
			}
		}
		// Double billing exceeds the order too; already_invoiced says it.
		if total := before.Add(qty); total.GreaterThan(ordered) && !slices.ContainsFunc(lr.Mismatches, func(r Reason) bool { return r.Code == CodeAlreadyInvoiced }) {
			excess := total.Sub(ordered)
			if overBy(excess, ordered, qtol) {
				lr.Mismatches = append(lr.Mismatches, reason(CodeOverOrdered, "order %s line %d: %s invoiced in all, %s ordered", o.OrderNumber, ol.LineNumber, total, ordered))
			} else {
				within("quantity_ordered", excess, ordered, qtol)
			}
		}
	}

	if inv.Currency == o.Currency {
		price, want := l.UnitPrice.Decimal, ol.UnitPrice.Decimal
		switch diff := price.Sub(want); {
		case diff.IsPositive() && overBy(diff, want, tol.UnitPricePercent.Decimal):
			lr.Mismatches = append(lr.Mismatches, reason(CodePriceOver, "unit price %s, order price %s (+%s)", l.UnitPrice, ol.UnitPrice, diff))
		case diff.IsPositive():
			within("unit_price", diff, want, tol.UnitPricePercent.Decimal)
		case diff.IsNegative():
			lr.Warnings = append(lr.Warnings, reason(CodePriceUnder, "unit price %s, order price %s (%s)", l.UnitPrice, ol.UnitPrice, diff))
		}
	}

	if l.Amount != nil {
		want := lineAmount(l, inv.Currency)
		diff := l.Amount.Decimal.Sub(want).Abs()
		switch {
		case diff.GreaterThan(tol.Amount.Decimal):
			lr.Mismatches = append(lr.Mismatches, reason(CodeAmountOff, "line amount %s, quantity × unit price is %s", money(l.Amount.Decimal, inv.Currency), money(want, inv.Currency)))
		case diff.IsPositive():
			within("amount", diff, decimal.Zero, tol.Amount.Decimal)
		}
	}

	switch {
	case len(lr.Mismatches) > 0:
		lr.Status = StatusMismatch
	case len(lr.Tolerances) > 0 || len(lr.Warnings) > 0:
		lr.Status = StatusWithinTolerance
	default:
		lr.Status = StatusMatched
	}
	return lr
}

// lineAmount is quantity × unit price rounded to the currency.
func lineAmount(l canonical.InvoiceLine, cur canonical.Currency) decimal.Decimal {
	return canonical.Money{Amount: canonical.NewDecimal(l.Quantity.Mul(l.UnitPrice.Decimal)), Currency: cur}.Round().Amount.Decimal
}

func checkTotals(inv canonical.Invoice, tol Tolerance) Totals {
	var t Totals
	if len(inv.Lines) == 0 {
		t.Mismatches = append(t.Mismatches, reason(CodeNoLines, "the invoice has no lines to match against orders and receipts"))
	}
	sum := decimal.Zero
	for _, l := range inv.Lines {
		if l.Amount != nil {
			sum = sum.Add(l.Amount.Decimal)
		} else {
			sum = sum.Add(lineAmount(l, inv.Currency))
		}
	}
	t.LineSum, t.LineTotal = canonical.NewDecimal(sum), canonical.NewDecimal(sum)
	if inv.LineTotal != nil {
		t.LineTotal = *inv.LineTotal
		if d := inv.LineTotal.Sub(sum).Abs(); d.GreaterThan(tol.Amount.Decimal) {
			t.Mismatches = append(t.Mismatches, reason(CodeLineTotalOff, "line total %s, the lines sum to %s", money(inv.LineTotal.Decimal, inv.Currency), money(sum, inv.Currency)))
		}
	}
	tax := decimal.Zero
	if inv.TaxAmount != nil {
		tax = inv.TaxAmount.Decimal
		if tax.IsNegative() && inv.TotalAmount.IsPositive() {
			t.Mismatches = append(t.Mismatches, reason(CodeTaxNegative, "tax %s on an invoice of %s", money(tax, inv.Currency), money(inv.TotalAmount.Decimal, inv.Currency)))
		}
	}
	t.Tax, t.Total = canonical.NewDecimal(tax), inv.TotalAmount
	if want := t.LineTotal.Add(tax); inv.TotalAmount.Sub(want).Abs().GreaterThan(tol.Amount.Decimal) {
		t.Mismatches = append(t.Mismatches, reason(CodeTotalOff, "total %s, line total %s plus tax %s is %s", money(inv.TotalAmount.Decimal, inv.Currency), money(t.LineTotal.Decimal, inv.Currency), money(tax, inv.Currency), money(want, inv.Currency)))
	}
	return t
}

// money prints an amount with its currency's minor units ("1005.00 EUR").
func money(d decimal.Decimal, cur canonical.Currency) string {
	return canonical.Money{Amount: canonical.NewDecimal(d), Currency: cur}.String()
}
