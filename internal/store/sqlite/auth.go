package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// CreateUser stores a new user (store.CheckUser validates it). A user with
// the same id is store.ErrExists.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	var hash sql.NullString
	if u.PasswordHash != "" {
		hash = sql.NullString{String: u.PasswordHash, Valid: true}
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO users (id, party_id, roles, display_name, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		u.ID, u.PartyID, store.JoinList(u.Roles), u.DisplayName, hash, u.Disabled, now())
	if err != nil {
		return fmt.Errorf("sqlite: create user %s: %w", u.ID, translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: create user %s: %w", u.ID, store.ErrExists)
	}
	return nil
}

const userColumns = `u.id, u.party_id, u.roles, u.display_name, u.password_hash, u.disabled, u.created_at`

// userScanDest returns the scan destinations of userColumns into u, and a
// function to call after the scan.
func userScanDest(u *store.User) ([]any, func() error) {
	var (
		roles, created string
		hash           sql.NullString
	)
	return []any{&u.ID, &u.PartyID, &roles, &u.DisplayName, &hash, &u.Disabled, &created}, func() error {
		u.Roles = store.SplitList(roles)
		u.PasswordHash = hash.String
		var err error
		u.CreatedAt, err = parseTime(created)
		return err
	}
}

// GetUser returns the user with id; store.ErrNotFound when there is none.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	var u store.User
	dest, done := userScanDest(&u)
	err := s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlite: user %s: %w", id, store.ErrNotFound)
	}
	if err == nil {
		err = done()
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: user %s: %w", id, translate(err))
	}
	return u, nil
}

// IssueToken stores a new token (store.CheckToken validates it); its
// CreatedAt is now when zero. A token with the same id or hash is
// store.ErrExists, an unknown user store.ErrInvalid.
func (s *Store) IssueToken(ctx context.Context, t store.APIToken) error {
	if err := store.CheckToken(t); err != nil {
		return fmt.Errorf("sqlite: issue token: %w", err)
	}
	created := now()
	if !t.CreatedAt.IsZero() {
		created = t.CreatedAt.UTC().Format(timeLayout)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, hash, name, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.ID, t.UserID, t.Hash, t.Name, store.JoinList(t.Scopes), created, authNullTime(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: issue token %s for %s: %w", t.ID, t.UserID, translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: issue token %s: %w", t.ID, store.ErrExists)
	}
	return nil
}

const tokenColumns = `t.seq, t.id, t.user_id, t.hash, t.name, t.scopes, t.created_at, t.expires_at, t.revoked_at, t.last_used_at`

func tokenScanDest(seq *int64, t *store.APIToken) ([]any, func() error) {
	var (
		scopes, created          string
		expires, revoked, usedAt sql.NullString
	)
	return []any{seq, &t.ID, &t.UserID, &t.Hash, &t.Name, &scopes, &created, &expires, &revoked, &usedAt}, func() error {
		t.Scopes = store.SplitList(scopes)
		var err error
		if t.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		if t.ExpiresAt, err = authParseNullTime(expires); err != nil {
			return err
		}
		if t.RevokedAt, err = authParseNullTime(revoked); err != nil {
			return err
		}
		t.LastUsedAt, err = authParseNullTime(usedAt)
		return err
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
	err := s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+`, `+userColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash).Scan(append(td, ud...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIToken{}, store.User{}, fmt.Errorf("sqlite: token: %w", store.ErrNotFound)
	}
	if err == nil {
		err = errors.Join(tdone(), udone())
	}
	if err != nil {
		return store.APIToken{}, store.User{}, fmt.Errorf("sqlite: token: %w", translate(err))
	}
	return t, u, nil
}

// TouchToken records that the token id was used at.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`,
		at.UTC().Format(timeLayout), id); err != nil {
		return fmt.Errorf("sqlite: touch token %s: %w", id, translate(err))
	}
	return nil
}

// RevokeToken revokes the token id from now on; revoking it again keeps
// the first time. An unknown id is store.ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now(), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke token %s: %w", id, translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: revoke token %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// RevokeUserTokens revokes every token of a user that is not revoked yet
// and returns how many it revoked.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now(), userID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke tokens of %s: %w", userID, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke tokens of %s: %w", userID, err)
	}
	return int(n), nil
}

