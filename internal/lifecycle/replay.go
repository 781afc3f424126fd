package lifecycle

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Outcome is what a milestone did to the order's state.
type Outcome string

const (
	// Moved: the milestone moved the state (Entry.From → Entry.To).
	Moved Outcome = "moved"
	// Implied: the order was already there or past it (in_transit reported
	// after delivered); kept on the timeline, the state stays.
	Implied Outcome = "implied"
	// Recorded: kept on the timeline without a state of its own (an
	// amendment that keeps the state, a carrier exception, an invoice
	// before delivery).
	Recorded Outcome = "recorded"
	// Refused: the move is illegal (Entry.Reason says why); the state stays.
	Refused Outcome = "refused"
	// Invalid: the milestone cannot be read (unknown kind, no time).
	Invalid Outcome = "invalid"
)

// Entry is one milestone on an order's timeline and what it did.
type Entry struct {
	Milestone Milestone `json:"milestone"`
	Outcome   Outcome   `json:"outcome"`
	From      State     `json:"from"`
	To        State     `json:"to"`
	Reason    string    `json:"reason,omitempty"`
}

// Timeline is an order's history folded from its milestones.
type Timeline struct {
	// State is the current state; Since is the time of the milestone that
	// put the order there (zero while it is still a draft).
	State State     `json:"state"`
	Since time.Time `json:"since,omitzero"`
	// Entries are every distinct milestone in occurred_at order, ties
	// broken by kind (the usual order of a life) and then by arrival.
	Entries []Entry `json:"entries"`
	// Duplicates counts milestones dropped because their ID came earlier.
	Duplicates int `json:"duplicates,omitempty"`
	// InvoicedAt and PaidAt are the times of the first invoice and the
	// first payment, whatever the state (they may precede delivery).
	InvoicedAt time.Time `json:"invoiced_at,omitzero"`
	PaidAt     time.Time `json:"paid_at,omitzero"`
}

// Refused returns the entries that were refused or invalid.
func (t Timeline) Refused() []Entry {
	var out []Entry
	for _, e := range t.Entries {
		if e.Outcome == Refused || e.Outcome == Invalid {
			out = append(out, e)
		}
	}
	return out
}

// Replay folds milestones, in any arrival order, into a timeline. An order
// starts as a draft. Milestones are placed by OccurredAt (ties by kind,
// then arrival); the same milestone twice (same ID, or the same content
// without an ID) counts once, as the first to arrive. Every distinct milestone is on the timeline
// with its outcome; a refused one leaves the state as it was and later legal
// ones still apply. The error lists the invalid milestones (unknown kind, no
// time); the timeline is complete without them. See the package comment for
// what is refused and what is merely late.
func Replay(events []Milestone) (Timeline, error) {
	var t Timeline
	seen := make(map[string]bool, len(events))
	type item struct {
		m     Milestone
		order int
	}
	items := make([]item, 0, len(events))
	for i, m := range events {
		k := m.key()
		if seen[k] {
			t.Duplicates++
			continue
		}
		seen[k] = true
		items = append(items, item{m, i})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := a.m.OccurredAt.Compare(b.m.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.m.tieRank(), b.m.tieRank())
	})

	f := fold{state: StateDraft}
	var errs []error
	t.Entries = make([]Entry, 0, len(items))
	for _, it := range items {
		e := f.apply(it.m)
		if e.Outcome == Invalid {
			errs = append(errs, fmt.Errorf("lifecycle: milestone %d (id %q): %s", it.order+1, it.m.ID, e.Reason))
		}
		t.Entries = append(t.Entries, e)
	}
	t.State, t.Since, t.InvoicedAt, t.PaidAt = f.state, f.since, f.invoicedAt, f.paidAt
	return t, errors.Join(errs...)
}

// fold is the state of a Replay between milestones.
type fold struct {
	state              State
	since              time.Time
	invoicedAt, paidAt time.Time
}

