package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// browser is an HTTP client with cookies that does not follow redirects,
// so a test sees each 303.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: srv.Client().Transport, Jar: jar, // a jar of its own
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, base: srv.URL, c: c}
}

// do returns the status, the body and the response.
func (b *browser) do(method, path string, form url.Values) (int, string, *http.Response) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.StatusCode, string(out), res
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	code, body, _ := b.do(http.MethodGet, path, nil)
	return code, body
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token in a page's forms.
func (b *browser) csrf(page string) string {
	b.t.Helper()
	_, body := b.get(page)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("%s has no CSRF token in its forms:\n%s", page, body)
	}
	return m[1]
}

// login logs in with token and returns the status of the login post.
func (b *browser) login(token string) (int, string) {
	b.t.Helper()
	code, body, _ := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {b.csrf("/ui/login")}, "token": {token}})
	return code, body
}

func sessionCookie(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", cookieName, res.Header.Values("Set-Cookie"))
	return nil
}

func TestLogin(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(h.dashboard(t, nil))
	defer srv.Close()

	t.Run("a page without a session sends the browser to the login form", func(t *testing.T) {
		code, _, res := newBrowser(t, srv).do(http.MethodGet, "/ui/", nil)
		if code != http.StatusSeeOther || res.Header.Get("Location") != "/ui/login" {
			t.Errorf("status %d to %q; want 303 to /ui/login", code, res.Header.Get("Location"))
		}
	})

	t.Run("a token the hub does not know is a 401 with the form again, and no session", func(t *testing.T) {
		b := newBrowser(t, srv)
		code, body := b.login("tok-guessed")
		if code != http.StatusUnauthorized || !strings.Contains(body, "That token was not accepted") || !strings.Contains(body, `name="token"`) {
			t.Errorf("status %d; want 401 with the message and the form:\n%s", code, body)
		}
		if strings.Contains(body, "tok-guessed") {
			t.Error("the refused token is echoed in the page")
		}
		if code, _ := b.get("/ui/"); code != http.StatusSeeOther {
			t.Errorf("after a refused login /ui/ is %d; want 303 to the login form", code)
		}
	})

	t.Run("the session cookie is HttpOnly, SameSite=Lax, scoped to /ui/, a new random id, never the token", func(t *testing.T) {
		b := newBrowser(t, srv)
		_, _, res := b.do(http.MethodGet, "/ui/login", nil)
		anon := sessionCookie(t, res)
		code, _, res := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {csrfField.FindStringSubmatch(mustBody(t, b, "/ui/login"))[1]}, "token": {tokenS1}})
		if code != http.StatusSeeOther || res.Header.Get("Location") != "/ui/" {
			t.Fatalf("login: status %d to %q; want 303 to /ui/", code, res.Header.Get("Location"))
		}
		c := sessionCookie(t, res)
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/ui/" || c.Secure {
			t.Errorf("cookie %s; want HttpOnly, SameSite=Lax, Path=/ui/, not Secure over plain HTTP", c)
		}
		if c.Value == anon.Value || len(c.Value) < 40 || strings.Contains(c.Value, tokenS1) {
			t.Errorf("cookie value %q; want a new random id (anonymous was %q) that is not the token", c.Value, anon.Value)
		}
		if code, body := b.get("/ui/"); code != http.StatusOK || !strings.Contains(body, "ana@s1") {
			t.Errorf("after login /ui/ is %d; want 200 naming the user", code)
		}
	})

	t.Run("over TLS, and when configured behind a proxy, the cookie is Secure", func(t *testing.T) {
		for name, srv := range map[string]*httptest.Server{
			"tls":   httptest.NewTLSServer(h.dashboard(t, nil)),
			"proxy": httptest.NewServer(h.dashboard(t, func(c *Config) { c.SecureCookie = true })),
		} {
			b := newBrowser(t, srv)
			_, _, res := b.do(http.MethodGet, "/ui/login", nil)
			if c := sessionCookie(t, res); !c.Secure {
				t.Errorf("%s: cookie %s is not Secure", name, c)
			}
			srv.Close()
		}
	})

	t.Run("a login post without the login form's CSRF token is 403", func(t *testing.T) {
		b := newBrowser(t, srv)
		b.get("/ui/login")
		code, _, _ := b.do(http.MethodPost, "/ui/login", url.Values{"token": {tokenS1}})
		if code != http.StatusForbidden {
			t.Errorf("status %d; want 403", code)
		}
		if code, _ := b.get("/ui/"); code != http.StatusSeeOther {
			t.Errorf("/ui/ is %d after a refused login; want 303 to the login form", code)
		}
	})

	t.Run("logout ends the session on the server: the old cookie opens nothing", func(t *testing.T) {
		b := newBrowser(t, srv)
		b.login(tokenS1)
		u, _ := url.Parse(srv.URL + "/ui/")
		old := b.c.Jar.Cookies(u)
		code, _, _ := b.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {b.csrf("/ui/")}})
		if code != http.StatusSeeOther {
			t.Fatalf("logout status %d; want 303", code)
		}
		replay := newBrowser(t, srv)
		replay.c.Jar.SetCookies(u, old)
		if code, _ := replay.get("/ui/"); code != http.StatusSeeOther {
			t.Errorf("the cookie of a logged-out session opens /ui/ with %d; want 303 to the login form", code)
		}
	})

	t.Run("a token the API stops accepting ends the session at the next page", func(t *testing.T) {
		d := h.dashboard(t, func(c *Config) {
			c.Verify = func(ctx context.Context, token string) (auth.Principal, error) {
				if token == "tok-revoked-later" {
					return auth.Principal{UserID: "gone", PartyID: "SUP-S1", Roles: []auth.Role{auth.RoleSupplier}}, nil
				}
				return verify(ctx, token)
			}
		})
		srv := httptest.NewServer(d)
		defer srv.Close()
		b := newBrowser(t, srv)
		if code, _ := b.login("tok-revoked-later"); code != http.StatusSeeOther {
			t.Fatalf("login %d", code)
		}
		code, _, res := b.do(http.MethodGet, "/ui/", nil)
		if code != http.StatusSeeOther || res.Header.Get("Location") != "/ui/login" {
			t.Errorf("status %d to %q; want 303 to /ui/login", code, res.Header.Get("Location"))
		}
	})

	t.Run("a verifier that cannot check now is a 503 that says to try again, not a 401", func(t *testing.T) {
		d := h.dashboard(t, func(c *Config) {
			c.Verify = func(context.Context, string) (auth.Principal, error) {
				return auth.Principal{}, errors.New("database is locked")
			}
		})
		srv := httptest.NewServer(d)
		defer srv.Close()
		code, body := newBrowser(t, srv).login(tokenS1)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "Try again") || strings.Contains(body, "database") {
			t.Errorf("status %d; want 503 saying to try again, without the cause:\n%s", code, body)
		}
	})
}

