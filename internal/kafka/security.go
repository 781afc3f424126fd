package kafka

import (
	"crypto/tls"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
)

// Security is how the hub talks to the brokers: over TLS when TLS is set,
// authenticating with SASL when SASL is set (PLAIN or SCRAM-SHA-256/512;
// see internal/app for the config). The zero value is plaintext without
// authentication, which is what the embedded broker speaks.
type Security struct {
	TLS  *tls.Config
	SASL sasl.Mechanism
}

// transport is a client transport with the security settings.
func (s Security) transport() *kafkago.Transport {
	return &kafkago.Transport{ClientID: "procurehub", TLS: s.TLS, SASL: s.SASL}
}

// dialer is a dialer for readers and consumer groups with the security
// settings; nil when there are none (kafka-go's default dialer).
func (s Security) dialer() *kafkago.Dialer {
	if s.TLS == nil && s.SASL == nil {
		return nil
	}
	return &kafkago.Dialer{ClientID: "procurehub", Timeout: 10 * time.Second, DualStack: true,
		TLS: s.TLS, SASLMechanism: s.SASL}
}

// client is an admin client for brokers with the security settings; close
// its transport's idle connections when done.
func (s Security) client(brokers []string) (*kafkago.Client, *kafkago.Transport) {
	t := s.transport()
	return &kafkago.Client{Addr: kafkago.TCP(brokers...), Timeout: adminTimeout, Transport: t}, t
}