func (f *fold) apply(m Milestone) Entry {
	e := Entry{Milestone: m, From: f.state, To: f.state}
	if err := m.check(); err != nil {
		e.Outcome, e.Reason = Invalid, err.Error()
		return e
	}
	record := func(format string, args ...any) Entry {
		e.Outcome, e.Reason = Recorded, fmt.Sprintf(format, args...)
		return e
	}
	refuse := func(err error) Entry {
		e.Outcome, e.Reason = Refused, err.Error()
		return e
	}

	switch m.Kind {
	case KindAmended, KindCounterProposed:
		what, waits := "an amendment", "the supplier confirms the latest version"
		if m.Kind == KindCounterProposed {
			what, waits = "a counter-proposal", "the buyer accepts it or not"
		}
		switch f.state {
		case StateDraft, StateSubmitted, StateNeedsReview:
			return record("%s keeps the order %s: %s", what, f.state, waits)
		case StateConfirmed, StateInProduction:
			f.move(StateSubmitted, m.OccurredAt)
			e.Outcome, e.To = Moved, f.state
			e.Reason = fmt.Sprintf("%s after confirmation returns the order to submitted: %s", what, waits)
			return e
		}
		return refuse(Transition(f.state, StateSubmitted))
	case KindCounterRejected:
		return record("the buyer declined the counter-proposal; the order stays %s", f.state)
	case KindDocumentReceived, KindMessagePosted:
		return record("%s; the order stays %s", kindNoun(m.Kind), f.state)
	case KindInvoiceReceived, KindPaymentReceived:
		return f.money(m, e)
	}

	target, ok := m.Target()
	if !ok {
		return record("the carrier reported %s; the order stays %s", m.Tracking, f.state)
	}
	if target == f.state {
		e.Outcome, e.Reason = Implied, "the order is already "+string(f.state)
		return e
	}
	if err := Transition(f.state, target); err != nil {
		if slices.Contains(mainLine, target) && f.state.rank() > target.rank() {
			e.Outcome = Implied
			e.Reason = fmt.Sprintf("the order is already %s, past %s", f.state, target)
			return e
		}
		return refuse(err)
	}
	f.move(target, m.OccurredAt)
	f.settle(m.OccurredAt)
	e.Outcome, e.To = Moved, f.state
	return e
}

// money handles an invoice or a payment: noted whenever it comes, and a
// state once the order is delivered (and, for paid, invoiced).
func (f *fold) money(m Milestone, e Entry) Entry {
	target, _ := m.Target()
	if f.state.Final() && f.state != StateClosed {
		e.Outcome, e.Reason = Refused, Transition(f.state, target).Error()
		return e
	}
	first := false
	if m.Kind == KindInvoiceReceived && f.invoicedAt.IsZero() {
		f.invoicedAt, first = m.OccurredAt, true
	}
	if m.Kind == KindPaymentReceived && f.paidAt.IsZero() {
		f.paidAt, first = m.OccurredAt, true
	}
	switch {
	case f.state.rank() >= target.rank():
		e.Outcome, e.Reason = Implied, fmt.Sprintf("the order is already %s", f.state)
	case f.state.rank() < StateDelivered.rank():
		e.Outcome = Recorded
		e.Reason = fmt.Sprintf("%s before delivery; the order becomes %s once delivered", kindNoun(m.Kind), target)
	default:
		f.settle(m.OccurredAt)
		if f.state == e.From {
			e.Outcome, e.Reason = Recorded, "payment before any invoice; the order becomes paid once invoiced"
		} else {
			e.Outcome, e.To = Moved, f.state
		}
	}
	if !first && e.Outcome == Recorded {
		e.Reason = "another " + e.Reason
	}
	return e
}

func kindNoun(k Kind) string {
	switch k {
	case KindDocumentReceived:
		return "a document arrived"
	case KindMessagePosted:
		return "a party wrote on the order's thread"
	}
	if k == KindInvoiceReceived {
		return "invoice"
	}
	return "payment"
}

// settle moves a delivered order on to invoiced and paid when an invoice and
// a payment have been seen.
func (f *fold) settle(at time.Time) {
	if f.state == StateDelivered && !f.invoicedAt.IsZero() {
		f.move(StateInvoiced, at)
	}
	if f.state == StateInvoiced && !f.paidAt.IsZero() {
		f.move(StatePaid, at)
	}
}

func (f *fold) move(to State, at time.Time) {
	f.state, f.since = to, at
}
