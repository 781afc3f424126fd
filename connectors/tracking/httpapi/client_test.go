package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "sk_live_9f8e7d6c5b4a"

func TestRetryAfter(t *testing.T) {
	t.Run("a 429 with Retry-After: 7 waits 7 s then succeeds", func(t *testing.T) {
		s, srv := newScript(t,
			answer{status: 429, header: map[string]string{"Retry-After": "7"}},
			answer{status: 200, body: `{"ok":true}`})
		c, clock := newClient(t, nil)
		p, err := c.Get(context.Background(), srv.URL+"/trackings")
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Body) != `{"ok":true}` || p.Status != 200 {
			t.Errorf("page = %d %q", p.Status, p.Body)
		}
		if got := clock.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
			t.Errorf("waits = %v, want [7s]", got)
		}
		if s.count() != 2 {
			t.Errorf("requests = %d, want 2", s.count())
		}
	})

	t.Run("a 503 with an HTTP-date Retry-After waits until that date", func(t *testing.T) {
		when := t0.Add(90 * time.Second).Format(http.TimeFormat)
		_, srv := newScript(t,
			answer{status: 503, header: map[string]string{"Retry-After": when}},
			answer{status: 200})
		c, clock := newClient(t, nil)
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := clock.Sleeps(); len(got) != 1 || got[0] != 90*time.Second {
			t.Errorf("waits = %v, want [1m30s]", got)
		}
	})

	t.Run("a Retry-After of a day is capped at the configured maximum", func(t *testing.T) {
		_, srv := newScript(t,
			answer{status: 429, header: map[string]string{"Retry-After": "86400"}},
			answer{status: 200})
		c, clock := newClient(t, func(c *Config) { c.Retry.MaxRetryAfter = 2 * time.Minute })
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := clock.Sleeps(); len(got) != 1 || got[0] != 2*time.Minute {
			t.Errorf("waits = %v, want [2m]", got)
		}
	})

	t.Run("a Retry-After date in the past retries at once", func(t *testing.T) {
		_, srv := newScript(t,
			answer{status: 429, header: map[string]string{"Retry-After": t0.Add(-time.Hour).Format(http.TimeFormat)}},
			answer{status: 200})
		c, clock := newClient(t, nil)
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := clock.Sleeps(); len(got) != 1 || got[0] != 0 {
			t.Errorf("waits = %v, want [0s]", got)
		}
	})

	t.Run("a garbled Retry-After falls back to backoff", func(t *testing.T) {
		_, srv := newScript(t,
			answer{status: 429, header: map[string]string{"Retry-After": "soon"}},
			answer{status: 200})
		c, clock := newClient(t, nil)
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := clock.Sleeps(); len(got) != 1 || got[0] < 0 || got[0] >= time.Second {
			t.Errorf("waits = %v, want one in [0, 1s)", got)
		}
	})
}

