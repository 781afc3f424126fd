package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/kpi"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// --- reading an order's records ---

// FindingsReader reads the validation findings of an order.
type FindingsReader interface {
	GetFindings(ctx context.Context, buyerID, orderNumber string) (*store.OrderFindings, error)
}

// ResponsesReader reads an order's supplier responses and order events.
type ResponsesReader interface {
	OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error)
	OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error)
}

// ShipmentsReader reads an order's shipments and their carrier events.
type ShipmentsReader interface {
	ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error)
	TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error)
}

// RecordReaders are where an order's records are read from; a nil reader
// leaves its records out.
type RecordReaders struct {
	Findings  FindingsReader
	Responses ResponsesReader
	Shipments ShipmentsReader
}

// ReadRecords reads the stored records an order's milestones come from
// (lifecycle.Records): the validation of its current content, supplier
// responses, order events of this buyer, shipments and the carrier events
// of their tracking numbers. The timeline API, the status projector and
// the early-warning scanner read an order this one way.
func (rr RecordReaders) ReadRecords(ctx context.Context, o *store.StoredOrder) (lifecycle.Records, error) {
	number := o.Order.OrderNumber
	rec := lifecycle.Records{Order: o.Order, StoredAt: o.CreatedAt}
	if rr.Findings != nil {
		f, err := rr.Findings.GetFindings(ctx, o.Order.Buyer.ID, number)
		switch {
		case err == nil && f.ContentHash == o.ContentHash:
			rec.Validation = &lifecycle.Validation{Errors: f.Errors, Warnings: f.Warnings}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return rec, fmt.Errorf("findings of order %s: %w", number, err)
		}
	}
	if rr.Responses != nil {
		responses, err := rr.Responses.OrderResponses(ctx, number)
		if err != nil {
			return rec, fmt.Errorf("responses to order %s: %w", number, err)
		}
		for _, r := range responses {
			rec.Responses = append(rec.Responses, lifecycle.StoredResponse{Response: r.Response, StoredAt: r.CreatedAt})
		}
		events, err := rr.Responses.OrderEvents(ctx, number)
		if err != nil {
			return rec, fmt.Errorf("events of order %s: %w", number, err)
		}
		for _, e := range events {
			// Order numbers are the buyer's: another buyer's order of
			// the same number is not this one.
			if e.Event.BuyerID == "" || e.Event.BuyerID == o.Order.Buyer.ID {
				rec.Events = append(rec.Events, e.Event)
			}
		}
	}
	if rr.Shipments != nil {
		shipments, err := rr.Shipments.ShipmentsOfOrder(ctx, number)
		if err != nil {
			return rec, fmt.Errorf("shipments of order %s: %w", number, err)
		}
		for _, st := range shipments {
			rec.Shipments = append(rec.Shipments, lifecycle.StoredShipment{Shipment: st.Shipment, StoredAt: st.CreatedAt})
		}
		if numbers := lifecycle.TrackingNumbers(rec.Shipments); len(numbers) > 0 {
			tracking, err := rr.Shipments.TrackingEvents(ctx, numbers)
			if err != nil {
				return rec, fmt.Errorf("carrier events of order %s: %w", number, err)
			}
			for _, e := range tracking {
				rec.Tracking = append(rec.Tracking, e.Event)
			}
		}
	}
	return rec, nil
}

// --- the order's status follows its lifecycle ---

// EventStatusChanged is the order event the hub publishes when an order's
// lifecycle state changes; its Data is a StatusChange. It is derived from
// the other events, so it is no milestone of its own.
const EventStatusChanged canonical.OrderEventType = "status_changed"

// StatusChange is the Data of an EventStatusChanged event.
type StatusChange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// StatusStore is what the projector reads orders from and writes their
// status to.
type StatusStore interface {
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	SetOrderStatus(ctx context.Context, buyerID, orderNumber, from, to string) (bool, error)
	OrdersOfTracking(ctx context.Context, trackingNumbers []string) ([]string, error)
}

