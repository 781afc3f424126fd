package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one carrier's API: it adds the key, retries temporary
// failures with backoff, keeps to the rate limit and fails fast while the
// carrier's circuit is open. Safe for concurrent use.
type Client struct {
	cfg     Config
	hc      *http.Client
	clock   Clock
	rnd     *lockedRand
	breaker *breaker
	limiter *bucket
	log     *slog.Logger
}

// Page is one answer from a carrier: a status below 400 and the whole body.
type Page struct {
	// URL is the URL asked for, without the key.
	URL    *url.URL
	Status int
	Header http.Header
	// Body is the whole body, at most Config.MaxBytes.
	Body []byte
	// Number is the 1-based position of the page in a Pages walk (1 from Do).
	Number int
}

// New returns a Client for cfg, after applying defaults and validating it.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, hc: cfg.HTTPClient, clock: cfg.Clock, log: cfg.Logger}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.Auth.Header != "" {
		// A shallow copy shares the transport; only the redirect policy differs.
		hc := *c.hc
		hc.CheckRedirect = keepKeyHome(cfg.Auth.Header, c.hc.CheckRedirect)
		c.hc = &hc
	}
	if c.clock == nil {
		c.clock = SystemClock{}
	}
	r := cfg.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	c.rnd = &lockedRand{r: r}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", "tracking", "carrier", cfg.Carrier)
	c.breaker = newBreaker(cfg.Carrier, cfg.Breaker, c.onChange, c.clock.Now())
	cfg.Metrics.state(cfg.Carrier, c.breaker.state())
	if cfg.RateLimit.PerSecond > 0 {
		c.limiter = newBucket(c.clock, cfg.RateLimit)
	}
	return c, nil
}

func (c *Client) onChange(tr Transition) {
	c.cfg.Metrics.state(c.cfg.Carrier, BreakerState{State: tr.To, UnreachableSince: tr.UnreachableSince})
	if c.cfg.OnStateChange != nil {
		c.cfg.OnStateChange(tr)
	}
}

// keepKeyHome drops the key header from a redirect to another host (net/http
// does so for Authorization, not for "aftership-api-key" and the like), then
// applies the client's own policy or the default one.
func keepKeyHome(header string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && req.URL.Host != via[0].URL.Host {
			req.Header.Del(header)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// Carrier returns Config.Carrier.
func (c *Client) Carrier() string { return c.cfg.Carrier }

// State returns a snapshot of the carrier's circuit breaker.
func (c *Client) State() BreakerState { return c.breaker.state() }

// Get fetches rawURL; see Do.
func (c *Client) Get(ctx context.Context, rawURL string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %s: GET %s: invalid URL", c.cfg.Carrier, c.cfg.Auth.scrub(rawURL))
	}
	return c.Do(ctx, req)
}

// Do sends req (whose own context is replaced by ctx) and returns the page
// when the status is below 400. Temporary failures are retried per
// Config.Retry; a status of 400 or above ends as a *StatusError; a body over
// MaxBytes as ErrTooLarge; an open circuit as a *CircuitOpenError, without
// sending. A half-open circuit lets one call through, unretried, as the
// trial. All errors carry the URL redacted and never the key.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Page, error) {
	trial, err := c.breaker.allow(c.clock.Now())
	if err != nil {
		c.cfg.Metrics.fastFail(c.cfg.Carrier)
		return nil, err
	}
	p, o, err := c.send(ctx, req, trial)
	c.breaker.record(c.clock.Now(), trial, o, err)
	return p, err
}

func (c *Client) send(ctx context.Context, req *http.Request, trial bool) (*Page, outcome, error) {
	attempts := c.cfg.Retry.MaxAttempts
	if trial || !c.replayable(req) {
		attempts = 1
	}
	for attempt := 1; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.wait(ctx); err != nil {
				return nil, neutral, c.wrap(req, err)
			}
		}
		p, o, retryAfter, err := c.once(ctx, req)
		if err == nil || o != failure || attempt >= attempts || ctx.Err() != nil {
			return p, o, err
		}
		var se *StatusError
		if errors.As(err, &se) && !se.Temporary() {
			return nil, o, err // a 501 or 505 counts against the carrier but is not retried
		}
		wait := retryAfter
		if wait < 0 {
			wait = c.backoff(attempt)
		}
		c.cfg.Metrics.retry(c.cfg.Carrier)
		c.log.DebugContext(ctx, "tracking: retrying", "attempt", attempt, "wait", wait, "err", err)
		if serr := c.clock.Sleep(ctx, wait); serr != nil {
			return nil, neutral, fmt.Errorf("%w; last attempt: %w", serr, err)
		}
	}
}

