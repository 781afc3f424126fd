package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// CreateUser stores a new user (store.CheckUser validates it). A user with
// the same id is store.ErrExists.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	var hash *string
	if u.PasswordHash != "" {
		hash = &u.PasswordHash
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO users (id, party_id, roles, display_name, password_hash, disabled)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
		u.ID, u.PartyID, store.JoinList(u.Roles), u.DisplayName, hash, u.Disabled)
	if err != nil {
		return fmt.Errorf("postgres: create user %s: %w", u.ID, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create user %s: %w", u.ID, store.ErrExists)
	}
	return nil
}

const userColumns = `u.id, u.party_id, u.roles, u.display_name, u.password_hash, u.disabled, u.created_at`

// userScanDest returns the scan destinations of userColumns into u, and a
// function to call after the scan.
func userScanDest(u *store.User) ([]any, func()) {
	var (
		roles string
		hash  *string
	)
	return []any{&u.ID, &u.PartyID, &roles, &u.DisplayName, &hash, &u.Disabled, &u.CreatedAt}, func() {
		u.Roles = store.SplitList(roles)
		if hash != nil {
			u.PasswordHash = *hash
		}
		u.CreatedAt = u.CreatedAt.UTC()
	}
}

// GetUser returns the user with id; store.ErrNotFound when there is none.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	var u store.User
	dest, done := userScanDest(&u)
	err := s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("postgres: user %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: user %s: %w", id, translate(err))
	}
	done()
	return u, nil
}

