package lifecycle

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// Kind names what a milestone reports. The strings are stable.
type Kind string

// The milestone kinds, in the order an order usually goes through them; that
// order breaks ties between milestones with the same time.
const (
	KindOrderCreated       Kind = "order_created"       // the order reached the hub and went to the supplier: submitted
	KindValidationFailed   Kind = "validation_failed"   // validation found errors: needs_review
	KindValidationPassed   Kind = "validation_passed"   // a corrected version passes: submitted again
	KindAmended            Kind = "amended"             // the buyer changed the order (see Amendment)
	KindCounterProposed    Kind = "counter_proposed"    // order response "changed": the supplier proposes other terms
	KindCounterAccepted    Kind = "counter_accepted"    // the buyer accepts the counter-proposal: confirmed
	KindCounterRejected    Kind = "counter_rejected"    // the buyer declines it: the order waits for the supplier
	KindResponseAccepted   Kind = "response_accepted"   // order response "accepted": confirmed
	KindResponseRejected   Kind = "response_rejected"   // order response "rejected": rejected
	KindProductionProgress Kind = "production_progress" // in_production
	KindReadyToShip        Kind = "ready_to_ship"       // ready_to_ship
	KindShipmentCreated    Kind = "shipment_created"    // an ASN: shipped
	KindTracking           Kind = "tracking"            // a carrier event; Milestone.Tracking says which
	KindInvoiceReceived    Kind = "invoice_received"    // invoiced (once delivered)
	KindPaymentReceived    Kind = "payment_received"    // paid (once delivered and invoiced)
	KindClosed             Kind = "closed"              // closed
	KindCancelled          Kind = "cancelled"           // cancelled
	// A document about the order arrived, or a party wrote on its thread:
	// on the timeline, no change of state.
	KindDocumentReceived Kind = "document_received"
	KindMessagePosted    Kind = "message_posted"
)

var kinds = []Kind{
	KindOrderCreated, KindValidationFailed, KindValidationPassed, KindAmended,
	KindCounterProposed, KindCounterAccepted, KindCounterRejected, KindResponseAccepted,
	KindResponseRejected, KindProductionProgress, KindReadyToShip, KindShipmentCreated,
	KindTracking, KindInvoiceReceived, KindPaymentReceived, KindClosed, KindCancelled,
	KindDocumentReceived, KindMessagePosted,
}

// Kinds lists the milestone kinds in their tie-break order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(kinds, k) }

// Actor is who caused a milestone: a party, and the user when a person did
// it in the portal. Either may be empty (a connector acting for a partner).
type Actor struct {
	PartyID string `json:"party_id,omitempty"`
	User    string `json:"user,omitempty"`
}

// Milestone is one thing that happened to an order, from any source: the
// ERP, the supplier, an ASN, a carrier, customs, an invoice, the bank.
type Milestone struct {
	// ID identifies the milestone (the event or message id); the same ID
	// twice counts once. Without an ID, the kind, time, tracking status,
	// source and actor together identify it.
	ID         string    `json:"id,omitempty"`
	Kind       Kind      `json:"kind"`
	OccurredAt time.Time `json:"occurred_at"`
	// Tracking is the normalized carrier status of a KindTracking milestone.
	Tracking canonical.TrackingStatus `json:"tracking,omitempty"`
	Source   canonical.Source         `json:"source,omitzero"`
	Actor    Actor                    `json:"actor,omitzero"`
	Summary  string                   `json:"summary,omitempty"`
	Data     json.RawMessage          `json:"data,omitempty"`
}

// key is what deduplicates milestones.
func (m Milestone) key() string {
	if m.ID != "" {
		return "id:" + m.ID
	}
	s := m.Source
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s",
		m.Kind, m.OccurredAt.UTC().Format(time.RFC3339Nano), m.Tracking,
		s.Connector, s.Partner, s.File, s.Sheet, s.Line, s.Segment, m.Actor.PartyID, m.Actor.User)
}

// Target is the state a milestone points the order to, and ok false for a
// milestone that changes no state on its own: a declined counter-proposal,
// an amendment, and carrier events that say nothing about where the goods
// are (info_received, exception, returned, cancelled, expired, unknown).
// Invoices and payments point to invoiced and paid; Replay defers them
// until the order is delivered.
func (m Milestone) Target() (State, bool) {
	switch m.Kind {
	case KindOrderCreated, KindValidationPassed:
		return StateSubmitted, true
	case KindValidationFailed:
		return StateNeedsReview, true
	case KindCounterAccepted, KindResponseAccepted:
		return StateConfirmed, true
	case KindResponseRejected:
		return StateRejected, true
	case KindProductionProgress:
		return StateInProduction, true
	case KindReadyToShip:
		return StateReadyToShip, true
	case KindShipmentCreated:
		return StateShipped, true
	case KindTracking:
		return trackingState(m.Tracking)
	case KindInvoiceReceived:
		return StateInvoiced, true
	case KindPaymentReceived:
		return StatePaid, true
	case KindClosed:
		return StateClosed, true
	case KindCancelled:
		return StateCancelled, true
	}
	return "", false
}

