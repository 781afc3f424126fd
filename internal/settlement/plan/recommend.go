package plan

import (
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/shopspring/decimal"
)

// Input is what Recommend weighs besides the request.
type Input struct {
	Today        canonical.Date     `json:"today"`
	HomeCurrency canonical.Currency `json:"home_currency"` // the buyer's books
	// Rates may be nil: the exchange rate is then not weighed.
	Rates *fxrates.Table `json:"-"`
	// SupplierRating is 0..1 (on time, quality); negative when unknown.
	SupplierRating float64 `json:"supplier_rating"`
	// CostOfCapitalPercent is yearly, e.g. 8.
	CostOfCapitalPercent canonical.Decimal `json:"cost_of_capital_percent"`
	// BankDays is how many days before the due date money must leave: 2
	// when 0, none when negative.
	BankDays int `json:"bank_days"`
}

// Reason codes of a Recommendation.
const (
	CodeWaitingFor        = "waiting_for_" // followed by the trigger
	CodeDueDate           = "due_date"
	CodeDiscount          = "early_payment_discount"
	CodeDiscountNotWorth  = "discount_below_cost_of_capital"
	CodeDiscountExpired   = "discount_expired"
	CodeDiscountNoInvoice = "discount_waiting_for_invoice"
	CodeFXRising          = "fx_rising"
	CodeFXFalling         = "fx_falling"
	CodeFXFlat            = "fx_flat"
	CodeSupplierRating    = "supplier_rating"
)

// FX trends.
const (
	FXRising  = "rising"
	FXFalling = "falling"
	FXFlat    = "flat"
)

// Reason is one consideration behind a recommendation.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Value   string `json:"value,omitempty"`
}

// Recommendation is when to pay a request, and why.
type Recommendation struct {
	PayOn canonical.Date `json:"pay_on,omitzero"` // zero when it cannot be paid yet
	// Reasons are every reason, in the order they were weighed.
	Reasons []Reason `json:"reasons"`
	// DiscountValue is the money saved by paying on PayOn, within the
	// discount; nil when the recommendation does not take a discount.
	DiscountValue *canonical.Decimal `json:"discount_value,omitempty"`
	// FXTrend is "rising", "falling" or "flat": the request currency
	// against the home currency over the last 30 days of stored rates; ""
	// when it is the home currency or there are no rates to tell.
	FXTrend string `json:"fx_trend,omitempty"`
}

// Thresholds of the rules in the package comment.
var (
	fxThresholdPercent = decimal.NewFromInt(1)
	daysPerYear        = decimal.NewFromInt(365)
)

const (
	fxWindowDays   = 30
	fxMaxStaleDays = 30 // rates older than this before today say nothing about now
	fxGapDays      = 7  // a weekend or holiday run at the window's start
	defaultBank    = 2
	goodRating     = 0.9
	poorRating     = 0.5
)