// replayable: idempotent methods, or any method when configured, as long
// as the body can be produced again.
func (c *Client) replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut:
		return true
	}
	return c.cfg.Retry.RetryNonIdempotent
}

// backoff is the full-jitter wait before retry n (1-based).
func (c *Client) backoff(n int) time.Duration {
	ceil := c.cfg.Retry.Base
	for i := 1; i < n && ceil < c.cfg.Retry.Max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.cfg.Retry.Max)
	return time.Duration(c.rnd.float64() * float64(ceil))
}

// once sends one attempt. retryAfter is the carrier's Retry-After when it
// sent one, -1 otherwise.
func (c *Client) once(ctx context.Context, req *http.Request) (_ *Page, _ outcome, retryAfter time.Duration, _ error) {
	retryAfter = -1
	r := req.Clone(ctx)
	if req.GetBody != nil { // a fresh body each time: req may be sent again (a retry, Pages, the caller)
		body, err := req.GetBody()
		if err != nil {
			return nil, neutral, retryAfter, c.wrap(req, err)
		}
		r.Body = body
	}
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	c.cfg.Auth.apply(r)
	resp, err := c.hc.Do(r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, neutral, retryAfter, c.wrap(req, ctx.Err())
		}
		c.cfg.Metrics.request(c.cfg.Carrier, 0, true)
		return nil, failure, retryAfter, c.wrap(req, err)
	}
	c.cfg.Metrics.request(c.cfg.Carrier, resp.StatusCode, false)
	defer resp.Body.Close()
	body, err := c.readBody(resp)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, success, retryAfter, c.wrap(req, err)
		}
		if ctx.Err() != nil {
			return nil, neutral, retryAfter, c.wrap(req, ctx.Err())
		}
		return nil, failure, retryAfter, c.wrap(req, fmt.Errorf("reading body: %w", err))
	}
	if resp.StatusCode < 400 {
		return &Page{URL: req.URL, Status: resp.StatusCode, Header: resp.Header, Body: body, Number: 1}, success, retryAfter, nil
	}
	se := &StatusError{
		Carrier:    c.cfg.Carrier,
		Method:     method(req),
		URL:        c.cfg.Auth.redactURL(req.URL),
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Body:       c.cfg.Auth.scrub(clip(body, defaultBodyClip)),
	}
	if se.Status == "" {
		se.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now()); ok && retryableStatus(resp.StatusCode) {
		retryAfter = min(d, c.cfg.Retry.MaxRetryAfter)
		se.RetryAfter = retryAfter
	}
	o := success
	if retryableStatus(resp.StatusCode) || resp.StatusCode >= 500 {
		o = failure
	}
	return nil, o, retryAfter, se
}

func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	limit := c.cfg.MaxBytes
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes announced, at most %d", ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return body, nil
}

// wrap adds carrier, method and redacted URL to err, dropping *url.Error
// (which repeats the URL with the key).
func (c *Client) wrap(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &requestError{
		prefix: fmt.Sprintf("httpapi: %s: %s %s", c.cfg.Carrier, method(req), c.cfg.Auth.redactURL(req.URL)),
		err:    err,
		scrub:  c.cfg.Auth.scrub,
	}
}

// requestError scrubs the key from the message of the error it wraps.
type requestError struct {
	prefix string
	err    error
	scrub  func(string) string
}

func (e *requestError) Error() string { return e.prefix + ": " + e.scrub(e.err.Error()) }
func (e *requestError) Unwrap() error { return e.err }

func method(r *http.Request) string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

func clip(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 { // keep UTF-8 whole
		cut--
	}
	return s[:cut] + "…"
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second) // capped again by MaxRetryAfter
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
