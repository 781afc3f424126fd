package tracking

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/tracking/httpapi"
	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/config"
)

// Kind is the connector kind of carriers and tracking aggregators in
// partner configs.
const Kind = "tracking"

// Defaults of the kind's settings.
const (
	DefaultPollInterval = 5 * time.Minute
)

// Settings are one carrier's settings: the profile its JSON is read with,
// and how its events arrive — pushed to the webhook, polled from its API,
// or both.
type Settings struct {
	// Profile is a built-in profile (aftership, easypost, shippo, freight, demo).
	Profile string `yaml:"profile"`
	// ProfileFile is a profile YAML file, relative to the config file.
	ProfileFile string           `yaml:"profile_file"`
	Webhook     *WebhookSettings `yaml:"webhook"`
	Poll        *PollSettings    `yaml:"poll"`
}

// WebhookSettings say how the carrier signs what it pushes to
// POST /webhooks/tracking/{partner}.
type WebhookSettings struct {
	Secret          config.Credential `yaml:"secret"`
	Scheme          string            `yaml:"scheme"`
	Header          string            `yaml:"header"`
	Encoding        string            `yaml:"encoding"`
	Prefix          string            `yaml:"prefix"`
	TimestampHeader string            `yaml:"timestamp_header"`
	Tolerance       time.Duration     `yaml:"tolerance"`
	MaxBytes        int64             `yaml:"max_bytes"`
}

// PollSettings say how the carrier's tracking API is polled.
type PollSettings struct {
	// URL lists events, or holds {tracking_number} to ask number by number.
	URL  string `yaml:"url"`
	Auth struct {
		Header string            `yaml:"header"`
		Query  string            `yaml:"query"`
		Value  config.Credential `yaml:"value"`
	} `yaml:"auth"`
	// Pagination of a list URL: none (default), link, cursor, page.
	Pagination  string `yaml:"pagination"`
	CursorPath  string `yaml:"cursor_path"`
	CursorParam string `yaml:"cursor_param"`
	PageParam   string `yaml:"page_param"`
	ItemsPath   string `yaml:"items_path"`
	// Interval between polls of a list URL, and of active numbers.
	Interval time.Duration `yaml:"interval"`
	// Carrier selects the shipments whose numbers are polled (per number);
	// "" for all.
	Carrier string `yaml:"carrier"`
	// RateLimit is the most requests a second; 0 for no limit.
	RateLimit float64 `yaml:"rate_limit"`
}

func (s *Settings) profile(dir string) (*Profile, error) {
	switch {
	case s.Profile != "" && s.ProfileFile != "":
		return nil, errors.New("profile and profile_file: set one")
	case s.Profile != "":
		return Builtin(s.Profile)
	case s.ProfileFile != "":
		path := s.ProfileFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return LoadProfile(path)
	}
	return nil, fmt.Errorf("profile (one of %s) or profile_file is required", strings.Join(BuiltinNames(), ", "))
}

func (w *WebhookSettings) signature() webhook.Signature {
	return webhook.Signature{Secret: []byte(w.Secret.Reveal()), Scheme: w.Scheme, Header: w.Header,
		Encoding: w.Encoding, Prefix: w.Prefix, TimestampHeader: w.TimestampHeader, Tolerance: w.Tolerance}
}

func (p *PollSettings) next() (httpapi.NextFunc, error) {
	switch p.Pagination {
	case "", "none":
		return nil, nil
	case "link":
		return httpapi.LinkHeader(), nil
	case "cursor":
		if p.CursorPath == "" {
			return nil, errors.New("poll.pagination cursor needs poll.cursor_path")
		}
		return httpapi.Cursor(p.CursorPath, p.CursorParam), nil
	case "page":
		return httpapi.PageNumber(httpapi.PageNumbering{Param: p.PageParam, ItemsPath: p.ItemsPath}), nil
	}
	return nil, fmt.Errorf("poll.pagination %q: use none, link, cursor or page", p.Pagination)
}

