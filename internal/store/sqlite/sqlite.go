// Package sqlite is the embedded-mode store: orders, order lines and the
// file ledger in one SQLite file through modernc.org/sqlite (pure Go). It
// implements the methods the store conformance suite (internal/store/storetest)
// checks; the package store documents the shared records and domain errors.
//
// The database runs in WAL mode: readers never wait for the writer, and
// writers take turns (every write transaction starts with BEGIN IMMEDIATE and
// waits up to busyTimeout for the lock). All methods are safe for concurrent use.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeout is how long a writer waits for another writer's lock before
// the call fails with store.ErrConflict.
const busyTimeout = 30 * time.Second

// timeLayout is how times are stored: UTC, fixed width, so text order is
// time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Store is the SQLite store. Make one with Open; Close it when done.
type Store struct {
	db        *sql.DB
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the database file at path, in WAL mode with
// foreign keys on. The path ":memory:" gives a private in-memory database on
// a single connection, for tests. It does not migrate; call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: %w: a file path without '?' is required", path, store.ErrInvalid)
	}
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)", // durable at every WAL checkpoint; the usual WAL setting
		"_txlock=immediate",           // a write transaction takes the write lock when it begins
	}
	if path != ":memory:" {
		params = append(params, "_pragma=journal_mode(WAL)")
	}
	db := sql.OpenDB(connector{dsn: path + "?" + strings.Join(params, "&")})
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would be a database of its own
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. It is safe to call more than once; later calls
// return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", err)
		}
	})
	return s.closeErr
}

// Migrate applies the embedded migrations (migrations/*.sql) that the
// database does not have yet, each in its own transaction, then gives the
// orders stored without a duplicate key theirs (see fillDuplicateKeys). It is
// idempotent.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := migrate.Run(ctx, migrator{s.db}, ms); err != nil {
		return fmt.Errorf("sqlite: %w", translate(err))
	}
	if err := s.fillDuplicateKeys(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", translate(err))
	}
	return nil
}

// migrator adapts the database to migrate.Driver. BEGIN IMMEDIATE (see
// Open) keeps other migrators out for the length of the transaction.
type migrator struct{ db *sql.DB }

func (m migrator) InTx(ctx context.Context, fn func(migrate.Tx) error) error {
	return inTx(ctx, m.db, func(tx *sql.Tx) error {
		const table = `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL) STRICT`
		if _, err := tx.ExecContext(ctx, table); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		return fn(migrationTx{tx})
	})
}

type migrationTx struct{ tx *sql.Tx }

func (t migrationTx) Exec(ctx context.Context, sql string) error {
	_, err := t.tx.ExecContext(ctx, sql) // runs every statement of sql
	return err
}

func (t migrationTx) Applied(ctx context.Context, version int) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n)
	return n > 0, err
}

func (t migrationTx) Record(ctx context.Context, m migrate.Migration) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, now())
	return err
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error that matters is fn's
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// translate maps SQLite errors onto the store's domain errors, keeping the
// original in the chain. Other errors pass through unchanged.
func translate(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_TOOBIG:
		return fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	return err
}

// now is the current time as stored.
func now() string { return time.Now().UTC().Format(timeLayout) }

// parseTime reads a stored time.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
