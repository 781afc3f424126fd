package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	return nil
}

// TrackingSink keeps the events of procurehub.tracking-events.v1, each once
// however often it is delivered (a webhook retried, a page polled twice).
type TrackingSink struct {
	W       TrackingWriter
	Metrics *Metrics
}

// Handle is the Watermill handler.
func (s *TrackingSink) Handle(msg *message.Message) error {
	var ev canonical.TrackingEvent
	if err := json.Unmarshal(msg.Payload, &ev); err != nil {
		return Permanent(fmt.Errorf("decode tracking event: %w", err))
	}
	added, err := s.W.AddTrackingEvents(msg.Context(), msg.Metadata.Get(MetaPartner), []*canonical.TrackingEvent{&ev})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store tracking event %s of %s: %w", ev.EventID, ev.TrackingNumber, err))
	}
	if s.Metrics != nil {
		result := "added"
		if !added[0] {
			result = "duplicate"
		}
		s.Metrics.TrackingEvents.WithLabelValues(string(ev.Status), result).Inc()
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
