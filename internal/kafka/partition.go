package kafka

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// lookahead is how many messages per MaxInFlight a partition consumer keeps
// read ahead of its oldest unacked message (when MaxInFlight > 1), so that
// other keys can overtake a slow one.
const lookahead = 4

// state of a message in a partition consumer's window.
type state uint8

const (
	waiting state = iota // read, not handed out (or nacked and waiting to go again)
	out                  // handed out, neither acked nor nacked yet
	acked                // acked; committed once every earlier message is acked too
)

// entry is one message in a partition consumer's window.
type entry struct {
	rec       kafkago.Message
	key       string // string(rec.Key), only kept when MaxInFlight > 1
	hasKey    bool
	state     state
	notBefore time.Time // a nacked message waits until then

	delivered int              // how many times it was handed out
	msg       *message.Message // prepared for the next hand-out, or the one out
	cancel    context.CancelFunc
}

// result reports what the handler did with a handed-out message.
type result struct {
	e     *entry
	acked bool
}

// partitionConsumer reads one partition and hands its messages out on the
// subscription's channel. The window holds the messages read and not yet
// committed, in offset order.
type partitionConsumer struct {
	sub       *subscription
	log       *slog.Logger
	partition int
	commit    func(next int64) // nil without a consumer group

	window   []*entry
	capacity int // most messages in the window
	inFlight int // entries in state out

	// With MaxInFlight 1 the loop waits for the one message out itself
	// (single); above 1 a watcher goroutine per message out reports on
	// results.
	single   *entry
	results  chan result   // from the watchers; capacity MaxInFlight, never blocks
	stop     chan struct{} // closed when run returns: releases the watchers
	watchers sync.WaitGroup
	blocked  map[string]struct{} // scratch for nextToDeliver
	// outKeys counts the messages out per key, and scanFrom is an index in
	// window before which no message is waiting: together they let
	// nextToDeliver skip the messages already out instead of rescanning the
	// whole window (up to lookahead × MaxInFlight entries) on every turn.
	outKeys  map[string]int
	scanFrom int
	timer    *time.Timer // wakes the loop for a nacked message
}

