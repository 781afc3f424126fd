package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultMaxBytes       = 4 << 20
	DefaultMaxPages       = 1000
	DefaultTimeout        = 30 * time.Second
	DefaultMaxAttempts    = 4
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultMaxRetryAfter  = 5 * time.Minute
	DefaultFailures       = 5
	DefaultCoolDown       = 30 * time.Second
	DefaultMaxCoolDown    = 10 * time.Minute
	defaultBodyClip       = 512
	defaultUserAgent      = "procurehub-tracking"
	maxReasonableAttempts = 100
)

// Config configures a Client for one carrier. Zero fields take the defaults
// above; New validates it.
type Config struct {
	// Carrier names the carrier in errors, logs and breaker transitions.
	Carrier string
	// Auth is how the key is sent.
	Auth Auth
	// HTTPClient sends the requests; nil means a client with DefaultTimeout.
	HTTPClient *http.Client
	// UserAgent is sent unless the request sets its own.
	UserAgent string
	// MaxBytes bounds a response body; a larger body is an error wrapping
	// ErrTooLarge, never a truncated page.
	MaxBytes int64
	// MaxPages bounds one Pages walk; more is an error wrapping ErrTooManyPages.
	MaxPages int
	Retry    RetryPolicy
	Breaker  BreakerPolicy
	// RateLimit, when PerSecond > 0, spaces requests (every attempt counts).
	RateLimit RateLimit
	// OnStateChange, when set, is called after each breaker transition,
	// outside the Client's locks; calls may overlap when requests do.
	OnStateChange func(Transition)
	// Clock tells time and sleeps; nil means the system clock. Tests inject
	// one whose Sleep returns at once and records the wait.
	Clock Clock
	// Rand draws the backoff jitter; nil means a randomly seeded source.
	// Tests inject rand.New(rand.NewPCG(1, 2)). Used under the Client's lock.
	Rand *rand.Rand
	// Logger receives a debug line per retry; nil discards.
	Logger *slog.Logger
	// Metrics, when set, counts attempts, retries and fast fails and
	// tracks the breaker state under label carrier=Carrier.
	Metrics *Metrics
}

// LogValue logs the settings that matter when reading a log, without the key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("carrier", c.Carrier),
		slog.Any("auth", c.Auth),
		slog.Int64("max_bytes", c.MaxBytes),
		slog.Int("max_attempts", c.Retry.MaxAttempts),
		slog.Duration("backoff_base", c.Retry.Base),
		slog.Duration("backoff_max", c.Retry.Max),
		slog.Int("breaker_failures", c.Breaker.Failures),
		slog.Duration("breaker_cool_down", c.Breaker.CoolDown),
		slog.Float64("rate_limit", c.RateLimit.PerSecond),
	)
}

// RetryPolicy says which failures are tried again and how long to wait.
// Waits are exponential with full jitter: before retry n (1-based) the
// Client sleeps a uniform random duration in [0, min(Max, Base·2^(n-1))),
// or, when the answer carried Retry-After, exactly that (capped by
// MaxRetryAfter).
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	Base        time.Duration
	Max         time.Duration
	// MaxRetryAfter caps a carrier's Retry-After.
	MaxRetryAfter time.Duration
	// RetryNonIdempotent retries POST, PATCH and DELETE too (only when the
	// request body can be replayed: http.NewRequest sets GetBody for the
	// usual body types). GET, HEAD, OPTIONS and PUT are always retried.
	RetryNonIdempotent bool
}

// BreakerPolicy configures the circuit breaker of a Client. A call fails
// when it ends, after its retries, in a 5xx, 408, 429 or network error;
// any other answer (a 404, a body over MaxBytes) shows the carrier is up and
// resets the count. A call the caller cancels counts neither way.
type BreakerPolicy struct {
	// Failures is how many consecutive failed calls (after their retries)
	// open the circuit.
	Failures int
	// CoolDown is how long the circuit stays open before a trial call.
	CoolDown time.Duration
	// MaxCoolDown caps the cool-down, which doubles each time a trial fails.
	MaxCoolDown time.Duration
}

// RateLimit is a client-side token bucket: PerSecond tokens a second, at
// most Burst saved up (1 when zero). PerSecond 0 means no limit.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Clock is the time source of a Client and a Schedule.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever is first, and returns
	// ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Config) setDefaults() {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxPages == 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.UserAgent == "" {
		c.UserAgent = defaultUserAgent
	}
	r := &c.Retry
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.Base == 0 {
		r.Base = DefaultBackoffBase
	}
	if r.Max == 0 {
		r.Max = DefaultBackoffMax
	}
	if r.MaxRetryAfter == 0 {
		r.MaxRetryAfter = DefaultMaxRetryAfter
	}
	b := &c.Breaker
	if b.Failures == 0 {
		b.Failures = DefaultFailures
	}
	if b.CoolDown == 0 {
		b.CoolDown = DefaultCoolDown
	}
	if b.MaxCoolDown == 0 {
		b.MaxCoolDown = max(DefaultMaxCoolDown, b.CoolDown)
	}
	if c.RateLimit.PerSecond > 0 && c.RateLimit.Burst == 0 {
		c.RateLimit.Burst = 1
	}
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if c.Carrier == "" {
		errs = append(errs, errors.New("carrier: required"))
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("max_bytes: %d is negative", c.MaxBytes))
	}
	if c.MaxPages < 0 {
		errs = append(errs, fmt.Errorf("max_pages: %d is negative", c.MaxPages))
	}
	if c.Retry.MaxAttempts < 0 || c.Retry.MaxAttempts > maxReasonableAttempts {
		errs = append(errs, fmt.Errorf("retry.max_attempts: %d is outside 1..%d", c.Retry.MaxAttempts, maxReasonableAttempts))
	}
	if c.Retry.Base < 0 || c.Retry.Max < 0 || c.Retry.MaxRetryAfter < 0 {
		errs = append(errs, errors.New("retry: durations must not be negative"))
	}
	if c.Retry.Max != 0 && c.Retry.Base > c.Retry.Max {
		errs = append(errs, fmt.Errorf("retry: base %v is above max %v", c.Retry.Base, c.Retry.Max))
	}
	if c.Breaker.Failures < 0 {
		errs = append(errs, fmt.Errorf("breaker.failures: %d is negative", c.Breaker.Failures))
	}
	if c.Breaker.CoolDown < 0 || c.Breaker.MaxCoolDown < 0 {
		errs = append(errs, errors.New("breaker: durations must not be negative"))
	}
	if c.Breaker.MaxCoolDown != 0 && c.Breaker.CoolDown > c.Breaker.MaxCoolDown {
		errs = append(errs, fmt.Errorf("breaker: cool-down %v is above max %v", c.Breaker.CoolDown, c.Breaker.MaxCoolDown))
	}
	if c.RateLimit.PerSecond < 0 || c.RateLimit.Burst < 0 {
		errs = append(errs, errors.New("rate_limit: must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("httpapi: config: %w", err)
	}
	return nil
}

// lockedRand makes a *rand.Rand safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}
