package store

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// --- identity, credentials and the audit log (internal/auth) ---
//
// A user belongs to one party and has roles. Its credentials are API
// tokens and dashboard sessions; the store keeps only the SHA-256 of a
// token's secret and of a session's id and CSRF token, never the secrets,
// so a copy of the database lets nobody in. A token is found by the hash
// of the secret the caller shows; revoking it takes effect at the next
// lookup. The audit log is append-only, listed newest first with the keyset
// cursor of ListOrders.

// ErrExists: a user or token with this id is already stored. It wraps
// ErrInvalid, so callers that only tell retryable from not still can.
var ErrExists = fmt.Errorf("%w: already exists", ErrInvalid)

// User is a person or a system of a party.
type User struct {
	ID          string // the login name; unique
	PartyID     string
	Roles       []string
	DisplayName string
	// PasswordHash is a PHC string (argon2id); "" when the user has no
	// password and signs in by token only.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time // set by the store
}

// APIToken is an issued API token, without its secret.
type APIToken struct {
	ID     string // public, e.g. "tok_3f9a..."; names the token in lists and the audit log
	UserID string
	// Hash is the hex SHA-256 of the secret the holder shows.
	Hash   string
	Name   string // what the token is for, e.g. "erp sync"
	Scopes []string
	// CreatedAt is set by the store when zero.
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used
}

// TokenFilter selects tokens for ListTokens. Empty fields match everything.
type TokenFilter struct {
	UserID string
	Limit  int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor string // opaque, the nextCursor of the previous page; "" for the first page
}

// Session is a dashboard session.
type Session struct {
	// IDHash is the hex SHA-256 of the session id in the cookie.
	IDHash string
	UserID string
	// CSRFHash is the hex SHA-256 of the CSRF token the session's forms carry.
	CSRFHash  string
	CreatedAt time.Time // set by the store when zero
	ExpiresAt time.Time
}

// Audit outcomes.
const (
	AuditOK     = "ok"
	AuditDenied = "denied"
	AuditFailed = "failed"
)

// AuditEntry is one write, as the audit log keeps it.
type AuditEntry struct {
	ID         int64     // set by the store, ascending
	At         time.Time // now when zero
	UserID     string
	PartyID    string
	Credential string // the token id, "oidc:<issuer>" or "session:..."
	// Action is the request's method and route pattern, e.g.
	// "POST /api/v1/orders/{order_number}/amendments".
	Action string
	// Target is what was written, e.g. "order:4500012345".
	Target  string
	Before  json.RawMessage // nil when there was nothing before
	After   json.RawMessage // nil when nothing is left after
	Outcome string          // AuditOK, AuditDenied or AuditFailed
}

// AuditFilter selects entries for ListAudit. Empty fields match everything.
type AuditFilter struct {
	UserID  string
	PartyID string
	Target  string
	Since   time.Time // entries at or after; zero for all
	Limit   int       // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor  string    // opaque, the nextCursor of the previous page; "" for the first page
}

// hexSHA256 is a lowercase hex SHA-256.
var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckUser validates a user for CreateUser: an id, a party and at least
// one role. An error wraps ErrInvalid.
func CheckUser(u User) error {
	switch {
	case strings.TrimSpace(u.ID) == "":
		return fmt.Errorf("%w: user: id is required", ErrInvalid)
	case strings.TrimSpace(u.PartyID) == "":
		return fmt.Errorf("%w: user %s: party_id is required", ErrInvalid, u.ID)
	case len(u.Roles) == 0:
		return fmt.Errorf("%w: user %s: at least one role is required", ErrInvalid, u.ID)
	}
	for _, r := range u.Roles {
		if r == "" || strings.ContainsAny(r, " ,") {
			return fmt.Errorf("%w: user %s: role %q", ErrInvalid, u.ID, r)
		}
	}
	return nil
}

// CheckToken validates a token for IssueToken: an id, a user and the hex
// SHA-256 of its secret. An error wraps ErrInvalid and never shows the hash.
func CheckToken(t APIToken) error {
	switch {
	case t.ID == "":
		return fmt.Errorf("%w: token: id is required", ErrInvalid)
	case t.UserID == "":
		return fmt.Errorf("%w: token %s: user_id is required", ErrInvalid, t.ID)
	case !hexSHA256.MatchString(t.Hash):
		return fmt.Errorf("%w: token %s: hash is not a hex sha256", ErrInvalid, t.ID)
	}
	for _, s := range t.Scopes {
		if s == "" || strings.ContainsAny(s, " ,") {
			return fmt.Errorf("%w: token %s: scope %q", ErrInvalid, t.ID, s)
		}
	}
	return nil
}

// CheckSession validates a session for CreateSession. An error wraps
// ErrInvalid and never shows the hashes.
func CheckSession(s Session) error {
	switch {
	case !hexSHA256.MatchString(s.IDHash):
		return fmt.Errorf("%w: session: id hash is not a hex sha256", ErrInvalid)
	case s.UserID == "":
		return fmt.Errorf("%w: session: user_id is required", ErrInvalid)
	case !hexSHA256.MatchString(s.CSRFHash):
		return fmt.Errorf("%w: session of %s: csrf hash is not a hex sha256", ErrInvalid, s.UserID)
	case s.ExpiresAt.IsZero():
		return fmt.Errorf("%w: session of %s: expires_at is required", ErrInvalid, s.UserID)
	}
	return nil
}

// CheckAudit validates an audit entry for AppendAudit: an action and a
// known outcome, and before/after that are JSON when given. An error wraps
// ErrInvalid.
func CheckAudit(e AuditEntry) error {
	switch {
	case e.Action == "":
		return fmt.Errorf("%w: audit entry: action is required", ErrInvalid)
	case e.Outcome != AuditOK && e.Outcome != AuditDenied && e.Outcome != AuditFailed:
		return fmt.Errorf("%w: audit entry %s: outcome %q is not %s, %s or %s", ErrInvalid, e.Action, e.Outcome, AuditOK, AuditDenied, AuditFailed)
	case len(e.Before) > 0 && !json.Valid(e.Before):
		return fmt.Errorf("%w: audit entry %s: before is not JSON", ErrInvalid, e.Action)
	case len(e.After) > 0 && !json.Valid(e.After):
		return fmt.Errorf("%w: audit entry %s: after is not JSON", ErrInvalid, e.Action)
	}
	return nil
}

// JoinList and SplitList keep roles and scopes in one text column,
// space-separated.
func JoinList(xs []string) string { return strings.Join(xs, " ") }

// SplitList is the inverse of JoinList; "" gives an empty, non-nil slice.
func SplitList(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}
