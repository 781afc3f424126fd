package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/internal/store"
)

// TrackingReader is what the API reads shipments and carrier events from.
type TrackingReader interface {
	ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error)
	TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error)
}

// OrderTracking answers "where is my order?": every shipment against the
// order (from the ASNs) with its carrier events, and one status for the
// order.
type OrderTracking struct {
	// Status is the order's tracking status: a shipment that needs
	// attention (exception, customs_hold, failed_attempt, returned,
	// cancelled, expired) gives its status, the latest such; otherwise the
	// least advanced shipment's, so an order is delivered once all its
	// shipments are. "" while no carrier has reported.
	Status canonical.TrackingStatus `json:"status,omitempty"`
	// UpdatedAt is when the latest event of any shipment happened.
	UpdatedAt *time.Time         `json:"updated_at,omitempty"`
	Shipments []ShipmentTracking `json:"shipments"`
}

// ShipmentTracking is one shipment with its events in the order they
// happened (not the order they arrived), each once.
type ShipmentTracking struct {
	ShipmentID       string                    `json:"shipment_id"`
	Carrier          string                    `json:"carrier,omitempty"`
	TrackingNumbers  []string                  `json:"tracking_numbers"`
	ShipDate         canonical.Date            `json:"ship_date,omitzero"`
	EstimatedArrival canonical.Date            `json:"estimated_arrival,omitzero"`
	Status           canonical.TrackingStatus  `json:"status,omitempty"`
	Events           []canonical.TrackingEvent `json:"events"`
}

// attention are the statuses that make an order's status whatever else
// its other shipments say.
var attention = []canonical.TrackingStatus{
	canonical.TrackingException, canonical.TrackingCustomsHold, canonical.TrackingFailedAttempt,
	canonical.TrackingReturned, canonical.TrackingCancelled, canonical.TrackingExpired,
}

// trackingOf builds the tracking view of an order.
func trackingOf(ctx context.Context, r TrackingReader, orderNumber string) (*OrderTracking, error) {
	shipments, err := r.ShipmentsOfOrder(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	out := &OrderTracking{Shipments: make([]ShipmentTracking, 0, len(shipments))}
	var (
		least, urgent       canonical.TrackingEvent
		haveLeast, haveUrge bool
	)
	for _, s := range shipments {
		sh := s.Shipment
		st := ShipmentTracking{ShipmentID: sh.ShipmentID, Carrier: sh.Carrier, TrackingNumbers: sh.TrackingNumbers,
			ShipDate: sh.ShipDate, EstimatedArrival: sh.EstimatedArrival, Events: []canonical.TrackingEvent{}}
		if st.TrackingNumbers == nil {
			st.TrackingNumbers = []string{}
		}
		stored, err := r.TrackingEvents(ctx, sh.TrackingNumbers)
		if err != nil {
			return nil, err
		}
		events := make([]canonical.TrackingEvent, len(stored))
		for i := range stored {
			events[i] = stored[i].Event
		}
		st.Events = append(st.Events, tracking.Timeline(events)...)
		if cur, ok := tracking.Current(events); ok {
			st.Status = cur.Status
			if !haveLeast || tracking.Rank(cur.Status) < tracking.Rank(least.Status) {
				least, haveLeast = cur, true
			}
			if slices.Contains(attention, cur.Status) && (!haveUrge || cur.OccurredAt.After(urgent.OccurredAt)) {
				urgent, haveUrge = cur, true
			}
			last := st.Events[len(st.Events)-1].OccurredAt
			if out.UpdatedAt == nil || last.After(*out.UpdatedAt) {
				out.UpdatedAt = &last
			}
		}
		out.Shipments = append(out.Shipments, st)
	}
	switch {
	case haveUrge:
		out.Status = urgent.Status
	case haveLeast:
		out.Status = least.Status
	}
	return out, nil
}

func (s *server) getOrderTracking(w http.ResponseWriter, r *http.Request) {
	number := chi.URLParam(r, "order_number")
	if _, err := s.cfg.Orders.GetOrder(r.Context(), r.URL.Query().Get("buyer"), number); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
			return
		}
		s.internal(w, r, err)
		return
	}
	t, err := trackingOf(r.Context(), s.cfg.Tracking, number)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