func TestPasswordLoginThroughAuthSessions(t *testing.T) {
	// auth's own Authenticator over the hub's store: the dashboard holds
	// auth's session for the user and presents it to the API.
	h := newHub(t)
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.CreateUser(t.Context(), store.User{ID: "ana", PartyID: "SUP-S1", Roles: []string{"supplier"}, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Options{Store: h.store})
	if err != nil {
		t.Fatal(err)
	}
	scoped := scopedStore{h.store}
	mux := http.NewServeMux()
	var confirmedBy []string
	mux.Handle("POST /api/v1/orders/{number}/confirm", a.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		confirmedBy = append(confirmedBy, p.UserID+":"+r.PathValue("number"))
		w.WriteHeader(http.StatusOK)
	})))
	mux.Handle("/", api.Handler(api.Config{Orders: scoped, Authenticate: a.Middleware()}))
	d, err := Handler(Config{API: mux, Verify: a.CheckToken, PasswordLogin: PasswordLoginWith(a)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv)
	if !strings.Contains(mustBody(t, b, "/ui/login"), `name="password"`) {
		t.Fatal("the login page has no password field")
	}

	t.Run("a wrong password is 401 saying so", func(t *testing.T) {
		code, body, _ := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {b.csrf("/ui/login")}, "username": {"ana"}, "password": {"wrong"}})
		if code != http.StatusUnauthorized || !strings.Contains(body, "username and password were not accepted") {
			t.Errorf("status %d; want 401 saying so", code)
		}
	})
	t.Run("the right password shows the user's orders, and its writes carry auth's CSRF token", func(t *testing.T) {
		code, _, res := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {b.csrf("/ui/login")}, "username": {"ana"}, "password": {"correct horse battery"}})
		if code != http.StatusSeeOther {
			t.Fatalf("status %d; want 303", code)
		}
		for _, c := range res.Cookies() {
			if c.Name == auth.DefaultSessionCookie {
				t.Errorf("auth's session cookie reached the browser: %s", c)
			}
		}
		body := mustBody(t, b, "/ui/")
		if !strings.Contains(body, `data-order="PO-S1-1"`) || strings.Contains(body, "PO-S2-1") {
			t.Errorf("want the orders of SUP-S1 only:\n%s", body)
		}
		code, _, _ = b.do(http.MethodPost, "/ui/orders/PO-S1-1/confirm", url.Values{"csrf": {b.csrf("/ui/")}})
		if code != http.StatusSeeOther || len(confirmedBy) != 1 || confirmedBy[0] != "ana:PO-S1-1" {
			t.Errorf("confirm: status %d, the API saw %v; want 303 and ana's confirmation", code, confirmedBy)
		}
	})
	t.Run("logout ends auth's session too", func(t *testing.T) {
		b.do(http.MethodPost, "/ui/logout", url.Values{"csrf": {b.csrf("/ui/")}})
		n, err := h.store.DeleteExpiredSessions(t.Context(), time.Now().Add(24*time.Hour))
		if err != nil || n != 0 {
			t.Errorf("%d sessions were still stored after logout (%v); want 0", n, err)
		}
	})
}

