package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// loginRequest is the body of a dashboard login: a user and password, or
// an API token. As a form: user, password, token.
type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Token    string `json:"token"`
}

// Login answers POST of a dashboard login form or JSON body: a user's
// password or an API token starts a session (its cookie set) and the
// answer is {"user_id", "party_id", "roles", "csrf_token"}. A wrong
// credential is 401 saying only that; login attempts of one user (or one
// token) are rate limited like requests are. No CSRF token is needed:
// there is no session yet.
func (a *Authenticator) Login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
	if isURLEncodedForm(r) {
		req = loginRequest{User: r.PostFormValue("user"), Password: r.PostFormValue("password"), Token: r.PostFormValue("token")}
	} else if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_json", "send {\"user\", \"password\"} or {\"token\"}")
		return
	}
	key := "login:" + strings.ToLower(req.User)
	if req.Token != "" {
		key = "login:" + HashSecret(req.Token)
	}
	if a.limiter != nil {
		if ok, wait := a.limiter.allow(key, a.o.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many login attempts; retry later")
			return
		}
	}
	var (
		p   Principal
		err error
	)
	switch {
	case req.Token != "":
		p, err = a.CheckToken(r.Context(), req.Token)
		if err == nil && !p.CanWrite() {
			// A session may write; a read-only token must not become one.
			writeError(w, http.StatusForbidden, "forbidden", "a read-only token cannot sign in to the dashboard")
			return
		}
	case req.User != "" && req.Password != "":
		u, cerr := a.CheckPassword(r.Context(), req.User, req.Password)
		p, err = principalOf(u, "", nil), cerr
	default:
		err = ErrInvalidCredential
	}
	if errors.Is(err, ErrInvalidCredential) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="procurehub"`)
		writeError(w, http.StatusUnauthorized, "unauthenticated", "invalid or expired credential")
		return
	}
	if err != nil {
		a.o.Logger.Error("auth login failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot check credentials now; try again")
		return
	}
	csrf, err := a.StartSession(r.Context(), w, p.UserID)
	if err != nil {
		a.o.Logger.Error("auth login failed", "user_id", p.UserID, "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot start a session now; try again")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": p.UserID, "party_id": p.PartyID, "roles": p.Roles, "csrf_token": csrf})
}

// Logout answers POST of a logout: the session ends and its cookie is
// cleared (204). Behind Middleware it needs the session's CSRF token.
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) {
	if err := a.EndSession(r.Context(), w, r); err != nil {
		a.o.Logger.Error("auth logout failed", "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}
