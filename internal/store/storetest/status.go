package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// statusMoves: an order's status moves only from the status the caller
// saw, so two writers never overwrite each other's move unnoticed.
func statusMoves(t *testing.T, s Store) {
	ctx := t.Context()
	upsert(t, s, small("ACME", "PO-S1", "SUP"))
	moved, err := s.SetOrderStatus(ctx, "ACME", "PO-S1", store.StatusSubmitted, "confirmed")
	if err != nil || !moved {
		t.Fatalf("submitted → confirmed: moved %v, %v", moved, err)
	}
	if got := get(t, s, "ACME", "PO-S1").Status; got != "confirmed" {
		t.Errorf("status %q, want confirmed", got)
	}
	if moved, err = s.SetOrderStatus(ctx, "ACME", "PO-S1", store.StatusSubmitted, "shipped"); err != nil || moved {
		t.Errorf("a move from a status the order no longer has: moved %v, %v; want nothing written", moved, err)
	}
	if moved, err = s.SetOrderStatus(ctx, "ACME", "PO-404", store.StatusSubmitted, "confirmed"); err != nil || moved {
		t.Errorf("a move of a missing order: moved %v, %v", moved, err)
	}
	if _, err = s.SetOrderStatus(ctx, "ACME", "PO-S1", "confirmed", "Shipped!"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a status that is not a state name: %v, want ErrInvalid", err)
	}
	changed := small("ACME", "PO-S1", "SUP")
	changed.Lines[0].Quantity = canonical.MustDecimal("7")
	wantChanges(t, upsert(t, s, changed), store.ChangeUpdated)
	if got := get(t, s, "ACME", "PO-S1").Status; got != "confirmed" {
		t.Errorf("a content update changed the status to %q", got)
	}
}

// ordersOfTracking: a carrier event's tracking number leads to the orders
// its shipments deliver against.
func ordersOfTracking(t *testing.T, s Store) {
	ctx := t.Context()
	shipments := []*canonical.Shipment{
		{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-2", "PO-1"}, Supplier: canonical.Party{ID: "SUP"}, TrackingNumbers: []string{"1Z001", "1Z002"}},
		{ShipmentID: "ASN-2", OrderNumbers: []string{"PO-1", "PO-3"}, Supplier: canonical.Party{ID: "SUP"}, TrackingNumbers: []string{"1Z003"}},
	}
	if _, err := s.UpsertShipments(ctx, "sup", shipments); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		numbers []string
		want    []string
	}{
		{[]string{"1Z002"}, []string{"PO-1", "PO-2"}},
		{[]string{"1Z001", "1Z003"}, []string{"PO-1", "PO-2", "PO-3"}},
		{[]string{"1Z999"}, nil},
		{nil, nil},
	} {
		got, err := s.OrdersOfTracking(ctx, tc.numbers)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("OrdersOfTracking(%v) = %v, %v; want %v", tc.numbers, got, err, tc.want)
		}
	}
}