func mustBody(t *testing.T, b *browser, path string) string {
	t.Helper()
	code, body := b.get(path)
	if code != http.StatusOK {
		t.Fatalf("%s: %d", path, code)
	}
	return body
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(h.dashboard(t, nil))
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	other := newBrowser(t, srv)
	other.login(tokenS2)

	for name, form := range map[string]url.Values{
		"no token":                     {"buyer": {"ACME-DE"}},
		"an empty token":               {"csrf": {""}},
		"the token of another session": {"csrf": {other.csrf("/ui/")}},
		"the token of the login form":  {"csrf": {newBrowser(t, srv).csrf("/ui/login")}},
	} {
		t.Run("a confirm post with "+name+" is 403 and confirms nothing", func(t *testing.T) {
			code, body, _ := b.do(http.MethodPost, "/ui/orders/PO-S1-1/confirm", form)
			if code != http.StatusForbidden || !strings.Contains(body, "Reload the page") {
				t.Errorf("status %d; want 403 with what to do", code)
			}
			if got := h.confirmations(); len(got) != 0 {
				t.Errorf("confirmed %v", got)
			}
		})
	}
	t.Run("alert buttons and logout need it too", func(t *testing.T) {
		for _, p := range []string{"/ui/alerts/al-s1/acknowledge", "/ui/logout"} {
			if code, _, _ := b.do(http.MethodPost, p, url.Values{}); code != http.StatusForbidden {
				t.Errorf("%s: status %d; want 403", p, code)
			}
		}
		if code, _ := b.get("/ui/"); code != http.StatusOK {
			t.Errorf("the session did not survive a refused logout: %d", code)
		}
	})
	t.Run("with the page's token the confirmation reaches the API", func(t *testing.T) {
		code, _, res := b.do(http.MethodPost, "/ui/orders/PO-S1-1/confirm", url.Values{"csrf": {b.csrf("/ui/")}, "buyer": {"ACME-DE"}})
		if code != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=confirmed") {
			t.Errorf("status %d to %q; want 303 back to the order", code, res.Header.Get("Location"))
		}
		if got := h.confirmations(); len(got) != 1 || got[0] != "SUP-S1:PO-S1-1" {
			t.Errorf("confirmations %v; want SUP-S1:PO-S1-1", got)
		}
	})
}

