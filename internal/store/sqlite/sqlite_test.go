package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/migrate"
	"github.com/procurehub/procurehub/internal/store/storetest"
)

// openTemp opens a migrated store in a file of the test's temp directory.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "procurehub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTemp(t) })
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := Open(t.Context(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOrderLookups(t *testing.T) {
	s := openTemp(t)
	storetest.CheckOrderLookups(t, s, func(t *testing.T, sql string) {
		if _, err := s.db.ExecContext(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrderLinesFollowTheLatestVersion(t *testing.T) {
	s := openTemp(t)
	storetest.CheckLinesFollowTheLatestVersion(t, s, func(t *testing.T) []string { return lineRows(t, s) })
}

func TestOpenRefusesAPathItCannotPassOn(t *testing.T) {
	for _, path := range []string{"", "hub.db?mode=ro"} {
		if _, err := Open(context.Background(), path); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(%q): err = %v, want ErrInvalid", path, err)
		}
	}
}

// lineRows reads order_lines as "line quantity unit_price amount", the
// decimals exactly as stored.
func lineRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT line_number || ' ' || quantity || ' ' || unit_price || ' ' || coalesce(amount, '<nil>')
		FROM order_lines ORDER BY order_id, line_number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAFailedMigrationLeavesNothingBehind(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	ms, err := migrate.Load(os.DirFS("testdata"), "migrations-failing-second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(ctx, migrator{s.db}, ms); err == nil {
		t.Fatal("a broken migration ran without error")
	}
	var tables []string
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	var versions int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tables, []string{"a"}) || versions != 1 {
		t.Errorf("tables %v, %d recorded migrations; want only a, and 1", tables, versions)
	}
}
