package warnings

import (
	"context"
	"errors"
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
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/postgres"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// countingPublisher counts what the scanner publishes, and passes it on.
type countingPublisher struct {
	message.Publisher
	mu sync.Mutex
	n  int
}

func (p *countingPublisher) Publish(topic string, msgs ...*message.Message) error {
	p.mu.Lock()
	p.n += len(msgs)
	p.mu.Unlock()
	return p.Publisher.Publish(topic, msgs...)
}

func (p *countingPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// brokenEvents fails to read the order events of one order.
type brokenEvents struct {
	pipelines.ResponsesReader
	order string
}

func (b brokenEvents) OrderEvents(ctx context.Context, order string) ([]store.StoredOrderEvent, error) {
	if order == b.order {
		return nil, errors.New("disk I/O error")
	}
	return b.ResponsesReader.OrderEvents(ctx, order)
}

// hubStore is what the test writes through and the scanner reads: both
// stores implement it.
type hubStore interface {
	OrderLister
	pipelines.ResponsesReader
	pipelines.ShipmentsReader
	pipelines.FindingsReader
	AlertReader
	AlertResolver
	pipelines.AlertWriter
	Migrate(ctx context.Context) error
	Close() error
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
	UpsertOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse) ([]store.Change, error)
	UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error)
	AddTrackingEvents(ctx context.Context, partner string, events []*canonical.TrackingEvent) ([]bool, error)
	AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error)
	SetOrderStatus(ctx context.Context, buyerID, orderNumber, from, to string) (bool, error)
}

// readers reads every record of an order from st.
func readers(st hubStore) pipelines.RecordReaders {
	return pipelines.RecordReaders{Findings: st, Responses: st, Shipments: st}
}

// stores open an empty store of each kind: SQLite in a temp dir, and
// PostgreSQL in a schema of its own (skipped without a server, unless
// PROCUREHUB_REQUIRE_INTEGRATION=1).
var stores = []struct {
	name string
	open func(t *testing.T) (hubStore, error)
}{
	{"on SQLite", func(t *testing.T) (hubStore, error) {
		return sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "procurehub.db"))
	}},
	{"on PostgreSQL", func(t *testing.T) (hubStore, error) {
		return postgres.Open(t.Context(), pgtest.Schema(t))
	}},
}

// hub is the store and the alert topic a buyer's alerts go through.
type hub struct {
	st     hubStore
	pub    *countingPublisher
	alerts <-chan *message.Message
	sink   *pipelines.AlertSink
}

func newHub(t *testing.T, open func(t *testing.T) (hubStore, error)) *hub {
	t.Helper()
	st, err := open(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ps := gochannel.NewGoChannel(gochannel.Config{Persistent: true}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	alerts, err := ps.Subscribe(context.Background(), pipelines.TopicAlerts)
	if err != nil {
		t.Fatal(err)
	}
	return &hub{st: st, pub: &countingPublisher{Publisher: ps}, alerts: alerts, sink: &pipelines.AlertSink{W: st}}
}

// deliver takes n alerts off the topic into the store, as the hub's alert
// sink does.
func (h *hub) deliver(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case msg := <-h.alerts:
			if err := h.sink.Handle(msg); err != nil {
				t.Fatalf("alert sink: %v", err)
			}
			msg.Ack()
		case <-time.After(5 * time.Second):
			t.Fatalf("an alert published was never delivered")
		}
	}
}

// listed returns the alerts GET /api/v1/alerts lists for a status.
func (h *hub) listed(t *testing.T, status string) []store.Alert {
	t.Helper()
	alerts, _, err := h.st.ListAlerts(t.Context(), store.AlertFilter{Status: status, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(alerts, func(a, b store.Alert) int { return strings.Compare(a.Kind+a.OrderNumber, b.Kind+b.OrderNumber) })
	return alerts
}

func order(number string, requested canonical.Date) *canonical.Order {
	return &canonical.Order{OrderNumber: number, OrderDate: day(1), Buyer: canonical.Party{ID: "ACME", Country: "DE"},
		Supplier: canonical.Party{ID: "SUP-CN", Country: "CN"}, Currency: "EUR", RequestedDeliveryDate: requested,
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SKU-1", Quantity: canonical.MustDecimal("10"), Unit: "EA",
			UnitPrice: canonical.MustDecimal("4.50")}}}
}

