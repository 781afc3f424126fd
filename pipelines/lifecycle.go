package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
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
	// Facts are gathered and written by RunFacts in one transaction every
	// interval, not one write per event: a burst of carrier events costs
	// the store one write per order and interval, and the event's own path
	// waits for none.
	Facts FactWriter
	Now   func() time.Time

	factsMu sync.Mutex
	pending map[[2]string]store.OrderFact
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
		p.keepFact(kpi.FactOf(rec, tl, now().UTC()))
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

// keepFact queues an order's fact for the next flush; a newer projection
// of the same order replaces it.
func (p *StatusProjector) keepFact(f store.OrderFact) {
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	if p.pending == nil {
		p.pending = map[[2]string]store.OrderFact{}
	}
	k := [2]string{f.BuyerID, f.OrderNumber}
	if old, ok := p.pending[k]; !ok || !f.ProjectedAt.Before(old.ProjectedAt) {
		p.pending[k] = f
	}
}

// FlushFacts writes the queued facts in one call. Facts that fail stay
// queued (unless a newer one came meanwhile) for the next flush.
func (p *StatusProjector) FlushFacts(ctx context.Context) error {
	if p.Facts == nil {
		return nil
	}
	p.factsMu.Lock()
	batch := make([]store.OrderFact, 0, len(p.pending))
	for _, f := range p.pending {
		batch = append(batch, f)
	}
	p.pending = nil
	p.factsMu.Unlock()
	// In chunks: the embedded store has one writer at a time, and a short
	// transaction keeps the event sinks' writes from waiting long.
	const chunk = 100
	for len(batch) > 0 {
		n := min(chunk, len(batch))
		if _, err := p.Facts.UpsertOrderFacts(ctx, batch[:n]); err != nil {
			for _, f := range batch {
				p.keepFact(f)
			}
			return fmt.Errorf("KPI facts of %d orders: %w", len(batch), err)
		}
		batch = batch[n:]
	}
	return nil
}

// RunFacts flushes the queued facts every interval (default 5s) until ctx
// is cancelled, and once more then. A projection queued after the last
// flush of a stopping hub is made again by the order's next event.
func (p *StatusProjector) RunFacts(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return p.FlushFacts(fctx)
		case <-t.C:
			if err := p.FlushFacts(ctx); err != nil && ctx.Err() == nil && p.Logger != nil {
				p.Logger.Error("writing KPI facts failed; retrying", "err", err)
			}
		}
	}
}