// IssueToken stores a new token (store.CheckToken validates it); its
// CreatedAt is now when zero. A token with the same id or hash is
// store.ErrExists, an unknown user store.ErrInvalid.
func (s *Store) IssueToken(ctx context.Context, t store.APIToken) error {
	if err := store.CheckToken(t); err != nil {
		return fmt.Errorf("postgres: issue token: %w", err)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO api_tokens (id, user_id, hash, name, scopes, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		t.ID, t.UserID, t.Hash, t.Name, store.JoinList(t.Scopes), t.CreatedAt, authNullTime(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("postgres: issue token %s for %s: %w", t.ID, t.UserID, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: issue token %s: %w", t.ID, store.ErrExists)
	}
	return nil
}

const tokenColumns = `t.seq, t.id, t.user_id, t.hash, t.name, t.scopes, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`

func tokenScanDest(seq *int64, t *store.APIToken) ([]any, func()) {
	var (
		scopes                   string
		expires, revoked, usedAt *time.Time
	)
	return []any{seq, &t.ID, &t.UserID, &t.Hash, &t.Name, &scopes, &t.CreatedAt, &expires, &revoked, &usedAt}, func() {
		t.Scopes = store.SplitList(scopes)
		t.CreatedAt = t.CreatedAt.UTC()
		t.ExpiresAt, t.RevokedAt, t.LastUsedAt = authTimeOrZero(expires), authTimeOrZero(revoked), authTimeOrZero(usedAt)
	}
}

// LookupToken returns the token whose secret has the hex SHA-256 hash,
// with its user, whatever its expiry and revocation (the caller decides);
// store.ErrNotFound when no token has it.
func (s *Store) LookupToken(ctx context.Context, hash string) (store.APIToken, store.User, error) {
	var (
		t   store.APIToken
		u   store.User
		seq int64
	)
	td, tdone := tokenScanDest(&seq, &t)
	ud, udone := userScanDest(&u)
	err := s.pool.QueryRow(ctx, `SELECT `+tokenColumns+`, `+userColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash).Scan(append(td, ud...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.APIToken{}, store.User{}, fmt.Errorf("postgres: token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.APIToken{}, store.User{}, fmt.Errorf("postgres: token: %w", translate(err))
	}
	tdone()
	udone()
	return t, u, nil
}

// TouchToken records that the token id was used at.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("postgres: touch token %s: %w", id, translate(err))
	}
	return nil
}

// RevokeToken revokes the token id from now on; revoking it again keeps
// the first time. An unknown id is store.ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: revoke token %s: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: revoke token %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// RevokeUserTokens revokes every token of a user that is not revoked yet
// and returns how many it revoked.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke tokens of %s: %w", userID, translate(err))
	}
	return int(tag.RowsAffected()), nil
}

// ListTokens returns a page of the tokens f selects, the latest issued
// first, and the cursor of the next page ("" after the last).
func (s *Store) ListTokens(ctx context.Context, f store.TokenFilter) ([]store.APIToken, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list tokens: %w", err)
	}
	limit := page.Limit(f.Limit)
	var (
		where []string
		args  []any
	)
	if f.UserID != "" {
		args = append(args, f.UserID)
		where = append(where, "t.user_id = $"+strconv.Itoa(len(args)))
	}
	if after > 0 {
		args = append(args, after)
		where = append(where, "t.seq < $"+strconv.Itoa(len(args)))
	}
	q := `SELECT ` + tokenColumns + ` FROM api_tokens t`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY t.seq DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list tokens: %w", translate(err))
	}
	defer rows.Close()
	out := []store.APIToken{}
	var (
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var (
			t   store.APIToken
			seq int64
		)
		dest, done := tokenScanDest(&seq, &t)
		if err := rows.Scan(dest...); err != nil {
			return nil, "", fmt.Errorf("postgres: list tokens: %w", err)
		}
		done()
		out = append(out, t)
		last = seq
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list tokens: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// CreateSession stores a new dashboard session (store.CheckSession
// validates it).
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	if err := store.CheckSession(se); err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	if se.CreatedAt.IsZero() {
		se.CreatedAt = time.Now()
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		se.IDHash, se.UserID, se.CSRFHash, se.CreatedAt, se.ExpiresAt)
	if err != nil {
		return fmt.Errorf("postgres: create session of %s: %w", se.UserID, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create session of %s: %w", se.UserID, store.ErrExists)
	}
	return nil
}

// LookupSession returns the session whose id has the hex SHA-256 hash,
// with its user, whatever its expiry (the caller decides);
// store.ErrNotFound when there is none.
func (s *Store) LookupSession(ctx context.Context, idHash string) (store.Session, store.User, error) {
	var (
		se store.Session
		u  store.User
	)
	ud, udone := userScanDest(&u)
	err := s.pool.QueryRow(ctx, `SELECT s.id_hash, s.user_id, s.csrf_hash, s.created_at, s.expires_at, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`, idHash).
		Scan(append([]any{&se.IDHash, &se.UserID, &se.CSRFHash, &se.CreatedAt, &se.ExpiresAt}, ud...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.User{}, fmt.Errorf("postgres: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("postgres: session: %w", translate(err))
	}
	udone()
	se.CreatedAt, se.ExpiresAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC()
	return se, u, nil
}

// DeleteSession ends a session; ending one that does not exist is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", translate(err))
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before t and
// returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", translate(err))
	}
	return int(tag.RowsAffected()), nil
}

// AppendAudit appends an entry to the audit log (store.CheckAudit
// validates it) and returns it with its id and time.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if err := store.CheckAudit(e); err != nil {
		return store.AuditEntry{}, fmt.Errorf("postgres: append audit: %w", err)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO audit_log (at, user_id, party_id, credential, action, target, before, after, outcome)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, at`,
		e.At, e.UserID, e.PartyID, e.Credential, e.Action, e.Target, authJSONOrNull(e.Before), authJSONOrNull(e.After), e.Outcome).
		Scan(&e.ID, &e.At)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("postgres: append audit %s %s: %w", e.Action, e.Target, translate(err))
	}
	e.At = e.At.UTC()
	return e, nil
}

// ListAudit returns a page of the audit entries f selects, the latest
// first, and the cursor of the next page ("" after the last).
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list audit: %w", err)
	}
	limit := page.Limit(f.Limit)
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.UserID != "" {
		add("user_id = $%d", f.UserID)
	}
	if f.PartyID != "" {
		add("party_id = $%d", f.PartyID)
	}
	if f.Target != "" {
		add("target = $%d", f.Target)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", f.Since)
	}
	if after > 0 {
		add("id < $%d", after)
	}
	q := `SELECT id, at, user_id, party_id, credential, action, target, before::text, after::text, outcome FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list audit: %w", translate(err))
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	more := false
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var (
			e             store.AuditEntry
			before, after *string
		)
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.PartyID, &e.Credential, &e.Action, &e.Target, &before, &after, &e.Outcome); err != nil {
			return nil, "", fmt.Errorf("postgres: list audit: %w", err)
		}
		e.At = e.At.UTC()
		if before != nil {
			e.Before = []byte(*before)
		}
		if after != nil {
			e.After = []byte(*after)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list audit: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// authNullTime is t, or NULL for the zero time.
func authNullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// authTimeOrZero is *t in UTC, or the zero time for NULL.
func authTimeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// authJSONOrNull is b as text for a jsonb column, or NULL when empty.
func authJSONOrNull(b []byte) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}
