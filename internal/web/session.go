package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/internal/auth"
)

// cookieName is the session cookie; its value is the session id only.
const cookieName = "procurehub_session"

// maxSessions bounds the sessions kept in memory, logged-in or not; past
// it the oldest anonymous ones are dropped first.
const maxSessions = 10000

// anonymousIdle ends a session that never logged in (the login form's
// CSRF token) after this long.
const anonymousIdle = 30 * time.Minute

// Credential is what the dashboard presents to the API for a logged-in
// user: the API token the user logged in with, or a session of auth's
// (its cookie, and the CSRF token its writes carry in X-CSRF-Token). It
// stays on the server.
type Credential struct {
	Bearer string
	Cookie *http.Cookie
	CSRF   string
	// End, when set, is called at logout (ending auth's session).
	End func(ctx context.Context) error
}

func (c Credential) set() bool { return c.Bearer != "" || c.Cookie != nil }

// session is what the server keeps for one browser: the credential and
// principal once logged in, and the CSRF token of its forms.
type session struct {
	id        string
	csrf      string
	cred      Credential // not set until login
	principal auth.Principal
	created   time.Time
	seen      time.Time
}

func (s *session) loggedIn() bool { return s.cred.set() }

type sessions struct {
	mu        sync.Mutex
	byID      map[string]*session
	now       func() time.Time
	idle, max time.Duration
}

func newSessions(now func() time.Time, idle, max time.Duration) *sessions {
	return &sessions{byID: map[string]*session{}, now: now, idle: idle, max: max}
}

// randomID is 32 random bytes, base64url.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	if !s.loggedIn() {
		return now.Sub(s.seen) > anonymousIdle
	}
	return now.Sub(s.seen) > ss.idle || now.Sub(s.created) > ss.max
}

// get returns the live session of id and marks it seen; nil when there is
// none or it expired.
func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[id]
	if s == nil {
		return nil
	}
	now := ss.now()
	if ss.expired(s, now) {
		delete(ss.byID, id)
		return nil
	}
	s.seen = now
	c := *s
	return &c
}

// create starts a session (anonymous without a credential), with a new id
// and a new CSRF token.
func (ss *sessions) create(cred Credential, p auth.Principal) *session {
	now := ss.now()
	s := &session{id: randomID(), csrf: randomID(), cred: cred, principal: p, created: now, seen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= maxSessions {
		ss.evict(now)
	}
	ss.byID[s.id] = s
	c := *s
	return &c
}

// evict drops expired sessions, then anonymous ones, until there is room.
// The caller holds mu.
func (ss *sessions) evict(now time.Time) {
	for id, s := range ss.byID {
		if ss.expired(s, now) {
			delete(ss.byID, id)
		}
	}
	for id, s := range ss.byID {
		if len(ss.byID) < maxSessions {
			return
		}
		if !s.loggedIn() {
			delete(ss.byID, id)
		}
	}
	for id := range ss.byID {
		if len(ss.byID) < maxSessions {
			return
		}
		delete(ss.byID, id)
	}
}

// alive reports whether the session of id is still there and not expired,
// without counting this as a use (an open event stream does not keep a
// session alive).
func (ss *sessions) alive(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[id]
	return s != nil && !ss.expired(s, ss.now())
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

func (s *server) setCookie(w http.ResponseWriter, r *http.Request, sess *session) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: sess.id, Path: "/ui/", HttpOnly: true,
		Secure: r.TLS != nil || s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/ui/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil || s.cfg.SecureCookie, SameSite: http.SameSiteLaxMode,
	})
}

// current is the request's live session, or nil.
func (s *server) current(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	return s.sessions.get(c.Value)
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	sess, _ := ctx.Value(sessionKey{}).(*session)
	return sess
}

// user guards a page: without a logged-in session a GET goes to the login
// page and anything else is 401; a POST without the session's CSRF token
// is 403. The session is on the request's context.
func (s *server) user(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.current(r)
		if sess == nil || !sess.loggedIn() {
			if r.Method == http.MethodGet && r.URL.Path != "/ui/events" {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			s.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended. Log in again.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.csrfOK(w, r, sess) {
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, sess)
		ctx = auth.WithPrincipal(ctx, sess.principal)
		next(w, r.WithContext(ctx))
	}
}

// maxForm bounds a posted form; maxUploadForm one that uploads a file
// (multipart: the onboarding page's sample file).
const (
	maxForm       = 64 << 10
	maxUploadForm = 3 << 20
)

// csrfOK checks the form's csrf field against the session's token; it
// answered 403 when it reports false.
func (s *server) csrfOK(w http.ResponseWriter, r *http.Request, sess *session) bool {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadForm)
		err = r.ParseMultipartForm(maxUploadForm)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		err = r.ParseForm()
	}
	if err != nil {
		s.fail(w, r, nil, http.StatusBadRequest, "The form could not be read (too large, or cut short).")
		return false
	}
	got := r.PostForm.Get("csrf")
	if sess == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
		s.fail(w, r, nil, http.StatusForbidden, "This form has expired or did not come from this dashboard. Reload the page and try again.")
		return false
	}
	return true
}