func newPartitionConsumer(sub *subscription, partition int, commit func(next int64)) *partitionConsumer {
	capacity := 1
	if sub.cfg.MaxInFlight > 1 {
		capacity = lookahead * sub.cfg.MaxInFlight
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &partitionConsumer{
		sub:       sub,
		log:       sub.log.With("partition", partition),
		partition: partition,
		commit:    commit,
		capacity:  capacity,
		results:   make(chan result, sub.cfg.MaxInFlight),
		stop:      make(chan struct{}),
		blocked:   make(map[string]struct{}),
		outKeys:   make(map[string]int),
		timer:     t,
	}
}

// run consumes the partition from offset (an offset, or kafka-go's
// FirstOffset/LastOffset) until ctx is done or revoked is closed. On ctx it
// returns at once; on revoked (the group took the partition away) it stops
// handing out messages and waits up to half the rebalance timeout for those
// out to be acked or nacked. Either way the acked prefix is committed.
func (pc *partitionConsumer) run(ctx context.Context, revoked <-chan struct{}, offset int64) {
	cfg := pc.sub.cfg
	reader := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:         cfg.Brokers,
		Dialer:          cfg.Security.dialer(),
		Topic:           pc.sub.topic,
		Partition:       pc.partition,
		MinBytes:        cfg.MinBytes,
		MaxBytes:        cfg.MaxBytes,
		MaxWait:         cfg.MaxWait,
		QueueCapacity:   cfg.QueueCapacity,
		ReadLagInterval: -1,
		ErrorLogger:     kafkaLogger(pc.log, slog.LevelDebug),
	})
	// A small buffer lets the fetcher run ahead of the loop instead of
	// meeting it for every record.
	fetched := make(chan kafkago.Message, 64)
	fetchCtx, stopFetching := context.WithCancel(ctx)
	var fetcher sync.WaitGroup
	defer func() {
		stopFetching()
		fetcher.Wait()
		if err := reader.Close(); err != nil {
			pc.log.Debug("kafka reader close", "err", err)
		}
		pc.finish()
	}()
	if err := reader.SetOffset(offset); err != nil {
		pc.log.Error("kafka partition consumer cannot start", "offset", offset, "err", err)
		return
	}
	fetcher.Add(1)
	go func() {
		defer fetcher.Done()
		pc.fetch(fetchCtx, reader, fetched)
	}()

	var (
		stopping   bool
		grace      <-chan time.Time
		graceTimer *time.Timer
	)
	defer func() {
		if graceTimer != nil {
			graceTimer.Stop()
		}
	}()
	for {
		pc.advance()
		if stopping && pc.inFlight == 0 {
			return
		}

		var (
			outCh chan<- *message.Message
			next  *entry
			wake  <-chan time.Time
		)
		if !stopping && pc.inFlight < cfg.MaxInFlight {
			var at time.Time
			next, at = pc.nextToDeliver(time.Now())
			if next != nil {
				if next.msg == nil {
					pc.prepare(ctx, next)
				}
				outCh = pc.sub.out
			} else if !at.IsZero() {
				pc.timer.Reset(time.Until(at))
				wake = pc.timer.C
			}
		}
		var fetchCh <-chan kafkago.Message
		if !stopping && len(pc.window) < pc.capacity {
			fetchCh = fetched
		}
		var nextMsg *message.Message
		if next != nil {
			nextMsg = next.msg
		}
		var ackCh, nackCh <-chan struct{}
		if pc.single != nil {
			ackCh, nackCh = pc.single.msg.Acked(), pc.single.msg.Nacked()
		}

		select {
		case <-ctx.Done():
			return
		case <-revoked:
			stopping, revoked = true, nil
			stopFetching()
			graceTimer = time.NewTimer(cfg.RebalanceTimeout / 2)
			grace = graceTimer.C
		case <-grace:
			pc.log.Warn("kafka partition revoked with messages still not acked; they will be delivered again", "not_acked", pc.inFlight)
			return
		case rec := <-fetchCh:
			e := &entry{rec: rec, hasKey: rec.Key != nil}
			if e.hasKey && cfg.MaxInFlight > 1 {
				e.key = string(rec.Key)
			}
			pc.window = append(pc.window, e)
		case outCh <- nextMsg:
			next.state = out
			next.delivered++
			pc.inFlight++
			if next.key != "" {
				pc.outKeys[next.key]++
			}
			if cfg.MaxInFlight == 1 {
				pc.single = next
			} else {
				pc.watch(next)
			}
		case <-ackCh:
			pc.resolve(result{e: pc.single, acked: true})
		case <-nackCh:
			pc.resolve(result{e: pc.single, acked: false})
		case r := <-pc.results:
			pc.resolve(r)
		case <-wake:
		}
		pc.timer.Stop()
	}
}

// fetch reads records into fetched until ctx is done. The reader retries
// broker errors itself; an error it gives up on is logged and reading starts
// over after a pause.
func (pc *partitionConsumer) fetch(ctx context.Context, reader *kafkago.Reader, fetched chan<- kafkago.Message) {
	for {
		rec, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			pc.log.Warn("kafka fetch failed, retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		select {
		case fetched <- rec:
		case <-ctx.Done():
			return
		}
	}
}

