package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
)

// AcquireLease takes or renews the job lease name for lease.Owner; see
// store.JobLeases. One statement: the insert wins for a new name, the
// conditional update for a free, expired or own lease; a row lock
// serializes concurrent callers, and the one that finds the lease live and
// someone else's gets no row back.
func (s *Store) AcquireLease(ctx context.Context, name string, lease store.Lease) (bool, error) {
	if name == "" {
		return false, fmt.Errorf("postgres: acquire lease: %w: name is required", store.ErrInvalid)
	}
	if err := store.CheckLease(lease); err != nil {
		return false, fmt.Errorf("postgres: acquire lease %s: %w", name, err)
	}
	var owner string
	err := s.pool.QueryRow(ctx, `
		INSERT INTO job_leases AS l (name, owner, until, acquired_at)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond', now())
		ON CONFLICT (name) DO UPDATE
		SET owner = EXCLUDED.owner, until = EXCLUDED.until,
		    acquired_at = CASE WHEN l.owner = EXCLUDED.owner AND l.until >= now() THEN l.acquired_at ELSE now() END
		WHERE l.owner = EXCLUDED.owner OR l.until < now()
		RETURNING owner`, name, lease.Owner, lease.TTL.Microseconds()).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease %s: %w", name, translate(err))
	}
	return owner == lease.Owner, nil
}

// ReleaseLease gives up owner's lease name; see store.JobLeases.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM job_leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("postgres: release lease %s: %w", name, translate(err))
	}
	return nil
}

// JobLeases lists the job leases by name.
func (s *Store) JobLeases(ctx context.Context) ([]store.JobLease, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, owner, until, acquired_at FROM job_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: job leases: %w", translate(err))
	}
	leases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.JobLease, error) {
		var l store.JobLease
		err := r.Scan(&l.Name, &l.Owner, &l.Until, &l.AcquiredAt)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: job leases: %w", translate(err))
	}
	return leases, nil
}
