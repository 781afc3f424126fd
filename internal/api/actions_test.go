package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/postgres"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// countingPub counts what the API publishes, by topic.
type countingPub struct {
	message.Publisher
	mu sync.Mutex
	n  map[string]int
}

func (p *countingPub) Publish(topic string, msgs ...*message.Message) error {
	p.mu.Lock()
	p.n[topic] += len(msgs)
	p.mu.Unlock()
	return p.Publisher.Publish(topic, msgs...)
}

func (p *countingPub) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, v := range p.n {
		n += v
	}
	return n
}

// actionHub is the hub of one stored order, PO-88 of ACME-DE to
// SUP-IT-VALVE: 40 valves at 90.00 for 1 June 2027, and a second line of
// 10 seals. What the API publishes goes through a gochannel to the
// pipelines' router with the store sinks and the status projector, as in
// the running hub. The caller is the principal of the X-Test-Party and
// X-Test-Role headers (none without them: authentication off).
type actionHub struct {
	h   http.Handler
	st  actionHubStore
	pub *countingPub
}

// actionHubStore is what the hub of the action tests reads and writes;
// both stores have it.
type actionHubStore interface {
	OrderReader
	FindingsReader
	TimelineReader
	TrackingReader
	pipelines.ActionStore
	pipelines.StatusStore
	pipelines.OrderResponseWriter
	pipelines.OrderEventWriter
	pipelines.ShipmentWriter
	pipelines.TrackingWriter
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
	Migrate(ctx context.Context) error
	Close() error
}

// actionStores are the stores the end-to-end action tests run on;
// PostgreSQL's is skipped without PROCUREHUB_TEST_POSTGRES_DSN (and fails
// without it when PROCUREHUB_REQUIRE_INTEGRATION=1).
var actionStores = []struct {
	name string
	open func(t *testing.T) (actionHubStore, error)
}{
	{"on SQLite", openSQLiteActionStore},
	{"on PostgreSQL", func(t *testing.T) (actionHubStore, error) {
		return postgres.Open(t.Context(), pgtest.Schema(t))
	}},
}

func openSQLiteActionStore(t *testing.T) (actionHubStore, error) {
	return sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
}

func newActionHub(t *testing.T) *actionHub { return newActionHubWith(t, openSQLiteActionStore, false) }

// newActionHubWith is newActionHub on the store open gives; with
// authenticate, the callers' principals go through Config.Authenticate
// and the route table's policy.
func newActionHubWith(t *testing.T, open func(t *testing.T) (actionHubStore, error), authenticate bool) *actionHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := open(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	o := &canonical.Order{OrderNumber: "PO-88", OrderDate: canonical.NewDate(2026, 11, 1), Buyer: canonical.Party{ID: "ACME-DE"},
		Supplier: canonical.Party{ID: "SUP-IT-VALVE"}, Currency: "EUR", RequestedDeliveryDate: canonical.NewDate(2027, 6, 1),
		Lines: []canonical.OrderLine{
			{LineNumber: 1, SKU: "BV-DN50", Quantity: canonical.MustDecimal("40"), Unit: "H87", UnitPrice: canonical.MustDecimal("90.00")},
			{LineNumber: 2, SKU: "SEAL-50", Quantity: canonical.MustDecimal("10"), Unit: "H87", UnitPrice: canonical.MustDecimal("4.00")},
		}}
	if _, err := st.UpsertOrders(ctx, []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}

	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { ps.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	proj := &pipelines.StatusProjector{Store: st, Readers: pipelines.RecordReaders{Findings: st, Responses: st, Shipments: st}, Pub: ps}
	tracking := pipelines.NewTrackingSink(st, pipelines.StoreSinkConfig{BatchSize: 1, Linger: time.Millisecond}, nil, logger)
	tracking.Status = proj
	go func() { _ = tracking.Run(ctx) }()
	r, err := pipelines.NewRouter(pipelines.RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps, pipelines.Sinks{
		OrderResponses: &pipelines.OrderResponseSink{W: st, Status: proj},
		OrderEvents:    &pipelines.OrderEventSink{W: st, Status: proj},
		Shipments:      &pipelines.ShipmentSink{W: st, Status: proj},
		Tracking:       tracking,
	}, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	t.Cleanup(func() { r.Close() })
	<-r.Running()

	pub := &countingPub{Publisher: ps, n: map[string]int{}}
	caller := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if party := r.Header.Get("X-Test-Party"); party != "" {
				r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{UserID: "u-" + party, PartyID: party,
					Roles: []auth.Role{auth.Role(r.Header.Get("X-Test-Role"))}}))
			}
			next.ServeHTTP(w, r)
		})
	}
	cfg := Config{Orders: st, Findings: st, Timeline: st, Tracking: st, Logger: logger,
		Actions: &pipelines.Actions{Store: st, Pub: pub}}
	if authenticate {
		cfg.Authenticate = caller
		return &actionHub{h: Handler(cfg), st: st, pub: pub}
	}
	return &actionHub{h: caller(Handler(cfg)), st: st, pub: pub}
}

