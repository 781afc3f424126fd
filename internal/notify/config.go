package notify

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/validation/yamlx"
)

// Config is a notification config file (configs/notifications.yaml): the
// channels alerts go out through and the routes that pick, for each alert,
// the channels it goes to.
type Config struct {
	// LinkBase is the hub's address as people reach it, for the link in an
	// email ("https://hub.example.com"); "" for no link.
	LinkBase string `yaml:"link_base"`
	// Attempts is how many times a delivery is tried before it is recorded
	// failed; default 4, the first try and the pipeline router's 3 retries
	// (keep it at most pipeline.retries + 1, or an alert whose channel
	// keeps failing goes to the poison topic before its delivery is given up).
	Attempts int       `yaml:"attempts"`
	Channels []Channel `yaml:"channels"`
	Routes   []Route   `yaml:"routes"`
	// Templates word the emails of an alert kind; a kind without one is
	// told in the alert's own subject and message.
	Templates map[string]Template `yaml:"templates"`
}

// Template words the email of one alert kind. Both are Go text/templates
// over the alert (pipelines.Alert: .ID .Kind .Severity .Partner .Subject
// .Message .Action .OccurredAt, and .Data, e.g. {{.Data.order_number}});
// an empty one keeps the alert's own text. A template that fails on an
// alert falls back to the alert's own text.
type Template struct {
	// Subject follows "[procurehub] <severity>: ".
	Subject string `yaml:"subject"`
	// Body is the mail's first paragraph, before the order, partner,
	// severity, suggested action and link, which every mail has.
	Body string `yaml:"body"`
}

// Channel is one way out, named for the routes; exactly one of Webhook,
// Email and InApp is set.
type Channel struct {
	Name    string   `yaml:"name"`
	Webhook *Webhook `yaml:"webhook"`
	Email   *Email   `yaml:"email"`
	InApp   *InApp   `yaml:"in_app"`
}

// Webhook POSTs the alert as JSON to URL, signed with Secret the way
// connectors/webhook checks incoming deliveries: header
// X-Procurehub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
type Webhook struct {
	// URL is http(s); it may hold a token, so it is never logged or stored
	// beyond its scheme and host.
	URL     string            `yaml:"url"`
	Secret  config.Credential `yaml:"secret"`
	Timeout time.Duration     `yaml:"timeout"` // per request; default 10s
}

// StartTLS modes of Email.
const (
	StartTLSRequired      = "required"      // no STARTTLS, no mail (default)
	StartTLSOpportunistic = "opportunistic" // STARTTLS when the server offers it
	StartTLSNone          = "none"          // plain text, for a relay on loopback
)

// Email sends a plain-text mail to each address of To over SMTP.
type Email struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"` // default 587
	// From is the sender's address, "procurehub@example.com" or
	// "procurehub <procurehub@example.com>".
	From string `yaml:"from"`
	// Username and Password authenticate with AUTH PLAIN, only over TLS;
	// both empty for a relay that needs no login.
	Username string            `yaml:"username"`
	Password config.Credential `yaml:"password"`
	// StartTLS is required (default), opportunistic or none.
	StartTLS string `yaml:"starttls"`
	// CAFile is a PEM file of the CAs that sign the server's certificate,
	// for a relay with a private CA; "" for the system's.
	CAFile  string        `yaml:"ca_file"`
	To      []string      `yaml:"to"`
	Timeout time.Duration `yaml:"timeout"` // per mail, dial to QUIT; default 30s
}

// InApp keeps the alert in the inbox of Party (GET /api/v1/notifications?party=).
type InApp struct {
	Party string `yaml:"party"`
}

// Severities of a route's min_severity, lowest first.
var severities = []string{"warning", "critical"}