// Recommend says when to pay r; the rules are in the package comment.
func Recommend(r Request, in Input) Recommendation {
	var rec Recommendation
	money := func(d decimal.Decimal) string {
		return canonical.Money{Amount: canonical.NewDecimal(d), Currency: r.Currency}.String()
	}
	add := func(code, value, format string, a ...any) {
		rec.Reasons = append(rec.Reasons, Reason{Code: code, Message: fmt.Sprintf(format, a...), Value: value})
	}
	if r.DueDate.IsZero() {
		add(CodeWaitingFor+r.Trigger, "", "The %s of %s cannot be scheduled yet: its due date counts from the %s, which is not recorded yet.",
			r.Stage, money(r.Amount.Decimal), triggerNoun(r.Trigger))
		return rec
	}

	bank := in.BankDays
	if bank == 0 {
		bank = defaultBank
	}
	bank = max(bank, 0)

	// 2. The due date.
	onTime := payDay(r.DueDate, bank, in.Today)
	pay := onTime
	switch {
	case r.DueDate.Before(in.Today):
		add(CodeDueDate, r.DueDate.String(), "The %s of %s was due on %s and is overdue: pay it today.", r.Stage, money(r.Amount.Decimal), r.DueDate)
	case onTime == in.Today && addDays(r.DueDate, -bank).Before(in.Today):
		add(CodeDueDate, r.DueDate.String(), "The %s of %s is due on %s, within the %d bank days a transfer takes: pay it today.", r.Stage, money(r.Amount.Decimal), r.DueDate, bank)
	default:
		add(CodeDueDate, r.DueDate.String(), "The %s of %s is due on %s: paying on %s leaves the %d bank days a transfer takes.", r.Stage, money(r.Amount.Decimal), r.DueDate, onTime, bank)
	}

	// 3. The early-payment discount.
	early := false
	if d := r.Discount; d != nil {
		switch {
		case d.Until.IsZero():
			add(CodeDiscountNoInvoice, d.Percent.String()+"%", "A %s%% discount for paying within %d days of the invoice is open once the invoice date is known.", d.Percent, d.Days)
		case d.Until.Before(in.Today):
			add(CodeDiscountExpired, d.Percent.String()+"%", "The %s%% discount for paying by %s has ended.", d.Percent, d.Until)
		default:
			saved := canonical.Money{Amount: canonical.NewDecimal(r.Amount.Decimal.Mul(d.Percent.Decimal).Div(hundred)), Currency: r.Currency}.Round().Amount
			span := daysBetween(d.Until, r.DueDate)
			if span <= 0 {
				// The discount lasts until the due date: paying on time
				// earns it at no cost.
				early = true
				rec.DiscountValue = &saved
				add(CodeDiscount, saved.String(), "The %s%% discount lasts until the due date, so paying on time saves %s.", d.Percent, money(saved.Decimal))
				break
			}
			yearly := d.Percent.Decimal.Mul(daysPerYear).DivRound(decimal.NewFromInt(int64(span)), 4)
			if yearly.GreaterThan(in.CostOfCapitalPercent.Decimal) {
				early = true
				pay = payDay(d.Until, bank, in.Today)
				rec.DiscountValue = &saved
				add(CodeDiscount, saved.String(), "Paying on %s, within the %s%% discount that ends on %s, saves %s: %s%% a year for paying %d days before the due date, more than the %s%% cost of capital.",
					pay, d.Percent, d.Until, money(saved.Decimal), yearly.StringFixed(1), span, in.CostOfCapitalPercent)
			} else {
				add(CodeDiscountNotWorth, yearly.StringFixed(1)+"%", "The %s%% discount for paying by %s is worth %s%% a year, not more than the %s%% cost of capital: keeping the money until the due date is cheaper.",
					d.Percent, d.Until, yearly.StringFixed(1), in.CostOfCapitalPercent)
			}
		}
	}

	// 4. The exchange rate.
	fxEarly := false
	if trend, change, ok := fxTrend(r.Currency, in); ok {
		rec.FXTrend = trend
		value := change.StringFixed(2) + "%"
		if change.IsPositive() {
			value = "+" + value
		}
		moved := fmt.Sprintf("%s moved %s against %s over the last %d days of rates", r.Currency, value, in.HomeCurrency, fxWindowDays)
		switch trend {
		case FXRising:
			fxEarly = pay != in.Today
			pay = in.Today
			add(CodeFXRising, value, "%s: it is getting dearer, so paying today is likely to cost less in %s than paying later.", moved, in.HomeCurrency)
		case FXFalling:
			if early {
				add(CodeFXFalling, value, "%s: it is getting cheaper, but the discount is worth more than waiting.", moved)
			} else {
				add(CodeFXFalling, value, "%s: it is getting cheaper, so waiting until the due date is likely to cost less.", moved)
			}
		default:
			add(CodeFXFlat, value, "%s: the exchange rate gives no reason to pay earlier or later.", moved)
		}
	}

	// 5. The supplier.
	switch rating := in.SupplierRating; {
	case rating >= goodRating:
		if r.DueDate.Before(in.Today) {
			add(CodeSupplierRating, ratingValue(rating), "The supplier is rated %s: a reliable supplier is never paid late, and this payment already is; pay it today.", ratingValue(rating))
		} else {
			add(CodeSupplierRating, ratingValue(rating), "The supplier is rated %s: a reliable supplier is never paid late, and paying on %s is on time.", ratingValue(rating), pay)
		}
	case rating >= 0 && rating < poorRating:
		switch {
		case early:
			// A discount above the cost of capital pays for itself; the
			// risk of paying a weak supplier early is the discount period.
			if fxEarly {
				pay = payDay(r.Discount.Until, bank, in.Today)
			}
			add(CodeSupplierRating, ratingValue(rating), "The supplier is rated %s: it is paid early only to earn the discount, on %s.", ratingValue(rating), pay)
		default:
			pay = onTime
			add(CodeSupplierRating, ratingValue(rating), "The supplier is rated %s, below %s: pay on the due date, not early, on %s.", ratingValue(rating), ratingValue(poorRating), pay)
		}
	}
	rec.PayOn = pay
	return rec
}

