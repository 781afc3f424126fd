package web

import (
	"strings"
	"sync"
	"time"
)

// Login throttling: after maxFailures refused passwords of one username
// within failureWindow, further attempts for it are refused unchecked
// (429) until the window has passed, so that passwords cannot be guessed
// through the dashboard faster than that. Tokens are not throttled: they
// are 32 random bytes, and counting them would let anyone lock everyone
// out.
const (
	maxFailures   = 10
	failureWindow = 15 * time.Minute
	maxTracked    = 10000
)

type failures struct {
	mu  sync.Mutex
	now func() time.Time
	by  map[string]*failureCount
}

type failureCount struct {
	n     int
	since time.Time
}

func newFailures(now func() time.Time) *failures {
	return &failures{now: now, by: map[string]*failureCount{}}
}

// failureKey is what attempts count against: the username, case-folded.
func failureKey(username string) string { return strings.ToLower(username) }

// blocked reports whether key has used up its failures.
func (f *failures) blocked(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.by[key]
	if c == nil {
		return false
	}
	if f.now().Sub(c.since) > failureWindow {
		delete(f.by, key)
		return false
	}
	return c.n >= maxFailures
}

// fail counts a refused login of key.
func (f *failures) fail(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	c := f.by[key]
	if c == nil || now.Sub(c.since) > failureWindow {
		if len(f.by) >= maxTracked {
			for k, old := range f.by {
				if now.Sub(old.since) > failureWindow {
					delete(f.by, k)
				}
			}
		}
		if len(f.by) >= maxTracked {
			return // full of live counts: this one is not tracked
		}
		c = &failureCount{since: now}
		f.by[key] = c
	}
	c.n++
}

// succeed forgets key's failures.
func (f *failures) succeed(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.by, key)
}
