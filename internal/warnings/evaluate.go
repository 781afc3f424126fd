package warnings

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// AlertID is the deterministic id of the alert of rule about an order, for
// one instance of its condition (the time or date it is measured from: the
// submission, the promised date, the last carrier event...). The same
// condition gives the same id, so the store keeps it once.
func AlertID(rule, buyerID, orderNumber, instance string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "warning/%s/%s/%s/%s", rule, buyerID, orderNumber, instance)).String()
}

// EscalationID is the deterministic id of the escalation of an alert.
func EscalationID(alertID string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "warning-escalation/%s", alertID)).String()
}

// Evaluate applies the rules that hold for the order's partner (its
// supplier) and lane to its facts, as of now, and returns an alert for every
// condition that holds: in the order of Specs, each with its severity, the
// reason, a suggested action, a deterministic id (AlertID) and data
// (order_number, buyer_id, supplier_id, rule, lane, instance and the
// measured values). An order that is delivered, closed, cancelled or
// rejected raises nothing.
func (c *Config) Evaluate(f *Facts, now time.Time) []pipelines.Alert {
	if !Open(f.Timeline.State) {
		return nil
	}
	now = now.UTC()
	rules := c.Resolve(f.Order.Supplier.ID, f.Lane)
	var out []pipelines.Alert
	for _, s := range specs {
		r := rules[s.ID]
		if !r.Enabled {
			continue
		}
		w, ok := checks[s.ID](f, r, s.Unit, now)
		if !ok {
			continue
		}
		out = append(out, w.alert(f, s.ID, r, now))
	}
	return out
}

// finding is a condition that holds: what the alert says.
type finding struct {
	instance string // what the condition is measured from
	subject  string
	message  string
	action   string
	data     map[string]string
}

func (w finding) alert(f *Facts, rule string, r Rule, now time.Time) pipelines.Alert {
	o := &f.Order
	data := map[string]string{
		"order_number": o.OrderNumber, "buyer_id": o.Buyer.ID, "supplier_id": o.Supplier.ID,
		"rule": rule, "lane": f.Lane.String(), "instance": w.instance, "state": string(f.Timeline.State),
	}
	for k, v := range w.data {
		data[k] = v
	}
	return pipelines.Alert{
		ID:         AlertID(rule, o.Buyer.ID, o.OrderNumber, w.instance),
		Kind:       rule,
		Severity:   r.Severity,
		Partner:    o.Supplier.ID,
		Subject:    fmt.Sprintf("order %s of %s: %s", o.OrderNumber, o.Buyer.ID, w.subject),
		Message:    w.message,
		Action:     w.action,
		OccurredAt: now,
		Data:       data,
	}
}

type check func(f *Facts, r Rule, u Unit, now time.Time) (finding, bool)

var checks = map[string]check{
	RuleNoConfirmation:        noConfirmation,
	RuleProductionBehind:      productionBehind,
	RuleETAAfterPromised:      etaAfterPromised,
	RuleTrackingSilent:        trackingSilent,
	RuleCustomsHold:           customsHold,
	RuleDocumentsMissing:      documentsMissing,
	RuleInvoiceBeforeDelivery: invoiceBeforeDelivery,
}

// openStates are the states before delivery, when an order can still be
// late: early warnings are about them.
var openStates = []lifecycle.State{
	lifecycle.StateDraft, lifecycle.StateSubmitted, lifecycle.StateNeedsReview, lifecycle.StateConfirmed,
	lifecycle.StateInProduction, lifecycle.StateReadyToShip, lifecycle.StateShipped, lifecycle.StateInTransit,
	lifecycle.StateAtCustoms, lifecycle.StateCustomsCleared,
}

// Open reports whether an order in state s is not yet delivered (nor
// closed, cancelled or rejected).
func Open(s lifecycle.State) bool { return slices.Contains(openStates, s) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func hours(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Minute).Hours(), 'f', -1, 64)
}

