package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/carriersim"
	"github.com/procurehub/procurehub/internal/config"
)

// secretsConfig is an embedded-mode hub whose every connector that takes a
// credential has one, all from the environment: the carrier webhook's
// signing secret, an FTP and an SFTP partner's passwords, the notification
// webhook's secret and the SMTP password (in $DIR/notifications.yaml).
const secretsConfig = `
broker:
  embedded: true
  addr: 127.0.0.1:0
  data_dir: $DIR/kafka
  partitions: 1
store:
  driver: sqlite
  dsn: $DIR/hub.db
  migrate_on_start: true
http:
  addr: 127.0.0.1:0
pipeline:
  retries: 1
  retry_initial: 10ms
notifications: $DIR/notifications.yaml
partners:
  - name: buyer-1
    kind: erp_export
    settings:
      inbox: $DIR/inbox
      settle_time: 0s
      poll_interval: 50ms
      mapping: $MAPPING
  - name: bank-1
    kind: bank_statement
    settings:
      inbox: $DIR/bank
      format: camt053
      settle_time: 0s
      poll_interval: 50ms
  - name: carrier-1
    kind: tracking
    settings:
      profile: demo
      webhook:
        secret: ${CARRIER_SECRET}
  - name: acme-ftp
    kind: erp_export
    settings:
      transport:
        type: ftp
        address: $FTP_ADDR
        user: procurehub
        password: ${ACME_FTP_PASSWORD}
        timeout: 2s
      inbox: /export/orders
      spool: $DIR/spool/acme-ftp
      poll_interval: 100ms
      mapping: $MAPPING
  - name: shenzhen-sftp
    kind: erp_export
    settings:
      transport:
        type: sftp
        address: $SFTP_ADDR
        user: procurehub
        password: ${SHENZHEN_SFTP_PASSWORD}
        insecure_ignore_host_key: true
        timeout: 2s
      inbox: /out
      spool: $DIR/spool/shenzhen-sftp
      poll_interval: 100ms
      mapping: $MAPPING
`

const secretsNotifications = `
link_base: http://127.0.0.1:8080
attempts: 2
channels:
  - name: ops-webhook
    webhook:
      url: $HOOK_URL
      secret: ${PROCUREHUB_OPS_WEBHOOK_SECRET}
      timeout: 2s
  - name: purchasing-email
    email:
      host: 127.0.0.1
      port: $SMTP_PORT
      from: procurehub <alerts@procurehub.example.com>
      username: procurehub
      password: ${PROCUREHUB_SMTP_PASSWORD}
      starttls: required
      to: [purchasing@acme.example]
      timeout: 2s
routes:
  - name: everything to operations and purchasing
    channels: [ops-webhook, purchasing-email]
`

// The secrets of the run: distinctive, so that any appearance is a leak.
var runSecrets = map[string]string{
	"CARRIER_SECRET":                "s3cr3t-carrier-Wk7",
	"ACME_FTP_PASSWORD":             "s3cr3t-ftp-Zq9",
	"SHENZHEN_SFTP_PASSWORD":        "s3cr3t-sftp-Xv4",
	"PROCUREHUB_OPS_WEBHOOK_SECRET": "s3cr3t-opshook-Rt2",
	"PROCUREHUB_SMTP_PASSWORD":      "s3cr3t-smtp-Lm8",
}

