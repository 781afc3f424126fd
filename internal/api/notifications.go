package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/internal/store"
)

// NotificationStore is what the API reads a party's in-app notifications
// (internal/notify's in_app channels) from and marks them read with, and
// where it finds how each notification went out.
type NotificationStore interface {
	ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, string, error)
	MarkNotificationRead(ctx context.Context, party string, id int64) (store.Notification, error)
	ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, string, error)
}

// Notification is an alert in a party's inbox as the API shows it.
type Notification struct {
	ID              int64      `json:"notification_id"`
	Party           string     `json:"party"`
	AlertID         string     `json:"alert_id"`
	Kind            string     `json:"kind"`
	Severity        string     `json:"severity"`
	Partner         string     `json:"partner,omitempty"`
	Subject         string     `json:"subject"`
	Message         string     `json:"message"`
	SuggestedAction string     `json:"suggested_action,omitempty"`
	OrderNumber     string     `json:"order_number,omitempty"`
	OccurredAt      time.Time  `json:"occurred_at"`
	CreatedAt       time.Time  `json:"created_at"`
	Read            bool       `json:"read"`
	ReadAt          *time.Time `json:"read_at,omitempty"`
}

func fromStoredNotification(n store.Notification) Notification {
	out := Notification{ID: n.ID, Party: n.Party, AlertID: n.AlertID, Kind: n.Kind, Severity: n.Severity,
		Partner: n.Partner, Subject: n.Subject, Message: n.Message, SuggestedAction: n.SuggestedAction,
		OrderNumber: n.OrderNumber, OccurredAt: n.OccurredAt, CreatedAt: n.CreatedAt}
	if !n.ReadAt.IsZero() {
		at := n.ReadAt
		out.Read, out.ReadAt = true, &at
	}
	return out
}

// NotificationList is the body of GET /api/v1/notifications.
type NotificationList struct {
	Notifications []Notification `json:"notifications"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

// party reads the required ?party= of the notification endpoints. Until
// authentication lands it is what the caller says; then it will be the
// caller's own party. ok is false once it answered 400.
func party(w http.ResponseWriter, r *http.Request) (string, bool) {
	p := r.URL.Query().Get("party")
	if p == "" {
		writeError(w, http.StatusBadRequest, "missing_party", "party is required: whose notifications (?party=...)")
		return "", false
	}
	return p, true
}

// listNotifications answers GET /notifications?party=P: the party's inbox,
// newest first, paged like /alerts (limit, cursor); unread=true for those
// not read yet.
func (s *server) listNotifications(w http.ResponseWriter, r *http.Request) {
	p, ok := party(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.NotificationFilter{Party: p, Cursor: q.Get("cursor")}
	switch q.Get("unread") {
	case "", "false":
	case "true":
		f.Unread = true
	default:
		writeError(w, http.StatusBadRequest, "bad_unread", "unread must be true or false")
		return
	}
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	ns, next, err := s.cfg.Notifications.ListNotifications(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := NotificationList{Notifications: make([]Notification, 0, len(ns)), NextCursor: next}
	for _, n := range ns {
		out.Notifications = append(out.Notifications, fromStoredNotification(n))
	}
	writeJSON(w, http.StatusOK, out)
}

// markNotificationRead answers POST /notifications/{id}/read?party=P: 200
// with the notification (read again: the first read time stays), 404 for a
// notification that is not the party's.
func (s *server) markNotificationRead(w http.ResponseWriter, r *http.Request) {
	p, ok := party(w, r)
	if !ok {
		return
	}
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err == nil && id > 0 {
		var n store.Notification
		n, err = s.cfg.Notifications.MarkNotificationRead(r.Context(), p, id)
		if err == nil {
			writeJSON(w, http.StatusOK, fromStoredNotification(n))
			return
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
	}
	writeError(w, http.StatusNotFound, "notification_not_found", "no notification "+strconv.Quote(raw)+" for "+strconv.Quote(p))
}

// Delivery is one alert to one recipient through one channel, as the API
// shows it: status pending (to be tried again), sent or failed (given up).
type Delivery struct {
	AlertID        string    `json:"alert_id"`
	Channel        string    `json:"channel"`
	Recipient      string    `json:"recipient"`
	Status         string    `json:"status"`
	Attempts       int       `json:"attempts"`
	LastError      string    `json:"last_error,omitempty"`
	FirstAttemptAt time.Time `json:"first_attempt_at"`
	LastAttemptAt  time.Time `json:"last_attempt_at"`
}

// DeliveryList is the body of GET /api/v1/notifications/deliveries.
type DeliveryList struct {
	Deliveries []Delivery `json:"deliveries"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// listDeliveries answers GET /notifications/deliveries: how notifications
// went out, newest first, by status (status=failed: the dead letters),
// alert_id and channel, paged like /alerts.
func (s *server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.DeliveryFilter{Status: q.Get("status"), AlertID: q.Get("alert_id"), Channel: q.Get("channel"), Cursor: q.Get("cursor")}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliverySent, store.DeliveryFailed:
	default:
		writeError(w, http.StatusBadRequest, "bad_status", "status must be pending, sent or failed")
		return
	}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	ds, next, err := s.cfg.Notifications.ListDeliveries(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := DeliveryList{Deliveries: make([]Delivery, 0, len(ds)), NextCursor: next}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, Delivery{AlertID: d.AlertID, Channel: d.Channel, Recipient: d.Recipient,
			Status: d.Status, Attempts: d.Attempts, LastError: d.LastError, FirstAttemptAt: d.CreatedAt, LastAttemptAt: d.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}
