package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flaky is a carrier that can be taken down and brought back.
type flaky struct {
	down atomic.Bool
	hits atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	if f.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte(`{"data":[]}`))
}

// transitions records OnStateChange calls.
type transitions struct {
	mu  sync.Mutex
	all []Transition
}

func (r *transitions) add(tr Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, tr)
}

func (r *transitions) list() []Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Transition(nil), r.all...)
}

func TestBreaker(t *testing.T) {
	t.Run("a carrier down for an hour opens the circuit and requests fail fast; it closes after the carrier returns", func(t *testing.T) {
		carrier := &flaky{}
		srv := httptest.NewServer(carrier)
		defer srv.Close()
		var trs transitions
		c, clock := newClient(t, func(c *Config) {
			c.Retry.MaxAttempts = 2
			c.Breaker = BreakerPolicy{Failures: 3, CoolDown: time.Minute, MaxCoolDown: 10 * time.Minute}
			c.OnStateChange = trs.add
		})
		ctx := context.Background()
		poll := func() error { _, err := c.Get(ctx, srv.URL); return err }

		if err := poll(); err != nil {
			t.Fatal(err)
		}
		carrier.down.Store(true)
		wentDown := clock.Now()
		fastFails, sent := 0, 0
		for clock.Now().Before(wentDown.Add(time.Hour)) {
			before := carrier.hits.Load()
			err := poll()
			if err == nil {
				t.Fatal("a call succeeded while the carrier was down")
			}
			if errors.Is(err, ErrCircuitOpen) {
				fastFails++
				if carrier.hits.Load() != before {
					t.Fatal("a call was sent while the circuit was open")
				}
				var oe *CircuitOpenError
				if !errors.As(err, &oe) || !strings.Contains(err.Error(), "unreachable since") || oe.RetryAt.Before(clock.Now()) {
					t.Fatalf("err = %v, want when it retries", err)
				}
			} else {
				sent++
			}
			clock.Advance(30 * time.Second)
		}
		st := c.State()
		if st.State == Closed || st.UnreachableSince.IsZero() || st.UnreachableSince.After(wentDown.Add(5*time.Minute)) {
			t.Fatalf("after an hour down: %+v, want open since the first minutes", st)
		}
		// 120 polls; 3 to open, then one trial per cool-down (1, 2, 4, 8, 10, 10… min).
		if sent > 12 || fastFails < 100 {
			t.Errorf("%d calls sent, %d failed fast; want most to fail fast", sent, fastFails)
		}
		var coolDowns []time.Duration
		for _, tr := range trs.list() {
			if tr.To == Open {
				coolDowns = append(coolDowns, tr.RetryAt.Sub(tr.At))
				if tr.Err == nil || tr.UnreachableSince != st.UnreachableSince {
					t.Errorf("open transition %+v lacks its cause or start", tr)
				}
			}
		}
		want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
		if len(coolDowns) < len(want) {
			t.Fatalf("cool-downs %v, want at least %v", coolDowns, want)
		}
		for i, w := range want {
			if coolDowns[i] != w {
				t.Errorf("cool-down %d = %v, want %v (all: %v)", i+1, coolDowns[i], w, coolDowns)
			}
		}

		carrier.down.Store(false)
		back := clock.Now()
		for c.State().State != Closed {
			if clock.Now().After(back.Add(11 * time.Minute)) {
				t.Fatalf("still %v 11 minutes after the carrier returned", c.State().State)
			}
			_ = poll()
			clock.Advance(30 * time.Second)
		}
		if err := poll(); err != nil {
			t.Errorf("after closing: %v", err)
		}
		if st := c.State(); !st.UnreachableSince.IsZero() || st.Failures != 0 {
			t.Errorf("closed state %+v still says unreachable", st)
		}
		all := trs.list()
		last := all[len(all)-1]
		if last.From != HalfOpen || last.To != Closed {
			t.Errorf("last transition %v → %v, want half_open → closed", last.From, last.To)
		}
	})

	t.Run("while half-open only one trial goes out", func(t *testing.T) {
		var hits atomic.Int32
		inTrial, release := make(chan struct{}), make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.WriteHeader(503)
				return
			}
			close(inTrial)
			<-release
		}))
		defer srv.Close()
		c, clock := newClient(t, func(c *Config) {
			c.Retry.MaxAttempts = 1
			c.Breaker = BreakerPolicy{Failures: 1, CoolDown: time.Minute}
		})
		ctx := context.Background()
		if _, err := c.Get(ctx, srv.URL); err == nil || c.State().State != Open {
			t.Fatalf("err %v, state %v; want open after one failure", err, c.State().State)
		}
		clock.Advance(time.Minute)
		trial := make(chan error, 1)
		go func() { _, err := c.Get(ctx, srv.URL); trial <- err }()
		<-inTrial
		if st := c.State().State; st != HalfOpen {
			t.Errorf("state during the trial = %v, want half_open", st)
		}
		_, err := c.Get(ctx, srv.URL)
		var oe *CircuitOpenError
		if !errors.As(err, &oe) || !oe.Trial {
			t.Errorf("second call during the trial: %v, want a CircuitOpenError saying a trial is under way", err)
		}
		close(release)
		if err := <-trial; err != nil {
			t.Fatalf("trial: %v", err)
		}
		if st := c.State().State; st != Closed {
			t.Errorf("state after a good trial = %v, want closed", st)
		}
		if hits.Load() != 2 {
			t.Errorf("carrier hit %d times, want 2", hits.Load())
		}
	})

	t.Run("4xx answers do not open the circuit", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 404})
		c, _ := newClient(t, func(c *Config) { c.Breaker.Failures = 2 })
		for range 5 {
			if _, err := c.Get(context.Background(), srv.URL); errors.Is(err, ErrCircuitOpen) {
				t.Fatal("circuit opened on 404s")
			}
		}
		if st := c.State(); st.State != Closed || st.Failures != 0 {
			t.Errorf("state %+v, want closed without failures", st)
		}
	})

	t.Run("a success between failures resets the count", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 500}, answer{status: 500}, answer{status: 200}, answer{status: 500}, answer{status: 500}, answer{status: 200})
		c, _ := newClient(t, func(c *Config) {
			c.Retry.MaxAttempts = 1
			c.Breaker.Failures = 3
		})
		for range 6 {
			_, _ = c.Get(context.Background(), srv.URL)
		}
		if st := c.State(); st.State != Closed {
			t.Errorf("state %v, want closed", st.State)
		}
	})

	t.Run("a cancelled trial lets the next call try", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 503}, answer{status: 200})
		c, clock := newClient(t, func(c *Config) {
			c.Retry.MaxAttempts = 1
			c.Breaker = BreakerPolicy{Failures: 1, CoolDown: time.Minute}
		})
		_, _ = c.Get(context.Background(), srv.URL)
		clock.Advance(time.Minute)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Get(ctx, srv.URL); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled trial: %v", err)
		}
		if _, err := c.Get(context.Background(), srv.URL); err != nil {
			t.Fatalf("next call: %v", err)
		}
		if c.State().State != Closed || s.count() != 2 {
			t.Errorf("state %v after %d requests, want closed after 2", c.State().State, s.count())
		}
	})
}

func TestCircuitOpenError(t *testing.T) {
	since := t0
	open := &CircuitOpenError{Carrier: "maersk", Since: since, RetryAt: since.Add(2 * time.Minute)}
	trial := &CircuitOpenError{Carrier: "maersk", Since: since, RetryAt: since.Add(3 * time.Minute), Trial: true}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{open, "httpapi: maersk: carrier unreachable since 2026-03-02T09:00:00Z: circuit open, next try at 2026-03-02T09:02:00Z"},
		{trial, "httpapi: maersk: carrier unreachable since 2026-03-02T09:00:00Z: circuit half-open, a trial call is under way"},
	} {
		if tc.err.Error() != tc.want {
			t.Errorf("message %q, want %q", tc.err, tc.want)
		}
		if !errors.Is(fmt.Errorf("poll: %w", tc.err), ErrCircuitOpen) {
			t.Errorf("%v does not match ErrCircuitOpen", tc.err)
		}
	}
}
