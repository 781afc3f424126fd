package kafka

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// StartOffset says where a subscription starts on a partition that its
// consumer group has never committed (or, without a group, on every
// partition).
type StartOffset int

const (
	// StartFirst starts at the oldest message the broker still has. It is
	// the zero value and the default.
	StartFirst StartOffset = iota
	// StartLast starts after the newest message: only new messages arrive.
	StartLast
)

// Subscriber defaults.
const (
	DefaultMaxInFlight       = 1
	DefaultMinBytes          = 1
	DefaultMaxBytes          = 1 << 20
	DefaultMaxWait           = 100 * time.Millisecond
	DefaultQueueCapacity     = 1000
	DefaultNackResendSleep   = 100 * time.Millisecond
	DefaultCommitInterval    = 100 * time.Millisecond
	DefaultHeartbeatInterval = time.Second
	DefaultSessionTimeout    = 10 * time.Second
	DefaultRebalanceTimeout  = 30 * time.Second
)

// SubscriberConfig configures a Subscriber. Zero values take the defaults.
type SubscriberConfig struct {
	// Brokers are the bootstrap addresses ("host:port"); required.
	Brokers []string
	// ConsumerGroup is the Kafka consumer group the subscriptions join: the
	// members of a group share a topic's partitions and resume from the
	// group's committed offsets. Empty means no group: every subscription
	// reads every partition from StartOffset and commits nothing (for
	// tailing a topic; partitions added later are not seen).
	ConsumerGroup string
	// GroupPerTopic makes each subscribed topic a group of its own,
	// ConsumerGroup + "." + topic, instead of one group for every topic.
	// A group's rebalance waits for all its members, and a member that
	// died is only dropped once the rebalance timeout passed: with one
	// group for many topics, the members of a restarted instance join one
	// after the other, each join starting that wait again, and the group
	// can take minutes to settle. A group per topic has one member per
	// instance, so a restart waits for the dead member once.
	GroupPerTopic bool
	// MaxInFlight is how many messages of one partition may be handed out
	// and not yet acked or nacked at once; default 1, which keeps the
	// partition's strict order. Above 1, two messages with the same Kafka
	// key are still never out at once (messages without a key are
	// independent), so each key keeps its order while other keys overtake.
	// A partition reads at most 4*MaxInFlight messages ahead of its oldest
	// unacked message.
	MaxInFlight int
	// MinBytes, MaxBytes and MaxWait shape each fetch: the broker answers
	// when it has MinBytes or MaxWait has passed, with at most MaxBytes.
	// Defaults: 1 byte, 1 MiB, 100 ms (kafka-go's own MaxWait is 10 s).
	// MaxWait also bounds how long Close and a rebalance wait for a
	// partition's reader. kafka-go lets the broker wait 3/4 of MaxWait and
	// gives the network the rest, so where the round trip to the broker is
	// above MaxWait/4, idle fetches time out and reconnect: raise it there.
	MinBytes int
	MaxBytes int
	MaxWait  time.Duration
	// QueueCapacity is how many fetched messages each partition's reader
	// keeps ready ahead of delivery; default 1000.
	QueueCapacity int
	// StartOffset is where to start without a committed offset; default
	// StartFirst.
	StartOffset StartOffset
	// NackResendSleep is how long a nacked message waits before it is
	// delivered again; default 100 ms. Negative: again at once.
	NackResendSleep time.Duration
	// CommitInterval batches offset commits: what was acked is committed
	// every CommitInterval (default 100 ms); negative commits right after
	// each ack (while one commit is on its way, later acks gather for the
	// next). Either way only acked offsets are committed, and the last ones
	// are committed when a partition is given up or the subscription ends; a
	// crash redelivers at most one interval's worth of acked messages.
	CommitInterval time.Duration
	// HeartbeatInterval, SessionTimeout and RebalanceTimeout are the
	// consumer-group timings: how often the member tells the coordinator it
	// is alive (and learns that a rebalance started), how long the
	// coordinator waits for a silent member before it gives its partitions
	// to others, and how long a rebalance may take. Defaults 1 s, 10 s, 30 s.
	// When a partition is taken away, the messages already handed out get up
	// to half of RebalanceTimeout to be acked; later acks are not committed
	// and the new owner delivers those messages again.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	// Logger receives the subscriber's diagnostics; default slog.Default().
	Logger *slog.Logger
	// Security sets TLS and SASL; the zero value is plaintext.
	Security Security
}

// WithDefaults returns the config with every zero value replaced by its default.
func (c SubscriberConfig) WithDefaults() SubscriberConfig {
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.MinBytes == 0 {
		c.MinBytes = DefaultMinBytes
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.QueueCapacity == 0 {
		c.QueueCapacity = DefaultQueueCapacity
	}
	if c.NackResendSleep == 0 {
		c.NackResendSleep = DefaultNackResendSleep
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = DefaultCommitInterval
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = DefaultSessionTimeout
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = DefaultRebalanceTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports what is wrong with the config. Zero values are valid: they
// mean "default".
func (c SubscriberConfig) Validate() error {
	var errs []error
	if err := validateBrokers(c.Brokers); err != nil {
		errs = append(errs, err)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"max in flight", int64(c.MaxInFlight)},
		{"min bytes", int64(c.MinBytes)},
		{"max bytes", int64(c.MaxBytes)},
		{"max wait", int64(c.MaxWait)},
		{"queue capacity", int64(c.QueueCapacity)},
		{"heartbeat interval", int64(c.HeartbeatInterval)},
		{"session timeout", int64(c.SessionTimeout)},
		{"rebalance timeout", int64(c.RebalanceTimeout)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative", f.name))
		}
	}
	if c.MinBytes > 0 && c.MaxBytes > 0 && c.MinBytes > c.MaxBytes {
		errs = append(errs, fmt.Errorf("min bytes %d is more than max bytes %d", c.MinBytes, c.MaxBytes))
	}
	if c.HeartbeatInterval > 0 && c.SessionTimeout > 0 && c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("heartbeat interval %s is not shorter than session timeout %s", c.HeartbeatInterval, c.SessionTimeout))
	}
	if c.StartOffset != StartFirst && c.StartOffset != StartLast {
		errs = append(errs, fmt.Errorf("start offset %d is neither StartFirst nor StartLast", c.StartOffset))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafka subscriber config: %w", err)
	}
	return nil
}
