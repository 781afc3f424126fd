package httpapi

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func newSchedule(t *testing.T, p SchedulePolicy) (*Schedule, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	s, err := NewSchedule(p, clock, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	return s, clock
}

// pollFor runs a poller against s every step until end: each due number is
// polled and observed with the status status(number, now) gives, changed at
// changedAt. It returns the times each number was polled.
func pollFor(s *Schedule, clock *fakeClock, step, d time.Duration, status func(string, time.Time) (string, time.Time)) map[string][]time.Time {
	polls := map[string][]time.Time{}
	for end := clock.Now().Add(d); clock.Now().Before(end); clock.Advance(step) {
		now := clock.Now()
		for _, n := range s.Due(now) {
			polls[n] = append(polls[n], now)
			st, at := status(n, now)
			s.Observe(n, st, at)
		}
	}
	return polls
}

func gaps(ts []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i].Sub(ts[i-1]))
	}
	return out
}

func TestSchedule(t *testing.T) {
	t.Run("in-transit shipments are polled about every 15 minutes", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{})
		s.Add("1Z999", "in_transit", t0)
		polls := pollFor(s, clock, time.Minute, 6*time.Hour, func(string, time.Time) (string, time.Time) { return "in_transit", t0 })
		g := gaps(polls["1Z999"])
		if len(g) < 20 {
			t.Fatalf("polled %d times in 6 h, want about 24", len(polls["1Z999"]))
		}
		for _, d := range g {
			if d < 13*time.Minute || d > 18*time.Minute { // 15 min ±10%, on a 1-minute tick
				t.Errorf("gap %v, want 15 min ±10%%", d)
			}
		}
		if slices.Min(g) == slices.Max(g) {
			t.Errorf("all gaps %v: no jitter", g[0])
		}
	})

	t.Run("info_received shipments are polled less often than in-transit ones", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{})
		s.Add("moving", "in_transit", t0)
		s.Add("label", "info_received", t0)
		polls := pollFor(s, clock, time.Minute, 12*time.Hour, func(n string, _ time.Time) (string, time.Time) {
			return map[string]string{"moving": "In_Transit ", "label": "info_received"}[n], t0
		})
		moving, label := len(polls["moving"]), len(polls["label"])
		if label < 10 || label > 14 || moving < 40 {
			t.Errorf("in 12 h: %d polls in transit, %d info_received; want ~48 and ~12", moving, label)
		}
	})

	t.Run("delivered shipments are polled less often and dropped after 3 days", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{Final: 12 * time.Hour, DropAfter: 72 * time.Hour})
		s.Add("1Z999", "out_for_delivery", t0)
		deliveredAt := t0.Add(2 * time.Hour)
		polls := pollFor(s, clock, 5*time.Minute, 5*24*time.Hour, func(_ string, now time.Time) (string, time.Time) {
			if now.Before(deliveredAt) {
				return "out_for_delivery", t0
			}
			return "delivered", deliveredAt
		})
		var after []time.Time
		for _, p := range polls["1Z999"] {
			if !p.Before(deliveredAt) {
				after = append(after, p)
			}
		}
		if len(after) < 5 || len(after) > 8 {
			t.Errorf("polled %d times after delivery, want a handful (every 12 h for 3 days)", len(after))
		}
		for _, d := range gaps(after) {
			if d < 10*time.Hour {
				t.Errorf("gap %v after delivery, want about 12 h", d)
			}
		}
		last := after[len(after)-1]
		if last.Before(deliveredAt.Add(72*time.Hour)) || last.After(deliveredAt.Add(73*time.Hour)) {
			t.Errorf("last poll %v after delivery, want at 72 h", last.Sub(deliveredAt))
		}
		if s.Len() != 0 {
			t.Errorf("%d numbers still scheduled, want the delivered one dropped", s.Len())
		}
		if _, ok := s.Next("1Z999"); ok {
			t.Error("Next knows a dropped number")
		}
	})

	t.Run("Observe says when a finished shipment is dropped", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{DropAfter: 72 * time.Hour})
		clock.Advance(80 * time.Hour)
		if _, dropped := s.Observe("old", "returned", t0); !dropped {
			t.Error("a shipment returned 80 h ago was kept")
		}
		if next, dropped := s.Observe("recent", "Delivered", t0.Add(79*time.Hour)); dropped || !next.After(clock.Now()) {
			t.Errorf("a shipment delivered an hour ago: next %v, dropped %v", next, dropped)
		}
	})

	t.Run("numbers added together do not all fire at once", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{})
		for i := range 200 {
			s.Add(fmt.Sprintf("N%03d", i), "in_transit", t0)
		}
		first := map[time.Time]bool{}
		for i := range 200 {
			next, _ := s.Next(fmt.Sprintf("N%03d", i))
			first[next] = true
		}
		if len(first) < 150 {
			t.Errorf("first polls at %d distinct times for 200 numbers, want spread", len(first))
		}
		due := s.Due(clock.Now().Add(30 * time.Second))
		if len(due) == 0 || len(due) > 20 {
			t.Errorf("%d of 200 due in the first 30 s, want a few", len(due))
		}
		pollFor(s, clock, time.Minute, time.Hour, func(string, time.Time) (string, time.Time) { return "in_transit", t0 })
		perMinute := map[time.Time]int{}
		for i := range 200 {
			next, _ := s.Next(fmt.Sprintf("N%03d", i))
			perMinute[next.Truncate(time.Minute)]++
		}
		for m, n := range perMinute {
			if n > 30 {
				t.Errorf("%d of 200 due in the minute of %v", n, m)
			}
		}
	})

	t.Run("a number whose poll failed comes back after its interval", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{Jitter: -1, FirstPoll: -1})
		s.Add("1Z999", "in_transit", t0)
		now := clock.Now()
		if got := s.Due(now); len(got) != 1 {
			t.Fatalf("due = %v, want the new number", got)
		}
		if got := s.Due(now.Add(14 * time.Minute)); len(got) != 0 {
			t.Errorf("due again before its interval: %v", got)
		}
		if got := s.Due(now.Add(15 * time.Minute)); len(got) != 1 {
			t.Errorf("not due after its interval: %v", got)
		}
	})

	t.Run("Due lists the most overdue first", func(t *testing.T) {
		s, clock := newSchedule(t, SchedulePolicy{Jitter: -1})
		s.Observe("b", "in_transit", t0)
		clock.Advance(time.Minute)
		s.Observe("a", "in_transit", t0)
		s.Observe("c", "info_received", t0)
		if got := fmt.Sprint(s.Due(clock.Now().Add(2 * time.Hour))); got != "[b a c]" {
			t.Errorf("due = %s, want [b a c]", got)
		}
	})

	t.Run("a jitter of 1 or more is a config error", func(t *testing.T) {
		if _, err := NewSchedule(SchedulePolicy{Jitter: 1}, nil, nil); err == nil {
			t.Error("no error")
		}
	})
}