// post sends body to /api/v1/orders/{order}/{action} with the headers
// given as name, value pairs.
func (hub *actionHub) post(t *testing.T, order, action, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/orders/"+order+"/"+action, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	hub.h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("POST %s %s: %d %q is not JSON", order, action, rec.Code, rec.Body)
	}
	return rec.Code, out
}

// waitStatus waits until the sinks moved PO-88 to want.
func (hub *actionHub) waitStatus(t *testing.T, want lifecycle.State) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := hub.st.GetOrder(t.Context(), "ACME-DE", "PO-88")
		if err != nil {
			t.Fatal(err)
		}
		if o.Status == string(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PO-88 is %q, want %q", o.Status, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (hub *actionHub) timeline(t *testing.T) OrderTimeline {
	t.Helper()
	_, tl := getTimeline(t, hub.h, "PO-88")
	return tl
}

const (
	supplierHeaders = "SUP-IT-VALVE"
	forwarderParty  = "FWD-DHL-DE"
	brokerParty     = "CUSTOMS-HH"
)

func TestASuppliersConfirmationConfirmsTheOrderAndItsTimelineShowsIt(t *testing.T) {
	for _, s := range actionStores {
		t.Run(s.name, func(t *testing.T) { confirmAndProgress(t, newActionHubWith(t, s.open, false)) })
	}
}

func confirmAndProgress(t *testing.T, hub *actionHub) {
	code, body := hub.post(t, "PO-88", "confirm", `{"lines": [{"line_number": 1, "delivery_date": "2027-06-01"}], "note": "as ordered"}`,
		"Idempotency-Key", "confirm-88-1", "X-Test-Party", supplierHeaders, "X-Test-Role", "supplier")
	resp, _ := body["order_response"].(map[string]any)
	if code != http.StatusAccepted || resp["status"] != "accepted" || body["topic"] != pipelines.TopicOrderResponses {
		t.Fatalf("confirm: %d %v; want 202 and an accepted response on %s", code, body, pipelines.TopicOrderResponses)
	}
	if src, _ := resp["source"].(map[string]any); src["connector"] != "api" || src["partner"] != "SUP-IT-VALVE" {
		t.Errorf("the response's source is %v; want the API and the supplier's party", resp["source"])
	}
	hub.waitStatus(t, lifecycle.StateConfirmed)
	tl := hub.timeline(t)
	var acceptance *TimelineEntry
	for i, e := range tl.Entries {
		if e.Kind == lifecycle.KindResponseAccepted {
			acceptance = &tl.Entries[i]
		}
	}
	if tl.State != lifecycle.StateConfirmed || acceptance == nil || acceptance.Source.Partner != "SUP-IT-VALVE" ||
		acceptance.Actor.PartyID != "SUP-IT-VALVE" || acceptance.Outcome != lifecycle.Moved {
		t.Fatalf("timeline %s with %+v; want confirmed by the supplier's acceptance", tl.State, tl.Entries)
	}

	published := hub.pub.total()
	code, again := hub.post(t, "PO-88", "confirm", `{"lines": [{"line_number": 1, "delivery_date": "2027-06-01"}], "note": "as ordered"}`,
		"Idempotency-Key", "confirm-88-1", "X-Test-Party", supplierHeaders, "X-Test-Role", "supplier")
	againResp, _ := again["order_response"].(map[string]any)
	if code != http.StatusAccepted || again["replayed"] != true || againResp["response_number"] != resp["response_number"] {
		t.Errorf("the retried confirm: %d %v; want 202, replayed, the same response %v", code, again, resp["response_number"])
	}
	if n := hub.pub.total(); n != published {
		t.Errorf("the retried confirm published %d messages; want none", n-published)
	}
	if code, _ := hub.post(t, "PO-88", "confirm", `{"lines": [{"line_number": 1, "quantity": "35"}]}`,
		"Idempotency-Key", "confirm-88-1", "X-Test-Party", supplierHeaders, "X-Test-Role", "supplier"); code != http.StatusConflict {
		t.Errorf("the key sent again with another confirmation: %d, want 409", code)
	}
	if n := hub.pub.total(); n != published {
		t.Errorf("a reused key published %d messages; want none", n-published)
	}

	code, body = hub.post(t, "PO-88", "progress", `{"percent_complete": "45", "expected_ready_date": "2027-05-20", "line_number": 1, "note": "casting done"}`,
		"X-Test-Party", supplierHeaders, "X-Test-Role", "supplier")
	ev, _ := body["order_event"].(map[string]any)
	data, _ := ev["data"].(map[string]any)
	if code != http.StatusAccepted || ev["type"] != "production_progress" || data["percent_complete"] != "45" || data["sku"] != "BV-DN50" ||
		ev["summary"] != "line 1: 45% complete, ready 2027-05-20" {
		t.Fatalf("progress: %d %v; want a production_progress event of line 1 shaped like a progress file's", code, body)
	}
	hub.waitStatus(t, lifecycle.StateInProduction)
	published = hub.pub.total()
	// Without a key, the same report at the same order version is the same request.
	if code, body = hub.post(t, "PO-88", "progress", `{"percent_complete": "45", "expected_ready_date": "2027-05-20", "line_number": 1, "note": "casting done"}`,
		"X-Test-Party", supplierHeaders, "X-Test-Role", "supplier"); code != http.StatusAccepted || body["replayed"] != true {
		t.Errorf("the same progress report again: %d %v; want 202 replayed", code, body)
	}
	if n := hub.pub.total(); n != published {
		t.Errorf("the same progress report published %d messages; want none", n-published)
	}
}

