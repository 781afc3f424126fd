package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// fixture: a store with a buyer and a supplier, and an API behind the
// middleware that answers the caller's principal.
type fixture struct {
	st    Store
	clock *clock
	logs  *logBuffer
	auth  *Authenticator
	h     http.Handler
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	f := &fixture{st: newStore(t), clock: newClock(), logs: &logBuffer{}}
	mustUser(t, f.st, "anna", "ACME-DE", RoleBuyer)
	mustUser(t, f.st, "li.wei", "SUP-CN-SZP", RoleSupplier)
	o.Store, o.Now, o.Logger = f.st, f.clock.Now, f.logs.logger()
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.auth, f.h = a, a.Middleware()(whoami)
	return f
}

func TestTokens(t *testing.T) {
	f := newFixture(t, Options{})
	now := f.clock.Now()
	rw := mustToken(t, f.st, TokenRequest{UserID: "anna", Name: "erp"}, now)
	ro := mustToken(t, f.st, TokenRequest{UserID: "anna", Scopes: []string{ScopeRead}}, now)
	short := mustToken(t, f.st, TokenRequest{UserID: "li.wei", TTL: time.Hour}, now)

	t.Run("a token is phk_ and 32 random bytes in base64url, and only its hash is stored", func(t *testing.T) {
		if !strings.HasPrefix(rw.Secret, "phk_") || len(rw.Secret) != 4+43 {
			t.Errorf("secret %q: want phk_ and 43 base64url characters", rw.Secret)
		}
		if rw.Token.Hash != HashSecret(rw.Secret) || strings.Contains(rw.Token.Hash, rw.Secret[4:]) {
			t.Errorf("stored hash %q is not the sha256 of the secret", rw.Token.Hash)
		}
		if rw.Secret == ro.Secret || rw.Token.ID == ro.Token.ID {
			t.Error("two tokens share a secret or an id")
		}
	})
	t.Run("a token gets the caller in as its user, party and roles", func(t *testing.T) {
		w := do(f.h, "GET", "/api/v1/orders", "", "Authorization: Bearer "+rw.Secret)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		p := principalIn(t, w)
		if p.UserID != "anna" || p.PartyID != "ACME-DE" || len(p.Roles) != 1 || p.Roles[0] != RoleBuyer || p.TokenID != rw.Token.ID || !p.CanWrite() {
			t.Errorf("principal %+v; want anna of ACME-DE, buyer, by %s, writing", p, rw.Token.ID)
		}
	})
	t.Run("a read-only token reads but may not write", func(t *testing.T) {
		if w := do(f.h, "GET", "/api/v1/orders", "", "Authorization: Bearer "+ro.Secret); w.Code != http.StatusOK || principalIn(t, w).CanWrite() {
			t.Errorf("GET with a read-only token: %d %s; want 200 and CanWrite false", w.Code, w.Body)
		}
		if w := do(f.h, "POST", "/api/v1/orders", "{}", "Authorization: Bearer "+ro.Secret); w.Code != http.StatusForbidden {
			t.Errorf("POST with a read-only token: %d, want 403", w.Code)
		}
	})
	t.Run("a token works until it expires, then is 401", func(t *testing.T) {
		if w := do(f.h, "GET", "/", "", "Authorization: Bearer "+short.Secret); w.Code != http.StatusOK {
			t.Fatalf("before expiry: %d", w.Code)
		}
		f.clock.Add(time.Hour)
		if w := do(f.h, "GET", "/", "", "Authorization: Bearer "+short.Secret); w.Code != http.StatusUnauthorized {
			t.Errorf("at expiry: %d, want 401", w.Code)
		}
	})
	t.Run("a revoked token is 401 at its next request", func(t *testing.T) {
		tok := mustToken(t, f.st, TokenRequest{UserID: "li.wei"}, f.clock.Now())
		if w := do(f.h, "GET", "/", "", "Authorization: Bearer "+tok.Secret); w.Code != http.StatusOK {
			t.Fatalf("before revocation: %d", w.Code)
		}
		if err := f.st.RevokeToken(t.Context(), tok.Token.ID); err != nil {
			t.Fatal(err)
		}
		if w := do(f.h, "GET", "/", "", "Authorization: Bearer "+tok.Secret); w.Code != http.StatusUnauthorized {
			t.Errorf("after revocation: %d, want 401", w.Code)
		}
	})
	t.Run("using a token records when it was last used", func(t *testing.T) {
		got, _, err := f.st.LookupToken(t.Context(), rw.Token.Hash)
		if err != nil || got.LastUsedAt.IsZero() {
			t.Errorf("last used %v (%v); want the time of the request", got.LastUsedAt, err)
		}
	})
	t.Run("an unknown scope, a past expiry or an unknown user is refused at issue", func(t *testing.T) {
		for _, req := range []TokenRequest{
			{UserID: "anna", Scopes: []string{"admin"}},
			{UserID: "anna", ExpiresAt: now.Add(-time.Minute)},
			{UserID: "nobody"},
		} {
			if _, err := IssueToken(t.Context(), f.st, req, now); err == nil {
				t.Errorf("IssueToken(%+v) succeeded", req)
			}
		}
	})
}

