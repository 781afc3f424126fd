package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// TokenPrefix starts every API token secret, so that a secret pasted into
// the wrong place is recognizable (and findable by secret scanners).
const TokenPrefix = "phk_"

// ErrInvalidCredential is every authentication failure: an unknown,
// malformed, expired or revoked token, a wrong password, a disabled user.
// It never says which, so a caller cannot probe what part was wrong.
var ErrInvalidCredential = errors.New("invalid or expired credential")

// randomString is n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomHex is n random bytes, hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewTokenSecret returns a new API token secret: TokenPrefix and 32
// random bytes, base64url.
func NewTokenSecret() string { return TokenPrefix + randomString(32) }

// HashSecret is the hex SHA-256 of a secret (a token, a session id, a CSRF
// token): what the store keeps instead of it. A secret of 32 random bytes
// needs no salt or slow hash: it cannot be guessed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// sameHash compares two hex hashes in constant time.
func sameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// TokenRequest is what IssueToken makes a token for.
type TokenRequest struct {
	UserID string
	Name   string   // what the token is for
	Scopes []string // ScopeRead, ScopeWrite; empty means both
	TTL    time.Duration
	// ExpiresAt is when the token stops working; zero for now+TTL, or never
	// when TTL is zero too.
	ExpiresAt time.Time
}

// Issued is a token as issued: Secret is shown once and never again.
type Issued struct {
	Token  store.APIToken
	Secret string
}

// IssueToken makes a new API token for a user and stores its hash. The
// user must exist and not be disabled; scopes must be known. now is the
// issue time.
func IssueToken(ctx context.Context, st Store, req TokenRequest, now time.Time) (Issued, error) {
	u, err := st.GetUser(ctx, req.UserID)
	if err != nil {
		return Issued{}, fmt.Errorf("auth: issue token: %w", err)
	}
	if u.Disabled {
		return Issued{}, fmt.Errorf("auth: issue token: %w: user %s is disabled", store.ErrInvalid, u.ID)
	}
	scopes := req.Scopes
	if len(scopes) == 0 {
		scopes = []string{ScopeRead, ScopeWrite}
	}
	for _, s := range scopes {
		if s != ScopeRead && s != ScopeWrite {
			return Issued{}, fmt.Errorf("auth: issue token: %w: scope %q is not %s or %s", store.ErrInvalid, s, ScopeRead, ScopeWrite)
		}
	}
	if req.TTL < 0 {
		return Issued{}, fmt.Errorf("auth: issue token: %w: ttl %s is negative", store.ErrInvalid, req.TTL)
	}
	expires := req.ExpiresAt
	if expires.IsZero() && req.TTL > 0 {
		expires = now.Add(req.TTL)
	}
	if !expires.IsZero() && !expires.After(now) {
		return Issued{}, fmt.Errorf("auth: issue token: %w: expires_at %s is not in the future", store.ErrInvalid, expires.Format(time.RFC3339))
	}
	slices.Sort(scopes)
	secret := NewTokenSecret()
	t := store.APIToken{
		ID: "tok_" + randomHex(8), UserID: u.ID, Hash: HashSecret(secret),
		Name: req.Name, Scopes: slices.Compact(scopes), CreatedAt: now.UTC(), ExpiresAt: expires.UTC(),
	}
	if expires.IsZero() {
		t.ExpiresAt = time.Time{}
	}
	if err := st.IssueToken(ctx, t); err != nil {
		return Issued{}, fmt.Errorf("auth: issue token: %w", err)
	}
	return Issued{Token: t, Secret: secret}, nil
}

// tokenUsedEvery is how often a token's last use is written: at most once
// a minute per token, not at every request.
const tokenUsedEvery = time.Minute

// checkToken finds the token of secret and returns its principal, or
// ErrInvalidCredential. A store failure is returned as it is.
func checkToken(ctx context.Context, st Store, secret string, now time.Time) (Principal, store.APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return Principal{}, store.APIToken{}, ErrInvalidCredential
	}
	hash := HashSecret(secret)
	t, u, err := st.LookupToken(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Principal{}, store.APIToken{}, ErrInvalidCredential
	case err != nil:
		return Principal{}, store.APIToken{}, err
	case !sameHash(t.Hash, hash),
		!t.RevokedAt.IsZero(),
		!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt),
		u.Disabled:
		return Principal{}, store.APIToken{}, ErrInvalidCredential
	}
	return principalOf(u, t.ID, t.Scopes), t, nil
}
