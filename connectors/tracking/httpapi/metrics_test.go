package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	t.Run("the metrics show attempts, retries, fast fails and since when a carrier is unreachable", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 429, header: map[string]string{"Retry-After": "1"}}, answer{status: 503}, answer{status: 404}, answer{status: 503})
		m := NewMetrics(prometheus.NewRegistry())
		c, clock := newClient(t, func(c *Config) {
			c.Carrier = "dhl"
			c.Metrics = m
			c.Retry.MaxAttempts = 2
			c.Breaker = BreakerPolicy{Failures: 1, CoolDown: time.Minute}
		})
		ctx := context.Background()
		if _, err := c.Get(ctx, srv.URL); err == nil { // 429, then 503: opens
			t.Fatal("no error")
		}
		openedAt := clock.Now()
		if _, err := c.Get(ctx, srv.URL); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("err = %v, want ErrCircuitOpen", err)
		}
		for name, tc := range map[string]struct {
			c    prometheus.Collector
			want float64
		}{
			"429 attempts":      {m.Requests.WithLabelValues("dhl", "429"), 1},
			"5xx attempts":      {m.Requests.WithLabelValues("dhl", "5xx"), 1},
			"retries":           {m.Retries.WithLabelValues("dhl"), 1},
			"fast fails":        {m.FastFails.WithLabelValues("dhl"), 1},
			"state":             {m.BreakerState.WithLabelValues("dhl"), float64(Open)},
			"unreachable since": {m.UnreachableSince.WithLabelValues("dhl"), float64(openedAt.Unix())},
		} {
			if got := testutil.ToFloat64(tc.c); got != tc.want {
				t.Errorf("%s = %v, want %v", name, got, tc.want)
			}
		}
		clock.Advance(time.Minute)
		if _, err := c.Get(ctx, srv.URL); err == nil { // the trial gets a 404: the carrier is up
			t.Fatal("no error")
		}
		if s, u := testutil.ToFloat64(m.BreakerState.WithLabelValues("dhl")), testutil.ToFloat64(m.UnreachableSince.WithLabelValues("dhl")); s != 0 || u != 0 {
			t.Errorf("after the carrier answered: state %v, unreachable since %v; want 0, 0", s, u)
		}
	})
}

func TestRedirect(t *testing.T) {
	t.Run("a redirect to another host does not take the key header along", func(t *testing.T) {
		var seen recorder
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.add("other:" + r.Header.Get("aftership-api-key"))
		}))
		defer other.Close()
		home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.add("home:" + r.Header.Get("aftership-api-key"))
			if r.URL.Path == "/moved" {
				http.Redirect(w, r, other.URL+"/x", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/moved", http.StatusFound)
		}))
		defer home.Close()
		c, _ := newClient(t, func(c *Config) { c.Auth = HeaderAuth("aftership-api-key", testKey) })
		if _, err := c.Get(context.Background(), home.URL+"/start"); err != nil {
			t.Fatal(err)
		}
		got := seen.list()
		want := []string{"home:" + testKey, "home:" + testKey, "other:"}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("key seen as %q, want on the home host only", got)
		}
	})
}
