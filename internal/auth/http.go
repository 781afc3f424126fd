package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// Handlers answer the admin endpoints of users, tokens and the audit log.
// The API mounts them in its route table (admins only, audited as every
// write); each handler checks that the caller is an admin all the same.
//
//	GET    /api/v1/audit        ListAudit   ?user=&party=&target=&since=RFC3339&limit=&cursor=
//	POST   /api/v1/tokens       IssueToken  {"user_id", "name", "scopes", "ttl" | "expires_at"} → the secret, once
//	GET    /api/v1/tokens       ListTokens  ?user=&limit=&cursor=   (never a secret or hash)
//	DELETE /api/v1/tokens/{id}  RevokeToken
//	POST   /api/v1/users        CreateUser  {"id", "party_id", "roles", "display_name", "password"}
type Handlers struct {
	Store  Store
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()
	// PathValue reads a path parameter; default r.PathValue (which chi
	// and net/http's ServeMux both fill).
	PathValue func(r *http.Request, name string) string
	// Note, when set, is told what a successful write changed, for the
	// audit entry the API's route guard makes of it: the target
	// ("token:tok_…", "user:maria") and the state after, never a secret or
	// a password hash.
	Note func(r *http.Request, target string, before, after any)
}

// maxAdminBody bounds the JSON bodies of the admin endpoints.
const maxAdminBody = 64 << 10

// AuditEntry is an audit log entry as the API shows it.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	UserID     string          `json:"user_id"`
	PartyID    string          `json:"party_id"`
	Credential string          `json:"credential"`
	Action     string          `json:"action"`
	Target     string          `json:"target"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Outcome    string          `json:"outcome"`
}

// AuditList is a page of GET /api/v1/audit.
type AuditList struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// Token is an API token as the API shows it: never its secret or hash.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name,omitempty"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// TokenList is a page of GET /api/v1/tokens.
type TokenList struct {
	Tokens     []Token `json:"tokens"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// IssuedToken answers POST /api/v1/tokens: Secret is shown this once.
type IssuedToken struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret"`
}

// User is a user as the API shows it: never its password hash.
type User struct {
	ID          string    `json:"id"`
	PartyID     string    `json:"party_id"`
	Roles       []string  `json:"roles"`
	DisplayName string    `json:"display_name,omitempty"`
	HasPassword bool      `json:"has_password"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

func tokenOf(t store.APIToken) Token {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return Token{ID: t.ID, UserID: t.UserID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt,
		ExpiresAt: opt(t.ExpiresAt), RevokedAt: opt(t.RevokedAt), LastUsedAt: opt(t.LastUsedAt)}
}

func userOf(u store.User) User {
	return User{ID: u.ID, PartyID: u.PartyID, Roles: u.Roles, DisplayName: u.DisplayName,
		HasPassword: u.PasswordHash != "", Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (h *Handlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handlers) pathValue(r *http.Request, name string) string {
	if h.PathValue != nil {
		return h.PathValue(r, name)
	}
	return r.PathValue(name)
}

func (h *Handlers) note(r *http.Request, target string, before, after any) {
	if h.Note != nil {
		h.Note(r, target, before, after)
	}
}

// admin answers 401/403 itself and reports false unless the caller is an admin.
func admin(w http.ResponseWriter, r *http.Request) bool {
	p, ok := FromContext(r.Context())
	switch {
	case !ok:
		w.Header().Set("WWW-Authenticate", `Bearer realm="procurehub"`)
		writeError(w, http.StatusUnauthorized, "unauthenticated", "invalid or expired credential")
		return false
	case !p.Admin():
		writeError(w, http.StatusForbidden, "forbidden", "only admins manage users, tokens and the audit log")
		return false
	case r.Method != http.MethodGet && r.Method != http.MethodHead && !p.CanWrite():
		writeError(w, http.StatusForbidden, "forbidden", "this token is read-only")
		return false
	}
	return true
}

// ListAudit answers GET /api/v1/audit: the entries newest first, filtered
// by ?user=, ?party=, ?target= and ?since= (RFC 3339), ?limit= (1-500) and
// ?cursor= (next_cursor of the previous page).
func (h *Handlers) ListAudit(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r) {
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{UserID: q.Get("user"), PartyID: q.Get("party"), Target: q.Get("target"), Cursor: q.Get("cursor")}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_since", "since must be an RFC 3339 time, e.g. 2026-03-04T09:00:00Z")
			return
		}
		f.Since = t
	}
	var ok bool
	if f.Limit, ok = limitOf(w, q.Get("limit")); !ok {
		return
	}
	entries, next, err := h.Store.ListAudit(r.Context(), f)
	if !h.listed(w, r, err) {
		return
	}
	out := AuditList{Entries: make([]AuditEntry, 0, len(entries)), NextCursor: next}
	for _, e := range entries {
		out.Entries = append(out.Entries, AuditEntry{ID: e.ID, At: e.At, UserID: e.UserID, PartyID: e.PartyID,
			Credential: e.Credential, Action: e.Action, Target: e.Target, Before: e.Before, After: e.After, Outcome: e.Outcome})
	}
	writeJSON(w, http.StatusOK, out)
}

// ListTokens answers GET /api/v1/tokens: tokens newest first, of ?user=
// or all, without secrets or hashes.
func (h *Handlers) ListTokens(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r) {
		return
	}
	q := r.URL.Query()
	f := store.TokenFilter{UserID: q.Get("user"), Cursor: q.Get("cursor")}
	var ok bool
	if f.Limit, ok = limitOf(w, q.Get("limit")); !ok {
		return
	}
	tokens, next, err := h.Store.ListTokens(r.Context(), f)
	if !h.listed(w, r, err) {
		return
	}
	out := TokenList{Tokens: make([]Token, 0, len(tokens)), NextCursor: next}
	for _, t := range tokens {
		out.Tokens = append(out.Tokens, tokenOf(t))
	}
	writeJSON(w, http.StatusOK, out)
}

// issueRequest is the body of POST /api/v1/tokens.
type issueRequest struct {
	UserID    string    `json:"user_id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	TTL       string    `json:"ttl"` // a Go duration, "720h"
	ExpiresAt time.Time `json:"expires_at"`
}

