package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/procurehub/procurehub/connectors/tracking/httpapi"
)

// A poller walks a carrier's paginated tracking list. The key comes from the
// environment (here a literal); errors show it as ***.
func ExampleClient_Pages() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"data":{"trackings":["1Z999","JD014"]},"meta":{"next_cursor":"c2"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"trackings":["MAEU123"]},"meta":{"next_cursor":null}}`)
	}))
	defer srv.Close()

	c, err := httpapi.New(httpapi.Config{
		Carrier:   "aftership",
		Auth:      httpapi.HeaderAuth("aftership-api-key", "key-from-env"),
		RateLimit: httpapi.RateLimit{PerSecond: 10, Burst: 10},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v4/trackings", nil)
	for page, err := range c.Pages(ctx, req, httpapi.Cursor("meta.next_cursor", "cursor")) {
		if errors.Is(err, httpapi.ErrCircuitOpen) {
			log.Print(err) // "carrier unreachable since …, next try at …"
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("page %d: %s\n", page.Number, page.Body)
	}
	// Output:
	// page 1: {"data":{"trackings":["1Z999","JD014"]},"meta":{"next_cursor":"c2"}}
	// page 2: {"data":{"trackings":["MAEU123"]},"meta":{"next_cursor":null}}
}

// fixedClock is a clock that a test moves by hand.
type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time                             { return c.now }
func (c *fixedClock) Sleep(context.Context, time.Duration) error { return nil }

// The poller asks the schedule what is due, polls it, and reports what it
// found; finished shipments are dropped a while after delivery.
func ExampleSchedule() {
	clock := &fixedClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, err := httpapi.NewSchedule(httpapi.SchedulePolicy{Jitter: -1, FirstPoll: -1, DropAfter: 24 * time.Hour}, clock, nil)
	if err != nil {
		log.Fatal(err)
	}
	s.Add("1Z999", "in_transit", clock.now)
	fmt.Println("due:", s.Due(clock.now))

	next, _ := s.Observe("1Z999", "in_transit", clock.now) // what the poll found
	fmt.Println("next in transit:", next.Sub(clock.now))

	deliveredAt := clock.now
	next, _ = s.Observe("1Z999", "delivered", deliveredAt)
	fmt.Println("next once delivered:", next.Sub(clock.now))

	clock.now = deliveredAt.Add(24 * time.Hour)
	_, dropped := s.Observe("1Z999", "delivered", deliveredAt)
	fmt.Println("dropped a day after delivery:", dropped, s.Len())
	// Output:
	// due: [1Z999]
	// next in transit: 15m0s
	// next once delivered: 12h0m0s
	// dropped a day after delivery: true 0
}