// ListTokens returns a page of the tokens f selects, the latest issued
// first, and the cursor of the next page ("" after the last).
func (s *Store) ListTokens(ctx context.Context, f store.TokenFilter) ([]store.APIToken, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list tokens: %w", err)
	}
	limit := page.Limit(f.Limit)
	var (
		where []string
		args  []any
	)
	if f.UserID != "" {
		where, args = append(where, "t.user_id = ?"), append(args, f.UserID)
	}
	if after > 0 {
		where, args = append(where, "t.seq < ?"), append(args, after)
	}
	q := `SELECT ` + tokenColumns + ` FROM api_tokens t`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY t.seq DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list tokens: %w", translate(err))
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
			return nil, "", fmt.Errorf("sqlite: list tokens: %w", err)
		}
		if err := done(); err != nil {
			return nil, "", fmt.Errorf("sqlite: list tokens: %w", err)
		}
		out = append(out, t)
		last = seq
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list tokens: %w", translate(err))
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
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	created := now()
	if !se.CreatedAt.IsZero() {
		created = se.CreatedAt.UTC().Format(timeLayout)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		se.IDHash, se.UserID, se.CSRFHash, created, se.ExpiresAt.UTC().Format(timeLayout))
	if err != nil {
		return fmt.Errorf("sqlite: create session of %s: %w", se.UserID, translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: create session of %s: %w", se.UserID, store.ErrExists)
	}
	return nil
}

// LookupSession returns the session whose id has the hex SHA-256 hash,
// with its user, whatever its expiry (the caller decides);
// store.ErrNotFound when there is none.
func (s *Store) LookupSession(ctx context.Context, idHash string) (store.Session, store.User, error) {
	var (
		se               store.Session
		u                store.User
		created, expires string
	)
	ud, udone := userScanDest(&u)
	err := s.db.QueryRowContext(ctx, `SELECT s.id_hash, s.user_id, s.csrf_hash, s.created_at, s.expires_at, `+userColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, idHash).
		Scan(append([]any{&se.IDHash, &se.UserID, &se.CSRFHash, &created, &expires}, ud...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.User{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	if err == nil {
		err = udone()
	}
	if err == nil {
		se.CreatedAt, err = parseTime(created)
	}
	if err == nil {
		se.ExpiresAt, err = parseTime(expires)
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("sqlite: session: %w", translate(err))
	}
	return se, u, nil
}

// DeleteSession ends a session; ending one that does not exist is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", translate(err))
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before t and
// returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, t.UTC().Format(timeLayout))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return int(n), nil
}

// AppendAudit appends an entry to the audit log (store.CheckAudit
// validates it) and returns it with its id and time.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if err := store.CheckAudit(e); err != nil {
		return store.AuditEntry{}, fmt.Errorf("sqlite: append audit: %w", err)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()
	err := s.db.QueryRowContext(ctx, `INSERT INTO audit_log (at, user_id, party_id, credential, action, target, before, after, outcome)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.At.Format(timeLayout), e.UserID, e.PartyID, e.Credential, e.Action, e.Target,
		authNullJSON(e.Before), authNullJSON(e.After), e.Outcome).Scan(&e.ID)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("sqlite: append audit %s %s: %w", e.Action, e.Target, translate(err))
	}
	return e, nil
}

// ListAudit returns a page of the audit entries f selects, the latest
// first, and the cursor of the next page ("" after the last).
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list audit: %w", err)
	}
	limit := page.Limit(f.Limit)
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.UserID != "" {
		add("user_id = ?", f.UserID)
	}
	if f.PartyID != "" {
		add("party_id = ?", f.PartyID)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since.UTC().Format(timeLayout))
	}
	if after > 0 {
		add("id < ?", after)
	}
	q := `SELECT id, at, user_id, party_id, credential, action, target, before, after, outcome FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list audit: %w", translate(err))
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
			at            string
			before, after sql.NullString
		)
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.PartyID, &e.Credential, &e.Action, &e.Target, &before, &after, &e.Outcome); err != nil {
			return nil, "", fmt.Errorf("sqlite: list audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, "", fmt.Errorf("sqlite: list audit: %w", err)
		}
		if before.Valid {
			e.Before = []byte(before.String)
		}
		if after.Valid {
			e.After = []byte(after.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list audit: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// authNullTime is t as stored, or NULL for the zero time.
func authNullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.UTC().Format(timeLayout), Valid: true}
}

// authParseNullTime reads a stored time that may be NULL (the zero time).
func authParseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// authNullJSON is b as text, or NULL when empty.
func authNullJSON(b []byte) sql.NullString {
	if len(b) == 0 {
		return sql.NullString{}
	}
	return sql.NullString{String: string(b), Valid: true}
}
