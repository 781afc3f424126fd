package carriersim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/connectors/webhook"
)

var start = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// decode reads a delivery body through the built-in demo profile.
func decode(t *testing.T, body []byte) []canonical.TrackingEvent {
	t.Helper()
	p, err := tracking.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := connectortest.DecodeBytes(tracking.NewDecoder(p), "delivery.json", body)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.RowErrors {
		t.Errorf("row error: %v", e)
	}
	var out []canonical.TrackingEvent
	for _, r := range rec.Records {
		out = append(out, *r.Value.(*canonical.TrackingEvent))
	}
	return out
}

func TestEveryScenarioEndsInItsStatusWhateverTheDeliveryOrder(t *testing.T) {
	for _, sc := range Scenarios(start, "DEMO") {
		t.Run(sc.Name, func(t *testing.T) {
			var all []canonical.TrackingEvent
			for _, e := range sc.Delivered() { // one delivery per event, as pushed
				body, _ := json.Marshal(e)
				all = append(all, decode(t, body)...)
			}
			if len(all) != len(sc.Delivery) {
				t.Fatalf("%d events decoded from %d deliveries", len(all), len(sc.Delivery))
			}
			cur, ok := tracking.Current(all)
			if !ok || string(cur.Status) != sc.Final {
				t.Errorf("current status %q; want %s", cur.Status, sc.Final)
			}
			if n := len(tracking.Timeline(all)); n != len(sc.Events) {
				t.Errorf("timeline has %d events; want %d, duplicates once", n, len(sc.Events))
			}
		})
	}
}

func TestTheAPIPagesThroughItsEventsAndRateLimitsOnDemand(t *testing.T) {
	api := &API{PerPage: 4, RateLimitEvery: 3}
	for _, sc := range Scenarios(start, "DEMO") {
		api.Publish(sc.Events...)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	var got []Event
	url := srv.URL + "/v1/events"
	limited := 0
	for url != "" {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
			if resp.Header.Get("Retry-After") != "1" {
				t.Errorf("a 429 without Retry-After: 1")
			}
			resp.Body.Close()
			continue
		}
		var p Page
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, p.Events...)
		url = ""
		if link := resp.Header.Get("Link"); link != "" {
			url = srv.URL + strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
			if p.NextPage == nil {
				t.Errorf("a Link header but no next_page")
			}
		}
	}
	want := 0
	for _, sc := range Scenarios(start, "DEMO") {
		want += len(sc.Events)
	}
	if len(got) != want || limited == 0 {
		t.Errorf("%d events over the pages, %d rate-limited answers; want %d events and some 429s", len(got), limited, want)
	}
}

func TestTheSenderSignsAsTheReceiverExpects(t *testing.T) {
	sig := webhook.Signature{Secret: []byte("demo-secret")}
	var bodies [][]byte
	rc := &webhook.Receiver{Endpoints: map[string]webhook.Endpoint{"demo": {Verify: sig.Verify}},
		Publish: func(_ context.Context, _ string, b []byte, _ time.Time) error {
			bodies = append(bodies, bytes.Clone(b))
			return nil
		}}
	failures := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failures > 0 { // a hub restarting: the sender retries
			failures--
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rc.Serve(w, r, "demo")
	}))
	defer srv.Close()
	sc := Scenarios(start, "DEMO")[0]
	s := &Sender{URL: srv.URL, Signature: sig}
	if err := s.Send(context.Background(), sc.Events...); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || len(decode(t, bodies[0])) != len(sc.Events) {
		t.Errorf("%d deliveries accepted; want one with the %d events", len(bodies), len(sc.Events))
	}
	bad := &Sender{URL: srv.URL, Signature: webhook.Signature{Secret: []byte("wrong")}}
	if err := bad.Send(context.Background(), sc.Events[0]); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrongly signed delivery: %v; want 401 without retries", err)
	}
}
