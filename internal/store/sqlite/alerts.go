package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// AddAlert keeps an alert once per alert id, open, and reports whether it
// was new: the same id again changes nothing (its status included). The
// alert is validated first (store.CheckAlert).
func (s *Store) AddAlert(ctx context.Context, a store.Alert) (bool, error) {
	data, err := store.CheckAlert(a)
	if err != nil {
		return false, fmt.Errorf("sqlite: add alert: %w", err)
	}
	ts := now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO alerts (alert_id, kind, severity, partner, subject, message,
			suggested_action, occurred_at, data, order_number, status_changed_at, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (alert_id) DO NOTHING`,
		a.ID, a.Kind, a.Severity, a.Partner, a.Subject, a.Message, a.SuggestedAction, a.OccurredAt.UTC().Format(timeLayout),
		string(data), a.Data["order_number"], ts, ts)
	if err != nil {
		return false, fmt.Errorf("sqlite: add alert %s: %w", a.ID, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: add alert %s: %w", a.ID, err)
	}
	return n == 1, nil
}

const alertColumns = `id, alert_id, kind, severity, partner, subject, message, suggested_action, occurred_at, data,
	order_number, status, status_changed_at, status_by, received_at`

func scanAlert(row interface{ Scan(...any) error }) (store.Alert, int64, error) {
	var (
		a                           store.Alert
		id                          int64
		data, occurred, changed, rx string
	)
	if err := row.Scan(&id, &a.ID, &a.Kind, &a.Severity, &a.Partner, &a.Subject, &a.Message, &a.SuggestedAction, &occurred, &data,
		&a.OrderNumber, &a.Status, &changed, &a.StatusBy, &rx); err != nil {
		return a, 0, err
	}
	if err := json.Unmarshal([]byte(data), &a.Data); err != nil {
		return a, 0, fmt.Errorf("stored alert %s data: %w", a.ID, err)
	}
	if len(a.Data) == 0 {
		a.Data = nil
	}
	var err error
	if a.OccurredAt, err = parseTime(occurred); err != nil {
		return a, 0, err
	}
	if a.StatusChangedAt, err = parseTime(changed); err != nil {
		return a, 0, err
	}
	if a.ReceivedAt, err = parseTime(rx); err != nil {
		return a, 0, err
	}
	return a, id, nil
}

// GetAlert returns the alert of an alert id, or ErrNotFound.
func (s *Store) GetAlert(ctx context.Context, id string) (store.Alert, error) {
	a, _, err := scanAlert(s.db.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE alert_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Alert{}, fmt.Errorf("sqlite: alert %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("sqlite: alert %s: %w", id, translate(err))
	}
	return a, nil
}

// ListAlerts returns a page of the alerts that f selects, the latest
// received first, and the cursor of the next page ("" after the last).
func (s *Store) ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list alerts: %w", err)
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
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Partner != "" {
		add("partner = ?", f.Partner)
	}
	if f.OrderNumber != "" {
		add("order_number = ?", f.OrderNumber)
	}
	if after > 0 {
		add("id < ?", after)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list alerts: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.Alert
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		a, id, err := scanAlert(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list alerts: %w", err)
		}
		out = append(out, a)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list alerts: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// SetAlertStatus moves an alert to status (acknowledged or resolved), noting
// when and by whom. An unknown id is ErrNotFound; a move that
// store.CheckAlertTransition refuses is ErrInvalid with the reason. The move
// is one conditional update, so of two concurrent moves only one applies.
func (s *Store) SetAlertStatus(ctx context.Context, id, status, by string) error {
	from := store.AlertStatusesBefore(status)
	if from == nil {
		return fmt.Errorf("sqlite: set alert status: %w", store.CheckAlertTransition(id, store.AlertOpen, status))
	}
	args := []any{status, by, now(), id}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE alerts SET status = ?, status_by = ?, status_changed_at = ?
		WHERE alert_id = ? AND status IN (?`+strings.Repeat(", ?", len(from)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: set alert status: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: set alert status: %w", err)
	} else if n == 1 {
		return nil
	}
	var cur string
	err = s.db.QueryRowContext(ctx, `SELECT status FROM alerts WHERE alert_id = ?`, id).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: alert %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: set alert status: %w", translate(err))
	}
	return fmt.Errorf("sqlite: set alert status: %w", store.CheckAlertTransition(id, cur, status))
}
