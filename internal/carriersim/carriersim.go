// Package carriersim is a simulated carrier for the embedded demo and for
// tests: a tracking API on loopback that pages through its events, and a
// webhook sender that signs and pushes them, with scripted scenarios —
// on time, delayed, exception, customs hold, out of order, duplicates —
// and an API that rate-limits on demand.
//
// Its payloads have the shape of the built-in tracking profile "demo":
//
//	{"events": [{"event_id", "tracking_number", "carrier", "code", "text",
//	             "occurred_at", "location": {"city", "country"}}],
//	 "next_page": 2}
package carriersim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/procurehub/procurehub/connectors/webhook"
)

// Carrier is the carrier name on every simulated event.
const Carrier = "demo-carrier"

// Location is where an event happened.
type Location struct {
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
}

// Event is one simulated carrier event, as the carrier writes it.
type Event struct {
	EventID        string    `json:"event_id"`
	TrackingNumber string    `json:"tracking_number"`
	Carrier        string    `json:"carrier"`
	Code           string    `json:"code"`
	Text           string    `json:"text"`
	OccurredAt     time.Time `json:"occurred_at"`
	Location       *Location `json:"location,omitempty"`
}

// Scenario is the story of one shipment: its events in the order they
// happened, and the order the carrier delivers them in (indices into
// Events; an index twice is a duplicate delivery).
type Scenario struct {
	Name           string
	TrackingNumber string
	Events         []Event
	Delivery       []int
	// Final is the normalized status the hub should show once every event
	// arrived, whatever their order.
	Final string
}

// Delivered returns the events in delivery order.
func (s Scenario) Delivered() []Event {
	out := make([]Event, len(s.Delivery))
	for i, j := range s.Delivery {
		out[i] = s.Events[j]
	}
	return out
}

type step struct {
	code, text, city, country string
	after                     time.Duration // since the scenario's start
}

var (
	shanghai  = [2]string{"Shanghai", "CN"}
	rotterdam = [2]string{"Rotterdam", "NL"}
	hamburg   = [2]string{"Hamburg", "DE"}
)

func at(place [2]string, code, text string, after time.Duration) step {
	return step{code: code, text: text, city: place[0], country: place[1], after: after}
}

const day = 24 * time.Hour

// stories are the scenarios' events, in the order they happened.
var stories = []struct {
	name, final string
	steps       []step
	order       []int // delivery order; nil for as they happened
}{
	{"on_time", "delivered", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "PICKED_UP", "Picked up from shipper", 6*time.Hour),
		at(shanghai, "DEPARTED", "Departed origin facility", day),
		at(rotterdam, "ARRIVED", "Arrived at destination hub", 20*day),
		at(rotterdam, "CUSTOMS_CLEARED", "Import customs cleared", 21*day),
		at(hamburg, "OUT_FOR_DELIVERY", "Out for delivery", 23*day),
		at(hamburg, "DELIVERED", "Delivered, signed by K. Meyer", 23*day+5*time.Hour),
	}, nil},
	{"delayed", "in_transit", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "PICKED_UP", "Picked up from shipper", day),
		at(shanghai, "DEPARTED", "Departed origin facility", 4*day),
		at(shanghai, "IN_TRANSIT", "Vessel delayed at transshipment port", 12*day),
	}, nil},
	{"exception", "exception", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "PICKED_UP", "Picked up from shipper", 8*time.Hour),
		at(shanghai, "EXCEPTION", "Package damaged in handling; awaiting shipper instructions", 2*day),
	}, nil},
	{"customs_hold", "customs_hold", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "DEPARTED", "Departed origin facility", day),
		at(rotterdam, "ARRIVED", "Arrived at destination hub", 18*day),
		at(rotterdam, "CUSTOMS_HOLD", "Held by customs: commercial invoice missing HS codes", 19*day),
	}, nil},
	{"out_of_order", "delivered", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "PICKED_UP", "Picked up from shipper", 5*time.Hour),
		at(rotterdam, "ARRIVED", "Arrived at destination hub", 19*day),
		at(hamburg, "OUT_FOR_DELIVERY", "Out for delivery", 22*day),
		at(hamburg, "DELIVERED", "Delivered", 22*day+3*time.Hour),
	}, []int{0, 4, 1, 3, 2}},
	{"duplicates", "in_transit", []step{
		at(shanghai, "CREATED", "Shipment information received", 0),
		at(shanghai, "PICKED_UP", "Picked up from shipper", 3*time.Hour),
		at(shanghai, "IN_TRANSIT", "In transit to port of loading", 9*time.Hour),
	}, []int{0, 1, 1, 2, 0, 2}},
}