func TestMiddlewareRefusesBadCredentials(t *testing.T) {
	f := newFixture(t, Options{})
	now := f.clock.Now()
	expired := mustToken(t, f.st, TokenRequest{UserID: "anna", TTL: time.Minute}, now.Add(-time.Hour))
	revoked := mustToken(t, f.st, TokenRequest{UserID: "anna"}, now)
	if err := f.st.RevokeToken(t.Context(), revoked.Token.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateUser(t.Context(), store.User{ID: "gone", PartyID: "ACME-DE", Roles: []string{"buyer"}}); err != nil {
		t.Fatal(err)
	}
	good := mustToken(t, f.st, TokenRequest{UserID: "anna"}, now)

	for _, c := range []struct {
		name    string
		headers []string
	}{
		{"no credential at all", nil},
		{"a token of the right shape that was never issued", []string{"Authorization: Bearer " + NewTokenSecret()}},
		{"a token cut short", []string{"Authorization: Bearer " + good.Secret[:20]}},
		{"an expired token", []string{"Authorization: Bearer " + expired.Secret}},
		{"a revoked token", []string{"Authorization: Bearer " + revoked.Secret}},
		{"basic auth instead of a bearer token", []string{"Authorization: Basic YW5uYTpwYXNzd29yZA=="}},
		{"a bearer without a token", []string{"Authorization: Bearer "}},
		{"a JWT when no OIDC is configured", []string{"Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."}},
		{"the token's hash instead of the token", []string{"Authorization: Bearer " + good.Token.Hash}},
		{"an unknown session cookie", []string{"Cookie: " + DefaultSessionCookie + "=made-up"}},
	} {
		t.Run(c.name+" is 401, saying only that the credential is invalid", func(t *testing.T) {
			w := do(f.h, "GET", "/api/v1/orders", "", c.headers...)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", w.Code, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate %q, want Bearer", got)
			}
			if code := errorCode(t, w); code != "unauthenticated" || !strings.Contains(w.Body.String(), `"invalid or expired credential"`) {
				t.Errorf("body %s; want the one unauthenticated error for every case", w.Body)
			}
		})
	}
	t.Run("no secret shown in any refusal lands in the log", func(t *testing.T) {
		logs := f.logs.String()
		for _, secret := range []string{expired.Secret, revoked.Secret, good.Secret[:20], good.Secret[4:]} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log shows a secret:\n%s", logs)
			}
		}
	})
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Options{RateLimit: RateLimit{PerMinute: 60, Burst: 3}})
	a := mustToken(t, f.st, TokenRequest{UserID: "anna"}, f.clock.Now())
	b := mustToken(t, f.st, TokenRequest{UserID: "li.wei"}, f.clock.Now())
	get := func(tok Issued) *httptest.ResponseRecorder {
		return do(f.h, "GET", "/api/v1/orders", "", "Authorization: Bearer "+tok.Secret)
	}
	for i := range 3 {
		if w := get(a); w.Code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i+1, w.Code)
		}
	}
	t.Run("the request after the burst is 429 with Retry-After", func(t *testing.T) {
		w := get(a)
		if w.Code != http.StatusTooManyRequests || errorCode(t, w) != "rate_limited" {
			t.Fatalf("4th request: %d %s, want 429 rate_limited", w.Code, w.Body)
		}
		if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s != 1 {
			t.Errorf("Retry-After %q, want 1 (one request a second)", w.Header().Get("Retry-After"))
		}
	})
	t.Run("another credential has a bucket of its own", func(t *testing.T) {
		if w := get(b); w.Code != http.StatusOK {
			t.Errorf("another token after the first ran out: %d, want 200", w.Code)
		}
	})
	t.Run("after Retry-After the credential may go on", func(t *testing.T) {
		f.clock.Add(time.Second)
		if w := get(a); w.Code != http.StatusOK {
			t.Errorf("a second later: %d, want 200", w.Code)
		}
		if w := get(a); w.Code != http.StatusTooManyRequests {
			t.Errorf("the next at once: %d, want 429", w.Code)
		}
	})
}

