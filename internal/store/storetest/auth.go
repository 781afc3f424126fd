package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// --- users, tokens, sessions, audit log ---

// hashOf is the hex SHA-256 of a secret, as internal/auth computes it.
func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func createUser(t *testing.T, s Store, u store.User) {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.ID, err)
	}
}

func issueToken(t *testing.T, s Store, tok store.APIToken) {
	t.Helper()
	if err := s.IssueToken(t.Context(), tok); err != nil {
		t.Fatalf("IssueToken(%s): %v", tok.ID, err)
	}
}

func userReadBack(t *testing.T, s Store) {
	ctx := t.Context()
	u := store.User{ID: "li.wei", PartyID: "SUP-CN-SZP", Roles: []string{"supplier", "viewer"},
		DisplayName: "Li Wei (Shenzhen Precision Parts)", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"}
	createUser(t, s, u)
	got, err := s.GetUser(ctx, "li.wei")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.CreatedAt.IsZero() {
		t.Error("created_at is zero")
	}
	got.CreatedAt = time.Time{}
	if !reflect.DeepEqual(got, u) {
		t.Errorf("user read back\n got: %+v\nwant: %+v", got, u)
	}
	if err := s.CreateUser(ctx, store.User{ID: "li.wei", PartyID: "SUP-IT-BOL", Roles: []string{"admin"}}); !errors.Is(err, store.ErrExists) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a second user li.wei: err = %v, want ErrExists (an ErrInvalid)", err)
	}
	if got, _ := s.GetUser(ctx, "li.wei"); got.PartyID != "SUP-CN-SZP" {
		t.Errorf("a refused duplicate changed the user's party to %s", got.PartyID)
	}
	createUser(t, s, store.User{ID: "token-only", PartyID: "ACME-DE", Roles: []string{"buyer"}, Disabled: true})
	if got, err := s.GetUser(ctx, "token-only"); err != nil || got.PasswordHash != "" || !got.Disabled {
		t.Errorf("user without a password, disabled: %+v, %v; want no password hash and disabled", got, err)
	}
	if _, err := s.GetUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(nobody): err = %v, want ErrNotFound", err)
	}
	for _, bad := range []store.User{
		{PartyID: "ACME-DE", Roles: []string{"buyer"}},
		{ID: "x", Roles: []string{"buyer"}},
		{ID: "x", PartyID: "ACME-DE"},
		{ID: "x", PartyID: "ACME-DE", Roles: []string{"buyer admin"}},
	} {
		if err := s.CreateUser(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateUser(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func tokenLookup(t *testing.T, s Store) {
	ctx := t.Context()
	createUser(t, s, store.User{ID: "erp", PartyID: "ACME-DE", Roles: []string{"buyer"}})
	expires := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)
	tok := store.APIToken{ID: "tok_erp1", UserID: "erp", Hash: hashOf("phk_secret-one"), Name: "erp sync",
		Scopes: []string{"read", "write"}, ExpiresAt: expires}
	issueToken(t, s, tok)

	got, u, err := s.LookupToken(ctx, hashOf("phk_secret-one"))
	if err != nil {
		t.Fatalf("LookupToken: %v", err)
	}
	if got.ID != "tok_erp1" || got.UserID != "erp" || got.Name != "erp sync" ||
		strings.Join(got.Scopes, " ") != "read write" || !got.ExpiresAt.Equal(expires) ||
		!got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() || got.CreatedAt.IsZero() {
		t.Errorf("token read back: %+v", got)
	}
	if u.ID != "erp" || u.PartyID != "ACME-DE" || strings.Join(u.Roles, " ") != "buyer" {
		t.Errorf("user of the token: %+v", u)
	}
	if _, _, err := s.LookupToken(ctx, hashOf("phk_secret-two")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another secret's hash: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.LookupToken(ctx, "tok_erp1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("looking up by the token id: err = %v, want ErrNotFound (only the hash finds it)", err)
	}

	used := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	if err := s.TouchToken(ctx, "tok_erp1", used); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if got, _, _ := s.LookupToken(ctx, hashOf("phk_secret-one")); !got.LastUsedAt.Equal(used) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, used)
	}

	never := store.APIToken{ID: "tok_erp2", UserID: "erp", Hash: hashOf("phk_secret-two"), Scopes: []string{"read"}}
	issueToken(t, s, never)
	if got, _, err := s.LookupToken(ctx, never.Hash); err != nil || !got.ExpiresAt.IsZero() {
		t.Errorf("a token without expiry: %+v, %v; want a zero expires_at", got, err)
	}

	for name, bad := range map[string]store.APIToken{
		"the same id":                {ID: "tok_erp1", UserID: "erp", Hash: hashOf("phk_other")},
		"the same secret":            {ID: "tok_erp3", UserID: "erp", Hash: hashOf("phk_secret-one")},
		"an unknown user":            {ID: "tok_x", UserID: "nobody", Hash: hashOf("phk_x")},
		"a plaintext secret as hash": {ID: "tok_y", UserID: "erp", Hash: "phk_plaintext"},
		"no user":                    {ID: "tok_z", Hash: hashOf("phk_z")},
	} {
		err := s.IssueToken(ctx, bad)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("issuing a token with %s: err = %v, want ErrInvalid", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "phk_plaintext") {
			t.Errorf("the error shows what was given as the hash: %v", err)
		}
	}
}

