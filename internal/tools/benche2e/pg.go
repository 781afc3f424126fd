package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/procurehub/procurehub/internal/tools/internal/toolkit"
)

// db is the benchmark's side door into PostgreSQL: it creates and drops the
// run's schema, counts what the hub stored and runs psql \copy. It never
// prints the DSN (it holds a password).
type db struct {
	dsn    string // as given, without search_path
	schema string
	conn   *pgx.Conn

	// Poll statistics: the counting queries compete with the hub for the
	// same 2 cores, so the report says what they cost.
	polls     int
	pollTime  time.Duration
	pollSlow  time.Duration // the slowest poll
	schemaSet bool
}

// openDB connects and creates a fresh schema named schema.
func openDB(ctx context.Context, dsn, schema string) (*db, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		// A connect error names host, user and database, never the password;
		// anything else may quote the DSN, so it is not shown.
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("postgres: %w (is PostgreSQL running? `sh .ci/services.sh` starts it)", err)
		}
		return nil, errors.New("postgres: the DSN does not parse (not shown: it may hold a password)")
	}
	d := &db{dsn: dsn, schema: schema, conn: conn}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+d.ident()); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	d.schemaSet = true
	// One core's worth of counting at most: a parallel count(*) would take
	// both cores from the hub for its duration.
	if _, err := conn.Exec(ctx, "SET max_parallel_workers_per_gather = 0"); err != nil {
		return nil, d.closeWith(ctx, fmt.Errorf("postgres: %w", err))
	}
	return d, nil
}

func (d *db) ident() string { return pgx.Identifier{d.schema}.Sanitize() }

func (d *db) table(name string) string { return pgx.Identifier{d.schema, name}.Sanitize() }

// hubDSN is the DSN the hub gets: the same database, the run's schema first
// on its search_path.
func (d *db) hubDSN() (string, error) {
	return toolkit.WithSearchPath(d.dsn, d.schema)
}

// rows returns the number of rows of the run's table name.
func (d *db) rows(ctx context.Context, name string) (int, error) {
	var n int
	if err := d.conn.QueryRow(ctx, "SELECT count(*) FROM "+d.table(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", name, err)
	}
	return n, nil
}

// pollLines counts the hub's order_lines and keeps the poll statistics. at
// is when the query started: its snapshot is taken then, so n lines were
// committed by that time.
func (d *db) pollLines(ctx context.Context) (n int, at time.Time, err error) {
	at = time.Now()
	n, err = d.rows(ctx, "order_lines")
	took := time.Since(at)
	d.polls++
	d.pollTime += took
	d.pollSlow = max(d.pollSlow, took)
	return n, at, err
}

// exec runs sql with the run's schema first on the search path.
func (d *db) exec(ctx context.Context, sql string) error {
	tx, err := d.conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: -sql: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+d.ident()); err != nil {
		return fmt.Errorf("postgres: -sql: %w", err)
	}
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("postgres: -sql: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: -sql: %w", err)
	}
	return nil
}

// walPosition is the server's current write-ahead log position.
func (d *db) walPosition(ctx context.Context) (string, error) {
	var lsn string
	if err := d.conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return "", fmt.Errorf("postgres: wal position: %w", err)
	}
	return lsn, nil
}

// walSince is how many bytes of write-ahead log the server wrote since
// position from (every session's, not only the benchmark's).
func (d *db) walSince(ctx context.Context, from string) (int64, error) {
	var n int64
	if err := d.conn.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint", from).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: wal written: %w", err)
	}
	return n, nil
}

// tableSize is the disk size of one table of the run's schema, its
// indexes and TOAST included.
func (d *db) tableSize(ctx context.Context, name string) (int64, error) {
	var n int64
	if err := d.conn.QueryRow(ctx, "SELECT pg_total_relation_size($1::regclass)", d.table(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: size of %s: %w", name, err)
	}
	return n, nil
}

// checkpoint flushes dirty pages, so that the write-back of one phase does
// not slow the next one down.
func (d *db) checkpoint(ctx context.Context) error {
	if _, err := d.conn.Exec(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("postgres: checkpoint: %w", err)
	}
	return nil
}

// copyRun is what a psql \copy took.
type copyRun struct {
	Took time.Duration // psql's run, connection included
	Rows int           // rows in the table after it
	CPU  time.Duration // psql's own CPU time (PostgreSQL's is measured apart)
}

// copyCSV creates the \copy table and loads the CSV at path into it with
// psql's \copy.
func (d *db) copyCSV(ctx context.Context, path string) (copyRun, error) {
	const table = "copy_lines"
	if _, err := d.conn.Exec(ctx, copyTableDDL(d.table(table))); err != nil {
		return copyRun{}, fmt.Errorf("postgres: create %s: %w", table, err)
	}
	env, err := psqlEnv(d.dsn)
	if err != nil {
		return copyRun{}, err
	}
	// psql quotes a \copy file name with single quotes; double any inside.
	file := strings.ReplaceAll(path, "'", "''")
	cmd := exec.CommandContext(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-c", fmt.Sprintf(`\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)`, d.table(table), file))
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	r := copyRun{Took: time.Since(start)}
	if err != nil {
		return copyRun{}, fmt.Errorf("psql \\copy: %w: %s", err, strings.TrimSpace(out.String()))
	}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.Rows, err = d.rows(ctx, table)
	return r, err
}

// psqlEnv turns the DSN into libpq environment variables, so the password is
// not on psql's command line for every local user to see.
func psqlEnv(dsn string) ([]string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: the DSN does not parse (not shown: it may hold a password)")
	}
	sslmode := "disable"
	if cfg.TLSConfig != nil {
		sslmode = "require"
	}
	return []string{
		"PGHOST=" + cfg.Host,
		"PGPORT=" + strconv.Itoa(int(cfg.Port)),
		"PGUSER=" + cfg.User,
		"PGPASSWORD=" + cfg.Password,
		"PGDATABASE=" + cfg.Database,
		"PGSSLMODE=" + sslmode,
	}, nil
}

// close drops the run's schema unless keep, and closes the connection.
func (d *db) close(ctx context.Context, keep bool) error {
	if keep {
		d.schemaSet = false
	}
	return d.closeWith(ctx, nil)
}

func (d *db) closeWith(ctx context.Context, err error) error {
	if d.schemaSet {
		if _, derr := d.conn.Exec(ctx, "DROP SCHEMA "+d.ident()+" CASCADE"); derr != nil {
			err = errors.Join(err, fmt.Errorf("postgres: drop schema %s: %w", d.schema, derr))
		}
		d.schemaSet = false
	}
	if cerr := d.conn.Close(ctx); cerr != nil {
		err = errors.Join(err, fmt.Errorf("postgres: close: %w", cerr))
	}
	return err
}