func TestAConfirmationWithAnotherQuantityIsAChangedResponseTheBuyerDecides(t *testing.T) {
	hub := newActionHub(t)
	code, body := hub.post(t, "PO-88", "confirm", `{"response_number": "OC-7", "lines": [{"line_number": 1, "quantity": "35", "delivery_date": "2027-06-15"}, {"line_number": 2}]}`)
	resp, _ := body["order_response"].(map[string]any)
	lines, _ := resp["lines"].([]any)
	if code != http.StatusAccepted || resp["status"] != "changed" || resp["response_number"] != "OC-7" || len(lines) != 2 {
		t.Fatalf("confirm with another quantity: %d %v; want 202, a changed response OC-7 with both lines", code, body)
	}
	if l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any); l0["status"] != "changed" || l0["quantity"] != "35" || l1["status"] != "accepted" {
		t.Errorf("lines %v; want line 1 changed to 35, line 2 accepted", lines)
	}
	if src, _ := resp["source"].(map[string]any); src["partner"] != pipelines.APIPartner {
		t.Errorf("without a caller the source is %v; want partner %q", src, pipelines.APIPartner)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		tl := hub.timeline(t)
		if n := len(tl.Entries); n > 0 && tl.Entries[n-1].Kind == lifecycle.KindCounterProposed {
			if tl.State != lifecycle.StateSubmitted {
				t.Errorf("after a counter-offer the order is %s; want it still submitted, waiting for the buyer", tl.State)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the changed response is not on the timeline: %+v", tl.Entries)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestASuppliersRejectionRejectsTheOrder(t *testing.T) {
	hub := newActionHub(t)
	code, body := hub.post(t, "PO-88", "reject", `{"reason": "DN50 valves are discontinued"}`, "X-Test-Party", supplierHeaders, "X-Test-Role", "supplier")
	resp, _ := body["order_response"].(map[string]any)
	if code != http.StatusAccepted || resp["status"] != "rejected" || body["note"] != "DN50 valves are discontinued" {
		t.Fatalf("reject: %d %v; want 202, a rejected response with the reason told back", code, body)
	}
	hub.waitStatus(t, lifecycle.StateRejected)
	// The reason, which an order response has no field for, is kept as
	// an action_note event of the order.
	deadline := time.Now().Add(10 * time.Second)
	for {
		events, err := hub.st.OrderEvents(t.Context(), "PO-88")
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(events, func(e store.StoredOrderEvent) bool { return e.Event.Type == pipelines.EventActionNote })
		if i >= 0 {
			var n pipelines.ActionNote
			if err := json.Unmarshal(events[i].Event.Data, &n); err != nil || n.Note != "DN50 valves are discontinued" || n.Action != "reject" ||
				n.ResponseNumber != resp["response_number"] || events[i].Event.Actor != supplierHeaders {
				t.Errorf("the stored note is %+v (%v) by %q; want the supplier's reason of response %v", n, err, events[i].Event.Actor, resp["response_number"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rejection's reason is not stored")
		}
		time.Sleep(5 * time.Millisecond)
	}
	published := hub.pub.total()
	if code, body := hub.post(t, "PO-88", "confirm", `{}`, "X-Test-Party", supplierHeaders, "X-Test-Role", "supplier"); code != http.StatusConflict {
		t.Errorf("confirming the rejected order: %d %v; want 409", code, body)
	}
	if code, body := hub.post(t, "PO-88", "progress", `{"percent_complete": "5"}`); code != http.StatusConflict {
		t.Errorf("progress of the rejected order: %d %v; want 409", code, body)
	}
	if n := hub.pub.total(); n != published {
		t.Errorf("actions on the rejected order published %d messages; want none", n-published)
	}
}

func TestATransportPlanMilestonesAndCustomsMoveTheOrderToCustomsCleared(t *testing.T) {
	for _, s := range actionStores {
		t.Run(s.name, func(t *testing.T) { planMilestonesAndCustoms(t, newActionHubWith(t, s.open, false)) })
	}
}

func planMilestonesAndCustoms(t *testing.T, hub *actionHub) {
	fwd := []string{"X-Test-Party", forwarderParty, "X-Test-Role", "logistics"}
	broker := []string{"X-Test-Party", brokerParty, "X-Test-Role", "customs"}
	ship := time.Now().UTC().AddDate(0, 0, 1).Truncate(24 * time.Hour)
	at := func(h int) string { return ship.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }

	code, body := hub.post(t, "PO-88", "transport-plan", `{"carrier": "DHL", "mode": "air", "tracking_numbers": ["JD014600006281"],
		"ship_date": "`+ship.Format(time.DateOnly)+`", "estimated_arrival": "`+ship.AddDate(0, 0, 4).Format(time.DateOnly)+`"}`, fwd...)
	sh, _ := body["shipment"].(map[string]any)
	if code != http.StatusAccepted || body["transport_mode"] != "air" || sh["carrier"] != "DHL" || sh["supplier"].(map[string]any)["id"] != "SUP-IT-VALVE" {
		t.Fatalf("transport plan: %d %v; want 202, a DHL shipment of the order's supplier by air", code, body)
	}
	if note, _ := body["note_event"].(map[string]any); note["type"] != "action_note" || note["data"].(map[string]any)["transport_mode"] != "air" {
		t.Errorf("the plan's note event is %v; want an action_note that keeps the mode", body["note_event"])
	}
	if orders, _ := sh["order_numbers"].([]any); len(orders) != 1 || orders[0] != "PO-88" {
		t.Errorf("the shipment's orders are %v; want [PO-88]", sh["order_numbers"])
	}
	hub.waitStatus(t, lifecycle.StateShipped)

	code, body = hub.post(t, "PO-88", "milestones", `{"tracking_number": "JD014600006281", "status": "departed_origin", "occurred_at": "`+at(6)+`",
		"location": {"city": "Milano", "country": "IT"}}`, append(fwd, "Idempotency-Key", "dep-1")...)
	events, _ := body["tracking_events"].([]any)
	if code != http.StatusAccepted || len(events) != 1 || events[0].(map[string]any)["carrier"] != "DHL" {
		t.Fatalf("departed: %d %v; want 202 and one DHL tracking event", code, body)
	}
	hub.waitStatus(t, lifecycle.StateInTransit)
	published := hub.pub.total()
	if code, body = hub.post(t, "PO-88", "milestones", `{"tracking_number": "JD014600006281", "status": "departed_origin", "occurred_at": "`+at(6)+`",
		"location": {"city": "Milano", "country": "IT"}}`, append(fwd, "Idempotency-Key", "dep-1")...); code != http.StatusAccepted || body["replayed"] != true {
		t.Errorf("the retried milestone: %d %v; want 202 replayed", code, body)
	}
	if n := hub.pub.total(); n != published {
		t.Errorf("the retried milestone published %d messages; want none", n-published)
	}

	if code, body = hub.post(t, "PO-88", "customs", `{"status": "held", "occurred_at": "`+at(20)+`", "reference": "MRN 26DE1234", "note": "invoice missing"}`, broker...); code != http.StatusAccepted {
		t.Fatalf("customs held: %d %v", code, body)
	}
	hub.waitStatus(t, lifecycle.StateAtCustoms)
	if code, body = hub.post(t, "PO-88", "customs", `{"status": "cleared", "occurred_at": "`+at(30)+`", "reference": "MRN 26DE1234"}`, broker...); code != http.StatusAccepted {
		t.Fatalf("customs cleared: %d %v", code, body)
	}
	hub.waitStatus(t, lifecycle.StateCustomsCleared)

	tl := hub.timeline(t)
	var statuses []canonical.TrackingStatus
	for _, e := range tl.Entries {
		if e.Kind == lifecycle.KindTracking {
			statuses = append(statuses, e.Tracking)
			if e.Source.Connector != "api" {
				t.Errorf("tracking entry %s from %+v; want the API", e.Tracking, e.Source)
			}
		}
	}
	want := []canonical.TrackingStatus{canonical.TrackingDepartedOrigin, canonical.TrackingCustomsHold, canonical.TrackingCustomsCleared}
	if tl.State != lifecycle.StateCustomsCleared || len(statuses) != len(want) || statuses[0] != want[0] || statuses[1] != want[1] || statuses[2] != want[2] {
		t.Errorf("timeline %s with carrier entries %v; want customs_cleared after %v", tl.State, statuses, want)
	}
}

func TestBadActionRequestsAreRefusedAndPublishNothing(t *testing.T) {
	hub := newActionHub(t)
	// A shipment with one tracking number, for the milestone cases.
	if code, body := hub.post(t, "PO-88", "transport-plan", `{"carrier": "DHL", "tracking_numbers": ["JD1"]}`); code != http.StatusAccepted {
		t.Fatalf("transport plan: %d %v", code, body)
	}
	hub.waitStatus(t, lifecycle.StateShipped)
	cases := []struct {
		name, action, body string
		code               int
		path               string // the problem's (422) or the field's (400) path
	}{
		{"a misspelt field is refused", "confirm", `{"responce_number": "OC-1"}`, http.StatusBadRequest, ""},
		{"a line number that is text is refused at its field", "progress", `{"percent_complete": "10", "line_number": "one"}`, http.StatusBadRequest, "line_number"},
		{"two JSON values are refused", "reject", `{"reason": "x"} {"reason": "y"}`, http.StatusBadRequest, ""},
		{"a date that is not a date is refused", "confirm", `{"lines": [{"line_number": 1, "delivery_date": "1 June"}]}`, http.StatusBadRequest, ""},
		{"a line the order does not have is named", "confirm", `{"lines": [{"line_number": 1}, {"line_number": 9}]}`, http.StatusUnprocessableEntity, "lines[1].line_number"},
		{"a negative quantity is named", "confirm", `{"lines": [{"line_number": 1, "quantity": "-5"}]}`, http.StatusUnprocessableEntity, "lines[0].quantity"},
		{"a rejection without a reason is named", "reject", `{}`, http.StatusUnprocessableEntity, "reason"},
		{"progress over 100 percent is named", "progress", `{"percent_complete": "150"}`, http.StatusUnprocessableEntity, "percent_complete"},
		{"progress that says nothing is named", "progress", `{"note": "busy"}`, http.StatusUnprocessableEntity, "percent_complete"},
		{"a transport plan without carrier is named", "transport-plan", `{"mode": "air"}`, http.StatusUnprocessableEntity, "carrier"},
		{"a transport mode outside the set is named", "transport-plan", `{"carrier": "DHL", "mode": "boat"}`, http.StatusUnprocessableEntity, "mode"},
		{"an arrival before the ship date is named", "transport-plan", `{"carrier": "DHL", "ship_date": "2027-05-10", "estimated_arrival": "2027-05-01"}`, http.StatusUnprocessableEntity, "estimated_arrival"},
		{"a repeated tracking number is named", "transport-plan", `{"carrier": "DHL", "tracking_numbers": ["JD2", "JD2"]}`, http.StatusUnprocessableEntity, "tracking_numbers[1]"},
		{"a tracking number of another order is named", "milestones", `{"tracking_number": "XX9", "status": "in_transit", "occurred_at": "2027-05-02T10:00:00Z"}`, http.StatusUnprocessableEntity, "tracking_number"},
		{"a carrier status is not a normalized one", "milestones", `{"status": "Abgeholt", "occurred_at": "2027-05-02T10:00:00Z"}`, http.StatusUnprocessableEntity, "status"},
		{"a milestone without its time is named", "milestones", `{"status": "in_transit"}`, http.StatusUnprocessableEntity, "occurred_at"},
		{"a location country outside ISO 3166 is named", "milestones", `{"status": "in_transit", "occurred_at": "2027-05-02T10:00:00Z", "location": {"country": "XX"}}`, http.StatusUnprocessableEntity, "location.country"},
		{"a customs status other than held or cleared is named", "customs", `{"status": "stuck", "occurred_at": "2027-05-02T10:00:00Z"}`, http.StatusUnprocessableEntity, "status"},
		{"an action on an order that does not exist is 404", "confirm", `{}`, http.StatusNotFound, ""},
		{"a body over 64 KiB is refused", "confirm", `{"note": "` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			order := "PO-88"
			if tc.code == http.StatusNotFound {
				order = "PO-404"
			}
			published := hub.pub.total()
			code, body := hub.post(t, order, tc.action, tc.body)
			if code != tc.code {
				t.Fatalf("%d %v; want %d", code, body, tc.code)
			}
			if n := hub.pub.total(); n != published {
				t.Errorf("published %d messages; want none", n-published)
			}
			switch {
			case tc.code == http.StatusUnprocessableEntity:
				problems, _ := body["problems"].([]any)
				var paths []string
				for _, p := range problems {
					paths = append(paths, p.(map[string]any)["path"].(string))
				}
				if !strings.Contains(" "+strings.Join(paths, " ")+" ", " "+tc.path+" ") {
					t.Errorf("problems at %v; want one at %s", paths, tc.path)
				}
			case tc.path != "":
				if e, _ := body["error"].(map[string]any); e["path"] != tc.path {
					t.Errorf("error %v; want it at %s", body["error"], tc.path)
				}
			}
		})
	}
}

func TestACustomsStatusOfAnOrderWithoutShipmentMovesItThroughCustoms(t *testing.T) {
	hub := newActionHub(t)
	broker := []string{"X-Test-Party", brokerParty, "X-Test-Role", "customs"}
	at := time.Now().UTC().Add(time.Hour)
	code, body := hub.post(t, "PO-88", "customs", `{"status": "held", "occurred_at": "`+at.Format(time.RFC3339)+`", "reference": "MRN 26DE99"}`, broker...)
	ev, _ := body["order_event"].(map[string]any)
	if code != http.StatusAccepted || body["topic"] != pipelines.TopicOrderEvents || ev["type"] != "customs_hold" || ev["actor"] != brokerParty {
		t.Fatalf("customs held without a shipment: %d %v; want 202, a customs_hold order event by the broker", code, body)
	}
	hub.waitStatus(t, lifecycle.StateAtCustoms)
	if code, body = hub.post(t, "PO-88", "customs", `{"status": "cleared", "occurred_at": "`+at.Add(time.Hour).Format(time.RFC3339)+`"}`, broker...); code != http.StatusAccepted {
		t.Fatalf("customs cleared: %d %v", code, body)
	}
	hub.waitStatus(t, lifecycle.StateCustomsCleared)
}

func TestOnlyTheOrdersOwnSupplierConfirmsItWhenAuthenticationIsOn(t *testing.T) {
	hub := newActionHubWith(t, openSQLiteActionStore, true)
	cases := []struct {
		name        string
		party, role string
		want        int
	}{
		{"no caller is 401", "", "", http.StatusUnauthorized},
		{"the buyer may not confirm for the supplier", "ACME-DE", "buyer", http.StatusForbidden},
		{"another supplier does not learn the order exists", "SUP-CN-SZP", "supplier", http.StatusNotFound},
		{"the order's supplier confirms", "SUP-IT-VALVE", "supplier", http.StatusAccepted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			published := hub.pub.total()
			code, body := hub.post(t, "PO-88", "confirm", `{}`, "X-Test-Party", tc.party, "X-Test-Role", tc.role)
			if code != tc.want {
				t.Fatalf("%d %v; want %d", code, body, tc.want)
			}
			if n := hub.pub.total() - published; (n > 0) != (tc.want == http.StatusAccepted) {
				t.Errorf("published %d messages with answer %d", n, code)
			}
		})
	}
	hub.waitStatus(t, lifecycle.StateConfirmed)
}
