package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// adminAPI mounts the admin handlers behind the middleware on a ServeMux
// the way the API's route table does, and gives an admin's and a buyer's
// tokens.
func adminAPI(t *testing.T) (f *fixture, h http.Handler, admin, buyer string) {
	t.Helper()
	f = newFixture(t, Options{})
	mustUser(t, f.st, "root", "ACME-DE", RoleAdmin)
	hs := &Handlers{Store: f.st, Now: f.clock.Now, Logger: f.logs.logger(), Note: func(r *http.Request, target string, before, after any) {
		// as the API's route guard does: the write's audit entry
		if err := (&Auditor{Store: f.st}).Record(r.Context(), r.Pattern, target, before, after); err != nil {
			t.Error(err)
		}
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/audit", hs.ListAudit)
	mux.HandleFunc("POST /api/v1/tokens", hs.IssueToken)
	mux.HandleFunc("GET /api/v1/tokens", hs.ListTokens)
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", hs.RevokeToken)
	mux.HandleFunc("POST /api/v1/users", hs.CreateUser)
	mux.Handle("/", whoami)
	h = f.auth.Middleware()(mux)
	admin = "Authorization: Bearer " + mustToken(t, f.st, TokenRequest{UserID: "root"}, f.clock.Now()).Secret
	buyer = "Authorization: Bearer " + mustToken(t, f.st, TokenRequest{UserID: "anna"}, f.clock.Now()).Secret
	return f, h, admin, buyer
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return v
}

func TestTokenEndpoints(t *testing.T) {
	f, h, admin, buyer := adminAPI(t)

	w := do(h, "POST", "/api/v1/tokens", `{"user_id": "li.wei", "name": "erp sync", "scopes": ["read"], "ttl": "720h"}`, admin)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /tokens: %d %s", w.Code, w.Body)
	}
	issued := decode[IssuedToken](t, w.Body.Bytes())
	t.Run("an admin issues a token for a user and sees its secret once", func(t *testing.T) {
		if !strings.HasPrefix(issued.Secret, TokenPrefix) || issued.Token.UserID != "li.wei" || strings.Join(issued.Token.Scopes, " ") != "read" {
			t.Errorf("issued %+v", issued)
		}
		if issued.Token.ExpiresAt == nil || !issued.Token.ExpiresAt.Equal(f.clock.Now().Add(720*time.Hour)) {
			t.Errorf("expires_at %v, want 30 days on", issued.Token.ExpiresAt)
		}
		if w := do(h, "GET", "/orders", "", "Authorization: Bearer "+issued.Secret); w.Code != http.StatusOK || principalIn(t, w).PartyID != "SUP-CN-SZP" {
			t.Errorf("the issued token does not get li.wei in: %d %s", w.Code, w.Body)
		}
	})
	t.Run("the token list never shows a secret or a hash", func(t *testing.T) {
		w := do(h, "GET", "/api/v1/tokens?user=li.wei", "", admin)
		list := decode[TokenList](t, w.Body.Bytes())
		if w.Code != http.StatusOK || len(list.Tokens) != 1 || list.Tokens[0].ID != issued.Token.ID || list.Tokens[0].LastUsedAt == nil {
			t.Errorf("GET /tokens?user=li.wei: %d %s; want the one token, used", w.Code, w.Body)
		}
		all := do(h, "GET", "/api/v1/tokens", "", admin).Body.String()
		if strings.Contains(all, issued.Secret[4:]) || strings.Contains(all, HashSecret(issued.Secret)) || strings.Contains(all, "hash") {
			t.Errorf("the token list shows a secret or hash: %s", all)
		}
	})
	t.Run("a revoked token is refused at once", func(t *testing.T) {
		if w := do(h, "DELETE", "/api/v1/tokens/"+issued.Token.ID, "", admin); w.Code != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", w.Code, w.Body)
		}
		if w := do(h, "GET", "/orders", "", "Authorization: Bearer "+issued.Secret); w.Code != http.StatusUnauthorized {
			t.Errorf("the revoked token: %d, want 401", w.Code)
		}
		if w := do(h, "DELETE", "/api/v1/tokens/tok_nothing", "", admin); w.Code != http.StatusNotFound {
			t.Errorf("revoking an unknown token: %d, want 404", w.Code)
		}
	})
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"an unknown user", `{"user_id": "nobody"}`, http.StatusNotFound},
		{"no user", `{"name": "x"}`, http.StatusBadRequest},
		{"an unknown scope", `{"user_id": "anna", "scopes": ["admin"]}`, http.StatusBadRequest},
		{"a ttl that is no duration", `{"user_id": "anna", "ttl": "30 days"}`, http.StatusBadRequest},
		{"a past expiry", `{"user_id": "anna", "expires_at": "2020-01-01T00:00:00Z"}`, http.StatusBadRequest},
		{"an unknown field", `{"user_id": "anna", "secret": "phk_mine"}`, http.StatusBadRequest},
		{"a body that is not JSON", `user_id=anna`, http.StatusBadRequest},
		{"an empty body", ``, http.StatusBadRequest},
	} {
		t.Run("issuing a token for "+c.name+" is a clear 4xx", func(t *testing.T) {
			if w := do(h, "POST", "/api/v1/tokens", c.body, admin); w.Code != c.status || errorCode(t, w) == "" {
				t.Errorf("%d %s, want %d with an error", w.Code, w.Body, c.status)
			}
		})
	}
	t.Run("issuing and revoking are audited with the token's id, never its secret", func(t *testing.T) {
		entries, _, err := f.st.ListAudit(t.Context(), store.AuditFilter{Target: "token:" + issued.Token.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if strings.Contains(string(e.After), issued.Secret[4:]) || strings.Contains(string(e.After), HashSecret(issued.Secret)) {
				t.Errorf("audit entry %s shows the secret or its hash: %s", e.Action, e.After)
			}
			if e.UserID != "root" {
				t.Errorf("audit entry %s by %q, want root", e.Action, e.UserID)
			}
		}
		if strings.Join(actions, ", ") != "DELETE /api/v1/tokens/{id}, POST /api/v1/tokens" {
			t.Errorf("audited %v; want the revocation, then the issue", actions)
		}
	})
	t.Run("a buyer may neither issue, list nor revoke tokens", func(t *testing.T) {
		for _, r := range [][3]string{{"POST", "/api/v1/tokens", `{"user_id": "anna"}`}, {"GET", "/api/v1/tokens", ""}, {"DELETE", "/api/v1/tokens/" + issued.Token.ID, ""}} {
			if w := do(h, r[0], r[1], r[2], buyer); w.Code != http.StatusForbidden {
				t.Errorf("%s %s as a buyer: %d, want 403", r[0], r[1], w.Code)
			}
		}
	})
	t.Run("an admin's read-only token may list but not issue", func(t *testing.T) {
		ro := "Authorization: Bearer " + mustToken(t, f.st, TokenRequest{UserID: "root", Scopes: []string{ScopeRead}}, f.clock.Now()).Secret
		if w := do(h, "GET", "/api/v1/tokens", "", ro); w.Code != http.StatusOK {
			t.Errorf("GET with a read-only admin token: %d", w.Code)
		}
		if w := do(h, "POST", "/api/v1/tokens", `{"user_id": "anna"}`, ro); w.Code != http.StatusForbidden {
			t.Errorf("POST with a read-only admin token: %d, want 403", w.Code)
		}
	})
}

