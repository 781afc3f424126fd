package lifecycle

import (
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

const day = 24 * time.Hour

func TestAnOrderNotShippedInTimeForTheTransitIsAtRisk(t *testing.T) {
	lane := LeadTimes{Confirmation: 2 * day, Production: 20 * day, Handover: 2 * day, Transit: 12 * day, Customs: 3 * day, Delivery: 1 * day}
	need := canonical.NewDate(2026, 3, 20)
	mar := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name         string
		need         canonical.Date
		state        State
		since, now   time.Time
		margin       time.Duration
		atRisk       bool
		eta, because string
	}{
		// Ready to ship on the 1st: 2 + 12 + 3 + 1 days left, ETA the 19th, 09:00.
		{"ready to ship with 18 days left, needed on the 18th, is at risk",
			canonical.NewDate(2026, 3, 18), StateReadyToShip, mar(1), mar(1), 0, true, "2026-03-19", "after the need date 2026-03-18"},
		{"the same order needed on the 20th is on time", need, StateReadyToShip, mar(1), mar(1), 0, false, "2026-03-19", "before the need date"},
		{"but not within a two-day margin", need, StateReadyToShip, mar(1), mar(1), 2 * day, true, "2026-03-19", "under the margin"},
		{"time already spent at customs counts", need, StateAtCustoms, mar(16), mar(19), 0, false, "2026-03-20", ""},
		{"a day more at customs makes it late", need, StateAtCustoms, mar(17), mar(19), 0, true, "2026-03-21", "in its customs stage"},
		// 15 days of production left, then 18: the 8th of April.
		{"an order still in production two weeks before is late", need, StateInProduction, mar(1), mar(6), 0, true, "2026-04-08", "in its production stage"},
		{"an unconfirmed order waits for confirmation too", need, StateNeedsReview, mar(1), mar(1), 0, true, "2026-04-10", "in its confirmation stage"},
		{"past the need date and not delivered", need, StateInTransit, mar(10), mar(22), 0, true, "2026-03-26", "needed by 2026-03-20"},
		{"a delivered order is not at risk", need, StateDelivered, mar(25), mar(26), 0, false, "", "delivered"},
		{"a cancelled order is not at risk", need, StateCancelled, mar(2), mar(26), 0, false, "", "cancelled"},
		{"an order without a need date is not at risk", canonical.Date{}, StateSubmitted, mar(2), mar(26), 0, false, "", "no need date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AtRisk(Plan{Need: tt.need, Lead: lane, Margin: tt.margin}, tt.state, tt.since, tt.now)
			if r.AtRisk != tt.atRisk {
				t.Errorf("at risk = %v, want %v (%s)", r.AtRisk, tt.atRisk, r.Reason)
			}
			eta := ""
			if !r.ETA.IsZero() {
				eta = canonical.DateOf(r.ETA).String()
			}
			if eta != tt.eta {
				t.Errorf("eta = %s, want %s", eta, tt.eta)
			}
			if !strings.Contains(r.Reason, tt.because) {
				t.Errorf("reason %q does not say %q", r.Reason, tt.because)
			}
		})
	}
}
