package lifecycle

import (
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

func TestAResumedHistoryKeepsEachAmendmentsDecisionWhateverOrderTheyCameIn(t *testing.T) {
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	proposed := Amendment{Version: 2, Base: 1, Kind: CounterProposal, Status: Pending, At: at,
		By: Author{PartyID: "SUP", Role: RoleSupplier}, Changes: []FieldChange{{Path: "lines[0].quantity", From: "100", To: "90"}}}
	accepted := proposed
	accepted.Status, accepted.DecidedAt = Accepted, at.Add(time.Hour)
	change := Amendment{Version: 3, Base: 2, Kind: BuyerChange, Status: Accepted, At: at.Add(2 * time.Hour),
		By: Author{PartyID: "BUY", Role: RoleBuyer}, Changes: []FieldChange{{Path: "lines[0].quantity", From: "90", To: "95"}}}
	current := canonical.Order{OrderNumber: "PO-1", Lines: []canonical.OrderLine{{LineNumber: 1, Quantity: canonical.MustDecimal("95")}}}
	for name, events := range map[string][]Amendment{
		"in order":     {proposed, accepted, change},
		"out of order": {change, accepted, proposed},
	} {
		h := Resume(current, events)
		if h.CurrentVersion() != 3 || len(h.Amendments()) != 2 || h.Amendments()[0].Status != Accepted {
			t.Errorf("%s: version %d, amendments %+v; want 3 and v2 accepted, v3", name, h.CurrentVersion(), h.Amendments())
		}
		if _, ok := h.Pending(); ok {
			t.Errorf("%s: an accepted proposal is still pending", name)
		}
		if next, err := h.Propose(Amendment{Kind: BuyerChange, By: Author{Role: RoleBuyer}, Changes: []FieldChange{{Path: "lines[0].quantity", To: "96"}}}); err != nil || next.Version != 4 || next.Changes[0].From != "95" {
			t.Errorf("%s: the next change is %+v, %v; want v4 from 95", name, next, err)
		}
	}
}

func TestADocumentOrAMessageIsOnTheTimelineWithoutMovingTheOrder(t *testing.T) {
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	var ms []Milestone
	for i, e := range []canonical.OrderEvent{
		{EventID: "c", Type: canonical.EventOrderCreated, OccurredAt: at},
		{EventID: "d", Type: "document_received", OccurredAt: at.Add(time.Hour), Summary: "packing list PL-0042"},
		{EventID: "m", Type: "message_posted", OccurredAt: at.Add(2 * time.Hour), Summary: "Can you ship on Friday?"},
	} {
		m, ok := FromOrderEvent(e)
		if !ok {
			t.Fatalf("event %d (%s) is no milestone", i, e.Type)
		}
		ms = append(ms, m)
	}
	tl, err := Replay(ms)
	if err != nil {
		t.Fatal(err)
	}
	if tl.State != StateSubmitted || len(tl.Entries) != 3 {
		t.Fatalf("state %s with %d entries; want submitted with 3", tl.State, len(tl.Entries))
	}
	for _, e := range tl.Entries[1:] {
		if e.Outcome != Recorded || e.To != StateSubmitted {
			t.Errorf("%s: %s to %s; want recorded, still submitted", e.Milestone.Kind, e.Outcome, e.To)
		}
	}
}
