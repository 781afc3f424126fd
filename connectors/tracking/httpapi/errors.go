package httpapi

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels to branch on with errors.Is.
var (
	// ErrCircuitOpen: the carrier's circuit is open and the call was not
	// sent. The error is a *CircuitOpenError saying when it will retry.
	ErrCircuitOpen = errors.New("circuit open")
	// ErrTooLarge: a response body exceeded Config.MaxBytes.
	ErrTooLarge = errors.New("response too large")
	// ErrPageLoop: a next-page function returned a URL already fetched.
	ErrPageLoop = errors.New("pagination loop")
	// ErrTooManyPages: a walk exceeded Config.MaxPages.
	ErrTooManyPages = errors.New("too many pages")
)

// StatusError is an answer with a status of 400 or above. Its URL is
// redacted and its body clipped, with any echo of the key masked.
type StatusError struct {
	Carrier    string
	Method     string
	URL        string
	StatusCode int
	Status     string // "401 Unauthorized"
	Body       string // at most 512 bytes of the body
	// RetryAfter is the carrier's Retry-After, capped, or 0.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("httpapi: %s: %s %s: %s", e.Carrier, e.Method, e.URL, e.Status)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Temporary reports whether the status is one the Client retries
// (408, 429, 500, 502, 503, 504).
func (e *StatusError) Temporary() bool { return retryableStatus(e.StatusCode) }

// CircuitOpenError is returned without sending while a carrier's circuit is
// open. errors.Is(err, ErrCircuitOpen) holds.
type CircuitOpenError struct {
	Carrier string
	// Since is when the carrier became unreachable (the circuit first opened).
	Since time.Time
	// RetryAt is when the next trial call will be let through; while a
	// trial is under way (Trial) it is when that trial started.
	RetryAt time.Time
	// Trial is set when the circuit is half-open and its one trial call is
	// still under way: its outcome decides.
	Trial bool
}

func (e *CircuitOpenError) Error() string {
	if e.Trial {
		return fmt.Sprintf("httpapi: %s: carrier unreachable since %s: circuit half-open, a trial call is under way",
			e.Carrier, e.Since.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("httpapi: %s: carrier unreachable since %s: circuit open, next try at %s",
		e.Carrier, e.Since.UTC().Format(time.RFC3339), e.RetryAt.UTC().Format(time.RFC3339))
}

// Is matches ErrCircuitOpen.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

func retryableStatus(code int) bool {
	switch code {
	case 408, 429, 500, 502, 503, 504:
		return true
	}
	return false
}