// noConfirmation: submitted (and not on hold for review) for threshold
// hours or more without the supplier's answer (a counter-proposal waits for
// the buyer, not the supplier). Measured from the time the
// order was last submitted (an amendment after confirmation submits it
// again).
func noConfirmation(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	t := f.Timeline
	if t.State != lifecycle.StateSubmitted || t.Since.IsZero() || f.waitsForBuyer() {
		return finding{}, false
	}
	waited, limit := now.Sub(t.Since), r.thresholdDuration(u)
	if waited < limit {
		return finding{}, false
	}
	return finding{
		instance: stamp(t.Since),
		subject:  "no confirmation from " + partyName(f.Order.Supplier),
		message: fmt.Sprintf("the order was submitted %s and the supplier has not confirmed it after %sh (threshold %sh)",
			stamp(t.Since), hours(waited), hours(limit)),
		action: fmt.Sprintf("Ask %s to confirm or reject order %s; if it cannot deliver by %s, source elsewhere.",
			partyName(f.Order.Supplier), f.Order.OrderNumber, dateOrUnknown(f.Promised)),
		data: map[string]string{"submitted_at": stamp(t.Since), "waited_hours": hours(waited), "threshold_hours": hours(limit)},
	}, true
}

// waitsForBuyer reports whether the supplier answered the submitted order
// with a counter-proposal the buyer has not declined since: the supplier
// is not the one late.
func (f *Facts) waitsForBuyer() bool {
	waits := false
	for _, e := range f.Timeline.Entries {
		if e.Milestone.OccurredAt.Before(f.Timeline.Since) {
			continue
		}
		switch e.Milestone.Kind {
		case lifecycle.KindCounterProposed:
			waits = true
		case lifecycle.KindCounterRejected, lifecycle.KindAmended:
			waits = false
		}
	}
	return waits
}

// productionBehind: confirmed or in production, and the latest report's
// percent complete is threshold points or more behind the plan. The plan
// goes in a straight line from 0% at confirmation to 100% at the start of
// the ready date: the first ready date the supplier reported or, without
// one, the promised date less the lead times after production. Without a
// report the progress is 0%.
func productionBehind(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	state := f.Timeline.State
	if state != lifecycle.StateConfirmed && state != lifecycle.StateInProduction {
		return finding{}, false
	}
	start, ok := f.enteredAt(lifecycle.StateConfirmed)
	if !ok {
		if start, ok = f.enteredAt(lifecycle.StateInProduction); !ok {
			return finding{}, false
		}
	}
	var ready time.Time
	for _, p := range f.Progress {
		if !p.ExpectedReadyDate.IsZero() && !p.At.Before(start) {
			ready = p.ExpectedReadyDate.Time()
			break
		}
	}
	if ready.IsZero() && r.LeadTimes != nil && !f.Promised.IsZero() {
		l := r.LeadTimes
		ready = f.Promised.Time().AddDate(0, 0, 1).Add(-(l.Handover + l.Transit + l.Customs + l.Delivery))
	}
	if ready.IsZero() || !ready.After(start) || !now.After(start) {
		return finding{}, false
	}
	hundred := decimal.NewFromInt(100)
	plan := decimal.NewFromInt(int64(now.Sub(start))).Mul(hundred).Div(decimal.NewFromInt(int64(ready.Sub(start))))
	if plan.GreaterThan(hundred) {
		plan = hundred
	}
	actual, reportedAt := decimal.Zero, time.Time{}
	for i := len(f.Progress) - 1; i >= 0; i-- {
		if p := f.Progress[i]; p.Percent != nil {
			actual, reportedAt = p.Percent.Decimal, p.At
			break
		}
	}
	behind := plan.Sub(actual)
	if behind.LessThan(r.Threshold) {
		return finding{}, false
	}
	readyDate := canonical.DateOf(ready)
	reported := "no progress reported"
	if !reportedAt.IsZero() {
		reported = fmt.Sprintf("%s%% complete reported %s", actual.String(), stamp(reportedAt))
	}
	return finding{
		instance: readyDate.String(),
		subject:  "production behind plan",
		message: fmt.Sprintf("%s, the plan from confirmation (%s) to ready on %s says %s%%: %s points behind (threshold %s)",
			reported, stamp(start), readyDate, plan.Round(0), behind.Round(0), r.Threshold),
		action: fmt.Sprintf("Ask %s for a recovery plan and a new ready date for order %s.", partyName(f.Order.Supplier), f.Order.OrderNumber),
		data: map[string]string{"confirmed_at": stamp(start), "ready_date": readyDate.String(), "planned_percent": plan.Round(1).String(),
			"reported_percent": actual.String(), "behind_points": behind.Round(1).String(), "threshold_points": r.Threshold.String()},
	}, true
}

