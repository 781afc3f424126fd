package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// testNow is the notifier's clock in these tests.
var testNow = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// testEnv holds the secrets the test configs take from ${VARS}.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"OPS_WEBHOOK_SECRET": "hook-secret-from-env",
		"SMTP_PASSWORD":      "smtp-pass-from-env",
	}[name]
	return v, ok
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// lateOrder is the alert most tests send: a carrier ETA after the promised date.
func lateOrder() pipelines.Alert {
	return pipelines.Alert{ID: "eta-late-PO-4711", Kind: "eta_after_promised", Severity: pipelines.SeverityCritical,
		Partner: "carrier-sim", Subject: "PO-4711 arrives 3 days after the promised date",
		Message:    "The carrier's ETA 2026-03-12 is after the promised 2026-03-09.",
		Action:     "Ask the supplier for air freight, or tell the customer the new date.",
		OccurredAt: time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC),
		Data:       map[string]string{"order_number": "PO-4711", "buyer_id": "ACME", "supplier_id": "SUP-SZ"}}
}

func alertMessage(t *testing.T, a pipelines.Alert) *message.Message {
	t.Helper()
	msg, err := a.ToMessage()
	if err != nil {
		t.Fatal(err)
	}
	msg.SetContext(t.Context())
	return msg
}

// hook is a webhook receiver that checks the signature the way procurehub's
// own receiver does, and answers the scripted statuses in order, then 200.
type hook struct {
	srv *httptest.Server
	url string

	mu       sync.Mutex
	script   []int
	delay    time.Duration // before answering the first request
	bodies   [][]byte      // of the requests it accepted (2xx)
	requests int
	badSigs  []string
}

func startHook(t *testing.T, script ...int) *hook {
	t.Helper()
	h := &hook{script: script}
	sig := webhook.Signature{Secret: []byte("hook-secret-from-env")}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.requests++
		delay := h.delay
		h.delay = 0
		status := http.StatusOK
		if len(h.script) > 0 {
			status, h.script = h.script[0], h.script[1:]
		}
		if err := sig.Verify(r.Header, body, testNow); err != nil {
			h.badSigs = append(h.badSigs, err.Error())
			status = http.StatusUnauthorized
		} else if status/100 == 2 {
			h.bodies = append(h.bodies, body)
		}
		h.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "status %d from the receiver\n", status)
	}))
	h.url = h.srv.URL + "/hooks/procurehub?token=t0ps3cret"
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) accepted() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.bodies...)
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// testYAML is a config with the three channels: the webhook at hookURL,
// email to anna@acme.example through mb (a closed port without one), and
// ACME's inbox; one route sends every alert to the channels named.
func testYAML(hookURL string, mb *mailbox, attempts int, channels string) string {
	port, ca := 1, ""
	if mb != nil {
		port, ca = mb.Port, mb.CAFile
	}
	return fmt.Sprintf(`link_base: https://hub.example.com
attempts: %d
channels:
  - name: ops-webhook
    webhook:
      url: %s
      secret: ${OPS_WEBHOOK_SECRET}
      timeout: 300ms
  - name: buyer-email
    email:
      host: 127.0.0.1
      port: %d
      from: procurehub <alerts@hub.example.com>
      username: hub
      password: ${SMTP_PASSWORD}
      ca_file: %q
      to: [anna@acme.example]
      timeout: 5s
  - name: acme-inbox
    in_app:
      party: ACME
routes:
  - name: everything
    channels: [%s]
`, attempts, hookURL, port, ca, channels)
}

func newNotifier(t *testing.T, yml string, st Store) *Notifier {
	t.Helper()
	return newNotifierWith(t, yml, st, nil)
}

