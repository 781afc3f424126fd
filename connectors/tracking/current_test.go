package tracking_test

import (
	"slices"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/tracking"
)

func ev(id string, status canonical.TrackingStatus, at string) canonical.TrackingEvent {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	return canonical.TrackingEvent{EventID: id, TrackingNumber: "T1", Carrier: "ups", Status: status, OccurredAt: t}
}

func TestCurrent(t *testing.T) {
	tests := []struct {
		name   string
		events []canonical.TrackingEvent
		want   string // event id
	}{
		{"the latest event wins, whatever order events arrive in", []canonical.TrackingEvent{
			ev("c", canonical.TrackingOutForDelivery, "2026-05-03T08:00:00Z"),
			ev("a", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
			ev("d", canonical.TrackingDelivered, "2026-05-03T14:00:00Z"),
			ev("b", canonical.TrackingInTransit, "2026-05-02T08:00:00Z"),
		}, "d"},
		{"times are compared as instants, not as text", []canonical.TrackingEvent{
			ev("late", canonical.TrackingDelivered, "2026-05-03T10:00:00+02:00"), // 08:00Z
			ev("early", canonical.TrackingOutForDelivery, "2026-05-03T09:00:00Z"),
		}, "early"},
		{"at the same time, delivered beats out_for_delivery", []canonical.TrackingEvent{
			ev("d", canonical.TrackingDelivered, "2026-05-03T14:00:00Z"),
			ev("o", canonical.TrackingOutForDelivery, "2026-05-03T14:00:00Z"),
		}, "d"},
		{"at the same time, customs_cleared beats customs_hold", []canonical.TrackingEvent{
			ev("cleared", canonical.TrackingCustomsCleared, "2026-05-03T14:00:00+01:00"),
			ev("hold", canonical.TrackingCustomsHold, "2026-05-03T13:00:00Z"),
		}, "cleared"},
		{"a duplicate delivered late does not move the status back", []canonical.TrackingEvent{
			ev("p", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
			ev("d", canonical.TrackingDelivered, "2026-05-03T14:00:00Z"),
			ev("p", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
			ev("p", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
		}, "d"},
		{"an unknown code does not hide a known status", []canonical.TrackingEvent{
			ev("t", canonical.TrackingInTransit, "2026-05-01T08:00:00Z"),
			ev("u", canonical.TrackingUnknown, "2026-05-02T08:00:00Z"),
		}, "t"},
		{"unknown is current when nothing else is known", []canonical.TrackingEvent{
			ev("u1", canonical.TrackingUnknown, "2026-05-01T08:00:00Z"),
			ev("u2", canonical.TrackingUnknown, "2026-05-02T08:00:00Z"),
		}, "u2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tracking.Current(tt.events)
			if !ok || got.EventID != tt.want {
				t.Errorf("Current = %q (%s), %v; want %q", got.EventID, got.Status, ok, tt.want)
			}
			// The order of arrival never matters.
			rev := slices.Clone(tt.events)
			slices.Reverse(rev)
			if got2, _ := tracking.Current(rev); got2.EventID != got.EventID {
				t.Errorf("reversed input gives %q, want %q", got2.EventID, got.EventID)
			}
		})
	}
	if _, ok := tracking.Current(nil); ok {
		t.Error("Current(nil) is ok, want false")
	}
}

func TestTimelineCountsADuplicateOnce(t *testing.T) {
	in := []canonical.TrackingEvent{
		ev("d", canonical.TrackingDelivered, "2026-05-03T14:00:00Z"),
		ev("p", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
		ev("o", canonical.TrackingOutForDelivery, "2026-05-03T14:00:00Z"),
		ev("p", canonical.TrackingPickedUp, "2026-05-01T08:00:00Z"),
		ev("d", canonical.TrackingDelivered, "2026-05-03T14:00:00Z"),
	}
	var ids []string
	for _, e := range tracking.Timeline(in) {
		ids = append(ids, e.EventID)
	}
	if want := []string{"p", "o", "d"}; !slices.Equal(ids, want) {
		t.Errorf("Timeline = %v, want %v (oldest first, ties by rank, each event once)", ids, want)
	}
	if in[0].EventID != "d" || in[1].EventID != "p" {
		t.Error("Timeline reordered its input")
	}
}

func TestRankOrdersEveryStatus(t *testing.T) {
	seen := map[int]canonical.TrackingStatus{}
	for _, s := range canonical.TrackingStatuses() {
		r := tracking.Rank(s)
		if r < 0 {
			t.Errorf("Rank(%s) = %d: a normalized status has no rank", s, r)
		}
		if prev, dup := seen[r]; dup {
			t.Errorf("Rank(%s) = Rank(%s) = %d: ties would be undecided", s, prev, r)
		}
		seen[r] = s
	}
	order := []canonical.TrackingStatus{
		canonical.TrackingUnknown, canonical.TrackingInfoReceived, canonical.TrackingPickedUp,
		canonical.TrackingInTransit, canonical.TrackingOutForDelivery, canonical.TrackingFailedAttempt,
		canonical.TrackingDelivered,
	}
	for i := 1; i < len(order); i++ {
		if tracking.Rank(order[i-1]) >= tracking.Rank(order[i]) {
			t.Errorf("Rank(%s) >= Rank(%s)", order[i-1], order[i])
		}
	}
	if tracking.Rank("teleported") != -1 {
		t.Error("a status outside the set has a rank")
	}
}

// TestCurrentOfDecodedEvents decodes a shipment's events delivered out of
// order and twice, as webhooks do, and checks the status a user sees.
func TestCurrentOfDecodedEvents(t *testing.T) {
	d := builtin(t, "demo")
	var all []canonical.TrackingEvent
	for _, body := range []string{
		`{"events": [{"tracking_number": "S1", "code": "DELIVERED", "occurred_at": "2026-12-04T11:05:00+01:00"}]}`,
		`{"events": [{"tracking_number": "S1", "code": "OUT_FOR_DELIVERY", "occurred_at": "2026-12-04T07:00:00+01:00"},
		             {"tracking_number": "S1", "code": "PICKED_UP", "occurred_at": "2026-12-01T09:00:00Z"}]}`,
		`{"events": [{"tracking_number": "S1", "code": "DELIVERED", "occurred_at": "2026-12-04T11:05:00+01:00"}]}`,
	} {
		rec, err := decodeBytes(d, body)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, events(t, rec)...)
	}
	cur, ok := tracking.Current(all)
	if !ok || cur.Status != canonical.TrackingDelivered {
		t.Errorf("current status %s, want delivered", cur.Status)
	}
	if n := len(tracking.Timeline(all)); n != 3 {
		t.Errorf("timeline has %d events, want 3: the re-delivered event has the same derived id", n)
	}
}
