// Package plan turns an order's payment terms into payment requests and
// recommends the day to pay each one. It is pure: no I/O, no clock (today
// is an input), and the same input always gives the same answer.
//
// # Schedule
//
// Schedule reads the terms with validation.ParsePaymentTerms and splits
// them into stages with match.DocumentsFor, so the stages and their
// documents are the ones invoice matching checks. An early-payment
// discount ("2/10 net 60", "2% 10 days net 60") is read by ParseDiscount
// and cut out first, because ParsePaymentTerms would otherwise take the
// discount's days for the credit period.
//
// Each stage's clock starts at a trigger:
//
//   - a deposit, or a 100% prepayment: the order ("order");
//   - terms that say where the credit period runs from ("60 days after B/L
//     date", "30 days from delivery", "net 30 from invoice date"): that
//     event;
//   - L/C, D/P, D/A and CAD: the presentation of documents
//     ("presentation");
//   - a stage paid against the B/L, or the balance after a T/T deposit:
//     the shipment ("shipment");
//   - everything else (open account, "NET 60"): the invoice ("invoice").
//
// The due date is the trigger's date plus the credit period (deposits and
// prepayments: the order date itself), and zero while the trigger has not
// happened. Amounts are the stage's share of the order total rounded to the
// currency's minor unit; the last stage takes what rounding left so the
// stages add up to the total exactly.
//
// # Recommend
//
// Recommend weighs, in this order, and records a Reason for each step:
//
//  1. No due date yet: nothing to decide; PayOn stays zero with reason
//     waiting_for_<trigger>.
//  2. Due date (due_date): pay BankDays (default 2) before the due date so
//     the money arrives in time, moved back to Friday when that falls on a
//     weekend, and never before today (an overdue request is paid today).
//  3. Discount: when its yearly rate, percent × 365 / (days from the end
//     of the discount to the due date), is above the cost of capital and
//     the discount has not ended, pay BankDays before it ends
//     (early_payment_discount, with the money saved). Otherwise the reason
//     says why not (discount_below_cost_of_capital, discount_expired,
//     discount_waiting_for_invoice).
//  4. Exchange rate, when the request is not in the home currency and
//     rates are given: the price of the request currency in the home
//     currency over the 30 days up to the latest rate on or before today.
//     Up by more than 1% (fx_rising): paying later is likely to cost more,
//     so pay today. Down by more than 1% (fx_falling): keep the date.
//     Otherwise (fx_flat): for information only.
//  5. Supplier rating: 0.9 or above (supplier_rating) notes that this
//     supplier is never paid late; the date already is on time. Below 0.5
//     (supplier_rating) pay on the due date, never early, so an early
//     payment from the exchange rate is withdrawn; a discount worth more
//     than the cost of capital still stands, since it pays for itself.
package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/shopspring/decimal"
)

// Events are the dates of an order's lifecycle so far; zero when not yet.
type Events struct {
	Ordered   canonical.Date `json:"ordered,omitzero"`
	Shipped   canonical.Date `json:"shipped,omitzero"`
	Invoiced  canonical.Date `json:"invoiced,omitzero"`
	Delivered canonical.Date `json:"delivered,omitzero"`
	// Presented is when the documents were presented under an L/C or a
	// collection (D/P, D/A, CAD). When it is zero but the order has both
	// shipped and been invoiced, the documents exist and can be presented
	// at once, so the later of those two dates stands in: the earliest day
	// the bank may ask for the money.
	Presented canonical.Date `json:"presented,omitzero"`
}

// Triggers: what starts a payment's clock.
const (
	TriggerOrder        = "order"
	TriggerShipment     = "shipment"     // the shipped (B/L) date
	TriggerInvoice      = "invoice"      // the invoice date
	TriggerDelivery     = "delivery"     // goods received
	TriggerPresentation = "presentation" // documents presented under L/C or a collection
)

// Request is one payment an order's terms ask for.
type Request struct {
	Sequence int               `json:"sequence"` // 1-based
	Stage    string            `json:"stage"`    // match.StageDeposit, StageBalance or StagePayment
	Percent  canonical.Decimal `json:"percent"`
	// Amount is the stage's share of the order total, rounded to the
	// currency's minor unit; the last stage takes the rounding rest.
	Amount    canonical.Decimal    `json:"amount"`
	Currency  canonical.Currency   `json:"currency"`
	Trigger   string               `json:"trigger"`
	DueDate   canonical.Date       `json:"due_date,omitzero"` // zero while the trigger has not happened
	Documents []match.DocumentType `json:"documents,omitempty"`
	Discount  *Discount            `json:"discount,omitempty"`
}

