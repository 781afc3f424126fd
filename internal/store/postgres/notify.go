package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// RecordDelivery records one attempt at delivering an alert to a recipient
// through a channel (store.CheckDelivery validates it) and returns the
// delivery as stored: the first attempt makes it with one attempt, a later
// one counts up and takes the new status and error, unless the delivery is
// already sent or failed, which are final and stay as they are. Concurrent
// records of one delivery each count once.
func (s *Store) RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error) {
	if err := store.CheckDelivery(d); err != nil {
		return store.Delivery{}, fmt.Errorf("postgres: record delivery: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO notification_deliveries (alert_id, channel, recipient, status, last_error)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT ON CONSTRAINT notification_deliveries_key DO UPDATE SET
			status = excluded.status, last_error = excluded.last_error,
			attempts = notification_deliveries.attempts + 1, updated_at = now()
		WHERE notification_deliveries.status = 'pending'`,
		d.AlertID, d.Channel, d.Recipient, d.Status, d.LastError)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("postgres: record delivery of alert %s via %s: %w", d.AlertID, d.Channel, translate(err))
	}
	got, err := scanDelivery(s.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE alert_id = $1 AND channel = $2 AND recipient = $3`, d.AlertID, d.Channel, d.Recipient))
	if err != nil {
		return store.Delivery{}, fmt.Errorf("postgres: record delivery of alert %s via %s: %w", d.AlertID, d.Channel, translate(err))
	}
	return got, nil
}

const deliveryColumns = `alert_id, channel, recipient, status, attempts, last_error, created_at, updated_at`

func scanDelivery(row pgx.Row) (store.Delivery, error) {
	var d store.Delivery
	if err := row.Scan(&d.AlertID, &d.Channel, &d.Recipient, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return d, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// Deliveries returns the recorded deliveries of an alert by channel and
// recipient; none (an empty slice) when nothing was recorded.
func (s *Store) Deliveries(ctx context.Context, alertID string) ([]store.Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE alert_id = $1 ORDER BY channel COLLATE "C", recipient COLLATE "C"`, alertID)
	if err != nil {
		return nil, fmt.Errorf("postgres: deliveries of alert %s: %w", alertID, translate(err))
	}
	defer rows.Close()
	out := []store.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: deliveries of alert %s: %w", alertID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: deliveries of alert %s: %w", alertID, translate(err))
	}
	return out, nil
}

// ListDeliveries returns a page of the deliveries that f selects, the
// latest first (by their first attempt), and the cursor of the next page
// ("" after the last).
func (s *Store) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list deliveries: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.AlertID != "" {
		add("alert_id = $%d", f.AlertID)
	}
	if f.Channel != "" {
		add("channel = $%d", f.Channel)
	}
	if after > 0 {
		add("id < $%d", after)
	}
	q := `SELECT id, ` + deliveryColumns + ` FROM notification_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list deliveries: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: list deliveries: %w", err)
		}
		out = append(out, d)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list deliveries: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// idScanner scans a leading id column into id, the rest as the caller asks.
type idScanner struct {
	row pgx.Row
	id  *int64
}

func (s idScanner) Scan(dest ...any) error { return s.row.Scan(append([]any{s.id}, dest...)...) }

// AddNotification puts an alert into a party's inbox once (store.CheckNotification
// validates it) and reports whether it was new: the same (party, alert id)
// again changes nothing. Of concurrent adds of one, exactly one is new.
func (s *Store) AddNotification(ctx context.Context, n store.Notification) (bool, error) {
	if err := store.CheckNotification(n); err != nil {
		return false, fmt.Errorf("postgres: add notification: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO notifications (party, alert_id, kind, severity, partner, subject,
			message, suggested_action, order_number, occurred_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT ON CONSTRAINT notifications_key DO NOTHING`,
		n.Party, n.AlertID, n.Kind, n.Severity, n.Partner, n.Subject, n.Message, n.SuggestedAction, n.OrderNumber, n.OccurredAt)
	if err != nil {
		return false, fmt.Errorf("postgres: add notification of alert %s for %s: %w", n.AlertID, n.Party, translate(err))
	}
	return tag.RowsAffected() == 1, nil
}

const notificationColumns = `id, party, alert_id, kind, severity, partner, subject, message, suggested_action,
	order_number, occurred_at, created_at, read_at`

func scanNotification(row pgx.Row) (store.Notification, error) {
	var (
		n    store.Notification
		read *time.Time
	)
	if err := row.Scan(&n.ID, &n.Party, &n.AlertID, &n.Kind, &n.Severity, &n.Partner, &n.Subject, &n.Message,
		&n.SuggestedAction, &n.OrderNumber, &n.OccurredAt, &n.CreatedAt, &read); err != nil {
		return n, err
	}
	n.OccurredAt, n.CreatedAt = n.OccurredAt.UTC(), n.CreatedAt.UTC()
	if read != nil {
		n.ReadAt = read.UTC()
	}
	return n, nil
}

// ListNotifications returns a page of a party's notifications, the latest
// first, and the cursor of the next page ("" after the last). A filter
// without a party is ErrInvalid.
func (s *Store) ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, string, error) {
	if f.Party == "" {
		return nil, "", fmt.Errorf("postgres: list notifications: %w: party is required", store.ErrInvalid)
	}
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list notifications: %w", err)
	}
	limit := page.Limit(f.Limit)
	q := `SELECT ` + notificationColumns + ` FROM notifications WHERE party = $1`
	args := []any{f.Party}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	if after > 0 {
		args = append(args, after)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list notifications: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: list notifications: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list notifications: %w", translate(err))
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
	n, err := scanNotification(s.pool.QueryRow(ctx, `UPDATE notifications SET read_at = coalesce(read_at, now())
		WHERE id = $1 AND party = $2 RETURNING `+notificationColumns, id, party))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Notification{}, fmt.Errorf("postgres: notification %d of %s: %w", id, party, store.ErrNotFound)
	}
	if err != nil {
		return store.Notification{}, fmt.Errorf("postgres: mark notification %d read: %w", id, translate(err))
	}
	return n, nil
}
