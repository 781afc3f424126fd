// Package notify tells people about alerts: each alert of
// procurehub.alerts.v1 goes to the channels its routes pick (a signed
// webhook, an email over SMTP, a party's in-app inbox), once per (alert id,
// channel, recipient) however often the alert is delivered.
//
// The store records every attempt at a delivery (store.Delivery). When a
// channel fails in a way that may pass (a 5xx, a timeout, an SMTP 4xx), the
// handler returns an error so that Watermill retries the message, with
// backoff, and the retry sends only what is not yet recorded sent. A
// delivery refused for good (a 4xx other than 408 and 429, an SMTP 5xx) or
// tried Config.Attempts times is recorded failed with its last error (the
// dead letters of notifications) and never holds the topic up.
package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// HandlerName is the name of the notifier's handler in the pipeline router,
// its metrics and poison metadata.
const HandlerName = "notify_alerts"

// Store is what the notifier keeps its deliveries and inboxes in; both
// stores implement it.
type Store interface {
	RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error)
	Deliveries(ctx context.Context, alertID string) ([]store.Delivery, error)
	AddNotification(ctx context.Context, n store.Notification) (bool, error)
}

// Options are the notifier's collaborators; every field may be zero.
type Options struct {
	// Now is the clock of signatures and mail dates; default time.Now.
	Now func() time.Time
	// Logger gets a line per failed delivery; default slog.Default().
	Logger *slog.Logger
	// Transport carries webhook requests; default http.DefaultTransport.
	Transport http.RoundTripper
	// Registerer, when set, gets procurehub_notifications_total{channel,
	// result}: result sent, retry (failed, to be tried again) or failed
	// (given up).
	Registerer prometheus.Registerer
}

// Notifier delivers alerts to the channels of a Config. Handle is its
// Watermill handler for procurehub.alerts.v1. Safe for concurrent use.
type Notifier struct {
	cfg      *Config
	st       Store
	channels map[string]*channel
	now      func() time.Time
	log      *slog.Logger
	outcomes *prometheus.CounterVec // nil without a Registerer
}

// channel is a configured channel ready to send.
type channel struct {
	name       string
	recipients []string
	send       func(ctx context.Context, a pipelines.Alert, recipient string) error
}

// New builds a notifier for cfg (validated here) keeping its deliveries in st.
func New(cfg *Config, st Store, opts Options) (*Notifier, error) {
	if cfg == nil || st == nil {
		return nil, errors.New("notify: a config and a store are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Notifier{cfg: cfg, st: st, channels: map[string]*channel{}, now: opts.Now, log: opts.Logger}
	if n.now == nil {
		n.now = time.Now
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	if opts.Registerer != nil {
		n.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_notifications_total",
			Help: "Attempts at delivering an alert to one recipient, by channel and result (sent, retry, failed).",
		}, []string{"channel", "result"})
		if err := opts.Registerer.Register(n.outcomes); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("notify: metrics: %w", err)
			}
			n.outcomes = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	for _, c := range cfg.Channels {
		ch := &channel{name: c.Name}
		switch {
		case c.Webhook != nil:
			u, _ := url.Parse(c.Webhook.URL) // Validate parsed it
			s := &webhookSender{url: c.Webhook.URL, host: u.Scheme + "://" + u.Host,
				sig:    webhook.Signature{Secret: []byte(c.Webhook.Secret.Reveal())},
				client: &http.Client{Transport: opts.Transport, Timeout: c.Webhook.Timeout}, now: n.now}
			ch.recipients, ch.send = []string{s.host}, s.send
		case c.Email != nil:
			s, err := newEmailSender(c.Name, c.Email, cfg, n.now)
			if err != nil {
				return nil, err
			}
			ch.recipients, ch.send = c.Email.To, s.send
		case c.InApp != nil:
			ch.recipients, ch.send = []string{c.InApp.Party}, n.sendInApp
		}
		n.channels[c.Name] = ch
	}
	return n, nil
}

// target is one delivery an alert needs.
type target struct {
	ch        *channel
	recipient string
}

// targets are the deliveries of a: each recipient of each channel of each
// route that matches, once, in the order of the routes and their channels.
func (n *Notifier) targets(a pipelines.Alert) []target {
	var out []target
	seen := map[[2]string]bool{}
	for _, r := range n.cfg.Routes {
		if !matches(r, a) {
			continue
		}
		for _, name := range r.Channels {
			ch := n.channels[name]
			for _, rcpt := range ch.recipients {
				k := [2]string{name, rcpt}
				if !seen[k] {
					seen[k] = true
					out = append(out, target{ch, rcpt})
				}
			}
		}
	}
	return out
}

// matches reports whether route r picks alert a.
func matches(r Route, a pipelines.Alert) bool {
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, a.Kind) {
		return false
	}
	if r.MinSeverity != "" && slices.Index(severities, a.Severity) < slices.Index(severities, r.MinSeverity) {
		return false // an unknown severity ranks below warning
	}
	if len(r.Partners) > 0 && !slices.Contains(r.Partners, a.Partner) {
		return false
	}
	if len(r.Parties) > 0 {
		for _, p := range []string{a.Data["buyer_id"], a.Data["supplier_id"], a.Partner} {
			if p != "" && slices.Contains(r.Parties, p) {
				return true
			}
		}
		return false
	}
	return true
}