func (p *PollSettings) auth() httpapi.Auth {
	switch {
	case p.Auth.Header != "":
		return httpapi.HeaderAuth(p.Auth.Header, p.Auth.Value.Reveal())
	case p.Auth.Query != "":
		return httpapi.QueryAuth(p.Auth.Query, p.Auth.Value.Reveal())
	}
	return httpapi.Auth{}
}

// New is the tracking constructor: it decodes the settings strictly, loads
// the profile, and builds the webhook check and the poller, without
// calling the carrier.
func New(_ context.Context, cfg connectors.Config) (*connectors.Connector, error) {
	if cfg.Decode == nil {
		return nil, fmt.Errorf("%s %s: no settings decoder", Kind, cfg.Partner)
	}
	var s Settings
	if err := cfg.Decode(&s); err != nil {
		return nil, err
	}
	var errs []error
	p, err := s.profile(cfg.Dir)
	if err != nil {
		errs = append(errs, err)
	}
	if s.Webhook == nil && s.Poll == nil {
		errs = append(errs, errors.New("webhook or poll is required: how do the carrier's events arrive?"))
	}
	c := &connectors.Connector{}
	if p != nil {
		c.Decoder = NewDecoder(p)
	}
	if w := s.Webhook; w != nil {
		sig := w.signature()
		if err := sig.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("webhook: %w", err))
		}
		if w.Tolerance < 0 || w.MaxBytes < 0 {
			errs = append(errs, errors.New("webhook: tolerance and max_bytes must not be negative"))
		}
		c.Webhook = &connectors.Webhook{Verify: sig.Verify, MaxBytes: w.MaxBytes}
	}
	if ps := s.Poll; ps != nil {
		src, interval, err := newPoller(cfg, ps, c.Decoder)
		if err != nil {
			errs = append(errs, fmt.Errorf("poll: %w", err))
		}
		c.Source, c.PollInterval = src, interval
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	return c, nil
}

func newPoller(cfg connectors.Config, ps *PollSettings, dec connectors.Decoder) (connectors.Source, time.Duration, error) {
	interval := ps.Interval
	if interval == 0 {
		interval = DefaultPollInterval
	}
	if interval < 0 {
		return nil, 0, fmt.Errorf("interval %s is negative", interval)
	}
	next, err := ps.next()
	if err != nil {
		return nil, 0, err
	}
	client, err := httpapi.New(httpapi.Config{Carrier: cfg.Partner, Auth: ps.auth(),
		RateLimit: httpapi.RateLimit{PerSecond: ps.RateLimit}, Logger: cfg.Logger})
	if err != nil {
		return nil, 0, err
	}
	pc := PollConfig{Partner: cfg.Partner, Client: client, URL: ps.URL, Next: next, Decoder: dec, Logger: cfg.Logger}
	if strings.Contains(ps.URL, Placeholder) {
		sched, err := httpapi.NewSchedule(httpapi.SchedulePolicy{Active: interval}, nil, nil)
		if err != nil {
			return nil, 0, err
		}
		pc.Schedule = sched
		carrier := ps.Carrier
		pc.Numbers = func(ctx context.Context) ([]connectors.TrackedNumber, error) {
			if cfg.Tracked == nil {
				return nil, errors.New("the runtime gives no tracking numbers to poll")
			}
			return cfg.Tracked(ctx, carrier)
		}
		// Numbers are polled as their schedule says; look every minute at
		// most, so that a number due is not kept waiting long.
		interval = min(interval, time.Minute)
	}
	src, err := NewPoller(pc)
	if err != nil {
		return nil, 0, err
	}
	return src, interval, nil
}

