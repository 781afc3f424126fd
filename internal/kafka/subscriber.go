package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// joinGroupBackoff is how long a member waits after a failed attempt to join
// its group before it tries again.
const joinGroupBackoff = time.Second

// errSubscriberClosed is returned by Subscribe after Close.
var errSubscriberClosed = errors.New("kafka subscribe: subscriber is closed")

// Subscriber is a Watermill message.Subscriber that reads Kafka topics, as a
// member of a consumer group (SubscriberConfig.ConsumerGroup) or, without a
// group, as a reader of every partition. It is safe for concurrent use.
//
// Each Subscribe call reads one topic. Each partition the subscription owns
// is read by its own reader, and its messages are handed out on the
// subscription's channel, at most MaxInFlight at a time per partition and
// never two with the same key at once.
//
// Ack marks a message done; the group's offset for the partition moves past
// it once it and every earlier message of the partition are acked, so an
// unacked message is never skipped: after a crash, a Close or a rebalance it
// is delivered again. Nack delivers the same message again after
// NackResendSleep.
//
// A delivered message's Context carries the values of the Subscribe ctx; it
// is cancelled after Ack or Nack, when the subscription ends, and when its
// partition is given to another member.
type Subscriber struct {
	cfg       SubscriberConfig
	log       *slog.Logger
	transport *kafkago.Transport
	client    *kafkago.Client

	ctx    context.Context // cancelled by Close; ends every subscription
	cancel context.CancelFunc

	mu     sync.Mutex // guards closed and the Add of wg
	closed bool
	wg     sync.WaitGroup // one count per running subscription
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber returns a Subscriber for cfg. It does not contact the brokers;
// Subscribe does.
func NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, transport := cfg.Security.client(cfg.Brokers)
	ctx, cancel := context.WithCancel(context.Background())
	return &Subscriber{
		cfg:       cfg,
		log:       cfg.Logger,
		transport: transport,
		client:    client,
		ctx:       ctx,
		cancel:    cancel,
	}, nil
}

// groupOf is the consumer group a subscription to topic joins.
func (s *Subscriber) groupOf(topic string) string {
	if s.cfg.GroupPerTopic && s.cfg.ConsumerGroup != "" {
		return s.cfg.ConsumerGroup + "." + topic
	}
	return s.cfg.ConsumerGroup
}

// SubscribeInitialize creates topic with the broker's default partition count
// if it does not exist.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	ctx, cancel := context.WithTimeout(s.ctx, adminTimeout)
	defer cancel()
	return ensureTopics(ctx, s.client, -1, topic)
}

// Subscribe starts reading topic (creating it with the broker's defaults if
// it does not exist) and returns the channel its messages arrive on. The
// channel is closed when ctx is cancelled or the Subscriber is closed, after
// the subscription has left its group and committed what was acked.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if topic == "" {
		return nil, errors.New("kafka subscribe: empty topic")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errSubscriberClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	started := false
	defer func() {
		if !started {
			s.wg.Done()
		}
	}()

	subCtx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(s.ctx, cancel)
	sub := &subscription{
		cfg:   s.cfg,
		log:   s.log.With("topic", topic, "group", s.groupOf(topic)),
		topic: topic,
		out:   make(chan *message.Message),
	}

	setup, cancelSetup := context.WithTimeout(subCtx, adminTimeout)
	defer cancelSetup()
	if err := ensureTopics(setup, s.client, -1, topic); err != nil {
		stopOnClose()
		cancel()
		return nil, fmt.Errorf("kafka subscribe to %s: %w", topic, err)
	}

	var run func(context.Context)
	if s.cfg.ConsumerGroup == "" {
		partitions, err := partitionsOf(setup, s.client, topic)
		if err != nil {
			stopOnClose()
			cancel()
			return nil, fmt.Errorf("kafka subscribe to %s: %w", topic, err)
		}
		run = func(ctx context.Context) { sub.runPartitions(ctx, partitions) }
	} else {
		cg, err := kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
			ID:                     s.groupOf(topic),
			Brokers:                s.cfg.Brokers,
			Dialer:                 s.cfg.Security.dialer(),
			Topics:                 []string{topic},
			HeartbeatInterval:      s.cfg.HeartbeatInterval,
			SessionTimeout:         s.cfg.SessionTimeout,
			RebalanceTimeout:       s.cfg.RebalanceTimeout,
			JoinGroupBackoff:       joinGroupBackoff,
			WatchPartitionChanges:  true,
			PartitionWatchInterval: 5 * time.Second,
			StartOffset:            s.cfg.StartOffset.kafkaOffset(),
			ErrorLogger:            kafkaLogger(sub.log, slog.LevelDebug),
		})
		if err != nil {
			stopOnClose()
			cancel()
			return nil, fmt.Errorf("kafka subscribe to %s: %w", topic, err)
		}
		run = func(ctx context.Context) { sub.runGroup(ctx, cg) }
	}

	started = true
	go func() {
		defer s.wg.Done()
		defer close(sub.out)
		defer stopOnClose()
		defer cancel()
		run(subCtx)
	}()
	return sub.out, nil
}

