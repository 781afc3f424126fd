package store

import (
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// --- order facts: what the KPIs are computed from ---
//
// An order's fact row is a projection of its lifecycle (the status
// projector writes it after each replay): the dimensions KPIs are grouped
// by (buyer, supplier, logistics provider, lane, month) and the times of
// the milestones they measure. It is replaced whole on every write, keyed
// by (buyer id, order number); a write with an older ProjectedAt than the
// stored one changes nothing, so a late replay never undoes a newer one.

// OrderFact is one order's KPI facts.
type OrderFact struct {
	BuyerID     string
	OrderNumber string
	SupplierID  string
	// Carrier is the logistics provider of the order's first shipment
	// (its carrier name as the ASN or transport plan gives it), "" before
	// one is known.
	Carrier string
	// Lane is origin → destination: the supplier's country and the ship-to
	// country ("CN", "DE"); either may be "".
	Origin, Destination canonical.Country
	Currency            canonical.Currency
	TotalAmount         canonical.Decimal
	OrderDate           canonical.Date
	RequestedDate       canonical.Date // requested delivery date, zero when none
	// State is the lifecycle state (lifecycle.State) at ProjectedAt.
	State string
	// The milestones' times; nil until they happened.
	CreatedAt   time.Time // the order reached the hub
	ConfirmedAt *time.Time
	ShippedAt   *time.Time
	DeliveredAt *time.Time
	InvoicedAt  *time.Time
	PaidAt      *time.Time
	// ETA is the carrier's latest estimated arrival, zero when none.
	ETA canonical.Date
	// NeededCorrection: validation failed at some point, or the order was
	// amended or counter-proposed: someone had to correct it.
	NeededCorrection bool
	// LastUpdateAt is the time of the order's latest milestone from any
	// source (the tracking transparency KPI reads it).
	LastUpdateAt time.Time
	// ProjectedAt is when the fact was computed.
	ProjectedAt time.Time
}

// FactFilter selects facts for OrderFacts. Zero fields match everything;
// From and To bound OrderDate, both included.
type FactFilter struct {
	BuyerID    string
	SupplierID string
	From, To   canonical.Date
	Limit      int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor     string // opaque, the nextCursor of the previous page; "" for the first page
}

// CheckOrderFacts applies the rules both stores' UpsertOrderFacts share:
// every fact has a buyer id and an order number, its text is UTF-8 without
// NUL, its total has at most 64 digits before and after the point, its
// dates are calendar dates (or zero) and its times fall in the years 1 to
// 9999 (SQLite compares times as text, which holds only for four-digit
// years). One bad fact refuses the batch: the error wraps ErrInvalid and
// names the fact by its index.
func CheckOrderFacts(facts []OrderFact) error {
	for i := range facts {
		f := &facts[i]
		invalid := func(reason string) error {
			return fmt.Errorf("%w: order fact %d (buyer %q, order %q): %s", ErrInvalid, i,
				printable(f.BuyerID), printable(f.OrderNumber), reason)
		}
		if f.BuyerID == "" || f.OrderNumber == "" {
			return invalid("buyer id and order number are required")
		}
		for _, t := range []string{f.BuyerID, f.OrderNumber, f.SupplierID, f.Carrier, string(f.Origin),
			string(f.Destination), string(f.Currency), f.State} {
			if !storableText(t) {
				return invalid("a text field is not valid UTF-8 text")
			}
		}
		if !readableDecimal(f.TotalAmount) {
			return invalid("total amount has too many digits")
		}
		for _, d := range []canonical.Date{f.OrderDate, f.RequestedDate, f.ETA} {
			if !d.IsZero() && !d.Valid() {
				return invalid(fmt.Sprintf("%s is not a calendar date", d))
			}
		}
		times := []time.Time{f.CreatedAt, f.LastUpdateAt, f.ProjectedAt}
		for _, t := range []*time.Time{f.ConfirmedAt, f.ShippedAt, f.DeliveredAt, f.InvoicedAt, f.PaidAt} {
			if t != nil {
				times = append(times, *t)
			}
		}
		for _, t := range times {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return invalid(fmt.Sprintf("a time in the year %d", y))
			}
		}
	}
	return nil
}

// OrderFacts are listed by (order date, row id), a fact without an order
// date first. The page cursor holds one number, so FactCursor packs both:
// the day (days since 0001-01-01, plus one; 0 for no date) above bit 40,
// the row id in the low 40 bits (a trillion rows).
const (
	factIDBits = 40
	factIDMask = 1<<factIDBits - 1
	// factMaxDay is the day number of 9999-12-31.
	factMaxDay = 3652059
)

// factEpoch is day 1 of FactCursor.
var factEpoch = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)

// FactCursor packs the keyset of OrderFacts, the last fact's order date
// (zero for none) and row id, into the number of a page cursor.
func FactCursor(orderDate canonical.Date, id int64) int64 {
	var day int64
	if !orderDate.IsZero() {
		day = (orderDate.Time().Unix()-factEpoch.Unix())/86400 + 1
	}
	return day<<factIDBits | id&factIDMask
}

// SplitFactCursor is the inverse of FactCursor. A number FactCursor cannot
// have made is ErrInvalid.
func SplitFactCursor(c int64) (orderDate canonical.Date, id int64, err error) {
	day, id := c>>factIDBits, c&factIDMask
	if id == 0 || day < 0 || day > factMaxDay {
		return canonical.Date{}, 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	if day > 0 {
		orderDate = canonical.DateOf(factEpoch.AddDate(0, 0, int(day-1)))
	}
	return orderDate, id, nil
}
