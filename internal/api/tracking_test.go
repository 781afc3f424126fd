package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/store"
)

type fakeTracking struct {
	shipments []*canonical.Shipment
	events    []canonical.TrackingEvent // in arrival order
}

func (f *fakeTracking) ShipmentsOfOrder(_ context.Context, order string) ([]store.StoredShipment, error) {
	var out []store.StoredShipment
	for _, s := range f.shipments {
		if slices.Contains(s.OrderNumbers, order) {
			out = append(out, store.StoredShipment{Shipment: s, Version: 1})
		}
	}
	return out, nil
}

func (f *fakeTracking) TrackingEvents(_ context.Context, numbers []string) ([]store.StoredTrackingEvent, error) {
	var out []store.StoredTrackingEvent
	for _, e := range f.events {
		if slices.Contains(numbers, e.TrackingNumber) {
			out = append(out, store.StoredTrackingEvent{Event: e})
		}
	}
	return out, nil
}

func event(number, id string, status canonical.TrackingStatus, hour int) canonical.TrackingEvent {
	return canonical.TrackingEvent{EventID: id, TrackingNumber: number, Carrier: "DHL", Status: status,
		OccurredAt: time.Date(2026, 3, 2, hour, 0, 0, 0, time.UTC)}
}

func orderTracking(t *testing.T, f *fakeTracking, order string) (int, OrderTracking) {
	t.Helper()
	h := Handler(Config{Orders: &fakeOrders{orders: []store.StoredOrder{stored("PO-1", "SUP-A", "1"), stored("PO-2", "SUP-A", "1")}}, Tracking: f})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/orders/"+order, nil))
	var o struct {
		Tracking *OrderTracking `json:"tracking"`
	}
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if o.Tracking == nil {
			t.Fatalf("GET /orders/%s has no tracking: %s", order, rec.Body)
		}
		return rec.Code, *o.Tracking
	}
	return rec.Code, OrderTracking{}
}

func TestAnOrderShowsWhereItsShipmentsAre(t *testing.T) {
	asn1 := &canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-1"}, Carrier: "DHL", TrackingNumbers: []string{"JD1"}}
	asn2 := &canonical.Shipment{ShipmentID: "ASN-2", OrderNumbers: []string{"PO-1"}, Carrier: "DHL", TrackingNumbers: []string{"JD2"}}

	t.Run("events that arrived out of order and twice give the latest status, each once", func(t *testing.T) {
		f := &fakeTracking{shipments: []*canonical.Shipment{asn1}, events: []canonical.TrackingEvent{
			event("JD1", "e3", canonical.TrackingDelivered, 15),
			event("JD1", "e1", canonical.TrackingPickedUp, 9),
			event("JD1", "e2", canonical.TrackingOutForDelivery, 12),
			event("JD1", "e3", canonical.TrackingDelivered, 15),
		}}
		code, tr := orderTracking(t, f, "PO-1")
		if code != 200 || tr.Status != canonical.TrackingDelivered || len(tr.Shipments) != 1 {
			t.Fatalf("%d %+v; want delivered", code, tr)
		}
		var ids []string
		for _, e := range tr.Shipments[0].Events {
			ids = append(ids, e.EventID)
		}
		if !slices.Equal(ids, []string{"e1", "e2", "e3"}) {
			t.Errorf("events %v; want e1 e2 e3 by the time they happened", ids)
		}
		if tr.UpdatedAt == nil || tr.UpdatedAt.Hour() != 15 {
			t.Errorf("updated_at = %v; want the delivery time", tr.UpdatedAt)
		}
	})
	t.Run("an order is delivered only when every shipment is", func(t *testing.T) {
		f := &fakeTracking{shipments: []*canonical.Shipment{asn1, asn2}, events: []canonical.TrackingEvent{
			event("JD1", "a", canonical.TrackingDelivered, 15), event("JD2", "b", canonical.TrackingInTransit, 10),
		}}
		if _, tr := orderTracking(t, f, "PO-1"); tr.Status != canonical.TrackingInTransit {
			t.Errorf("status %q; want in_transit (ASN-2 still travels)", tr.Status)
		}
	})
	t.Run("a customs hold on one shipment is the order's status", func(t *testing.T) {
		f := &fakeTracking{shipments: []*canonical.Shipment{asn1, asn2}, events: []canonical.TrackingEvent{
			event("JD1", "a", canonical.TrackingInTransit, 8), event("JD2", "b", canonical.TrackingCustomsHold, 10),
		}}
		if _, tr := orderTracking(t, f, "PO-1"); tr.Status != canonical.TrackingCustomsHold {
			t.Errorf("status %q; want customs_hold", tr.Status)
		}
	})
	t.Run("an order without shipments has an empty tracking and no status", func(t *testing.T) {
		code, tr := orderTracking(t, &fakeTracking{}, "PO-2")
		if code != 200 || tr.Status != "" || len(tr.Shipments) != 0 {
			t.Errorf("%d %+v; want no status, no shipments", code, tr)
		}
	})
	t.Run("the tracking of an unknown order is 404", func(t *testing.T) {
		h := Handler(Config{Orders: &fakeOrders{}, Tracking: &fakeTracking{}})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/orders/PO-404/tracking", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("status %d; want 404", rec.Code)
		}
	})
}

