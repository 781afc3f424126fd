package httpapi

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// t0 is the fake clocks' start.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock returns from Sleep at once, moving its time forward by the wait
// and recording it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// answer is one scripted response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// script serves its answers in order, repeating the last, and records the
// requests it got.
type script struct {
	t       *testing.T
	mu      sync.Mutex
	answers []answer
	reqs    []*http.Request
	bodies  []string
}

func newScript(t *testing.T, answers ...answer) (*script, *httptest.Server) {
	t.Helper()
	s := &script{t: t, answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, _ := io.ReadAll(r.Body)
	s.reqs = append(s.reqs, r)
	s.bodies = append(s.bodies, string(body))
	i := min(len(s.reqs), len(s.answers)) - 1
	a := s.answers[i]
	s.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *script) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[i]
}

// newClient builds a Client with a fake clock and a seeded random source;
// edit adjusts the config first.
func newClient(t *testing.T, edit func(*Config)) (*Client, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg := Config{
		Carrier: "aftership",
		Clock:   clock,
		Rand:    rand.New(rand.NewPCG(1, 2)),
		Retry:   RetryPolicy{Base: time.Second, Max: time.Minute},
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

// maxSource makes rand.Float64 return just under 1, so full-jitter waits
// sit at their ceiling.
type maxSource struct{}

func (maxSource) Uint64() uint64 { return ^uint64(0) }

// recorder collects strings from handlers, which run on their own goroutines.
type recorder struct {
	mu sync.Mutex
	v  []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.v = append(r.v, s)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.v...)
}

func (s *script) sentBodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}