// Route sends the alerts it matches to its channels. Every condition set
// must hold; an empty one matches every alert. An alert matched by several
// routes goes to each channel once.
type Route struct {
	Name string `yaml:"name"` // for messages; optional
	// Kinds of alert (balance_mismatch, source_unreachable...).
	Kinds []string `yaml:"kinds"`
	// MinSeverity is warning (every alert) or critical.
	MinSeverity string `yaml:"min_severity"`
	// Partners are the connector partners an alert is about (its partner).
	Partners []string `yaml:"partners"`
	// Parties are buyer or supplier ids: an alert matches when its order's
	// buyer_id or supplier_id, or its partner, is one of them.
	Parties  []string `yaml:"parties"`
	Channels []string `yaml:"channels"` // names of channels; at least one
}

// LoadFile reads a notification config file (see Load).
func LoadFile(path string, env config.Env) (*Config, error) {
	return yamlx.LoadFile(path, env, configChecks)
}

// Load reads a notification config from YAML bytes named file, with ${VAR}
// interpolation from env (nil: the process environment). Decoding is
// strict, secrets come only from ${VARS}, and every problem (an unknown
// key, a route to an unknown channel, a bad address...) is a *config.Error
// naming file:line:column, all of them in a config.Errors. Defaults are
// applied.
func Load(file string, b []byte, env config.Env) (*Config, error) {
	return yamlx.LoadBytes(file, b, env, configChecks)
}

var configChecks = yamlx.Checks[Config]{Prepare: prepare, Check: (*Config).check}

// prepare applies the defaults and makes a relative ca_file relative to
// the config file.
func prepare(doc *config.Document, c *Config) {
	c.defaults()
	for _, ch := range c.Channels {
		if e := ch.Email; e != nil && e.CAFile != "" && !filepath.IsAbs(e.CAFile) {
			e.CAFile = filepath.Join(filepath.Dir(doc.File), e.CAFile)
		}
	}
}

func (c *Config) defaults() {
	if c.Attempts == 0 {
		c.Attempts = 4
	}
	for _, ch := range c.Channels {
		if w := ch.Webhook; w != nil && w.Timeout == 0 {
			w.Timeout = 10 * time.Second
		}
		if e := ch.Email; e != nil {
			if e.Port == 0 {
				e.Port = 587
			}
			if e.StartTLS == "" {
				e.StartTLS = StartTLSRequired
			}
			if e.Timeout == 0 {
				e.Timeout = 30 * time.Second
			}
		}
	}
}

// Validate applies the defaults to a config made in code and checks it
// (Load checks its own, with positions): the first problem, with its path.
func (c *Config) Validate() error {
	c.defaults()
	if p := c.check(); len(p) > 0 {
		return fmt.Errorf("notify: %s: %s", yamlx.PathString(p[0].Path), p[0].Message)
	}
	return nil
}

// problem is a config problem at a path of the YAML document.
type problem = yamlx.Problem