type fakeFindings map[string]*store.OrderFindings

func (f fakeFindings) GetFindings(_ context.Context, _, number string) (*store.OrderFindings, error) {
	if x, ok := f[number]; ok {
		return x, nil
	}
	return nil, store.ErrNotFound
}

func TestAnOrderShowsTheFindingsOfItsCurrentContentOnly(t *testing.T) {
	current, stale := stored("PO-1", "SUP-A", "12.50"), stored("PO-2", "SUP-A", "3")
	current.ContentHash, stale.ContentHash = "h1", "h2-new"
	findings := `[{"rule_id":"price_list","severity":"error","path":"lines[0].unit_price","message":"25% over"}]`
	h := Handler(Config{Orders: &fakeOrders{orders: []store.StoredOrder{current, stale}}, Findings: fakeFindings{
		"PO-1": {ContentHash: "h1", Errors: 1, Findings: []byte(findings)},
		"PO-2": {ContentHash: "h2-old", Errors: 1, Findings: []byte(findings)},
	}})
	for _, tt := range []struct {
		order string
		want  bool
	}{{"PO-1", true}, {"PO-2", false}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/orders/"+tt.order, nil))
		var o struct {
			Findings []map[string]string `json:"findings"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if got := len(o.Findings) == 1 && o.Findings[0]["rule_id"] == "price_list"; got != tt.want {
			t.Errorf("%s findings %v; want shown %v (findings of an older content are not the order's)", tt.order, o.Findings, tt.want)
		}
	}
}

type fakePlanner struct {
	lines  []ordering.DemandLine
	create bool
}

func (f *fakePlanner) PlanDemand(_ context.Context, lines []ordering.DemandLine, create bool) (ordering.Plan, error) {
	f.lines, f.create = lines, create
	return ordering.Plan{Orders: []canonical.Order{{OrderNumber: "PO-NEW-1"}}}, nil
}

func TestDemandIsPlannedFromJSONOrCSVAndCreatedUnlessADryRun(t *testing.T) {
	post := func(h http.Handler, path, ct, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		h.ServeHTTP(rec, req)
		return rec
	}
	p := &fakePlanner{}
	h := Handler(Config{Orders: &fakeOrders{}, Demand: p})
	rec := post(h, "/api/v1/demand?dry_run=true", "application/json",
		`{"lines":[{"buyer_sku":"100-4711","quantity":"30","need_by":"2026-06-30"}]}`)
	if rec.Code != http.StatusOK || p.create || len(p.lines) != 1 || p.lines[0].Quantity.String() != "30" {
		t.Errorf("dry run: %d, create=%v, lines %+v; want 200 and a plan only", rec.Code, p.create, p.lines)
	}
	rec = post(h, "/api/v1/demand", "text/csv", "buyer_sku,quantity,need_by\n100-4711,30,2026-06-30\n100-4712,x,2026-06-30\n")
	var resp DemandResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusCreated || !p.create || len(p.lines) != 1 || len(resp.RowErrors) != 1 || resp.RowErrors[0].Line != 3 {
		t.Errorf("CSV: %d, create=%v, %d lines, row errors %+v; want 201, the good line planned, line 3 reported", rec.Code, p.create, len(p.lines), resp.RowErrors)
	}
	for _, tt := range []struct{ ct, body string }{
		{"application/json", `{"lines":[{"buyer_skus":"x"}]}`},
		{"application/json", `{"lines":[]}`},
		{"application/xml", `<demand/>`},
	} {
		if rec := post(h, "/api/v1/demand", tt.ct, tt.body); rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%s %s: %d; want a 4xx", tt.ct, tt.body, rec.Code)
		}
	}
}
