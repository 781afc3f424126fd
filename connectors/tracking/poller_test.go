package tracking

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking/httpapi"
	"github.com/procurehub/procurehub/internal/carriersim"
)

var pollStart = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// instant is a clock whose sleeps return at once and are recorded.
type instantClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

func demoDecoder(t *testing.T) *Decoder {
	t.Helper()
	p, err := Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	return NewDecoder(p)
}

func TestAListPollWalksEveryPageThroughRateLimits(t *testing.T) {
	api := &carriersim.API{PerPage: 5, RateLimitEvery: 2}
	var want int
	for _, sc := range carriersim.Scenarios(pollStart, "DEMO") {
		api.Publish(sc.Delivered()...)
		want += len(sc.Delivery)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	clock := &instantClock{now: pollStart}
	client, err := httpapi.New(httpapi.Config{Carrier: "demo", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewPoller(PollConfig{Partner: "demo", Client: client, URL: srv.URL + "/v1/events", Next: httpapi.LinkHeader()})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, in := range ins {
		body, _ := in.Open()
		rec, err := connectortest.DecodeBytes(demoDecoder(t), in.Name, readAll(t, body))
		if err != nil || len(rec.RowErrors) != 0 {
			t.Fatalf("%s: %v %v", in.Name, err, rec.RowErrors)
		}
		got += len(rec.Records)
		if strings.Contains(in.Origin, "key") || in.SHA256 == "" {
			t.Errorf("input %+v", in)
		}
	}
	if got != want {
		t.Errorf("%d events over %d pages; want %d", got, len(ins), want)
	}
	waited := false
	for _, d := range clock.sleeps {
		if d == time.Second {
			waited = true
		}
	}
	if !waited {
		t.Errorf("waits %v; want the carrier's Retry-After of 1s honoured", clock.sleeps)
	}
}

func TestPerNumberPollsFollowTheSchedule(t *testing.T) {
	scs := carriersim.Scenarios(pollStart, "DEMO")
	byNumber := map[string][]carriersim.Event{}
	for _, sc := range scs[:2] { // on_time (delivered), delayed (in transit)
		byNumber[sc.TrackingNumber] = sc.Events
	}
	srv := httptest.NewServer(perNumber(byNumber))
	defer srv.Close()
	clock := &instantClock{now: pollStart.Add(24 * 24 * time.Hour)} // a day after the delivery
	client, err := httpapi.New(httpapi.Config{Carrier: "demo", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	sched, err := httpapi.NewSchedule(httpapi.SchedulePolicy{FirstPoll: -1, Jitter: -1}, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewPoller(PollConfig{Partner: "demo", Client: client, URL: srv.URL + "/v1/track/{tracking_number}",
		Numbers: func(context.Context) ([]connectors.TrackedNumber, error) {
			return []connectors.TrackedNumber{{Number: scs[0].TrackingNumber}, {Number: scs[1].TrackingNumber}}, nil
		},
		Schedule: sched, Decoder: demoDecoder(t), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	polled := func() []string {
		t.Helper()
		ins, err := src.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range ins {
			names = append(names, strings.TrimSuffix(in.Name, ".json"))
		}
		return names
	}
	if got := polled(); len(got) != 2 {
		t.Fatalf("first poll: %v; want both numbers", got)
	}
	if got := polled(); len(got) != 0 {
		t.Errorf("polled again at once: %v; want nothing before the interval", got)
	}
	delivered, _ := sched.Next(scs[0].TrackingNumber)
	moving, _ := sched.Next(scs[1].TrackingNumber)
	if !moving.Before(delivered) {
		t.Errorf("the delivered shipment is due %v, the moving one %v; want the delivered one polled less often", delivered, moving)
	}
	clock.now = clock.now.Add(4 * 24 * time.Hour) // past the drop time of the delivered one
	if got := polled(); len(got) != 2 {
		t.Errorf("after four days: %v; want both polled, the delivered one a last time", got)
	}
	clock.now = clock.now.Add(24 * time.Hour)
	if got := polled(); len(got) != 1 || got[0] != scs[1].TrackingNumber {
		t.Errorf("a day later: %v; want only %s, the delivered one dropped for good", got, scs[1].TrackingNumber)
	}
}

func TestPollerConfigErrors(t *testing.T) {
	client, _ := httpapi.New(httpapi.Config{Carrier: "demo"})
	for _, tt := range []struct {
		cfg  PollConfig
		want string
	}{
		{PollConfig{Client: client, URL: "ftp://x/y"}, "not an http(s) URL"},
		{PollConfig{Client: client, URL: "https://api.example/track/{tracking_number}"}, "needs numbers, a schedule and a decoder"},
		{PollConfig{URL: "https://api.example/events"}, "no client"},
	} {
		if _, err := NewPoller(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v; want %q", tt.cfg.URL, err, tt.want)
		}
	}
}
