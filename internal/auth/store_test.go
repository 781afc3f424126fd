package auth

import (
	"net/http"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store/postgres"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// Both stores are what auth needs.
var (
	_ Store = (*sqlite.Store)(nil)
	_ Store = (*postgres.Store)(nil)
)

// TestTokensOnPostgreSQL walks a token's life through the middleware on
// PostgreSQL, as production runs it: issued, used, read-only refused a
// write, revoked, refused.
func TestTokensOnPostgreSQL(t *testing.T) {
	st, err := postgres.Open(t.Context(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustUser(t, st, "anna", "ACME-DE", RoleBuyer)
	a, err := New(Options{Store: st, Logger: (&logBuffer{}).logger()})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Middleware()(whoami)
	rw := mustToken(t, st, TokenRequest{UserID: "anna", TTL: time.Hour}, time.Now())
	ro := mustToken(t, st, TokenRequest{UserID: "anna", Scopes: []string{ScopeRead}}, time.Now())

	if w := do(h, "POST", "/api/v1/orders", "{}", "Authorization: Bearer "+rw.Secret); w.Code != http.StatusOK || principalIn(t, w).PartyID != "ACME-DE" {
		t.Errorf("a read-write token's POST: %d %s", w.Code, w.Body)
	}
	if w := do(h, "POST", "/api/v1/orders", "{}", "Authorization: Bearer "+ro.Secret); w.Code != http.StatusForbidden {
		t.Errorf("a read-only token's POST: %d, want 403", w.Code)
	}
	if err := st.RevokeToken(t.Context(), rw.Token.ID); err != nil {
		t.Fatal(err)
	}
	if w := do(h, "GET", "/api/v1/orders", "", "Authorization: Bearer "+rw.Secret); w.Code != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d, want 401", w.Code)
	}
	tokens, err := ProvisionDemo(t.Context(), st, DemoParties()[:3])
	if err != nil || len(tokens) != 3 {
		t.Fatalf("ProvisionDemo: %v (%d tokens)", err, len(tokens))
	}
	if w := do(h, "GET", "/", "", "Authorization: Bearer "+tokens["admin"]); w.Code != http.StatusOK || !principalIn(t, w).Admin() {
		t.Errorf("the demo admin's token: %d %s", w.Code, w.Body)
	}
}
