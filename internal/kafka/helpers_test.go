package kafka

import (
	"log/slog"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startBroker starts an in-process Kafka-protocol broker for the test, on a
// random loopback port, whose auto-created topics have the given number of
// partitions. It is closed when the test ends.
func startBroker(t testing.TB, partitions int) []string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(partitions),
		kfake.GroupMinSessionTimeout(time.Second),
	)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// testLogger shows warnings and errors on stderr; set PROCUREHUB_TEST_DEBUG=1
// to see everything.
func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("PROCUREHUB_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// testSubscriberConfig is tuned for a local broker: quick heartbeats so that
// rebalances settle fast, and short nack pauses.
func testSubscriberConfig(brokers []string, group string) SubscriberConfig {
	return SubscriberConfig{
		Brokers:           brokers,
		ConsumerGroup:     group,
		NackResendSleep:   5 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond,
		SessionTimeout:    3 * time.Second,
		RebalanceTimeout:  5 * time.Second,
		Logger:            testLogger(),
	}
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// nameFor turns the running test's name into a topic or group name.
func nameFor(t testing.TB, prefix string) string {
	return prefix + "-" + unsafeName.ReplaceAllString(t.Name(), "_")
}
