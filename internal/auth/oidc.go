package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDCConfig verifies bearer JWTs of an OpenID Connect provider: signed
// RS256 or ES256 by a key of the provider's JWKS, issued by Issuer for
// Audience, and not expired. The user is the token's sub; its party and
// roles come from the claims PartyClaim and RolesClaim (a dotted path
// such as "realm_access.roles" reaches into nested claims; roles may be a
// list or a space-separated string).
type OIDCConfig struct {
	Issuer     string
	Audience   string
	JWKSURL    string
	PartyClaim string // default "party_id"
	RolesClaim string // default "roles"
	// MinRefresh is the least time between two fetches of the JWKS: a
	// token with an unknown kid fetches it again only after this long.
	// Default 1m.
	MinRefresh time.Duration
	// Leeway forgives clock skew in exp and nbf; default 30s.
	Leeway time.Duration
	Client *http.Client     // default: a client with a 10s timeout
	Now    func() time.Time // default time.Now
}

// Validate says what is missing or wrong.
func (c OIDCConfig) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("issuer is required"))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience is required"))
	}
	if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("jwks_url %q is not an http(s) URL", c.JWKSURL))
	}
	if c.MinRefresh < 0 || c.Leeway < 0 {
		errs = append(errs, errors.New("min_refresh and leeway must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("auth: oidc: %w", err)
	}
	return nil
}

// OIDC verifies bearer JWTs against a JWKS it fetches on first use and
// again on an unknown kid (at most once per MinRefresh). Safe for
// concurrent use.
type OIDC struct {
	cfg    OIDCConfig
	parser *jwt.Parser

	mu      sync.Mutex
	keys    map[string]any // kid -> *rsa.PublicKey or *ecdsa.PublicKey
	fetched time.Time      // last fetch attempt; zero before the first
}

// NewOIDC checks cfg, fills its defaults and returns a verifier. It does
// not fetch the JWKS yet.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PartyClaim == "" {
		cfg.PartyClaim = "party_id"
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.MinRefresh == 0 {
		cfg.MinRefresh = time.Minute
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return &OIDC{cfg: cfg, parser: p, keys: map[string]any{}}, nil
}

// Credential is the TokenID of the principals it makes: "oidc:<issuer>".
func (o *OIDC) Credential() string { return "oidc:" + o.cfg.Issuer }

// Verify checks a raw JWT and returns its principal. Every failure wraps
// ErrInvalidCredential; the message says why, for the log, never the token.
func (o *OIDC) Verify(ctx context.Context, raw string) (Principal, error) {
	claims := jwt.MapClaims{}
	_, err := o.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return o.key(ctx, kid)
	})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: oidc: %v", ErrInvalidCredential, err)
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return Principal{}, fmt.Errorf("%w: oidc: no sub", ErrInvalidCredential)
	}
	party, _ := claim(claims, o.cfg.PartyClaim).(string)
	if party == "" {
		return Principal{}, fmt.Errorf("%w: oidc: no %s claim", ErrInvalidCredential, o.cfg.PartyClaim)
	}
	p := Principal{UserID: sub, PartyID: party, TokenID: o.Credential(), Roles: []Role{}}
	var names []string
	switch v := claim(claims, o.cfg.RolesClaim).(type) {
	case string:
		names = strings.Fields(v)
	case []any:
		for _, r := range v {
			if s, ok := r.(string); ok {
				names = append(names, s)
			}
		}
	}
	for _, n := range names {
		if r := Role(n); r.Valid() {
			p.Roles = append(p.Roles, r)
		}
	}
	return p, nil
}

// claim follows a dotted path into claims; nil when it leads nowhere.
func claim(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// key returns the verification key of kid, fetching the JWKS when the kid
// is unknown and the last fetch is older than MinRefresh.
func (o *OIDC) key(ctx context.Context, kid string) (any, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k, ok := o.keys[kid]; ok {
		return k, nil
	}
	now := o.cfg.Now()
	if !o.fetched.IsZero() && now.Sub(o.fetched) < o.cfg.MinRefresh {
		return nil, fmt.Errorf("unknown kid %q (jwks fetched %s ago)", kid, now.Sub(o.fetched).Round(time.Second))
	}
	o.fetched = now
	keys, err := o.fetch(ctx)
	if err != nil {
		return nil, err
	}
	o.keys = keys
	if k, ok := o.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown kid %q", kid)
}

// jwk is one key of a JWKS (RFC 7517), the fields of RSA and EC keys.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// fetch reads the JWKS. Keys it cannot use (another type or curve, an
// encryption key, a malformed one) are skipped.
func (o *OIDC) fetch(ctx context.Context) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.cfg.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	res, err := o.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: %s answered %s", o.cfg.JWKSURL, res.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks: %s: %w", o.cfg.JWKSURL, err)
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if pub, err := k.publicKey(); err == nil {
			keys[k.Kid] = pub
		}
	}
	return keys, nil
}

func (k jwk) publicKey() (any, error) {
	b64 := base64.RawURLEncoding
	switch k.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(k.N)
		e, err2 := b64.DecodeString(k.E)
		if err := errors.Join(err1, err2); err != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("malformed rsa key")
		}
		exp := new(big.Int).SetBytes(e)
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
	case "EC":
		if k.Crv != "P-256" {
			return nil, errors.New("unsupported curve")
		}
		x, err1 := b64.DecodeString(k.X)
		y, err2 := b64.DecodeString(k.Y)
		if err := errors.Join(err1, err2); err != nil || len(x) != 32 || len(y) != 32 {
			return nil, errors.New("malformed ec key")
		}
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	return nil, errors.New("unsupported key type")
}
