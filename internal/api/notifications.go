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
// (internal/notify's in_app channels) from and marks them read with.
type NotificationStore interface {
	ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, string, error)
	MarkNotificationRead(ctx context.Context, party string, id int64) (store.Notification, error)
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
