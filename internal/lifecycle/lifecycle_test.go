package lifecycle

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func at(hours int) time.Time { return t0.Add(time.Duration(hours) * time.Hour) }

func ms(id string, k Kind, hours int) Milestone {
	return Milestone{ID: id, Kind: k, OccurredAt: at(hours), Source: canonical.Source{Connector: "test"}}
}

func track(id string, s canonical.TrackingStatus, hours int) Milestone {
	m := ms(id, KindTracking, hours)
	m.Tracking = s
	return m
}

// happyPath is an order's whole life, each milestone a day apart.
func happyPath() []Milestone {
	return []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 24),
		ms("progress-50", KindProductionProgress, 48),
		ms("ready", KindReadyToShip, 72),
		ms("asn", KindShipmentCreated, 96),
		track("picked", canonical.TrackingPickedUp, 100),
		track("departed", canonical.TrackingDepartedOrigin, 110),
		track("hold", canonical.TrackingCustomsHold, 200),
		track("cleared", canonical.TrackingCustomsCleared, 220),
		track("out", canonical.TrackingOutForDelivery, 230),
		track("delivered", canonical.TrackingDelivered, 240),
		ms("invoice", KindInvoiceReceived, 250),
		ms("payment", KindPaymentReceived, 500),
		ms("closed", KindClosed, 510),
	}
}

func replay(t *testing.T, events []Milestone) Timeline {
	t.Helper()
	tl, err := Replay(events)
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return tl
}

func entry(t *testing.T, tl Timeline, id string) Entry {
	t.Helper()
	for _, e := range tl.Entries {
		if e.Milestone.ID == id {
			return e
		}
	}
	t.Fatalf("no entry %q on the timeline", id)
	return Entry{}
}

func TestAnOrderGoesThroughItsWholeLife(t *testing.T) {
	tl := replay(t, happyPath())
	if tl.State != StateClosed {
		t.Fatalf("state = %s, want closed", tl.State)
	}
	var path []State
	for _, e := range tl.Entries {
		if e.Outcome == Moved {
			path = append(path, e.To)
		}
	}
	want := []State{StateSubmitted, StateConfirmed, StateInProduction, StateReadyToShip, StateShipped,
		StateInTransit, StateAtCustoms, StateCustomsCleared, StateDelivered, StateInvoiced, StatePaid, StateClosed}
	if !equal(path, want) {
		t.Errorf("moves = %v, want %v", path, want)
	}
	if e := entry(t, tl, "departed"); e.Outcome != Implied {
		t.Errorf("a second in-transit scan: %s, want implied", e.Outcome)
	}
	if e := entry(t, tl, "out"); e.Outcome != Implied || e.To != StateCustomsCleared {
		t.Errorf("out for delivery after clearance: %s to %s, want implied, staying customs_cleared", e.Outcome, e.To)
	}
	if !tl.Since.Equal(at(510)) || !tl.InvoicedAt.Equal(at(250)) || !tl.PaidAt.Equal(at(500)) {
		t.Errorf("since %v invoiced %v paid %v", tl.Since, tl.InvoicedAt, tl.PaidAt)
	}
	if len(tl.Refused()) != 0 {
		t.Errorf("refused: %+v", tl.Refused())
	}
}

func equal(a, b []State) bool {
	return strings.Join(toStrings(a), ",") == strings.Join(toStrings(b), ",")
}

func toStrings(s []State) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func TestEventsArrivingOutOfOrderArePlacedByTheirOwnTime(t *testing.T) {
	events := happyPath()
	// Arrival order: reversed, the carrier's backlog last.
	reversed := make([]Milestone, len(events))
	for i, m := range events {
		reversed[len(events)-1-i] = m
	}
	tl := replay(t, reversed)
	if tl.State != StateClosed {
		t.Fatalf("state = %s, want closed", tl.State)
	}
	for i := 1; i < len(tl.Entries); i++ {
		if tl.Entries[i].Milestone.OccurredAt.Before(tl.Entries[i-1].Milestone.OccurredAt) {
			t.Fatalf("timeline not in time order at %d: %v after %v", i,
				tl.Entries[i].Milestone.OccurredAt, tl.Entries[i-1].Milestone.OccurredAt)
		}
	}
	if got := replay(t, events); len(got.Entries) != len(tl.Entries) {
		t.Errorf("entries: %d in order, %d reversed", len(got.Entries), len(tl.Entries))
	}
}

