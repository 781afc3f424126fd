package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

const ledgerColumns = `id, partner, connector, source, name, sha256, size, status,
	records, rejects, receipt, created_at, updated_at, lease_owner, lease_until, settled_at, mapping_version`

// LedgerClaim records that a source is taking the input e and leases it
// to lease.Owner for lease.TTL, as the PostgreSQL store does: a new entry
// is returned with true; an existing one whose lease is free, ran out or is
// lease.Owner's own is returned with false and the lease taken; one leased
// by another instance is an error wrapping store.ErrLeased. SQLite has one
// writer at a time, so the statements below cannot interleave badly.
func (s *Store) LedgerClaim(ctx context.Context, e store.LedgerEntry, lease store.Lease) (store.LedgerEntry, bool, error) {
	if e.SHA256 == "" {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim: %w: sha256 is required", store.ErrInvalid)
	}
	if err := store.CheckLease(lease); err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, err)
	}
	t := time.Now().UTC()
	ts, until := t.Format(timeLayout), t.Add(lease.TTL).Format(timeLayout)
	row := s.db.QueryRowContext(ctx, `
		INSERT INTO file_ledger (partner, connector, source, name, sha256, size, status, created_at, updated_at, lease_owner, lease_until, mapping_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (partner, sha256) DO NOTHING
		RETURNING `+ledgerColumns,
		e.Partner, e.Connector, e.Source, e.Name, e.SHA256, e.Size, store.LedgerProcessing, ts, ts, lease.Owner, until, e.MappingVersion)
	claimed, err := scanLedger(row)
	if err == nil {
		return *claimed, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, translate(err))
	}
	row = s.db.QueryRowContext(ctx, `
		UPDATE file_ledger SET lease_owner = ?, lease_until = ?,
		    mapping_version = CASE WHEN status = ? THEN ? ELSE mapping_version END
		WHERE partner = ? AND sha256 = ?
		  AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
		RETURNING `+ledgerColumns,
		lease.Owner, until, store.LedgerProcessing, e.MappingVersion, e.Partner, e.SHA256, lease.Owner, ts)
	existing, err := scanLedger(row)
	if err == nil {
		return *existing, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, translate(err))
	}
	held, err := s.LedgerGet(ctx, e.Partner, e.SHA256)
	if err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("sqlite: ledger claim %s: %w", e.Name, err)
	}
	return *held, false, fmt.Errorf("sqlite: ledger claim %s: %w (%s until %s)", e.Name, store.ErrLeased,
		held.LeaseOwner, held.LeaseUntil.UTC().Format(time.RFC3339))
}

// LedgerRenew extends owner's lease on entry id by ttl from now; see the
// PostgreSQL store.
func (s *Store) LedgerRenew(ctx context.Context, id int64, lease store.Lease) error {
	if err := store.CheckLease(lease); err != nil {
		return fmt.Errorf("sqlite: ledger renew %d: %w", id, err)
	}
	until := time.Now().UTC().Add(lease.TTL).Format(timeLayout)
	res, err := s.db.ExecContext(ctx, `UPDATE file_ledger SET lease_until = ? WHERE id = ? AND lease_owner = ?`,
		until, id, lease.Owner)
	return s.leaseResult(ctx, "renew", id, res, err)
}

// LedgerRelease ends owner's lease on entry id, and with settled records
// that the input left the inbox; see the PostgreSQL store.
func (s *Store) LedgerRelease(ctx context.Context, id int64, owner string, settled bool) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE file_ledger
		SET lease_owner = NULL, lease_until = NULL,
		    settled_at = CASE WHEN ? THEN ? ELSE settled_at END
		WHERE id = ? AND lease_owner = ?`, settled, now(), id, owner)
	return s.leaseResult(ctx, "release", id, res, err)
}

// leaseResult turns the result of a lease update of id into an error:
// store.ErrNotFound for an unknown id, store.ErrLeased when the lease is
// someone else's.
func (s *Store) leaseResult(ctx context.Context, op string, id int64, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("sqlite: ledger %s %d: %w", op, id, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: ledger %s %d: %w", op, id, err)
	}
	if n > 0 {
		return nil
	}
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM file_ledger WHERE id = ?)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: ledger entry %d: %w", id, translate(err))
	}
	if !exists {
		return fmt.Errorf("sqlite: ledger entry %d: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("sqlite: ledger entry %d: %w", id, store.ErrLeased)
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
		e                     store.LedgerEntry
		receipt               sql.NullString
		created, updated      string
		owner, until, settled sql.NullString
	)
	err := row.Scan(&e.ID, &e.Partner, &e.Connector, &e.Source, &e.Name, &e.SHA256, &e.Size,
		&e.Status, &e.Records, &e.Rejects, &receipt, &created, &updated, &owner, &until, &settled, &e.MappingVersion)
	if err != nil {
		return nil, err
	}
	e.LeaseOwner = owner.String
	if until.Valid {
		if e.LeaseUntil, err = parseTime(until.String); err != nil {
			return nil, fmt.Errorf("ledger entry %d: %w", e.ID, err)
		}
	}
	if settled.Valid {
		if e.SettledAt, err = parseTime(settled.String); err != nil {
			return nil, fmt.Errorf("ledger entry %d: %w", e.ID, err)
		}
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
