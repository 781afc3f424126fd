package store

import (
	"fmt"
	"time"
)

// --- notifications ---
//
// A notification goes out once per (alert id, channel, recipient): the
// notifier (internal/notify) records every attempt at a delivery, and a
// redelivered alert sends only what is not yet recorded as sent or failed.
// A delivery is pending after an attempt that may succeed when tried again,
// sent once it went out, and failed when the notifier gave up on it (a
// permanent refusal, or too many attempts): the dead letters of
// notifications. Sent and failed are final: a later record changes nothing.
//
// An in-app notification is kept in a party's inbox, once per (party, alert
// id), listed newest first (by arrival) with the keyset cursor of
// ListOrders, and marked read once: marking it again keeps the first time.

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Delivery is the state of one notification of one alert to one recipient
// through one channel.
type Delivery struct {
	AlertID string
	// Channel is the name of the channel in the notification config.
	Channel string
	// Recipient is who the channel delivers to: an email address, a party
	// id, a webhook's scheme://host (never its path, which may hold a token).
	Recipient string
	// Status is DeliveryPending, DeliverySent or DeliveryFailed.
	Status string
	// Attempts counts the recorded attempts; RecordDelivery ignores it.
	Attempts int
	// LastError is why the last attempt failed; "" when sent.
	LastError string
	CreatedAt time.Time // the first attempt
	UpdatedAt time.Time // the last attempt
}

// DeliveryFilter selects deliveries for ListDeliveries. Empty fields match
// everything; Status DeliveryFailed lists the dead letters.
type DeliveryFilter struct {
	Status  string
	AlertID string
	Channel string
	Limit   int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor  string // opaque, the nextCursor of the previous page; "" for the first page
}

// CheckDelivery validates a delivery for RecordDelivery: it needs an alert
// id, a channel, a recipient and a known status. An error wraps ErrInvalid.
func CheckDelivery(d Delivery) error {
	switch {
	case d.AlertID == "":
		return fmt.Errorf("%w: delivery: alert_id is required", ErrInvalid)
	case d.Channel == "":
		return fmt.Errorf("%w: delivery of alert %s: channel is required", ErrInvalid, d.AlertID)
	case d.Recipient == "":
		return fmt.Errorf("%w: delivery of alert %s via %s: recipient is required", ErrInvalid, d.AlertID, d.Channel)
	}
	switch d.Status {
	case DeliveryPending, DeliverySent, DeliveryFailed:
		return nil
	}
	return fmt.Errorf("%w: delivery of alert %s via %s: unknown status %q (want %s, %s or %s)",
		ErrInvalid, d.AlertID, d.Channel, d.Status, DeliveryPending, DeliverySent, DeliveryFailed)
}

// Notification is an in-app notification: an alert in a party's inbox.
type Notification struct {
	ID              int64 // given by the store
	Party           string
	AlertID         string
	Kind            string
	Severity        string
	Partner         string
	Subject         string
	Message         string
	SuggestedAction string
	OrderNumber     string
	OccurredAt      time.Time
	CreatedAt       time.Time // when the store took it
	ReadAt          time.Time // zero while unread
}

// NotificationFilter selects a party's notifications for ListNotifications.
type NotificationFilter struct {
	Party  string // required
	Unread bool   // only those not read yet
	Limit  int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor string // opaque, the nextCursor of the previous page; "" for the first page
}

// CheckNotification validates a notification for AddNotification: it needs
// a party, an alert id, a kind, a severity and the time the alert occurred.
// An error wraps ErrInvalid.
func CheckNotification(n Notification) error {
	switch {
	case n.Party == "":
		return fmt.Errorf("%w: notification of alert %s: party is required", ErrInvalid, n.AlertID)
	case n.AlertID == "":
		return fmt.Errorf("%w: notification for %s: alert_id is required", ErrInvalid, n.Party)
	case n.Kind == "":
		return fmt.Errorf("%w: notification of alert %s: kind is required", ErrInvalid, n.AlertID)
	case n.Severity == "":
		return fmt.Errorf("%w: notification of alert %s: severity is required", ErrInvalid, n.AlertID)
	case n.OccurredAt.IsZero():
		return fmt.Errorf("%w: notification of alert %s: occurred_at is required", ErrInvalid, n.AlertID)
	}
	return nil
}