// nextToDeliver returns the oldest waiting message that may be handed out
// now: its nack pause is over and no earlier message with the same key is
// waiting or out. When none may go now but a paused one will, it returns the
// time that one may go.
func (pc *partitionConsumer) nextToDeliver(now time.Time) (*entry, time.Time) {
	var earliest time.Time
	if len(pc.window) == 1 {
		// The common case with MaxInFlight 1: no keys to compare.
		e := pc.window[0]
		if e.state != waiting {
			return nil, earliest
		}
		if e.notBefore.After(now) {
			return nil, e.notBefore
		}
		return e, earliest
	}
	clear(pc.blocked) // keys of earlier waiting messages
	for i := pc.scanFrom; i < len(pc.window); i++ {
		e := pc.window[i]
		if e.state != waiting {
			if i == pc.scanFrom {
				pc.scanFrom++ // everything before i+1 is out or acked
			}
			continue
		}
		if e.hasKey {
			if pc.outKeys[e.key] > 0 {
				continue // an earlier message with this key is out
			}
			if _, ok := pc.blocked[e.key]; ok {
				continue
			}
			pc.blocked[e.key] = struct{}{}
		}
		if e.notBefore.After(now) {
			if earliest.IsZero() || e.notBefore.Before(earliest) {
				earliest = e.notBefore
			}
			continue
		}
		return e, time.Time{}
	}
	return nil, earliest
}

// prepare builds the Watermill message for the next hand-out of e: a fresh
// message each time, since a Watermill message is acked or nacked only once.
func (pc *partitionConsumer) prepare(ctx context.Context, e *entry) {
	msg := fromRecord(&e.rec)
	if e.delivered > 0 {
		// The handler of the earlier delivery may still hold the payload.
		msg.Payload = append([]byte(nil), e.rec.Value...)
	}
	msgCtx, cancel := context.WithCancel(ctx)
	msg.SetContext(msgCtx)
	e.msg, e.cancel = msg, cancel
}

// watch starts the goroutine that waits for the handler's Ack or Nack of e's
// message and reports it on results. It returns when the message is resolved
// or the consumer stops, and cancels the message's context either way (the
// context of a message out when the consumer stops is cancelled: the
// partition is no longer this subscription's).
func (pc *partitionConsumer) watch(e *entry) {
	msg, cancel := e.msg, e.cancel
	pc.watchers.Add(1)
	go func() {
		defer pc.watchers.Done()
		defer cancel()
		select {
		case <-msg.Acked():
			pc.results <- result{e: e, acked: true}
		case <-msg.Nacked():
			pc.results <- result{e: e, acked: false}
		case <-pc.stop:
		}
	}()
}

// resolve applies an Ack or a Nack and cancels the message's context.
func (pc *partitionConsumer) resolve(r result) {
	e := r.e
	pc.inFlight--
	if pc.single == e {
		pc.single = nil
	}
	e.cancel()
	e.msg, e.cancel = nil, nil
	if e.key != "" {
		if pc.outKeys[e.key]--; pc.outKeys[e.key] <= 0 {
			delete(pc.outKeys, e.key)
		}
	}
	if r.acked {
		e.state = acked
		return
	}
	e.state = waiting
	e.notBefore = time.Now().Add(pc.sub.cfg.NackResendSleep)
	pc.scanFrom = 0 // e is waiting again, somewhere before scanFrom
	pc.log.Debug("kafka message nacked, delivering it again", "message_uuid", recordID(&e.rec), "offset", e.rec.Offset, "deliveries", e.delivered)
}

// advance drops the acked messages at the front of the window and marks
// their offsets for commit.
func (pc *partitionConsumer) advance() {
	n := 0
	for n < len(pc.window) && pc.window[n].state == acked {
		n++
	}
	if n == 0 {
		return
	}
	next := pc.window[n-1].rec.Offset + 1
	m := copy(pc.window, pc.window[n:])
	clear(pc.window[m:])
	pc.window = pc.window[:m]
	pc.scanFrom = max(0, pc.scanFrom-n)
	if pc.commit != nil {
		pc.commit(next)
	}
}

// finish is run when the consumer stops: it counts the messages acked since
// the last result was read (Ack closes its channel before it returns, so
// nothing acked before Close is missed), marks the acked prefix for commit,
// releases the watchers and cancels the contexts of the messages out or
// prepared.
func (pc *partitionConsumer) finish() {
	for _, e := range pc.window {
		if e.state == out {
			select {
			case <-e.msg.Acked():
				e.state = acked
				pc.inFlight--
			default:
			}
		}
		if e.cancel != nil {
			e.cancel()
		}
	}
	pc.advance()
	close(pc.stop)
	pc.watchers.Wait()
}
