package httpapi

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of SchedulePolicy.
const (
	DefaultActiveInterval = 15 * time.Minute
	DefaultInfoInterval   = time.Hour
	DefaultFinalInterval  = 12 * time.Hour
	DefaultDropAfter      = 72 * time.Hour
	DefaultJitter         = 0.1
)

// SchedulePolicy says how often a tracking number is polled, by its last
// normalized status.
type SchedulePolicy struct {
	// Active is the interval of shipments under way ("in_transit",
	// "out_for_delivery", "exception", "failed_attempt", unknown statuses).
	Active time.Duration
	// InfoReceived is the interval of shipments the carrier knows about but
	// has not picked up ("info_received", "pending", or no status yet).
	InfoReceived time.Duration
	// Final is the interval of finished shipments ("delivered", "returned",
	// "cancelled", "canceled", "expired"), polled a few more times in case
	// the status is corrected.
	Final time.Duration
	// DropAfter is how long after its status last changed a finished
	// shipment is polled; the poll at or after that time is its last.
	DropAfter time.Duration
	// FirstPoll spreads the first polls of added numbers: each is due at a
	// uniformly random time within FirstPoll of being added, so a batch
	// registered together is spread over an interval. Zero means Active;
	// negative means at once.
	FirstPoll time.Duration
	// Jitter spreads each interval by ±Jitter (a fraction: 0.1 is ±10%) so
	// that numbers added together do not stay in step; negative means none.
	Jitter float64
}

func (p *SchedulePolicy) setDefaults() {
	if p.Active == 0 {
		p.Active = DefaultActiveInterval
	}
	if p.InfoReceived == 0 {
		p.InfoReceived = DefaultInfoInterval
	}
	if p.Final == 0 {
		p.Final = DefaultFinalInterval
	}
	if p.DropAfter == 0 {
		p.DropAfter = DefaultDropAfter
	}
	if p.FirstPoll == 0 {
		p.FirstPoll = p.Active
	}
	if p.FirstPoll < 0 {
		p.FirstPoll = 0
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultJitter
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
}

// Validate reports negative intervals and a jitter of 1 or more.
func (p SchedulePolicy) Validate() error {
	if p.Active < 0 || p.InfoReceived < 0 || p.Final < 0 || p.DropAfter < 0 {
		return errors.New("httpapi: schedule: intervals must not be negative")
	}
	if p.Jitter >= 1 {
		return fmt.Errorf("httpapi: schedule: jitter %v must be below 1", p.Jitter)
	}
	return nil
}

// Schedule decides when each tracking number is polled next. The poller
// Adds numbers, asks Due(now) for those to poll, and reports each poll with
// Observe, which reschedules the number from its new status — or drops it.
// Due leases the numbers it returns for one interval, so a number whose poll
// failed (no Observe) comes back after its interval. Safe for concurrent use.
type Schedule struct {
	policy SchedulePolicy
	clock  Clock
	rnd    *lockedRand

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	status    string
	changedAt time.Time
	next      time.Time
}

// NewSchedule returns an empty Schedule. clock (nil: the system clock)
// stamps Add and Observe; r (nil: randomly seeded) draws the jitter.
func NewSchedule(p SchedulePolicy, clock Clock, r *rand.Rand) (*Schedule, error) {
	p.setDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = SystemClock{}
	}
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &Schedule{policy: p, clock: clock, rnd: &lockedRand{r: r}, entries: make(map[string]*entry)}, nil
}

// Add schedules a number not polled yet, with its last known status ("" if
// none) and when that status was set. Its first poll is due within
// FirstPoll from now. Adding a known number changes nothing.
func (s *Schedule) Add(number, status string, changedAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[number]; ok {
		return
	}
	now := s.clock.Now()
	spread := time.Duration(s.rnd.float64() * float64(s.policy.FirstPoll))
	s.entries[number] = &entry{status: normalize(status), changedAt: changedAt, next: now.Add(spread)}
}

// Observe records a poll of number that found status, last changed at
// changedAt. It returns when the number is due next, or dropped=true when
// it is finished and DropAfter has passed since changedAt (the number is
// then forgotten). An unknown number is added.
func (s *Schedule) Observe(number, status string, changedAt time.Time) (next time.Time, dropped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	e, ok := s.entries[number]
	if !ok {
		e = &entry{}
		s.entries[number] = e
	}
	e.status, e.changedAt = normalize(status), changedAt
	if final(e.status) && !now.Before(changedAt.Add(s.policy.DropAfter)) {
		delete(s.entries, number)
		return time.Time{}, true
	}
	e.next = s.nextAfter(e, now)
	return e.next, false
}

// Due returns the numbers due at now, earliest first, and leases them: each
// is not returned again before one interval has passed, unless Observe
// reschedules it.
func (s *Schedule) Due(now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	type due struct {
		number string
		at     time.Time
	}
	var ds []due
	for n, e := range s.entries {
		if !e.next.After(now) {
			ds = append(ds, due{n, e.next})
			e.next = s.nextAfter(e, now)
			if !e.next.After(now) { // a finished shipment at its drop time
				e.next = now.Add(s.policy.Final)
			}
		}
	}
	slices.SortFunc(ds, func(a, b due) int {
		return cmp.Or(a.at.Compare(b.at), strings.Compare(a.number, b.number))
	})
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.number
	}
	return out
}

// Next returns when number is due next.
func (s *Schedule) Next(number string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[number]
	if !ok {
		return time.Time{}, false
	}
	return e.next, true
}

// Remove forgets number.
func (s *Schedule) Remove(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, number)
}

// Len returns how many numbers are scheduled.
func (s *Schedule) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// nextAfter is now plus the status's interval, jittered; a finished
// shipment is not polled later than its drop time.
func (s *Schedule) nextAfter(e *entry, now time.Time) time.Time {
	iv := s.policy.Active
	switch {
	case final(e.status):
		iv = s.policy.Final
	case e.status == "" || e.status == "info_received" || e.status == "pending":
		iv = s.policy.InfoReceived
	}
	f := 1 + s.policy.Jitter*(2*s.rnd.float64()-1)
	next := now.Add(time.Duration(float64(iv) * f))
	if final(e.status) {
		if drop := e.changedAt.Add(s.policy.DropAfter); next.After(drop) {
			next = drop
			if next.Before(now) {
				next = now
			}
		}
	}
	return next
}

func normalize(status string) string { return strings.ToLower(strings.TrimSpace(status)) }

func final(status string) bool {
	switch status {
	case "delivered", "returned", "cancelled", "canceled", "expired":
		return true
	}
	return false
}
