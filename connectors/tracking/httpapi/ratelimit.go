package httpapi

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket. A waiter takes its token up front (the count
// may go negative) and sleeps until the refill covers it, so concurrent
// waiters queue in arrival order.
type bucket struct {
	clock Clock
	rate  float64 // tokens per second
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(c Clock, r RateLimit) *bucket {
	return &bucket{clock: c, rate: r.PerSecond, burst: float64(r.Burst), tokens: float64(r.Burst), last: c.Now()}
}

// wait takes a token, sleeping until one is due or ctx is done.
func (b *bucket) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	now := b.clock.Now()
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(b.burst, b.tokens+el.Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	var d time.Duration
	if b.tokens < 0 {
		d = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if err := b.clock.Sleep(ctx, d); err != nil {
		b.mu.Lock()
		b.tokens++ // give the reservation back
		b.mu.Unlock()
		return err
	}
	return nil
}