func TestBackoff(t *testing.T) {
	t.Run("500, 502, 503, 504 and 408 are retried with waits that grow exponentially", func(t *testing.T) {
		s, srv := newScript(t,
			answer{status: 500}, answer{status: 502}, answer{status: 503}, answer{status: 504}, answer{status: 408},
			answer{status: 200})
		c, clock := newClient(t, func(c *Config) {
			c.Retry = RetryPolicy{MaxAttempts: 6, Base: time.Second, Max: time.Minute}
			c.Rand = rand.New(maxSource{})
		})
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if s.count() != 6 {
			t.Errorf("requests = %d, want 6", s.count())
		}
		got := clock.Sleeps()
		ceilings := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
		if len(got) != len(ceilings) {
			t.Fatalf("waits = %v, want %d", got, len(ceilings))
		}
		for i, w := range got {
			if w >= ceilings[i] || w < ceilings[i]*99/100 {
				t.Errorf("wait %d = %v, want just under %v", i+1, w, ceilings[i])
			}
		}
	})

	t.Run("waits stay within full-jitter bounds and the maximum", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 503})
		c, clock := newClient(t, func(c *Config) {
			c.Retry = RetryPolicy{MaxAttempts: 10, Base: time.Second, Max: 10 * time.Second}
			c.Breaker.Failures = 100
		})
		for range 20 {
			_, err := c.Get(context.Background(), srv.URL)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 503 {
				t.Fatalf("err = %v, want a 503 StatusError", err)
			}
		}
		got := clock.Sleeps()
		if len(got) != 20*9 {
			t.Fatalf("%d waits, want %d", len(got), 20*9)
		}
		distinct := map[time.Duration]bool{}
		for i, w := range got {
			n := i%9 + 1
			ceil := min(time.Second<<(n-1), 10*time.Second)
			if w < 0 || w >= ceil {
				t.Errorf("wait before retry %d = %v, want in [0, %v)", n, w, ceil)
			}
			distinct[w] = true
		}
		if len(distinct) < len(got)/2 {
			t.Errorf("only %d distinct waits of %d: no jitter", len(distinct), len(got))
		}
	})

	t.Run("the same seed gives the same waits", func(t *testing.T) {
		run := func() []time.Duration {
			_, srv := newScript(t, answer{status: 502})
			c, clock := newClient(t, nil)
			_, _ = c.Get(context.Background(), srv.URL)
			return clock.Sleeps()
		}
		a, b := run(), run()
		if fmt.Sprint(a) != fmt.Sprint(b) || len(a) != DefaultMaxAttempts-1 {
			t.Errorf("waits %v and %v, want equal, %d each", a, b, DefaultMaxAttempts-1)
		}
	})

	t.Run("a carrier that stays down gives the last error after the attempts", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 503, body: "maintenance"})
		c, _ := newClient(t, func(c *Config) { c.Retry.MaxAttempts = 3 })
		_, err := c.Get(context.Background(), srv.URL)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 503 || se.Body != "maintenance" {
			t.Fatalf("err = %v, want a 503 StatusError with the body", err)
		}
		if s.count() != 3 {
			t.Errorf("requests = %d, want 3", s.count())
		}
	})

	t.Run("a 501 is not retried", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 501})
		c, _ := newClient(t, nil)
		if _, err := c.Get(context.Background(), srv.URL); err == nil {
			t.Fatal("no error")
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})
}

func TestNetworkErrors(t *testing.T) {
	t.Run("connection refused is retried and the error says so", func(t *testing.T) {
		addr := closedAddr(t)
		c, clock := newClient(t, func(c *Config) { c.Auth = QueryAuth("api_key", testKey) })
		_, err := c.Get(context.Background(), "http://"+addr+"/v4/trackings?api_key="+testKey)
		if err == nil {
			t.Fatal("no error")
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("err = %v, want connection refused", err)
		}
		if len(clock.Sleeps()) != DefaultMaxAttempts-1 {
			t.Errorf("waits = %v, want %d", clock.Sleeps(), DefaultMaxAttempts-1)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("err = %v, shows the key", err)
		}
		if !strings.Contains(err.Error(), "api_key=***") {
			t.Errorf("err = %v, want the URL with api_key=***", err)
		}
	})

	t.Run("a connection reset before the answer is retried", func(t *testing.T) {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				conn.(*net.TCPConn).SetLinger(0) // RST, not FIN
				conn.Close()
				return
			}
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		c, clock := newClient(t, nil)
		p, err := c.Get(context.Background(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Body) != "ok" || len(clock.Sleeps()) != 1 {
			t.Errorf("body %q after waits %v, want ok after one", p.Body, clock.Sleeps())
		}
	})

	t.Run("a timeout is retried", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		c, clock := newClient(t, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
		p, err := c.Get(context.Background(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Body) != "ok" || len(clock.Sleeps()) != 1 {
			t.Errorf("body %q after waits %v, want ok after one", p.Body, clock.Sleeps())
		}
	})
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestClientErrors(t *testing.T) {
	for _, auth := range []Auth{HeaderAuth("aftership-api-key", testKey), BearerAuth(testKey), QueryAuth("api_key", testKey)} {
		t.Run("a 401 is not retried and the error says unauthorized without the key, "+auth.String(), func(t *testing.T) {
			s, srv := newScript(t, answer{status: 401, body: `{"meta":{"message":"invalid api key ` + testKey + `"}}`})
			c, clock := newClient(t, func(c *Config) { c.Auth = auth })
			_, err := c.Get(context.Background(), srv.URL+"/v4/trackings?slug=dhl")
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(strings.ToLower(msg), "unauthorized") {
				t.Errorf("err = %q, want it to say unauthorized", msg)
			}
			if strings.Contains(msg, testKey) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), testKey) {
				t.Errorf("err = %q, shows the key", msg)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 401 || !strings.Contains(se.Body, "invalid api key ***") {
				t.Errorf("err = %#v, want a 401 StatusError with the masked body", err)
			}
			if s.count() != 1 || len(clock.Sleeps()) != 0 {
				t.Errorf("%d requests, waits %v; want 1 request, no wait", s.count(), clock.Sleeps())
			}
		})
	}

	for _, code := range []int{400, 403, 404, 409, 422} {
		t.Run(fmt.Sprintf("a %d is not retried", code), func(t *testing.T) {
			s, srv := newScript(t, answer{status: code})
			c, _ := newClient(t, nil)
			_, err := c.Get(context.Background(), srv.URL)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != code || se.Temporary() {
				t.Errorf("err = %v, want a final %d", err, code)
			}
			if s.count() != 1 {
				t.Errorf("requests = %d, want 1", s.count())
			}
		})
	}

	t.Run("a long error body is clipped", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 400, body: strings.Repeat("é", 2000)})
		c, _ := newClient(t, nil)
		_, err := c.Get(context.Background(), srv.URL)
		var se *StatusError
		if !errors.As(err, &se) || len(se.Body) > defaultBodyClip+len("…") || !strings.HasSuffix(se.Body, "…") {
			t.Fatalf("body of %d bytes, want clipped to %d", len(se.Body), defaultBodyClip)
		}
		if !json.Valid([]byte(`"` + se.Body + `"`)) {
			t.Error("clipped body is not valid UTF-8")
		}
	})
}

