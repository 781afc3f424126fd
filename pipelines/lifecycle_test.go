package pipelines

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

func payloadMessage(t *testing.T, v any) *message.Message {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	m := message.NewMessage(watermill.NewUUID(), b)
	m.SetContext(t.Context())
	return m
}

func statusOf(t *testing.T, st *sqlite.Store, number string) string {
	t.Helper()
	o, err := st.GetOrder(t.Context(), "ACME-DE", number)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

func TestAnOrdersStatusFollowsItsSupplierShipmentAndCarrier(t *testing.T) {
	st := newLedger(t)
	o := &canonical.Order{OrderNumber: "4500012345", OrderDate: canonical.NewDate(2026, 3, 2),
		Buyer: canonical.Party{ID: "ACME-DE"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"}, Currency: "USD",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SZP-SRV-750B", Quantity: canonical.MustDecimal("100"), Unit: "H87", UnitPrice: canonical.MustDecimal("186.40")}}}
	if _, err := st.UpsertOrders(t.Context(), []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
	ps := newPubSub(t)
	events, err := ps.Subscribe(t.Context(), TopicOrderEvents)
	if err != nil {
		t.Fatal(err)
	}
	proj := &StatusProjector{Store: st, Readers: RecordReaders{Findings: st, Responses: st, Shipments: st}, Pub: ps}
	responses := &OrderResponseSink{W: st, Status: proj}
	shipments := &ShipmentSink{W: st, Status: proj}
	tracking := NewTrackingSink(st, StoreSinkConfig{BatchSize: 1, Linger: time.Millisecond}, nil, nil)
	tracking.Status = proj
	go func() { _ = tracking.Run(t.Context()) }()

	accepted := canonical.OrderResponse{OrderNumber: "4500012345", ResponseNumber: "OC-1", ResponseDate: canonical.NewDate(2026, 3, 3),
		Buyer: canonical.Party{ID: "ACME-DE"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"}, Status: canonical.ResponseAccepted}
	for range 2 { // the second delivery finds the status moved already
		if err := responses.Handle(payloadMessage(t, accepted)); err != nil {
			t.Fatal(err)
		}
	}
	if got := statusOf(t, st, "4500012345"); got != "confirmed" {
		t.Fatalf("after the supplier's acceptance the order is %q, want confirmed", got)
	}
	var change StatusChange
	if err := json.Unmarshal(drain(t, events, 1)[0].Payload, &struct {
		Type string        `json:"type"`
		Data *StatusChange `json:"data"`
	}{Data: &change}); err != nil || change != (StatusChange{From: "submitted", To: "confirmed"}) {
		t.Errorf("status event %+v, %v; want submitted → confirmed", change, err)
	}

	asn := canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"4500012345"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"},
		ShipDate: canonical.NewDate(2026, 3, 20), TrackingNumbers: []string{"MAEU1234567"}}
	if err := shipments.Handle(payloadMessage(t, asn)); err != nil {
		t.Fatal(err)
	}
	if got := statusOf(t, st, "4500012345"); got != "shipped" {
		t.Fatalf("after the ASN the order is %q, want shipped", got)
	}
	departed := canonical.TrackingEvent{EventID: "ev-1", TrackingNumber: "MAEU1234567", Carrier: "maersk",
		Status: canonical.TrackingDepartedOrigin, OccurredAt: time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC)}
	if err := tracking.Handle(payloadMessage(t, departed)); err != nil {
		t.Fatal(err)
	}
	if got := statusOf(t, st, "4500012345"); got != "in_transit" {
		t.Fatalf("after the vessel departed the order is %q, want in_transit", got)
	}
	// A carrier event that happened before, arriving late, does not move the order back.
	pickedUp := departed
	pickedUp.EventID, pickedUp.Status, pickedUp.OccurredAt = "ev-0", canonical.TrackingPickedUp, departed.OccurredAt.Add(-24*time.Hour)
	if err := tracking.Handle(payloadMessage(t, pickedUp)); err != nil {
		t.Fatal(err)
	}
	if got := statusOf(t, st, "4500012345"); got != "in_transit" {
		t.Errorf("a late, earlier carrier event moved the order to %q", got)
	}
	if n := len(drain(t, events, 2)); n != 2 {
		t.Errorf("%d more status events, want shipped and in_transit", n)
	}
	select {
	case m := <-events:
		t.Errorf("an extra status event: %s", m.Payload)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAResponseBeforeItsOrderChangesNothing(t *testing.T) {
	st := newLedger(t)
	proj := &StatusProjector{Store: st, Readers: RecordReaders{Responses: st, Shipments: st}}
	sink := &OrderResponseSink{W: st, Status: proj}
	early := canonical.OrderResponse{OrderNumber: "PO-LATE", Buyer: canonical.Party{ID: "ACME-DE"}, Status: canonical.ResponseAccepted}
	if err := sink.Handle(payloadMessage(t, early)); err != nil {
		t.Fatalf("a response to an order not stored yet: %v", err)
	}
}
