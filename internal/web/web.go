// Package web is the dashboard: server-rendered pages under /ui/ for every
// party of the portal (orders with their status and progress, an order's
// lines, timeline, documents and messages, alerts, KPI tiles), a login by
// API token or password, and live updates by server-sent events.
//
// The dashboard holds no data and decides nothing about access: every page
// is built from the JSON API (internal/api), called in-process with the
// logged-in user's own bearer token, and every form is posted to the API
// the same way. A party therefore sees and does in the dashboard exactly
// what the API lets it see and do.
//
// Sessions live on the server: the cookie carries a random session id
// (HttpOnly, SameSite=Lax, Secure over TLS or when configured), never the
// token. Every form carries the session's CSRF token; a POST without it is
// 403. Templates, styles and scripts are embedded in the binary.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/procurehub/procurehub/internal/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config wires the dashboard.
type Config struct {
	// API is the JSON API (api.Handler). Pages call it in-process with the
	// session's bearer token.
	API http.Handler
	// Verify resolves an API token to its principal (auth's
	// Authenticator.CheckToken). A token it refuses with
	// auth.ErrInvalidCredential cannot log in (401); any other error is a
	// failure to check (503). Required.
	Verify func(ctx context.Context, token string) (auth.Principal, error)
	// PasswordLogin, when set, adds username and password to the login
	// form: it checks them and returns the credential the dashboard
	// presents to the API for that user, with its principal
	// (PasswordLoginWith gives one over auth's sessions). Errors as Verify.
	PasswordLogin func(ctx context.Context, username, password string) (Credential, auth.Principal, error)
	// Events, when set, subscribes to change notifications (order status
	// changes, new alerts...); the returned channel is closed when ctx is
	// done. A notification makes each open page re-read its view of the API
	// at once; a browser is told only when what its user sees changed.
	// Broadcaster.Subscribe fits.
	Events func(ctx context.Context) <-chan Event
	// Done, when set, ends every open event stream once closed: pass the
	// run's ctx.Done() so that http.Server.Shutdown does not wait on them.
	Done <-chan struct{}
	// PollEvery is how often an open page's view of the API is re-read
	// when no notification comes: 5 s when 0.
	PollEvery time.Duration
	// SecureCookie marks the session cookie Secure even when the request
	// did not come over TLS (TLS ends at a proxy in front).
	SecureCookie bool
	// SessionIdle and SessionMax end a session after that long without a
	// request (30 min when 0) and that long after login (12 h when 0).
	SessionIdle, SessionMax time.Duration
	Logger                  *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.PollEvery <= 0 {
		c.PollEvery = 5 * time.Second
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate says what is missing.
func (c *Config) Validate() error {
	if c.API == nil {
		return errors.New("web: API handler is required")
	}
	if c.Verify == nil {
		return errors.New("web: Verify is required")
	}
	return nil
}

type server struct {
	cfg      Config
	pages    map[string]*template.Template
	sessions *sessions
	kpis     *deliveryCache
	failures *failures
}

// Handler returns the dashboard's handler for every path under /ui/. Mount
// it beside the API: mux.Handle("/ui/", web.Handler(cfg)). It returns an
// error when cfg is incomplete.
func Handler(cfg Config) (http.Handler, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, pages: pages, sessions: newSessions(cfg.Now, cfg.SessionIdle, cfg.SessionMax), kpis: newDeliveryCache(), failures: newFailures(cfg.Now)}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	mux.HandleFunc("GET /ui/login", s.loginPage)
	mux.HandleFunc("POST /ui/login", s.login)
	mux.HandleFunc("POST /ui/logout", s.user(s.logout))
	mux.HandleFunc("GET /ui/{$}", s.user(s.live(s.ordersPage)))
	mux.HandleFunc("GET /ui/orders/{number}", s.user(s.live(s.orderPage)))
	mux.HandleFunc("POST /ui/orders/{number}/confirm", s.user(s.confirm))
	mux.HandleFunc("POST /ui/orders/{number}/messages", s.user(s.postMessage))
	mux.HandleFunc("GET /ui/orders/{number}/documents/{id}", s.user(s.document))
	mux.HandleFunc("GET /ui/alerts", s.user(s.live(s.alertsPage)))
	mux.HandleFunc("GET /ui/kpis", s.user(s.kpisPage))
	mux.HandleFunc("GET /ui/kpis/export/{format}", s.user(s.kpisExport))
	mux.HandleFunc("GET /ui/onboarding", s.user(s.onboardingPage))
	mux.HandleFunc("POST /ui/onboarding/{step}", s.user(s.onboardingPost))
	mux.HandleFunc("POST /ui/alerts/{id}/{action}", s.user(s.alertAction))
	mux.HandleFunc("GET /ui/events", s.user(s.events))
	mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	return securityHeaders(mux), nil
}

// securityHeaders keeps pages to their own origin: no inline scripts or
// styles, no framing, no sniffing, no referrer outside.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age="+itoa(int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}
