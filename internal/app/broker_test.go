package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/config"
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