func acceptance(number string) *canonical.OrderResponse {
	return &canonical.OrderResponse{OrderNumber: number, ResponseNumber: "R-" + number, ResponseDate: day(2),
		Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SUP-CN"}, Status: canonical.ResponseAccepted}
}

func asn(id, number, tn string, ship, eta canonical.Date) *canonical.Shipment {
	return &canonical.Shipment{ShipmentID: id, OrderNumbers: []string{number}, Buyer: canonical.Party{ID: "ACME"},
		Supplier: canonical.Party{ID: "SUP-CN"}, ShipDate: ship, EstimatedArrival: eta, Carrier: "DHL", TrackingNumbers: []string{tn}}
}

func carrierEvent(id, tn string, status canonical.TrackingStatus, at time.Time) *canonical.TrackingEvent {
	return &canonical.TrackingEvent{EventID: id, TrackingNumber: tn, Carrier: "DHL", Status: status, OccurredAt: at}
}

func docEvent(id, number, typ string, at time.Time) *canonical.OrderEvent {
	e := document(id, typ, at)
	e.OrderNumber = number
	return &e
}

// seed writes, through the store, five orders of ACME to SUP-CN, all
// ordered on 1 March:
//
//   - PO-LATE, needed 20 March, confirmed, shipped on 6 March with a carrier
//     ETA of 24 March; its carrier events arrive out of order; its
//     documents are in.
//   - PO-QUIET, never answered by the supplier.
//   - PO-FINE, needed 30 April and confirmed.
//   - PO-DONE, late on its ETA but delivered on 7 March.
//   - PO-BROKEN, never answered, whose events cannot be read.
func seed(t *testing.T, st hubStore) {
	t.Helper()
	ctx := t.Context()
	orders := []*canonical.Order{order("PO-LATE", day(20)), order("PO-QUIET", day(20)), order("PO-FINE", canonical.NewDate(2026, time.April, 30)),
		order("PO-DONE", day(20)), order("PO-BROKEN", day(20))}
	if _, err := st.UpsertOrders(ctx, orders); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertOrderResponses(ctx, "sup-cn", []*canonical.OrderResponse{acceptance("PO-LATE"), acceptance("PO-FINE"), acceptance("PO-DONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertShipments(ctx, "sup-cn", []*canonical.Shipment{
		asn("ASN-1", "PO-LATE", "TN-LATE", day(6), day(24)), asn("ASN-2", "PO-DONE", "TN-DONE", day(3), day(25))}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddTrackingEvents(ctx, "dhl", []*canonical.TrackingEvent{
		carrierEvent("e2", "TN-LATE", canonical.TrackingInTransit, march(8, 6)),
		carrierEvent("e1", "TN-LATE", canonical.TrackingPickedUp, march(6, 10)),
		carrierEvent("d1", "TN-DONE", canonical.TrackingDelivered, march(7, 9)),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddOrderEvents(ctx, "sup-cn", []*canonical.OrderEvent{
		docEvent("doc-1", "PO-LATE", "commercial_invoice", march(5, 9)), docEvent("doc-2", "PO-LATE", "packing_list", march(5, 9)),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestTheScannerRaisesWhatABuyerShouldSeeOnceAndEscalatesOnce(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { scanTheSeededHub(t, newHub(t, s.open)) })
	}
}

func scanTheSeededHub(t *testing.T, h *hub) {
	seed(t, h.st)
	broken := readers(h.st)
	broken.Responses = brokenEvents{h.st, "PO-BROKEN"}
	sc := &Scanner{Config: &Config{}, Orders: h.st, Records: broken, Alerts: h.st, Resolver: h.st, Publisher: h.pub, PageSize: 2}
	ctx := t.Context()

	// 8 March, noon: PO-LATE's ETA is four days after its date, PO-QUIET
	// has waited a week for its confirmation.
	r, err := sc.Scan(ctx, march(8, 12))
	if err != nil {
		t.Fatal(err)
	}
	if r != (ScanReport{Orders: 3, Done: 1, Failed: 1, Alerts: 2}) {
		t.Fatalf("first scan %+v; want 3 open orders, PO-DONE done, PO-BROKEN failed, 2 alerts", r)
	}
	h.deliver(t, r.Alerts)
	open := h.listed(t, store.AlertOpen)
	if len(open) != 2 {
		t.Fatalf("%d open alerts %+v; want 2", len(open), open)
	}
	eta, quiet := open[0], open[1]
	if eta.Kind != RuleETAAfterPromised || eta.OrderNumber != "PO-LATE" || eta.Severity != SeverityCritical ||
		!strings.Contains(eta.Message, "2026-03-24") || !strings.Contains(eta.Message, "2026-03-20") || eta.SuggestedAction == "" ||
		eta.Data["lane"] != "CN->DE" || eta.Partner != "SUP-CN" {
		t.Errorf("first alert %+v; want PO-LATE's critical ETA after promised date, 24 against 20 March, with an action", eta)
	}
	if quiet.Kind != RuleNoConfirmation || quiet.OrderNumber != "PO-QUIET" || quiet.Severity != SeverityWarning {
		t.Errorf("second alert %+v; want PO-QUIET's missing confirmation", quiet)
	}

	// Later the same day: the same conditions, nothing new.
	if r, err := sc.Scan(ctx, march(8, 18)); err != nil || r.Alerts != 0 || r.Escalations != 0 || h.pub.count() != 2 {
		t.Fatalf("second scan %+v, %v, %d published in all; want nothing new", r, err, h.pub.count())
	}
	// A scanner that restarted knows the alerts from the store.
	restarted := &Scanner{Config: &Config{}, Orders: h.st, Records: readers(h.st), Alerts: h.st, Publisher: h.pub}
	if r, err := restarted.Scan(ctx, march(8, 19)); err != nil || r.Alerts != 1 || h.pub.count() != 3 {
		t.Fatalf("restarted scan %+v, %v; want only PO-BROKEN's alert, now that its events read", r, err)
	}
	h.deliver(t, 1)

	// Someone acknowledges the missing confirmation; a day after the first
	// scan both alerts of that scan are still unresolved and escalate.
	if err := h.st.SetAlertStatus(ctx, quiet.ID, store.AlertAcknowledged, "buyer@acme"); err != nil {
		t.Fatal(err)
	}
	r, err = sc.Scan(ctx, march(9, 12))
	if err != nil || r.Escalations != 2 || r.Alerts != 0 || r.Resolved != 0 {
		t.Fatalf("scan a day later %+v, %v; want the two alerts of the first scan escalated", r, err)
	}
	h.deliver(t, 2)
	escalations, _, err := h.st.ListAlerts(ctx, store.AlertFilter{Kind: KindEscalated, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var points []string
	for _, e := range escalations {
		if e.Severity != SeverityCritical {
			t.Errorf("escalation %+v; want critical", e)
		}
		points = append(points, e.Data["escalates"])
	}
	slices.Sort(points)
	if want := []string{eta.ID, quiet.ID}; !slices.Equal(points, slices.Sorted(slices.Values(want))) {
		t.Errorf("escalations point at %v; want %v", points, want)
	}
	if r, err := sc.Scan(ctx, march(9, 13)); err != nil || r.Escalations != 0 || r.Alerts != 0 {
		t.Fatalf("next scan %+v, %v; want no second escalation", r, err)
	}

	// PO-LATE is delivered, and its stored status follows: it is no longer
	// listed as open, and its warning and the escalation are resolved.
	if _, err := h.st.AddTrackingEvents(ctx, "dhl", []*canonical.TrackingEvent{carrierEvent("e3", "TN-LATE", canonical.TrackingDelivered, march(9, 15))}); err != nil {
		t.Fatal(err)
	}
	if moved, err := h.st.SetOrderStatus(ctx, "ACME", "PO-LATE", store.StatusSubmitted, "delivered"); err != nil || !moved {
		t.Fatalf("SetOrderStatus: %v, %v", moved, err)
	}
	if r, err := sc.Scan(ctx, march(9, 16)); err != nil || r.Resolved != 2 || r.Alerts != 0 {
		t.Fatalf("scan after delivery %+v, %v; want PO-LATE's warning and its escalation resolved", r, err)
	}
	for _, a := range h.listed(t, store.AlertResolved) {
		if a.OrderNumber != "PO-LATE" || a.StatusBy != pipelines.AlertResolvedBy {
			t.Errorf("resolved %+v; want only PO-LATE's, by the hub", a)
		}
	}
	if n := len(h.listed(t, store.AlertResolved)); n != 2 {
		t.Errorf("%d resolved alerts; want 2", n)
	}
}

func TestRunScansAtOnceAndStopsWithItsContext(t *testing.T) {
	h := newHub(t, stores[0].open)
	seed(t, h.st)
	ctx, cancel := context.WithCancel(t.Context())
	scanned := make(chan struct{})
	sc := &Scanner{Config: &Config{}, Orders: h.st, Records: readers(h.st), Alerts: h.st, Publisher: h.pub,
		Now: func() time.Time {
			defer close(scanned)
			return march(8, 12)
		}}
	done := make(chan error, 1)
	go func() { done <- sc.Run(ctx, time.Hour) }()
	<-scanned
	h.deliver(t, 3) // PO-LATE, PO-QUIET, PO-BROKEN
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v; want nil once its context is done", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if err := (&Scanner{}).Run(t.Context(), 0); err == nil {
		t.Error("Run with a zero interval: want an error")
	}
}