// payDay is bank days before day, moved back off a weekend, and not before
// today.
func payDay(day canonical.Date, bank int, today canonical.Date) canonical.Date {
	d := addDays(day, -bank)
	switch d.Time().Weekday() {
	case time.Saturday:
		d = addDays(d, -1)
	case time.Sunday:
		d = addDays(d, -2)
	}
	if d.Before(today) {
		return today
	}
	return d
}

// fxTrend is how the price of one unit of the request currency in the home
// currency changed, in percent, over the fxWindowDays up to the latest
// date on or before today that has both rates.
func fxTrend(cur canonical.Currency, in Input) (string, decimal.Decimal, bool) {
	if in.Rates == nil || cur == "" || in.HomeCurrency == "" || cur == in.HomeCurrency || in.Today.IsZero() {
		return "", decimal.Zero, false
	}
	end, at, ok := price(in.Rates, cur, in.HomeCurrency, in.Today, fxMaxStaleDays)
	if !ok {
		return "", decimal.Zero, false
	}
	start, _, ok := price(in.Rates, cur, in.HomeCurrency, addDays(at, -fxWindowDays), fxGapDays)
	if !ok {
		return "", decimal.Zero, false
	}
	change := end.Sub(start).Mul(hundred).DivRound(start, 4)
	switch {
	case change.GreaterThan(fxThresholdPercent):
		return FXRising, change, true
	case change.LessThan(fxThresholdPercent.Neg()):
		return FXFalling, change, true
	}
	return FXFlat, change, true
}

// price is how much home currency one unit of cur costs on the latest date
// within maxDays on or before day that has rates of both.
func price(t *fxrates.Table, cur, home canonical.Currency, day canonical.Date, maxDays int) (decimal.Decimal, canonical.Date, bool) {
	for i := 0; i <= maxDays; i++ {
		d := addDays(day, -i)
		rc, err := t.Rate(d, cur)
		if err != nil || !rc.IsPositive() {
			continue
		}
		rh, err := t.Rate(d, home)
		if err != nil {
			continue
		}
		// Rates are per euro: one unit of cur is rh/rc units of home.
		return rh.Decimal.DivRound(rc.Decimal, 12), d, true
	}
	return decimal.Zero, canonical.Date{}, false
}

func ratingValue(r float64) string { return fmt.Sprintf("%.2f", r) }

func triggerNoun(t string) string {
	switch t {
	case TriggerOrder:
		return "order date"
	case TriggerShipment:
		return "shipment (B/L date)"
	case TriggerInvoice:
		return "invoice"
	case TriggerDelivery:
		return "delivery"
	case TriggerPresentation:
		return "presentation of documents"
	}
	return t
}
