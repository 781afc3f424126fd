package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// DemoParty is one user the embedded demo provisions: Key names its token
// in var/demo-tokens.json ("admin", "buyer", "supplier:SUP-CN-SZP").
type DemoParty struct {
	Key         string
	PartyID     string
	Role        Role
	DisplayName string
}

// UserID is the demo user's id: "demo-" and the key, lowercase, ':' as '-'.
func (d DemoParty) UserID() string {
	return "demo-" + strings.ToLower(strings.ReplaceAll(d.Key, ":", "-"))
}

// DemoParties are the parties of the embedded demo (configs/demo.yaml and
// internal/demo/data): the operator's admin; the buying organization
// ACME-DE ("buyer") and the other buyers of the demo files (ACME Asia
// in Hong Kong, the US distributor Globex); every supplier of the order
// files; the simulated carrier "demo"; a customs broker; ACME's finance.
func DemoParties() []DemoParty {
	ps := []DemoParty{
		{Key: "admin", PartyID: "ACME-DE", Role: RoleAdmin, DisplayName: "Demo administrator"},
		{Key: "buyer", PartyID: "ACME-DE", Role: RoleBuyer, DisplayName: "ACME Maschinenbau GmbH, purchasing"},
		{Key: "buyer:ACME-HK", PartyID: "ACME-HK", Role: RoleBuyer, DisplayName: "ACME Asia Ltd., purchasing"},
		{Key: "buyer:GLOBEX-US", PartyID: "GLOBEX-US", Role: RoleBuyer, DisplayName: "Globex Corporation, purchasing"},
	}
	for _, s := range []struct{ id, name string }{
		{"SUP-CN-SZP", "Shenzhen Precision Parts Co., Ltd."},
		{"SUP-IT-BOL", "Bianchi Oleodinamica S.p.A."},
		{"SUP-DE-MPT", "Müller Präzisionsteile GmbH"},
		{"V-VN-HAI", "Hai Phong Garment JSC"},
		{"V-IN-CHN", "Chennai Castings Pvt. Ltd."},
		{"V-DE-KRF", "Kraft Werkzeugbau GmbH"},
	} {
		ps = append(ps, DemoParty{Key: "supplier:" + s.id, PartyID: s.id, Role: RoleSupplier, DisplayName: s.name})
	}
	return append(ps,
		DemoParty{Key: "logistics:demo", PartyID: "demo", Role: RoleLogistics, DisplayName: "Demo carrier"},
		DemoParty{Key: "customs:CB-DE-HAM", PartyID: "CB-DE-HAM", Role: RoleCustoms, DisplayName: "Customs broker, Hamburg"},
		DemoParty{Key: "finance", PartyID: "FIN-ACME-DE", Role: RoleFinance, DisplayName: "ACME finance"},
	)
}

// demoTokenName names the tokens ProvisionDemo issues.
const demoTokenName = "demo"

// ProvisionDemo makes one user per party (reusing the users of an earlier
// start), revokes the tokens they had and issues each a fresh read-write
// token without expiry. It returns the secrets by key. Keys must be
// unique; a user that exists with another party is an error, not taken over.
func ProvisionDemo(ctx context.Context, st Store, parties []DemoParty) (map[string]string, error) {
	tokens := make(map[string]string, len(parties))
	for _, d := range parties {
		if d.Key == "" || d.PartyID == "" || !d.Role.Valid() {
			return nil, fmt.Errorf("auth: demo party %+v: key, party id and a known role are required", d)
		}
		if _, dup := tokens[d.Key]; dup {
			return nil, fmt.Errorf("auth: demo party %s is listed twice", d.Key)
		}
		u := store.User{ID: d.UserID(), PartyID: d.PartyID, Roles: []string{string(d.Role)}, DisplayName: d.DisplayName}
		err := st.CreateUser(ctx, u)
		if errors.Is(err, store.ErrExists) {
			var got store.User
			if got, err = st.GetUser(ctx, u.ID); err == nil && got.PartyID != d.PartyID {
				err = fmt.Errorf("user %s exists with party %s, not %s", u.ID, got.PartyID, d.PartyID)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("auth: demo user %s: %w", d.Key, err)
		}
		if _, err := st.RevokeUserTokens(ctx, u.ID); err != nil {
			return nil, fmt.Errorf("auth: demo user %s: %w", d.Key, err)
		}
		issued, err := IssueToken(ctx, st, TokenRequest{UserID: u.ID, Name: demoTokenName}, time.Now())
		if err != nil {
			return nil, fmt.Errorf("auth: demo user %s: %w", d.Key, err)
		}
		tokens[d.Key] = issued.Secret
	}
	return tokens, nil
}

// WriteDemoTokens writes tokens to path as one JSON object, keys sorted
// ({"admin": "phk_...", "buyer": "phk_...", "supplier:SUP-CN-SZP": ...}),
// readable by the owner only (0600), replacing the file atomically. It
// makes the directory (0700) when missing.
func WriteDemoTokens(path string, tokens map[string]string) error {
	b, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	f, err := os.CreateTemp(dir, ".demo-tokens-*.json")
	if err != nil {
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("auth: demo tokens: %w", err)
	}
	return nil
}