// Close ends every subscription, waits until each has committed what was
// acked, left its group and closed its channel, and releases the
// connections. Messages handed out and not acked are delivered again later.
// Close is safe to call more than once.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.transport.CloseIdleConnections()
	return nil
}

func (o StartOffset) kafkaOffset() int64 {
	if o == StartLast {
		return kafkago.LastOffset
	}
	return kafkago.FirstOffset
}

// subscription is one Subscribe call: one topic, one output channel.
type subscription struct {
	cfg   SubscriberConfig
	log   *slog.Logger
	topic string
	out   chan *message.Message

	// partitions counts the running partition consumers, which all send on
	// out; out is closed only after they are done.
	partitions sync.WaitGroup
}

// runGroup takes part in the consumer group until ctx is cancelled: for each
// generation it consumes the partitions assigned to this member.
func (s *subscription) runGroup(ctx context.Context, cg *kafkago.ConsumerGroup) {
	defer s.partitions.Wait()
	// Close ends the current generation, which waits for the partition
	// consumers (they stop because ctx is done), then leaves the group.
	defer cg.Close()
	for {
		gen, err := cg.Next(ctx)
		switch {
		case err == nil:
			s.runGeneration(ctx, gen)
		case ctx.Err() != nil, errors.Is(err, kafkago.ErrGroupClosed):
			return
		case errors.Is(err, kafkago.RebalanceInProgress):
			s.log.Debug("kafka consumer group is rebalancing", "err", err)
		default:
			s.log.Warn("kafka consumer group: cannot join, retrying", "err", err)
		}
	}
}

// runGeneration starts a consumer for each partition the generation assigned
// and a committer for their offsets. They run until the generation ends; the
// group does not join the next generation before they have returned.
func (s *subscription) runGeneration(ctx context.Context, gen *kafkago.Generation) {
	assigned := gen.Assignments[s.topic]
	s.log.Debug("kafka consumer group generation", "generation", gen.ID, "partitions", len(assigned))
	if len(assigned) == 0 {
		return
	}
	c := newCommitter(s.topic, s.cfg.CommitInterval, gen.CommitOffsets, s.log)
	// The last partition consumer to return closes workersDone, upon which
	// the committer commits the final offsets and returns.
	workersDone := make(chan struct{})
	var remaining atomic.Int32
	remaining.Store(int32(len(assigned)))
	s.partitions.Add(len(assigned) + 1)
	for _, a := range assigned {
		// Start may run fn after the generation already ended; fn then sees
		// a done context and returns at once.
		gen.Start(func(genCtx context.Context) {
			defer s.partitions.Done()
			defer func() {
				if remaining.Add(-1) == 0 {
					close(workersDone)
				}
			}()
			pc := newPartitionConsumer(s, a.ID, func(next int64) { c.mark(a.ID, next) })
			pc.run(ctx, genCtx.Done(), a.Offset)
		})
	}
	gen.Start(func(context.Context) {
		defer s.partitions.Done()
		c.run(workersDone)
	})
}

// runPartitions reads every partition without a group until ctx is cancelled.
func (s *subscription) runPartitions(ctx context.Context, partitions []int) {
	for _, p := range partitions {
		s.partitions.Add(1)
		go func() {
			defer s.partitions.Done()
			newPartitionConsumer(s, p, nil).run(ctx, nil, s.cfg.StartOffset.kafkaOffset())
		}()
	}
	s.partitions.Wait()
}