type loginView struct {
	Password bool
	Error    string
	Username string
}

// loginPage shows the login form under an anonymous session, whose CSRF
// token the form carries.
func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	sess := s.current(r)
	if sess != nil && sess.loggedIn() {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	if sess == nil {
		sess = s.sessions.create(Credential{}, auth.Principal{})
		s.setCookie(w, r, sess)
	}
	s.render(w, r, sess, http.StatusOK, "login", "Log in", loginView{Password: s.cfg.PasswordLogin != nil})
}

// login takes an API token, or a username and password when configured.
// A refused credential is a 401 with the form again; a success starts a
// new session (a new id: the anonymous one is dropped) holding the
// credential.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	anon := s.current(r)
	if !s.csrfOK(w, r, anon) {
		return
	}
	view := loginView{Password: s.cfg.PasswordLogin != nil}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	username := strings.TrimSpace(r.PostForm.Get("username"))
	var (
		cred Credential
		p    auth.Principal
		err  error
	)
	switch {
	case token != "":
		cred = Credential{Bearer: token}
		p, err = s.cfg.Verify(r.Context(), token)
	case username != "" && s.cfg.PasswordLogin != nil:
		view.Username = username
		if s.failures.blocked(failureKey(username)) {
			w.Header().Set("Retry-After", itoa(int(failureWindow.Seconds())))
			view.Error = "Too many failed logins for this user. Try again in a quarter of an hour."
			s.render(w, r, anon, http.StatusTooManyRequests, "login", "Log in", view)
			return
		}
		cred, p, err = s.cfg.PasswordLogin(r.Context(), username, r.PostForm.Get("password"))
		if errors.Is(err, auth.ErrInvalidCredential) {
			s.failures.fail(failureKey(username))
		} else if err == nil {
			s.failures.succeed(failureKey(username))
		}
	default:
		err = auth.ErrInvalidCredential
	}
	if err == nil && (!cred.set() || p.UserID == "" && p.PartyID == "") {
		err = fmt.Errorf("%w: no credential or principal", auth.ErrInvalidCredential)
	}
	switch {
	case errors.Is(err, auth.ErrInvalidCredential):
		s.cfg.Logger.Info("dashboard login refused", "err", err)
		view.Error = "That token was not accepted."
		if view.Username != "" {
			view.Error = "That username and password were not accepted."
		}
		s.render(w, r, anon, http.StatusUnauthorized, "login", "Log in", view)
		return
	case err != nil:
		s.cfg.Logger.Error("dashboard login failed", "err", err)
		view.Error = "Credentials cannot be checked now. Try again in a moment."
		s.render(w, r, anon, http.StatusServiceUnavailable, "login", "Log in", view)
		return
	}
	if anon != nil { // anonymous, or a user logging in again
		s.sessions.delete(anon.id)
		if anon.cred.End != nil {
			if err := anon.cred.End(context.WithoutCancel(r.Context())); err != nil {
				s.cfg.Logger.Warn("dashboard login: previous credential not ended", "user", anon.principal.UserID, "err", err)
			}
		}
	}
	sess := s.sessions.create(cred, p)
	s.setCookie(w, r, sess)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := sessionOf(r.Context()); sess != nil {
		s.sessions.delete(sess.id)
		if sess.cred.End != nil {
			if err := sess.cred.End(context.WithoutCancel(r.Context())); err != nil {
				s.cfg.Logger.Warn("dashboard logout: credential not ended", "user", sess.principal.UserID, "err", err)
			}
		}
	}
	s.clearCookie(w, r)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// endSession drops the session whose token the API refused (expired,
// revoked).
func (s *server) endSession(w http.ResponseWriter, r *http.Request) {
	if sess := sessionOf(r.Context()); sess != nil {
		s.sessions.delete(sess.id)
	}
	s.clearCookie(w, r)
}
