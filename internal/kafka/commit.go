package kafka

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// committer commits the offsets the partition consumers of one generation
// mark, coalescing them: while one commit is on its way, newer marks
// accumulate and go out together in the next one.
type committer struct {
	topic    string
	interval time.Duration
	commit   func(map[string]map[int]int64) error
	log      *slog.Logger

	mu      sync.Mutex
	pending map[int]int64 // partition -> next offset to commit
	wake    chan struct{} // capacity 1: "there is something to commit"
}

func newCommitter(topic string, interval time.Duration, commit func(map[string]map[int]int64) error, log *slog.Logger) *committer {
	return &committer{
		topic:    topic,
		interval: interval,
		commit:   commit,
		log:      log,
		pending:  make(map[int]int64),
		wake:     make(chan struct{}, 1),
	}
}

// mark records that every message of partition before offset next is acked.
// It never blocks.
func (c *committer) mark(partition int, next int64) {
	c.mu.Lock()
	c.pending[partition] = next
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run commits marked offsets (every interval, or at once when the interval
// is not positive) until workersDone is closed, then commits the last marks
// and returns.
func (c *committer) run(workersDone <-chan struct{}) {
	var tick <-chan time.Time
	if c.interval > 0 {
		t := time.NewTicker(c.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.wake:
			if c.interval <= 0 {
				c.flush()
			}
		case <-tick:
			c.flush()
		case <-workersDone:
			c.flush()
			return
		}
	}
}

// flush commits what was marked since the last flush. When the commit fails
// the offsets are kept for the next flush, unless newer ones were marked
// meanwhile; if the generation is over they are simply lost, and the next
// owner of the partition delivers those messages again.
func (c *committer) flush() {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	offsets := c.pending
	c.pending = make(map[int]int64, len(offsets))
	c.mu.Unlock()

	err := c.commit(map[string]map[int]int64{c.topic: offsets})
	if err == nil {
		return
	}
	if generationOver(err) {
		c.log.Debug("kafka offsets not committed: the generation is over; the next owner redelivers", "err", err)
		return
	}
	c.log.Warn("kafka offset commit failed, will retry", "err", err)
	c.mu.Lock()
	for p, off := range offsets {
		if _, newer := c.pending[p]; !newer {
			c.pending[p] = off
		}
	}
	c.mu.Unlock()
}

// generationOver reports whether a commit error means this member no longer
// owns its partitions.
func generationOver(err error) bool {
	return errors.Is(err, kafkago.RebalanceInProgress) ||
		errors.Is(err, kafkago.IllegalGeneration) ||
		errors.Is(err, kafkago.UnknownMemberId) ||
		errors.Is(err, kafkago.NotCoordinatorForGroup)
}
