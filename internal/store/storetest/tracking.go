package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

func testShipment(id string, orders []string, tracking ...string) *canonical.Shipment {
	return &canonical.Shipment{
		ShipmentID: id, OrderNumbers: orders,
		Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SZ-PARTS"},
		ShipDate: canonical.NewDate(2026, time.March, 2), Carrier: "DHL", TrackingNumbers: tracking, Packages: 3,
		Lines: []canonical.ShipmentLine{{OrderNumber: orders[0], LineNumber: 1, SKU: "A-1",
			Quantity: canonical.MustDecimal("12.500"), Unit: "KGM"}},
		Source: &canonical.Source{Connector: "edi", Partner: "sz-parts", File: "asn.x12", Line: 4},
	}
}

func testEvent(number, id string, status canonical.TrackingStatus, at string) *canonical.TrackingEvent {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	return &canonical.TrackingEvent{EventID: id, TrackingNumber: number, Carrier: "DHL", Status: status,
		CarrierStatus: "code-" + string(status), OccurredAt: t}
}

func upsertShipments(t *testing.T, s Store, shipments ...*canonical.Shipment) []store.Change {
	t.Helper()
	c, err := s.UpsertShipments(t.Context(), "sz-parts", shipments)
	if err != nil {
		t.Fatalf("UpsertShipments: %v", err)
	}
	return c
}

func shipmentsOf(t *testing.T, s Store, order string) []store.StoredShipment {
	t.Helper()
	got, err := s.ShipmentsOfOrder(t.Context(), order)
	if err != nil {
		t.Fatalf("ShipmentsOfOrder(%s): %v", order, err)
	}
	return got
}

func shipmentReadBack(t *testing.T, s Store) {
	sh := testShipment("ASN-1", []string{"PO-1", "PO-2"}, "JD0001", "JD0002")
	wantChanges(t, upsertShipments(t, s, sh), store.ChangeInserted)
	for _, order := range []string{"PO-1", "PO-2"} {
		got := shipmentsOf(t, s, order)
		if len(got) != 1 || got[0].Version != 1 || got[0].Partner != "sz-parts" {
			t.Fatalf("shipments of %s: %+v; want ASN-1 version 1", order, got)
		}
		if a, b := jsonString(t, got[0].Shipment), jsonString(t, sh); a != b {
			t.Errorf("read back\n%s\nwant\n%s", a, b)
		}
	}
	if got := shipmentsOf(t, s, "PO-3"); len(got) != 0 {
		t.Errorf("an order the shipment does not name has shipments %+v", got)
	}
}

func shipmentChanged(t *testing.T, s Store) {
	sh := testShipment("ASN-2", []string{"PO-1"}, "JD0001")
	upsertShipments(t, s, sh)
	again := testShipment("ASN-2", []string{"PO-1"}, "JD0001")
	again.Source.File = "asn-resent.x12"
	wantChanges(t, upsertShipments(t, s, again), store.ChangeUnchanged)
	moved := testShipment("ASN-2", []string{"PO-9"}, "JD0009")
	moved.Lines[0].OrderNumber = "PO-9"
	wantChanges(t, upsertShipments(t, s, moved), store.ChangeUpdated)
	if got := shipmentsOf(t, s, "PO-1"); len(got) != 0 {
		t.Errorf("PO-1 still linked after the shipment moved to PO-9: %+v", got)
	}
	got := shipmentsOf(t, s, "PO-9")
	if len(got) != 1 || got[0].Version != 2 || len(got[0].Shipment.TrackingNumbers) != 1 || got[0].Shipment.TrackingNumbers[0] != "JD0009" {
		t.Errorf("shipments of PO-9: %+v; want ASN-2 version 2 with tracking JD0009", got)
	}
}

func shipmentRefused(t *testing.T, s Store) {
	bad := testShipment("ASN-BAD", []string{"PO-1"})
	bad.OrderNumbers = nil
	_, err := s.UpsertShipments(t.Context(), "sz-parts", []*canonical.Shipment{testShipment("ASN-OK", []string{"PO-5"}), bad})
	var ie *store.InvalidShipmentError
	if !errors.As(err, &ie) || ie.Index != 1 || ie.ShipmentID != "ASN-BAD" || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v; want ASN-BAD at index 1 refused as invalid", err)
	}
	if got := shipmentsOf(t, s, "PO-5"); len(got) != 0 {
		t.Errorf("the good shipment of the refused batch was stored: %+v", got)
	}
}

func addEvents(t *testing.T, s Store, events ...*canonical.TrackingEvent) []bool {
	t.Helper()
	added, err := s.AddTrackingEvents(t.Context(), "dhl", events)
	if err != nil {
		t.Fatalf("AddTrackingEvents: %v", err)
	}
	return added
}