// Spec describes the tracking kind for config checks, `procurehub
// connectors` and the generated docs.
func Spec() connectors.Spec {
	return connectors.Spec{
		Kind:    Kind,
		Summary: "Carrier and tracking-aggregator events, pushed to POST /webhooks/tracking/{partner} (HMAC-signed) and/or polled from the carrier's API, read through a profile into canonical tracking events with one normalized status set.",
		Formats: []string{Format},
		Fields: []connectors.Field{
			{Name: "profile", Type: "string", Example: "aftership",
				Description: "Built-in profile: " + strings.Join(BuiltinNames(), ", ") + ". Set this or profile_file."},
			{Name: "profile_file", Type: "string", Example: "partners/dhl.profile.yaml",
				Description: "A profile YAML (JSON paths to the event fields, carrier code to normalized status), relative to the config file."},
			{Name: "webhook", Type: "map", Description: "Events pushed by the carrier; the keys below. Set webhook, poll or both."},
			{Name: "webhook.secret", Type: "string", Required: true, Secret: true, Example: "${DHL_WEBHOOK_SECRET}",
				Description: "The shared HMAC-SHA256 key, from the environment."},
			{Name: "webhook.scheme", Type: "string", Default: webhook.SchemeTimestamped,
				Description: "timestamped: header \"t=<unix>,v1=<hex HMAC of t.body>\"; body: the header holds the HMAC of the body."},
			{Name: "webhook.header", Type: "string", Default: webhook.DefaultHeader, Description: "The header carrying the signature."},
			{Name: "webhook.encoding", Type: "string", Default: "hex", Description: "body scheme: hex or base64."},
			{Name: "webhook.prefix", Type: "string", Description: "body scheme: text before the signature, e.g. hmac-sha256-hex=."},
			{Name: "webhook.timestamp_header", Type: "string", Description: "body scheme: a header with a Unix timestamp signed with the body (replay window)."},
			{Name: "webhook.tolerance", Type: "duration", Default: webhook.DefaultTolerance.String(), Description: "How old (or early) a signed timestamp may be."},
			{Name: "webhook.max_bytes", Type: "int", Default: "1048576", Description: "Largest body taken; a larger one is answered 413."},
			{Name: "poll", Type: "map", Description: "The carrier's tracking API, polled; the keys below."},
			{Name: "poll.url", Type: "string", Required: true, Example: "https://api.carrier.example/v1/events",
				Description: "A URL listing events, or one with {tracking_number} to ask for each number of the shipments (from ASNs)."},
			{Name: "poll.auth", Type: "map", Description: "How the API key is sent: header or query, and value."},
			{Name: "poll.auth.header", Type: "string", Description: "Header carrying the API key, e.g. aftership-api-key or Authorization."},
			{Name: "poll.auth.query", Type: "string", Description: "Query parameter carrying the API key instead."},
			{Name: "poll.auth.value", Type: "string", Secret: true, Example: "${CARRIER_API_KEY}", Description: "The key (or \"Bearer ...\"), from the environment."},
			{Name: "poll.pagination", Type: "string", Default: "none", Description: "none, link (Link rel=next), cursor (cursor_path, cursor_param) or page (page_param, items_path)."},
			{Name: "poll.cursor_path", Type: "string", Description: "cursor: dotted path of the next cursor or URL in the body."},
			{Name: "poll.cursor_param", Type: "string", Description: "cursor: the query parameter a cursor token goes in."},
			{Name: "poll.page_param", Type: "string", Default: "page", Description: "page: the page number parameter."},
			{Name: "poll.items_path", Type: "string", Description: "page: dotted path of the array whose emptiness ends the walk."},
			{Name: "poll.interval", Type: "duration", Default: DefaultPollInterval.String(),
				Description: "Between polls of a list URL; per number, of shipments under way (delivered ones are polled every 12h, then dropped after 3 days)."},
			{Name: "poll.carrier", Type: "string", Description: "Per number: only the shipments with this carrier (case-insensitive)."},
			{Name: "poll.rate_limit", Type: "number", Default: "0", Description: "At most this many requests a second; 0 for no limit. 429 and 5xx are retried with backoff either way, and the circuit opens while the carrier is down."},
		},
		Example: example,
	}
}

const example = `name: demo
kind: tracking
settings:
  profile: demo
  webhook:
    secret: ${DEMO_WEBHOOK_SECRET}
  poll:
    url: http://127.0.0.1:8089/v1/events
    pagination: link
    interval: 30s
`
