// Package kafka is procurehub's Watermill Publisher and Subscriber over
// github.com/segmentio/kafka-go.
//
// Messages travel in CloudEvents binary content mode (see the Header
// constants); the Kafka key comes from the KeyMetadata entry. Delivery is
// at-least-once: Publish returns only when every message is acknowledged by
// all in-sync replicas, and the subscriber commits an offset only after the
// message and every earlier message of its partition were acked.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// Publisher defaults.
const (
	DefaultBatchSize    = 100
	DefaultBatchTimeout = time.Millisecond
	DefaultSource       = "procurehub"
)

// PublisherConfig configures a Publisher. Zero values take the defaults.
type PublisherConfig struct {
	// Brokers are the bootstrap addresses ("host:port"); required.
	Brokers []string
	// BatchSize is the most records one produce request carries for one
	// partition; default DefaultBatchSize.
	BatchSize int
	// BatchTimeout is how long a partition's batch that is not full waits
	// for more records before it is sent; default DefaultBatchTimeout. Every
	// Publish call waits this long unless its batches fill up, so keep it at
	// a few milliseconds and publish many messages per call for throughput.
	BatchTimeout time.Duration
	// Source is the CloudEvents source of a message whose metadata has no
	// "ce_source"; default DefaultSource.
	Source string
	// Logger receives the client's diagnostics; default slog.Default().
	Logger *slog.Logger
	// Security sets TLS and SASL; the zero value is plaintext.
	Security Security
}

// WithDefaults returns the config with every zero value replaced by its default.
func (c PublisherConfig) WithDefaults() PublisherConfig {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchTimeout == 0 {
		c.BatchTimeout = DefaultBatchTimeout
	}
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports what is wrong with the config. Zero values are valid: they
// mean "default".
func (c PublisherConfig) Validate() error {
	var errs []error
	if err := validateBrokers(c.Brokers); err != nil {
		errs = append(errs, err)
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size %d is negative", c.BatchSize))
	}
	if c.BatchTimeout < 0 {
		errs = append(errs, fmt.Errorf("batch timeout %s is negative", c.BatchTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafka publisher config: %w", err)
	}
	return nil
}

func validateBrokers(brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("no brokers")
	}
	for i, b := range brokers {
		if b == "" {
			return fmt.Errorf("broker %d is empty", i+1)
		}
	}
	return nil
}

// Publisher is a Watermill message.Publisher that writes to Kafka. It is safe
// for concurrent use; concurrent Publish calls share batches.
type Publisher struct {
	cfg       PublisherConfig
	writer    *kafkago.Writer
	transport *kafkago.Transport

	mu     sync.RWMutex // held for reading by Publish, for writing by Close
	closed bool
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher for cfg. It does not contact the brokers;
// the first Publish does.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	transport := cfg.Security.transport()
	w := &kafkago.Writer{
		Addr:      kafkago.TCP(cfg.Brokers...),
		Transport: transport,
		// Murmur2 is the Java client's (and franz-go's) key hash, so a key
		// lands on the same partition whichever of them produced it.
		Balancer:               kafkago.Murmur2Balancer{},
		BatchSize:              cfg.BatchSize,
		BatchTimeout:           cfg.BatchTimeout,
		RequiredAcks:           kafkago.RequireAll,
		AllowAutoTopicCreation: true,
		ErrorLogger:            kafkaLogger(cfg.Logger, slog.LevelWarn),
	}
	return &Publisher{cfg: cfg, writer: w, transport: transport}, nil
}

// Publish writes msgs to topic in one batch and returns when the broker has
// acknowledged every one of them (all in-sync replicas), or with an error, in
// which case any of them may or may not have been written and the caller
// should publish them all again (consumers are idempotent). The topic is
// created with the broker's defaults if it does not exist.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if topic == "" {
		return errors.New("kafka publish: empty topic")
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errors.New("kafka publish: publisher is closed")
	}
	if len(msgs) == 0 {
		return nil
	}

	now := time.Now()
	records := make([]kafkago.Message, len(msgs))
	for i, msg := range msgs {
		if msg == nil {
			return fmt.Errorf("kafka publish to %s: message %d of %d is nil", topic, i+1, len(msgs))
		}
		rec, err := toRecord(topic, p.cfg.Source, now, msg)
		if err != nil {
			return fmt.Errorf("kafka publish to %s: %w", topic, err)
		}
		records[i] = rec
	}
	// No deadline: the writer's own timeouts and retries bound the call, and
	// a cancelled write would leave the caller not knowing what was written.
	if err := p.writer.WriteMessages(context.Background(), records...); err != nil {
		return fmt.Errorf("kafka publish %d messages to %s: %w", len(msgs), topic, err)
	}
	return nil
}

// Close waits for Publish calls in progress, then releases the connections.
// Publish after Close returns an error. Close is safe to call more than once.
func (p *Publisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.writer.Close()
	p.transport.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("kafka publisher close: %w", err)
	}
	return nil
}