func TestUserEndpoint(t *testing.T) {
	f, h, admin, buyer := adminAPI(t)
	w := do(h, "POST", "/api/v1/users", `{"id": "maria", "party_id": "SUP-IT-BOL", "roles": ["supplier"], "display_name": "Maria Bianchi", "password": "a long enough password"}`, admin)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /users: %d %s", w.Code, w.Body)
	}
	t.Run("an admin creates a user of a party with a password, and the answer never shows its hash", func(t *testing.T) {
		u := decode[User](t, w.Body.Bytes())
		if u.ID != "maria" || u.PartyID != "SUP-IT-BOL" || !u.HasPassword || strings.Contains(w.Body.String(), "argon2") {
			t.Errorf("created %s", w.Body)
		}
		a, _ := New(Options{Store: f.st})
		if _, err := a.CheckPassword(t.Context(), "maria", "a long enough password"); err != nil {
			t.Errorf("the new user's password does not check: %v", err)
		}
	})
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"an id taken", `{"id": "maria", "party_id": "SUP-IT-BOL", "roles": ["supplier"]}`, http.StatusConflict},
		{"an unknown role", `{"id": "x", "party_id": "SUP-IT-BOL", "roles": ["superuser"]}`, http.StatusBadRequest},
		{"no role", `{"id": "x", "party_id": "SUP-IT-BOL"}`, http.StatusBadRequest},
		{"no party", `{"id": "x", "roles": ["buyer"]}`, http.StatusBadRequest},
		{"a short password", `{"id": "x", "party_id": "ACME-DE", "roles": ["buyer"], "password": "short"}`, http.StatusBadRequest},
		{"roles as a string", `{"id": "x", "party_id": "ACME-DE", "roles": "buyer"}`, http.StatusBadRequest},
	} {
		t.Run("a user with "+c.name+" is a clear 4xx and nothing is stored", func(t *testing.T) {
			if w := do(h, "POST", "/api/v1/users", c.body, admin); w.Code != c.status || errorCode(t, w) == "" {
				t.Errorf("%d %s, want %d with an error", w.Code, w.Body, c.status)
			}
			if _, err := f.st.GetUser(t.Context(), "x"); err == nil {
				t.Error("user x was stored")
			}
		})
	}
	t.Run("a buyer may not create users", func(t *testing.T) {
		if w := do(h, "POST", "/api/v1/users", `{"id": "y", "party_id": "ACME-DE", "roles": ["admin"]}`, buyer); w.Code != http.StatusForbidden {
			t.Errorf("POST /users as a buyer: %d, want 403", w.Code)
		}
	})
}

