package lifecycle

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// Records are the stored records about one order that its milestones come
// from. The caller reads them (the timeline API, the early-warning scanner);
// Milestones places them in time the same way for every reader.
type Records struct {
	Order canonical.Order
	// StoredAt is when the hub first stored the order.
	StoredAt time.Time
	// Validation is the outcome of validating the order's current content;
	// nil when none was recorded for it.
	Validation *Validation
	Responses  []StoredResponse
	Events     []canonical.OrderEvent
	Shipments  []StoredShipment
	Tracking   []canonical.TrackingEvent
}

// Validation counts the findings of the order's current content.
type Validation struct {
	Errors, Warnings int
}

// StoredResponse is a supplier's order response and when the hub stored it.
type StoredResponse struct {
	Response *canonical.OrderResponse
	StoredAt time.Time
}

// StoredShipment is a shipment (an ASN) and when the hub stored it.
type StoredShipment struct {
	Shipment *canonical.Shipment
	StoredAt time.Time
}

// TrackingNumbers returns the distinct tracking numbers of the shipments,
// in the order they first appear: the ones whose carrier events belong to
// the order.
func TrackingNumbers(shipments []StoredShipment) []string {
	var numbers []string
	for _, st := range shipments {
		if st.Shipment == nil {
			continue
		}
		for _, n := range st.Shipment.TrackingNumbers {
			if !slices.Contains(numbers, n) {
				numbers = append(numbers, n)
			}
		}
	}
	return numbers
}

// CreatedAt is when the order exists: the start of its order date (UTC:
// the buyer's ERP made it then) or when the hub stored it, whichever is
// earlier.
func (r Records) CreatedAt() time.Time {
	createdAt := r.StoredAt
	if d := r.Order.OrderDate; !d.IsZero() && (createdAt.IsZero() || d.Time().Before(createdAt)) {
		createdAt = d.Time()
	}
	return createdAt
}

// Milestones returns the milestones of the order, for Replay. Records are
// linked to the order by its number.
//
// Times: the order exists from CreatedAt, and its validation is placed
// with it (the findings are about that content), so a hold for review
// comes before anything done about the order. A response and a shipment
// carry only a date: they fall at the start of that day (UTC) or, without a
// date, when the hub stored them; on the day of the order's own milestones
// they fall no earlier than those (a supplier confirming on the day it got
// the order confirmed it after). Order and carrier events keep their own
// occurred_at, whatever their arrival.
func (r Records) Milestones() []Milestone {
	o := &r.Order
	number := o.OrderNumber
	createdAt := r.CreatedAt()
	created := Milestone{
		ID: "order:" + o.Buyer.ID + ":" + number, Kind: KindOrderCreated, OccurredAt: createdAt,
		Actor:   Actor{PartyID: o.Buyer.ID},
		Summary: orderSummary(o),
	}
	if o.Source != nil {
		created.Source = *o.Source
	}
	milestones := []Milestone{created}
	floor := createdAt // the time of the order's own milestones

	if v := r.Validation; v != nil {
		m := Milestone{Kind: KindValidationPassed, OccurredAt: createdAt,
			Summary: fmt.Sprintf("validation passed (%d warnings)", v.Warnings)}
		if v.Errors > 0 {
			m.Kind = KindValidationFailed
			m.Summary = fmt.Sprintf("validation found %d errors, %d warnings", v.Errors, v.Warnings)
		}
		milestones = append(milestones, m)
	}
	// dated places a date-only record (see above).
	dated := func(d canonical.Date, stored time.Time) time.Time {
		if d.IsZero() {
			return stored
		}
		at := d.Time()
		if at.Before(floor) && floor.Sub(at) < 24*time.Hour { // the day of the order's own milestones
			return floor
		}
		return at
	}

	for _, sr := range r.Responses {
		if sr.Response == nil {
			continue
		}
		m := FromOrderResponse(*sr.Response, dated(sr.Response.ResponseDate, sr.StoredAt))
		m.Summary = responseSummary(sr.Response)
		milestones = append(milestones, m)
	}
	for _, e := range r.Events {
		if m, ok := FromOrderEvent(e); ok {
			if m.Summary == "" {
				m.Summary = strings.ReplaceAll(string(e.Type), "_", " ")
			}
			milestones = append(milestones, m)
		}
	}
	for _, st := range r.Shipments {
		sh := st.Shipment
		if sh == nil {
			continue
		}
		m := Milestone{
			ID: "shipment:" + sh.Supplier.ID + ":" + sh.ShipmentID, Kind: KindShipmentCreated,
			OccurredAt: dated(sh.ShipDate, st.StoredAt), Actor: Actor{PartyID: sh.Supplier.ID},
			Summary: shipmentSummary(sh),
		}
		if sh.Source != nil {
			m.Source = *sh.Source
		}
		milestones = append(milestones, m)
	}
	for _, e := range r.Tracking {
		m := FromTrackingEvent(e)
		if m.Summary == "" {
			m.Summary = e.CarrierStatus
		}
		milestones = append(milestones, m)
	}
	return milestones
}

func orderSummary(o *canonical.Order) string {
	s := fmt.Sprintf("order %s with %d lines", o.OrderNumber, len(o.Lines))
	if o.Supplier.ID != "" {
		s += " to " + o.Supplier.ID
	}
	return s
}

func responseSummary(r *canonical.OrderResponse) string {
	s := "the supplier " + string(r.Status) + " the order"
	if r.Status == canonical.ResponseChanged {
		s = "the supplier proposed changes"
	}
	if r.ResponseNumber != "" {
		s += " (response " + r.ResponseNumber + ")"
	}
	return s
}

func shipmentSummary(sh *canonical.Shipment) string {
	s := "shipment " + sh.ShipmentID
	if sh.Carrier != "" {
		s += " by " + sh.Carrier
	}
	if len(sh.TrackingNumbers) > 0 {
		s += ", tracking " + strings.Join(sh.TrackingNumbers, ", ")
	}
	return s
}
