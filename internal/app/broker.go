package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/kafka"
)

// BrokerSecurity turns the broker's tls and sasl settings into the Kafka
// adapter's: the CA and client certificate files are read here, so a
// missing or bad file stops the start with its name.
func BrokerSecurity(b config.Broker) (kafka.Security, error) {
	var sec kafka.Security
	if t := b.TLS; t.Enabled {
		c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // an explicit, warned-about test setting
		if t.CAFile != "" {
			pem, err := os.ReadFile(t.CAFile)
			if err != nil {
				return sec, fmt.Errorf("broker.tls.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return sec, fmt.Errorf("broker.tls.ca_file %s: no PEM certificate in it", t.CAFile)
			}
			c.RootCAs = pool
		}
		if t.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
			if err != nil {
				return sec, fmt.Errorf("broker.tls: client certificate: %w", err)
			}
			c.Certificates = []tls.Certificate{cert}
		}
		sec.TLS = c
	}
	s := b.SASL
	var (
		m   sasl.Mechanism
		err error
	)
	switch s.Mechanism {
	case "":
		return sec, nil
	case config.SASLPlain:
		m = plain.Mechanism{Username: s.Username, Password: s.Password.Reveal()}
	case config.SASLScramSHA256:
		m, err = scram.Mechanism(scram.SHA256, s.Username, s.Password.Reveal())
	case config.SASLScramSHA512:
		m, err = scram.Mechanism(scram.SHA512, s.Username, s.Password.Reveal())
	default:
		return sec, fmt.Errorf("broker.sasl.mechanism: %q is not plain, scram-sha-256 or scram-sha-512", s.Mechanism)
	}
	if err != nil {
		// The error names the user at most, never the password.
		return sec, fmt.Errorf("broker.sasl: %w", err)
	}
	sec.SASL = m
	return sec, nil
}