// StatusProjector keeps each order's stored status equal to its lifecycle
// state: after a supplier response, an order event, a shipment or a
// carrier event is stored, the sinks hand it the order numbers concerned;
// it replays the order's records (lifecycle.Replay, events placed by their
// own time) and, when the state differs from the stored status, moves the
// status and publishes a status_changed event on procurehub.order-events.v1.
// It is idempotent: a redelivered event finds the status already moved.
// A number whose order is not stored yet is passed over; the order's own
// arrival does not change its lifecycle state beyond what validation sets.
type StatusProjector struct {
	Store   StatusStore
	Readers RecordReaders
	Pub     message.Publisher
	Logger  *slog.Logger
	// Facts, when set, keeps each projected order's KPI facts
	// (kpi.FactOf) in the store; Now stamps them (time.Now when nil).
	Facts FactWriter
	Now   func() time.Time
}

// FactWriter keeps orders' KPI facts.
type FactWriter interface {
	UpsertOrderFacts(ctx context.Context, facts []store.OrderFact) ([]bool, error)
}

// Project brings the status of each order up to date. Order numbers are
// the buyer's, so a number two buyers use is projected for the order
// changed most recently.
func (p *StatusProjector) Project(ctx context.Context, orderNumbers ...string) error {
	if p == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, n := range orderNumbers {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if err := p.project(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// ProjectTracking brings up to date the orders of these tracking numbers.
func (p *StatusProjector) ProjectTracking(ctx context.Context, trackingNumbers ...string) error {
	if p == nil || len(trackingNumbers) == 0 {
		return nil
	}
	orders, err := p.Store.OrdersOfTracking(ctx, trackingNumbers)
	if err != nil {
		return fmt.Errorf("orders of tracking numbers: %w", err)
	}
	return p.Project(ctx, orders...)
}

func (p *StatusProjector) project(ctx context.Context, number string) error {
	o, err := p.Store.GetOrder(ctx, "", number)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	rec, err := p.Readers.ReadRecords(ctx, o)
	if err != nil {
		return err
	}
	tl, err := lifecycle.Replay(rec.Milestones())
	if err != nil {
		return fmt.Errorf("lifecycle of order %s: %w", number, err)
	}
	if p.Facts != nil {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		if _, err := p.Facts.UpsertOrderFacts(ctx, []store.OrderFact{kpi.FactOf(rec, tl, now().UTC())}); err != nil {
			return fmt.Errorf("KPI facts of order %s: %w", number, err)
		}
	}
	to := string(tl.State)
	if to == "" || to == string(lifecycle.StateDraft) || to == o.Status {
		return nil
	}
	moved, err := p.Store.SetOrderStatus(ctx, o.Order.Buyer.ID, number, o.Status, to)
	if err != nil {
		return fmt.Errorf("status of order %s: %w", number, err)
	}
	if !moved {
		// Another writer moved it meanwhile: its projection or the next
		// event's sets it right.
		return nil
	}
	if p.Logger != nil {
		p.Logger.Debug("order status", "order", number, "from", o.Status, "to", to)
	}
	return p.publish(o, to, tl.Since)
}

func (p *StatusProjector) publish(o *store.StoredOrder, to string, since time.Time) error {
	if p.Pub == nil {
		return nil
	}
	if since.IsZero() {
		since = time.Now().UTC()
	}
	data, err := json.Marshal(StatusChange{From: o.Status, To: to})
	if err != nil {
		return err
	}
	ev := &canonical.OrderEvent{
		EventID:     fmt.Sprintf("%s:status:%s:%s:%s", o.Order.Buyer.ID, o.Order.OrderNumber, to, since.UTC().Format(time.RFC3339Nano)),
		OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID, Type: EventStatusChanged,
		OccurredAt: since, Actor: HubPartner, Summary: o.Status + " → " + to, Data: data,
	}
	if err := PublishOrderEvents(p.Pub, "lifecycle", ev); err != nil {
		return fmt.Errorf("status of order %s: %w", o.Order.OrderNumber, err)
	}
	return nil
}
