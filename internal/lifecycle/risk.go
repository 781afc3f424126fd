package lifecycle

import (
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// LeadTimes are the expected durations of the stages of an order, from the
// supplier's catalog, the lane and the customs broker. A zero stage takes
// no time (a domestic order has no Customs).
type LeadTimes struct {
	Confirmation time.Duration // submitted → confirmed
	Production   time.Duration // confirmed → ready_to_ship
	Handover     time.Duration // ready_to_ship → shipped (pick-up)
	Transit      time.Duration // shipped → at the destination's customs
	Customs      time.Duration // customs hold → cleared
	Delivery     time.Duration // cleared → delivered (last mile)
}

// Plan is what an order is measured against.
type Plan struct {
	// Need is the date the goods must be there: the requested (or
	// confirmed) delivery date. Goods delivered by the end of that day, UTC,
	// are on time.
	Need canonical.Date
	Lead LeadTimes
	// Margin is the slack under which an order is at risk even when the
	// estimate is still on time (a day or two of buffer).
	Margin time.Duration
}

// Risk is the estimate for one order.
type Risk struct {
	AtRisk bool `json:"at_risk"`
	// ETA is the estimated delivery; zero when the order is done or off.
	ETA time.Time `json:"eta,omitzero"`
	// Slack is the time from ETA to the end of the need date; negative
	// when the estimate is late.
	Slack  time.Duration `json:"slack"`
	Reason string        `json:"reason"`
}

// stages is the order of LeadTimes' stages, and the first state of each.
var stages = []struct {
	from State
	lead func(LeadTimes) time.Duration
	name string
}{
	{StateSubmitted, func(l LeadTimes) time.Duration { return l.Confirmation }, "confirmation"},
	{StateConfirmed, func(l LeadTimes) time.Duration { return l.Production }, "production"},
	{StateReadyToShip, func(l LeadTimes) time.Duration { return l.Handover }, "pick-up"},
	{StateShipped, func(l LeadTimes) time.Duration { return l.Transit }, "transit"},
	{StateAtCustoms, func(l LeadTimes) time.Duration { return l.Customs }, "customs"},
	{StateCustomsCleared, func(l LeadTimes) time.Duration { return l.Delivery }, "delivery"},
}

// AtRisk estimates whether an order in state current, reached at since,
// will be delivered by p.Need, as of now. The estimate is: what is left of
// the current stage (its lead time less the time spent in it since the
// order reached current, never below zero) plus the lead times of every
// later stage, added to now. The order is at risk when that is later than
// the end of the need date, or within p.Margin of it. A delivered, closed,
// cancelled or rejected order, or one without a need date, is never at
// risk. Example: an order ready to ship on the 1st, with 2 days of pick-up
// and 12 days of transit, needed on the 10th, is at risk: its ETA is the
// 15th.
func AtRisk(p Plan, current State, since, now time.Time) Risk {
	switch {
	case p.Need.IsZero():
		return Risk{Reason: "the order has no need date"}
	case current.Final():
		return Risk{Reason: "the order is " + string(current)}
	case current.rank() >= StateDelivered.rank():
		return Risk{Reason: "the order is delivered"}
	}
	stage := 0
	for i, s := range stages {
		if current.rank() >= s.from.rank() {
			stage = i
		}
	}
	// needs_review and draft wait for confirmation like submitted.
	left := stages[stage].lead(p.Lead)
	if !since.IsZero() && now.After(since) {
		left = max(0, left-now.Sub(since))
	}
	for _, s := range stages[stage+1:] {
		left += s.lead(p.Lead)
	}
	eta := now.Add(left)
	deadline := p.Need.Time().AddDate(0, 0, 1)
	r := Risk{ETA: eta, Slack: deadline.Sub(eta)}
	switch {
	case now.After(deadline):
		r.AtRisk = true
		r.Reason = fmt.Sprintf("needed by %s and still %s", p.Need, current)
	case r.Slack < 0:
		r.AtRisk = true
		r.Reason = fmt.Sprintf("still %s, in its %s stage: estimated delivery %s, after the need date %s",
			current, stages[stage].name, canonical.DateOf(eta.UTC()), p.Need)
	case r.Slack < p.Margin:
		r.AtRisk = true
		r.Reason = fmt.Sprintf("still %s: estimated delivery %s leaves %s before the need date %s, under the margin of %s",
			current, canonical.DateOf(eta.UTC()), roundHours(r.Slack), p.Need, roundHours(p.Margin))
	default:
		r.Reason = fmt.Sprintf("estimated delivery %s, %s before the need date %s", canonical.DateOf(eta.UTC()), roundHours(r.Slack), p.Need)
	}
	return r
}

func roundHours(d time.Duration) time.Duration { return d.Round(time.Hour) }
