package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// Defaults of Options.
const (
	DefaultSessionCookie = "procurehub_sid"
	DefaultCSRFHeader    = "X-CSRF-Token"
	DefaultCSRFField     = "csrf_token"
	DefaultSessionTTL    = 12 * time.Hour
)

// Options configures an Authenticator.
type Options struct {
	Store Store
	// OIDC, when set, verifies bearer tokens that are not API tokens as
	// JWTs of the configured provider.
	OIDC *OIDC
	// RateLimit limits requests per credential (429 with Retry-After).
	RateLimit RateLimit
	// SessionCookie names the dashboard session cookie; default
	// DefaultSessionCookie. SessionTTL is how long a session lasts;
	// default DefaultSessionTTL.
	SessionCookie string
	SessionTTL    time.Duration
	// SecureCookie marks the session cookie Secure (HTTPS only). Set it
	// whenever the dashboard is served over HTTPS.
	SecureCookie bool
	// CSRFHeader and CSRFField carry the CSRF token of a session's
	// state-changing request (the field only in a urlencoded form; a
	// multipart upload sends the header); defaults DefaultCSRFHeader and
	// DefaultCSRFField.
	CSRFHeader string
	CSRFField  string
	// Optional lets a request without any credential through without a
	// principal (the dashboard's login page); a wrong credential is still
	// 401. The API leaves it false.
	Optional bool
	Now      func() time.Time // default time.Now
	Logger   *slog.Logger     // default slog.Default()
}

// Authenticator resolves the caller of a request: an API token or OIDC
// JWT in Authorization: Bearer, or a dashboard session cookie. Make one
// with New; it is safe for concurrent use.
type Authenticator struct {
	o       Options
	limiter *limiter
}

// New checks o, fills its defaults and returns an Authenticator.
func New(o Options) (*Authenticator, error) {
	if o.Store == nil {
		return nil, errors.New("auth: a store is required")
	}
	if o.RateLimit.PerMinute < 0 || o.RateLimit.Burst < 0 {
		return nil, errors.New("auth: rate limit per_minute and burst must not be negative")
	}
	if o.SessionTTL < 0 {
		return nil, errors.New("auth: session ttl must not be negative")
	}
	if o.SessionCookie == "" {
		o.SessionCookie = DefaultSessionCookie
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.CSRFHeader == "" {
		o.CSRFHeader = DefaultCSRFHeader
	}
	if o.CSRFField == "" {
		o.CSRFField = DefaultCSRFField
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Authenticator{o: o, limiter: newLimiter(o.RateLimit)}, nil
}

// Middleware is New(o).Middleware(). Options New refuses make every
// request a 500 (and a log line), never a panic.
func Middleware(o Options) func(http.Handler) http.Handler {
	a, err := New(o)
	if err != nil {
		logger := o.Logger
		if logger == nil {
			logger = slog.Default()
		}
		return func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.Error("auth misconfigured", "err", err)
				writeError(w, http.StatusInternalServerError, "internal", "authentication is not configured")
			})
		}
	}
	return a.Middleware()
}

