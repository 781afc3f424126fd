package lifecycle_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
)

// The carrier's delivery scan arrives before its in-transit scan, and a
// cancellation comes in after the goods left: the order ends delivered, the
// timeline is in time order, and the cancellation is refused with its reason.
func ExampleReplay() {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	tl, err := lifecycle.Replay([]lifecycle.Milestone{
		{ID: "po", Kind: lifecycle.KindOrderCreated, OccurredAt: day(1)},
		{ID: "oc", Kind: lifecycle.KindResponseAccepted, OccurredAt: day(2)},
		{ID: "asn", Kind: lifecycle.KindShipmentCreated, OccurredAt: day(5)},
		{ID: "pod", Kind: lifecycle.KindTracking, Tracking: canonical.TrackingDelivered, OccurredAt: day(12)},
		{ID: "scan", Kind: lifecycle.KindTracking, Tracking: canonical.TrackingInTransit, OccurredAt: day(7)},
		{ID: "cancel", Kind: lifecycle.KindCancelled, OccurredAt: day(8)},
	})
	if err != nil {
		fmt.Println(err)
	}
	for _, e := range tl.Entries {
		line := fmt.Sprintf("%s %-6s %-8s %s %s", e.Milestone.OccurredAt.Format("01-02"), e.Milestone.ID, e.Outcome, e.To, e.Reason)
		fmt.Println(strings.TrimSpace(line))
	}
	fmt.Println("state:", tl.State)
	// Output:
	// 03-01 po     moved    submitted
	// 03-02 oc     moved    confirmed
	// 03-05 asn    moved    shipped
	// 03-07 scan   moved    in_transit
	// 03-08 cancel refused  in_transit an order cannot be cancelled once in_transit: the goods have left; return them instead
	// 03-12 pod    moved    delivered
	// state: delivered
}