// etaAfterPromised: the carrier's ETA or, without one, the lead-time
// estimate (lifecycle.AtRisk) is more than threshold hours after the end of
// the promised date. A date-only ETA counts to the end of its day, so an
// ETA one day late is 24 hours late.
func etaAfterPromised(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	if f.Promised.IsZero() {
		return finding{}, false
	}
	deadline := f.Promised.Time().AddDate(0, 0, 1)
	var eta time.Time
	source, shown := "carrier", ""
	switch {
	case !f.CarrierETA.IsZero():
		eta, shown = f.CarrierETA.Time().AddDate(0, 0, 1), f.CarrierETA.String()
	case r.LeadTimes != nil:
		risk := lifecycle.AtRisk(lifecycle.Plan{Need: f.Promised, Lead: *r.LeadTimes}, f.Timeline.State, f.Timeline.Since, now)
		if risk.ETA.IsZero() {
			return finding{}, false
		}
		eta, shown, source = risk.ETA, stamp(risk.ETA), "lead_time_model"
	default:
		return finding{}, false
	}
	late, margin := eta.Sub(deadline), r.thresholdDuration(u)
	if late <= margin {
		return finding{}, false
	}
	by := "the carrier's ETA"
	if source == "lead_time_model" {
		by = "the lead-time estimate"
	}
	return finding{
		instance: f.Promised.String(),
		subject:  "ETA after the promised date " + f.Promised.String(),
		message: fmt.Sprintf("%s is %s, %sh after the end of the promised date %s (margin %sh)",
			by, shown, hours(late), f.Promised, hours(margin)),
		action: fmt.Sprintf("Tell the buyer order %s will be late, or expedite it with %s; agree a new delivery date.",
			f.Order.OrderNumber, partyName(f.Order.Supplier)),
		data: map[string]string{"promised_date": f.Promised.String(), "eta": shown, "eta_source": source,
			"late_hours": hours(late), "margin_hours": hours(margin)},
	}, true
}

// trackingSilent: shipped or in transit, and no carrier event (by its own
// time) for threshold hours or more; before any carrier event, measured
// from the shipment.
func trackingSilent(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	state := f.Timeline.State
	if state != lifecycle.StateShipped && state != lifecycle.StateInTransit {
		return finding{}, false
	}
	last := f.LastTracking
	if shipped, ok := f.enteredAt(lifecycle.StateShipped); ok && shipped.After(last) {
		last = shipped
	}
	if last.IsZero() {
		last = f.Timeline.Since
	}
	silent, limit := now.Sub(last), r.thresholdDuration(u)
	if last.IsZero() || silent < limit {
		return finding{}, false
	}
	return finding{
		instance: stamp(last),
		subject:  "no tracking update for " + hours(silent) + "h",
		message: fmt.Sprintf("the order is %s and the last carrier update was %s, %sh ago (threshold %sh)",
			state, stamp(last), hours(silent), hours(limit)),
		action: "Ask the carrier or forwarder where the goods are; check the tracking numbers of order " + f.Order.OrderNumber + ".",
		data:   map[string]string{"last_update_at": stamp(last), "silent_hours": hours(silent), "threshold_hours": hours(limit)},
	}, true
}

// customsHold: at customs for threshold hours or more.
func customsHold(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	t := f.Timeline
	if t.State != lifecycle.StateAtCustoms || t.Since.IsZero() {
		return finding{}, false
	}
	held, limit := now.Sub(t.Since), r.thresholdDuration(u)
	if held < limit {
		return finding{}, false
	}
	return finding{
		instance: stamp(t.Since),
		subject:  "held at customs for " + hours(held) + "h",
		message:  fmt.Sprintf("the goods are held at customs since %s, %sh (threshold %sh)", stamp(t.Since), hours(held), hours(limit)),
		action:   "Ask the customs broker what is missing (documents, duties, inspection) for order " + f.Order.OrderNumber + ".",
		data:     map[string]string{"held_since": stamp(t.Since), "held_hours": hours(held), "threshold_hours": hours(limit)},
	}, true
}

