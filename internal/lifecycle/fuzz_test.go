package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

// milestonesFrom reads 3 bytes per milestone: kind, carrier status, hour.
// Kind bytes past the known kinds give an unknown kind, to exercise Invalid.
func milestonesFrom(data []byte) []Milestone {
	statuses := canonical.TrackingStatuses()
	var out []Milestone
	for i := 0; i+2 < len(data) && len(out) < 64; i += 3 {
		k := Kind(fmt.Sprintf("kind-%d", data[i]))
		if int(data[i]) < len(kinds)+1 {
			k = kinds[int(data[i])%len(kinds)]
		}
		m := ms(fmt.Sprintf("m%d", i), k, int(data[i+2]))
		if k == KindTracking {
			m.Tracking = statuses[int(data[i+1])%len(statuses)]
		}
		out = append(out, m)
	}
	return out
}

func encode(events []Milestone) []byte {
	var b []byte
	for _, m := range events {
		st := 0
		for i, s := range canonical.TrackingStatuses() {
			if s == m.Tracking {
				st = i
			}
		}
		k := 0
		for i, kk := range kinds {
			if kk == m.Kind {
				k = i
			}
		}
		b = append(b, byte(k), byte(st), byte(m.OccurredAt.Sub(t0).Hours()))
	}
	return b
}

// FuzzReplay checks that Replay never panics, that every distinct milestone
// is on the timeline in time order, and that the final state does not depend
// on the order the milestones arrived in.
func FuzzReplay(f *testing.F) {
	hp := happyPath()
	for i := range hp {
		hp[i].OccurredAt = t0.Add(hp[i].OccurredAt.Sub(t0) / 3) // within a byte of hours
	}
	f.Add(encode(hp), uint64(1))
	f.Add(encode([]Milestone{ms("", KindOrderCreated, 0), ms("", KindCancelled, 2), ms("", KindShipmentCreated, 1)}), uint64(7))
	f.Add([]byte{0, 0, 5, 12, 10, 3, 250, 0, 1}, uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		events := milestonesFrom(data)
		a, errA := Replay(events)
		shuffled := append([]Milestone(nil), events...)
		rand.New(rand.NewPCG(seed, 0)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b, errB := Replay(shuffled)

		if a.State != b.State || !a.Since.Equal(b.Since) || (errA == nil) != (errB == nil) {
			t.Fatalf("arrival order changed the result: %s since %v (%v) vs %s since %v (%v)", a.State, a.Since, errA, b.State, b.Since, errB)
		}
		if !a.State.Valid() {
			t.Fatalf("state %q is not a state", a.State)
		}
		if len(a.Entries) != len(events) {
			t.Fatalf("%d entries for %d distinct milestones", len(a.Entries), len(events))
		}
		distinct := map[int64]bool{}
		for _, m := range events {
			distinct[m.OccurredAt.UnixNano()] = true
		}
		for i, e := range a.Entries {
			if i > 0 && e.Milestone.OccurredAt.Before(a.Entries[i-1].Milestone.OccurredAt) {
				t.Fatalf("entry %d out of time order", i)
			}
			if len(distinct) == len(events) && e.Milestone.ID != b.Entries[i].Milestone.ID {
				t.Fatalf("with distinct times, entry %d is %s in one order and %s in another", i, e.Milestone.ID, b.Entries[i].Milestone.ID)
			}
			if e.Outcome == Moved {
				if !legalMove(e.From, e.To) {
					t.Fatalf("entry %d moved %s → %s, which Transition refuses: %v", i, e.From, e.To, Transition(e.From, e.To))
				}
			} else if e.From != e.To {
				t.Fatalf("entry %d is %s but changed the state %s → %s", i, e.Outcome, e.From, e.To)
			}
			if (e.Outcome == Refused || e.Outcome == Invalid) && e.Reason == "" {
				t.Fatalf("entry %d is %s without a reason", i, e.Outcome)
			}
		}
		again, _ := Replay(append(events, events...))
		if again.State != a.State || again.Duplicates != len(events) {
			t.Fatalf("replaying twice: %s with %d duplicates, want %s with %d", again.State, again.Duplicates, a.State, len(events))
		}
	})
}

// legalMove reports whether one milestone may take an order from one state
// to another: one transition, or reaching delivered and settling on to
// invoiced and paid in the same step.
func legalMove(from, to State) bool {
	if Transition(from, to) == nil {
		return true
	}
	if to != StateInvoiced && to != StatePaid {
		return false
	}
	return from == StateDelivered || from == StateInvoiced || Transition(from, StateDelivered) == nil
}

// FuzzApplyAmendment checks that a change from a partner never panics,
// never touches the order it was applied to, and never yields an order
// with a validation problem the original did not have.
func FuzzApplyAmendment(f *testing.F) {
	f.Add("lines[0].quantity", "100", "120")
	f.Add("lines[1].unit_price", "", "9.50")
	f.Add("requested_delivery_date", "2026-05-01", "2026-02-30")
	f.Add("lines[99999999999999999999].quantity", "", "1")
	f.Add("lines[0].quantity", "", "1e999999")
	f.Add("lines[0].unit_price", "", "-0.01")
	f.Fuzz(func(t *testing.T, path, from, to string) {
		o := sampleOrder()
		before := fmt.Sprintf("%+v %s %s", o.Lines, o.TotalAmount, o.RequestedDeliveryDate)
		got, err := ApplyAmendment(o, Amendment{Changes: []FieldChange{{Path: path, From: from, To: to}}})
		if after := fmt.Sprintf("%+v %s %s", o.Lines, o.TotalAmount, o.RequestedDeliveryDate); after != before {
			t.Fatalf("the original changed:\n%s\n%s", before, after)
		}
		if err != nil {
			return
		}
		if p := newProblems(o, got); len(p) > 0 {
			t.Fatalf("accepted with new problems: %v", p)
		}
	})
}