func newNotifierWith(t *testing.T, yml string, st Store, reg prometheus.Registerer) *Notifier {
	t.Helper()
	cfg, err := Load("notifications.yaml", []byte(yml), testEnv)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	n, err := New(cfg, st, Options{Now: func() time.Time { return testNow },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// deliveries prints an alert's deliveries as "channel recipient status attempts", one a line.
func deliveries(t *testing.T, st *sqlite.Store, alertID string) string {
	t.Helper()
	ds, err := st.Deliveries(t.Context(), alertID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s %s %s %d\n", d.Channel, d.Recipient, d.Status, d.Attempts)
	}
	return b.String()
}

func lastError(t *testing.T, st *sqlite.Store, alertID, channel string) string {
	t.Helper()
	ds, err := st.Deliveries(t.Context(), alertID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Channel == channel {
			return d.LastError
		}
	}
	return "<no delivery via " + channel + ">"
}

func TestAnEmailReachesThePersonOverSTARTTLSWithALogin(t *testing.T) {
	st := openStore(t)
	mb := startMailbox(t, true)
	n := newNotifier(t, testYAML("http://127.0.0.1:1/unused", mb, 3, "buyer-email"), st)
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := mb.messages()
	if len(got) != 1 {
		t.Fatalf("the mailbox holds %d messages; want 1", len(got))
	}
	m := got[0]
	if m.From != "alerts@hub.example.com" || strings.Join(m.To, ",") != "anna@acme.example" {
		t.Errorf("envelope from %q to %v; want alerts@hub.example.com to anna@acme.example", m.From, m.To)
	}
	if !m.TLS || m.Username != "hub" || m.Password != "smtp-pass-from-env" {
		t.Errorf("tls %v, login %q/%q; want the message over TLS after AUTH PLAIN as hub with the password from the environment", m.TLS, m.Username, m.Password)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[procurehub] critical: PO-4711 arrives 3 days after the promised date"; subject != want {
		t.Errorf("subject %q; want %q", subject, want)
	}
	if to := msg.Header.Get("To"); to != "anna@acme.example" {
		t.Errorf("To: %q; want anna@acme.example", to)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasSuffix(id, "@hub.example.com>") {
		t.Errorf("Message-ID %q; want one of the sender's domain", id)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"The carrier's ETA 2026-03-12 is after the promised 2026-03-09.",
		"Order:             PO-4711",
		"Suggested action:  Ask the supplier for air freight, or tell the customer the new date.",
		"Open in procurehub: https://hub.example.com/api/v1/orders/PO-4711/timeline",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(m.Data), "smtp-pass-from-env") {
		t.Error("the message shows the SMTP password")
	}
	if got, want := deliveries(t, st, "eta-late-PO-4711"), "buyer-email anna@acme.example sent 1\n"; got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestAWebhookIsSignedTheWayReceiversCheckIt(t *testing.T) {
	st := openStore(t)
	h := startHook(t)
	n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook"), st)
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(h.badSigs) > 0 {
		t.Fatalf("the receiver refused the signature: %v", h.badSigs)
	}
	bodies := h.accepted()
	if len(bodies) != 1 {
		t.Fatalf("the receiver accepted %d requests; want 1", len(bodies))
	}
	var a pipelines.Alert
	if err := json.Unmarshal(bodies[0], &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != "eta-late-PO-4711" || a.Severity != "critical" || a.Data["order_number"] != "PO-4711" || a.Action == "" {
		t.Errorf("the receiver got %+v; want the alert", a)
	}
	// The store keeps the webhook's scheme and host, never its path and token.
	got := deliveries(t, st, "eta-late-PO-4711")
	if want := "ops-webhook " + h.srv.URL + " sent 1\n"; got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestAWebhookAnswering500IsRetriedAndDeliveredOnce(t *testing.T) {
	st := openStore(t)
	h := startHook(t, http.StatusInternalServerError)
	reg := prometheus.NewRegistry()
	n := newNotifierWith(t, testYAML(h.url, nil, 3, "ops-webhook"), st, reg)
	err := n.Handle(alertMessage(t, lateOrder()))
	if err == nil || pipelines.IsPermanent(err) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("first delivery: %v; want an error to retry naming the 500", err)
	}
	if strings.Contains(err.Error(), "t0ps3cret") {
		t.Errorf("the error shows the webhook's token: %v", err)
	}
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("a later redelivery: %v", err)
	}
	if got := len(h.accepted()); got != 1 || h.count() != 2 {
		t.Errorf("the receiver accepted %d of %d requests; want 1 of 2 (the 500, then the retry)", got, h.count())
	}
	if got, want := deliveries(t, st, "eta-late-PO-4711"), "ops-webhook "+h.srv.URL+" sent 2\n"; got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
	want := `
# HELP procurehub_notifications_total Attempts at delivering an alert to one recipient, by channel and result (sent, retry, failed).
# TYPE procurehub_notifications_total counter
procurehub_notifications_total{channel="ops-webhook",result="retry"} 1
procurehub_notifications_total{channel="ops-webhook",result="sent"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "procurehub_notifications_total"); err != nil {
		t.Error(err)
	}
}

func TestARedeliveredAlertSendsNothingTwice(t *testing.T) {
	st := openStore(t)
	h := startHook(t)
	mb := startMailbox(t, true)
	n := newNotifier(t, testYAML(h.url, mb, 3, "ops-webhook, buyer-email, acme-inbox"), st)
	for i := range 3 {
		if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if got := h.count(); got != 1 {
		t.Errorf("the webhook was called %d times; want 1", got)
	}
	if got := len(mb.messages()); got != 1 {
		t.Errorf("the mailbox holds %d messages; want 1", got)
	}
	inbox, _, err := st.ListNotifications(t.Context(), store.NotificationFilter{Party: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].AlertID != "eta-late-PO-4711" || inbox[0].OrderNumber != "PO-4711" {
		t.Errorf("ACME's inbox: %+v; want the alert once", inbox)
	}
	want := "acme-inbox ACME sent 1\nbuyer-email anna@acme.example sent 1\nops-webhook " + h.srv.URL + " sent 1\n"
	if got := deliveries(t, st, "eta-late-PO-4711"); got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestAFailingEmailDoesNotResendTheWebhookThatWent(t *testing.T) {
	st := openStore(t)
	h := startHook(t)
	mb := startMailbox(t, true)
	mb.failNext(tryLater)
	n := newNotifier(t, testYAML(h.url, mb, 3, "ops-webhook, buyer-email"), st)
	err := n.Handle(alertMessage(t, lateOrder()))
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("first delivery: %v; want an error to retry naming the SMTP 451", err)
	}
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := h.count(); got != 1 {
		t.Errorf("the webhook was called %d times; want 1 (it went the first time)", got)
	}
	if got := len(mb.messages()); got != 1 {
		t.Errorf("the mailbox holds %d messages; want 1 (the retry)", got)
	}
	want := "buyer-email anna@acme.example sent 2\nops-webhook " + h.srv.URL + " sent 1\n"
	if got := deliveries(t, st, "eta-late-PO-4711"); got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestAWebhookAnswering400IsFailedForGoodAndRecorded(t *testing.T) {
	st := openStore(t)
	h := startHook(t, http.StatusBadRequest)
	n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook"), st)
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("Handle: %v; want nil: a refused delivery must not hold the topic up", err)
	}
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if got := h.count(); got != 1 {
		t.Errorf("the webhook was called %d times; want 1 (a 400 is not retried)", got)
	}
	if got, want := deliveries(t, st, "eta-late-PO-4711"), "ops-webhook "+h.srv.URL+" failed 1\n"; got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
	if e := lastError(t, st, "eta-late-PO-4711", "ops-webhook"); !strings.Contains(e, "400 Bad Request") || strings.Contains(e, "t0ps3cret") {
		t.Errorf("last error %q; want the 400, without the url's token", e)
	}
}

func TestADeliveryThatKeepsFailingIsGivenUpAfterItsAttempts(t *testing.T) {
	for _, c := range []struct {
		name   string
		script []int
	}{
		{"503 every time", []int{503, 503, 503, 503}},
		{"429 every time", []int{429, 429, 429, 429}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			h := startHook(t, c.script...)
			n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook"), st)
			for i := range 2 {
				if err := n.Handle(alertMessage(t, lateOrder())); err == nil {
					t.Fatalf("attempt %d: nil; want an error to retry", i+1)
				}
			}
			if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
				t.Fatalf("attempt 3 of 3: %v; want nil, the delivery given up", err)
			}
			if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
				t.Fatalf("a redelivery after giving up: %v", err)
			}
			if got := h.count(); got != 3 {
				t.Errorf("the webhook was called %d times; want 3", got)
			}
			if got, want := deliveries(t, st, "eta-late-PO-4711"), "ops-webhook "+h.srv.URL+" failed 3\n"; got != want {
				t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
			}
			if e := lastError(t, st, "eta-late-PO-4711", "ops-webhook"); !strings.Contains(e, fmt.Sprint(c.script[0])) {
				t.Errorf("last error %q; want the status", e)
			}
		})
	}
}

func TestAWebhookThatTimesOutIsRetried(t *testing.T) {
	st := openStore(t)
	h := startHook(t)
	h.delay = 5 * time.Second // the channel's timeout is 300ms
	n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook"), st)
	err := n.Handle(alertMessage(t, lateOrder()))
	if err == nil || pipelines.IsPermanent(err) {
		t.Fatalf("a slow receiver: %v; want an error to retry", err)
	}
	if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got, want := deliveries(t, st, "eta-late-PO-4711"), "ops-webhook "+h.srv.URL+" sent 2\n"; got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestEmailsTheServerRefusesForGoodAreFailed(t *testing.T) {
	for _, c := range []struct {
		name, to, want string
		tls            bool
	}{
		{"an unknown mailbox (550)", "nobody@acme.example", "550", true},
		{"a server without STARTTLS when it is required", "anna@acme.example", "STARTTLS", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			mb := startMailbox(t, c.tls)
			yml := strings.Replace(testYAML("http://127.0.0.1:1/unused", mb, 3, "buyer-email"), "anna@acme.example", c.to, 1)
			n := newNotifier(t, yml, st)
			if err := n.Handle(alertMessage(t, lateOrder())); err != nil {
				t.Fatalf("Handle: %v; want nil, the delivery failed for good", err)
			}
			if got, want := deliveries(t, st, "eta-late-PO-4711"), "buyer-email "+c.to+" failed 1\n"; got != want {
				t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
			}
			if e := lastError(t, st, "eta-late-PO-4711", "buyer-email"); !strings.Contains(e, c.want) {
				t.Errorf("last error %q; want it to name %s", e, c.want)
			}
			if got := len(mb.messages()); got != 0 {
				t.Errorf("the mailbox holds %d messages; want none", got)
			}
		})
	}
}

func TestAMessageThatIsNotAnAlertGoesToThePoisonTopic(t *testing.T) {
	n := newNotifier(t, testYAML("http://127.0.0.1:1/unused", nil, 3, "acme-inbox"), openStore(t))
	for name, payload := range map[string]string{
		"not JSON":         `{"alert_id": `,
		"without alert_id": `{"kind": "eta_after_promised", "severity": "critical"}`,
	} {
		msg := message.NewMessage("m-1", []byte(payload))
		msg.SetContext(t.Context())
		if err := n.Handle(msg); !pipelines.IsPermanent(err) {
			t.Errorf("%s: %v; want a permanent error", name, err)
		}
	}
}

func TestASubjectWithALineBreakStaysOneHeader(t *testing.T) {
	mb := startMailbox(t, true)
	n := newNotifier(t, testYAML("http://127.0.0.1:1/unused", mb, 3, "buyer-email"), openStore(t))
	a := lateOrder()
	a.Subject = "PO-4711 late\r\nBcc: everyone@example.com"
	if err := n.Handle(alertMessage(t, a)); err != nil {
		t.Fatal(err)
	}
	got := mb.messages()
	if len(got) != 1 {
		t.Fatalf("%d messages; want 1", len(got))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if bcc := msg.Header.Get("Bcc"); bcc != "" || len(got[0].To) != 1 {
		t.Errorf("Bcc %q, recipients %v; want no Bcc header and one recipient", bcc, got[0].To)
	}
}

func TestRoutesPickChannelsByKindSeverityPartnerAndParty(t *testing.T) {
	yml := `channels:
  - name: ops
    in_app: {party: OPS}
  - name: acme
    in_app: {party: ACME}
  - name: bank-desk
    in_app: {party: TREASURY}
routes:
  - name: critical to ops
    min_severity: critical
    channels: [ops]
  - name: acme's orders
    parties: [ACME]
    kinds: [eta_after_promised, order_needs_review]
    channels: [acme, ops]
  - name: the bank's statements
    partners: [bank-1]
    kinds: [balance_mismatch]
    channels: [bank-desk]
`
	n := newNotifier(t, yml, openStore(t))
	alert := func(kind, severity, partner, buyer string) pipelines.Alert {
		a := pipelines.Alert{ID: "a", Kind: kind, Severity: severity, Partner: partner}
		if buyer != "" {
			a.Data = map[string]string{"buyer_id": buyer}
		}
		return a
	}
	for _, c := range []struct {
		name  string
		alert pipelines.Alert
		want  string
	}{
		{"a critical alert of anyone goes to ops", alert("source_unreachable", "critical", "sftp-1", ""), "[ops]"},
		{"a warning of no route's party goes nowhere", alert("source_unreachable", "warning", "sftp-1", ""), "[]"},
		{"acme's late order goes to acme and ops once", alert("eta_after_promised", "warning", "carrier-sim", "ACME"), "[acme ops]"},
		{"acme's critical late order still goes to ops once", alert("eta_after_promised", "critical", "carrier-sim", "ACME"), "[ops acme]"},
		{"another buyer's late order goes nowhere", alert("eta_after_promised", "warning", "carrier-sim", "GLOBEX"), "[]"},
		{"acme's alert of another kind goes nowhere", alert("invoice_before_delivery", "warning", "acme-gmbh", "ACME"), "[]"},
		{"a party matches as the alert's partner", alert("order_needs_review", "warning", "ACME", ""), "[acme ops]"},
		{"the bank's balance mismatch goes to the bank desk", alert("balance_mismatch", "warning", "bank-1", ""), "[bank-desk]"},
		{"another bank's balance mismatch goes nowhere", alert("balance_mismatch", "warning", "bank-2", ""), "[]"},
		{"an escalated alert goes out like any alert", alert("escalated", "critical", "carrier-sim", "ACME"), "[ops]"},
		{"an unknown severity is below critical", alert("source_unreachable", "fatal", "sftp-1", ""), "[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var names []string
			for _, tg := range n.targets(c.alert) {
				names = append(names, tg.ch.name)
			}
			if got := fmt.Sprint(names); got != c.want {
				t.Errorf("channels %s; want %s", got, c.want)
			}
		})
	}
}

func TestAWatermillRouterRetriesAFailedNotificationUntilItIsDelivered(t *testing.T) {
	st := openStore(t)
	h := startHook(t, http.StatusBadGateway)
	n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook, acme-inbox"), st)
	wlog := watermill.NopLogger{}
	pubsub := gochannel.NewGoChannel(gochannel.Config{}, wlog)
	router, err := message.NewRouter(message.RouterConfig{}, wlog)
	if err != nil {
		t.Fatal(err)
	}
	// The retry the pipelines router wraps every handler in.
	router.AddMiddleware(middleware.Retry{MaxRetries: 3, InitialInterval: time.Millisecond, Logger: wlog}.Middleware)
	delivered := make(chan struct{})
	var once sync.Once
	router.AddConsumerHandler(HandlerName, pipelines.TopicAlerts, pubsub, func(msg *message.Message) error {
		err := n.Handle(msg)
		if err == nil {
			once.Do(func() { close(delivered) })
		}
		return err
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	go func() { _ = router.Run(ctx) }()
	t.Cleanup(func() { _ = router.Close() })
	<-router.Running()
	msg, err := lateOrder().ToMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := pubsub.Publish(pipelines.TopicAlerts, msg); err != nil {
		t.Fatal(err)
	}
	select {
	case <-delivered:
	case <-ctx.Done():
		t.Fatalf("the alert was not delivered: %s", deliveries(t, st, "eta-late-PO-4711"))
	}
	if got := len(h.accepted()); got != 1 || h.count() != 2 {
		t.Errorf("the receiver accepted %d of %d requests; want 1 of 2 (the 502, then the retry)", got, h.count())
	}
	want := "acme-inbox ACME sent 1\nops-webhook " + h.srv.URL + " sent 2\n"
	if got := deliveries(t, st, "eta-late-PO-4711"); got != want {
		t.Errorf("deliveries:\n%s\nwant:\n%s", got, want)
	}
}

func TestAKindsTemplateWordsItsEmails(t *testing.T) {
	mb := startMailbox(t, true)
	yml := testYAML("http://127.0.0.1:1/unused", mb, 3, "buyer-email") + `templates:
  eta_after_promised:
    subject: "{{.Data.order_number}} is late: the carrier now says {{.Data.eta}}"
    body: |
      Order {{.Data.order_number}} of {{.Data.buyer_id}} will not arrive on the promised date.
  balance_mismatch:
    subject: "{{.NoSuchField}}"
`
	n := newNotifier(t, yml, openStore(t))
	late := lateOrder()
	late.Data["eta"] = "2026-03-12"
	mismatch := pipelines.Alert{ID: "bm-1", Kind: "balance_mismatch", Severity: "warning", Partner: "bank-1",
		Subject: "statement 61 does not add up", Message: "closing balance off by 10.00", OccurredAt: testNow}
	other := pipelines.Alert{ID: "su-1", Kind: "source_unreachable", Severity: "critical", Partner: "sftp-1",
		Subject: "sftp-1 has not answered for 2h", OccurredAt: testNow}
	for _, a := range []pipelines.Alert{late, mismatch, other} {
		if err := n.Handle(alertMessage(t, a)); err != nil {
			t.Fatal(err)
		}
	}
	got := mb.messages()
	if len(got) != 3 {
		t.Fatalf("%d messages; want 3", len(got))
	}
	for i, c := range []struct{ subject, body string }{
		{"[procurehub] critical: PO-4711 is late: the carrier now says 2026-03-12", "Order PO-4711 of ACME will not arrive on the promised date."},
		{"[procurehub] warning: statement 61 does not add up", "closing balance off by 10.00"}, // the template fails: the alert's own words
		{"[procurehub] critical: sftp-1 has not answered for 2h", "Partner:           sftp-1"}, // no template
	} {
		msg, err := mail.ReadMessage(bytes.NewReader(got[i].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if subject != c.subject || !strings.Contains(string(body), c.body) {
			t.Errorf("mail %d: subject %q, body:\n%s\nwant subject %q and %q in the body", i, subject, body, c.subject, c.body)
		}
		if i == 0 && !strings.Contains(string(body), "Suggested action:") {
			t.Errorf("a templated mail lost the suggested action:\n%s", body)
		}
	}
}

func TestNoNotificationCarriesAFullIBAN(t *testing.T) {
	st := openStore(t)
	h := startHook(t)
	n := newNotifier(t, testYAML(h.url, nil, 3, "ops-webhook"), st)
	a := lateOrder()
	a.ID = "balance-DE89"
	a.Message = "statement 2026/061 of account DE89 3704 0044 0532 0130 00 does not add up"
	a.Data = map[string]string{"account": "DE89370400440532013000", "order_number": "PO-4711", "note": "GB00XXXX is no IBAN"}
	if err := n.Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	bodies := h.accepted()
	if len(bodies) != 1 {
		t.Fatalf("the receiver accepted %d requests; want 1", len(bodies))
	}
	body := string(bodies[0])
	for _, full := range []string{"DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "3704"} {
		if strings.Contains(body, full) {
			t.Errorf("the webhook carries %q: %s", full, body)
		}
	}
	if !strings.Contains(body, "DE89********3000") || !strings.Contains(body, "PO-4711") || !strings.Contains(body, "GB00XXXX is no IBAN") {
		t.Errorf("the masked IBAN, the order number or the harmless text went missing: %s", body)
	}
}
