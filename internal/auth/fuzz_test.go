package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// FuzzVerifyPassword: whatever is stored as a password hash, verifying
// never panics and never accepts a hash it cannot read.
func FuzzVerifyPassword(f *testing.F) {
	good, err := HashPassword("correct horse battery staple")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "correct horse battery staple")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$", "")
	f.Add("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "password")
	f.Fuzz(func(t *testing.T, phc, password string) {
		// Parameters VerifyPassword accepts can cost seconds a hash (256 MiB,
		// 10 passes: its bound, tested below); the fuzzer is
		// after the parsing, so it keeps to cheap ones.
		var m, passes int
		if parts := strings.Split(phc, "$"); len(parts) > 3 {
			if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d", &m, &passes); err == nil && m*passes > 64*1024 {
				t.Skip("costly parameters")
			}
		}
		ok, err := VerifyPassword(phc, password)
		if ok && err != nil {
			t.Errorf("VerifyPassword(%q) = true with error %v", phc, err)
		}
	})
}

// FuzzAuthorization: whatever a client sends as Authorization or session
// cookie, the middleware answers 401 (or lets a real credential through)
// and never panics.
func FuzzAuthorization(f *testing.F) {
	f.Add("Bearer phk_AAAA", "")
	f.Add("Bearer eyJhbGciOiJSUzI1NiJ9.e30.", "")
	f.Add("bearer  ", "x")
	f.Add("Basic YTpi", "")
	f.Add("", "session-id")
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		a, err := New(Options{Store: emptyStore{}, Logger: (&logBuffer{}).logger()})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest("POST", "/api/v1/orders", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if cookie != "" {
			r.Header.Set("Cookie", DefaultSessionCookie+"="+cookie)
		}
		p, found, err := a.Authenticate(r)
		if err == nil && found {
			t.Errorf("%q / %q authenticated as %+v against an empty store", authorization, cookie, p)
		}
	})
}

// emptyStore holds nothing: every lookup is store.ErrNotFound.
type emptyStore struct{}

func (emptyStore) CreateUser(context.Context, store.User) error { return store.ErrInvalid }
func (emptyStore) GetUser(context.Context, string) (store.User, error) {
	return store.User{}, store.ErrNotFound
}
func (emptyStore) IssueToken(context.Context, store.APIToken) error { return store.ErrInvalid }
func (emptyStore) LookupToken(context.Context, string) (store.APIToken, store.User, error) {
	return store.APIToken{}, store.User{}, store.ErrNotFound
}
func (emptyStore) TouchToken(context.Context, string, time.Time) error   { return nil }
func (emptyStore) RevokeToken(context.Context, string) error             { return store.ErrNotFound }
func (emptyStore) RevokeUserTokens(context.Context, string) (int, error) { return 0, nil }
func (emptyStore) ListTokens(context.Context, store.TokenFilter) ([]store.APIToken, string, error) {
	return []store.APIToken{}, "", nil
}
func (emptyStore) CreateSession(context.Context, store.Session) error { return store.ErrInvalid }
func (emptyStore) LookupSession(context.Context, string) (store.Session, store.User, error) {
	return store.Session{}, store.User{}, store.ErrNotFound
}
func (emptyStore) DeleteSession(context.Context, string) error { return nil }
func (emptyStore) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, store.ErrInvalid
}
func (emptyStore) ListAudit(context.Context, store.AuditFilter) ([]store.AuditEntry, string, error) {
	return []store.AuditEntry{}, "", nil
}

func TestVerifyPasswordRefusesCostsAboveItsBound(t *testing.T) {
	for _, phc := range []string{
		"$argon2id$v=19$m=262145,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // 256 MiB + 1 KiB of memory
		"$argon2id$v=19$m=8,t=11,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",     // 11 passes
		"$argon2id$v=19$m=8,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",      // no thread
	} {
		if ok, err := VerifyPassword(phc, "x"); ok || err == nil {
			t.Errorf("VerifyPassword(%s) = %v, %v; want refused as unreadable", phc, ok, err)
		}
	}
}