// IssueToken answers POST /api/v1/tokens: a new token for a user, its
// secret shown in this answer only (201).
func (h *Handlers) IssueToken(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r) {
		return
	}
	var req issueRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.UserID == "" {
		writeError(w, http.StatusBadRequest, "invalid", "user_id is required")
		return
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("ttl %q is not a positive duration such as 720h", req.TTL))
			return
		}
	}
	issued, err := IssueToken(r.Context(), h.Store, TokenRequest{UserID: req.UserID, Name: req.Name, Scopes: req.Scopes,
		TTL: ttl, ExpiresAt: req.ExpiresAt}, h.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no user %q", req.UserID))
		return
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", strings.TrimPrefix(err.Error(), "auth: issue token: "))
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	h.note(r, "token:"+issued.Token.ID, nil, tokenOf(issued.Token))
	writeJSON(w, http.StatusCreated, IssuedToken{Token: tokenOf(issued.Token), Secret: issued.Secret})
}

// RevokeToken answers DELETE /api/v1/tokens/{id}: the token stops working
// at once (204); an unknown id is 404.
func (h *Handlers) RevokeToken(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r) {
		return
	}
	id := h.pathValue(r, "id")
	err := h.Store.RevokeToken(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no token %q", id))
	case err != nil:
		h.internal(w, r, err)
	default:
		h.note(r, "token:"+id, nil, map[string]bool{"revoked": true})
		w.WriteHeader(http.StatusNoContent)
	}
}

// userRequest is the body of POST /api/v1/users.
type userRequest struct {
	ID          string   `json:"id"`
	PartyID     string   `json:"party_id"`
	Roles       []string `json:"roles"`
	DisplayName string   `json:"display_name"`
	Password    string   `json:"password"`
}

// CreateUser answers POST /api/v1/users: a user of a party with roles and,
// optionally, a password for the dashboard (201); an id taken is 409.
func (h *Handlers) CreateUser(w http.ResponseWriter, r *http.Request) {
	if !admin(w, r) {
		return
	}
	var req userRequest
	if !decodeBody(w, r, &req) {
		return
	}
	for _, ro := range req.Roles {
		if !Role(ro).Valid() {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("role %q is not one of %v", ro, Roles()))
			return
		}
	}
	u := store.User{ID: strings.TrimSpace(req.ID), PartyID: strings.TrimSpace(req.PartyID), Roles: req.Roles, DisplayName: req.DisplayName}
	if req.Password != "" {
		if len(req.Password) < 12 {
			writeError(w, http.StatusBadRequest, "invalid", "password must be at least 12 characters")
			return
		}
		hash, err := HashPassword(req.Password)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", strings.TrimPrefix(err.Error(), "auth: "))
			return
		}
		u.PasswordHash = hash
	}
	err := h.Store.CreateUser(r.Context(), u)
	switch {
	case errors.Is(err, store.ErrExists):
		writeError(w, http.StatusConflict, "exists", fmt.Sprintf("user %q exists", u.ID))
		return
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", userMessage(err))
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	got, err := h.Store.GetUser(r.Context(), u.ID)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.note(r, "user:"+got.ID, nil, userOf(got))
	writeJSON(w, http.StatusCreated, userOf(got))
}

// userMessage is the part of a store error a caller may read: what
// follows the store's "invalid: ".
func userMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, store.ErrInvalid.Error()+": "); i >= 0 {
		return msg[i+len(store.ErrInvalid.Error())+2:]
	}
	return "the request is invalid"
}

func limitOf(w http.ResponseWriter, v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		writeError(w, http.StatusBadRequest, "bad_limit", fmt.Sprintf("limit must be a number from 1 to %d", store.MaxLimit))
		return 0, false
	}
	return n, true
}

func (h *Handlers) listed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "bad_cursor", "cursor is not one this API gave out")
		return false
	case err != nil:
		h.internal(w, r, err)
		return false
	}
	return true
}

func (h *Handlers) internal(w http.ResponseWriter, r *http.Request, err error) {
	logger := h.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error("auth admin request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "something went wrong; it is logged")
}

// decodeBody reads a JSON object into v, refusing unknown fields, trailing
// data and bodies over maxAdminBody; it answers 400 or 413 itself.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("the body holds more than one JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is over %d bytes", maxAdminBody))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "bad_json", "the body is empty; send a JSON object")
	default:
		writeError(w, http.StatusBadRequest, "bad_json", "the body is not JSON of the expected shape: "+err.Error())
	}
	return false
}
