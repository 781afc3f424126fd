package auth

import (
	"math"
	"sync"
	"time"
)

// RateLimit is how many requests one credential may make: PerMinute on
// average, Burst at once. Zero PerMinute turns the limit off.
type RateLimit struct {
	PerMinute int
	Burst     int // default PerMinute
}

// limiter is a token bucket per key (a credential). Buckets idle long
// enough to be full again are dropped, so the map stays as small as the
// set of active credentials. Safe for concurrent use.
type limiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(l RateLimit) *limiter {
	if l.PerMinute <= 0 {
		return nil
	}
	burst := l.Burst
	if burst <= 0 {
		burst = l.PerMinute
	}
	return &limiter{rate: float64(l.PerMinute) / 60, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes one token of key's bucket at now. When the bucket is empty
// it reports false and how long until a token is back.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep drops the buckets that are full again, at most once a minute.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
}

// retryAfter is wait in whole seconds for a Retry-After header, at least 1.
func retryAfter(wait time.Duration) int {
	s := int(math.Ceil(wait.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