func TestSessions(t *testing.T) {
	f := newFixture(t, Options{SessionTTL: time.Hour})
	login := httptest.NewRecorder()
	csrf, err := f.auth.StartSession(t.Context(), login, "li.wei")
	if err != nil {
		t.Fatal(err)
	}
	cookies := login.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != DefaultSessionCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v; want one HttpOnly, SameSite=Lax %s", cookies, DefaultSessionCookie)
	}
	cookie := "Cookie: " + DefaultSessionCookie + "=" + cookies[0].Value
	bearer := "Authorization: Bearer " + mustToken(t, f.st, TokenRequest{UserID: "li.wei"}, f.clock.Now()).Secret

	t.Run("a session reads without a CSRF token", func(t *testing.T) {
		w := do(f.h, "GET", "/orders", "", cookie)
		if w.Code != http.StatusOK || principalIn(t, w).PartyID != "SUP-CN-SZP" {
			t.Errorf("GET with the session: %d %s", w.Code, w.Body)
		}
	})
	t.Run("a session's POST without its CSRF token is 403 and never reaches the handler", func(t *testing.T) {
		w := do(f.h, "POST", "/orders/4500012345/confirm", "", cookie)
		if w.Code != http.StatusForbidden || errorCode(t, w) != "csrf" {
			t.Errorf("POST without CSRF: %d %s, want 403 csrf", w.Code, w.Body)
		}
		if w := do(f.h, "POST", "/orders/4500012345/confirm", "", cookie, "X-CSRF-Token: "+csrf+"x"); w.Code != http.StatusForbidden {
			t.Errorf("POST with a wrong CSRF token: %d, want 403", w.Code)
		}
	})
	t.Run("a session's POST with its CSRF token in the header or the form goes through", func(t *testing.T) {
		if w := do(f.h, "POST", "/orders/4500012345/confirm", "", cookie, "X-CSRF-Token: "+csrf); w.Code != http.StatusOK {
			t.Errorf("POST with the CSRF header: %d %s", w.Code, w.Body)
		}
		form := url.Values{"csrf_token": {csrf}}.Encode()
		if w := do(f.h, "POST", "/orders/4500012345/confirm", form, cookie, "Content-Type: application/x-www-form-urlencoded"); w.Code != http.StatusOK {
			t.Errorf("POST with the CSRF form field: %d %s", w.Code, w.Body)
		}
	})
	t.Run("a session's multipart upload needs the CSRF header: its body is not parsed for the field", func(t *testing.T) {
		body := "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + csrf + "\r\n--b--\r\n"
		if w := do(f.h, "POST", "/orders/4500012345/documents", body, cookie, "Content-Type: multipart/form-data; boundary=b"); w.Code != http.StatusForbidden {
			t.Errorf("multipart POST with the field only: %d, want 403", w.Code)
		}
		if w := do(f.h, "POST", "/orders/4500012345/documents", body, cookie, "Content-Type: multipart/form-data; boundary=b", "X-CSRF-Token: "+csrf); w.Code != http.StatusOK {
			t.Errorf("multipart POST with the header: %d %s", w.Code, w.Body)
		}
	})
	t.Run("the page can embed the session's CSRF token", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookies[0])
		if got := f.auth.CSRFToken(r); got != csrf {
			t.Errorf("CSRFToken = %q, want the one StartSession gave", got)
		}
	})
	t.Run("a bearer token's POST needs no CSRF token", func(t *testing.T) {
		if w := do(f.h, "POST", "/orders/4500012345/confirm", "", bearer); w.Code != http.StatusOK {
			t.Errorf("POST with a bearer token: %d %s", w.Code, w.Body)
		}
	})
	t.Run("an expired session is 401", func(t *testing.T) {
		f.clock.Add(time.Hour + time.Second)
		if w := do(f.h, "GET", "/orders", "", cookie); w.Code != http.StatusUnauthorized {
			t.Errorf("GET after the session's TTL: %d, want 401", w.Code)
		}
	})
	t.Run("a session ended by logout is 401", func(t *testing.T) {
		again := httptest.NewRecorder()
		if _, err := f.auth.StartSession(t.Context(), again, "anna"); err != nil {
			t.Fatal(err)
		}
		c := again.Result().Cookies()[0]
		r := httptest.NewRequest("POST", "/logout", nil)
		r.AddCookie(c)
		if err := f.auth.EndSession(t.Context(), httptest.NewRecorder(), r); err != nil {
			t.Fatal(err)
		}
		if w := do(f.h, "GET", "/orders", "", "Cookie: "+c.Name+"="+c.Value); w.Code != http.StatusUnauthorized {
			t.Errorf("GET after logout: %d, want 401", w.Code)
		}
	})
	t.Run("a login sweeps the sessions that ran out from the store", func(t *testing.T) {
		if _, _, err := f.st.LookupSession(t.Context(), HashSecret(cookies[0].Value)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the expired session after another login: %v, want ErrNotFound", err)
		}
	})
	t.Run("Optional lets a request without a credential through, without a principal", func(t *testing.T) {
		o := newFixture(t, Options{Optional: true})
		if w := do(o.h, "GET", "/login", ""); w.Code != http.StatusOK || errorCode(t, w) != "anonymous" {
			t.Errorf("anonymous GET with Optional: %d %s", w.Code, w.Body)
		}
		if w := do(o.h, "GET", "/login", "", "Authorization: Bearer phk_nope"); w.Code != http.StatusUnauthorized {
			t.Errorf("a wrong token with Optional: %d, want 401", w.Code)
		}
	})
}

func TestPasswordLogin(t *testing.T) {
	f := newFixture(t, Options{})
	hash, err := HashPassword("s3cret-enough-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateUser(t.Context(), store.User{ID: "maria", PartyID: "SUP-IT-BOL", Roles: []string{"supplier"}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if u, err := f.auth.CheckPassword(t.Context(), "maria", "s3cret-enough-pw"); err != nil || u.PartyID != "SUP-IT-BOL" {
		t.Errorf("right password: %+v, %v", u, err)
	}
	for _, c := range [][2]string{{"maria", "wrong"}, {"nobody", "s3cret-enough-pw"}, {"anna", ""}} {
		if _, err := f.auth.CheckPassword(t.Context(), c[0], c[1]); err != ErrInvalidCredential {
			t.Errorf("CheckPassword(%q, %q) = %v, want ErrInvalidCredential", c[0], c[1], err)
		}
	}
}

func TestMiddlewareWithoutAStoreAnswers500(t *testing.T) {
	h := Middleware(Options{Logger: (&logBuffer{}).logger()})(whoami)
	if w := do(h, "GET", "/", ""); w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
}