// documentsMissing: from threshold days before departure (the start of the
// departure date) until delivery, a required document has not been
// received.
func documentsMissing(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	if f.Departure.IsZero() || len(r.Documents) == 0 {
		return finding{}, false
	}
	from := f.Departure.Time().Add(-r.thresholdDuration(u))
	if now.Before(from) {
		return finding{}, false
	}
	var missing []string
	for _, d := range r.Documents {
		if !slices.Contains(f.Documents, d) {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return finding{}, false
	}
	list := strings.Join(missing, ", ")
	return finding{
		instance: f.Departure.String(),
		subject:  "documents missing before departure " + f.Departure.String(),
		message: fmt.Sprintf("departure is %s and %s not received (required %s days before departure on lane %s)",
			f.Departure, list, r.Threshold, laneOrAny(f.Lane)),
		action: fmt.Sprintf("Ask %s for %s of order %s before the goods leave.", partyName(f.Order.Supplier), list, f.Order.OrderNumber),
		data: map[string]string{"departure_date": f.Departure.String(), "missing_documents": list,
			"required_documents": strings.Join(r.Documents, ", "), "threshold_days": r.Threshold.String()},
	}, true
}

// invoiceBeforeDelivery: an invoice arrived and the goods are not delivered.
func invoiceBeforeDelivery(f *Facts, r Rule, u Unit, now time.Time) (finding, bool) {
	at := f.Timeline.InvoicedAt
	if at.IsZero() {
		return finding{}, false
	}
	return finding{
		instance: stamp(at),
		subject:  "invoiced before delivery",
		message:  fmt.Sprintf("an invoice arrived %s while the order is %s", stamp(at), f.Timeline.State),
		action:   "Hold the payment of order " + f.Order.OrderNumber + " until the goods are received, unless the terms say otherwise (advance payment, letter of credit).",
		data:     map[string]string{"invoiced_at": stamp(at)},
	}, true
}

func partyName(p canonical.Party) string {
	if p.Name != "" {
		return p.Name
	}
	if p.ID != "" {
		return p.ID
	}
	return "the supplier"
}

func dateOrUnknown(d canonical.Date) string {
	if d.IsZero() {
		return "the needed date"
	}
	return d.String()
}

func laneOrAny(l Lane) string {
	if s := l.String(); s != "" {
		return s
	}
	return "(unknown)"
}

// Escalate returns the escalation of a stored early warning that is open or
// acknowledged and older than its rule's escalate_after, as of now: one
// critical alert with its own deterministic id (EscalationID), pointing at
// the original in its data (escalates). ok is false for anything else: an
// alert of another kind, a resolved one, a rule that does not escalate, or
// one not yet due. The rule is resolved from the original's supplier_id and
// lane.
func (c *Config) Escalate(a store.Alert, now time.Time) (esc pipelines.Alert, ok bool) {
	if _, known := specOf(a.Kind); !known || (a.Status != store.AlertOpen && a.Status != store.AlertAcknowledged) {
		return pipelines.Alert{}, false
	}
	lane, _ := ParseLane(a.Data["lane"])
	r := c.Resolve(a.Data["supplier_id"], lane)[a.Kind]
	open := now.Sub(a.OccurredAt)
	if r.EscalateAfter <= 0 || open < r.EscalateAfter {
		return pipelines.Alert{}, false
	}
	data := map[string]string{
		"escalates": a.ID, "rule": a.Kind, "original_severity": a.Severity, "original_status": a.Status,
		"open_hours": hours(open), "escalate_after_hours": hours(r.EscalateAfter),
	}
	for _, k := range []string{"order_number", "buyer_id", "supplier_id", "lane"} {
		if v, ok := a.Data[k]; ok {
			data[k] = v
		}
	}
	action := "Take the case over: the warning below has had no resolution."
	if a.SuggestedAction != "" {
		action = "Take the case over: " + a.SuggestedAction
	}
	return pipelines.Alert{
		ID:         EscalationID(a.ID),
		Kind:       KindEscalated,
		Severity:   SeverityCritical,
		Partner:    a.Partner,
		Subject:    "escalated: " + a.Subject,
		Message:    fmt.Sprintf("%s alert %s is still %s after %sh (escalate after %sh): %s", a.Kind, a.ID, a.Status, hours(open), hours(r.EscalateAfter), a.Message),
		Action:     action,
		OccurredAt: now.UTC(),
		Data:       data,
	}, true
}
