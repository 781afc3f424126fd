package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/procurehub/procurehub/pipelines"
)

// emailSender mails alerts through one SMTP server.
type emailSender struct {
	channel  string
	cfg      *Email
	from     *mail.Address
	tls      *tls.Config
	linkBase string
	now      func() time.Time
	// templates of alert kinds, parsed: subject and body, nil for none.
	templates map[string][2]*template.Template
}

func newEmailSender(channel string, cfg *Email, c *Config, now func() time.Time) (*emailSender, error) {
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: channel %q: from: %w", channel, err)
	}
	tc, err := tlsConfig(cfg.Host, cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("notify: channel %q: ca_file: %w", channel, err)
	}
	e := &emailSender{channel: channel, cfg: cfg, from: from, tls: tc, linkBase: strings.TrimRight(c.LinkBase, "/"),
		now: now, templates: map[string][2]*template.Template{}}
	for kind, t := range c.Templates {
		subject, err := parseTemplate(kind+".subject", t.Subject)
		if err != nil {
			return nil, fmt.Errorf("notify: templates.%s.subject: %w", kind, err)
		}
		body, err := parseTemplate(kind+".body", t.Body)
		if err != nil {
			return nil, fmt.Errorf("notify: templates.%s.body: %w", kind, err)
		}
		e.templates[kind] = [2]*template.Template{subject, body}
	}
	return e, nil
}

// render runs the template of a's kind (0 subject, 1 body), or returns
// fallback when there is none or it fails on a.
func (e *emailSender) render(a pipelines.Alert, part int, fallback string) string {
	t := e.templates[a.Kind][part]
	if t == nil {
		return fallback
	}
	var b strings.Builder
	if err := t.Execute(&b, a); err != nil {
		return fallback
	}
	return b.String()
}

// send mails a to one address: STARTTLS as configured, AUTH PLAIN when a
// login is set, then one message. An SMTP 5xx, or a server without
// STARTTLS when it is required, is permanent; an SMTP 4xx and network
// errors may pass.
func (e *emailSender) send(ctx context.Context, a pipelines.Alert, to string) error {
	addr := net.JoinHostPort(e.cfg.Host, strconv.Itoa(e.cfg.Port))
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // a cancelled handler stops the dialogue
	defer stop()
	c, err := smtp.NewClient(conn, e.cfg.Host)
	if err != nil {
		return smtpError(addr, "greeting", err)
	}
	defer c.Close()
	if e.cfg.StartTLS != StartTLSNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(e.tls); err != nil {
				return smtpError(addr, "starttls", err)
			}
		} else if e.cfg.StartTLS == StartTLSRequired {
			return permanent(fmt.Errorf("smtp %s: the server offers no STARTTLS and channel %q requires it", addr, e.channel))
		}
	}
	if e.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.cfg.Password.Reveal(), e.cfg.Host)); err != nil {
			return smtpError(addr, "auth", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return smtpError(addr, "mail from", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpError(addr, "rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError(addr, "data", err)
	}
	if _, err := w.Write(e.message(a, to)); err != nil {
		return smtpError(addr, "data", err)
	}
	if err := w.Close(); err != nil {
		return smtpError(addr, "data", err)
	}
	_ = c.Quit() // the message is accepted; a lost QUIT changes nothing
	return nil
}

// smtpError names the step that failed; a 5xx reply is permanent.
func smtpError(addr, step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		err = fmt.Errorf("smtp %s: %s: %d %s", addr, step, te.Code, te.Msg)
		if te.Code >= 500 {
			return permanent(err)
		}
		return err
	}
	return fmt.Errorf("smtp %s: %s: %w", addr, step, err)
}

// subject is the subject of the email about a: "[procurehub] <severity>:
// <subject>", the subject worded by the kind's template when it has one.
func (e *emailSender) subject(a pipelines.Alert) string {
	subject := e.render(a, 0, a.Subject)
	if strings.TrimSpace(subject) == "" {
		subject = a.Kind
	}
	return clip(oneLine(fmt.Sprintf("[procurehub] %s: %s", a.Severity, strings.TrimSpace(subject))), 250)
}

// message is the mail about a to one address: headers, then a plain-text,
// quoted-printable body a person reads.
func (e *emailSender) message(a pipelines.Alert, to string) []byte {
	var b bytes.Buffer
	sum := sha256.Sum256([]byte(a.ID + "\x00" + e.channel + "\x00" + to))
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", e.from.String())
	header("To", to)
	header("Subject", mime.QEncoding.Encode("utf-8", e.subject(a)))
	header("Date", e.now().Format(time.RFC1123Z))
	// The same for every attempt: a receiver can tell a repeat.
	domain := "procurehub"
	if _, d, ok := strings.Cut(e.from.Address, "@"); ok && d != "" {
		domain = d
	}
	header("Message-ID", "<"+hex.EncodeToString(sum[:16])+"@"+domain+">")
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(e.body(a), "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}

// body is the text of the mail about a.
func (e *emailSender) body(a pipelines.Alert) string {
	var b strings.Builder
	if text := strings.TrimSpace(e.render(a, 1, a.Message)); text != "" {
		b.WriteString(text + "\n\n")
	}
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-18s %s\n", k+":", oneLine(v))
		}
	}
	order := a.Data["order_number"]
	line("Order", order)
	line("Partner", a.Partner)
	line("Severity", a.Severity)
	line("Kind", a.Kind)
	if !a.OccurredAt.IsZero() {
		line("Occurred", a.OccurredAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	line("Suggested action", a.Action)
	if link := e.link(a); link != "" {
		b.WriteString("\n" + "Open in procurehub: " + link + "\n")
	}
	fmt.Fprintf(&b, "\nAlert %s. You receive this because a procurehub notification route sends %s alerts to you.\n", a.ID, a.Kind)
	return b.String()
}

// link points at the order's timeline, or else at the partner's alerts.
func (e *emailSender) link(a pipelines.Alert) string {
	switch {
	case e.linkBase == "":
		return ""
	case a.Data["order_number"] != "":
		return e.linkBase + "/api/v1/orders/" + url.PathEscape(a.Data["order_number"]) + "/timeline"
	case a.Partner != "":
		return e.linkBase + "/api/v1/alerts?partner=" + url.QueryEscape(a.Partner)
	}
	return e.linkBase + "/api/v1/alerts?kind=" + url.QueryEscape(a.Kind)
}

// oneLine keeps a value on one line: a line break in an alert's subject
// must not start a header of its own.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}
