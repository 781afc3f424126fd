package store

import (
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
