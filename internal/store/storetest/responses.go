package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

func testResponse(order, number string, status canonical.ResponseStatus) *canonical.OrderResponse {
	return &canonical.OrderResponse{
		OrderNumber: order, ResponseNumber: number, ResponseDate: canonical.NewDate(2026, time.February, 20),
		Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SZ-PARTS"}, Status: status,
		Lines: []canonical.OrderResponseLine{{LineNumber: 1, SKU: "A-1", Status: status,
			Quantity: ptr(canonical.MustDecimal("12.500")), DeliveryDate: canonical.NewDate(2026, time.March, 10)}},
		Source: &canonical.Source{Connector: "edi", Partner: "sz-parts", File: "855.x12", Segment: "BAK"},
	}
}

func testOrderEvent(order, id string, typ canonical.OrderEventType, at string) *canonical.OrderEvent {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	return &canonical.OrderEvent{EventID: id, OrderNumber: order, BuyerID: "ACME", Type: typ, OccurredAt: t,
		Actor: "sz-parts", Summary: "production 40%", Data: json.RawMessage(`{"percent_complete":"40"}`),
		Source: &canonical.Source{Connector: "erp_export", Partner: "sz-parts", File: "progress.csv", Line: 2}}
}

func upsertResponses(t *testing.T, s Store, responses ...*canonical.OrderResponse) []store.Change {
	t.Helper()
	c, err := s.UpsertOrderResponses(t.Context(), "sz-parts", responses)
	if err != nil {
		t.Fatalf("UpsertOrderResponses: %v", err)
	}
	return c
}

func responsesOf(t *testing.T, s Store, order string) []store.StoredOrderResponse {
	t.Helper()
	got, err := s.OrderResponses(t.Context(), order)
	if err != nil {
		t.Fatalf("OrderResponses(%s): %v", order, err)
	}
	return got
}

func responseReadBack(t *testing.T, s Store) {
	first := testResponse("PO-1", "RSP-1", canonical.ResponseChanged)
	second := testResponse("PO-1", "RSP-2", canonical.ResponseAccepted)
	second.Source = nil
	wantChanges(t, upsertResponses(t, s, first, second, testResponse("PO-2", "RSP-1", canonical.ResponseRejected)),
		store.ChangeInserted, store.ChangeInserted, store.ChangeInserted)
	got := responsesOf(t, s, "PO-1")
	if len(got) != 2 || got[0].Version != 1 || got[0].Partner != "sz-parts" || got[0].CreatedAt.IsZero() {
		t.Fatalf("responses of PO-1: %+v; want RSP-1 then RSP-2, version 1, from sz-parts", got)
	}
	for i, want := range []*canonical.OrderResponse{first, second} {
		if a, b := jsonString(t, got[i].Response), jsonString(t, want); a != b {
			t.Errorf("response %d read back\n%s\nwant\n%s (lineage kept, or none)", i, a, b)
		}
	}
	if got := responsesOf(t, s, "PO-3"); len(got) != 0 {
		t.Errorf("an order without responses has %+v", got)
	}
}

func responseChanged(t *testing.T, s Store) {
	upsertResponses(t, s, testResponse("PO-1", "RSP-1", canonical.ResponseAccepted))
	again := testResponse("PO-1", "RSP-1", canonical.ResponseAccepted)
	again.Source.File = "855-resent.x12"
	wantChanges(t, upsertResponses(t, s, again), store.ChangeUnchanged)
	changed := testResponse("PO-1", "RSP-1", canonical.ResponseChanged)
	changed.Lines[0].Quantity = ptr(canonical.MustDecimal("10"))
	wantChanges(t, upsertResponses(t, s, changed), store.ChangeUpdated)
	got := responsesOf(t, s, "PO-1")
	if len(got) != 1 || got[0].Version != 2 || got[0].Response.Status != canonical.ResponseChanged ||
		got[0].Response.Lines[0].Quantity.String() != "10" {
		t.Errorf("responses of PO-1: %+v; want RSP-1 version 2, changed, quantity 10", got)
	}
}

func responseRefused(t *testing.T, s Store) {
	bad := testResponse("PO-5", "RSP-BAD", "maybe")
	_, err := s.UpsertOrderResponses(t.Context(), "sz-parts", []*canonical.OrderResponse{testResponse("PO-5", "RSP-OK", canonical.ResponseAccepted), bad})
	var ie *store.InvalidOrderResponseError
	if !errors.As(err, &ie) || ie.Index != 1 || ie.ResponseNumber != "RSP-BAD" || ie.OrderNumber != "PO-5" || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v; want RSP-BAD at index 1 refused as invalid", err)
	}
	if got := responsesOf(t, s, "PO-5"); len(got) != 0 {
		t.Errorf("the good response of the refused batch was stored: %+v", got)
	}
	if _, err := s.UpsertOrderResponses(t.Context(), "sz-parts", []*canonical.OrderResponse{nil}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a nil response: err = %v; want ErrInvalid", err)
	}
}

