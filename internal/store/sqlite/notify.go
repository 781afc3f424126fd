package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// RecordDelivery records one attempt at delivering an alert to a recipient
// through a channel (store.CheckDelivery validates it) and returns the
// delivery as stored: the first attempt makes it with one attempt, a later
// one counts up and takes the new status and error, unless the delivery is
// already sent or failed, which are final and stay as they are.
func (s *Store) RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error) {
	if err := store.CheckDelivery(d); err != nil {
		return store.Delivery{}, fmt.Errorf("sqlite: record delivery: %w", err)
	}
	ts := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO notification_deliveries
			(alert_id, channel, recipient, status, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (alert_id, channel, recipient) DO UPDATE SET
			status = excluded.status, last_error = excluded.last_error,
			attempts = notification_deliveries.attempts + 1, updated_at = excluded.updated_at
		WHERE notification_deliveries.status = 'pending'`,
		d.AlertID, d.Channel, d.Recipient, d.Status, d.LastError, ts, ts)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("sqlite: record delivery of alert %s via %s: %w", d.AlertID, d.Channel, translate(err))
	}
	got, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE alert_id = ? AND channel = ? AND recipient = ?`, d.AlertID, d.Channel, d.Recipient))
	if err != nil {
		return store.Delivery{}, fmt.Errorf("sqlite: record delivery of alert %s via %s: %w", d.AlertID, d.Channel, translate(err))
	}
	return got, nil
}

const deliveryColumns = `alert_id, channel, recipient, status, attempts, last_error, created_at, updated_at`

func scanDelivery(row interface{ Scan(...any) error }) (store.Delivery, error) {
	var (
		d                store.Delivery
		created, updated string
	)
	if err := row.Scan(&d.AlertID, &d.Channel, &d.Recipient, &d.Status, &d.Attempts, &d.LastError, &created, &updated); err != nil {
		return d, err
	}
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return d, err
	}
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return d, err
	}
	return d, nil
}

// Deliveries returns the recorded deliveries of an alert by channel and
// recipient; none (an empty slice) when nothing was recorded.
func (s *Store) Deliveries(ctx context.Context, alertID string) ([]store.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE alert_id = ? ORDER BY channel, recipient`, alertID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deliveries of alert %s: %w", alertID, translate(err))
	}
	defer rows.Close()
	out := []store.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: deliveries of alert %s: %w", alertID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: deliveries of alert %s: %w", alertID, translate(err))
	}
	return out, nil
}

// ListDeliveries returns a page of the deliveries that f selects, the
// latest first (by their first attempt), and the cursor of the next page
// ("" after the last).
func (s *Store) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.AlertID != "" {
		add("alert_id = ?", f.AlertID)
	}
	if f.Channel != "" {
		add("channel = ?", f.Channel)
	}
	if after > 0 {
		add("id < ?", after)
	}
	q := `SELECT id, ` + deliveryColumns + ` FROM notification_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list deliveries: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.Delivery
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var id int64
		d, err := scanDelivery(idScanner{rows, &id})
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list deliveries: %w", err)
		}
		out = append(out, d)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list deliveries: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// idScanner scans a leading id column into id, the rest as the caller asks.
type idScanner struct {
	row interface{ Scan(...any) error }
	id  *int64
}

func (s idScanner) Scan(dest ...any) error { return s.row.Scan(append([]any{s.id}, dest...)...) }

// AddNotification puts an alert into a party's inbox once (store.CheckNotification
// validates it) and reports whether it was new: the same (party, alert id)
// again changes nothing.
func (s *Store) AddNotification(ctx context.Context, n store.Notification) (bool, error) {
	if err := store.CheckNotification(n); err != nil {
		return false, fmt.Errorf("sqlite: add notification: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO notifications (party, alert_id, kind, severity, partner, subject,
			message, suggested_action, order_number, occurred_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (party, alert_id) DO NOTHING`,
		n.Party, n.AlertID, n.Kind, n.Severity, n.Partner, n.Subject, n.Message, n.SuggestedAction, n.OrderNumber,
		n.OccurredAt.UTC().Format(timeLayout), now())
	if err != nil {
		return false, fmt.Errorf("sqlite: add notification of alert %s for %s: %w", n.AlertID, n.Party, translate(err))
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: add notification of alert %s for %s: %w", n.AlertID, n.Party, err)
	}
	return k == 1, nil
}

const notificationColumns = `id, party, alert_id, kind, severity, partner, subject, message, suggested_action,
	order_number, occurred_at, created_at, read_at`

func scanNotification(row interface{ Scan(...any) error }) (store.Notification, error) {
	var (
		n                 store.Notification
		occurred, created string
		read              sql.NullString
	)
	if err := row.Scan(&n.ID, &n.Party, &n.AlertID, &n.Kind, &n.Severity, &n.Partner, &n.Subject, &n.Message,
		&n.SuggestedAction, &n.OrderNumber, &occurred, &created, &read); err != nil {
		return n, err
	}
	var err error
	if n.OccurredAt, err = parseTime(occurred); err != nil {
		return n, err
	}
	if n.CreatedAt, err = parseTime(created); err != nil {
		return n, err
	}
	if read.Valid {
		if n.ReadAt, err = parseTime(read.String); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ListNotifications returns a page of a party's notifications, the latest
// first, and the cursor of the next page ("" after the last). A filter
// without a party is ErrInvalid.
func (s *Store) ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, string, error) {
	if f.Party == "" {
		return nil, "", fmt.Errorf("sqlite: list notifications: %w: party is required", store.ErrInvalid)
	}
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list notifications: %w", err)
	}
	limit := page.Limit(f.Limit)
	q := `SELECT ` + notificationColumns + ` FROM notifications WHERE party = ?`
	args := []any{f.Party}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	if after > 0 {
		q += ` AND id < ?`
		args = append(args, after)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list notifications: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.Notification
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		n, err := scanNotification(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list notifications: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list notifications: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// MarkNotificationRead marks a notification of party read and returns it.
// Marking it again keeps the first time it was read. A notification that
// does not exist, or is another party's, is ErrNotFound.
func (s *Store) MarkNotificationRead(ctx context.Context, party string, id int64) (store.Notification, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = ?
		WHERE id = ? AND party = ? AND read_at IS NULL`, now(), id, party); err != nil {
		return store.Notification{}, fmt.Errorf("sqlite: mark notification %d read: %w", id, translate(err))
	}
	n, err := scanNotification(s.db.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE id = ? AND party = ?`, id, party))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Notification{}, fmt.Errorf("sqlite: notification %d of %s: %w", id, party, store.ErrNotFound)
	}
	if err != nil {
		return store.Notification{}, fmt.Errorf("sqlite: mark notification %d read: %w", id, translate(err))
	}
	return n, nil
}
