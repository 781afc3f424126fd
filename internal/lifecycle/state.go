package lifecycle

import (
	"errors"
	"fmt"
	"slices"
)

// State is where an order is in its life. The strings are stable: the store,
// the API and the dashboard use them.
type State string

// The states. StateSubmitted and StateNeedsReview have the same strings as
// the store's StatusSubmitted and StatusNeedsReview.
const (
	StateDraft          State = "draft"
	StateSubmitted      State = "submitted"
	StateNeedsReview    State = "needs_review"
	StateConfirmed      State = "confirmed"
	StateInProduction   State = "in_production"
	StateReadyToShip    State = "ready_to_ship"
	StateShipped        State = "shipped"
	StateInTransit      State = "in_transit"
	StateAtCustoms      State = "at_customs"
	StateCustomsCleared State = "customs_cleared"
	StateDelivered      State = "delivered"
	StateInvoiced       State = "invoiced"
	StatePaid           State = "paid"
	StateClosed         State = "closed"
	StateRejected       State = "rejected"
	StateCancelled      State = "cancelled"
)

// mainLine is the normal course of an order; a state's index is its rank.
var mainLine = []State{
	StateDraft, StateSubmitted, StateConfirmed, StateInProduction, StateReadyToShip,
	StateShipped, StateInTransit, StateAtCustoms, StateCustomsCleared, StateDelivered,
	StateInvoiced, StatePaid, StateClosed,
}

// States lists every state: the main line in order, then needs_review,
// rejected and cancelled.
func States() []State {
	return append(slices.Clone(mainLine), StateNeedsReview, StateRejected, StateCancelled)
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States(), s) }

// Final reports whether nothing can follow s: closed, rejected, cancelled.
func (s State) Final() bool {
	return s == StateClosed || s == StateRejected || s == StateCancelled
}

// rank is the position of s on the main line; needs_review ranks with
// submitted; rejected and cancelled are off the line (-1).
func (s State) rank() int {
	if s == StateNeedsReview {
		return 1
	}
	return slices.Index(mainLine, s)
}

// fulfilment is the part of the main line an order may jump along, forward.
var fulfilment = []State{
	StateInProduction, StateReadyToShip, StateShipped, StateInTransit,
	StateAtCustoms, StateCustomsCleared, StateDelivered,
}

// after returns the fulfilment states after s (all of them for a state
// before in_production).
func fulfilmentAfter(s State) []State {
	i := slices.Index(fulfilment, s)
	return slices.Clone(fulfilment[i+1:])
}

func join(groups ...[]State) []State { return slices.Concat(groups...) }

// transitions is the table: from → the states it may go to directly.
var transitions = map[State][]State{
	StateDraft:       {StateSubmitted, StateNeedsReview, StateCancelled},
	StateSubmitted:   join([]State{StateNeedsReview, StateConfirmed, StateRejected, StateCancelled}, fulfilment),
	StateNeedsReview: {StateSubmitted, StateCancelled},
	StateConfirmed:   join([]State{StateSubmitted, StateCancelled}, fulfilment),
	StateInProduction: join([]State{StateSubmitted, StateCancelled},
		fulfilmentAfter(StateInProduction)),
	StateReadyToShip:    join([]State{StateCancelled}, fulfilmentAfter(StateReadyToShip)),
	StateShipped:        fulfilmentAfter(StateShipped),
	StateInTransit:      fulfilmentAfter(StateInTransit),
	StateAtCustoms:      fulfilmentAfter(StateAtCustoms),
	StateCustomsCleared: fulfilmentAfter(StateCustomsCleared),
	StateDelivered:      {StateInvoiced},
	StateInvoiced:       {StatePaid},
	StatePaid:           {StateClosed},
	StateClosed:         nil,
	StateRejected:       nil,
	StateCancelled:      nil,
}

// Transitions returns the transition table: for every state, the states it
// may go to directly, in a stable order. The caller owns the result.
func Transitions() map[State][]State {
	out := make(map[State][]State, len(transitions))
	for from, to := range transitions {
		out[from] = slices.Clone(to)
	}
	return out
}

// ErrIllegalTransition is what every *TransitionError matches with errors.Is.
var ErrIllegalTransition = errors.New("illegal transition")

// TransitionError is a refused transition with the reason a user reads.
type TransitionError struct {
	From, To State
	Reason   string
}

func (e *TransitionError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// Transition checks that an order may go from one state to another
// directly. It returns nil or a *TransitionError whose message says why not:
// "an order cannot go from delivered back to in_transit".
func Transition(from, to State) error {
	refuse := func(format string, args ...any) error {
		return &TransitionError{From: from, To: to, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case !from.Valid():
		return refuse("%q is not an order state", from)
	case !to.Valid():
		return refuse("%q is not an order state", to)
	case from == to:
		return refuse("the order is already %s", from)
	case slices.Contains(transitions[from], to):
		return nil
	case from.Final():
		return refuse("an order cannot go from %s to %s: %s is final", from, to, from)
	case to == StateCancelled:
		return refuse("an order cannot be cancelled once %s: the goods have left; return them instead", from)
	case to == StateRejected && from != StateDraft:
		return refuse("an order cannot be rejected once %s: the supplier rejects a submitted order, or cancels", from)
	case to == StateRejected:
		return refuse("a draft cannot be rejected: it has not been submitted to the supplier")
	case to == StateNeedsReview:
		return refuse("an order cannot be held for review once %s: review holds an order before it is confirmed", from)
	case to == StateClosed:
		return refuse("an order cannot be closed while %s: it closes once paid", from)
	case from == StateNeedsReview:
		return refuse("an order held for review (needs_review) cannot go to %s: correct it first", to)
	case from == StateDraft:
		return refuse("a draft cannot go to %s: submit it first", to)
	case to == StateSubmitted && from.rank() > StateInProduction.rank():
		return refuse("an order cannot go from %s back to submitted: it cannot be amended once ready to ship", from)
	case to.rank() >= 0 && to.rank() < from.rank():
		return refuse("an order cannot go from %s back to %s", from, to)
	case (to == StateInvoiced || to == StatePaid) && from.rank() < StateDelivered.rank():
		return refuse("an order cannot go from %s to %s: it is delivered first", from, to)
	case to == StatePaid:
		return refuse("an order cannot go from %s to paid: it is invoiced first", from)
	}
	return refuse("an order cannot go from %s to %s", from, to)
}
