package pipelines

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// recordingPub keeps what is published, by topic.
type recordingPub struct {
	mu   sync.Mutex
	msgs map[string][]*message.Message
}

func (p *recordingPub) Publish(topic string, msgs ...*message.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.msgs == nil {
		p.msgs = map[string][]*message.Message{}
	}
	p.msgs[topic] = append(p.msgs[topic], msgs...)
	return nil
}

func (p *recordingPub) Close() error { return nil }

// actionOrder stores PO-5 of ACME-DE to SUP-CN-SZP: 100 servo drives.
func actionOrder(t *testing.T, st *sqlite.Store, quantity string) {
	t.Helper()
	o := &canonical.Order{OrderNumber: "PO-5", OrderDate: canonical.NewDate(2026, 11, 2),
		Buyer: canonical.Party{ID: "ACME-DE"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"}, Currency: "USD",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SZP-SRV-750B", Quantity: canonical.MustDecimal(quantity), Unit: "H87", UnitPrice: canonical.MustDecimal("186.40")}}}
	if _, err := st.UpsertOrders(t.Context(), []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
}

func TestATransportPlanForAnASNsShipmentKeepsWhatTheASNSays(t *testing.T) {
	st := newLedger(t)
	actionOrder(t, st, "100")
	asn := &canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-5"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"},
		Packages: 4, Lines: []canonical.ShipmentLine{{OrderNumber: "PO-5", LineNumber: 1, Quantity: canonical.MustDecimal("100"), Unit: "H87"}}}
	if _, err := st.UpsertShipments(t.Context(), "szp-asn", []*canonical.Shipment{asn}); err != nil {
		t.Fatal(err)
	}
	pub := &recordingPub{}
	a := &Actions{Store: st, Pub: pub}
	res, err := a.TransportPlan(t.Context(), ActionCall{OrderNumber: "PO-5", Party: "FWD-KN"},
		TransportPlanRequest{ShipmentID: "ASN-1", Carrier: "maersk", Mode: canonical.TransportSea, TrackingNumbers: []string{"MAEU1234567"},
			ShipDate: canonical.NewDate(2026, 12, 10), EstimatedArrival: canonical.NewDate(2027, 1, 20)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pub.msgs[TopicShipments]); n != 1 {
		t.Fatalf("%d shipments published, want 1", n)
	}
	var sh canonical.Shipment
	if err := json.Unmarshal(pub.msgs[TopicShipments][0].Payload, &sh); err != nil {
		t.Fatal(err)
	}
	if sh.ShipmentID != "ASN-1" || sh.Packages != 4 || len(sh.Lines) != 1 || sh.Carrier != "maersk" ||
		len(sh.TrackingNumbers) != 1 || sh.Source == nil || sh.Source.Partner != "FWD-KN" || sh.Source.Connector != APIConnector {
		t.Errorf("published %+v; want ASN-1 with its packages and line, the forwarder's carrier and tracking number", sh)
	}
	if res.TransportMode != canonical.TransportSea || pub.msgs[TopicShipments][0].Metadata.Get("transport_mode") != "sea" {
		t.Errorf("the mode is %q in the result and %q in the metadata; want sea in both", res.TransportMode, pub.msgs[TopicShipments][0].Metadata.Get("transport_mode"))
	}
}

func TestARequestIsKnownAgainByItsKeyOrByItsBodyAtTheSameOrderVersion(t *testing.T) {
	st := newLedger(t)
	actionOrder(t, st, "100")
	a := &Actions{Store: st, Pub: &recordingPub{}}
	report := ProgressRequest{PercentComplete: new(canonical.MustDecimal("30"))}
	progress := func(key string) string {
		t.Helper()
		res, err := a.Progress(t.Context(), ActionCall{OrderNumber: "PO-5", Party: "SUP-CN-SZP", IdempotencyKey: key}, report)
		if err != nil {
			t.Fatal(err)
		}
		return res.OrderEvent.EventID
	}
	first, keyed := progress(""), progress("k-1")
	if again := progress(""); again != first {
		t.Errorf("the same report at the same version has event id %s, then %s; want one id", first, again)
	}
	actionOrder(t, st, "120") // the buyer amended the order: version 2
	if after := progress(""); after == first {
		t.Errorf("the same report after the order changed has the earlier id %s; want a new report", after)
	}
	if again := progress("k-1"); again != keyed {
		t.Errorf("the same key gave event id %s, then %s; want one id whatever the version", keyed, again)
	}
	if other, err := (&Actions{Store: st, Pub: &recordingPub{}}).Progress(t.Context(),
		ActionCall{OrderNumber: "PO-5", Party: "SUP-OTHER", IdempotencyKey: "k-1"}, report); err != nil || other.OrderEvent.EventID == keyed {
		t.Errorf("another party's key k-1 gave %v, %v; want an id of its own", other.OrderEvent, err)
	}
}

func TestAMilestoneWithoutTrackingNumberIsOfTheOrdersOnlyOne(t *testing.T) {
	st := newLedger(t)
	actionOrder(t, st, "100")
	a := &Actions{Store: st, Pub: &recordingPub{}, Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}
	at := time.Date(2026, 12, 11, 8, 0, 0, 0, time.UTC)
	_, err := a.Milestone(t.Context(), ActionCall{OrderNumber: "PO-5"}, MilestoneRequest{Status: canonical.TrackingPickedUp, OccurredAt: at})
	var ae *ActionError
	if !errors.As(err, &ae) || len(ae.Problems) != 1 || ae.Problems[0].Path != "tracking_number" {
		t.Fatalf("a milestone of an order without shipment: %v; want a problem at tracking_number", err)
	}
	sh := &canonical.Shipment{ShipmentID: "S-1", OrderNumbers: []string{"PO-5"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"},
		Carrier: "maersk", TrackingNumbers: []string{"MAEU1234567"}}
	if _, err := st.UpsertShipments(t.Context(), "szp-asn", []*canonical.Shipment{sh}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Milestone(t.Context(), ActionCall{OrderNumber: "PO-5"}, MilestoneRequest{Status: canonical.TrackingPickedUp, OccurredAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if ev := res.TrackingEvents[0]; ev.TrackingNumber != "MAEU1234567" || ev.Carrier != "maersk" || ev.Source.Partner != APIPartner {
		t.Errorf("the milestone is %+v; want MAEU1234567 by maersk from partner %q", ev, APIPartner)
	}
	if _, err := a.Confirm(t.Context(), ActionCall{OrderNumber: "PO-6"}, ConfirmRequest{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("confirming an order that does not exist: %v; want store.ErrNotFound", err)
	}
}
