package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// --- alerts ---
//
// An alert (procurehub.alerts.v1) is kept once per alert id: the id is
// deterministic, so the same condition delivered again changes nothing. A
// kept alert has a lifecycle: open when first stored, then acknowledged by
// a person, then resolved; an open alert may be resolved at once. Nothing
// goes back. Lists are newest first by arrival (received), paged by the
// keyset cursor that ListOrders uses.

// Alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// Alert is an alert as the store keeps it.
type Alert struct {
	ID       string
	Kind     string
	Severity string
	Partner  string
	Subject  string
	Message  string
	// SuggestedAction says what a person should do about it.
	SuggestedAction string
	OccurredAt      time.Time
	Data            map[string]string
	// OrderNumber is Data["order_number"], "" without one; lists filter on it.
	OrderNumber string
	// Status is AlertOpen, AlertAcknowledged or AlertResolved; AddAlert
	// ignores it (a new alert is open).
	Status          string
	StatusChangedAt time.Time // when Status last changed; ReceivedAt while open
	StatusBy        string    // who changed it last; "" while open
	ReceivedAt      time.Time // when the store first took the alert
}

// AlertFilter selects alerts for ListAlerts. Empty fields match everything.
type AlertFilter struct {
	Status      string
	Kind        string
	Partner     string
	OrderNumber string
	Limit       int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor      string // opaque, the nextCursor of the previous page; "" for the first page
}

// CheckAlert validates an alert for AddAlert: it needs an id, a kind, a
// severity and the time it occurred. It returns the JSON of its data ("{}"
// without any), or an error wrapping ErrInvalid.
func CheckAlert(a Alert) ([]byte, error) {
	switch {
	case a.ID == "":
		return nil, fmt.Errorf("%w: alert: alert_id is required", ErrInvalid)
	case a.Kind == "":
		return nil, fmt.Errorf("%w: alert %s: kind is required", ErrInvalid, a.ID)
	case a.Severity == "":
		return nil, fmt.Errorf("%w: alert %s: severity is required", ErrInvalid, a.ID)
	case a.OccurredAt.IsZero():
		return nil, fmt.Errorf("%w: alert %s: occurred_at is required", ErrInvalid, a.ID)
	}
	data := a.Data
	if data == nil {
		data = map[string]string{}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("%w: alert %s: data: %v", ErrInvalid, a.ID, err)
	}
	return b, nil
}

// CheckAlertTransition says whether an alert may go from one status to
// another: open → acknowledged → resolved, or open → resolved. Any other
// move, and an unknown status, is an error wrapping ErrInvalid that says why.
func CheckAlertTransition(id, from, to string) error {
	switch to {
	case AlertAcknowledged:
		if from == AlertOpen {
			return nil
		}
	case AlertResolved:
		if from == AlertOpen || from == AlertAcknowledged {
			return nil
		}
	default:
		return fmt.Errorf("%w: alert %s: unknown status %q (want %s or %s)", ErrInvalid, id, to, AlertAcknowledged, AlertResolved)
	}
	return fmt.Errorf("%w: alert %s is %s and cannot become %s", ErrInvalid, id, from, to)
}

// AlertStatusesBefore returns the statuses from which an alert may become
// to (see CheckAlertTransition); none for an unknown status.
func AlertStatusesBefore(to string) []string {
	switch to {
	case AlertAcknowledged:
		return []string{AlertOpen}
	case AlertResolved:
		return []string{AlertOpen, AlertAcknowledged}
	}
	return nil
}
