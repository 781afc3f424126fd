package warnings

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	trackingconn "github.com/procurehub/procurehub/connectors/tracking"
	"github.com/procurehub/procurehub/internal/carriersim"
	"github.com/procurehub/procurehub/internal/store"
)

// The demo's scripts: the simulated carrier's shipments, from 5 March
// 08:00, mapped to normalized statuses by the demo carrier profile.
func simulated(t *testing.T, name string) []*canonical.TrackingEvent {
	t.Helper()
	profile, err := trackingconn.Builtin("demo")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, time.March, 5, 8, 0, 0, 0, time.UTC)
	for _, sc := range carriersim.Scenarios(start, "DEMO") {
		if sc.Name != name {
			continue
		}
		var out []*canonical.TrackingEvent
		for _, e := range sc.Delivered() { // in the carrier's delivery order, repeats included
			status, ok := profile.Status(e.Code)
			if !ok {
				t.Fatalf("the demo profile does not know %s", e.Code)
			}
			out = append(out, &canonical.TrackingEvent{EventID: e.EventID, TrackingNumber: e.TrackingNumber, Carrier: e.Carrier,
				Status: status, CarrierStatus: e.Code, Description: e.Text, OccurredAt: e.OccurredAt})
		}
		return out
	}
	t.Fatalf("no simulated scenario %q", name)
	return nil
}

func TestTheSimulatedCarriersShipmentsRaiseTheirWarnings(t *testing.T) {
	h := newHub(t, stores[0].open)
	ctx := t.Context()
	// ACME's orders needed on 27 March, shipped on 5 March: the delayed
	// shipment (DEMO0002) with a carrier ETA of 3 April, the one held at
	// customs (DEMO0004) due on time, and the delivered one (DEMO0001).
	orders := []*canonical.Order{order("4500012346", day(27)), order("4500012348", day(27)), order("4500012345", day(27))}
	if _, err := h.st.UpsertOrders(ctx, orders); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.UpsertShipments(ctx, "shenzhen-parts-edi", []*canonical.Shipment{
		asn("SZP-ASN-2026-0002", "4500012346", "DEMO0002", day(5), canonical.NewDate(2026, time.April, 3)),
		asn("SZP-ASN-2026-0004", "4500012348", "DEMO0004", day(5), day(26)),
		asn("SZP-ASN-2026-0001", "4500012345", "DEMO0001", day(5), day(28)),
	}); err != nil {
		t.Fatal(err)
	}
	for _, scenario := range []string{"delayed", "customs_hold", "on_time"} {
		if _, err := h.st.AddTrackingEvents(ctx, "demo", simulated(t, scenario)); err != nil {
			t.Fatal(err)
		}
	}
	sc := &Scanner{Config: &Config{}, Orders: h.st, Records: readers(h.st), Alerts: h.st, Resolver: h.st, Publisher: h.pub}

	// 26 March, 08:00: the delayed vessel has been silent since 17 March,
	// the goods at Rotterdam held since 24 March.
	r, err := sc.Scan(ctx, march(26, 8))
	if err != nil {
		t.Fatal(err)
	}
	h.deliver(t, r.Alerts)
	var got []string
	for _, a := range h.listed(t, store.AlertOpen) {
		got = append(got, a.OrderNumber+" "+a.Kind+" "+a.Severity)
	}
	want := []string{"4500012348 customs_hold warning", "4500012346 eta_after_promised critical", "4500012346 tracking_silent warning"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || r.Done != 1 {
		t.Fatalf("alerts %v (report %+v); want %v, and the delivered order done", got, r, want)
	}
	eta, _, _ := h.st.ListAlerts(ctx, store.AlertFilter{Kind: RuleETAAfterPromised, Limit: 10})
	if len(eta) != 1 || !strings.Contains(eta[0].Message, "2026-04-03") || !strings.Contains(eta[0].Message, "2026-03-27") {
		t.Errorf("ETA alert %+v; want the carrier's 3 April against the promised 27 March", eta)
	}

	// The next scan raises nothing again.
	if r, err := sc.Scan(ctx, march(26, 9)); err != nil || r.Alerts != 0 {
		t.Fatalf("second scan %+v, %v; want nothing new", r, err)
	}
	// The delayed shipment is delivered: its warnings resolve, once.
	if _, err := h.st.AddTrackingEvents(ctx, "demo", []*canonical.TrackingEvent{{EventID: "DEMO0002-99", TrackingNumber: "DEMO0002",
		Carrier: carriersim.Carrier, Status: canonical.TrackingDelivered, OccurredAt: march(26, 10)}}); err != nil {
		t.Fatal(err)
	}
	if r, err := sc.Scan(ctx, march(26, 12)); err != nil || r.Resolved != 2 || r.Alerts != 0 {
		t.Fatalf("scan after delivery %+v, %v; want the ETA and silence warnings of 4500012346 resolved", r, err)
	}
	if r, err := sc.Scan(ctx, march(26, 13)); err != nil || r.Resolved != 0 || r.Alerts != 0 {
		t.Fatalf("scan after that %+v, %v; want nothing more", r, err)
	}
}
