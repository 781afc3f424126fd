package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/store"
)

func TestLogin(t *testing.T) {
	f := newFixture(t, Options{RateLimit: RateLimit{PerMinute: 6, Burst: 3}})
	hash, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateUser(t.Context(), store.User{ID: "maria", PartyID: "SUP-IT-BOL", Roles: []string{"supplier"}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", f.auth.Login)
	mux.Handle("POST /logout", f.auth.Middleware()(http.HandlerFunc(f.auth.Logout)))
	mux.Handle("/", f.h)
	form := "Content-Type: application/x-www-form-urlencoded"

	w := do(mux, "POST", "/login", url.Values{"user": {"maria"}, "password": {"a long enough password"}}.Encode(), form)
	if w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	cookie := w.Result().Cookies()[0]
	csrf := decode[map[string]any](t, w.Body.Bytes())["csrf_token"].(string)
	session := "Cookie: " + cookie.Name + "=" + cookie.Value
	t.Run("a password login starts a session of the user's party", func(t *testing.T) {
		if w := do(mux, "GET", "/orders", "", session); w.Code != http.StatusOK || principalIn(t, w).PartyID != "SUP-IT-BOL" {
			t.Errorf("GET with the session: %d %s", w.Code, w.Body)
		}
	})
	t.Run("a token login starts a session; a read-only token may not", func(t *testing.T) {
		rw := mustToken(t, f.st, TokenRequest{UserID: "li.wei"}, f.clock.Now())
		if w := do(mux, "POST", "/login", `{"token": "`+rw.Secret+`"}`); w.Code != http.StatusOK || len(w.Result().Cookies()) != 1 {
			t.Errorf("login by token: %d %s", w.Code, w.Body)
		}
		ro := mustToken(t, f.st, TokenRequest{UserID: "li.wei", Scopes: []string{ScopeRead}}, f.clock.Now())
		if w := do(mux, "POST", "/login", `{"token": "`+ro.Secret+`"}`); w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
			t.Errorf("login by a read-only token: %d %s, want 403 and no cookie", w.Code, w.Body)
		}
	})
	t.Run("a wrong password is 401, and attempts past the limit are 429", func(t *testing.T) {
		codes := ""
		for range 4 {
			w := do(mux, "POST", "/login", `{"user": "maria", "password": "guess"}`)
			codes += http.StatusText(w.Code) + "; "
		}
		if !strings.HasPrefix(codes, "Unauthorized; Unauthorized; Too Many Requests") {
			t.Errorf("four wrong passwords: %s; want 401 until the burst (one was the good login) is used, then 429", codes)
		}
	})
	t.Run("logout needs the CSRF token and ends the session", func(t *testing.T) {
		if w := do(mux, "POST", "/logout", "", session); w.Code != http.StatusForbidden {
			t.Errorf("logout without CSRF: %d, want 403", w.Code)
		}
		if w := do(mux, "POST", "/logout", "", session, "X-CSRF-Token: "+csrf); w.Code != http.StatusNoContent {
			t.Errorf("logout: %d", w.Code)
		}
		if w := do(mux, "GET", "/orders", "", session); w.Code != http.StatusUnauthorized {
			t.Errorf("GET after logout: %d, want 401", w.Code)
		}
	})
}

func TestFromConfig(t *testing.T) {
	st := newStore(t)
	t.Run("a config with an OIDC issuer verifies JWTs, its rate limit and TTL apply", func(t *testing.T) {
		a, err := FromConfig(config.Auth{Enabled: true, SessionTTL: time.Hour, RateLimit: config.AuthRateLimit{PerMinute: 60, Burst: 1},
			OIDC: config.AuthOIDC{Issuer: "https://idp.example", Audience: "hub", JWKSURL: "https://idp.example/jwks"}}, st, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.o.OIDC == nil || a.o.SessionTTL != time.Hour || a.limiter == nil || a.limiter.burst != 1 || !a.o.SecureCookie {
			t.Errorf("options %+v", a.o)
		}
	})
	t.Run("a config with OIDC but no audience is refused", func(t *testing.T) {
		if _, err := FromConfig(config.Auth{OIDC: config.AuthOIDC{Issuer: "https://idp.example", JWKSURL: "https://idp.example/jwks"}}, st, false, nil); err == nil {
			t.Error("FromConfig accepted OIDC without an audience")
		}
	})
	t.Run("the demo tokens print sorted, one a line", func(t *testing.T) {
		got := DemoTokensText(map[string]string{"buyer": "phk_b", "admin": "phk_a"}, "var/demo-tokens.json")
		if !strings.Contains(got, "  admin  phk_a\n  buyer  phk_b\n") || !strings.Contains(got, "var/demo-tokens.json") {
			t.Errorf("printed:\n%s", got)
		}
	})
}
