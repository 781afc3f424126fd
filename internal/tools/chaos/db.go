package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/procurehub/procurehub/internal/tools/internal/toolkit"
)

// db is the tool's side door into the run's schema: it creates and drops
// it, counts what the hub stored, checks it against the dataset and
// expires the leases of a killed hub. A pool, so that it reconnects after a
// PostgreSQL restart. It never prints the DSN (it holds a password).
type db struct {
	pool   *pgxpool.Pool
	schema string
	hubDSN string // the DSN with the schema first on the search path
}

// openDB creates schema in the database of dsn and connects to it.
func openDB(ctx context.Context, dsn, schema string) (*db, error) {
	hubDSN, err := toolkit.WithSearchPath(dsn, schema)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w (is PostgreSQL running? `sh .ci/services.sh` starts it)", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	pool, err := pgxpool.New(ctx, hubDSN)
	if err != nil {
		return nil, errors.New("postgres: the DSN does not parse (not shown: it may hold a password)")
	}
	return &db{pool: pool, schema: schema, hubDSN: hubDSN}, nil
}

// close drops the schema unless keep.
func (d *db) close(ctx context.Context, keep bool) error {
	defer d.pool.Close()
	if keep {
		return nil
	}
	if _, err := d.pool.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{d.schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("postgres: drop schema %s: %w", d.schema, err)
	}
	return nil
}

// counts is what the store holds at a moment.
type counts struct {
	Orders, Lines     int
	FilesDone, Ledger int // ledger rows with status done, all ledger rows
}