// trackingState maps a normalized carrier status to an order state.
// Statuses of goods on the move (picked up, departed, arrived at
// destination, out for delivery, a failed delivery attempt...) are
// in_transit; the others say nothing about progress.
func trackingState(s canonical.TrackingStatus) (State, bool) {
	switch s {
	case canonical.TrackingPickedUp, canonical.TrackingDepartedOrigin, canonical.TrackingInTransit,
		canonical.TrackingArrivedDestination, canonical.TrackingOutForDelivery,
		canonical.TrackingAvailableForPickup, canonical.TrackingFailedAttempt:
		return StateInTransit, true
	case canonical.TrackingCustomsHold:
		return StateAtCustoms, true
	case canonical.TrackingCustomsCleared:
		return StateCustomsCleared, true
	case canonical.TrackingDelivered:
		return StateDelivered, true
	}
	return "", false
}

// tieRank orders milestones with the same time: by kind, then, for carrier
// events, by the state they point to.
func (m Milestone) tieRank() int {
	r := slices.Index(kinds, m.Kind) * 100
	if m.Kind == KindTracking {
		if s, ok := m.Target(); ok {
			r += s.rank()
		} else {
			r += 99
		}
	}
	return r
}

// check reports why a milestone cannot be folded at all.
func (m Milestone) check() error {
	switch {
	case !m.Kind.Valid():
		return fmt.Errorf("%q is not a milestone kind", m.Kind)
	case m.OccurredAt.IsZero():
		return fmt.Errorf("%s has no occurred_at", m.Kind)
	case m.Kind == KindTracking && !m.Tracking.Valid():
		return fmt.Errorf("tracking status %q is not a normalized status", m.Tracking)
	}
	return nil
}

// FromTrackingEvent turns a carrier event into a milestone. The carrier is
// the actor. When the carrier gives an event id, the milestone's ID is
// carrier:tracking_number:event_id; without one, the same status at the
// same time from the same carrier and source is one milestone.
func FromTrackingEvent(e canonical.TrackingEvent) Milestone {
	m := Milestone{
		ID:         e.EventID,
		Kind:       KindTracking,
		OccurredAt: e.OccurredAt,
		Tracking:   e.Status,
		Actor:      Actor{PartyID: e.Carrier},
		Summary:    e.Description,
	}
	if m.ID != "" {
		m.ID = e.Carrier + ":" + e.TrackingNumber + ":" + e.EventID
	}
	if e.Source != nil {
		m.Source = *e.Source
	}
	return m
}

// FromOrderEvent turns a canonical order event into a milestone; ok is false
// for an event type that is no milestone. order_updated is an amendment,
// order_rejected the supplier's rejection.
// customs_hold and customs_cleared are a customs broker's status (a
// KindTracking milestone of that status).
func FromOrderEvent(e canonical.OrderEvent) (m Milestone, ok bool) {
	// A customs broker's status of an order none of whose shipments has a
	// tracking number yet is an order event typed like the carrier status
	// (customs_hold, customs_cleared): it moves the order as that status.
	if s := canonical.TrackingStatus(e.Type); s == canonical.TrackingCustomsHold || s == canonical.TrackingCustomsCleared {
		m = Milestone{ID: e.EventID, Kind: KindTracking, Tracking: s, OccurredAt: e.OccurredAt, Actor: Actor{PartyID: e.Actor},
			Summary: e.Summary, Data: e.Data}
		if e.Source != nil {
			m.Source = *e.Source
		}
		return m, true
	}
	var k Kind
	switch e.Type {
	case canonical.EventOrderCreated:
		k = KindOrderCreated
	case canonical.EventOrderUpdated:
		k = KindAmended
	case canonical.EventOrderRejected:
		k = KindResponseRejected
	case canonical.EventProductionProgress:
		k = KindProductionProgress
	default:
		if Kind(e.Type).Valid() && Kind(e.Type) != KindTracking {
			k = Kind(e.Type)
		} else {
			return Milestone{}, false
		}
	}
	m = Milestone{
		ID: e.EventID, Kind: k, OccurredAt: e.OccurredAt, Actor: Actor{User: e.Actor},
		Summary: e.Summary, Data: e.Data,
	}
	if e.Source != nil {
		m.Source = *e.Source
	}
	return m, true
}

// FromOrderResponse turns a supplier's order response into a milestone at
// time at (a response carries only a date).
func FromOrderResponse(r canonical.OrderResponse, at time.Time) Milestone {
	// A status outside the set gives a kind Replay refuses as invalid.
	k := Kind("order_response_" + string(r.Status))
	switch r.Status {
	case canonical.ResponseAccepted:
		k = KindResponseAccepted
	case canonical.ResponseRejected:
		k = KindResponseRejected
	case canonical.ResponseChanged:
		k = KindCounterProposed
	}
	m := Milestone{Kind: k, OccurredAt: at, Actor: Actor{PartyID: r.Supplier.ID}}
	if r.ResponseNumber != "" {
		m.ID = "order_response:" + r.Supplier.ID + ":" + r.ResponseNumber
	}
	if r.Source != nil {
		m.Source = *r.Source
	}
	return m
}
