package app

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/testserver/testpki"
)

func TestBrokerSecurityFromConfig(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("plaintext without settings", func(t *testing.T) {
		sec, err := BrokerSecurity(config.Broker{Brokers: []string{"k:9092"}})
		if err != nil || sec.TLS != nil || sec.SASL != nil {
			t.Errorf("got %+v, %v; want plaintext", sec, err)
		}
	})
	t.Run("scram-sha-512 over tls with the system roots", func(t *testing.T) {
		sec, err := BrokerSecurity(config.Broker{TLS: config.BrokerTLS{Enabled: true, ServerName: "kafka.internal"},
			SASL: config.BrokerSASL{Mechanism: config.SASLScramSHA512, Username: "hub", Password: "pw-in-env"}})
		if err != nil {
			t.Fatal(err)
		}
		if sec.TLS == nil || sec.TLS.ServerName != "kafka.internal" || sec.TLS.RootCAs != nil {
			t.Errorf("tls = %+v; want the server name and the system roots", sec.TLS)
		}
		if sec.SASL == nil || sec.SASL.Name() != "SCRAM-SHA-512" {
			t.Errorf("sasl = %v; want SCRAM-SHA-512", sec.SASL)
		}
	})
	t.Run("a missing CA file is named", func(t *testing.T) {
		_, err := BrokerSecurity(config.Broker{TLS: config.BrokerTLS{Enabled: true, CAFile: filepath.Join(dir, "missing.pem")}})
		if err == nil || !strings.Contains(err.Error(), "broker.tls.ca_file") || !strings.Contains(err.Error(), "missing.pem") {
			t.Errorf("err = %v; want the ca_file named", err)
		}
	})
	t.Run("a CA file without a certificate is named", func(t *testing.T) {
		_, err := BrokerSecurity(config.Broker{TLS: config.BrokerTLS{Enabled: true, CAFile: notPEM}})
		if err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
			t.Errorf("err = %v; want it to say there is no certificate", err)
		}
	})
	t.Run("a bad client key pair is refused", func(t *testing.T) {
		_, err := BrokerSecurity(config.Broker{TLS: config.BrokerTLS{Enabled: true, CertFile: notPEM, KeyFile: notPEM}})
		if err == nil || !strings.Contains(err.Error(), "client certificate") {
			t.Errorf("err = %v; want the client certificate named", err)
		}
	})
}

// TestAHubRunsOverTLSWithSCRAM runs a whole hub against a broker that
// speaks only TLS and wants a SCRAM-SHA-512 login: topics created, a
// partner's file published, consumed and stored.
func TestAHubRunsOverTLSWithSCRAM(t *testing.T) {
	pki := testpki.New(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(2),
		kfake.GroupMinSessionTimeout(time.Second), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "procurehub", "tls-scram-test-pass"),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pki.Server}, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "kafka-ca.pem")
	if err := os.WriteFile(ca, pki.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	mapping, _ := filepath.Abs("testdata/replay/descriptions-en.mapping.yaml")
	inbox := filepath.Join(dir, "inbox")
	doc := fmt.Sprintf(`
broker:
  brokers: [%q]
  partitions: 2
  tls: {enabled: true, ca_file: %s}
  sasl: {mechanism: scram-sha-512, username: procurehub, password: "${KAFKA_PASSWORD}"}
store: {driver: sqlite, dsn: %s/hub.db, migrate_on_start: true}
http: {addr: "127.0.0.1:0"}
partners:
  - name: buyer-1
    kind: erp_export
    settings: {inbox: %s, settle_time: 0s, poll_interval: 50ms, mapping: %s}
`, cluster.ListenAddrs()[0], ca, dir, inbox, mapping)
	path := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(k string) (string, bool) {
		return "tls-scram-test-pass", k == "KAFKA_PASSWORD"
	})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h, _ := runInProcess(t, cfg, slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	dropFile(t, "testdata/replay/orders-with-two-descriptions.csv", inbox, "orders.csv")
	eventually(t, "the file's orders stored through the TLS + SCRAM broker", func() bool { return len(ordersOf(t, h)) == 2 })
	resp, err := http.Get("http://" + h.HTTPAddr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d over TLS + SCRAM; want 200 (the broker check logs in too)", resp.StatusCode)
	}
	if strings.Contains(logs.String(), "tls-scram-test-pass") {
		t.Error("the broker password is in the hub's log")
	}
}

// syncWriter serializes writes of the hub's goroutines to one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