// Schedule builds the payment requests of an order from its payment terms,
// its total (total_amount, else the sum of the lines' amounts, a line
// without one counting quantity × unit price) and the events so far.
// Terms it cannot read, and an order without a positive amount, are
// errors.
func Schedule(o *canonical.Order, ev Events) ([]Request, error) {
	if o == nil {
		return nil, fmt.Errorf("plan: no order")
	}
	total, err := orderTotal(o)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.PaymentTerms) == "" {
		return nil, fmt.Errorf("plan: order %s has no payment terms", o.OrderNumber)
	}
	disc, rest, hasDisc := cutDiscount(o.PaymentTerms)
	pt, err := validation.ParsePaymentTerms(rest)
	if err != nil {
		return nil, fmt.Errorf("plan: order %s: payment terms %q cannot be read: %w", o.OrderNumber, o.PaymentTerms, err)
	}
	p, err := match.DocumentsFor(rest)
	if err != nil {
		return nil, fmt.Errorf("plan: order %s: payment terms %q cannot be read: %w", o.OrderNumber, o.PaymentTerms, err)
	}
	if hasDisc && disc.Days >= pt.Days {
		return nil, fmt.Errorf("plan: order %s: payment terms %q give the discount for %d days but credit for %d: no credit period is left to pay in", o.OrderNumber, o.PaymentTerms, disc.Days, pt.Days)
	}
	if ev.Presented.IsZero() && !ev.Shipped.IsZero() && !ev.Invoiced.IsZero() {
		ev.Presented = later(ev.Shipped, ev.Invoiced)
	}
	anchor := clockStart(rest)
	prepaid := pt.PrepaymentPercent.Equal(hundred)

	reqs := make([]Request, 0, len(p.Stages))
	allocated := decimal.Zero
	for i, s := range p.Stages {
		r := Request{
			Sequence:  i + 1,
			Stage:     s.Name,
			Percent:   s.Percent,
			Currency:  o.Currency,
			Documents: slices.Clone(s.Documents),
		}
		share := canonical.Money{Amount: canonical.NewDecimal(total.Mul(s.Percent.Decimal).Div(hundred)), Currency: o.Currency}.Round().Amount.Decimal
		if i == len(p.Stages)-1 {
			share = total.Sub(allocated)
		}
		allocated = allocated.Add(share)
		r.Amount = canonical.NewDecimal(share)

		days := pt.Days
		switch {
		case s.Name == match.StageDeposit || prepaid:
			r.Trigger, days = TriggerOrder, 0
		case anchor != "":
			r.Trigger = anchor
		case pt.Method == validation.MethodLC || pt.Method == validation.MethodDP || pt.Method == validation.MethodDA || pt.Method == validation.MethodCAD:
			r.Trigger = TriggerPresentation
		case slices.Contains(s.Documents, match.DocBillOfLading) || s.Name == match.StageBalance:
			// The balance after a deposit is paid when the goods leave
			// ("balance before shipment", "70% against B/L copy").
			r.Trigger = TriggerShipment
		default:
			r.Trigger = TriggerInvoice
		}
		if at := eventDate(ev, r.Trigger); !at.IsZero() {
			r.DueDate = addDays(at, days)
		}
		if hasDisc && r.Trigger != TriggerOrder {
			d := disc
			if !ev.Invoiced.IsZero() {
				d.Until = addDays(ev.Invoiced, d.Days)
			}
			r.Discount = &d
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

var hundred = decimal.NewFromInt(100)

// orderTotal is what the order is worth: total_amount when given, else the
// sum of its lines.
func orderTotal(o *canonical.Order) (decimal.Decimal, error) {
	total := o.Total().Decimal
	if !total.IsPositive() {
		return decimal.Zero, fmt.Errorf("plan: order %s has no amount to pay: no total_amount and no line amounts, quantities or prices", o.OrderNumber)
	}
	return canonical.Money{Amount: canonical.NewDecimal(total), Currency: o.Currency}.Round().Amount.Decimal, nil
}

// clockAnchor finds where terms say the credit period runs from: "after
// B/L date", "from invoice date", "following delivery", "B/L date",
// "nach Lieferung", "ab Rechnungsdatum". Only these explicit words count:
// "against presentation of invoice" names a document, not a date.
var clockAnchor = regexp.MustCompile(`\b(?:AFTER|FROM|FOLLOWING|NACH|AB|APRÈS|DESDE)\s+(?:THE\s+)?(?:DATE\s+OF\s+(?:THE\s+)?)?(?:RECEIPT\s+OF\s+(?:THE\s+)?)?(B/L|BL\b|BILL OF LADING|SHIPMENT|SHIPPING|DISPATCH|DELIVERY|ARRIVAL|GOODS|INVOICE|LIEFERUNG|ERHALT|WARENEINGANG|RECHNUNG|VERSAND|LIVRAISON|FACTURE|ENTREGA|FACTURA)|\b(B/L|BL|INVOICE|SHIPMENT|DELIVERY)\s+DATE\b`)

// clockStart is the trigger the terms name for the credit period, or "".
func clockStart(terms string) string {
	m := clockAnchor.FindStringSubmatch(strings.ToUpper(terms))
	if m == nil {
		return ""
	}
	switch strings.TrimSpace(m[1] + m[2]) {
	case "B/L", "BL", "BILL OF LADING", "SHIPMENT", "SHIPPING", "DISPATCH", "VERSAND":
		return TriggerShipment
	case "DELIVERY", "ARRIVAL", "GOODS", "LIEFERUNG", "ERHALT", "WARENEINGANG", "LIVRAISON", "ENTREGA":
		return TriggerDelivery
	default:
		return TriggerInvoice
	}
}

func eventDate(ev Events, trigger string) canonical.Date {
	switch trigger {
	case TriggerOrder:
		return ev.Ordered
	case TriggerShipment:
		return ev.Shipped
	case TriggerInvoice:
		return ev.Invoiced
	case TriggerDelivery:
		return ev.Delivered
	case TriggerPresentation:
		return ev.Presented
	}
	return canonical.Date{}
}

func addDays(d canonical.Date, n int) canonical.Date {
	return canonical.DateOf(d.Time().AddDate(0, 0, n))
}

// daysBetween is the number of calendar days from a to b.
func daysBetween(a, b canonical.Date) int {
	return int((b.Time().Unix() - a.Time().Unix()) / 86400)
}

func later(a, b canonical.Date) canonical.Date {
	if a.Before(b) {
		return b
	}
	return a
}
