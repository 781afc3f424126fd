package kafka

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/procurehub/procurehub/internal/testserver/testpki"
)

// startSecureBroker starts a broker that speaks only TLS and wants a
// SCRAM-SHA-256 login as user/pass.
func startSecureBroker(t *testing.T, pki testpki.PKI, user, pass string) []string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(2),
		kfake.GroupMinSessionTimeout(time.Second),
		kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", user, pass),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pki.Server}, MinVersion: tls.VersionTLS12}),
	)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func scramLogin(t *testing.T, user, pass string) Security {
	t.Helper()
	m, err := scram.Mechanism(scram.SHA256, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	return Security{SASL: m}
}

func TestOverTLSWithSCRAMMessagesArePublishedAndConsumed(t *testing.T) {
	pki := testpki.New(t)
	brokers := startSecureBroker(t, pki, "hub", "s3cret-broker-pass")
	sec := scramLogin(t, "hub", "s3cret-broker-pass")
	sec.TLS = &tls.Config{RootCAs: pki.Roots, MinVersion: tls.VersionTLS12}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	topic := nameFor(t, "secure")
	if err := sec.EnsureTopics(ctx, brokers, 2, topic); err != nil {
		t.Fatalf("create the topic over TLS + SCRAM: %v", err)
	}
	if err := sec.Ping(ctx, brokers); err != nil {
		t.Fatalf("ping over TLS + SCRAM: %v", err)
	}
	pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Logger: testLogger(), Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	scfg := testSubscriberConfig(brokers, nameFor(t, "group"))
	scfg.Security = sec
	sub, err := NewSubscriber(scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	m := message.NewMessage("0b5f7a8e-0000-4000-8000-000000000001", []byte(`{"order_number":"4500012345"}`))
	m.Metadata.Set(KeyMetadata, "4500012345")
	if err := pub.Publish(topic, m); err != nil {
		t.Fatalf("publish over TLS + SCRAM: %v", err)
	}
	select {
	case got := <-msgs:
		got.Ack()
		if string(got.Payload) != string(m.Payload) || got.UUID != m.UUID {
			t.Errorf("consumed %s %s; want the published message", got.UUID, got.Payload)
		}
	case <-ctx.Done():
		t.Fatal("nothing consumed over TLS + SCRAM within 30s")
	}
}

func TestABrokerRefusesAWrongPasswordAndAPlaintextClient(t *testing.T) {
	pki := testpki.New(t)
	brokers := startSecureBroker(t, pki, "hub", "s3cret-broker-pass")
	tlsCfg := &tls.Config{RootCAs: pki.Roots, MinVersion: tls.VersionTLS12}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	wrong := scramLogin(t, "hub", "not-the-password")
	wrong.TLS = tlsCfg
	err := wrong.Ping(ctx, brokers)
	if err == nil {
		t.Fatal("ping with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("the error shows the password: %v", err)
	}

	if err := (Security{TLS: tlsCfg}).Ping(ctx, brokers); err == nil {
		t.Error("ping over TLS without a login succeeded against a broker that wants SCRAM")
	}
	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	defer cancelShort()
	if err := scramLogin(t, "hub", "s3cret-broker-pass").Ping(short, brokers); err == nil {
		t.Error("ping in plaintext succeeded against a TLS-only broker")
	}
	untrusted := scramLogin(t, "hub", "s3cret-broker-pass")
	untrusted.TLS = &tls.Config{MinVersion: tls.VersionTLS12} // the system's roots do not know the test CA
	if err := untrusted.Ping(ctx, brokers); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("ping trusting the system roots only: err = %v; want a certificate error", err)
	}
}