// Handle is the Watermill handler of procurehub.alerts.v1 (a
// message.NoPublishHandlerFunc). A message that is not an alert is
// permanent (pipelines.Permanent): it goes to the poison topic. An error
// that may pass is returned for Watermill to retry the message; see Notify.
func (n *Notifier) Handle(msg *message.Message) error {
	var a pipelines.Alert
	if err := json.Unmarshal(msg.Payload, &a); err != nil {
		return pipelines.Permanent(fmt.Errorf("notify: decode alert: %w", err))
	}
	if a.ID == "" {
		return pipelines.Permanent(errors.New("notify: alert without alert_id"))
	}
	return n.Notify(msg.Context(), a)
}

var _ message.NoPublishHandlerFunc = (*Notifier)(nil).Handle

// Notify delivers a, its IBANs masked, to every recipient of every channel its routes pick,
// skipping the deliveries already recorded sent or failed, and records the
// outcome of each attempt. It returns an error, naming every delivery still
// pending, when one failed in a way that may pass and has attempts left;
// delivering the alert again then sends only those.
func (n *Notifier) Notify(ctx context.Context, a pipelines.Alert) error {
	a = redact(a)
	targets := n.targets(a)
	if len(targets) == 0 {
		return nil
	}
	recorded, err := n.st.Deliveries(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("notify: alert %s: %w", a.ID, err)
	}
	prev := map[[2]string]store.Delivery{}
	for _, d := range recorded {
		prev[[2]string{d.Channel, d.Recipient}] = d
	}
	var pending []error
	for _, t := range targets {
		before, seen := prev[[2]string{t.ch.name, t.recipient}]
		if seen && before.Status != store.DeliveryPending {
			continue
		}
		if err := ctx.Err(); err != nil {
			// The handler's time is up: what is left was not tried, and
			// does not count as an attempt.
			pending = append(pending, fmt.Errorf("via %s to %s: not tried: %w", t.ch.name, t.recipient, err))
			continue
		}
		d := store.Delivery{AlertID: a.ID, Channel: t.ch.name, Recipient: t.recipient, Status: store.DeliverySent}
		sendErr := t.ch.send(ctx, a, t.recipient)
		if sendErr != nil {
			d.LastError = clip(sendErr.Error(), 500)
			switch {
			case isPermanent(sendErr):
				d.Status = store.DeliveryFailed
			case before.Attempts+1 >= n.cfg.Attempts:
				d.Status = store.DeliveryFailed
			default:
				d.Status = store.DeliveryPending
			}
		}
		// The outcome is recorded even when ctx ends: a sent delivery that
		// is not recorded would go out again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		got, err := n.st.RecordDelivery(rctx, d)
		cancel()
		if err != nil {
			pending = append(pending, fmt.Errorf("record delivery via %s to %s: %w", t.ch.name, t.recipient, err))
			continue
		}
		if n.outcomes != nil {
			result := d.Status
			if result == store.DeliveryPending {
				result = "retry"
			}
			n.outcomes.WithLabelValues(t.ch.name, result).Inc()
		}
		switch d.Status {
		case store.DeliveryPending:
			n.log.Warn("notification failed, will retry", "alert_id", a.ID, "partner", a.Partner, "channel", t.ch.name,
				"attempts", got.Attempts, "err", sendErr)
			pending = append(pending, fmt.Errorf("via %s to %s: %w", t.ch.name, t.recipient, sendErr))
		case store.DeliveryFailed:
			n.log.Error("notification given up", "alert_id", a.ID, "partner", a.Partner, "channel", t.ch.name,
				"attempts", got.Attempts, "err", sendErr)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("notify: alert %s: %w", a.ID, errors.Join(pending...))
	}
	return nil
}

// sendInApp puts the alert into party's inbox (once, however often).
func (n *Notifier) sendInApp(ctx context.Context, a pipelines.Alert, party string) error {
	_, err := n.st.AddNotification(ctx, store.Notification{Party: party, AlertID: a.ID, Kind: a.Kind,
		Severity: a.Severity, Partner: a.Partner, Subject: a.Subject, Message: a.Message,
		SuggestedAction: a.Action, OrderNumber: a.Data["order_number"], OccurredAt: a.OccurredAt})
	if errors.Is(err, store.ErrInvalid) {
		return permanent(err)
	}
	return err
}

// permanentError is a delivery failure that trying again will not mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

func isPermanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe)
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// loadCAs reads a PEM file of CA certificates.
func loadCAs(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// tlsConfig is the TLS of an SMTP connection to host.
func tlsConfig(host, caFile string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := loadCAs(caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// parseFrom reads the From address of an email channel.
func parseFrom(s string) (*mail.Address, error) { return mail.ParseAddress(s) }
