package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAuthConfig(t *testing.T) {
	t.Run("an OIDC provider, rate limit and session length are read as written", func(t *testing.T) {
		a, err := Load("testdata/auth-oidc.yaml", noEnv)
		if err != nil {
			t.Fatal(err)
		}
		o := a.Auth.OIDC
		if !a.Auth.Enabled || o.Audience != "procurehub-api" || o.PartyClaim != "org.party" || o.RolesClaim != "realm_access.roles" ||
			!strings.HasSuffix(o.JWKSURL, "/certs") || a.Auth.RateLimit != (AuthRateLimit{PerMinute: 120, Burst: 20}) || a.Auth.SessionTTL != 8*time.Hour {
			t.Errorf("auth = %+v", a.Auth)
		}
	})
	t.Run("without an auth section the rate limit and session length have defaults", func(t *testing.T) {
		a, err := LoadBytes("inline.yaml", ".", []byte("broker:\n  embedded: true\n"), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if a.Auth.Enabled || a.Auth.RateLimit != (AuthRateLimit{PerMinute: 600, Burst: 60}) || a.Auth.SessionTTL != 12*time.Hour {
			t.Errorf("auth = %+v", a.Auth)
		}
	})
	t.Run("OIDC without an audience, a JWKS URL that is not http(s), a negative limit and TTL are named at their position", func(t *testing.T) {
		_, err := Load("testdata/auth-oidc-without-audience.yaml", noEnv)
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("err = %v, want config.Errors", err)
		}
		want := []string{
			"testdata/auth-oidc-without-audience.yaml:5:3: auth.oidc.audience: required (the aud the tokens carry, e.g. procurehub-api)",
			`testdata/auth-oidc-without-audience.yaml:7:5: auth.oidc.jwks_url: "login.example.com/certs" is not an http(s) URL`,
			"testdata/auth-oidc-without-audience.yaml:8:3: auth.rate_limit: per_minute and burst must not be negative",
			"testdata/auth-oidc-without-audience.yaml:10:3: auth.session_ttl: -1h0m0s is negative",
		}
		if got := errs.Error(); got != strings.Join(want, "\n") {
			t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
		}
	})
	t.Run("an unknown key in the auth section is an error", func(t *testing.T) {
		_, err := LoadBytes("inline.yaml", ".", []byte("broker:\n  embedded: true\nauth:\n  enable: true\n"), noEnv)
		if err == nil || !strings.Contains(err.Error(), `inline.yaml:4:3: unknown key "enable"`) {
			t.Errorf("err = %v, want the unknown key named at 4:3", err)
		}
	})
}
