package kpi

import (
	"cmp"
	"slices"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// shippedStates are the states that say the goods have left: an order may
// jump straight from confirmed to in_transit or delivered when the supplier
// sends no ASN, and it was shipped no later than that.
var shippedStates = []lifecycle.State{
	lifecycle.StateShipped, lifecycle.StateInTransit, lifecycle.StateAtCustoms,
	lifecycle.StateCustomsCleared, lifecycle.StateDelivered,
}

// correctionKinds are the milestones that mean someone had to correct the
// order: the hub held it for review, the buyer changed it, or the supplier
// proposed other terms.
var correctionKinds = []lifecycle.Kind{
	lifecycle.KindValidationFailed, lifecycle.KindAmended, lifecycle.KindCounterProposed,
}

// FactOf builds an order's KPI facts from its records and the timeline
// replayed from them (lifecycle.Replay(rec.Milestones())). now is the
// projection time; FactOf reads no clock.
//
// Milestone times are the first time the order reached the state: a later
// amendment that sends a confirmed order back to submitted does not move
// ConfirmedAt. InvoicedAt and PaidAt are the first invoice and payment
// whatever the state, since money often comes before the goods.
func FactOf(rec lifecycle.Records, tl lifecycle.Timeline, now time.Time) store.OrderFact {
	o := &rec.Order
	f := store.OrderFact{
		BuyerID:       o.Buyer.ID,
		OrderNumber:   o.OrderNumber,
		SupplierID:    o.Supplier.ID,
		Carrier:       carrierOf(rec),
		Origin:        originOf(o),
		Currency:      o.Currency,
		TotalAmount:   o.Total(),
		OrderDate:     o.OrderDate,
		RequestedDate: o.RequestedDeliveryDate,
		State:         string(tl.State),
		CreatedAt:     rec.StoredAt,
		ETA:           etaOf(rec),
		ProjectedAt:   now,
	}
	if f.CreatedAt.IsZero() {
		// Records without a storage time (a replay from a file): the order
		// existed from its order date.
		f.CreatedAt = rec.CreatedAt()
	}
	if o.ShipTo != nil {
		f.Destination = o.ShipTo.Country
	}
	if v := rec.Validation; v != nil && v.Errors > 0 {
		f.NeededCorrection = true
	}

	ptr := func(at time.Time) *time.Time { return &at }
	f.LastUpdateAt = f.CreatedAt
	for _, e := range tl.Entries {
		if e.Outcome == lifecycle.Invalid {
			continue // no readable time or kind: it updated nothing
		}
		at := e.Milestone.OccurredAt
		if at.After(f.LastUpdateAt) {
			f.LastUpdateAt = at
		}
		// Even a refused amendment (too late, once ready to ship) shows
		// that the order as sent was not what it should have been.
		if slices.Contains(correctionKinds, e.Milestone.Kind) {
			f.NeededCorrection = true
		}
		if e.Outcome != lifecycle.Moved {
			continue
		}
		switch {
		case e.To == lifecycle.StateConfirmed && f.ConfirmedAt == nil:
			f.ConfirmedAt = ptr(at)
		case e.To == lifecycle.StateInvoiced && f.InvoicedAt == nil:
			f.InvoicedAt = ptr(at)
		case e.To == lifecycle.StatePaid && f.PaidAt == nil:
			f.PaidAt = ptr(at)
		}
		if slices.Contains(shippedStates, e.To) && f.ShippedAt == nil {
			f.ShippedAt = ptr(at)
		}
		if e.To == lifecycle.StateDelivered && f.DeliveredAt == nil {
			f.DeliveredAt = ptr(at)
		}
	}
	// The timeline notes the first invoice and payment even before
	// delivery, when no state shows them yet.
	if !tl.InvoicedAt.IsZero() && (f.InvoicedAt == nil || tl.InvoicedAt.Before(*f.InvoicedAt)) {
		f.InvoicedAt = ptr(tl.InvoicedAt)
	}
	if !tl.PaidAt.IsZero() && (f.PaidAt == nil || tl.PaidAt.Before(*f.PaidAt)) {
		f.PaidAt = ptr(tl.PaidAt)
	}
	return f
}

// carrierOf is the carrier of the order's first shipment (by ship date,
// else storage time) that names one; without one, the carrier of the
// earliest tracking event, since a carrier's feed names itself.
func carrierOf(rec lifecycle.Records) string {
	type dated struct {
		at      time.Time
		id      string
		carrier string
	}
	var shipments []dated
	for _, st := range rec.Shipments {
		sh := st.Shipment
		if sh == nil || sh.Carrier == "" {
			continue
		}
		at := st.StoredAt
		if !sh.ShipDate.IsZero() {
			at = sh.ShipDate.Time()
		}
		shipments = append(shipments, dated{at, sh.ShipmentID, sh.Carrier})
	}
	if len(shipments) == 0 {
		for _, e := range rec.Tracking {
			if e.Carrier != "" {
				shipments = append(shipments, dated{e.OccurredAt, e.TrackingNumber, e.Carrier})
			}
		}
	}
	if len(shipments) == 0 {
		return ""
	}
	// Records come in store order; sorting makes the answer independent of it.
	return slices.MinFunc(shipments, func(a, b dated) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id), cmp.Compare(a.carrier, b.carrier))
	}).carrier
}

// originOf is the supplier's country; without one, the lines' country of
// origin when every line gives the same.
func originOf(o *canonical.Order) canonical.Country {
	if o.Supplier.Country != "" {
		return o.Supplier.Country
	}
	var origin canonical.Country
	for _, l := range o.Lines {
		switch {
		case l.OriginCountry == "":
			return ""
		case origin == "":
			origin = l.OriginCountry
		case origin != l.OriginCountry:
			return ""
		}
	}
	return origin
}

// etaOf is the latest estimated arrival of the order's shipments: carrier
// tracking events carry no estimate (canonical.TrackingEvent has none), the
// ASN does. The latest one is when the last goods arrive, which is what
// decides whether the order is late.
func etaOf(rec lifecycle.Records) canonical.Date {
	var eta canonical.Date
	for _, st := range rec.Shipments {
		if st.Shipment == nil {
			continue
		}
		if d := st.Shipment.EstimatedArrival; !d.IsZero() && (eta.IsZero() || eta.Before(d)) {
			eta = d
		}
	}
	return eta
}
