package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

const ledgerColumns = `id, partner, connector, source, name, sha256, size, status,
	records, rejects, receipt, created_at, updated_at`

// LedgerClaim records that a source is taking the input e (Partner, SHA256,
// and Connector, Source, Name, Size as known). If no entry of (partner,
// sha256) exists it inserts one with status store.LedgerProcessing and
// returns it with true. Otherwise it returns the existing entry, untouched,
// with false: the input was taken before (or is being taken by someone
// else). Concurrent claims of the same input: exactly one gets true.
func (s *Store) LedgerClaim(ctx context.Context, e store.LedgerEntry) (store.LedgerEntry, bool, error) {
	if e.SHA256 == "" {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim: %w: sha256 is required", store.ErrInvalid)
	}
	ts := now()
	row := s.db.QueryRowContext(ctx, `
		INSERT INTO file_ledger (partner, connector, source, name, sha256, size, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner, sha256) DO NOTHING
		RETURNING `+ledgerColumns,
		e.Partner, e.Connector, e.Source, e.Name, e.SHA256, e.Size, store.LedgerProcessing, ts, ts)
	claimed, err := scanLedger(row)
	if err == nil {
		return *claimed, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, translate(err))
	}
	existing, err := s.LedgerGet(ctx, e.Partner, e.SHA256)
	if err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, err)
	}
	return *existing, false, nil
}

// LedgerFinish sets the outcome of a claimed input: its status, record and
// reject counts, and the receipt (JSON, may be nil). An unknown id is
// store.ErrNotFound; an empty status or a receipt that is not JSON is
// store.ErrInvalid.
func (s *Store) LedgerFinish(ctx context.Context, id int64, status string, records, rejects int, receipt json.RawMessage) error {
	if err := store.CheckLedgerFinish(status, receipt); err != nil {
		return fmt.Errorf("sqlite: ledger finish %d: %w", id, err)
	}
	var r any // NULL without a receipt
	if len(receipt) > 0 {
		r = string(receipt)
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE file_ledger
		SET status = ?, records = ?, rejects = ?, receipt = ?, updated_at = ?
		WHERE id = ?`,
		status, records, rejects, r, now(), id)
	if err != nil {
		return fmt.Errorf("sqlite: ledger finish %d: %w", id, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: ledger finish %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: ledger entry %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// LedgerGet returns the entry of (partner, sha256), or store.ErrNotFound.
func (s *Store) LedgerGet(ctx context.Context, partner, sha256 string) (*store.LedgerEntry, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
		WHERE partner = ? AND sha256 = ?`, partner, sha256)
	e, err := scanLedger(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: ledger entry of partner %q, sha256 %s: %w", partner, sha256, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: ledger get: %w", translate(err))
	}
	return e, nil
}

// ListLedger returns up to limit entries (store.DefaultLimit when 0 or
// less, at most store.MaxLimit), newest first, of one partner or, with
// partner "", of all partners.
func (s *Store) ListLedger(ctx context.Context, partner string, limit int) ([]store.LedgerEntry, error) {
	limit = page.Limit(limit)
	var rows *sql.Rows
	var err error
	if partner == "" {
		rows, err = s.db.QueryContext(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
			ORDER BY id DESC LIMIT ?`, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
			WHERE partner = ? ORDER BY id DESC LIMIT ?`, partner, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list ledger: %w", translate(err))
	}
	defer rows.Close()
	var entries []store.LedgerEntry
	for rows.Next() {
		e, err := scanLedger(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list ledger: %w", err)
		}
		entries = append(entries, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list ledger: %w", translate(err))
	}
	return entries, nil
}

// scanLedger reads one row of ledgerColumns.
func scanLedger(row scanner) (*store.LedgerEntry, error) {
	var (
		e                store.LedgerEntry
		receipt          sql.NullString
		created, updated string
	)
	err := row.Scan(&e.ID, &e.Partner, &e.Connector, &e.Source, &e.Name, &e.SHA256, &e.Size,
		&e.Status, &e.Records, &e.Rejects, &receipt, &created, &updated)
	if err != nil {
		return nil, err
	}
	if receipt.Valid {
		e.Receipt = json.RawMessage(receipt.String)
	}
	if e.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("ledger entry %d: %w", e.ID, err)
	}
	if e.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("ledger entry %d: %w", e.ID, err)
	}
	return &e, nil
}
