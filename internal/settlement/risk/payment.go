package risk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/validation"
)

// PaymentInput is a payment request with the order's terms and where its
// goods are.
type PaymentInput struct {
	Request store.PaymentRequest
	Terms   string // the order's payment terms, as the contract writes them
	// Shipped and Delivered are when the goods left and arrived; zero when
	// not yet.
	Shipped, Delivered canonical.Date
	Today              canonical.Date
	// OrderTotal is the order's total in the request's currency, zero when
	// unknown. With it a deposit is checked against the terms' prepayment
	// percent; without it any deposit stage is taken as within the terms.
	OrderTotal canonical.Decimal
	// PayNow: someone is asking for the request to be paid or approved
	// now, so the money would leave today whatever its due date says.
	PayNow bool
}

// CheckPayment raises PaymentBeforeDelivery when a payment request would
// pay before the goods shipped and the terms do not allow it:
//
//   - terms paid 100% in advance ("100% T/T in advance", "CIA") allow any
//     payment before shipment;
//   - terms with a deposit ("T/T 30% deposit, 70% against B/L") allow the
//     deposit stage before shipment, up to the percent of OrderTotal when
//     it is known; the balance waits for shipment;
//   - every other method (L/C, D/P, D/A, CAD pay against shipping
//     documents, which exist only once the goods ship; open account and
//     plain T/T pay after shipment) allows nothing before shipment;
//   - terms that cannot be read allow nothing before shipment, since a
//     prepayment must be agreed, never assumed.
//
// A request pays early when its due date is before the shipment (or set
// while nothing has shipped), or when it is approved and today is before the
// shipment (or nothing has shipped). Delivery proves shipment when no
// shipment date is known. The finding is critical and blocks. Rejected and
// paid requests raise nothing: there is no payment left to stop.
func CheckPayment(in PaymentInput) []Finding {
	r := in.Request
	if r.Status == store.PaymentRejected || r.Status == store.PaymentPaid {
		return nil
	}
	shipped := in.Shipped
	if shipped.IsZero() {
		shipped = in.Delivered
	}
	terms, err := validation.ParsePaymentTerms(in.Terms)
	readable := err == nil
	hundred := decimal.NewFromInt(100)
	pre := decimal.Zero
	if readable {
		pre = terms.PrepaymentPercent
	}
	if pre.GreaterThanOrEqual(hundred) {
		return nil
	}
	earlyDue := !r.DueDate.IsZero() && (shipped.IsZero() || r.DueDate.Before(shipped))
	earlyApproval := (r.Status == store.PaymentApproved || in.PayNow) && !in.Today.IsZero() && (shipped.IsZero() || in.Today.Before(shipped))
	if !earlyDue && !earlyApproval {
		return nil
	}

	cur := r.Currency
	allowed := decimal.Zero
	overDeposit := false
	if pre.IsPositive() && r.Stage == match.StageDeposit {
		if !in.OrderTotal.IsPositive() {
			return nil
		}
		allowed = in.OrderTotal.Decimal.Mul(pre).Div(hundred).Round(int32(cur.MinorUnits()))
		if !r.Amount.Decimal.GreaterThan(allowed) {
			return nil
		}
		overDeposit = true
	}

	var when []string
	if earlyDue {
		when = append(when, "it is due on "+r.DueDate.String())
	}
	if earlyApproval {
		if in.PayNow {
			when = append(when, "it is asked to be paid today, "+in.Today.String())
		} else {
			when = append(when, "it is approved and payable today, "+in.Today.String())
		}
	}
	goods := "nothing has shipped yet"
	if !shipped.IsZero() {
		goods = "the goods shipped on " + shipped.String()
		if in.Shipped.IsZero() {
			goods = "the goods were delivered on " + shipped.String() + " (no shipment date is known)"
		}
	}
	var termsSay, why string
	switch {
	case !readable:
		termsSay = fmt.Sprintf("the terms %q could not be read, so no prepayment is assumed", clip(in.Terms))
		why = "a payment before shipment must be agreed in the terms, never assumed"
	case overDeposit:
		termsSay = fmt.Sprintf("the terms (%s) allow a deposit of %s%% of the order total %s, that is %s",
			terms.Method, pre, money(in.OrderTotal.Decimal, cur), money(allowed, cur))
		why = "the part above the agreed deposit is paid before there are goods to show for it"
	default:
		termsSay = fmt.Sprintf("the terms (%s) %s", terms.Method, methodSays(terms, r.Stage))
		why = "money paid before shipment cannot be recovered from the goods if they never leave"
	}

	d := map[string]string{
		"request_id": r.ID,
		"stage":      r.Stage,
		"amount":     r.Amount.String(),
		"currency":   string(cur),
		"status":     r.Status,
	}
	for k, v := range map[string]string{
		"order_number":   r.OrderNumber,
		"supplier_id":    r.SupplierID,
		"buyer_id":       r.BuyerID,
		"invoice_number": r.InvoiceNumber,
		"due_date":       r.DueDate.String(),
		"shipped":        in.Shipped.String(),
		"delivered":      in.Delivered.String(),
		"today":          in.Today.String(),
	} {
		if v != "" {
			d[k] = v
		}
	}
	if readable {
		d["terms_method"] = string(terms.Method)
		d["prepayment_percent"] = pre.String()
	}
	if overDeposit {
		d["allowed_prepayment"] = allowed.StringFixed(int32(cur.MinorUnits()))
		d["order_total"] = in.OrderTotal.String()
	}
	return []Finding{{
		Kind:     PaymentBeforeDelivery,
		Severity: SeverityCritical,
		Blocks:   true,
		Subject:  fmt.Sprintf("payment %d of order %s would be paid before the goods shipped", r.Sequence, orNone(r.OrderNumber)),
		Message: fmt.Sprintf("Payment request %d (%s stage, %s) of order %s pays supplier %s before shipment: %s, while %s. Yet %s; %s.",
			r.Sequence, orNone(r.Stage), money(r.Amount.Decimal, cur), orNone(r.OrderNumber), orNone(r.SupplierID),
			strings.Join(when, " and "), goods, termsSay, why),
		Action: "Hold the payment until the shipping documents arrive, or record the buyer's written agreement to pay in advance.",
		Data:   d,
	}}
}

// methodSays explains, for a finance user, when the terms pay.
func methodSays(t validation.PaymentTerms, stage string) string {
	var s string
	switch t.Method {
	case validation.MethodLC:
		s = "pay through the bank against shipping documents, which exist only once the goods ship"
	case validation.MethodDP, validation.MethodCAD:
		s = "pay against shipping documents, which exist only once the goods ship"
	case validation.MethodDA:
		s = "pay on accepted documents after shipment"
	case validation.MethodOpenAccount:
		s = "pay after the goods are sent"
		if t.Days > 0 {
			s += ", within " + strconv.Itoa(t.Days) + " days"
		}
	default:
		s = "pay after shipment"
	}
	if t.PrepaymentPercent.IsPositive() {
		s += fmt.Sprintf(" except a %s%% deposit, and this is the %s stage", t.PrepaymentPercent, orNone(stage))
	} else {
		s += " with no prepayment"
	}
	return s
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