// Middleware puts the caller's Principal into the request context
// (FromContext). A missing, invalid, expired or revoked credential is 401
// with WWW-Authenticate: Bearer and nothing said about which part was
// wrong; a session's state-changing request without its CSRF token is 403;
// a credential over its rate limit is 429 with Retry-After.
func (a *Authenticator) Middleware() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, found, err := a.Authenticate(r)
			switch {
			case errors.Is(err, ErrInvalidCredential), err == nil && !found && !a.o.Optional:
				if err != nil {
					// The reason is for the operator; the caller learns nothing.
					a.o.Logger.Info("auth refused", "method", r.Method, "path", r.URL.Path, "err", err)
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="procurehub"`)
				writeError(w, http.StatusUnauthorized, "unauthenticated", "invalid or expired credential")
				return
			case errors.Is(err, errCSRF):
				writeError(w, http.StatusForbidden, "csrf", "this form or request lacks its CSRF token; reload the page")
				return
			case err != nil:
				a.o.Logger.Error("auth failed", "method", r.Method, "path", r.URL.Path, "err", err)
				writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot check credentials now; try again")
				return
			case !found:
				next.ServeHTTP(w, r)
				return
			}
			if a.limiter != nil {
				if ok, wait := a.limiter.allow(p.TokenID+" "+p.UserID, a.o.Now()); !ok {
					w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
					writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests with this credential; retry later")
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// errCSRF: a session's state-changing request without its CSRF token.
var errCSRF = errors.New("missing or wrong csrf token")

// Authenticate resolves r's credential. found is false when r carries
// none. A credential that does not hold is ErrInvalidCredential (wrapped
// with the reason, for logs); a session request that changes state
// without its CSRF token is an error too; any other error is the store's.
func (a *Authenticator) Authenticate(r *http.Request) (p Principal, found bool, err error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		cred = strings.TrimSpace(cred)
		if !strings.EqualFold(scheme, "Bearer") || cred == "" {
			return Principal{}, true, fmt.Errorf("%w: authorization is not a bearer token", ErrInvalidCredential)
		}
		p, err := a.bearer(ctx, cred)
		return p, true, err
	}
	c, err := r.Cookie(a.o.SessionCookie)
	if err != nil || c.Value == "" {
		return Principal{}, false, nil
	}
	se, u, err := a.o.Store.LookupSession(ctx, HashSecret(c.Value))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Principal{}, true, fmt.Errorf("%w: unknown session", ErrInvalidCredential)
	case err != nil:
		return Principal{}, true, err
	case !a.o.Now().Before(se.ExpiresAt):
		return Principal{}, true, fmt.Errorf("%w: session expired", ErrInvalidCredential)
	case u.Disabled:
		return Principal{}, true, fmt.Errorf("%w: user disabled", ErrInvalidCredential)
	}
	if changesState(r.Method) {
		got := r.Header.Get(a.o.CSRFHeader)
		if got == "" && isURLEncodedForm(r) {
			// A multipart body (an upload) is not parsed here, before the
			// handler's size limit: uploads send the header.
			got = r.PostFormValue(a.o.CSRFField)
		}
		if got == "" || !sameHash(HashSecret(got), se.CSRFHash) {
			return Principal{}, true, errCSRF
		}
	}
	return principalOf(u, "session:"+se.IDHash[:12], nil), true, nil
}

// bearer resolves an API token, or with OIDC configured a JWT.
func (a *Authenticator) bearer(ctx context.Context, cred string) (Principal, error) {
	if strings.HasPrefix(cred, TokenPrefix) || a.o.OIDC == nil {
		now := a.o.Now()
		p, t, err := checkToken(ctx, a.o.Store, cred, now)
		if err != nil {
			return Principal{}, err
		}
		if now.Sub(t.LastUsedAt) >= tokenUsedEvery {
			if err := a.o.Store.TouchToken(context.WithoutCancel(ctx), t.ID, now); err != nil {
				a.o.Logger.Warn("auth: token last use not recorded", "token_id", t.ID, "err", err)
			}
		}
		return p, nil
	}
	return a.o.OIDC.Verify(ctx, cred)
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

func isURLEncodedForm(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// csrfOf derives a session's CSRF token from its id: a page rendered for
// the session can always embed it (CSRFToken) while the store keeps only
// its hash, and another site, which cannot read the cookie, cannot make it.
func csrfOf(sessionID string) string {
	sum := sha256.Sum256([]byte("procurehub csrf\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CSRFToken is the CSRF token that r's session's forms must carry (in the
// CSRFField form field or the CSRFHeader header); "" without a session.
func (a *Authenticator) CSRFToken(r *http.Request) string {
	c, err := r.Cookie(a.o.SessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	return csrfOf(c.Value)
}

// StartSession signs userID in to the dashboard: it stores a new session,
// sets its cookie on w (HttpOnly, SameSite=Lax, Secure when configured)
// and returns the session's CSRF token. A disabled or unknown user is
// ErrInvalidCredential.
func (a *Authenticator) StartSession(ctx context.Context, w http.ResponseWriter, userID string) (string, error) {
	u, err := a.o.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
		return "", ErrInvalidCredential
	}
	if err != nil {
		return "", fmt.Errorf("auth: start session: %w", err)
	}
	id := randomString(32)
	csrf := csrfOf(id)
	now := a.o.Now()
	se := store.Session{IDHash: HashSecret(id), UserID: u.ID, CSRFHash: HashSecret(csrf), CreatedAt: now, ExpiresAt: now.Add(a.o.SessionTTL)}
	if err := a.o.Store.CreateSession(ctx, se); err != nil {
		return "", fmt.Errorf("auth: start session: %w", err)
	}
	// Every login sweeps the sessions that ran out, so that they do not
	// pile up without a job of their own; a failed sweep waits for the next.
	if sw, ok := a.o.Store.(interface {
		DeleteExpiredSessions(context.Context, time.Time) (int, error)
	}); ok {
		if _, err := sw.DeleteExpiredSessions(ctx, now); err != nil {
			a.o.Logger.Warn("auth: expired sessions not swept", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: a.o.SessionCookie, Value: id, Path: "/", Expires: se.ExpiresAt,
		HttpOnly: true, Secure: a.o.SecureCookie, SameSite: http.SameSiteLaxMode,
	})
	return csrf, nil
}

// EndSession deletes r's session, if any, and clears its cookie.
func (a *Authenticator) EndSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: a.o.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.o.SecureCookie, SameSite: http.SameSiteLaxMode})
	c, err := r.Cookie(a.o.SessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	if err := a.o.Store.DeleteSession(ctx, HashSecret(c.Value)); err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// CheckPassword returns the user when password is userID's; any failure
// (unknown user, no password, disabled, wrong password) is
// ErrInvalidCredential, and an unknown user costs a hash all the same, so
// that timing does not tell which users exist.
func (a *Authenticator) CheckPassword(ctx context.Context, userID, password string) (store.User, error) {
	u, err := a.o.Store.GetUser(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("auth: check password: %w", err)
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = decoyHash()
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil || !ok || u.ID == "" || u.PasswordHash == "" || u.Disabled {
		return store.User{}, ErrInvalidCredential
	}
	return u, nil
}

// CheckToken returns the principal of an API token secret (the dashboard's
// login by token); ErrInvalidCredential when it does not hold.
func (a *Authenticator) CheckToken(ctx context.Context, secret string) (Principal, error) {
	p, _, err := checkToken(ctx, a.o.Store, secret, a.o.Now())
	return p, err
}

// decoyHash is verified against when a user has no password hash, so that
// the answer takes as long as for a user with one.
var decoyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("decoy password, never a user's")
	return h
})

// writeError answers {"error": {"code", "message"}} like the API does.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]map[string]string{"error": {"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
