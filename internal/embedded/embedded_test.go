package embedded

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/procurehub/procurehub/internal/kafka"
)

// guard bounds every wait for a message; reaching it fails the test.
const guard = 30 * time.Second

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func start(t *testing.T, dir string) *Broker {
	t.Helper()
	b, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: dir, Partitions: 2, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func publish(t *testing.T, brokers []string, topic string, ids ...string) {
	t.Helper()
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for _, id := range ids {
		m := message.NewMessage(id, []byte(`{"order_number":"`+id+`"}`))
		m.Metadata.Set(kafka.KeyMetadata, "PO-1") // one key: one partition, in order
		msgs = append(msgs, m)
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

// consume subscribes as group and returns the UUIDs of the next n messages,
// acking the first ack of them.
func consume(t *testing.T, brokers []string, group, topic string, n, ack int) []string {
	t.Helper()
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers: brokers, ConsumerGroup: group, HeartbeatInterval: 100 * time.Millisecond,
		SessionTimeout: 6 * time.Second, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < n; i++ {
		select {
		case m := <-msgs:
			got = append(got, m.UUID)
			if i < ack {
				m.Ack()
			}
		case <-time.After(guard):
			t.Fatalf("got %v, waited in vain for message %d of %d", got, i+1, n)
		}
	}
	return got
}

func TestBrokerServesTheKafkaAdapter(t *testing.T) {
	b := start(t, t.TempDir())
	addrs := b.Addrs()
	if len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") || addrs[0] == "127.0.0.1:0" {
		t.Fatalf("Addrs() = %v, want one 127.0.0.1 address with the chosen port", addrs)
	}
	publish(t, addrs, "procurehub.orders.v1", "o-1", "o-2")
	got := consume(t, addrs, "pipelines", "procurehub.orders.v1", 2, 2)
	if strings.Join(got, ",") != "o-1,o-2" {
		t.Errorf("consumed %v, want o-1,o-2", got)
	}

	conn, err := kafkago.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions("procurehub.orders.v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Errorf("auto-created topic has %d partitions, want the configured 2", len(parts))
	}
}

func TestRestartKeepsRecordsAndCommittedOffsets(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dir)
	publish(t, first.Addrs(), "procurehub.orders.v1", "o-1", "o-2", "o-3")
	// The group acks o-1 and o-2; o-3 is handed out but not acked.
	consume(t, first.Addrs(), "pipelines", "procurehub.orders.v1", 3, 2)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := start(t, dir)
	if got := consume(t, second.Addrs(), "pipelines", "procurehub.orders.v1", 1, 1); got[0] != "o-3" {
		t.Errorf("after the restart the group got %v, want to continue at o-3", got)
	}
	if got := consume(t, second.Addrs(), "a-new-group", "procurehub.orders.v1", 3, 3); strings.Join(got, ",") != "o-1,o-2,o-3" {
		t.Errorf("after the restart a new group got %v, want every old record", got)
	}
}

func TestTwoBrokersCannotShareADataDir(t *testing.T) {
	dir := t.TempDir()
	start(t, dir)
	b, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: dir, Logger: quietLogger()})
	if err == nil {
		b.Close()
		t.Fatal("a second broker started on the same data dir")
	}
}

func TestRetentionDropsTheOldestRecordsBeyondTheLimit(t *testing.T) {
	b, err := Start(context.Background(), Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 1, RetentionBytes: 1,
		RetentionCheckInterval: time.Hour, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, id := range []string{"r-1", "r-2", "r-3"} {
		publish(t, b.Addrs(), "retained", id) // one batch each
	}
	b.cluster.ApplyRetention()

	conn, err := kafkago.DialLeader(context.Background(), "tcp", b.Addrs()[0], "retained", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		t.Fatal(err)
	}
	if last != 3 || first == 0 {
		t.Errorf("offsets [%d, %d): want the oldest batches gone and the log end at 3", first, last)
	}
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"the defaults are valid", Config{}, ""},
		{"a random loopback port is valid", Config{Addr: "127.0.0.1:0"}, ""},
		{"an unspecified host cannot be advertised", Config{Addr: "0.0.0.0:9092"}, "not an address clients can connect to"},
		{"a missing host cannot be advertised", Config{Addr: ":9092"}, "has no host"},
		{"an address without a port is rejected", Config{Addr: "localhost"}, "missing port"},
		{"negative partitions are rejected", Config{Partitions: -1}, "partitions -1"},
		{"negative retention bytes are rejected", Config{RetentionBytes: -5}, "retention bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestCloseIsSafeTwice(t *testing.T) {
	b := start(t, t.TempDir())
	for i := 1; i <= 2; i++ {
		if err := b.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i, err)
		}
	}
	if _, err := kafkago.Dial("tcp", b.Addrs()[0]); err == nil {
		t.Error("the broker still accepts connections after Close")
	}
}
