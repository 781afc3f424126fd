// The carrier tracking API poller: a connectors.Source whose inputs are
// API pages. The runtime takes each page like a file —
// ledger, decoder (the carrier's profile), publish — so a page polled
// twice with the same content is a duplicate and publishes nothing, and
// events polled and also pushed by webhook are kept once (their ids).
//
// Two modes:
//
//   - list: URL is an endpoint listing recent events or trackings; each
//     poll walks its pages (Next: a Link header, a cursor, page numbers).
//   - per number: URL holds "{tracking_number}"; Numbers says which
//     shipments exist (from the ASNs) and their last status, and the
//     Schedule polls each number as often as its status deserves —
//     active shipments often, delivered ones a few more times, then never.
package tracking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/tracking/httpapi"
)

// Placeholder in a per-number URL.
const Placeholder = "{tracking_number}"

// PollConfig configures a Poller.
type PollConfig struct {
	Partner string
	Client  *httpapi.Client
	// URL is the list endpoint, or a per-number URL with {tracking_number}.
	URL string
	// Next finds the next page in list mode; nil: one page per poll.
	Next httpapi.NextFunc
	// Numbers lists the tracking numbers to poll in per-number mode.
	Numbers func(ctx context.Context) ([]connectors.TrackedNumber, error)
	// Schedule paces per-number polls; required in per-number mode.
	Schedule *httpapi.Schedule
	// Decoder reads a page to learn a number's status for the Schedule.
	Decoder connectors.Decoder
	Now     func() time.Time
	Logger  *slog.Logger
}

// Poller polls one carrier API.
type Poller struct {
	cfg PollConfig

	mu      sync.Mutex
	dropped map[string]bool // finished numbers the schedule let go: never added again
}

var _ connectors.Source = (*Poller)(nil)

// NewPoller checks cfg and returns its Poller.
func NewPoller(cfg PollConfig) (*Poller, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, errors.New("tracking: poll: no client"))
	}
	u, err := url.Parse(strings.ReplaceAll(cfg.URL, Placeholder, "X"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("tracking: poll: url %q is not an http(s) URL", cfg.URL))
	}
	if strings.Contains(cfg.URL, Placeholder) {
		if cfg.Numbers == nil || cfg.Schedule == nil || cfg.Decoder == nil {
			errs = append(errs, errors.New("tracking: poll: a per-number URL needs numbers, a schedule and a decoder"))
		}
		if cfg.Next != nil {
			errs = append(errs, errors.New("tracking: poll: a per-number URL has no pagination"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{cfg: cfg, dropped: map[string]bool{}}, nil
}

// Poll fetches what is due: every page of the list, or each number due.
// Pages fetched before an error are returned with it; the runtime takes
// them and polls again next interval. An open circuit fails fast.
func (s *Poller) Poll(ctx context.Context) ([]connectors.Input, error) {
	if strings.Contains(s.cfg.URL, Placeholder) {
		return s.pollNumbers(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("poll %s: %w", s.cfg.Partner, err)
	}
	next := s.cfg.Next
	if next == nil {
		next = func(*http.Request, *httpapi.Page) (*http.Request, error) { return nil, nil }
	}
	var out []connectors.Input
	for p, err := range s.cfg.Client.Pages(ctx, req, next) {
		if err != nil {
			return out, err
		}
		out = append(out, s.input(fmt.Sprintf("page-%03d.json", p.Number), p))
	}
	return out, nil
}

func (s *Poller) pollNumbers(ctx context.Context) ([]connectors.Input, error) {
	known, err := s.cfg.Numbers(ctx)
	if err != nil {
		return nil, fmt.Errorf("poll %s: tracking numbers: %w", s.cfg.Partner, err)
	}
	s.mu.Lock()
	for _, t := range known {
		if !s.dropped[t.Number] {
			s.cfg.Schedule.Add(t.Number, t.Status, t.ChangedAt)
		}
	}
	s.mu.Unlock()
	var out []connectors.Input
	for _, number := range s.cfg.Schedule.Due(s.cfg.Now()) {
		u := strings.ReplaceAll(s.cfg.URL, Placeholder, url.PathEscape(number))
		p, err := s.cfg.Client.Get(ctx, u)
		if err != nil {
			if errors.Is(err, httpapi.ErrCircuitOpen) || ctx.Err() != nil {
				return out, err // the rest waits for the carrier
			}
			s.cfg.Logger.Warn("tracking number not polled", "partner", s.cfg.Partner, "err", err)
			continue
		}
		in := s.input(number+".json", p)
		status, changed := "", s.cfg.Now()
		if cur, ok := s.current(ctx, in, p.Body); ok {
			status, changed = string(cur.Status), cur.OccurredAt
		}
		if _, dropped := s.cfg.Schedule.Observe(number, status, changed); dropped {
			s.mu.Lock()
			s.dropped[number] = true
			s.mu.Unlock()
		}
		out = append(out, in)
	}
	return out, nil
}

// current decodes a page to learn the number's current status.
func (s *Poller) current(ctx context.Context, in connectors.Input, body []byte) (canonical.TrackingEvent, bool) {
	var c collectEvents
	if err := s.cfg.Decoder.Decode(ctx, in, bytes.NewReader(body), &c); err != nil {
		return canonical.TrackingEvent{}, false
	}
	return Current(c.events)
}

func (s *Poller) input(name string, p *httpapi.Page) connectors.Input {
	sum := sha256.Sum256(p.Body)
	body := p.Body
	return connectors.Input{
		Partner: s.cfg.Partner, Connector: "tracking", Name: name, Origin: p.URL.String(),
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	}
}

// Settle does nothing: a page is not a file to move; the ledger already
// has its outcome.
func (s *Poller) Settle(context.Context, connectors.Input, connectors.Outcome) error { return nil }

// Close does nothing; the client holds no connection between polls.
func (s *Poller) Close() error { return nil }

type collectEvents struct{ events []canonical.TrackingEvent }

func (c *collectEvents) Record(_ context.Context, r connectors.Record) error {
	if e, ok := r.Value.(*canonical.TrackingEvent); ok {
		c.events = append(c.events, *e)
	}
	return nil
}

func (c *collectEvents) RowError(context.Context, connectors.RowError) error { return nil }