func TestDeliveredBeforeInTransitKeepsTheOrderDelivered(t *testing.T) {
	events := []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 1),
		track("delivered", canonical.TrackingDelivered, 50),
		track("transit", canonical.TrackingInTransit, 40),
	}
	// The in-transit scan is older and placed before delivery; a late scan
	// stamped after delivery is implied, not a step back.
	late := track("late-scan", canonical.TrackingInTransit, 60)
	tl := replay(t, append(events, late))
	if tl.State != StateDelivered {
		t.Fatalf("state = %s, want delivered", tl.State)
	}
	if e := entry(t, tl, "late-scan"); e.Outcome != Implied || !strings.Contains(e.Reason, "already delivered") {
		t.Errorf("late scan: %s %q, want implied because already delivered", e.Outcome, e.Reason)
	}
	if e := entry(t, tl, "transit"); e.Outcome != Moved || e.To != StateInTransit {
		t.Errorf("older scan: %s to %s, want moved to in_transit", e.Outcome, e.To)
	}
}

func TestTheSameEventTwiceCountsOnce(t *testing.T) {
	events := append(happyPath(), ms("invoice", KindInvoiceReceived, 250), ms("payment", KindPaymentReceived, 500))
	noID := track("", canonical.TrackingException, 150)
	events = append(events, noID, noID)
	tl := replay(t, events)
	if tl.Duplicates != 3 {
		t.Errorf("duplicates = %d, want 3", tl.Duplicates)
	}
	if got, want := len(tl.Entries), len(happyPath())+1; got != want {
		t.Errorf("entries = %d, want %d", got, want)
	}
	if tl.State != StateClosed {
		t.Errorf("state = %s", tl.State)
	}
}

func TestAnIllegalEventIsRefusedWithItsReasonWhileLaterEventsApply(t *testing.T) {
	events := []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 1),
		ms("asn", KindShipmentCreated, 10),
		ms("cancel", KindCancelled, 11),
		ms("supplier-rejects", KindResponseRejected, 12),
		ms("close-early", KindClosed, 13),
		track("delivered", canonical.TrackingDelivered, 20),
	}
	tl := replay(t, events)
	if tl.State != StateDelivered {
		t.Fatalf("state = %s, want delivered", tl.State)
	}
	for id, want := range map[string]string{
		"cancel":           "an order cannot be cancelled once shipped",
		"supplier-rejects": "an order cannot be rejected once shipped",
		"close-early":      "an order cannot be closed while shipped: it closes once paid",
	} {
		e := entry(t, tl, id)
		if e.Outcome != Refused || !strings.HasPrefix(e.Reason, want) {
			t.Errorf("%s: %s %q, want refused %q", id, e.Outcome, e.Reason, want)
		}
	}
	if n := len(tl.Refused()); n != 3 {
		t.Errorf("refused = %d, want 3", n)
	}
}

func TestAConfirmedOrderCanBeCancelled(t *testing.T) {
	tl := replay(t, []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 1),
		ms("cancel", KindCancelled, 2),
		ms("asn", KindShipmentCreated, 3),
	})
	if tl.State != StateCancelled {
		t.Fatalf("state = %s, want cancelled", tl.State)
	}
	e := entry(t, tl, "asn")
	if e.Outcome != Refused || e.Reason != "an order cannot go from cancelled to shipped: cancelled is final" {
		t.Errorf("shipment after cancellation: %s %q", e.Outcome, e.Reason)
	}
}

func TestAShippedOrderCannotBeCancelled(t *testing.T) {
	for _, from := range []State{StateShipped, StateInTransit, StateAtCustoms, StateDelivered, StatePaid} {
		err := Transition(from, StateCancelled)
		if !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("%s → cancelled: %v, want refused", from, err)
		}
	}
	for _, from := range []State{StateDraft, StateSubmitted, StateNeedsReview, StateConfirmed, StateInProduction, StateReadyToShip} {
		if err := Transition(from, StateCancelled); err != nil {
			t.Errorf("%s → cancelled: %v, want allowed", from, err)
		}
	}
}

func TestAnOrderWithErrorsWaitsForReviewAndComesBackWhenCorrected(t *testing.T) {
	tl := replay(t, []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("invalid", KindValidationFailed, 0),
		ms("too-early", KindResponseAccepted, 1),
		ms("corrected", KindValidationPassed, 2),
		ms("confirmed", KindResponseAccepted, 3),
		ms("invalid-again", KindValidationFailed, 4),
	})
	if tl.State != StateConfirmed {
		t.Fatalf("state = %s, want confirmed", tl.State)
	}
	if e := entry(t, tl, "invalid"); e.Outcome != Moved || e.To != StateNeedsReview {
		t.Errorf("validation failure: %s to %s", e.Outcome, e.To)
	}
	if e := entry(t, tl, "too-early"); e.Outcome != Refused || !strings.Contains(e.Reason, "correct it first") {
		t.Errorf("confirmation while held: %s %q", e.Outcome, e.Reason)
	}
	if e := entry(t, tl, "corrected"); e.Outcome != Moved || e.To != StateSubmitted {
		t.Errorf("corrected: %s to %s", e.Outcome, e.To)
	}
	if e := entry(t, tl, "invalid-again"); e.Outcome != Refused || !strings.Contains(e.Reason, "before it is confirmed") {
		t.Errorf("review after confirmation: %s %q", e.Outcome, e.Reason)
	}
}