// syncBuffer is a bytes.Buffer safe for the hub's goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeFTP answers like an FTP server that refuses every login, so the hub
// really sends the password and logs a failed login. It returns its
// address and the passwords it was sent.
func fakeFTP(t *testing.T) (string, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var passwords []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fmt.Fprint(c, "220 fake ftp\r\n")
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					cmd, arg, _ := strings.Cut(sc.Text(), " ")
					switch strings.ToUpper(cmd) {
					case "USER":
						fmt.Fprint(c, "331 password required\r\n")
					case "PASS":
						mu.Lock()
						passwords = append(passwords, arg)
						mu.Unlock()
						fmt.Fprint(c, "530 login incorrect\r\n")
					case "QUIT":
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "530 please login\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), passwords...)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// secretHub is startHub's variant for the secrets test: secretsConfig,
// secrets from the environment, every log line at Debug and the printed
// output captured.
type secretHub struct {
	*runningHub
	dir    string
	logs   *syncBuffer
	out    *syncBuffer
	runErr error
}

func startSecretHub(t *testing.T, vars map[string]string) *secretHub {
	t.Helper()
	for k, v := range runSecrets {
		t.Setenv(k, v) // the notifications file reads the process environment
	}
	dir := t.TempDir()
	mappingPath, _ := filepath.Abs("testdata/buyer.mapping.yaml")
	vars["$DIR"], vars["$MAPPING"] = dir, mappingPath
	subst := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, k, v)
		}
		return s
	}
	if err := os.WriteFile(filepath.Join(dir, "notifications.yaml"), []byte(subst(secretsNotifications)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(cfgPath, []byte(subst(secretsConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	h := &secretHub{dir: dir, logs: &syncBuffer{}, out: &syncBuffer{}}
	var logw io.Writer = h.logs
	if os.Getenv("PROCUREHUB_TEST_LOG") != "" {
		logw = io.MultiWriter(h.logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Registry: reg, Logger: log, Out: h.out, Started: func(h *Hub) { started <- h }})
	}()
	var hub *Hub
	select {
	case hub = <-started:
	case err := <-done:
		t.Fatalf("hub stopped before it started: %v\n%s", err, h.logs)
	case <-time.After(60 * time.Second):
		t.Fatal("hub did not start within 60s")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return h.runErr
		}
		stopped = true
		cancel()
		select {
		case h.runErr = <-done:
			return h.runErr
		case <-time.After(60 * time.Second):
			return fmt.Errorf("hub did not stop within 60s of cancellation")
		}
	}
	t.Cleanup(func() { stop() })
	h.runningHub = &runningHub{hub: hub, inbox: filepath.Join(dir, "inbox"), stop: stop}
	return h
}

// secretForms are the ways a secret may leak: as written, base64 (also
// as a Basic or SMTP AUTH PLAIN credential) and URL-encoded.
func secretForms(user, secret string) map[string]string {
	b64 := base64.StdEncoding.EncodeToString
	return map[string]string{
		"plain":              secret,
		"base64":             b64([]byte(secret)),
		"base64url":          base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"url-encoded":        url.QueryEscape(secret),
		"basic auth":         b64([]byte(user + ":" + secret)),
		"SMTP AUTH PLAIN":    b64([]byte("\x00" + user + "\x00" + secret)),
		"AUTH PLAIN with id": b64([]byte(user + "\x00" + user + "\x00" + secret)),
	}
}

// leaks names every secret, in any of its forms, found in text.
func leaks(where, text string) []string {
	var out []string
	for name, secret := range runSecrets {
		for form, s := range secretForms("procurehub", secret) {
			if form != "plain" && s == secret {
				continue // the same text: one report is enough
			}
			if i := strings.Index(text, s); i >= 0 {
				line := text[strings.LastIndexByte(text[:i], '\n')+1:]
				if j := strings.IndexByte(line, '\n'); j >= 0 {
					line = line[:j]
				}
				out = append(out, fmt.Sprintf("%s: %s (%s) leaked: %.300s", where, name, form, line))
			}
		}
	}
	return out
}

func TestSecretScannerFindsEveryForm(t *testing.T) {
	secret := runSecrets["ACME_FTP_PASSWORD"]
	for form, s := range secretForms("procurehub", secret) {
		if got := leaks("text", "level=ERROR msg=x err=\"dial: "+s+"\"\n"); len(got) == 0 {
			t.Errorf("the scanner missed the %s form %q", form, s)
		}
	}
	if got := leaks("text", "level=ERROR msg=x password=***\n"); len(got) != 0 {
		t.Errorf("the scanner flagged a masked secret: %v", got)
	}
}

// TestSecretsNeverAppearInLogsOrErrors runs a hub whose connectors all hold
// secrets, makes each of them work or fail (a file, a forged webhook, an FTP
// server refusing the login, an SFTP server that is not there, notification
// channels that refuse or are not there), then scans every log line, the
// printed output, every error and every file the hub wrote.
func TestSecretsNeverAppearInLogsOrErrors(t *testing.T) {
	ftpAddr, ftpPasswords := fakeFTP(t)
	var hookMu sync.Mutex
	hookCalls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookMu.Lock()
		hookCalls++
		hookMu.Unlock()
		http.Error(w, "signature not accepted", http.StatusUnauthorized)
	}))
	t.Cleanup(hook.Close)
	_, smtpPort, _ := net.SplitHostPort(closedAddr(t))
	h := startSecretHub(t, map[string]string{
		"$FTP_ADDR":  ftpAddr,
		"$SFTP_ADDR": closedAddr(t),
		"$HOOK_URL":  hook.URL,
		"$SMTP_PORT": smtpPort,
	})
	var errs []string

	// A file through the local inbox: a receipt in the outbox.
	h.drop(t, "two-orders.csv", "two-orders.csv")
	if rec := h.receipt(t, "archive", "two-orders.csv"); rec["status"] != "done" {
		t.Errorf("receipt = %v, want done", rec)
	}
	// A bank statement that does not add up raises an alert the
	// notification channels try to deliver.
	dropFile(t, "../../connectors/bankstatement/camt/testdata/camt053_v04_closing_balance_mismatch.xml",
		filepath.Join(h.dir, "bank"), "stmt.xml")

	// A webhook delivery signed with a guessed secret is refused.
	forged := &carriersim.Sender{URL: "http://" + h.hub.HTTPAddr + "/webhooks/tracking/carrier-1",
		Signature: webhook.Signature{Secret: []byte("guessed")}}
	events := carriersim.Scenarios(time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC), "DEMO")[0].Events
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := forged.Send(ctx, events[0]); err == nil {
		t.Error("a delivery with a guessed signature was accepted")
	} else {
		errs = append(errs, err.Error())
	}
	// The same with a plain POST, to read the refusal the carrier sees.
	resp, err := http.Post(forged.URL, "application/json", strings.NewReader(`{"tracking_number":"DEMO0001"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		t.Errorf("an unsigned delivery got %s", resp.Status)
	}
	errs = append(errs, fmt.Sprintf("%s %s %v", resp.Status, body, resp.Header))

	// Each failure has happened (and so been logged) before the logs are read.
	eventually(t, "the FTP server is sent the password", func() bool { return len(ftpPasswords()) > 0 })
	if got := ftpPasswords()[0]; got != runSecrets["ACME_FTP_PASSWORD"] {
		t.Errorf("the FTP server was sent password %q, want the configured one", got)
	}
	eventually(t, "the notification webhook is called", func() bool {
		hookMu.Lock()
		defer hookMu.Unlock()
		return hookCalls > 0
	})
	for _, partner := range []string{"acme-ftp", "shenzhen-sftp"} {
		eventually(t, partner+"'s failure logged", func() bool {
			for _, l := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(l, partner) && strings.Contains(l, "err=") {
					return true
				}
			}
			return false
		})
	}
	eventually(t, "the email channel's failure logged", func() bool {
		return strings.Contains(h.logs.String(), smtpPort)
	})
	time.Sleep(300 * time.Millisecond) // a few more polls and retries

	if err := h.stop(); err != nil {
		errs = append(errs, err.Error())
	}

	var found []string
	found = append(found, leaks("log", h.logs.String())...)
	found = append(found, leaks("printed output", h.out.String())...)
	for _, e := range errs {
		found = append(found, leaks("error", e)...)
	}
	// Every file the hub wrote: receipts in the outboxes, archive,
	// quarantine, spools, the store and the broker's log segments.
	receipts := 0
	err = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".receipt.json") && filepath.Base(filepath.Dir(path)) == "outbox" {
			receipts++
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(h.dir, path)
		found = append(found, leaks(rel, string(b))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if receipts < 2 {
		t.Errorf("%d receipts in the outboxes, want the order file's and the statement's", receipts)
	}
	for _, f := range found {
		t.Error(f)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("%d log bytes, %d bytes printed, %d errors, %d outbox receipts scanned", len(h.logs.String()), len(h.out.String()), len(errs), receipts)
	}
}