// Scenarios returns every scripted scenario, starting at start, with
// tracking numbers prefix + "-" + scenario name (upper case letters and
// digits only: "DEMO0001").
func Scenarios(start time.Time, prefix string) []Scenario {
	out := make([]Scenario, 0, len(stories))
	for i, st := range stories {
		sc := Scenario{Name: st.name, Final: st.final, TrackingNumber: fmt.Sprintf("%s%04d", prefix, i+1)}
		for j, s := range st.steps {
			sc.Events = append(sc.Events, Event{
				EventID: fmt.Sprintf("%s-%02d", sc.TrackingNumber, j+1), TrackingNumber: sc.TrackingNumber,
				Carrier: Carrier, Code: s.code, Text: s.text, OccurredAt: start.Add(s.after).UTC(),
				Location: &Location{City: s.city, Country: s.country},
			})
		}
		sc.Delivery = st.order
		if sc.Delivery == nil {
			for j := range sc.Events {
				sc.Delivery = append(sc.Delivery, j)
			}
		}
		out = append(out, sc)
	}
	return out
}

// Page is the body of one API page.
type Page struct {
	Events   []Event `json:"events"`
	NextPage *int    `json:"next_page"`
}

// API is the simulated tracking API: GET /v1/events?page=N lists the events
// published so far, PerPage to a page, oldest first, with a next_page
// field and a Link rel="next" header while there are more.
type API struct {
	PerPage int // default 50
	// RateLimitEvery, when above 0, answers every n-th request 429 with
	// Retry-After: 1, as a carrier over its quota does.
	RateLimitEvery int

	mu       sync.Mutex
	events   []Event
	requests int
	srv      *http.Server
	addr     string
}

// Publish adds events to the feed.
func (a *API) Publish(events ...Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, events...)
}

// Requests counts the requests served, 429s included.
func (a *API) Requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/v1/events" {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	a.requests++
	limited := a.RateLimitEvery > 0 && a.requests%a.RateLimitEvery == 0
	per := a.PerPage
	if per <= 0 {
		per = 50
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			a.mu.Unlock()
			http.Error(w, `{"error":"page must be a positive number"}`, http.StatusBadRequest)
			return
		}
		page = n
	}
	from := min((page-1)*per, len(a.events))
	to := min(from+per, len(a.events))
	body := Page{Events: append([]Event{}, a.events[from:to]...)}
	if to < len(a.events) {
		next := page + 1
		body.NextPage = &next
	}
	a.mu.Unlock()
	if limited {
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"rate limited"}`, http.StatusTooManyRequests)
		return
	}
	if body.NextPage != nil {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(*body.NextPage))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, u.RequestURI()))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body) // the poller went away; nothing to do
}

// Start serves the API on addr ("127.0.0.1:0" for any port) until ctx ends
// or Close; it returns the base URL.
func (a *API) Start(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("carriersim: %w", err)
	}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	a.addr = ln.Addr().String()
	go func() { _ = a.srv.Serve(ln) }() // ends with Close
	go func() {
		<-ctx.Done()
		_ = a.srv.Close()
	}()
	return "http://" + a.addr, nil
}

// Close stops the API.
func (a *API) Close() error {
	if a.srv == nil {
		return nil
	}
	return a.srv.Close()
}

// Sender pushes events to a webhook URL, signed as the receiver expects.
type Sender struct {
	URL       string
	Signature webhook.Signature
	Client    *http.Client     // http.DefaultClient by default
	Now       func() time.Time // time.Now by default
}

// Send posts events in one delivery ({"events": [...]}); it retries a 5xx
// or a connection error a few times, as carriers do.
func (s *Sender) Send(ctx context.Context, events ...Event) error {
	body, err := json.Marshal(Page{Events: events})
	if err != nil {
		return err
	}
	return s.SendBody(ctx, body)
}

// SendBody posts body, signed, retrying a 5xx or a connection error up to
// 5 times.
func (s *Sender) SendBody(ctx context.Context, body []byte) error {
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var last error
	for attempt := range 5 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		sig := s.Signature.WithDefaults()
		header, ts := sig.Sign(body, now())
		req.Header.Set(sig.Header, header)
		if sig.TimestampHeader != "" {
			req.Header.Set(sig.TimestampHeader, ts)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500:
			last = fmt.Errorf("carriersim: webhook answered %s", resp.Status)
			continue
		default:
			return fmt.Errorf("carriersim: webhook answered %s", resp.Status)
		}
	}
	return errors.Join(errors.New("carriersim: webhook not delivered after 5 attempts"), last)
}