func TestAuth(t *testing.T) {
	t.Run("the key goes in the configured header", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 200})
		c, _ := newClient(t, func(c *Config) { c.Auth = BearerAuth(testKey) })
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := s.request(0).Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("Authorization = %q", got)
		}
		if got := s.request(0).Header.Get("User-Agent"); got != defaultUserAgent {
			t.Errorf("User-Agent = %q", got)
		}
	})

	t.Run("the key goes in the configured query parameter, beside the others", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 200})
		c, _ := newClient(t, func(c *Config) { c.Auth = QueryAuth("api_key", testKey) })
		p, err := c.Get(context.Background(), srv.URL+"/t?number=1Z999")
		if err != nil {
			t.Fatal(err)
		}
		q := s.request(0).URL.Query()
		if q.Get("api_key") != testKey || q.Get("number") != "1Z999" {
			t.Errorf("query = %v", q)
		}
		if strings.Contains(p.URL.String(), testKey) {
			t.Errorf("page URL %s shows the key", p.URL)
		}
	})

	t.Run("the key never prints", func(t *testing.T) {
		a := HeaderAuth("aftership-api-key", testKey)
		cfg := Config{Carrier: "x", Auth: a}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "auth", a, "secret", a.Value, "config", cfg)
		js, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{
			fmt.Sprint(a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", a), fmt.Sprintf("%s %q %v %#v", a.Value, a.Value, a.Value, a.Value),
			fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg.Auth), logs.String(), string(js),
		} {
			if strings.Contains(out, testKey) {
				t.Errorf("%s shows the key", out)
			}
			if !strings.Contains(out, "***") {
				t.Errorf("%s shows no mask", out)
			}
		}
	})

	t.Run("an auth with a name and no value is a config error", func(t *testing.T) {
		for _, a := range []Auth{{Header: "X-Key"}, {Query: "k"}, {Value: "v"}, {Header: "X", Query: "k", Value: "v"}} {
			if _, err := New(Config{Carrier: "x", Auth: a}); err == nil {
				t.Errorf("New with %v: no error", a)
			}
		}
	})
}

func TestIdempotency(t *testing.T) {
	post := func(t *testing.T, c *Client, url string) error {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"tracking_number":"1Z999"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(context.Background(), req)
		return err
	}

	t.Run("a POST is not retried", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 503}, answer{status: 201})
		c, _ := newClient(t, nil)
		if err := post(t, c, srv.URL); err == nil {
			t.Fatal("no error")
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})

	t.Run("a POST is retried with its body when the option says so", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 503}, answer{status: 502}, answer{status: 201})
		c, _ := newClient(t, func(c *Config) { c.Retry.RetryNonIdempotent = true })
		if err := post(t, c, srv.URL); err != nil {
			t.Fatal(err)
		}
		if s.count() != 3 {
			t.Fatalf("requests = %d, want 3", s.count())
		}
		for i, b := range s.sentBodies() {
			if b != `{"tracking_number":"1Z999"}` {
				t.Errorf("body %d = %q", i+1, b)
			}
		}
	})
}