func TestAudit(t *testing.T) {
	f, h, admin, buyer := adminAPI(t)
	aud := &Auditor{Store: f.st, Now: f.clock.Now}
	anna := WithPrincipal(t.Context(), Principal{UserID: "anna", PartyID: "ACME-DE", Roles: []Role{RoleBuyer}, TokenID: "tok_anna"})
	li := WithPrincipal(t.Context(), Principal{UserID: "li.wei", PartyID: "SUP-CN-SZP", Roles: []Role{RoleSupplier}, TokenID: "session:ab12"})

	type qty struct {
		Quantity string `json:"quantity"`
	}
	record := func(ctx context.Context, action, target string, before, after any) {
		t.Helper()
		if err := aud.Record(ctx, action, target, before, after); err != nil {
			t.Fatalf("Record(%s %s): %v", action, target, err)
		}
		f.clock.Add(time.Minute)
	}
	record(anna, "POST /api/v1/orders/{order_number}/amendments", "order:4500012345", qty{"100"}, qty{"120"})
	record(li, "POST /api/v1/orders/{order_number}/confirm", "order:4500012345", nil, json.RawMessage(`{"status":"confirmed"}`))
	record(li, "POST /api/v1/orders/{order_number}/progress", "order:4500012360", nil, map[string]int{"percent": 40})
	if err := aud.RecordOutcome(anna, store.AuditDenied, "POST /api/v1/orders/{order_number}/confirm", "order:4500012360", nil, nil); err != nil {
		t.Fatal(err)
	}

	list := func(query string) AuditList {
		t.Helper()
		w := do(h, "GET", "/api/v1/audit"+query, "", admin)
		if w.Code != http.StatusOK {
			t.Fatalf("GET /audit%s: %d %s", query, w.Code, w.Body)
		}
		return decode[AuditList](t, w.Body.Bytes())
	}
	text := func(l AuditList) string {
		var parts []string
		for _, e := range l.Entries {
			parts = append(parts, e.UserID+" "+e.PartyID+" "+e.Credential+" "+e.Target+" "+e.Outcome)
		}
		return strings.Join(parts, "\n")
	}
	t.Run("every recorded write is listed newest first with who, party, credential and outcome", func(t *testing.T) {
		want := "anna ACME-DE tok_anna order:4500012360 denied\n" +
			"li.wei SUP-CN-SZP session:ab12 order:4500012360 ok\n" +
			"li.wei SUP-CN-SZP session:ab12 order:4500012345 ok\n" +
			"anna ACME-DE tok_anna order:4500012345 ok"
		if got := text(list("")); got != want {
			t.Errorf("GET /audit:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("an entry keeps the state before and after as JSON", func(t *testing.T) {
		l := list("?user=anna&target=order:4500012345")
		if len(l.Entries) != 1 {
			t.Fatalf("%d entries, want 1", len(l.Entries))
		}
		e := l.Entries[0]
		if e.Action != "POST /api/v1/orders/{order_number}/amendments" || !sameJSONText(e.Before, `{"quantity":"100"}`) || !sameJSONText(e.After, `{"quantity":"120"}`) {
			t.Errorf("entry %+v (before %s, after %s)", e, e.Before, e.After)
		}
	})
	for _, c := range []struct{ query, want string }{
		{"?party=SUP-CN-SZP", "li.wei SUP-CN-SZP session:ab12 order:4500012360 ok\nli.wei SUP-CN-SZP session:ab12 order:4500012345 ok"},
		{"?target=order:4500012360", "anna ACME-DE tok_anna order:4500012360 denied\nli.wei SUP-CN-SZP session:ab12 order:4500012360 ok"},
		{"?since=2026-03-04T09:02:00Z", "anna ACME-DE tok_anna order:4500012360 denied\nli.wei SUP-CN-SZP session:ab12 order:4500012360 ok"},
	} {
		t.Run("an admin filters the audit log by "+c.query, func(t *testing.T) {
			if got := text(list(c.query)); got != c.want {
				t.Errorf("GET /audit%s:\n%s\nwant:\n%s", c.query, got, c.want)
			}
		})
	}
	t.Run("an admin pages through the audit log", func(t *testing.T) {
		var seen []int64
		q := "?limit=3"
		for range 5 {
			l := list(q)
			for _, e := range l.Entries {
				seen = append(seen, e.ID)
			}
			if l.NextCursor == "" {
				break
			}
			q = "?limit=3&cursor=" + l.NextCursor
		}
		if len(seen) != 4 || seen[0] <= seen[3] {
			t.Errorf("ids over pages of 3: %v, want 4, newest first", seen)
		}
	})
	for _, q := range []string{"?since=yesterday", "?limit=0", "?limit=501", "?cursor=bogus"} {
		t.Run("a bad query "+q+" is 400", func(t *testing.T) {
			if w := do(h, "GET", "/api/v1/audit"+q, "", admin); w.Code != http.StatusBadRequest {
				t.Errorf("%d, want 400", w.Code)
			}
		})
	}
	t.Run("only admins read the audit log", func(t *testing.T) {
		if w := do(h, "GET", "/api/v1/audit", "", buyer); w.Code != http.StatusForbidden {
			t.Errorf("a buyer: %d, want 403", w.Code)
		}
		if w := do(h, "GET", "/api/v1/audit", ""); w.Code != http.StatusUnauthorized {
			t.Errorf("no credential: %d, want 401", w.Code)
		}
	})
	t.Run("a nil Auditor records nothing and does not fail", func(t *testing.T) {
		var none *Auditor
		if err := none.Record(anna, "POST /x", "order:1", nil, nil); err != nil {
			t.Errorf("nil Auditor: %v", err)
		}
		if n := len(list("").Entries); n != 4 {
			t.Errorf("%d entries after a nil Auditor's record, want 4", n)
		}
	})
	t.Run("a value that is not JSON is refused and not recorded", func(t *testing.T) {
		if err := aud.Record(anna, "POST /x", "order:1", json.RawMessage(`{oops`), nil); err == nil {
			t.Error("Record took invalid JSON")
		}
		if err := aud.Record(anna, "POST /x", "order:1", func() {}, nil); err == nil {
			t.Error("Record took a func")
		}
		if n := len(list("").Entries); n != 4 {
			t.Errorf("%d entries after refused records, want 4", n)
		}
	})
}

// sameJSONText reports whether got is the JSON value want, whatever its spacing.
func sameJSONText(got json.RawMessage, want string) bool {
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	return string(ga) == string(gb)
}
