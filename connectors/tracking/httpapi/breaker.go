package httpapi

import (
	"sync"
	"time"
)

// State is a circuit breaker state.
type State int

// The breaker states. Closed lets calls through; Open fails them fast;
// HalfOpen lets one trial call through and fails the others fast.
const (
	Closed State = iota
	Open
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// BreakerState is a snapshot of a carrier's breaker.
type BreakerState struct {
	State State
	// Since is when the breaker entered State.
	Since time.Time
	// UnreachableSince is when the circuit first opened in the current
	// outage (kept through half-open trials); zero while closed.
	UnreachableSince time.Time
	// RetryAt is when an open circuit lets a trial through; zero otherwise.
	RetryAt time.Time
	// Failures counts consecutive failed calls.
	Failures int
}

// Transition is passed to Config.OnStateChange.
type Transition struct {
	Carrier          string
	From, To         State
	At               time.Time
	UnreachableSince time.Time // zero when To is Closed
	RetryAt          time.Time // set when To is Open
	// Err is the failure that opened the circuit (redacted), nil otherwise.
	Err error
}

type outcome int

const (
	neutral outcome = iota // the caller gave up, or the request never left
	success                // the carrier answered (even 4xx)
	failure                // 5xx, 408/429 or a network error, after retries
)

type breaker struct {
	carrier  string
	policy   BreakerPolicy
	onChange func(Transition)

	mu          sync.Mutex
	st          BreakerState
	coolDown    time.Duration
	trialFlying bool
}

func newBreaker(carrier string, p BreakerPolicy, onChange func(Transition), now time.Time) *breaker {
	return &breaker{carrier: carrier, policy: p, onChange: onChange, coolDown: p.CoolDown,
		st: BreakerState{State: Closed, Since: now}}
}

func (b *breaker) state() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// allow says whether a call may go out now, and whether it is the trial.
func (b *breaker) allow(now time.Time) (trial bool, err error) {
	b.mu.Lock()
	var tr *Transition
	defer func() {
		b.mu.Unlock()
		b.notify(tr)
	}()
	switch b.st.State {
	case Closed:
		return false, nil
	case Open:
		if now.Before(b.st.RetryAt) {
			return false, b.openErr()
		}
		tr = b.move(HalfOpen, now, nil)
		b.trialFlying = true
		return true, nil
	default: // HalfOpen
		if b.trialFlying {
			return false, b.openErr()
		}
		b.trialFlying = true
		return true, nil
	}
}

func (b *breaker) openErr() error {
	if b.st.State == HalfOpen {
		return &CircuitOpenError{Carrier: b.carrier, Since: b.st.UnreachableSince, RetryAt: b.st.Since, Trial: true}
	}
	return &CircuitOpenError{Carrier: b.carrier, Since: b.st.UnreachableSince, RetryAt: b.st.RetryAt}
}

// record books the outcome of a call allowed by allow.
func (b *breaker) record(now time.Time, trial bool, o outcome, cause error) {
	b.mu.Lock()
	var tr *Transition
	defer func() {
		b.mu.Unlock()
		b.notify(tr)
	}()
	if trial {
		b.trialFlying = false
	}
	switch o {
	case neutral:
	case success:
		b.st.Failures = 0
		if b.st.State != Closed {
			b.coolDown = b.policy.CoolDown
			tr = b.move(Closed, now, nil)
		}
	case failure:
		b.st.Failures++
		switch {
		case trial && b.st.State == HalfOpen:
			b.coolDown = min(2*b.coolDown, b.policy.MaxCoolDown)
			tr = b.move(Open, now, cause)
		case b.st.State == Closed && b.st.Failures >= b.policy.Failures:
			b.coolDown = b.policy.CoolDown
			tr = b.move(Open, now, cause)
		}
	}
}

// move changes state under b.mu and returns the transition to announce.
func (b *breaker) move(to State, now time.Time, cause error) *Transition {
	from := b.st.State
	b.st.State = to
	b.st.Since = now
	b.st.RetryAt = time.Time{}
	switch to {
	case Open:
		if b.st.UnreachableSince.IsZero() {
			b.st.UnreachableSince = now
		}
		b.st.RetryAt = now.Add(b.coolDown)
	case Closed:
		b.st.UnreachableSince = time.Time{}
	}
	return &Transition{Carrier: b.carrier, From: from, To: to, At: now,
		UnreachableSince: b.st.UnreachableSince, RetryAt: b.st.RetryAt, Err: cause}
}

func (b *breaker) notify(tr *Transition) {
	if tr != nil && b.onChange != nil {
		b.onChange(*tr)
	}
}