func TestASupplierSeesOnlyItsOwnOrders(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(h.dashboard(t, nil))
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)

	t.Run("the orders table lists the supplier's orders with a badge, a progress bar and a Confirm button", func(t *testing.T) {
		body := mustBody(t, b, "/ui/")
		for _, want := range []string{`data-order="PO-S1-1"`, `data-order="PO-S1-2"`, `class="badge st-submitted"`,
			`<progress max="12" value="1"`, `2026-12-20`, `>Confirm</button>`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if strings.Contains(body, "PO-S2-1") {
			t.Error("supplier S1 sees the order of supplier S2")
		}
		if !strings.Contains(body, `id="kpi-total">2<`) {
			t.Errorf("the orders tile does not count 2 orders:\n%s", body)
		}
	})

	t.Run("another supplier's order page is 404, as the API answers", func(t *testing.T) {
		code, body := b.get("/ui/orders/PO-S2-1")
		if code != http.StatusNotFound || strings.Contains(body, "Ball valve") {
			t.Errorf("status %d; want 404 showing nothing of the order", code)
		}
	})

	t.Run("the status filter shows only orders of that status", func(t *testing.T) {
		if moved, err := h.store.SetOrderStatus(t.Context(), "ACME-DE", "PO-S1-2", "submitted", "confirmed"); err != nil || !moved {
			t.Fatalf("set status: %v %v", moved, err)
		}
		body := mustBody(t, b, "/ui/?status=confirmed")
		if !strings.Contains(body, `data-order="PO-S1-2"`) || strings.Contains(body, `data-order="PO-S1-1"`) {
			t.Errorf("status=confirmed: want PO-S1-2 only")
		}
		if strings.Contains(body, ">Confirm</button>") {
			t.Error("a confirmed order still has a Confirm button")
		}
	})

	t.Run("the order page shows the lines and the timeline, and no documents or messages the API does not serve", func(t *testing.T) {
		body := mustBody(t, b, "/ui/orders/PO-S1-1?buyer=ACME-DE")
		for _, want := range []string{"Ball valve DN50", "90.00", `id="timeline"`, `data-kind="order_created"`, `id="confirm"`} {
			if !strings.Contains(body, want) {
				t.Errorf("order page lacks %s", want)
			}
		}
		if strings.Contains(body, `id="documents"`) || strings.Contains(body, `id="messages"`) {
			t.Error("the order page shows documents or messages though the API answers 404 for them")
		}
	})
}

