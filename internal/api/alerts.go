package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// AlertStore is what the API lists alerts from and moves them through
// their lifecycle with.
type AlertStore interface {
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error)
	GetAlert(ctx context.Context, id string) (store.Alert, error)
	SetAlertStatus(ctx context.Context, id, status, by string) error
}

// Alert is an alert as the API shows it: the alert of procurehub.alerts.v1
// with its lifecycle.
type Alert struct {
	ID       string `json:"alert_id"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Partner  string `json:"partner,omitempty"`
	Subject  string `json:"subject"`
	Message  string `json:"message"`
	// SuggestedAction says what a person should do about it.
	SuggestedAction string            `json:"suggested_action,omitempty"`
	OccurredAt      time.Time         `json:"occurred_at"`
	Data            map[string]string `json:"data,omitempty"`
	OrderNumber     string            `json:"order_number,omitempty"`
	// Status is open, acknowledged or resolved.
	Status          string    `json:"status"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	StatusBy        string    `json:"status_by,omitempty"`
	ReceivedAt      time.Time `json:"received_at"`
}

func fromStoredAlert(a store.Alert) Alert {
	return Alert{ID: a.ID, Kind: a.Kind, Severity: a.Severity, Partner: a.Partner, Subject: a.Subject,
		Message: a.Message, SuggestedAction: a.SuggestedAction, OccurredAt: a.OccurredAt, Data: a.Data, OrderNumber: a.OrderNumber, Status: a.Status,
		StatusChangedAt: a.StatusChangedAt, StatusBy: a.StatusBy, ReceivedAt: a.ReceivedAt}
}

// AlertList is the body of GET /api/v1/alerts.
type AlertList struct {
	Alerts     []Alert `json:"alerts"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// StatusChange is the optional body of POST /alerts/{alert_id}/acknowledge
// and /resolve: who made the change. Until authentication lands it is
// what the caller says, "api" when it says nothing.
type StatusChange struct {
	By string `json:"by"`
}

func (s *server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AlertFilter{
		Status:      q.Get("status"),
		Kind:        q.Get("kind"),
		Partner:     q.Get("partner"),
		OrderNumber: q.Get("order_number"),
		Cursor:      q.Get("cursor"),
	}
	if f.Status != "" && !slices.Contains([]string{store.AlertOpen, store.AlertAcknowledged, store.AlertResolved}, f.Status) {
		writeError(w, http.StatusBadRequest, "bad_status", "status must be open, acknowledged or resolved")
		return
	}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	p, limited := limitedTo(r)
	if !limited {
		alerts, next, err := s.cfg.Alerts.ListAlerts(r.Context(), f)
		if !s.listed(w, r, err) {
			return
		}
		out := AlertList{Alerts: make([]Alert, 0, len(alerts)), NextCursor: next}
		for _, a := range alerts {
			out.Alerts = append(out.Alerts, fromStoredAlert(a))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	// A party sees the alerts of its orders only. The store's pages are
	// narrowed and read on, each asking for what is still missing, until
	// the page is full or the alerts run out: a page never holds more than
	// the limit, and next_cursor resumes right after the last alert read.
	// maxAlertReads bounds the reads of one request; a page may then be
	// short, and next_cursor still goes on.
	want := f.Limit
	if want <= 0 {
		want = store.DefaultLimit
	}
	out := AlertList{Alerts: []Alert{}}
	for range maxAlertReads {
		f.Limit = want - len(out.Alerts)
		alerts, next, err := s.cfg.Alerts.ListAlerts(r.Context(), f)
		if !s.listed(w, r, err) {
			return
		}
		for _, a := range alerts {
			ok, err := s.alertVisible(r.Context(), p, a)
			if err != nil {
				s.internal(w, r, err)
				return
			}
			if ok {
				out.Alerts = append(out.Alerts, fromStoredAlert(a))
			}
		}
		out.NextCursor, f.Cursor = next, next
		if next == "" || len(out.Alerts) >= want {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// maxAlertReads is how many store pages one party's alert page reads at most.
const maxAlertReads = 10

// setAlertStatus answers POST /alerts/{alert_id}/acknowledge and /resolve:
// 200 with the alert, 404 for an unknown alert, 409 for a move its
// lifecycle does not allow (resolving twice, acknowledging a resolved alert).
func (s *server) setAlertStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "alert_id")
		var body StatusChange
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, "bad_body", "the body must be empty or {\"by\": \"...\"}")
			return
		}
		if body.By == "" {
			body.By = "api"
		}
		if p, ok := auth.FromContext(r.Context()); ok && p.UserID != "" {
			body.By = p.UserID // an authenticated caller is who it is, not who it says
		}
		before, err := s.cfg.Alerts.GetAlert(r.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
		err = s.cfg.Alerts.SetAlertStatus(r.Context(), id, status, body.By)
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "alert_not_found", "no alert "+strconv.Quote(id))
			return
		case errors.Is(err, store.ErrInvalid):
			msg := "alert " + strconv.Quote(id) + " cannot become " + status
			if a, err := s.cfg.Alerts.GetAlert(r.Context(), id); err == nil {
				msg = "alert " + strconv.Quote(id) + " is " + a.Status + " and cannot become " + status
			}
			writeError(w, http.StatusConflict, "alert_transition", msg)
			return
		case err != nil:
			s.internal(w, r, err)
			return
		}
		a, err := s.cfg.Alerts.GetAlert(r.Context(), id)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		audit(r, id, map[string]string{"status": before.Status}, map[string]string{"status": a.Status, "by": a.StatusBy})
		writeJSON(w, http.StatusOK, fromStoredAlert(a))
	}
}
