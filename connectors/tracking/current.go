package tracking

import (
	"cmp"
	"slices"

	"github.com/procurehub/procurehub/canonical"
)

// rank orders the normalized statuses by how far along a shipment is; it
// breaks ties between events that happened at the same time.
var rank = map[canonical.TrackingStatus]int{
	canonical.TrackingUnknown:            0,
	canonical.TrackingInfoReceived:       1,
	canonical.TrackingPickedUp:           2,
	canonical.TrackingDepartedOrigin:     3,
	canonical.TrackingInTransit:          4,
	canonical.TrackingArrivedDestination: 5,
	canonical.TrackingCustomsHold:        6,
	canonical.TrackingCustomsCleared:     7,
	canonical.TrackingOutForDelivery:     8,
	canonical.TrackingFailedAttempt:      9,
	canonical.TrackingAvailableForPickup: 10,
	canonical.TrackingException:          11,
	canonical.TrackingExpired:            12,
	canonical.TrackingCancelled:          13,
	canonical.TrackingReturned:           14,
	canonical.TrackingDelivered:          15,
}

// Rank orders statuses by progress, for events that happened at the same
// time: unknown is 0, info_received 1, ... out_for_delivery below
// failed_attempt below available_for_pickup, then exception, expired,
// cancelled, returned, and delivered highest. A status outside the
// normalized set ranks -1.
func Rank(s canonical.TrackingStatus) int {
	if r, ok := rank[s]; ok {
		return r
	}
	return -1
}

// Timeline returns the events in the order they happened: by OccurredAt,
// events at the same time by Rank. An event id seen twice (the same event
// delivered again) is kept once, the first occurrence; events are not
// modified and the input is not reordered.
func Timeline(events []canonical.TrackingEvent) []canonical.TrackingEvent {
	seen := make(map[string]bool, len(events))
	out := make([]canonical.TrackingEvent, 0, len(events))
	for _, e := range events {
		if e.EventID != "" {
			if seen[e.EventID] {
				continue
			}
			seen[e.EventID] = true
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b canonical.TrackingEvent) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(Rank(a.Status), Rank(b.Status))
	})
	return out
}

// Current returns the event that gives a shipment's current status, from
// its events in any order, duplicates included: the latest by OccurredAt,
// events at the same time decided by Rank (delivered beats
// out_for_delivery). Events with status unknown (a code no profile knows)
// count only when there is no other: an unmapped code does not hide a
// known status. ok is false when events is empty.
func Current(events []canonical.TrackingEvent) (current canonical.TrackingEvent, ok bool) {
	tl := Timeline(events)
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Status != canonical.TrackingUnknown {
			return tl[i], true
		}
	}
	if len(tl) == 0 {
		return canonical.TrackingEvent{}, false
	}
	return tl[len(tl)-1], true
}
