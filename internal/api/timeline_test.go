package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

type fakeTimeline struct {
	responses []store.StoredOrderResponse
	events    []canonical.OrderEvent // in arrival order
}

func (f *fakeTimeline) OrderResponses(_ context.Context, order string) ([]store.StoredOrderResponse, error) {
	var out []store.StoredOrderResponse
	for _, r := range f.responses {
		if r.Response.OrderNumber == order {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeTimeline) OrderEvents(_ context.Context, order string) ([]store.StoredOrderEvent, error) {
	var out []store.StoredOrderEvent
	for _, e := range f.events {
		if e.OrderNumber == order {
			out = append(out, store.StoredOrderEvent{Event: e})
		}
	}
	return out, nil
}

func march(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// timelineHub serves PO-1, created on 1 March at 10:00 from the buyer's
// ERP export, with the given findings and records.
func timelineHub(findings fakeFindings, tl *fakeTimeline, tr *fakeTracking) http.Handler {
	o := stored("PO-1", "SUP-A", "1")
	o.CreatedAt, o.ContentHash = march(1, 10), "h1"
	o.Order.Source = &canonical.Source{Connector: "erp_export", Partner: "buyer-1", File: "orders.csv", Line: 2}
	cfg := Config{Orders: &fakeOrders{orders: []store.StoredOrder{o}}, Findings: findings, Timeline: tl}
	if tr != nil {
		cfg.Tracking = tr
	}
	return Handler(cfg)
}

func getTimeline(t *testing.T, h http.Handler, order string) (int, OrderTimeline) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/orders/"+order+"/timeline", nil))
	var out OrderTimeline
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Code, out
}

func TestAnOrderTimelineFoldsEveryEventOfEverySourceInTimeOrder(t *testing.T) {
	asn := &canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-1"}, Supplier: canonical.Party{ID: "SUP-A"},
		Carrier: "DHL", TrackingNumbers: []string{"JD1"}, ShipDate: canonical.NewDate(2026, time.March, 5),
		Source: &canonical.Source{Connector: "edi", Partner: "edi-1", File: "asn.x12", Segment: "BSN"}}
	accepted := &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "R1", Supplier: canonical.Party{ID: "SUP-A"},
		Status: canonical.ResponseAccepted, ResponseDate: canonical.NewDate(2026, time.March, 2)}

	t.Run("records that arrived out of order and twice give the right state and a time-ordered timeline", func(t *testing.T) {
		progress := canonical.OrderEvent{EventID: "p1", OrderNumber: "PO-1", BuyerID: "ACME", Type: canonical.EventProductionProgress,
			OccurredAt: march(3, 12), Actor: "sup-a-portal", Summary: "production 40%"}
		// The carrier's events: the delivery first, and twice.
		f := &fakeTracking{shipments: []*canonical.Shipment{asn}, events: []canonical.TrackingEvent{
			{EventID: "e3", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingDelivered, OccurredAt: march(8, 14)},
			{EventID: "e1", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingPickedUp, OccurredAt: march(5, 9)},
			{EventID: "e2", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingInTransit, OccurredAt: march(6, 3)},
			{EventID: "e3", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingDelivered, OccurredAt: march(8, 14)},
		}}
		h := timelineHub(
			fakeFindings{"PO-1": {ContentHash: "h1", UpdatedAt: march(1, 10).Add(time.Second)}},
			&fakeTimeline{responses: []store.StoredOrderResponse{{Response: accepted, CreatedAt: march(2, 15)}},
				events: []canonical.OrderEvent{progress, progress}},
			f)
		code, tl := getTimeline(t, h, "PO-1")
		if code != http.StatusOK || tl.State != lifecycle.StateDelivered || !tl.Since.Equal(march(8, 14)) {
			t.Fatalf("%d: state %q since %v; want delivered since the carrier's delivery", code, tl.State, tl.Since)
		}
		type step struct {
			kind     lifecycle.Kind
			tracking canonical.TrackingStatus
			outcome  lifecycle.Outcome
			to       lifecycle.State
		}
		want := []step{
			{lifecycle.KindOrderCreated, "", lifecycle.Moved, lifecycle.StateSubmitted},
			{lifecycle.KindValidationPassed, "", lifecycle.Implied, lifecycle.StateSubmitted},
			{lifecycle.KindResponseAccepted, "", lifecycle.Moved, lifecycle.StateConfirmed},
			{lifecycle.KindProductionProgress, "", lifecycle.Moved, lifecycle.StateInProduction},
			{lifecycle.KindShipmentCreated, "", lifecycle.Moved, lifecycle.StateShipped},
			{lifecycle.KindTracking, canonical.TrackingPickedUp, lifecycle.Moved, lifecycle.StateInTransit},
			{lifecycle.KindTracking, canonical.TrackingInTransit, lifecycle.Implied, lifecycle.StateInTransit},
			{lifecycle.KindTracking, canonical.TrackingDelivered, lifecycle.Moved, lifecycle.StateDelivered},
		}
		if len(tl.Entries) != len(want) {
			t.Fatalf("%d entries; want %d (the repeats once): %+v", len(tl.Entries), len(want), tl.Entries)
		}
		for i, w := range want {
			e := tl.Entries[i]
			if e.Kind != w.kind || e.Tracking != w.tracking || e.Outcome != w.outcome || e.To != w.to {
				t.Errorf("entry %d = %s %s %s → %s; want %s %s %s → %s", i, e.Kind, e.Tracking, e.Outcome, e.To, w.kind, w.tracking, w.outcome, w.to)
			}
			if i > 0 && e.OccurredAt.Before(tl.Entries[i-1].OccurredAt) {
				t.Errorf("entry %d (%s at %v) is before entry %d", i, e.Kind, e.OccurredAt, i-1)
			}
		}
		created, shipped, progressed := tl.Entries[0], tl.Entries[4], tl.Entries[3]
		if created.Source.File != "orders.csv" || created.Actor.PartyID != "ACME" || !created.OccurredAt.Equal(march(1, 10)) {
			t.Errorf("created = %+v; want at created_at, from orders.csv, by the buyer", created)
		}
		if shipped.Source.File != "asn.x12" || shipped.Actor.PartyID != "SUP-A" || !shipped.OccurredAt.Equal(march(5, 0)) {
			t.Errorf("shipped = %+v; want at the ship date, from asn.x12, by the supplier", shipped)
		}
		if progressed.Actor.User != "sup-a-portal" || progressed.Summary != "production 40%" {
			t.Errorf("production progress = %+v; want its actor and summary", progressed)
		}
	})

	t.Run("a refused event shows why and later legal events still apply", func(t *testing.T) {
		cancelled := canonical.OrderEvent{EventID: "c1", OrderNumber: "PO-1", BuyerID: "ACME", Type: "cancelled", OccurredAt: march(4, 9)}
		corrected := canonical.OrderEvent{EventID: "v2", OrderNumber: "PO-1", BuyerID: "ACME", Type: "validation_passed", OccurredAt: march(3, 9)}
		h := timelineHub(
			fakeFindings{"PO-1": {ContentHash: "h1", Errors: 2, UpdatedAt: march(1, 10).Add(time.Second)}},
			&fakeTimeline{events: []canonical.OrderEvent{cancelled, corrected}},
			&fakeTracking{shipments: []*canonical.Shipment{asn}})
		code, tl := getTimeline(t, h, "PO-1")
		if code != http.StatusOK || tl.State != lifecycle.StateCancelled {
			t.Fatalf("%d: state %q; want cancelled (%+v)", code, tl.State, tl.Entries)
		}
		var refused []TimelineEntry
		for _, e := range tl.Entries {
			if e.Outcome == lifecycle.Refused {
				refused = append(refused, e)
			}
		}
		// Held for review on 1 March, corrected on 3 March, cancelled on 4
		// March: the ASN of 5 March comes after the cancellation.
		if len(refused) != 1 || refused[0].Kind != lifecycle.KindShipmentCreated || refused[0].From != lifecycle.StateCancelled ||
			refused[0].Reason != "an order cannot go from cancelled to shipped: cancelled is final" {
			t.Errorf("refused = %+v; want the shipment after the cancellation, with its reason", refused)
		}
	})

	t.Run("a response dated the day the order arrived comes after the order", func(t *testing.T) {
		sameDay := *accepted
		sameDay.ResponseDate = canonical.NewDate(2026, time.March, 1)
		h := timelineHub(nil, &fakeTimeline{responses: []store.StoredOrderResponse{{Response: &sameDay}}}, nil)
		_, tl := getTimeline(t, h, "PO-1")
		if tl.State != lifecycle.StateConfirmed || len(tl.Entries) != 2 || !tl.Entries[1].OccurredAt.Equal(march(1, 10)) {
			t.Errorf("state %q, entries %+v; want confirmed by the response, placed at the order's arrival", tl.State, tl.Entries)
		}
	})

	t.Run("the timeline of an unknown order is 404", func(t *testing.T) {
		if code, _ := getTimeline(t, timelineHub(nil, &fakeTimeline{}, &fakeTracking{}), "PO-404"); code != http.StatusNotFound {
			t.Errorf("status %d; want 404", code)
		}
	})
}