func addOrderEvents(t *testing.T, s Store, events ...*canonical.OrderEvent) []bool {
	t.Helper()
	added, err := s.AddOrderEvents(t.Context(), "sz-parts", events)
	if err != nil {
		t.Fatalf("AddOrderEvents: %v", err)
	}
	return added
}

func orderEventsOf(t *testing.T, s Store, order string) []store.StoredOrderEvent {
	t.Helper()
	got, err := s.OrderEvents(t.Context(), order)
	if err != nil {
		t.Fatalf("OrderEvents(%s): %v", order, err)
	}
	return got
}

func orderEventTwice(t *testing.T, s Store) {
	e := testOrderEvent("PO-1", "ev-1", canonical.EventProductionProgress, "2026-03-02T09:15:00+08:00")
	if got := addOrderEvents(t, s, e, e); !got[0] || got[1] {
		t.Errorf("added = %v; want the first kept and the repeat not", got)
	}
	if got := addOrderEvents(t, s, e); got[0] {
		t.Error("the event delivered again was added again")
	}
	got := orderEventsOf(t, s, "PO-1")
	if len(got) != 1 || got[0].Partner != "sz-parts" || got[0].ReceivedAt.IsZero() {
		t.Fatalf("events = %+v; want one, from sz-parts, with its receive time", got)
	}
	if a, b := jsonString(t, &got[0].Event), jsonString(t, e); a != b {
		t.Errorf("read back\n%s\nwant\n%s (lineage, data and the offset kept)", a, b)
	}
}

func orderEventsInTimeOrder(t *testing.T, s Store) {
	addOrderEvents(t, s,
		testOrderEvent("PO-1", "ev-3", canonical.EventProductionProgress, "2026-03-05T10:00:00Z"),
		testOrderEvent("PO-2", "ev-9", canonical.EventProductionProgress, "2026-03-03T00:00:00Z"),
		testOrderEvent("PO-1", "ev-1", canonical.EventOrderUpdated, "2026-03-02T09:15:00+08:00"),
	)
	addOrderEvents(t, s, testOrderEvent("PO-1", "ev-2", canonical.EventProductionProgress, "2026-03-03T18:00:00-05:00"))
	var ids []string
	for _, e := range orderEventsOf(t, s, "PO-1") {
		ids = append(ids, e.Event.EventID)
	}
	if fmt.Sprint(ids) != "[ev-1 ev-2 ev-3]" {
		t.Errorf("events = %v; want them by occurred_at (in UTC), the other order's left out", ids)
	}
	if got := orderEventsOf(t, s, "PO-404"); len(got) != 0 {
		t.Errorf("an order without events has %d", len(got))
	}
}

func orderEventRefused(t *testing.T, s Store) {
	noID := testOrderEvent("PO-1", "", canonical.EventProductionProgress, "2026-03-02T09:15:00Z")
	noBuyer := testOrderEvent("PO-1", "ev-2", canonical.EventProductionProgress, "2026-03-02T09:15:00Z")
	noBuyer.BuyerID = ""
	for name, e := range map[string]*canonical.OrderEvent{"without an event id": noID, "without a buyer": noBuyer, "nil": nil} {
		ok := testOrderEvent("PO-1", "ev-ok", canonical.EventProductionProgress, "2026-03-02T09:15:00Z")
		if _, err := s.AddOrderEvents(t.Context(), "sz-parts", []*canonical.OrderEvent{ok, e}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("an event %s: err = %v; want ErrInvalid", name, err)
		}
	}
	if got := orderEventsOf(t, s, "PO-1"); len(got) != 0 {
		t.Errorf("the good event of a refused batch was kept: %+v", got)
	}
}

func concurrentOrderEvents(t *testing.T, s Store) {
	e := testOrderEvent("PO-7", "ev-7", canonical.EventProductionProgress, "2026-03-04T07:00:00Z")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
	)
	for range 8 {
		wg.Go(func() {
			got, err := s.AddOrderEvents(t.Context(), "sz-parts", []*canonical.OrderEvent{e})
			if err != nil {
				t.Errorf("AddOrderEvents: %v", err)
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
	if got := orderEventsOf(t, s, "PO-7"); len(got) != 1 {
		t.Errorf("%d events kept; want 1", len(got))
	}
}
