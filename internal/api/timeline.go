package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// TimelineReader is what the API reads an order's supplier responses and
// order events from. The timeline also reads the order (OrderReader), its
// findings (FindingsReader) and its shipments and carrier events
// (TrackingReader) when those are configured.
type TimelineReader interface {
	OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error)
	OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error)
}

// OrderTimeline is the body of GET /api/v1/orders/{order_number}/timeline:
// everything that happened to the order, from every source, folded by
// lifecycle.Replay into its current state.
type OrderTimeline struct {
	// State is the order's lifecycle state; Since the time of the
	// milestone that put it there.
	State lifecycle.State `json:"state"`
	Since time.Time       `json:"since,omitzero"`
	// Entries are in the order things happened (not the order they
	// arrived), each once.
	Entries []TimelineEntry `json:"entries"`
}

// TimelineEntry is one milestone and what it did to the order's state.
type TimelineEntry struct {
	Kind       lifecycle.Kind `json:"kind"`
	OccurredAt time.Time      `json:"occurred_at"`
	// Tracking is the normalized carrier status of a tracking entry.
	Tracking canonical.TrackingStatus `json:"tracking,omitempty"`
	// Source is the lineage of the record the milestone came from
	// (connector, partner, file, line or segment); empty for what the
	// hub itself found (validation).
	Source  canonical.Source  `json:"source"`
	Actor   lifecycle.Actor   `json:"actor"`
	Summary string            `json:"summary,omitempty"`
	Outcome lifecycle.Outcome `json:"outcome"` // moved, implied, recorded, refused (invalid: unreadable)
	From    lifecycle.State   `json:"from"`
	To      lifecycle.State   `json:"to"`
	Reason  string            `json:"reason,omitempty"`
}

// timelineOf gathers the milestones of an order at read time and replays
// them. Records are linked to the order by its number, as the tracking
// view links shipments.
//
// Times: the order exists from its order date (the start of that day, UTC:
// the buyer's ERP made it then) or from when the hub stored it, whichever
// is earlier, and its validation is placed with it (the findings are about
// that content), so a hold for review comes before anything done about the
// order. A response and a shipment carry only a date: they fall at the
// start of that day (UTC) or, without a date, when the hub stored them; on
// the day of the order's own milestones they fall no earlier than those
// (a supplier confirming on the day it got the order confirmed it after).
func (s *server) timelineOf(ctx context.Context, o *store.StoredOrder) (OrderTimeline, error) {
	number := o.Order.OrderNumber
	createdAt := o.CreatedAt
	if d := o.Order.OrderDate; !d.IsZero() && d.Time().Before(createdAt) {
		createdAt = d.Time()
	}
	created := lifecycle.Milestone{
		ID: "order:" + o.Order.Buyer.ID + ":" + number, Kind: lifecycle.KindOrderCreated, OccurredAt: createdAt,
		Actor:   lifecycle.Actor{PartyID: o.Order.Buyer.ID},
		Summary: orderSummary(&o.Order),
	}
	if o.Order.Source != nil {
		created.Source = *o.Order.Source
	}
	milestones := []lifecycle.Milestone{created}
	floor := createdAt // the time of the order's own milestones

	if s.cfg.Findings != nil {
		f, err := s.cfg.Findings.GetFindings(ctx, o.Order.Buyer.ID, number)
		switch {
		case err == nil && f.ContentHash == o.ContentHash:
			m := lifecycle.Milestone{Kind: lifecycle.KindValidationPassed, OccurredAt: createdAt,
				Summary: fmt.Sprintf("validation passed (%d warnings)", f.Warnings)}
			if f.Errors > 0 {
				m.Kind = lifecycle.KindValidationFailed
				m.Summary = fmt.Sprintf("validation found %d errors, %d warnings", f.Errors, f.Warnings)
			}
			milestones = append(milestones, m)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return OrderTimeline{}, err
		}
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

	if s.cfg.Timeline != nil {
		responses, err := s.cfg.Timeline.OrderResponses(ctx, number)
		if err != nil {
			return OrderTimeline{}, err
		}
		for _, r := range responses {
			m := lifecycle.FromOrderResponse(*r.Response, dated(r.Response.ResponseDate, r.CreatedAt))
			m.Summary = responseSummary(r.Response)
			milestones = append(milestones, m)
		}
		events, err := s.cfg.Timeline.OrderEvents(ctx, number)
		if err != nil {
			return OrderTimeline{}, err
		}
		for _, e := range events {
			if m, ok := lifecycle.FromOrderEvent(e.Event); ok {
				if m.Summary == "" {
					m.Summary = strings.ReplaceAll(string(e.Event.Type), "_", " ")
				}
				milestones = append(milestones, m)
			}
		}
	}

	if s.cfg.Tracking != nil {
		shipments, err := s.cfg.Tracking.ShipmentsOfOrder(ctx, number)
		if err != nil {
			return OrderTimeline{}, err
		}
		var numbers []string
		for _, st := range shipments {
			sh := st.Shipment
			m := lifecycle.Milestone{
				ID: "shipment:" + sh.Supplier.ID + ":" + sh.ShipmentID, Kind: lifecycle.KindShipmentCreated,
				OccurredAt: dated(sh.ShipDate, st.CreatedAt), Actor: lifecycle.Actor{PartyID: sh.Supplier.ID},
				Summary: shipmentSummary(sh),
			}
			if sh.Source != nil {
				m.Source = *sh.Source
			}
			milestones = append(milestones, m)
			for _, n := range sh.TrackingNumbers {
				if !slices.Contains(numbers, n) {
					numbers = append(numbers, n)
				}
			}
		}
		events, err := s.cfg.Tracking.TrackingEvents(ctx, numbers)
		if err != nil {
			return OrderTimeline{}, err
		}
		for _, e := range events {
			m := lifecycle.FromTrackingEvent(e.Event)
			if m.Summary == "" {
				m.Summary = e.Event.CarrierStatus
			}
			milestones = append(milestones, m)
		}
	}

	// Replay's error names the milestones it could not read; they are on
	// the timeline as invalid, with their reason.
	t, _ := lifecycle.Replay(milestones)
	out := OrderTimeline{State: t.State, Since: t.Since, Entries: make([]TimelineEntry, len(t.Entries))}
	for i, e := range t.Entries {
		m := e.Milestone
		out.Entries[i] = TimelineEntry{Kind: m.Kind, OccurredAt: m.OccurredAt, Tracking: m.Tracking, Source: m.Source,
			Actor: m.Actor, Summary: m.Summary, Outcome: e.Outcome, From: e.From, To: e.To, Reason: e.Reason}
	}
	return out, nil
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

func (s *server) getOrderTimeline(w http.ResponseWriter, r *http.Request) {
	number := chi.URLParam(r, "order_number")
	o, err := s.cfg.Orders.GetOrder(r.Context(), r.URL.Query().Get("buyer"), number)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	t, err := s.timelineOf(r.Context(), o)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