func eventsOf(t *testing.T, s Store, numbers ...string) []store.StoredTrackingEvent {
	t.Helper()
	got, err := s.TrackingEvents(t.Context(), numbers)
	if err != nil {
		t.Fatalf("TrackingEvents: %v", err)
	}
	return got
}

func trackingEventTwice(t *testing.T, s Store) {
	e := testEvent("JD0001", "ev-1", canonical.TrackingPickedUp, "2026-03-02T09:15:00+08:00")
	if got := addEvents(t, s, e, e); !got[0] || got[1] {
		t.Errorf("added = %v; want the first kept and the repeat not", got)
	}
	if got := addEvents(t, s, e); got[0] {
		t.Error("the event delivered again was added again")
	}
	got := eventsOf(t, s, "JD0001")
	if len(got) != 1 || got[0].Partner != "dhl" || got[0].ReceivedAt.IsZero() {
		t.Fatalf("events = %+v; want one, from dhl, with its receive time", got)
	}
	if a, b := jsonString(t, &got[0].Event), jsonString(t, e); a != b {
		t.Errorf("read back\n%s\nwant\n%s (the carrier's offset kept)", a, b)
	}
}

func trackingEventsInTimeOrder(t *testing.T, s Store) {
	addEvents(t, s,
		testEvent("JD0001", "ev-3", canonical.TrackingDelivered, "2026-03-05T10:00:00Z"),
		testEvent("JD0002", "ev-9", canonical.TrackingInTransit, "2026-03-03T00:00:00Z"),
		testEvent("JD0001", "ev-1", canonical.TrackingPickedUp, "2026-03-02T09:15:00+08:00"),
		testEvent("OTHER", "ev-1", canonical.TrackingPickedUp, "2026-03-01T00:00:00Z"),
	)
	addEvents(t, s, testEvent("JD0001", "ev-2", canonical.TrackingInTransit, "2026-03-03T18:00:00-05:00"))
	var ids []string
	for _, e := range eventsOf(t, s, "JD0001", "JD0002") {
		ids = append(ids, e.Event.TrackingNumber+"/"+e.Event.EventID)
	}
	if fmt.Sprint(ids) != "[JD0001/ev-1 JD0002/ev-9 JD0001/ev-2 JD0001/ev-3]" {
		t.Errorf("events = %v; want them by occurred_at (in UTC), other numbers left out", ids)
	}
	if got := eventsOf(t, s); len(got) != 0 {
		t.Errorf("no tracking numbers gave %d events", len(got))
	}
}

func trackingEventWithoutID(t *testing.T, s Store) {
	e := testEvent("JD0001", "", canonical.TrackingPickedUp, "2026-03-02T09:15:00Z")
	if _, err := s.AddTrackingEvents(t.Context(), "dhl", []*canonical.TrackingEvent{e}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("err = %v; want ErrInvalid", err)
	}
}

func concurrentTrackingEvents(t *testing.T, s Store) {
	e := testEvent("JD0007", "ev-7", canonical.TrackingOutForDelivery, "2026-03-04T07:00:00Z")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
	)
	for range 8 {
		wg.Go(func() {
			got, err := s.AddTrackingEvents(t.Context(), "dhl", []*canonical.TrackingEvent{e})
			if err != nil {
				t.Errorf("AddTrackingEvents: %v", err)
				return
			}
			if got[0] {
				mu.Lock()
				added++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if added != 1 {
		t.Errorf("%d callers report the event added; want exactly 1", added)
	}
	if got := eventsOf(t, s, "JD0007"); len(got) != 1 {
		t.Errorf("%d events kept; want 1", len(got))
	}
}

func trackedNumbers(t *testing.T, s Store) {
	upsertShipments(t, s, testShipment("ASN-1", []string{"PO-1"}, "JD0001", "JD0002"))
	ups := testShipment("ASN-2", []string{"PO-2"}, "1Z999")
	ups.Carrier = "UPS"
	upsertShipments(t, s, ups)
	addEvents(t, s,
		testEvent("JD0001", "a", canonical.TrackingInTransit, "2026-03-03T10:00:00Z"),
		testEvent("JD0001", "b", canonical.TrackingPickedUp, "2026-03-02T10:00:00Z"),
		testEvent("NOSHIP", "c", canonical.TrackingPickedUp, "2026-03-02T10:00:00Z"))
	got, err := s.TrackedNumbers(t.Context(), "dhl")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.TrackedNumber{
		{Number: "JD0001", Status: canonical.TrackingInTransit, ChangedAt: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)},
		{Number: "JD0002"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DHL numbers = %v; want %v (the latest event's status, UPS and unshipped numbers left out)", got, want)
	}
	all, err := s.TrackedNumbers(t.Context(), "")
	if err != nil || len(all) != 3 {
		t.Errorf("all numbers = %v, %v; want the 3 numbers of both shipments", all, err)
	}
}
