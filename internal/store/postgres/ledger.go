package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim: %w: sha256 is required", store.ErrInvalid)
	}
	row := s.pool.QueryRow(ctx, `
		INSERT INTO file_ledger (partner, connector, source, name, sha256, size, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (partner, sha256) DO NOTHING
		RETURNING `+ledgerColumns,
		e.Partner, e.Connector, e.Source, e.Name, e.SHA256, e.Size, store.LedgerProcessing)
	claimed, err := scanLedger(row)
	if err == nil {
		return *claimed, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, translate(err))
	}
	// The conflict means the entry exists and is committed: ON CONFLICT waits
	// for a concurrent inserter to finish before it decides.
	existing, err := s.LedgerGet(ctx, e.Partner, e.SHA256)
	if err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, err)
	}
	return *existing, false, nil
}

// LedgerFinish sets the outcome of a claimed input: its status, record and
// reject counts, and the receipt (JSON, may be nil). An unknown id is
// store.ErrNotFound; an empty status or a receipt that is not JSON is
// store.ErrInvalid.
func (s *Store) LedgerFinish(ctx context.Context, id int64, status string, records, rejects int, receipt json.RawMessage) error {
	if err := store.CheckLedgerFinish(status, receipt); err != nil {
		return fmt.Errorf("postgres: ledger finish %d: %w", id, err)
	}
	var r any // NULL without a receipt
	if len(receipt) > 0 {
		r = []byte(receipt)
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE file_ledger
		SET status = $2, records = $3, rejects = $4, receipt = $5, updated_at = now()
		WHERE id = $1`,
		id, status, records, rejects, r)
	if err != nil {
		return fmt.Errorf("postgres: ledger finish %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: ledger entry %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// LedgerGet returns the entry of (partner, sha256), or store.ErrNotFound.
func (s *Store) LedgerGet(ctx context.Context, partner, sha256 string) (*store.LedgerEntry, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
		WHERE partner = $1 AND sha256 = $2`, partner, sha256)
	e, err := scanLedger(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: ledger entry of partner %q, sha256 %s: %w", partner, sha256, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: ledger get: %w", translate(err))
	}
	return e, nil
}

// ListLedger returns up to limit entries (store.DefaultLimit when 0 or
// less, at most store.MaxLimit), newest first, of one partner or, with
// partner "", of all partners.
func (s *Store) ListLedger(ctx context.Context, partner string, limit int) ([]store.LedgerEntry, error) {
	limit = page.Limit(limit)
	var rows pgx.Rows
	var err error
	if partner == "" {
		rows, err = s.pool.Query(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
			ORDER BY id DESC LIMIT $1`, limit)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT `+ledgerColumns+` FROM file_ledger
			WHERE partner = $1 ORDER BY id DESC LIMIT $2`, partner, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: list ledger: %w", translate(err))
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.LedgerEntry, error) {
		e, err := scanLedger(r)
		if err != nil {
			return store.LedgerEntry{}, err
		}
		return *e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list ledger: %w", translate(err))
	}
	return entries, nil
}

// scanLedger reads one row of ledgerColumns.
func scanLedger(row pgx.Row) (*store.LedgerEntry, error) {
	var e store.LedgerEntry
	var receipt []byte
	err := row.Scan(&e.ID, &e.Partner, &e.Connector, &e.Source, &e.Name, &e.SHA256, &e.Size,
		&e.Status, &e.Records, &e.Rejects, &receipt, &e.CreatedAt, &e.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if receipt != nil {
		e.Receipt = json.RawMessage(receipt)
	}
	return &e, nil
}