func (c *Config) check() []problem {
	var probs []problem
	add := func(path yamlx.Path, key bool, format string, args ...any) {
		probs = append(probs, problem{Path: path, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	if c.Attempts < 1 || c.Attempts > 100 {
		add(yamlx.Path{"attempts"}, false, "attempts must be from 1 to 100, got %d", c.Attempts)
	}
	if c.LinkBase != "" {
		if u, err := url.Parse(c.LinkBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(yamlx.Path{"link_base"}, false, "link_base must be an http(s) URL like https://hub.example.com")
		}
	}
	names := map[string]bool{}
	for i, ch := range c.Channels {
		at := func(k ...any) yamlx.Path { return append(yamlx.Path{"channels", i}, k...) }
		switch {
		case ch.Name == "":
			add(at(), false, "channels[%d]: a channel needs a name", i)
		case names[ch.Name]:
			add(at("name"), false, "channel %q is named twice", ch.Name)
		}
		names[ch.Name] = true
		set := 0
		for _, ok := range []bool{ch.Webhook != nil, ch.Email != nil, ch.InApp != nil} {
			if ok {
				set++
			}
		}
		if set != 1 {
			add(at(), false, "channel %q: set exactly one of webhook, email and in_app", ch.Name)
			continue
		}
		switch {
		case ch.Webhook != nil:
			w := ch.Webhook
			if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(at("webhook", "url"), false, "channel %q: url must be an http(s) URL", ch.Name)
			}
			if w.Secret.Reveal() == "" {
				add(at("webhook"), false, "channel %q: secret is required (${SOME_WEBHOOK_SECRET}): receivers check the signature", ch.Name)
			}
			if w.Timeout < 0 {
				add(at("webhook", "timeout"), false, "channel %q: timeout %s is negative", ch.Name, w.Timeout)
			}
		case ch.Email != nil:
			probs = append(probs, checkEmail(ch.Name, at("email"), ch.Email)...)
		case ch.InApp != nil:
			if ch.InApp.Party == "" {
				add(at("in_app"), false, "channel %q: party is required: whose inbox receives the alerts", ch.Name)
			}
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(c.Templates)) {
		t := c.Templates[kind]
		for _, part := range []struct{ key, text string }{{"subject", t.Subject}, {"body", t.Body}} {
			if _, err := parseTemplate(kind+"."+part.key, part.text); err != nil {
				add(yamlx.Path{"templates", kind, part.key}, false, "template of %s: %v", kind, err)
			}
		}
	}
	for i, r := range c.Routes {
		at := func(k ...any) yamlx.Path { return append(yamlx.Path{"routes", i}, k...) }
		if r.MinSeverity != "" && !slices.Contains(severities, r.MinSeverity) {
			add(at("min_severity"), false, "route %s: min_severity %q is not warning or critical", routeName(i, r), r.MinSeverity)
		}
		if len(r.Channels) == 0 {
			add(at(), false, "route %s: channels: name at least one channel", routeName(i, r))
		}
		known := make([]string, 0, len(c.Channels))
		for _, ch := range c.Channels {
			known = append(known, ch.Name)
		}
		for j, name := range r.Channels {
			if !names[name] {
				add(at("channels", j), false, "route %s: no channel named %q%s", routeName(i, r), name, config.Suggest(name, known, 3))
			}
		}
	}
	return probs
}

func checkEmail(name string, base yamlx.Path, e *Email) []problem {
	var probs []problem
	at := func(k ...any) yamlx.Path { return append(slices.Clone(base), k...) }
	add := func(path yamlx.Path, format string, args ...any) {
		probs = append(probs, problem{Path: path, Message: fmt.Sprintf("channel %q: ", name) + fmt.Sprintf(format, args...)})
	}
	if e.Host == "" {
		add(at(), "host is required")
	}
	if e.Port < 1 || e.Port > 65535 {
		add(at("port"), "port must be from 1 to 65535, got %d", e.Port)
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		add(at("from"), "from %q is not an email address", e.From)
	}
	switch e.StartTLS {
	case StartTLSRequired, StartTLSOpportunistic, StartTLSNone:
	default:
		add(at("starttls"), "starttls %q is not required, opportunistic or none", e.StartTLS)
	}
	if (e.Username == "") != (e.Password.Reveal() == "") {
		add(at(), "username and password go together: set both, or neither for a relay without login")
	}
	if e.Username != "" && e.StartTLS != StartTLSRequired {
		add(at("starttls"), "a login needs starttls: required, so that the password never crosses the network in clear")
	}
	if e.CAFile != "" {
		if _, err := os.Stat(e.CAFile); err != nil {
			add(at("ca_file"), "ca_file: %v", err)
		}
	}
	if len(e.To) == 0 {
		add(at(), "to: name at least one address")
	}
	for i, to := range e.To {
		if a, err := mail.ParseAddress(to); err != nil || a.Name != "" {
			add(at("to", i), "%q is not a bare email address (name@example.com)", to)
		}
	}
	if e.Timeout < 0 {
		add(at("timeout"), "timeout %s is negative", e.Timeout)
	}
	return probs
}

func routeName(i int, r Route) string {
	if r.Name != "" {
		return fmt.Sprintf("%q", r.Name)
	}
	return fmt.Sprintf("%d", i)
}

// parseTemplate compiles the text of a template; nil for an empty one.
func parseTemplate(name, text string) (*template.Template, error) {
	if text == "" {
		return nil, nil
	}
	t, err := template.New(name).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}
