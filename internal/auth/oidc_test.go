package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwksServer serves a JWKS the test changes, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) publish(keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]string {
	pub, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(pub[1:33]), "y": b64(pub[33:])}
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOIDC(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := newJWKSServer(t)
	jwks.publish(rsaJWK("rsa-1", rsaKey), ecJWK("ec-1", ecKey))

	clk := newClock()
	const issuer = "https://login.example.com/realms/procurehub"
	o, err := NewOIDC(OIDCConfig{Issuer: issuer, Audience: "procurehub-api", JWKSURL: jwks.URL,
		PartyClaim: "org.party", RolesClaim: "realm_access.roles", MinRefresh: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": issuer, "aud": "procurehub-api", "sub": "li.wei@szp.example",
			"iat": clk.Now().Unix(), "exp": clk.Now().Add(10 * time.Minute).Unix(),
			"org":          map[string]any{"party": "SUP-CN-SZP"},
			"realm_access": map[string]any{"roles": []any{"supplier", "offline_access"}},
		}
		if mod != nil {
			mod(c)
		}
		return c
	}

	for _, c := range []struct {
		name  string
		token string
	}{
		{"an RS256 token", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(nil))},
		{"an ES256 token", sign(t, jwt.SigningMethodES256, "ec-1", ecKey, claims(nil))},
	} {
		t.Run(c.name+" of the issuer for the audience gets its user in with party and roles from the claims", func(t *testing.T) {
			p, err := o.Verify(t.Context(), c.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.UserID != "li.wei@szp.example" || p.PartyID != "SUP-CN-SZP" || len(p.Roles) != 1 || p.Roles[0] != RoleSupplier || p.TokenID != "oidc:"+issuer {
				t.Errorf("principal %+v; want li.wei of SUP-CN-SZP, supplier only (offline_access is no role), by oidc:%s", p, issuer)
			}
		})
	}
	if n := jwks.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times for two tokens of known keys, want once (cached)", n)
	}

	for _, c := range []struct {
		name  string
		token string
	}{
		{"a token for another audience", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { c["aud"] = "another-app" }))},
		{"a token of another issuer", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
		{"an expired token", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { c["exp"] = clk.Now().Add(-time.Hour).Unix() }))},
		{"a token not valid yet", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { c["nbf"] = clk.Now().Add(time.Hour).Unix() }))},
		{"a token without exp", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"a token without the party claim", sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, claims(func(c jwt.MapClaims) { delete(c, "org") }))},
		{"a token signed by a key not in the JWKS under a known kid", sign(t, jwt.SigningMethodRS256, "rsa-1", rotated, claims(nil))},
		{"an RS256 token claiming the EC key", sign(t, jwt.SigningMethodRS256, "ec-1", rsaKey, claims(nil))},
		{"an HS256 token keyed with the public modulus", sign(t, jwt.SigningMethodHS256, "rsa-1", rsaKey.N.Bytes(), claims(nil))},
		{"an unsigned token", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}()},
		{"not a JWT", "phk_but-not-really"},
	} {
		t.Run(c.name+" is refused as an invalid credential", func(t *testing.T) {
			if p, err := o.Verify(t.Context(), c.token); !errors.Is(err, ErrInvalidCredential) {
				t.Errorf("Verify = %+v, %v; want ErrInvalidCredential", p, err)
			}
		})
	}

	t.Run("a token of an unknown kid fetches the JWKS again once the minimum interval passed", func(t *testing.T) {
		token := sign(t, jwt.SigningMethodRS256, "rsa-2", rotated, claims(nil))
		jwks.publish(rsaJWK("rsa-1", rsaKey), rsaJWK("rsa-2", rotated), ecJWK("ec-1", ecKey))
		before := jwks.fetches.Load()
		if _, err := o.Verify(t.Context(), token); err == nil {
			t.Error("an unknown kid within the minimum interval was accepted; want it refused without a fetch")
		}
		if n := jwks.fetches.Load(); n != before {
			t.Errorf("JWKS fetched again within the minimum interval (%d fetches)", n-before)
		}
		clk.Add(time.Minute)
		token = sign(t, jwt.SigningMethodRS256, "rsa-2", rotated, claims(nil))
		p, err := o.Verify(t.Context(), token)
		if err != nil || p.PartyID != "SUP-CN-SZP" {
			t.Fatalf("after the interval: %+v, %v; want the rotated key fetched and the token accepted", p, err)
		}
		if n := jwks.fetches.Load(); n != before+1 {
			t.Errorf("%d fetches for the rotated key, want 1", n-before)
		}
	})

	t.Run("the middleware takes a JWT as a bearer token when OIDC is configured", func(t *testing.T) {
		f := newFixture(t, Options{OIDC: o})
		token := sign(t, jwt.SigningMethodES256, "ec-1", ecKey, claims(nil))
		w := do(f.h, "POST", "/api/v1/orders/4500012345/confirm", "", "Authorization: Bearer "+token)
		if w.Code != http.StatusOK || principalIn(t, w).UserID != "li.wei@szp.example" {
			t.Errorf("POST with a JWT: %d %s", w.Code, w.Body)
		}
		bad := sign(t, jwt.SigningMethodES256, "ec-1", ecKey, claims(func(c jwt.MapClaims) { c["aud"] = "x" }))
		if w := do(f.h, "GET", "/", "", "Authorization: Bearer "+bad); w.Code != http.StatusUnauthorized {
			t.Errorf("a JWT for another audience: %d, want 401", w.Code)
		}
		if strings.Contains(f.logs.String(), bad) {
			t.Error("the log shows the refused JWT")
		}
	})

	t.Run("a config without issuer, audience or an http(s) JWKS URL is refused", func(t *testing.T) {
		for _, c := range []OIDCConfig{
			{Audience: "a", JWKSURL: jwks.URL},
			{Issuer: "i", JWKSURL: jwks.URL},
			{Issuer: "i", Audience: "a", JWKSURL: "file:///etc/jwks.json"},
		} {
			if _, err := NewOIDC(c); err == nil {
				t.Errorf("NewOIDC(%+v) succeeded", c)
			}
		}
	})
}
