package postgres

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store/internal/orderbatch"
	"github.com/procurehub/procurehub/internal/store/migrate"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/internal/store/storetest"
)

// openSchema opens a store on a fresh schema of the test database. It skips
// the test when no PostgreSQL is configured (see pgtest).
func openSchema(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openSchema(t) })
}

func TestOrderLookups(t *testing.T) {
	s := openSchema(t)
	storetest.CheckOrderLookups(t, s, func(t *testing.T, sql string) {
		if _, err := s.pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrderLinesFollowTheLatestVersion(t *testing.T) {
	s := openSchema(t)
	storetest.CheckLinesFollowTheLatestVersion(t, s, func(t *testing.T) []string { return lineRows(t, s) })
}

func TestOpenDoesNotPrintThePassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://hub:s3cret-pw@127.0.0.1:5432/db?sslmode=bogus")
	if err == nil {
		t.Fatal("Open accepted sslmode=bogus")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error shows the password: %v", err)
	}
}

// lineRows reads order_lines as "line quantity unit_price amount", the
// numerics as PostgreSQL prints them (with their scale).
func lineRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT line_number || ' ' || quantity || ' ' || unit_price || ' ' || coalesce(amount::text, '<nil>')
		FROM order_lines ORDER BY order_id, line_number`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAFailedMigrationLeavesNothingBehind(t *testing.T) {
	ctx := t.Context()
	s := openSchema(t)
	ms, err := migrate.Load(os.DirFS("testdata"), "migrations-failing-second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(ctx, migrator{s.pool}, ms); err == nil {
		t.Fatal("a broken migration ran without error")
	}
	rows, err := s.pool.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN ('a', 'b') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tables, []string{"a"}) || versions != 1 {
		t.Errorf("tables %v, %d recorded migrations; want only a, and 1", tables, versions)
	}
}

func TestTheContentHashIsTheSHA256OfTheStoredDocument(t *testing.T) {
	ctx := t.Context()
	s := openSchema(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	withLineage := storetest.TwoLineOrder()
	withLineage.OrderNumber = "PO-8"
	withLineage.Source = &canonical.Source{Connector: "erp_export", File: "orders.csv", Line: 2}
	if _, err := s.UpsertOrders(ctx, []*canonical.Order{storetest.TwoLineOrder(), withLineage}); err != nil {
		t.Fatal(err)
	}
	var mismatched, withoutLineage int
	err := s.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE encode(sha256(convert_to(document::text, 'UTF8')), 'hex') <> content_hash),
		count(*) FILTER (WHERE lineage IS NULL)
		FROM orders`).Scan(&mismatched, &withoutLineage)
	if err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 || withoutLineage != 1 {
		t.Errorf("%d orders whose hash is not their document's, %d without lineage; want 0 and 1", mismatched, withoutLineage)
	}
}

// The bulk path for new orders relies on the unique key to notice an order
// that another writer inserted between the hash check and the COPY; the
// caller then falls back to the upsert. This forces that race.
func TestANewOrderInsertedMeanwhileIsRefusedByTheBulkPathAndNotDoubled(t *testing.T) {
	ctx := t.Context()
	s := openSchema(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertOrders(ctx, []*canonical.Order{storetest.TwoLineOrder()}); err != nil {
		t.Fatal(err)
	}
	items, err := orderbatch.Prepare([]*canonical.Order{storetest.TwoLineOrder()})
	if err != nil {
		t.Fatal(err)
	}
	row, err := stageRow(&items[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.insertNew(ctx, items, [][]any{row})
	if !isUniqueViolation(err) {
		t.Fatalf("insertNew of a stored key: err = %v, want a unique violation", err)
	}
	if got := len(lineRows(t, s)); got != 2 {
		t.Errorf("%d order lines after the refused insert, want the 2 of the one stored order", got)
	}
}
