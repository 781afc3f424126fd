package auth

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/procurehub/procurehub/internal/config"
)

// FromConfig makes the Authenticator of an auth config section: its OIDC
// provider when an issuer is set, its rate limit and session length.
// secureCookie marks the session cookie Secure (set it behind HTTPS).
func FromConfig(c config.Auth, st Store, secureCookie bool, logger *slog.Logger) (*Authenticator, error) {
	o := Options{Store: st, SessionTTL: c.SessionTTL, SecureCookie: secureCookie, Logger: logger,
		RateLimit: RateLimit{PerMinute: c.RateLimit.PerMinute, Burst: c.RateLimit.Burst}}
	if c.OIDC.Issuer != "" {
		v, err := NewOIDC(OIDCConfig{Issuer: c.OIDC.Issuer, Audience: c.OIDC.Audience, JWKSURL: c.OIDC.JWKSURL,
			PartyClaim: c.OIDC.PartyClaim, RolesClaim: c.OIDC.RolesClaim})
		if err != nil {
			return nil, err
		}
		o.OIDC = v
	}
	return New(o)
}

// DemoTokensText prints demo tokens for the console, one "key  token" a
// line, sorted by key, with a curl example of the first.
func DemoTokensText(tokens map[string]string, path string) string {
	keys := make([]string, 0, len(tokens))
	width := 0
	for k := range tokens {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "demo API tokens (also in %s):\n", path)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, k, tokens[k])
	}
	if t, ok := tokens["buyer"]; ok {
		fmt.Fprintf(&b, "  e.g. curl -H 'Authorization: Bearer %s' localhost:8080/api/v1/orders\n", t)
	}
	return b.String()
}
