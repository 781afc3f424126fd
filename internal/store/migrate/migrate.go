// Package migrate is the stores' schema migration runner: SQL files named
// NNNN_name.sql, embedded in the binary, applied in version order, each once
// and each in its own transaction, recorded in a schema_migrations table.
//
// The runner knows nothing about a database; each store adapts its
// connection to Driver.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// Migration is one SQL file.
type Migration struct {
	Version int    // from the file name: 0001_init.sql is version 1
	Name    string // the file name
	SQL     string // one or more statements
}

// Driver runs migrations for one database.
type Driver interface {
	// InTx runs fn in one transaction that no other migrator of the same
	// database runs at the same time, with the schema_migrations table
	// present. It commits when fn returns nil and rolls back otherwise.
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Tx is the part of a migration transaction the runner uses.
type Tx interface {
	// Exec runs SQL that may hold several statements and takes no arguments.
	Exec(ctx context.Context, sql string) error
	// Applied reports whether version is recorded in schema_migrations.
	Applied(ctx context.Context, version int) (bool, error)
	// Record writes m into schema_migrations.
	Record(ctx context.Context, m Migration) error
}

var fileName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// Load reads the migrations in dir of fsys, sorted by version. Every file in
// dir must be named NNNN_name.sql (lowercase name); versions start at 1 and
// must not repeat.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s: file name is not NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits always parse
		if v == 0 {
			return nil, fmt.Errorf("migrate: %s: versions start at 0001", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrate: %s and %s have the same version", other, e.Name())
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Run applies every migration of ms that is not yet recorded, in order, each
// in its own transaction, and returns the names of those it applied. It stops
// at the first failure; the failed migration leaves nothing behind.
func Run(ctx context.Context, d Driver, ms []Migration) ([]string, error) {
	var applied []string
	for _, m := range ms {
		ran := false
		err := d.InTx(ctx, func(tx Tx) error {
			done, err := tx.Applied(ctx, m.Version)
			if err != nil || done {
				return err
			}
			if err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			ran = true
			return tx.Record(ctx, m)
		})
		if err != nil {
			return applied, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		if ran {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}