func TestAnOrderPageShowsDocumentsAndMessagesWhenTheAPIServesThem(t *testing.T) {
	h := newHub(t)
	inner := h.api
	var posted []string // Idempotency-Key and body of each message post
	withDocs := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v1/orders/PO-S1-1/documents":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"documents":[{"document_id":7,"order_number":"PO-S1-1","buyer_id":"ACME-DE","document_type":"commercial_invoice",`+
				`"name":"invoice-4711.pdf","media_type":"application/pdf","size":20480,"uploaded_by":"ana@s1","party":"SUP-S1","created_at":"2026-12-01T10:00:00Z"}]}`)
		case "GET /api/v1/orders/PO-S1-1/documents/7":
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", `attachment; filename="invoice-4711.pdf"`)
			_, _ = io.WriteString(w, "%PDF-1.7 test")
		case "GET /api/v1/orders/PO-S1-1/messages":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"messages":[{"message_id":1,"order_number":"PO-S1-1","author":"buyer@acme","party":"ACME-DE","text":"<b>ship</b> by Friday?","created_at":"2026-12-02T09:00:00Z"}]}`)
		case "POST /api/v1/orders/PO-S1-1/messages":
			b, _ := io.ReadAll(r.Body)
			posted = append(posted, r.Header.Get("Idempotency-Key")+" "+string(b))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"message_id":2}`)
		default:
			inner.ServeHTTP(w, r)
		}
	})
	h.api = withDocs
	srv := httptest.NewServer(h.dashboard(t, nil))
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	body := mustBody(t, b, "/ui/orders/PO-S1-1?buyer=ACME-DE")
	for _, want := range []string{`id="documents"`, "invoice-4711.pdf", "commercial invoice", "20 KiB", `href="/ui/orders/PO-S1-1/documents/7?buyer=ACME-DE"`,
		`id="messages"`, "buyer@acme", "&lt;b&gt;ship&lt;/b&gt; by Friday?", `id="message-form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %s", want)
		}
	}

	t.Run("a document downloads as the API's attachment", func(t *testing.T) {
		code, body, res := b.do(http.MethodGet, "/ui/orders/PO-S1-1/documents/7?buyer=ACME-DE", nil)
		if code != http.StatusOK || body != "%PDF-1.7 test" || res.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%d %v %q; want the PDF as an attachment, not sniffed", code, res.Header, body)
		}
	})
	t.Run("a posted message goes to the API with the form's Idempotency-Key", func(t *testing.T) {
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindAllStringSubmatch(body, -1)
		if len(key) == 0 {
			t.Fatal("the message form has no key")
		}
		form := url.Values{"csrf": {b.csrf("/ui/")}, "buyer": {"ACME-DE"}, "key": {key[len(key)-1][1]}, "text": {"Friday works."}}
		code, _, res := b.do(http.MethodPost, "/ui/orders/PO-S1-1/messages", form)
		if code != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=sent") {
			t.Errorf("status %d to %q; want 303 back to the thread", code, res.Header.Get("Location"))
		}
		if len(posted) != 1 || posted[0] != key[len(key)-1][1]+` {"text":"Friday works."}` {
			t.Errorf("the API got %q; want the text under the form's key", posted)
		}
	})
}

func TestKPITilesCountWhatTheUserSees(t *testing.T) {
	// A fake API: three orders, two delivered (one on time, one a day
	// late), two open alerts.
	timeline := func(day string) string {
		return `{"state":"delivered","entries":[{"kind":"order_created","outcome":"moved","from":"","to":"submitted","occurred_at":"2026-11-01T08:00:00Z"},` +
			`{"kind":"tracking","outcome":"moved","from":"in_transit","to":"delivered","occurred_at":"2026-12-` + day + `T16:00:00Z"}]}`
	}
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/orders":
			_, _ = io.WriteString(w, `{"orders":[`+
				`{"order_number":"A","buyer":{"id":"B"},"supplier":{"id":"S"},"status":"delivered","requested_delivery_date":"2026-12-10","lines":[]},`+
				`{"order_number":"L","buyer":{"id":"B"},"supplier":{"id":"S"},"status":"paid","requested_delivery_date":"2026-12-10","lines":[]},`+
				`{"order_number":"C","buyer":{"id":"B"},"supplier":{"id":"S"},"status":"submitted","lines":[]}]}`)
		case "/api/v1/orders/A/timeline":
			_, _ = io.WriteString(w, timeline("10"))
		case "/api/v1/orders/L/timeline":
			_, _ = io.WriteString(w, timeline("11"))
		case "/api/v1/alerts":
			_, _ = io.WriteString(w, `{"alerts":[{"alert_id":"1","status":"open"},{"alert_id":"2","status":"open"}]}`)
		default:
			http.NotFound(w, r)
		}
	})
	d, err := Handler(Config{API: fake, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	body := mustBody(t, b, "/ui/")
	for _, want := range []string{`id="kpi-total">3<`, `id="kpi-alerts">2<`, `id="kpi-ontime">50%<`, "1 of 2 delivered",
		`data-status="delivered"><span class="n">1<`, `data-status="paid"><span class="n">1<`, `data-status="submitted"><span class="n">1<`} {
		if !strings.Contains(body, want) {
			t.Errorf("tiles lack %s", want)
		}
	}
}

func TestAlertsAreAcknowledgedAndResolvedFromTheList(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(h.dashboard(t, nil))
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	body := mustBody(t, b, "/ui/alerts")
	if !strings.Contains(body, `data-alert="al-s1"`) || strings.Contains(body, "al-s2") {
		t.Fatalf("want S1's alert only:\n%s", body)
	}
	csrf := b.csrf("/ui/alerts")
	if code, _, res := b.do(http.MethodPost, "/ui/alerts/al-s1/acknowledge", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther ||
		res.Header.Get("Location") != "/ui/alerts?done=acknowledged" {
		t.Fatalf("acknowledge: %d to %q", code, res.Header.Get("Location"))
	}
	a, err := h.store.GetAlert(t.Context(), "al-s1")
	if err != nil || a.Status != store.AlertAcknowledged || a.StatusBy != "ana@s1" {
		t.Fatalf("alert %+v, %v; want acknowledged by ana@s1", a, err)
	}
	if body := mustBody(t, b, "/ui/alerts?done=acknowledged"); !strings.Contains(body, "The alert is acknowledged.") {
		t.Error("no note that the alert is acknowledged")
	}
	b.do(http.MethodPost, "/ui/alerts/al-s1/resolve", url.Values{"csrf": {csrf}})
	code, body, _ := b.do(http.MethodPost, "/ui/alerts/al-s1/resolve", url.Values{"csrf": {csrf}})
	if code != http.StatusConflict || !strings.Contains(body, "is resolved and cannot become resolved") {
		t.Errorf("resolving twice: %d; want the API's 409 and its reason:\n%s", code, body)
	}
}

func TestTheEventStreamSaysWhenTheUsersOrdersChange(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(h.dashboard(t, func(c *Config) { c.PollEvery = time.Hour })) // only notifications
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	s2 := newBrowser(t, srv)
	s2.login(tokenS2)

	stream := func(b *browser) (<-chan string, context.CancelFunc) {
		ctx, cancel := context.WithCancel(t.Context())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/ui/events", nil)
		res, err := b.c.Do(req)
		if err != nil || res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events: %v %v", res, err)
		}
		lines := make(chan string, 64)
		go func() { // ends when cancel closes the body
			defer close(lines)
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		return lines, func() { cancel(); res.Body.Close() }
	}
	waitFor := func(lines <-chan string, want string, d time.Duration) bool {
		deadline := time.After(d)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return false
				}
				if l == want {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}
	s1Lines, stop1 := stream(b)
	defer stop1()
	s2Lines, stop2 := stream(s2)
	defer stop2()
	if !waitFor(s1Lines, ": hello", 5*time.Second) || !waitFor(s2Lines, ": hello", 5*time.Second) {
		t.Fatal("the streams did not open")
	}
	time.Sleep(200 * time.Millisecond) // both streams have read their first view
	b.do(http.MethodPost, "/ui/orders/PO-S1-1/confirm", url.Values{"csrf": {b.csrf("/ui/")}, "buyer": {"ACME-DE"}})
	if !waitFor(s1Lines, `data: {"kind":"orders"}`, 5*time.Second) {
		t.Error("S1's stream did not say its orders changed")
	}
	if waitFor(s2Lines, `data: {"kind":"orders"}`, 500*time.Millisecond) {
		t.Error("S2's stream told of a change to S1's order")
	}
}

func TestAnIncompleteConfigIsAnError(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no API":    {Verify: verify},
		"no Verify": {API: http.NotFoundHandler()},
	} {
		if _, err := Handler(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// failingPublisher refuses topics that start with "down".
type failingPublisher struct{ published []string }

func (f *failingPublisher) Publish(topic string, _ ...*message.Message) error {
	if strings.HasPrefix(topic, "down") {
		return errors.New("broker unreachable")
	}
	f.published = append(f.published, topic)
	return nil
}

func (f *failingPublisher) Close() error { return nil }

func TestAPublishedChangeNotifiesTheDashboard(t *testing.T) {
	b := &Broadcaster{}
	ctx, cancel := context.WithCancel(t.Context())
	notes := b.Subscribe(ctx)
	inner := &failingPublisher{}
	pub := NotifyOnPublish(inner, b)
	for _, topic := range []string{"procurehub.order-events.v1", "procurehub.alerts.v1", "down.order-events.v1"} {
		_ = pub.Publish(topic, message.NewMessage("1", nil))
	}
	var got []string
	for len(got) < 2 {
		select {
		case e := <-notes:
			got = append(got, e.Kind)
		case <-time.After(2 * time.Second):
			t.Fatalf("notifications %v; want orders then alerts", got)
		}
	}
	if strings.Join(got, ",") != "orders,alerts" || len(inner.published) != 2 {
		t.Errorf("notifications %v after publishing %v; want orders, alerts", got, inner.published)
	}
	select {
	case e := <-notes:
		t.Errorf("a failed publish notified %+v", e)
	default:
	}
	cancel()
	if _, ok := <-notes; ok {
		t.Error("the subscription did not end with its context")
	}
}

func TestPasswordGuessingIsThrottledPerUser(t *testing.T) {
	h := newHub(t)
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var checked int
	d := h.dashboard(t, func(c *Config) {
		c.Now = func() time.Time { return now }
		c.PasswordLogin = func(_ context.Context, user, pass string) (Credential, auth.Principal, error) {
			checked++
			if user == "ana" && pass == "right" {
				return Credential{Bearer: tokenS1}, principals[tokenS1], nil
			}
			return Credential{}, auth.Principal{}, auth.ErrInvalidCredential
		}
	})
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv)
	try := func(user, pass string) int {
		code, _, _ := b.do(http.MethodPost, "/ui/login", url.Values{"csrf": {b.csrf("/ui/login")}, "username": {user}, "password": {pass}})
		return code
	}
	for i := range maxFailures {
		if code := try("ana", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d; want 401", i+1, code)
		}
	}
	checked = 0
	if code := try("ANA", "right"); code != http.StatusTooManyRequests || checked != 0 {
		t.Errorf("after %d failures even the right password: %d with %d checks; want 429 unchecked", maxFailures, code, checked)
	}
	if code := try("bo", "guess"); code != http.StatusUnauthorized {
		t.Errorf("another user: %d; want 401 (not throttled)", code)
	}
	now = now.Add(failureWindow + time.Second)
	if code := try("ana", "right"); code != http.StatusSeeOther {
		t.Errorf("after the window the right password: %d; want 303", code)
	}
}

func TestThePagesLoadNothingFromElsewhere(t *testing.T) {
	t.Run("no embedded template, style or script names another origin", func(t *testing.T) {
		for _, fsys := range []fs.FS{templateFS, staticFS} {
			err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := fs.ReadFile(fsys, path)
				if err != nil {
					return err
				}
				for _, bad := range []string{"http:", "https:", "//cdn", "@import", "url(", "fonts.g"} {
					if strings.Contains(string(b), bad) {
						t.Errorf("%s holds %q", path, bad)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("pages forbid other origins, inline script and framing", func(t *testing.T) {
		h := newHub(t)
		srv := httptest.NewServer(h.dashboard(t, nil))
		defer srv.Close()
		b := newBrowser(t, srv)
		for _, p := range []string{"/ui/login", "/ui/static/app.js"} {
			_, _, res := b.do(http.MethodGet, p, nil)
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
				!strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: CSP %q, nosniff %q", p, csp, res.Header.Get("X-Content-Type-Options"))
			}
		}
		code, body, res := b.do(http.MethodGet, "/ui/static/style.css", nil)
		if code != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "system-ui") {
			t.Errorf("style.css: %d %q", code, res.Header.Get("Content-Type"))
		}
	})
}

func TestTheKPIPageChartsTheAPIsFiguresAndExportsThem(t *testing.T) {
	var asked []string
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/kpis" {
			http.NotFound(w, r)
			return
		}
		asked = append(asked, r.URL.RawQuery)
		if r.URL.Query().Get("format") == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="procurehub-kpis.csv"`)
			_, _ = io.WriteString(w, "key,orders\nTOTAL,3\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"query":{"group_by":"supplier"},"total":{"key":"","orders":3,"open":1,"on_time_rate":0.5,"error_rate":0.3333,
			"cycle_days":{"count":2,"median":19.5},"confirmation_hours":{"count":0},"settlement_days":{"count":0}},
			"groups":[{"key":"SUP-<A>","orders":2,"on_time_rate":1,"cycle_days":{"count":1,"median":18},"confirmation_hours":{"count":0},"settlement_days":{"count":0}},
			{"key":"SUP-B","orders":1,"on_time_rate":0,"cycle_days":{"count":1,"median":21},"confirmation_hours":{"count":0},"settlement_days":{"count":0}}]}`)
	})
	d, err := Handler(Config{API: fake, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	body := mustBody(t, b, "/ui/kpis?group_by=supplier&from=2026-01-01")
	for _, want := range []string{"50.0%", "33.3%", "19.5", `<svg class="chart"`, "SUP-&lt;A&gt;", "100.0%", "21.0 d",
		`href="/ui/kpis/export/csv?from=2026-01-01&amp;group_by=supplier"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(body, "SUP-<A>") {
		t.Error("a group key is not escaped")
	}
	if len(asked) != 1 || asked[0] != "from=2026-01-01&group_by=supplier" {
		t.Errorf("API asked %q; want the page's filters", asked)
	}
	code, csv, res := b.do(http.MethodGet, "/ui/kpis/export/csv?group_by=supplier", nil)
	if code != http.StatusOK || csv != "key,orders\nTOTAL,3\n" || !strings.Contains(res.Header.Get("Content-Disposition"), "procurehub-kpis.csv") {
		t.Errorf("export: %d %q %q", code, csv, res.Header.Get("Content-Disposition"))
	}
}

func TestTheHomePageShowsTheHostedSFTPInboxAndItsHostKeys(t *testing.T) {
	sftpOn := true
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/orders":
			_, _ = io.WriteString(w, `{"orders":[]}`)
		case r.URL.Path == "/api/v1/alerts":
			_, _ = io.WriteString(w, `{"alerts":[]}`)
		case r.URL.Path == "/api/v1/sftp" && sftpOn:
			_, _ = io.WriteString(w, `{"addr":"hub.example:2222","host_keys":["ssh-ed25519 SHA256:abc<def>"]}`)
		default:
			http.NotFound(w, r)
		}
	})
	d, err := Handler(Config{API: fake, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	defer srv.Close()
	b := newBrowser(t, srv)
	b.login(tokenS1)
	body := mustBody(t, b, "/ui/")
	if !strings.Contains(body, "hub.example:2222") || !strings.Contains(body, "ssh-ed25519 SHA256:abc&lt;def&gt;") {
		t.Errorf("the home page does not show the SFTP inbox and its escaped fingerprint")
	}
	sftpOn = false
	if body := mustBody(t, b, "/ui/"); strings.Contains(body, `id="sftp-inbox"`) {
		t.Error("the home page shows an SFTP inbox the hub does not run")
	}
}
