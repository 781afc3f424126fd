// Package pgtest gives integration tests a real PostgreSQL database.
//
// The server's address comes from PROCUREHUB_TEST_POSTGRES_DSN, for example
// postgres://procurehub:procurehub@127.0.0.1:5432/procurehub?sslmode=disable.
// When it is unset or the server does not answer, the test is skipped, unless
// PROCUREHUB_REQUIRE_INTEGRATION=1 (CI), where it fails instead.
//
// Schema gives each test a schema of its own, so tests can run in parallel
// against one database:
//
//	dsn := pgtest.Schema(t) // a fresh schema, dropped when the test ends
//	st, err := postgres.Open(ctx, dsn)
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by DSN.
const (
	EnvDSN     = "PROCUREHUB_TEST_POSTGRES_DSN"
	EnvRequire = "PROCUREHUB_REQUIRE_INTEGRATION"
)

// reachable remembers, per DSN, whether the server answered, so that a
// missing server costs one connection attempt per test binary, not per test.
var reachable sync.Map // dsn → error (nil when it answered)

// DSN returns the test server's DSN after checking that it answers. It skips
// the test when the server is not configured or not reachable, or fails it
// when PROCUREHUB_REQUIRE_INTEGRATION=1.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		unavailable(t, EnvDSN+" is not set (for example postgres://procurehub:procurehub@127.0.0.1:5432/procurehub?sslmode=disable)")
		return ""
	}
	v, ok := reachable.Load(dsn)
	if !ok {
		v, _ = reachable.LoadOrStore(dsn, ping(dsn))
	}
	if err, _ := v.(error); err != nil {
		unavailable(t, "PostgreSQL at "+EnvDSN+" does not answer: "+err.Error())
		return ""
	}
	return dsn
}

// Schema creates a schema with a random name in the test database and
// returns a DSN whose search_path is that schema. The schema and everything
// in it are dropped when the test and its subtests end.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	name := "test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	return WithSearchPath(dsn, name)
}

// WithSearchPath returns dsn with its search_path set to schema. It accepts
// both the URL form (postgres://...) and the keyword/value form.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return strings.TrimSpace(dsn) + " search_path=" + schema
}

func ping(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("pgtest: %s (%s=1: integration tests must run)", why, EnvRequire)
	}
	t.Skipf("pgtest: %s", why)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
