package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// --- shipments and tracking events ---
//
// A shipment is keyed by (supplier id, shipment id) and, like an order,
// written only when its content hash changed. A tracking event is kept once
// per (tracking number, event id): the same event delivered again (a
// webhook retried, a page polled twice) is not added twice. The link from a
// tracking event to its shipment and orders is made when reading, through
// the shipment's tracking numbers, so an event that arrives before its ASN
// is linked as soon as the ASN is stored.

// StoredShipment is a shipment as the store keeps it.
type StoredShipment struct {
	Partner     string              // the partner of the last write of its content
	Shipment    *canonical.Shipment // as last written, lineage (Source) included
	ContentHash string
	Version     int // 1 when inserted, +1 on every change of content
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// StoredTrackingEvent is a tracking event as the store keeps it.
type StoredTrackingEvent struct {
	Partner    string
	Event      canonical.TrackingEvent // lineage included
	ReceivedAt time.Time               // when the store first took it
}

// InvalidShipmentError names the shipment of an UpsertShipments batch that
// the store refused; nothing of that batch was written. errors.Is(err,
// ErrInvalid) holds.
type InvalidShipmentError struct {
	Index      int
	ShipmentID string
	Reason     string
}

func (e *InvalidShipmentError) Error() string {
	return fmt.Sprintf("shipment %d (%q): %s", e.Index, e.ShipmentID, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidShipmentError) Is(target error) bool { return target == ErrInvalid }

// ShipmentContent returns the canonical JSON of s without its lineage, the
// bytes whose hash decides whether a shipment changed. s is not modified.
func ShipmentContent(s *canonical.Shipment) ([]byte, error) {
	c := *s
	c.Source = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("store: shipment content: %w", err)
	}
	return b, nil
}

// CheckShipments validates a batch for UpsertShipments: each shipment must
// pass canonical validation. It returns the content of each, or an
// *InvalidShipmentError.
func CheckShipments(shipments []*canonical.Shipment) ([][]byte, error) {
	out := make([][]byte, len(shipments))
	for i, s := range shipments {
		if s == nil {
			return nil, &InvalidShipmentError{Index: i, Reason: "nil shipment"}
		}
		if err := s.Validate(); err != nil {
			return nil, &InvalidShipmentError{Index: i, ShipmentID: s.ShipmentID, Reason: err.Error()}
		}
		b, err := ShipmentContent(s)
		if err != nil {
			return nil, &InvalidShipmentError{Index: i, ShipmentID: s.ShipmentID, Reason: err.Error()}
		}
		out[i] = b
	}
	return out, nil
}

// CheckTrackingEvents validates a batch for AddTrackingEvents: each event
// must pass canonical validation and carry an event id (decoders derive one
// when the carrier sends none). It returns the JSON document of each, or an
// error wrapping ErrInvalid that names the event.
func CheckTrackingEvents(events []*canonical.TrackingEvent) ([][]byte, error) {
	out := make([][]byte, len(events))
	for i, e := range events {
		if e == nil {
			return nil, fmt.Errorf("%w: tracking event %d: nil", ErrInvalid, i)
		}
		if e.EventID == "" {
			return nil, fmt.Errorf("%w: tracking event %d (%s): event_id is required", ErrInvalid, i, e.TrackingNumber)
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("%w: tracking event %d (%s): %v", ErrInvalid, i, e.TrackingNumber, err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("%w: tracking event %d: %v", ErrInvalid, i, err)
		}
		out[i] = b
	}
	return out, nil
}

// LineageJSON returns the JSON of a record's source, nil without one.
func LineageJSON(src *canonical.Source) ([]byte, error) {
	if src == nil {
		return nil, nil
	}
	return json.Marshal(src)
}

// TrackedNumber is a tracking number named by a stored shipment, with the
// status of its latest event ("" and zero before any).
type TrackedNumber struct {
	Number    string
	Status    canonical.TrackingStatus
	ChangedAt time.Time
}
