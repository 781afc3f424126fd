package auth

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

func TestProvisionDemo(t *testing.T) {
	st := newStore(t)
	parties := DemoParties()
	first, err := ProvisionDemo(t.Context(), st, parties)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	a, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Middleware()(whoami)

	t.Run("every party of the demo gets a user and a token by its key", func(t *testing.T) {
		var keys []string
		for k := range first {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, want := range []string{"admin", "buyer", "buyer:ACME-HK", "buyer:GLOBEX-US", "customs:CB-DE-HAM", "finance",
			"logistics:demo", "supplier:SUP-CN-SZP", "supplier:SUP-DE-MPT", "supplier:SUP-IT-BOL"} {
			if !slices.Contains(keys, want) {
				t.Errorf("no token for %s among %v", want, keys)
			}
		}
		if len(first) != len(parties) {
			t.Errorf("%d tokens for %d parties", len(first), len(parties))
		}
	})
	for _, c := range []struct {
		key, party string
		role       Role
	}{
		{"admin", "ACME-DE", RoleAdmin},
		{"buyer", "ACME-DE", RoleBuyer},
		{"supplier:SUP-CN-SZP", "SUP-CN-SZP", RoleSupplier},
		{"logistics:demo", "demo", RoleLogistics},
		{"customs:CB-DE-HAM", "CB-DE-HAM", RoleCustoms},
		{"finance", "FIN-ACME-DE", RoleFinance},
	} {
		t.Run("the "+c.key+" token gets in as its party with its role, and may write", func(t *testing.T) {
			w := do(h, "GET", "/api/v1/orders", "", "Authorization: Bearer "+first[c.key])
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			p := principalIn(t, w)
			if p.PartyID != c.party || len(p.Roles) != 1 || p.Roles[0] != c.role || !p.CanWrite() {
				t.Errorf("principal %+v; want party %s, role %s, writing", p, c.party, c.role)
			}
		})
	}

	second, err := ProvisionDemo(t.Context(), st, parties)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	t.Run("a second start reuses the users and issues fresh tokens", func(t *testing.T) {
		for k, secret := range second {
			if secret == first[k] {
				t.Errorf("%s: the same token twice", k)
			}
			if w := do(h, "GET", "/", "", "Authorization: Bearer "+secret); w.Code != http.StatusOK {
				t.Errorf("%s: the new token: %d", k, w.Code)
			}
		}
		buyer := DemoParty{Key: "buyer"}
		tokens, _, err := st.ListTokens(t.Context(), store.TokenFilter{UserID: buyer.UserID()})
		if err != nil || len(tokens) != 2 {
			t.Errorf("the buyer has %d tokens (%v), want 2: one per start, on one user", len(tokens), err)
		}
	})
	t.Run("a second start revokes the tokens of the first", func(t *testing.T) {
		for k, secret := range first {
			if w := do(h, "GET", "/", "", "Authorization: Bearer "+secret); w.Code != http.StatusUnauthorized {
				t.Errorf("%s: the first start's token: %d, want 401", k, w.Code)
			}
		}
	})
	t.Run("a party listed twice or a user of another party is refused", func(t *testing.T) {
		twice := []DemoParty{parties[0], parties[0]}
		if _, err := ProvisionDemo(t.Context(), st, twice); err == nil {
			t.Error("a key listed twice was provisioned")
		}
		moved := []DemoParty{{Key: "buyer", PartyID: "GLOBEX-US", Role: RoleBuyer}}
		if _, err := ProvisionDemo(t.Context(), st, moved); err == nil || !strings.Contains(err.Error(), "ACME-DE") {
			t.Errorf("the buyer moved to GLOBEX-US: %v; want an error naming its party", err)
		}
	})
}

func TestWriteDemoTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "demo-tokens.json")
	tokens := map[string]string{"admin": "phk_a", "buyer": "phk_b", "supplier:SUP-CN-SZP": "phk_s"}
	if err := WriteDemoTokens(path, tokens); err != nil {
		t.Fatal(err)
	}
	t.Run("the file is one JSON object of key to token", func(t *testing.T) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(got) != 3 || got["admin"] != "phk_a" || got["supplier:SUP-CN-SZP"] != "phk_s" {
			t.Errorf("file holds %v", got)
		}
		if !strings.HasPrefix(string(b), "{\n  \"admin\": \"phk_a\",\n  \"buyer\"") {
			t.Errorf("file is not indented with sorted keys:\n%s", b)
		}
	})
	t.Run("only its owner may read it", func(t *testing.T) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	})
	t.Run("writing again replaces the file and leaves no temporary file", func(t *testing.T) {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteDemoTokens(path, map[string]string{"admin": "phk_new"}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if !strings.Contains(string(b), "phk_new") || strings.Contains(string(b), "phk_b") || fi.Mode().Perm() != 0o600 {
			t.Errorf("after a second write (mode %v):\n%s", fi.Mode().Perm(), b)
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("the directory holds %d files, want only demo-tokens.json", len(entries))
		}
	})
}
