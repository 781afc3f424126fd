package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)

const body = `{"tracking_number":"JD0001","code":"PU","occurred_at":"2026-03-02T09:00:00Z"}`

func TestTimestampedSignatures(t *testing.T) {
	sig := Signature{Secret: []byte("carrier-secret")}
	good, _ := sig.Sign([]byte(body), now)
	tests := []struct {
		name   string
		header string
		body   string
		at     time.Time
		want   string // "" for accepted, else a piece of the error
	}{
		{"a delivery signed with the secret is accepted", good, body, now, ""},
		{"a delivery four minutes old is accepted", good, body, now.Add(4 * time.Minute), ""},
		{"a delivery replayed ten minutes later is refused", good, body, now.Add(10 * time.Minute), "a replay"},
		{"a body changed after signing is refused", good, strings.Replace(body, "PU", "DL", 1), now, "does not match"},
		{"a signature made with another secret is refused", func() string {
			h, _ := Signature{Secret: []byte("guess")}.Sign([]byte(body), now)
			return h
		}(), body, now, "does not match"},
		{"a missing signature is refused", "", body, now, "no X-Procurehub-Signature header"},
		{"a header without a timestamp is refused", "v1=abcd", body, now, "want t="},
		{"a signature moved to a fresher timestamp is refused", func() string {
			_, v1, _ := strings.Cut(good, ",")
			return "t=" + strconv.FormatInt(now.Add(time.Minute).Unix(), 10) + "," + v1
		}(), body, now, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set(DefaultHeader, tt.header)
			}
			err := sig.Verify(h, []byte(tt.body), tt.at)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (!errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v; want refused with %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "carrier-secret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestARotatingSenderMaySignWithTwoSecrets(t *testing.T) {
	old, _ := Signature{Secret: []byte("old")}.Sign([]byte(body), now)
	next, _ := Signature{Secret: []byte("new")}.Sign([]byte(body), now)
	h := http.Header{}
	h.Set(DefaultHeader, old+","+strings.SplitN(next, ",", 2)[1])
	if err := (Signature{Secret: []byte("new")}).Verify(h, []byte(body), now); err != nil {
		t.Errorf("the new secret's v1 among two was refused: %v", err)
	}
}

func TestBodySignaturesAsAggregatorsSendThem(t *testing.T) {
	tests := []struct {
		name string
		sig  Signature
	}{
		{"base64 of the body's HMAC", Signature{Secret: []byte("s"), Scheme: SchemeBody, Header: "Aggregator-Hmac-Sha256", Encoding: "base64"}},
		{"hex behind a prefix", Signature{Secret: []byte("s"), Scheme: SchemeBody, Header: "X-Hmac-Signature", Prefix: "hmac-sha256-hex="}},
		{"hex with a signed timestamp header", Signature{Secret: []byte("s"), Scheme: SchemeBody, Header: "X-Signature", TimestampHeader: "X-Timestamp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.sig.Validate(); err != nil {
				t.Fatal(err)
			}
			v, ts := tt.sig.Sign([]byte(body), now)
			h := http.Header{}
			h.Set(tt.sig.Header, v)
			if tt.sig.TimestampHeader != "" {
				h.Set(tt.sig.TimestampHeader, ts)
			}
			if err := tt.sig.Verify(h, []byte(body), now); err != nil {
				t.Fatalf("refused: %v", err)
			}
			if err := tt.sig.Verify(h, []byte(body+" "), now); !errors.Is(err, ErrSignature) {
				t.Errorf("a changed body was accepted: %v", err)
			}
			if tt.sig.TimestampHeader != "" {
				if err := tt.sig.Verify(h, []byte(body), now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "replay") {
					t.Errorf("an hour-old delivery: %v; want refused as a replay", err)
				}
			}
		})
	}
}

func TestSignatureConfigErrors(t *testing.T) {
	err := Signature{Scheme: "md5", Encoding: "octal"}.Validate()
	for _, want := range []string{"secret is required", `scheme "md5"`, `encoding "octal"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v; want it to say %s", err, want)
		}
	}
}

type published struct {
	mu     sync.Mutex
	bodies []string
	fail   error
}

func (p *published) publish(_ context.Context, endpoint string, b []byte, _ time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.bodies = append(p.bodies, endpoint+":"+string(b))
	return nil
}

func TestReceiver(t *testing.T) {
	sig := Signature{Secret: []byte("carrier-secret")}
	signed := func(b string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/tracking/demo", strings.NewReader(b))
		v, _ := sig.Sign([]byte(b), now)
		r.Header.Set(DefaultHeader, v)
		return r
	}
	newReceiver := func(p *published) *Receiver {
		return &Receiver{Endpoints: map[string]Endpoint{"demo": {Verify: sig.Verify, MaxBytes: 256}},
			Publish: p.publish, Now: func() time.Time { return now }, Deliveries: NewDeliveriesCounter(nil)}
	}
	t.Run("a signed delivery is published and answered 202", func(t *testing.T) {
		p := &published{}
		w := httptest.NewRecorder()
		newReceiver(p).Serve(w, signed(body), "demo")
		if w.Code != http.StatusAccepted || len(p.bodies) != 1 || p.bodies[0] != "demo:"+body {
			t.Errorf("answer %d, published %q; want 202 and the body published once", w.Code, p.bodies)
		}
	})
	t.Run("a bad signature is 401 and nothing is published", func(t *testing.T) {
		p := &published{}
		r := signed(body)
		r.Header.Set(DefaultHeader, "t=1772442900,v1=00")
		w := httptest.NewRecorder()
		newReceiver(p).Serve(w, r, "demo")
		if w.Code != http.StatusUnauthorized || len(p.bodies) != 0 {
			t.Errorf("answer %d, published %q; want 401 and nothing", w.Code, p.bodies)
		}
	})
	t.Run("a body over the limit is 413 and nothing is published", func(t *testing.T) {
		p := &published{}
		w := httptest.NewRecorder()
		newReceiver(p).Serve(w, signed(strings.Repeat("x", 257)), "demo")
		if w.Code != http.StatusRequestEntityTooLarge || len(p.bodies) != 0 {
			t.Errorf("answer %d, published %q; want 413 and nothing", w.Code, p.bodies)
		}
	})
	t.Run("an unknown endpoint is 404", func(t *testing.T) {
		w := httptest.NewRecorder()
		newReceiver(&published{}).Serve(w, signed(body), "nobody")
		if w.Code != http.StatusNotFound {
			t.Errorf("answer %d; want 404", w.Code)
		}
	})
	t.Run("a broker that refuses is 503, so the sender delivers again", func(t *testing.T) {
		p := &published{fail: errors.New("broker down")}
		w := httptest.NewRecorder()
		newReceiver(p).Serve(w, signed(body), "demo")
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("answer %d; want 503", w.Code)
		}
	})
}
