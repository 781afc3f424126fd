package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Secret is a credential that never prints: fmt, slog and encoders show "***".
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText hides the value from JSON, YAML and other text encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// Auth says how a carrier wants its key: in a header (Header set) or in a
// query parameter (Query set). The zero Auth sends nothing.
type Auth struct {
	// Header is the header name, e.g. "Authorization" or "aftership-api-key".
	Header string
	// Query is the query parameter name, e.g. "api_key".
	Query string
	// Value is the whole header value ("Bearer abc…") or the key, already
	// resolved from the environment by the caller.
	Value Secret
}

// HeaderAuth sends value in header name.
func HeaderAuth(name, value string) Auth { return Auth{Header: name, Value: Secret(value)} }

// BearerAuth sends "Authorization: Bearer token".
func BearerAuth(token string) Auth { return HeaderAuth("Authorization", "Bearer "+token) }

// QueryAuth sends value as query parameter name.
func QueryAuth(name, value string) Auth { return Auth{Query: name, Value: Secret(value)} }

// Validate reports an Auth that names both or neither place for a value, or
// a place without a value.
func (a Auth) Validate() error {
	switch {
	case a.Header == "" && a.Query == "" && a.Value == "":
		return nil
	case a.Header != "" && a.Query != "":
		return errors.New("auth: header and query are both set; choose one")
	case a.Header == "" && a.Query == "":
		return errors.New("auth: a value without a header or query parameter name")
	case a.Value == "":
		return errors.New("auth: header or query parameter named but the value is empty")
	}
	return nil
}

// String describes where the key goes, without the key.
func (a Auth) String() string {
	switch {
	case a.Header != "":
		return "header " + a.Header + ": " + a.Value.String()
	case a.Query != "":
		return "query " + a.Query + "=" + a.Value.String()
	}
	return "none"
}

// GoString hides the value from %#v.
func (a Auth) GoString() string { return "httpapi.Auth{" + a.String() + "}" }

// LogValue logs where the key goes, without the key.
func (a Auth) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("header", a.Header),
		slog.String("query", a.Query),
		slog.String("value", a.Value.String()),
	)
}

// apply puts the key on r, which must be a clone the caller owns.
func (a Auth) apply(r *http.Request) {
	switch {
	case a.Header != "":
		r.Header.Set(a.Header, a.Value.Reveal())
	case a.Query != "":
		u := *r.URL
		q := u.Query()
		q.Set(a.Query, a.Value.Reveal())
		u.RawQuery = q.Encode()
		r.URL = &u
	}
}

// scrub replaces the secret, raw and URL-escaped, in s.
func (a Auth) scrub(s string) string {
	v := a.Value.Reveal()
	if v == "" {
		return s
	}
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if a.Header != "" {
		// "Bearer abc": a carrier echoing only the token is caught too.
		if _, tok, ok := strings.Cut(v, " "); ok && tok != "" {
			forms = append(forms, tok)
		}
	}
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, "***")
	}
	return s
}

// redactURL prints u for messages: the auth query parameter, any value
// equal to the key and a userinfo password show as "***".
func (a Auth) redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k, vs := range q {
			for i := range vs {
				if (a.Query != "" && k == a.Query) || (a.Value != "" && vs[i] == a.Value.Reveal()) {
					vs[i] = "***"
					changed = true
				}
			}
		}
		if changed {
			c.RawQuery = strings.ReplaceAll(q.Encode(), "%2A%2A%2A", "***")
		}
	}
	return a.scrub(c.Redacted())
}
