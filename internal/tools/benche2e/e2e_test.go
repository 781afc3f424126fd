package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testDSN returns the test database, skipping the test when it cannot be
// reached (failing instead when PROCUREHUB_REQUIRE_INTEGRATION=1, as in CI).
func testDSN(t *testing.T) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("PROCUREHUB_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if testing.Short() {
		t.Skip("-short: builds and runs the hub against PostgreSQL")
	}
	dsn := os.Getenv("PROCUREHUB_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = defaultDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		unavailable("PostgreSQL not reachable (sh .ci/services.sh starts it): %v", err)
	}
	conn.Close(ctx)
	if _, err := exec.LookPath("psql"); err != nil {
		unavailable("psql not installed: %v", err)
	}
	return dsn
}

func TestSmallRunStoresEveryLineAndLeavesNothingBehind(t *testing.T) {
	dsn := testDSN(t)
	tests := []struct {
		name string
		gate bool
	}{
		{"counting once the hub's metrics say every order is written", true},
		{"counting order_lines on every poll", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options{lines: 1005, perOrder: 10, dsn: dsn, timeout: 2 * time.Minute, poll: 50 * time.Millisecond,
				every: time.Hour, gate: tt.gate, seed: 3}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res, err := bench(ctx, o, t.Output())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) > 0 {
				t.Errorf("problems: %q", res.Problems)
			}
			if res.Lines != 1005 || res.Orders != 101 || res.StoredLines != 1005 || res.StoredOrders != 101 || res.Copy.Rows != 1005 {
				t.Errorf("lines %d, orders %d, stored %d lines and %d orders, \\copy %d rows; want 1005, 101",
					res.Lines, res.Orders, res.StoredLines, res.StoredOrders, res.Copy.Rows)
			}
			if res.Hub <= 0 || res.Copy.Took <= 0 || res.HubMemory.Peak <= 0 {
				t.Errorf("hub %s, \\copy %s, peak RSS %d: a figure is missing", res.Hub, res.Copy.Took, res.HubMemory.Peak)
			}
			if _, err := os.Stat(res.Dir); !os.IsNotExist(err) {
				t.Errorf("work dir %s is still there (%v)", res.Dir, err)
			}
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var n int
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", res.Schema).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("schema %s is still there", res.Schema)
			}
		})
	}
}
