package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

const ledgerColumns = `id, partner, connector, source, name, sha256, size, status,
	records, rejects, receipt, created_at, updated_at, lease_owner, lease_until, settled_at, mapping_version`

// LedgerClaim records that a source is taking the input e (Partner, SHA256,
// and Connector, Source, Name, Size as known) and leases it to lease.Owner
// for lease.TTL. If no entry of (partner, sha256) exists it inserts one with
// status store.LedgerProcessing and returns it with true. Otherwise it takes
// the lease of the existing entry when nobody holds it, its holder's lease
// ran out, or the holder is lease.Owner, and returns the entry with false:
// the input was taken before, and its status says how far that went. When
// another instance holds a live lease the error wraps store.ErrLeased.
// Concurrent claims of the same input: exactly one succeeds. Lease times
// are the server's clock, so instances need not agree on the time.
func (s *Store) LedgerClaim(ctx context.Context, e store.LedgerEntry, lease store.Lease) (store.LedgerEntry, bool, error) {
	if e.SHA256 == "" {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim: %w: sha256 is required", store.ErrInvalid)
	}
	if err := store.CheckLease(lease); err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, err)
	}
	row := s.pool.QueryRow(ctx, `
		INSERT INTO file_ledger (partner, connector, source, name, sha256, size, status, lease_owner, lease_until, mapping_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9 * interval '1 microsecond', $10)
		ON CONFLICT (partner, sha256) DO NOTHING
		RETURNING `+ledgerColumns,
		e.Partner, e.Connector, e.Source, e.Name, e.SHA256, e.Size, store.LedgerProcessing,
		lease.Owner, lease.TTL.Microseconds(), e.MappingVersion)
	claimed, err := scanLedger(row)
	if err == nil {
		return *claimed, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, translate(err))
	}
	// The conflict means the entry exists and is committed: ON CONFLICT waits
	// for a concurrent inserter to finish before it decides. The UPDATE
	// takes the row lock, so two claimants of a free lease are serialized
	// and the second sees the first one's lease.
	row = s.pool.QueryRow(ctx, `
		UPDATE file_ledger
		SET lease_owner = $3, lease_until = now() + $4 * interval '1 microsecond',
		    mapping_version = CASE WHEN status = $6 THEN $5 ELSE mapping_version END
		WHERE partner = $1 AND sha256 = $2
		  AND (lease_owner IS NULL OR lease_owner = $3 OR lease_until < now())
		RETURNING `+ledgerColumns,
		e.Partner, e.SHA256, lease.Owner, lease.TTL.Microseconds(), e.MappingVersion, store.LedgerProcessing)
	existing, err := scanLedger(row)
	if err == nil {
		return *existing, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, translate(err))
	}
	held, err := s.LedgerGet(ctx, e.Partner, e.SHA256)
	if err != nil {
		return store.LedgerEntry{}, false, fmt.Errorf("postgres: ledger claim %s: %w", e.Name, err)
	}
	return *held, false, fmt.Errorf("postgres: ledger claim %s: %w (%s until %s)", e.Name, store.ErrLeased,
		held.LeaseOwner, held.LeaseUntil.UTC().Format(time.RFC3339))
}

// LedgerRenew extends the lease owner holds on entry id by ttl from now.
// It wraps store.ErrLeased when owner no longer holds it (it ran out and
// another instance took it), and store.ErrNotFound for an unknown id.
func (s *Store) LedgerRenew(ctx context.Context, id int64, lease store.Lease) error {
	if err := store.CheckLease(lease); err != nil {
		return fmt.Errorf("postgres: ledger renew %d: %w", id, err)
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE file_ledger SET lease_until = now() + $3 * interval '1 microsecond'
		WHERE id = $1 AND lease_owner = $2`, id, lease.Owner, lease.TTL.Microseconds())
	if err != nil {
		return fmt.Errorf("postgres: ledger renew %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

// LedgerRelease ends owner's lease on entry id; with settled it also
// records that the input left the inbox. Releasing a lease owner does not
// hold wraps store.ErrLeased and changes nothing.
func (s *Store) LedgerRelease(ctx context.Context, id int64, owner string, settled bool) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE file_ledger
		SET lease_owner = NULL, lease_until = NULL,
		    settled_at = CASE WHEN $3 THEN now() ELSE settled_at END
		WHERE id = $1 AND lease_owner = $2`, id, owner, settled)
	if err != nil {
		return fmt.Errorf("postgres: ledger release %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

// leaseLost explains why a lease operation on id changed nothing.
func (s *Store) leaseLost(ctx context.Context, id int64) error {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM file_ledger WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: ledger entry %d: %w", id, translate(err))
	}
	if !exists {
		return fmt.Errorf("postgres: ledger entry %d: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("postgres: ledger entry %d: %w", id, store.ErrLeased)
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
	var (
		e                     store.LedgerEntry
		receipt               []byte
		owner                 *string
		leaseUntil, settledAt *time.Time
	)
	err := row.Scan(&e.ID, &e.Partner, &e.Connector, &e.Source, &e.Name, &e.SHA256, &e.Size,
		&e.Status, &e.Records, &e.Rejects, &receipt, &e.CreatedAt, &e.UpdatedAt,
		&owner, &leaseUntil, &settledAt, &e.MappingVersion)
	if err != nil {
		return nil, err
	}
	if owner != nil {
		e.LeaseOwner = *owner
	}
	if leaseUntil != nil {
		e.LeaseUntil = *leaseUntil
	}
	if settledAt != nil {
		e.SettledAt = *settledAt
	}
	if receipt != nil {
		e.Receipt = json.RawMessage(receipt)
	}
	return &e, nil
}
