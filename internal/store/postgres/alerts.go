package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// AddAlert keeps an alert once per alert id, open, and reports whether it
// was new: the same id again changes nothing (its status included). The
// alert is validated first (store.CheckAlert). Safe for concurrent use: of
// several callers adding the same alert, exactly one reports it new.
func (s *Store) AddAlert(ctx context.Context, a store.Alert) (bool, error) {
	data, err := store.CheckAlert(a)
	if err != nil {
		return false, fmt.Errorf("postgres: add alert: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO alerts (alert_id, kind, severity, partner, subject, message,
			suggested_action, occurred_at, data, order_number)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (alert_id) DO NOTHING`,
		a.ID, a.Kind, a.Severity, a.Partner, a.Subject, a.Message, a.SuggestedAction, a.OccurredAt, string(data), a.Data["order_number"])
	if err != nil {
		return false, fmt.Errorf("postgres: add alert %s: %w", a.ID, translate(err))
	}
	return tag.RowsAffected() == 1, nil
}

const alertColumns = `id, alert_id, kind, severity, partner, subject, message, suggested_action, occurred_at, data::text,
	order_number, status, status_changed_at, status_by, received_at`

func scanAlert(row pgx.Row) (store.Alert, int64, error) {
	var (
		a    store.Alert
		id   int64
		data string
	)
	if err := row.Scan(&id, &a.ID, &a.Kind, &a.Severity, &a.Partner, &a.Subject, &a.Message, &a.SuggestedAction, &a.OccurredAt, &data,
		&a.OrderNumber, &a.Status, &a.StatusChangedAt, &a.StatusBy, &a.ReceivedAt); err != nil {
		return a, 0, err
	}
	if err := json.Unmarshal([]byte(data), &a.Data); err != nil {
		return a, 0, fmt.Errorf("stored alert %s data: %w", a.ID, err)
	}
	if len(a.Data) == 0 {
		a.Data = nil
	}
	a.OccurredAt, a.StatusChangedAt, a.ReceivedAt = a.OccurredAt.UTC(), a.StatusChangedAt.UTC(), a.ReceivedAt.UTC()
	return a, id, nil
}

// GetAlert returns the alert of an alert id, or ErrNotFound.
func (s *Store) GetAlert(ctx context.Context, id string) (store.Alert, error) {
	a, _, err := scanAlert(s.pool.QueryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE alert_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Alert{}, fmt.Errorf("postgres: alert %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("postgres: alert %s: %w", id, translate(err))
	}
	return a, nil
}

// ListAlerts returns a page of the alerts that f selects, the latest
// received first, and the cursor of the next page ("" after the last).
func (s *Store) ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list alerts: %w", err)
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
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.Partner != "" {
		add("partner = $%d", f.Partner)
	}
	if f.OrderNumber != "" {
		add("order_number = $%d", f.OrderNumber)
	}
	if after > 0 {
		add("id < $%d", after)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list alerts: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: list alerts: %w", err)
		}
		out = append(out, a)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list alerts: %w", translate(err))
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
		return fmt.Errorf("postgres: set alert status: %w", store.CheckAlertTransition(id, store.AlertOpen, status))
	}
	tag, err := s.pool.Exec(ctx, `UPDATE alerts SET status = $2, status_by = $3, status_changed_at = now()
		WHERE alert_id = $1 AND status = ANY($4)`, id, status, by, from)
	if err != nil {
		return fmt.Errorf("postgres: set alert status: %w", translate(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var cur string
	err = s.pool.QueryRow(ctx, `SELECT status FROM alerts WHERE alert_id = $1`, id).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: alert %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: set alert status: %w", translate(err))
	}
	return fmt.Errorf("postgres: set alert status: %w", store.CheckAlertTransition(id, cur, status))
}
