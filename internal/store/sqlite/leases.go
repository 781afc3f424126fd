package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// AcquireLease takes or renews the job lease name for lease.Owner; see
// store.JobLeases. SQLite has one writer at a time, so the one statement
// cannot interleave with another instance's.
func (s *Store) AcquireLease(ctx context.Context, name string, lease store.Lease) (bool, error) {
	if name == "" {
		return false, fmt.Errorf("sqlite: acquire lease: %w: name is required", store.ErrInvalid)
	}
	if err := store.CheckLease(lease); err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %s: %w", name, err)
	}
	t := time.Now().UTC()
	ts, until := t.Format(timeLayout), t.Add(lease.TTL).Format(timeLayout)
	var owner string
	err := s.db.QueryRowContext(ctx, `
		INSERT INTO job_leases (name, owner, until, acquired_at) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (name) DO UPDATE
		SET owner = excluded.owner, until = excluded.until,
		    acquired_at = CASE WHEN job_leases.owner = excluded.owner AND job_leases.until >= ?4
		                       THEN job_leases.acquired_at ELSE ?4 END
		WHERE job_leases.owner = excluded.owner OR job_leases.until < ?4
		RETURNING owner`, name, lease.Owner, until, ts).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %s: %w", name, translate(err))
	}
	return owner == lease.Owner, nil
}

// ReleaseLease gives up owner's lease name; see store.JobLeases.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM job_leases WHERE name = ? AND owner = ?`, name, owner); err != nil {
		return fmt.Errorf("sqlite: release lease %s: %w", name, translate(err))
	}
	return nil
}

// JobLeases lists the job leases by name.
func (s *Store) JobLeases(ctx context.Context) ([]store.JobLease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, owner, until, acquired_at FROM job_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: job leases: %w", translate(err))
	}
	defer rows.Close()
	var leases []store.JobLease
	for rows.Next() {
		var l store.JobLease
		var until, acquired string
		if err := rows.Scan(&l.Name, &l.Owner, &until, &acquired); err != nil {
			return nil, fmt.Errorf("sqlite: job leases: %w", err)
		}
		if l.Until, err = parseTime(until); err != nil {
			return nil, fmt.Errorf("sqlite: job lease %s: %w", l.Name, err)
		}
		if l.AcquiredAt, err = parseTime(acquired); err != nil {
			return nil, fmt.Errorf("sqlite: job lease %s: %w", l.Name, err)
		}
		leases = append(leases, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: job leases: %w", translate(err))
	}
	return leases, nil
}
