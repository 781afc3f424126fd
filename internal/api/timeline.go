package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
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

// timelineOf reads the records of an order and replays their milestones
// (lifecycle.Records.Milestones places them in time). Records are linked
// to the order by its number, as the tracking view links shipments.
func (s *server) timelineOf(ctx context.Context, o *store.StoredOrder) (OrderTimeline, error) {
	rr := pipelines.RecordReaders{}
	if s.cfg.Findings != nil {
		rr.Findings = s.cfg.Findings
	}
	if s.cfg.Timeline != nil {
		rr.Responses = s.cfg.Timeline
	}
	if s.cfg.Tracking != nil {
		rr.Shipments = s.cfg.Tracking
	}
	rec, err := rr.ReadRecords(ctx, o)
	if err != nil {
		return OrderTimeline{}, err
	}
	milestones := rec.Milestones()

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
