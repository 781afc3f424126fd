package lifecycle

import (
	"slices"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

func TestRecordsArePlacedByTheirOwnTimeForEveryReader(t *testing.T) {
	stored := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	asn := func(id string, numbers ...string) StoredShipment {
		return StoredShipment{Shipment: &canonical.Shipment{ShipmentID: id, Supplier: canonical.Party{ID: "SUP-A"},
			ShipDate: canonical.NewDate(2026, time.March, 5), TrackingNumbers: numbers}, StoredAt: stored.Add(96 * time.Hour)}
	}
	rec := Records{
		Order:    canonical.Order{OrderNumber: "PO-1", Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SUP-A"}},
		StoredAt: stored,
		Responses: []StoredResponse{{Response: &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "R1",
			ResponseDate: canonical.NewDate(2026, time.March, 1), Supplier: canonical.Party{ID: "SUP-A"}, Status: canonical.ResponseAccepted}}},
		Shipments: []StoredShipment{asn("ASN-1", "JD1", "JD2"), asn("ASN-2", "JD2", "JD3")},
		Tracking: []canonical.TrackingEvent{
			{EventID: "e2", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingDelivered, OccurredAt: stored.Add(200 * time.Hour)},
			{EventID: "e1", TrackingNumber: "JD1", Carrier: "DHL", Status: canonical.TrackingPickedUp, OccurredAt: stored.Add(100 * time.Hour)},
		},
	}
	if got := TrackingNumbers(rec.Shipments); !slices.Equal(got, []string{"JD1", "JD2", "JD3"}) {
		t.Errorf("tracking numbers %v; want each once, in the order they appear", got)
	}
	tl, err := Replay(rec.Milestones())
	if err != nil {
		t.Fatal(err)
	}
	if tl.State != StateDelivered || !tl.Since.Equal(stored.Add(200*time.Hour)) {
		t.Errorf("state %s since %s; want delivered at the carrier's delivery, though it arrived first", tl.State, tl.Since)
	}
	// The order, then its same-day confirmation (placed at the order, not
	// at midnight before it), then the shipments on their ship date.
	kinds := []Kind{KindOrderCreated, KindResponseAccepted, KindShipmentCreated, KindShipmentCreated, KindTracking, KindTracking}
	for i, e := range tl.Entries {
		if i >= len(kinds) || e.Milestone.Kind != kinds[i] {
			t.Fatalf("entries %+v; want kinds %v", tl.Entries, kinds)
		}
	}
	if at := tl.Entries[1].Milestone.OccurredAt; !at.Equal(stored) {
		t.Errorf("same-day confirmation at %s; want at the order's arrival %s", at, stored)
	}
}