func TestTransitionReasons(t *testing.T) {
	tests := []struct {
		from, to State
		want     string
	}{
		{StateDelivered, StateInTransit, "an order cannot go from delivered back to in_transit"},
		{StateDraft, StateShipped, "a draft cannot go to shipped: submit it first"},
		{StateInTransit, StateInvoiced, "an order cannot go from in_transit to invoiced: it is delivered first"},
		{StateDelivered, StatePaid, "an order cannot go from delivered to paid: it is invoiced first"},
		{StateInTransit, StatePaid, "an order cannot go from in_transit to paid: it is delivered first"},
		{StateNeedsReview, StateConfirmed, "an order held for review (needs_review) cannot go to confirmed: correct it first"},
		{StateConfirmed, StateRejected, "an order cannot be rejected once confirmed: the supplier rejects a submitted order, or cancels"},
		{StateShipped, StateSubmitted, "an order cannot go from shipped back to submitted: it cannot be amended once ready to ship"},
		{StateRejected, StateConfirmed, "an order cannot go from rejected to confirmed: rejected is final"},
		{StateConfirmed, StateConfirmed, "the order is already confirmed"},
		{StateConfirmed, "lost", `"lost" is not an order state`},
		{StateSubmitted, StateConfirmed, ""},
		{StateSubmitted, StateShipped, ""},
		{StateConfirmed, StateSubmitted, ""},
		{StateInTransit, StateDelivered, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+" to "+string(tt.to), func(t *testing.T) {
			err := Transition(tt.from, tt.to)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Transition = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEveryStateHasARowAndOnlyFinalStatesAreDeadEnds(t *testing.T) {
	table := Transitions()
	for _, s := range States() {
		to, ok := table[s]
		if !ok {
			t.Errorf("%s has no row", s)
		}
		if (len(to) == 0) != s.Final() {
			t.Errorf("%s: %d targets, final %v", s, len(to), s.Final())
		}
		for _, d := range to {
			if err := Transition(s, d); err != nil {
				t.Errorf("%s → %s is in the table but refused: %v", s, d, err)
			}
		}
	}
}

func TestMoneyBeforeDeliveryWaitsForTheGoods(t *testing.T) {
	base := []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 1),
		ms("asn", KindShipmentCreated, 5),
	}
	tests := []struct {
		name  string
		extra []Milestone
		want  State
	}{
		{"an invoice at shipment makes a delivered order invoiced", []Milestone{
			ms("invoice", KindInvoiceReceived, 6), track("delivered", canonical.TrackingDelivered, 9)}, StateInvoiced},
		{"advance payment and invoice make a delivered order paid", []Milestone{
			ms("payment", KindPaymentReceived, 2), ms("invoice", KindInvoiceReceived, 6),
			track("delivered", canonical.TrackingDelivered, 9)}, StatePaid},
		{"a payment without invoice leaves it delivered", []Milestone{
			ms("payment", KindPaymentReceived, 2), track("delivered", canonical.TrackingDelivered, 9)}, StateDelivered},
		{"the invoice after a payment completes it", []Milestone{
			ms("payment", KindPaymentReceived, 2), track("delivered", canonical.TrackingDelivered, 9),
			ms("invoice", KindInvoiceReceived, 12)}, StatePaid},
		{"no money while in transit", []Milestone{
			ms("invoice", KindInvoiceReceived, 6), ms("payment", KindPaymentReceived, 7)}, StateShipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := replay(t, append(append([]Milestone{}, base...), tt.extra...))
			if tl.State != tt.want {
				t.Errorf("state = %s, want %s", tl.State, tt.want)
			}
			if len(tl.Refused()) != 0 {
				t.Errorf("refused: %+v", tl.Refused())
			}
		})
	}
}

func TestAnAmendmentAfterConfirmationWaitsForANewConfirmation(t *testing.T) {
	tl := replay(t, []Milestone{
		ms("created", KindOrderCreated, 0),
		ms("confirmed", KindResponseAccepted, 1),
		ms("progress", KindProductionProgress, 2),
		ms("v2", KindAmended, 3),
		ms("reconfirmed", KindResponseAccepted, 4),
		ms("ready", KindReadyToShip, 5),
		ms("v3", KindAmended, 6),
	})
	if tl.State != StateReadyToShip {
		t.Fatalf("state = %s", tl.State)
	}
	if e := entry(t, tl, "v2"); e.Outcome != Moved || e.To != StateSubmitted {
		t.Errorf("amendment in production: %s to %s, want back to submitted", e.Outcome, e.To)
	}
	if e := entry(t, tl, "v3"); e.Outcome != Refused {
		t.Errorf("amendment when ready to ship: %s, want refused", e.Outcome)
	}
}

func TestUnreadableMilestonesAreReportedAndTheRestApplies(t *testing.T) {
	tl, err := Replay([]Milestone{
		ms("created", KindOrderCreated, 0),
		ms("what", "teleported", 1),
		{ID: "no-time", Kind: KindShipmentCreated},
		ms("confirmed", KindResponseAccepted, 2),
	})
	if err == nil || !strings.Contains(err.Error(), `"teleported" is not a milestone kind`) || !strings.Contains(err.Error(), "no occurred_at") {
		t.Errorf("err = %v", err)
	}
	if tl.State != StateConfirmed || len(tl.Entries) != 4 {
		t.Errorf("state %s, %d entries", tl.State, len(tl.Entries))
	}
}

func TestCanonicalRecordsBecomeMilestones(t *testing.T) {
	te := canonical.TrackingEvent{EventID: "e1", TrackingNumber: "1Z9", Carrier: "ups",
		Status: canonical.TrackingCustomsHold, OccurredAt: at(3)}
	m := FromTrackingEvent(te)
	if s, ok := m.Target(); !ok || s != StateAtCustoms || m.ID != "ups:1Z9:e1" {
		t.Errorf("tracking milestone %+v → %s", m, s)
	}
	oe := canonical.OrderEvent{EventID: "p1", Type: canonical.EventProductionProgress, OccurredAt: at(1)}
	if m, ok := FromOrderEvent(oe); !ok || m.Kind != KindProductionProgress {
		t.Errorf("production event → %+v %v", m, ok)
	}
	r := canonical.OrderResponse{ResponseNumber: "R1", Supplier: canonical.Party{ID: "sup"}, Status: canonical.ResponseChanged}
	if m := FromOrderResponse(r, at(1)); m.Kind != KindCounterProposed {
		t.Errorf("changed response → %s", m.Kind)
	}
	r.Status = "maybe"
	if _, err := Replay([]Milestone{FromOrderResponse(r, at(1))}); err == nil {
		t.Error("a response with an unknown status was accepted")
	}
}

func TestTheDocumentedTableIsTheTable(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[State][]State{StateClosed: nil, StateRejected: nil, StateCancelled: nil}
	for _, line := range strings.Split(string(src), "\n") {
		row, indented := strings.CutPrefix(line, "//\t")
		from, to, ok := strings.Cut(row, " → ")
		if !indented || !ok || strings.Contains(to, " → ") { // the main line, not the table
			continue
		}
		var targets []State
		for _, s := range strings.Split(to, ", ") {
			targets = append(targets, State(s))
		}
		documented[State(strings.TrimSpace(from))] = targets
	}
	table := Transitions()
	if len(documented) != len(table) {
		t.Errorf("doc.go documents %d states, the table has %d", len(documented), len(table))
	}
	for from, to := range table {
		if !equal(documented[from], to) {
			t.Errorf("%s: doc.go says %v, the table %v", from, documented[from], to)
		}
	}
}

func TestOrderEventsOfEveryTypeFindTheirMilestone(t *testing.T) {
	tests := []struct {
		typ  canonical.OrderEventType
		want Kind
		ok   bool
	}{
		{canonical.EventOrderCreated, KindOrderCreated, true},
		{canonical.EventOrderUpdated, KindAmended, true},
		{canonical.EventOrderRejected, KindResponseRejected, true},
		{canonical.EventProductionProgress, KindProductionProgress, true},
		{"shipment_created", KindShipmentCreated, true},
		{"tracking", "", false}, // a carrier event needs its status: FromTrackingEvent
		{"order_archived", "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			src := &canonical.Source{Connector: "erp_export", File: "po.csv", Line: 3}
			m, ok := FromOrderEvent(canonical.OrderEvent{EventID: "e", Type: tt.typ, OccurredAt: at(1), Actor: "anna", Source: src})
			if ok != tt.ok || m.Kind != tt.want {
				t.Fatalf("FromOrderEvent(%s) = %s, %v; want %s, %v", tt.typ, m.Kind, ok, tt.want, tt.ok)
			}
			if ok && (m.Source != *src || m.Actor.User != "anna" || m.ID != "e") {
				t.Errorf("lineage lost: %+v", m)
			}
		})
	}
}
