package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// TestTheDashboardShowsWhatTheAPIsPolicyShows runs the dashboard over the
// API as it is wired in the hub: auth's middleware with tokens issued by
// auth, and the API's own route policy and party scoping (no test
// scoping): a supplier's pages show its orders and alerts only.
func TestTheDashboardShowsWhatTheAPIsPolicyShows(t *testing.T) {
	h := newHub(t)
	ctx := t.Context()
	a, err := auth.New(auth.Options{Store: h.store})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(user, party string, scopes ...string) string {
		t.Helper()
		if err := h.store.CreateUser(ctx, store.User{ID: user, PartyID: party, Roles: []string{string(auth.RoleSupplier)}}); err != nil {
			t.Fatal(err)
		}
		is, err := auth.IssueToken(ctx, h.store, auth.TokenRequest{UserID: user, Name: "dashboard test", Scopes: scopes}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return is.Secret
	}
	s1, s1read := issue("ana", "SUP-S1"), issue("ana-reader", "SUP-S1", auth.ScopeRead)

	apiHandler := api.Handler(api.Config{Orders: h.store, Timeline: h.store, Alerts: h.store, Authenticate: a.Middleware(), Audit: auth.NewAuditor(h.store)})
	d, err := Handler(Config{API: apiHandler, Verify: a.CheckToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()

	t.Run("a supplier's orders page lists its own orders only and its order page opens", func(t *testing.T) {
		b := newBrowser(t, srv)
		if code, body := b.login(s1); code != http.StatusSeeOther {
			t.Fatalf("login %d:\n%s", code, body)
		}
		body := mustBody(t, b, "/ui/")
		if !strings.Contains(body, `data-order="PO-S1-1"`) || !strings.Contains(body, `data-order="PO-S1-2"`) || strings.Contains(body, "PO-S2-1") {
			t.Errorf("want PO-S1-1 and PO-S1-2 and not PO-S2-1:\n%s", body)
		}
		if code, _ := b.get("/ui/orders/PO-S1-1?buyer=ACME-DE"); code != http.StatusOK {
			t.Errorf("own order page: %d", code)
		}
		if code, body := b.get("/ui/orders/PO-S2-1?buyer=ACME-DE"); code == http.StatusOK || strings.Contains(body, "Ball valve") {
			t.Errorf("the other supplier's order page: %d; want 403 or 404 showing nothing", code)
		}
	})

	t.Run("a read-only token sees the orders but no Confirm button", func(t *testing.T) {
		b := newBrowser(t, srv)
		if code, _ := b.login(s1read); code != http.StatusSeeOther {
			t.Fatalf("login %d", code)
		}
		body := mustBody(t, b, "/ui/")
		if !strings.Contains(body, `data-order="PO-S1-1"`) || strings.Contains(body, ">Confirm</button>") {
			t.Errorf("want the orders without Confirm buttons:\n%s", body)
		}
	})
}
