package pipelines

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// OrderResponseWriter stores order responses idempotently.
type OrderResponseWriter interface {
	UpsertOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse) ([]store.Change, error)
}

// OrderEventWriter keeps order events once each.
type OrderEventWriter interface {
	AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error)
}

// Handler names of the order response and order event sinks.
const (
	HandlerStoreOrderResponses = "store_order_responses"
	HandlerStoreOrderEvents    = "store_order_events"
)

// OrderResponseSink stores the supplier responses of
// procurehub.order-responses.v1 (confirmations, rejections, changes), for
// the order's timeline. A response the store refuses goes to the poison
// topic with its reason.
type OrderResponseSink struct {
	W       OrderResponseWriter
	Metrics *Metrics
	// Status, when set, moves the answered order's status.
	Status *StatusProjector
}

// Handle is the Watermill handler.
func (s *OrderResponseSink) Handle(msg *message.Message) error {
	var r canonical.OrderResponse
	if err := json.Unmarshal(msg.Payload, &r); err != nil {
		return Permanent(fmt.Errorf("decode order response: %w", err))
	}
	changes, err := s.W.UpsertOrderResponses(msg.Context(), msg.Metadata.Get(MetaPartner), []*canonical.OrderResponse{&r})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store order response %s of order %s: %w", r.ResponseNumber, r.OrderNumber, err))
	}
	if s.Metrics != nil {
		s.Metrics.OrderResponseWrites.WithLabelValues(changes[0].String()).Inc()
	}
	return s.Status.Project(msg.Context(), r.OrderNumber)
}

// OrderEventSink keeps the events of procurehub.order-events.v1
// (production progress, amendments...), each once however often it is
// delivered. An event the store refuses goes to the poison topic with its
// reason.
type OrderEventSink struct {
	W       OrderEventWriter
	Metrics *Metrics
	// Status, when set, moves the order's status after each event.
	Status *StatusProjector
}

// Handle is the Watermill handler.
func (s *OrderEventSink) Handle(msg *message.Message) error {
	var ev canonical.OrderEvent
	if err := json.Unmarshal(msg.Payload, &ev); err != nil {
		return Permanent(fmt.Errorf("decode order event: %w", err))
	}
	added, err := s.W.AddOrderEvents(msg.Context(), msg.Metadata.Get(MetaPartner), []*canonical.OrderEvent{&ev})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store order event %s of order %s: %w", ev.EventID, ev.OrderNumber, err))
	}
	if s.Metrics != nil {
		result := "added"
		if !added[0] {
			result = "duplicate"
		}
		s.Metrics.OrderEvents.WithLabelValues(string(ev.Type), result).Inc()
	}
	if ev.Type == EventStatusChanged {
		return nil // the projector's own event
	}
	return s.Status.Project(msg.Context(), ev.OrderNumber)
}
