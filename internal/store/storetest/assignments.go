package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/internal/store"
)

func assign(t *testing.T, s Store, buyer, number, party, role string) store.Assignment {
	t.Helper()
	a, err := s.AddAssignment(t.Context(), store.Assignment{BuyerID: buyer, OrderNumber: number, PartyID: party, Role: role, By: "u-buyer"})
	if err != nil {
		t.Fatalf("AddAssignment(%s, %s, %s, %s): %v", buyer, number, party, role, err)
	}
	return a
}

// assignmentReadBack: an assignment reads back as made, assigning again
// changes nothing, and taking it back leaves the order unassigned.
func assignmentReadBack(t *testing.T, s Store) {
	ctx := t.Context()
	first := assign(t, s, "ACME", "PO-A1", "FWD-1", store.AssignLogistics)
	if first.PartyID != "FWD-1" || first.Role != store.AssignLogistics || first.By != "u-buyer" || first.CreatedAt.IsZero() {
		t.Errorf("kept %+v", first)
	}
	again, err := s.AddAssignment(ctx, store.Assignment{BuyerID: "ACME", OrderNumber: "PO-A1", PartyID: "FWD-1", Role: store.AssignLogistics, By: "someone-else"})
	if err != nil || again.By != "u-buyer" || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("assigning again: %+v, %v; want the first assignment unchanged", again, err)
	}
	assign(t, s, "ACME", "PO-A1", "BRK-1", store.AssignCustoms)
	assign(t, s, "ACME", "PO-A2", "FWD-1", store.AssignLogistics)
	got, err := s.ListAssignments(ctx, "ACME", "PO-A1")
	if err != nil {
		t.Fatal(err)
	}
	var parties []string
	for _, a := range got {
		parties = append(parties, a.Role+":"+a.PartyID)
	}
	if want := []string{"customs:BRK-1", "logistics:FWD-1"}; !slices.Equal(parties, want) {
		t.Errorf("assignments of PO-A1: %v, want %v", parties, want)
	}
	of, err := s.AssignmentsOf(ctx, "FWD-1")
	if err != nil || len(of) != 2 || of[0].OrderNumber != "PO-A1" || of[1].OrderNumber != "PO-A2" {
		t.Errorf("AssignmentsOf(FWD-1) = %+v, %v; want PO-A1 and PO-A2", of, err)
	}
	for _, tc := range []struct {
		buyer, number, party string
		want                 bool
	}{
		{"ACME", "PO-A1", "FWD-1", true},
		{"ACME", "PO-A1", "BRK-1", true},
		{"ACME", "PO-A2", "BRK-1", false},
		{"OTHER", "PO-A1", "FWD-1", false},
	} {
		if ok, err := s.IsAssigned(ctx, tc.buyer, tc.number, tc.party); err != nil || ok != tc.want {
			t.Errorf("IsAssigned(%s, %s, %s) = %v, %v; want %v", tc.buyer, tc.number, tc.party, ok, err, tc.want)
		}
	}
	if err := s.RemoveAssignment(ctx, "ACME", "PO-A1", "FWD-1", store.AssignLogistics); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.IsAssigned(ctx, "ACME", "PO-A1", "FWD-1"); err != nil || ok {
		t.Errorf("after removal FWD-1 is still assigned: %v, %v", ok, err)
	}
	if err := s.RemoveAssignment(ctx, "ACME", "PO-A1", "FWD-1", store.AssignLogistics); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing it twice: %v, want ErrNotFound", err)
	}
	if none, err := s.ListAssignments(ctx, "ACME", "PO-404"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("assignments of an order without any: %v, %v; want an empty list", none, err)
	}
}

// assignmentRefused: an assignment without a party or with another role
// is refused as invalid and nothing is kept.
func assignmentRefused(t *testing.T, s Store) {
	ctx := t.Context()
	for _, a := range []store.Assignment{
		{BuyerID: "ACME", OrderNumber: "PO-A1", Role: store.AssignLogistics},
		{BuyerID: "ACME", OrderNumber: "PO-A1", PartyID: "FWD-1", Role: "supplier"},
		{OrderNumber: "PO-A1", PartyID: "FWD-1", Role: store.AssignCustoms},
	} {
		if _, err := s.AddAssignment(ctx, a); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddAssignment(%+v): %v, want ErrInvalid", a, err)
		}
	}
	if got, err := s.ListAssignments(ctx, "ACME", "PO-A1"); err != nil || len(got) != 0 {
		t.Errorf("kept %v, %v after refusals", got, err)
	}
}

// listByParty: a party's list holds the orders it buys, supplies, is
// assigned to or carries a shipment of, and pages like any list.
func listByParty(t *testing.T, s Store) {
	ctx := t.Context()
	upsert(t, s, small("B1", "PO-P1", "S1"), small("B2", "PO-P2", "S2"), small("B2", "PO-P3", "S2"), small("B2", "PO-P4", "S2"))
	assign(t, s, "B2", "PO-P2", "FWD-1", store.AssignLogistics)
	assign(t, s, "B2", "PO-P3", "S1", store.AssignCustoms) // a party on two sides of two orders
	sh := testShipment("ASN-P", []string{"PO-P4"})
	sh.Carrier = "FWD-1"
	upsertShipments(t, s, sh)
	numbers := func(f store.OrderFilter) []string {
		t.Helper()
		var out []string
		for {
			page, next, err := s.ListOrders(ctx, f)
			if err != nil {
				t.Fatalf("ListOrders(%+v): %v", f, err)
			}
			for _, o := range page {
				out = append(out, o.Order.OrderNumber)
			}
			if next == "" {
				return out
			}
			f.Cursor = next
		}
	}
	for _, tc := range []struct {
		f    store.OrderFilter
		want []string
	}{
		{store.OrderFilter{Party: "B1"}, []string{"PO-P1"}},
		{store.OrderFilter{Party: "S2", Limit: 1}, []string{"PO-P4", "PO-P3", "PO-P2"}},
		{store.OrderFilter{Party: "FWD-1", Limit: 1}, []string{"PO-P4", "PO-P2"}},
		{store.OrderFilter{Party: "S1"}, []string{"PO-P3", "PO-P1"}},
		{store.OrderFilter{Party: "S1", BuyerID: "B1"}, []string{"PO-P1"}},
		{store.OrderFilter{Party: "NOBODY"}, nil},
		{store.OrderFilter{Party: "S1", OrderNumber: "PO-P3"}, []string{"PO-P3"}},
		{store.OrderFilter{Party: "S1", OrderNumber: "PO-P2"}, nil},
		{store.OrderFilter{OrderNumber: "PO-P2"}, []string{"PO-P2"}},
	} {
		if got := numbers(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("ListOrders(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
	// Another buyer's order of the same number is that buyer's party's.
	upsert(t, s, small("B9", "PO-P2", "S9"))
	got, _, err := s.ListOrders(ctx, store.OrderFilter{Party: "S9", OrderNumber: "PO-P2"})
	if err != nil || len(got) != 1 || got[0].Order.Buyer.ID != "B9" {
		t.Errorf("S9's PO-P2: %v, %v; want B9's order alone", got, err)
	}
	if both := numbers(store.OrderFilter{OrderNumber: "PO-P2"}); len(both) != 2 {
		t.Errorf("PO-P2 of every buyer: %v; want B2's and B9's", both)
	}
}