func tokenRevoke(t *testing.T, s Store) {
	ctx := t.Context()
	createUser(t, s, store.User{ID: "ops", PartyID: "ACME-DE", Roles: []string{"admin"}})
	for i := 1; i <= 3; i++ {
		issueToken(t, s, store.APIToken{ID: fmt.Sprintf("tok_%d", i), UserID: "ops", Hash: hashOf(fmt.Sprint("phk_", i))})
	}
	if err := s.RevokeToken(ctx, "tok_1"); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	first, _, err := s.LookupToken(ctx, hashOf("phk_1"))
	if err != nil || first.RevokedAt.IsZero() {
		t.Fatalf("revoked token: %+v, %v; want revoked_at set", first, err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.RevokeToken(ctx, "tok_1"); err != nil {
		t.Errorf("revoking again: %v", err)
	}
	if again, _, _ := s.LookupToken(ctx, hashOf("phk_1")); !again.RevokedAt.Equal(first.RevokedAt) {
		t.Errorf("revoked again at %v, want the first time %v kept", again.RevokedAt, first.RevokedAt)
	}
	if err := s.RevokeToken(ctx, "tok_9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown token: err = %v, want ErrNotFound", err)
	}
	if n, err := s.RevokeUserTokens(ctx, "ops"); err != nil || n != 2 {
		t.Errorf("RevokeUserTokens = %d, %v; want the 2 not yet revoked", n, err)
	}
	if got, _, _ := s.LookupToken(ctx, hashOf("phk_3")); got.RevokedAt.IsZero() {
		t.Error("tok_3 is not revoked after RevokeUserTokens")
	}
}

func tokenList(t *testing.T, s Store) {
	createUser(t, s, store.User{ID: "a", PartyID: "ACME-DE", Roles: []string{"buyer"}})
	createUser(t, s, store.User{ID: "b", PartyID: "SUP-IT-BOL", Roles: []string{"supplier"}})
	for i := 1; i <= 5; i++ {
		user := "a"
		if i%2 == 0 {
			user = "b"
		}
		issueToken(t, s, store.APIToken{ID: fmt.Sprintf("tok_%d", i), UserID: user, Hash: hashOf(fmt.Sprint("phk_", i))})
	}
	walk := func(f store.TokenFilter) string {
		var ids []string
		for range 10 {
			list, next, err := s.ListTokens(t.Context(), f)
			if err != nil {
				t.Fatalf("ListTokens(%+v): %v", f, err)
			}
			for _, tok := range list {
				ids = append(ids, tok.ID)
				if tok.Hash == "" {
					t.Errorf("token %s listed without its hash", tok.ID)
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		return strings.Join(ids, " ")
	}
	if got := walk(store.TokenFilter{Limit: 2}); got != "tok_5 tok_4 tok_3 tok_2 tok_1" {
		t.Errorf("all tokens by pages of 2: %s", got)
	}
	if got := walk(store.TokenFilter{UserID: "a", Limit: 1}); got != "tok_5 tok_3 tok_1" {
		t.Errorf("tokens of a by pages of 1: %s", got)
	}
	if list, next, err := s.ListTokens(t.Context(), store.TokenFilter{UserID: "nobody"}); err != nil || list == nil || len(list) != 0 || next != "" {
		t.Errorf("tokens of nobody = %#v, %q, %v; want an empty, non-nil page", list, next, err)
	}
	if _, _, err := s.ListTokens(t.Context(), store.TokenFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
}

func sessionLifecycle(t *testing.T, s Store) {
	ctx := t.Context()
	createUser(t, s, store.User{ID: "anna", PartyID: "ACME-DE", Roles: []string{"buyer"}})
	expires := time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)
	se := store.Session{IDHash: hashOf("session-1"), UserID: "anna", CSRFHash: hashOf("csrf-1"), ExpiresAt: expires}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, u, err := s.LookupSession(ctx, hashOf("session-1"))
	if err != nil {
		t.Fatalf("LookupSession: %v", err)
	}
	if got.UserID != "anna" || got.CSRFHash != hashOf("csrf-1") || !got.ExpiresAt.Equal(expires) || got.CreatedAt.IsZero() || u.PartyID != "ACME-DE" {
		t.Errorf("session read back: %+v of %+v", got, u)
	}
	if err := s.CreateSession(ctx, se); !errors.Is(err, store.ErrExists) {
		t.Errorf("the same session id again: err = %v, want ErrExists", err)
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: hashOf("s"), UserID: "nobody", CSRFHash: hashOf("c"), ExpiresAt: expires}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a session of an unknown user: err = %v, want ErrInvalid", err)
	}
	old := store.Session{IDHash: hashOf("session-0"), UserID: "anna", CSRFHash: hashOf("csrf-0"), ExpiresAt: expires.Add(-24 * time.Hour)}
	if err := s.CreateSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, expires.Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want the 1 expired the day before", n, err)
	}
	if _, _, err := s.LookupSession(ctx, hashOf("session-0")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired, swept session: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, hashOf("session-1")); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, _, err := s.LookupSession(ctx, hashOf("session-1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted session: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, hashOf("session-1")); err != nil {
		t.Errorf("deleting a session twice: %v", err)
	}
}

func auditList(t *testing.T, s Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	entries := []store.AuditEntry{
		{At: t0, UserID: "anna", PartyID: "ACME-DE", Credential: "tok_a", Action: "POST /api/v1/orders/{order_number}/amendments",
			Target: "order:4500012345", Before: json.RawMessage(`{"quantity":"100"}`), After: json.RawMessage(`{"quantity":"120"}`), Outcome: store.AuditOK},
		{At: t0.Add(time.Minute), UserID: "li.wei", PartyID: "SUP-CN-SZP", Credential: "tok_l", Action: "POST /api/v1/orders/{order_number}/confirm",
			Target: "order:4500012345", After: json.RawMessage(`{"status":"confirmed"}`), Outcome: store.AuditOK},
		{At: t0.Add(2 * time.Minute), UserID: "li.wei", PartyID: "SUP-CN-SZP", Credential: "tok_l", Action: "POST /api/v1/orders/{order_number}/confirm",
			Target: "order:4500099999", Outcome: store.AuditDenied},
		{At: t0.Add(3 * time.Minute), UserID: "anna", PartyID: "ACME-DE", Credential: "session:1", Action: "DELETE /api/v1/tokens/{id}",
			Target: "token:tok_l", Before: json.RawMessage(`{"revoked":false}`), Outcome: store.AuditOK},
	}
	for i, e := range entries {
		got, err := s.AppendAudit(ctx, e)
		if err != nil {
			t.Fatalf("AppendAudit(%d): %v", i, err)
		}
		if got.ID == 0 || !got.At.Equal(e.At) {
			t.Errorf("entry %d appended as id %d at %v, want an id and %v", i, got.ID, got.At, e.At)
		}
	}
	walk := func(f store.AuditFilter) []store.AuditEntry {
		var all []store.AuditEntry
		for range 10 {
			list, next, err := s.ListAudit(ctx, f)
			if err != nil {
				t.Fatalf("ListAudit(%+v): %v", f, err)
			}
			all = append(all, list...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		return all
	}
	text := func(es []store.AuditEntry) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%s %s %s %s %s\n", e.At.Format("15:04"), e.UserID, e.Target, e.Outcome, e.Credential)
		}
		return b.String()
	}
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want string
	}{
		{"everything, by pages of 1", store.AuditFilter{Limit: 1},
			"09:03 anna token:tok_l ok session:1\n09:02 li.wei order:4500099999 denied tok_l\n09:01 li.wei order:4500012345 ok tok_l\n09:00 anna order:4500012345 ok tok_a\n"},
		{"one user", store.AuditFilter{UserID: "anna"}, "09:03 anna token:tok_l ok session:1\n09:00 anna order:4500012345 ok tok_a\n"},
		{"one party", store.AuditFilter{PartyID: "SUP-CN-SZP", Limit: 1}, "09:02 li.wei order:4500099999 denied tok_l\n09:01 li.wei order:4500012345 ok tok_l\n"},
		{"one target", store.AuditFilter{Target: "order:4500012345"}, "09:01 li.wei order:4500012345 ok tok_l\n09:00 anna order:4500012345 ok tok_a\n"},
		{"since a time, inclusive", store.AuditFilter{Since: t0.Add(2 * time.Minute)}, "09:03 anna token:tok_l ok session:1\n09:02 li.wei order:4500099999 denied tok_l\n"},
		{"a party and a target", store.AuditFilter{PartyID: "ACME-DE", Target: "order:4500012345"}, "09:00 anna order:4500012345 ok tok_a\n"},
		{"nothing matches", store.AuditFilter{UserID: "nobody"}, ""},
	} {
		if got := text(walk(c.f)); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
	all := walk(store.AuditFilter{})
	if len(all) != 4 {
		t.Fatalf("%d entries, want 4", len(all))
	}
	first := all[3]
	if first.Action != "POST /api/v1/orders/{order_number}/amendments" || !sameAuditJSON(t, first.Before, `{"quantity":"100"}`) || !sameAuditJSON(t, first.After, `{"quantity":"120"}`) {
		t.Errorf("first entry read back: %s before %s after %s", first.Action, first.Before, first.After)
	}
	if all[1].Before != nil || all[1].After != nil {
		t.Errorf("a denied entry without before/after reads back with before %s after %s, want none", all[1].Before, all[1].After)
	}
	if _, _, err := s.ListAudit(ctx, store.AuditFilter{Cursor: "bogus"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
	for _, bad := range []store.AuditEntry{
		{Outcome: store.AuditOK},
		{Action: "POST /x", Outcome: "maybe"},
		{Action: "POST /x", Outcome: store.AuditOK, Before: json.RawMessage(`{not json`)},
	} {
		if _, err := s.AppendAudit(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AppendAudit(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	if got := walk(store.AuditFilter{}); len(got) != 4 {
		t.Errorf("refused entries were appended: %d entries, want 4", len(got))
	}
}

// sameAuditJSON reports whether got is the JSON value want, whatever its spacing.
func sameAuditJSON(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Errorf("%s is not JSON: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}
