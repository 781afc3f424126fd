// Package webhook receives signed webhook deliveries over HTTP: it checks
// the sender's HMAC-SHA256 signature and the delivery's age, bounds the
// body, hands the body on, and answers at once.
//
// Two signature schemes cover the common senders:
//
//   - "timestamped" (the default, and what procurehub's carrier simulator
//     sends): one header, "t=<unix seconds>,v1=<hex HMAC-SHA256 of
//     "<t>.<body>">". The timestamp is signed with the body, so a delivery
//     replayed later than the tolerance is refused.
//   - "body": the header holds the HMAC-SHA256 of the body alone, hex or
//     base64, optionally behind a prefix ("hmac-sha256-hex="), as many
//     aggregators send it. When a timestamp header is configured too, its
//     value is signed with the body ("<timestamp>.<body>") and checked
//     against the tolerance.
//
// A bad or missing signature, or a stale timestamp, is 401 and the body
// goes nowhere. Comparisons are constant-time.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schemes of Signature.Scheme.
const (
	SchemeTimestamped = "timestamped"
	SchemeBody        = "body"
)

// Defaults.
const (
	DefaultHeader    = "X-Procurehub-Signature"
	DefaultTolerance = 5 * time.Minute
	DefaultMaxBytes  = 1 << 20
)

// Signature says how one sender signs its deliveries.
type Signature struct {
	// Secret is the shared HMAC key; required.
	Secret []byte
	// Scheme is SchemeTimestamped (default) or SchemeBody.
	Scheme string
	// Header carries the signature; default X-Procurehub-Signature.
	Header string
	// Encoding of a SchemeBody signature: "hex" (default) or "base64".
	Encoding string
	// Prefix before a SchemeBody signature, e.g. "hmac-sha256-hex=".
	Prefix string
	// TimestampHeader, for SchemeBody, carries a Unix-seconds timestamp
	// signed with the body; "" for none (no replay window then).
	TimestampHeader string
	// Tolerance is how far a signed timestamp may be from now; default 5m.
	Tolerance time.Duration
}

// WithDefaults fills the zero fields.
func (s Signature) WithDefaults() Signature {
	if s.Scheme == "" {
		s.Scheme = SchemeTimestamped
	}
	if s.Header == "" {
		s.Header = DefaultHeader
	}
	if s.Encoding == "" {
		s.Encoding = "hex"
	}
	if s.Tolerance <= 0 {
		s.Tolerance = DefaultTolerance
	}
	return s
}

// Validate reports what is wrong with a signature config.
func (s Signature) Validate() error {
	var errs []error
	if len(s.Secret) == 0 {
		errs = append(errs, errors.New("signature secret is required (from the environment)"))
	}
	switch s.Scheme {
	case "", SchemeTimestamped, SchemeBody:
	default:
		errs = append(errs, fmt.Errorf("signature scheme %q: use %s or %s", s.Scheme, SchemeTimestamped, SchemeBody))
	}
	switch s.Encoding {
	case "", "hex", "base64":
	default:
		errs = append(errs, fmt.Errorf("signature encoding %q: use hex or base64", s.Encoding))
	}
	if s.Scheme == SchemeTimestamped && (s.Prefix != "" || s.TimestampHeader != "") {
		errs = append(errs, errors.New("prefix and timestamp_header apply to the body scheme only"))
	}
	return errors.Join(errs...)
}

// ErrSignature is returned (wrapped) for every refused delivery.
var ErrSignature = errors.New("webhook signature refused")

// Header is the subset of http.Header that Verify reads.
type Header = interface{ Get(key string) string }

// Verify checks the signature of body against the headers at time now. The
// error says why a delivery was refused, without any secret or signature.
func (s Signature) Verify(h Header, body []byte, now time.Time) error {
	s = s.WithDefaults()
	got := strings.TrimSpace(h.Get(s.Header))
	if got == "" {
		return fmt.Errorf("%w: no %s header", ErrSignature, s.Header)
	}
	switch s.Scheme {
	case SchemeTimestamped:
		ts, sigs, err := parseTimestamped(got)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrSignature, s.Header, err)
		}
		if err := s.fresh(ts, now); err != nil {
			return err
		}
		want := s.mac(ts, body)
		for _, sig := range sigs {
			b, err := hex.DecodeString(sig)
			if err == nil && hmac.Equal(b, want) {
				return nil
			}
		}
		return fmt.Errorf("%w: %s does not match the body", ErrSignature, s.Header)
	default:
		if s.Prefix != "" {
			var ok bool
			if got, ok = strings.CutPrefix(got, s.Prefix); !ok {
				return fmt.Errorf("%w: %s does not start with %q", ErrSignature, s.Header, s.Prefix)
			}
		}
		var ts string
		if s.TimestampHeader != "" {
			ts = strings.TrimSpace(h.Get(s.TimestampHeader))
			if ts == "" {
				return fmt.Errorf("%w: no %s header", ErrSignature, s.TimestampHeader)
			}
			if err := s.fresh(ts, now); err != nil {
				return err
			}
		}
		var sig []byte
		var err error
		if s.Encoding == "base64" {
			sig, err = base64.StdEncoding.DecodeString(got)
		} else {
			sig, err = hex.DecodeString(got)
		}
		if err != nil || !hmac.Equal(sig, s.mac(ts, body)) {
			return fmt.Errorf("%w: %s does not match the body", ErrSignature, s.Header)
		}
		return nil
	}
}

// Sign returns the header value a sender puts on body at time t: what
// Verify accepts. The carrier simulator and tests sign with it.
func (s Signature) Sign(body []byte, t time.Time) (header, timestamp string) {
	s = s.WithDefaults()
	ts := strconv.FormatInt(t.Unix(), 10)
	switch s.Scheme {
	case SchemeTimestamped:
		return "t=" + ts + ",v1=" + hex.EncodeToString(s.mac(ts, body)), ts
	default:
		if s.TimestampHeader == "" {
			ts = ""
		}
		mac := s.mac(ts, body)
		if s.Encoding == "base64" {
			return s.Prefix + base64.StdEncoding.EncodeToString(mac), ts
		}
		return s.Prefix + hex.EncodeToString(mac), ts
	}
}

func (s Signature) mac(ts string, body []byte) []byte {
	m := hmac.New(sha256.New, s.Secret)
	if ts != "" {
		m.Write([]byte(ts))
		m.Write([]byte{'.'})
	}
	m.Write(body)
	return m.Sum(nil)
}

func (s Signature) fresh(ts string, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrSignature, clip(ts))
	}
	age := now.Sub(time.Unix(sec, 0))
	if age > s.Tolerance || age < -s.Tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now, more than the %s allowed (a replay?)", ErrSignature, age.Round(time.Second), s.Tolerance)
	}
	return nil
}

// parseTimestamped reads "t=<unix>,v1=<hex>[,v1=<hex>...]"; several v1
// values let a sender sign with an old and a new secret while rotating.
func parseTimestamped(v string) (string, []string, error) {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, fmt.Errorf("%q is not key=value", clip(part))
		}
		switch k {
		case "t":
			ts = val
		case "v1":
			sigs = append(sigs, val)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, errors.New("want t=<unix seconds>,v1=<hex>")
	}
	return ts, sigs, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
