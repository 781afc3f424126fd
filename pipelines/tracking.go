package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// ShipmentWriter stores shipments idempotently.
type ShipmentWriter interface {
	UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error)
}

// TrackingWriter keeps tracking events once each.
type TrackingWriter interface {
	AddTrackingEvents(ctx context.Context, partner string, events []*canonical.TrackingEvent) ([]bool, error)
}

// Handler names of the shipment and tracking sinks.
const (
	HandlerStoreShipments = "store_shipments"
	HandlerStoreTracking  = "store_tracking_events"
)

// ShipmentSink stores the shipments (ASNs) of procurehub.shipments.v1; their
// tracking numbers link carrier events to orders.
type ShipmentSink struct {
	W       ShipmentWriter
	Metrics *Metrics
	// Status, when set, moves the status of the shipment's orders.
	Status *StatusProjector
}

// Handle is the Watermill handler.
func (s *ShipmentSink) Handle(msg *message.Message) error {
	var sh canonical.Shipment
	if err := json.Unmarshal(msg.Payload, &sh); err != nil {
		return Permanent(fmt.Errorf("decode shipment: %w", err))
	}
	changes, err := s.W.UpsertShipments(msg.Context(), msg.Metadata.Get(MetaPartner), []*canonical.Shipment{&sh})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store shipment %s: %w", sh.ShipmentID, err))
	}
	if s.Metrics != nil {
		s.Metrics.ShipmentWrites.WithLabelValues(changes[0].String()).Inc()
	}
	return s.Status.Project(msg.Context(), sh.OrderNumbers...)
}

// TrackingSink keeps the events of procurehub.tracking-events.v1, each once
// however often it is delivered (a webhook retried, a page polled twice).
// Like StoreSink, it writes the events of concurrent handlers in batches,
// each handler returning once its event is committed.
type TrackingSink struct {
	// Status, when set, moves the status of the event's orders once the
	// event is stored.
	Status *StatusProjector

	w       TrackingWriter
	metrics *Metrics
	b       *batcher[partnerEvent]
}

// partnerEvent is an event with the partner it came from.
type partnerEvent struct {
	partner string
	event   *canonical.TrackingEvent
}

// NewTrackingSink returns a sink; call Run to start its batching loop.
func NewTrackingSink(w TrackingWriter, cfg StoreSinkConfig, m *Metrics, logger *slog.Logger) *TrackingSink {
	s := &TrackingSink{w: w, metrics: m}
	s.b = newBatcher(cfg, logger, "tracking events", s.write, func(pe partnerEvent, err error) error {
		return permanentIfInvalid(fmt.Errorf("store tracking event %s of %s: %w", pe.event.EventID, pe.event.TrackingNumber, err))
	})
	if m != nil {
		s.b.failures = m.StoreFailures
	}
	return s
}

// Handle is the Watermill handler.
func (s *TrackingSink) Handle(msg *message.Message) error {
	var ev canonical.TrackingEvent
	if err := json.Unmarshal(msg.Payload, &ev); err != nil {
		return Permanent(fmt.Errorf("decode tracking event: %w", err))
	}
	if ev.EventID == "" {
		return Permanent(fmt.Errorf("tracking event of %s: event_id is required", ev.TrackingNumber))
	}
	if err := ev.Validate(); err != nil {
		return Permanent(fmt.Errorf("tracking event %s of %s: %w", ev.EventID, ev.TrackingNumber, err))
	}
	if err := s.b.submit(msg.Context(), partnerEvent{partner: msg.Metadata.Get(MetaPartner), event: &ev}); err != nil {
		return err
	}
	return s.Status.ProjectTracking(msg.Context(), ev.TrackingNumber)
}

// Run writes the batches until ctx is cancelled.
func (s *TrackingSink) Run(ctx context.Context) error { return s.b.run(ctx) }

func (s *TrackingSink) write(ctx context.Context, batch []partnerEvent) error {
	// The store takes one partner per call: write each partner's events.
	byPartner := map[string][]*canonical.TrackingEvent{}
	var partners []string
	for _, pe := range batch {
		if _, ok := byPartner[pe.partner]; !ok {
			partners = append(partners, pe.partner)
		}
		byPartner[pe.partner] = append(byPartner[pe.partner], pe.event)
	}
	for _, p := range partners {
		events := byPartner[p]
		added, err := s.w.AddTrackingEvents(ctx, p, events)
		if err != nil {
			return err
		}
		if s.metrics != nil {
			for i, ev := range events {
				result := "added"
				if !added[i] {
					result = "duplicate"
				}
				s.metrics.TrackingEvents.WithLabelValues(string(ev.Status), result).Inc()
			}
		}
	}
	return nil
}

// permanentIfInvalid marks a store error that no retry can fix
// (ErrInvalid) as permanent: the message goes to the poison topic with its
// reason.
func permanentIfInvalid(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return Permanent(err)
	}
	return err
}