func TestBodyLimit(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "with a length", true: "chunked"}[chunked]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := 1024
			if r.URL.Path == "/big" {
				n++
			}
			if chunked {
				w.(http.Flusher).Flush()
			}
			_, _ = w.Write(bytes.Repeat([]byte("x"), n))
		}))
		t.Cleanup(srv.Close)
		c, clock := newClient(t, func(c *Config) { c.MaxBytes = 1024 })

		t.Run("a body over the limit is an error, "+name, func(t *testing.T) {
			p, err := c.Get(context.Background(), srv.URL+"/big")
			if !errors.Is(err, ErrTooLarge) || p != nil {
				t.Fatalf("page %v, err %v; want ErrTooLarge and no page", p, err)
			}
			if len(clock.Sleeps()) != 0 {
				t.Errorf("retried: waits %v", clock.Sleeps())
			}
		})
		t.Run("a body at the limit is whole, "+name, func(t *testing.T) {
			p, err := c.Get(context.Background(), srv.URL+"/fits")
			if err != nil || len(p.Body) != 1024 {
				t.Fatalf("err %v, want a 1024-byte page", err)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	t.Run("cancelling during a backoff returns promptly with the cause", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		}))
		defer srv.Close()
		// The real clock, and a backoff of an hour: only cancellation ends it.
		c, err := New(Config{Carrier: "x", Retry: RetryPolicy{Base: time.Hour, Max: time.Hour}, Rand: rand.New(maxSource{})})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := c.Get(ctx, srv.URL); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "503") {
				t.Errorf("err = %v, want context.Canceled and the last 503", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Get still sleeping after cancel")
		}
		if st := c.State(); st.Failures != 0 {
			t.Errorf("cancelled call counted as a failure: %+v", st)
		}
	})

	t.Run("a cancelled context sends nothing", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 200})
		c, _ := newClient(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Get(ctx, srv.URL); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if s.count() != 0 {
			t.Errorf("requests = %d, want 0", s.count())
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Run("two per second with a burst of one spaces requests half a second apart", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200})
		c, clock := newClient(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 2} })
		for range 3 {
			if _, err := c.Get(context.Background(), srv.URL); err != nil {
				t.Fatal(err)
			}
		}
		if got := fmt.Sprint(clock.Sleeps()); got != "[500ms 500ms]" {
			t.Errorf("waits = %s, want [500ms 500ms]", got)
		}
	})

	t.Run("a burst of three goes out at once, the fourth waits", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200})
		c, clock := newClient(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 2, Burst: 3} })
		for range 4 {
			if _, err := c.Get(context.Background(), srv.URL); err != nil {
				t.Fatal(err)
			}
		}
		if got := fmt.Sprint(clock.Sleeps()); got != "[500ms]" {
			t.Errorf("waits = %s, want [500ms]", got)
		}
	})

	t.Run("time passing refills the bucket", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200})
		c, clock := newClient(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 1} })
		for range 3 {
			if _, err := c.Get(context.Background(), srv.URL); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
		}
		if got := clock.Sleeps(); len(got) != 0 {
			t.Errorf("waits = %v, want none", got)
		}
	})

	t.Run("retries count against the limit", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 429, header: map[string]string{"Retry-After": "0"}}, answer{status: 200})
		c, clock := newClient(t, func(c *Config) { c.RateLimit = RateLimit{PerSecond: 1} })
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(clock.Sleeps()); got != "[0s 1s]" {
			t.Errorf("waits = %s, want [0s 1s] (Retry-After, then the limit)", got)
		}
	})
}

func TestRateLimitCancel(t *testing.T) {
	t.Run("cancelling while waiting for the rate limit returns promptly and sends nothing", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 200})
		// The real clock, one request per 1000 s: only cancellation ends the wait.
		c, err := New(Config{Carrier: "x", RateLimit: RateLimit{PerSecond: 0.001}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := c.Get(ctx, srv.URL); done <- err }()
		time.AfterFunc(10*time.Millisecond, cancel)
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Get still waiting after cancel")
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})
}