// counts reads the counts; before the hub migrated the schema they are 0.
func (d *db) counts(ctx context.Context) (counts, error) {
	var c counts
	var ok bool
	if err := d.pool.QueryRow(ctx, "SELECT to_regclass('file_ledger') IS NOT NULL AND to_regclass('order_lines') IS NOT NULL").Scan(&ok); err != nil || !ok {
		return c, err
	}
	err := d.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),
		(SELECT count(*) FILTER (WHERE status = 'done') FROM file_ledger), (SELECT count(*) FROM file_ledger)`).
		Scan(&c.Orders, &c.Lines, &c.FilesDone, &c.Ledger)
	return c, err
}

// expireLeases ends the leases a killed hub held (the ledger's, and the job
// leases when the store has them), as their TTL running out would, and
// returns how many there were.
func (d *db) expireLeases(ctx context.Context) (int, error) {
	tag, err := d.pool.Exec(ctx, `UPDATE file_ledger SET lease_until = now() - interval '1 second'
		WHERE lease_owner IS NOT NULL AND lease_until > now()`)
	if err != nil {
		return 0, fmt.Errorf("postgres: expire leases: %w", err)
	}
	n := int(tag.RowsAffected())
	var jobs bool
	if err := d.pool.QueryRow(ctx, "SELECT to_regclass('job_leases') IS NOT NULL").Scan(&jobs); err != nil {
		return n, fmt.Errorf("postgres: expire leases: %w", err)
	}
	if jobs {
		tag, err := d.pool.Exec(ctx, `UPDATE job_leases SET until = now() - interval '1 second' WHERE until > now()`)
		if err != nil {
			return n, fmt.Errorf("postgres: expire job leases: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// verify checks the store against the dataset: every order once, with its
// line count, at version 1 (the same content written again is no new
// version); no line without its order; one ledger row per file, done. It
// returns the problems, each a sentence.
func (d *db) verify(ctx context.Context, ds *dataset) ([]string, error) {
	var problems []string
	rows, err := d.pool.Query(ctx, `SELECT o.buyer_id, o.order_number, o.version,
		(SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) FROM orders o`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read orders: %w", err)
	}
	seen := make(map[string]bool, len(ds.Lines))
	var extra, wrongLines, versions, doubled []string
	for rows.Next() {
		var buyer, number string
		var version, lines int
		if err := rows.Scan(&buyer, &number, &version, &lines); err != nil {
			return nil, err
		}
		key := buyer + "/" + number
		want, ok := ds.Lines[key]
		switch {
		case !ok:
			extra = append(extra, key)
		case seen[key]:
			doubled = append(doubled, key)
		case lines != want:
			wrongLines = append(wrongLines, fmt.Sprintf("%s (%d lines, not %d)", key, lines, want))
		}
		if version != 1 {
			versions = append(versions, fmt.Sprintf("%s (version %d)", key, version))
		}
		seen[key] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read orders: %w", err)
	}
	var missing []string
	for key := range ds.Lines {
		if !seen[key] {
			missing = append(missing, key)
		}
	}
	for _, c := range []struct {
		what string
		list []string
	}{{"orders missing", missing}, {"orders not in the dataset", extra}, {"orders stored twice", doubled},
		{"orders with a wrong line count", wrongLines}, {"orders written again as a new version", versions}} {
		if len(c.list) > 0 {
			sort.Strings(c.list)
			problems = append(problems, fmt.Sprintf("%d %s, e.g. %s", len(c.list), c.what, strings.Join(c.list[:min(5, len(c.list))], ", ")))
		}
	}
	var orphans int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM order_lines l WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id)`).Scan(&orphans); err != nil {
		return nil, fmt.Errorf("postgres: orphan lines: %w", err)
	}
	if orphans > 0 {
		problems = append(problems, fmt.Sprintf("%d order lines without their order", orphans))
	}

	// The ledger: one row per file, done.
	rows, err = d.pool.Query(ctx, `SELECT partner, name, status, count(*) OVER (PARTITION BY partner, name) FROM file_ledger ORDER BY partner, name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the ledger: %w", err)
	}
	inLedger := map[string]bool{}
	for rows.Next() {
		var partner, name, status string
		var n int
		if err := rows.Scan(&partner, &name, &status, &n); err != nil {
			return nil, err
		}
		key := partner + "/" + name
		switch {
		case n > 1 && !inLedger[key]:
			problems = append(problems, fmt.Sprintf("ledger: %s has %d rows", key, n))
		case status != "done":
			problems = append(problems, fmt.Sprintf("ledger: %s is %s, not done", key, status))
		}
		inLedger[key] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read the ledger: %w", err)
	}
	for _, f := range ds.Files {
		if !inLedger[f.Partner+"/"+f.Name] {
			problems = append(problems, fmt.Sprintf("ledger: no row for %s/%s", f.Partner, f.Name))
		}
		delete(inLedger, f.Partner+"/"+f.Name)
	}
	for key := range inLedger {
		problems = append(problems, fmt.Sprintf("ledger: a row for %s, which is not a file of the dataset", key))
	}
	return problems, nil
}

// claimed lists the files the hub with process id pid has claimed in the
// ledger and not settled (the owner of a lease is host/pid/random).
func (d *db) claimed(ctx context.Context, pid int) ([]string, error) {
	rows, err := d.pool.Query(ctx, `SELECT partner || '/' || name FROM file_ledger
		WHERE status = 'processing' AND split_part(lease_owner, '/', 2) = $1 ORDER BY 1`, fmt.Sprint(pid))
	if err != nil {
		return nil, fmt.Errorf("postgres: claimed files: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: claimed files: %w", err)
	}
	return names, nil
}

// fileOwners returns the status and the lease owner's process id (0 for
// none) of the ledger rows of files (partner/name).
func (d *db) fileOwners(ctx context.Context, files []string) (map[string]fileOwner, error) {
	rows, err := d.pool.Query(ctx, `SELECT partner || '/' || name, status, coalesce(split_part(lease_owner, '/', 2), '')
		FROM file_ledger WHERE partner || '/' || name = ANY($1)`, files)
	if err != nil {
		return nil, fmt.Errorf("postgres: file owners: %w", err)
	}
	defer rows.Close()
	out := map[string]fileOwner{}
	for rows.Next() {
		var key, status, pid string
		if err := rows.Scan(&key, &status, &pid); err != nil {
			return nil, err
		}
		var f fileOwner
		f.Status = status
		fmt.Sscan(pid, &f.PID)
		out[key] = f
	}
	return out, rows.Err()
}

// fileOwner is a ledger row's status and lease owner.
type fileOwner struct {
	Status string
	PID    int
}
