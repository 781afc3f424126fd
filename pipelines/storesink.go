package pipelines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// OrderWriter is the store method the sink calls. The PostgreSQL and SQLite
// stores satisfy it.
type OrderWriter interface {
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
}

// PermanentError marks a failure that no retry can fix (a payload that does
// not decode or validate): the message goes straight to the poison topic.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err (or what it wraps) is permanent.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// StoreSink writes orders from procurehub.orders.v1 into the store. Handlers
// run concurrently (one goroutine per in-flight message); the sink gathers
// their orders into batches so that one transaction writes many orders. Each
// handler returns only when its own order is committed, so a message is acked
// only after the store holds it. If a batch fails, its orders are written one
// by one so that a single bad order fails alone.
type StoreSink struct {
	w       OrderWriter
	metrics *Metrics
	logger  *slog.Logger
	size    int
	linger  time.Duration
	writers int
	reqs    chan *sinkReq
}

type sinkReq struct {
	order *canonical.Order
	done  chan error
}

// StoreSinkConfig tunes batching.
type StoreSinkConfig struct {
	BatchSize int           // orders per transaction; default 256
	Linger    time.Duration // how long a partial batch waits for more; default 5ms
	// Writers is how many batches are written at once; default 2. Order is
	// kept all the same: the subscriber never hands out two messages with
	// the same key at once, so two versions of one order are never in
	// flight together.
	Writers int
}

// NewStoreSink returns a sink; call Run to start its batching loop.
func NewStoreSink(w OrderWriter, cfg StoreSinkConfig, m *Metrics, logger *slog.Logger) *StoreSink {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	if cfg.Linger <= 0 {
		cfg.Linger = 5 * time.Millisecond
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 2
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &StoreSink{w: w, metrics: m, logger: logger, size: cfg.BatchSize, linger: cfg.Linger,
		writers: cfg.Writers, reqs: make(chan *sinkReq, cfg.BatchSize*cfg.Writers)}
}

// HandleOrder is the Watermill handler for procurehub.orders.v1.
func (s *StoreSink) HandleOrder(msg *message.Message) error {
	var o canonical.Order
	if err := canonical.UnmarshalOrder(msg.Payload, &o); err != nil {
		return Permanent(fmt.Errorf("decode order: %w", err))
	}
	if err := o.Validate(); err != nil {
		return Permanent(fmt.Errorf("order %s: %w", o.OrderNumber, err))
	}
	req := &sinkReq{order: &o, done: make(chan error, 1)}
	ctx := msg.Context()
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The batch may still commit; redelivery is harmless (idempotent upsert).
		return ctx.Err()
	}
}

// Run gathers requests into batches and writes them, with Writers batches
// in flight at once, until ctx is cancelled. Requests still queued when ctx
// ends are answered with ctx.Err().
func (s *StoreSink) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range s.writers {
		wg.Go(func() { s.loop(ctx) })
	}
	wg.Wait()
	s.drain(ctx.Err())
	return nil
}

// loop is one writer: it takes a first request, waits up to linger for more,
// and writes the batch.
func (s *StoreSink) loop(ctx context.Context) {
	batch := make([]*sinkReq, 0, s.size)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case r := <-s.reqs:
			batch = append(batch, r)
		}
		timer := time.NewTimer(s.linger)
	fill:
		for len(batch) < s.size {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			case <-timer.C:
				break fill
			case <-ctx.Done():
				break fill
			}
		}
		timer.Stop()
		s.write(ctx, batch)
	}
}

func (s *StoreSink) drain(err error) {
	for {
		select {
		case r := <-s.reqs:
			r.done <- err
		default:
			return
		}
	}
}

// write commits one batch; on failure it retries each order alone so the
// error lands on the order that caused it.
func (s *StoreSink) write(ctx context.Context, batch []*sinkReq) {
	// The write outlives a shutdown signal for a bounded time: a half-done
	// batch would only be redelivered, but finishing it is cheaper.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	orders := make([]*canonical.Order, len(batch))
	for i, r := range batch {
		orders[i] = r.order
	}
	if s.metrics != nil {
		s.metrics.StoreBatchSize.Observe(float64(len(batch)))
	}
	changes, err := s.w.UpsertOrders(wctx, orders)
	if err == nil {
		s.count(changes)
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	if len(batch) == 1 {
		batch[0].done <- storeError(batch[0].order, err)
		return
	}
	s.logger.Warn("store batch failed; writing its orders one by one", "orders", len(batch), "err", err)
	for _, r := range batch {
		changes, err := s.w.UpsertOrders(wctx, []*canonical.Order{r.order})
		if err != nil {
			r.done <- storeError(r.order, err)
			continue
		}
		s.count(changes)
		r.done <- nil
	}
}

func (s *StoreSink) count(changes []store.Change) {
	if s.metrics == nil {
		return
	}
	for _, c := range changes {
		s.metrics.StoreWrites.WithLabelValues(c.String()).Inc()
	}
}

// storeError wraps a write failure; an order the store refuses as invalid is
// permanent (no retry can fix it), anything else is retried.
func storeError(o *canonical.Order, err error) error {
	return permanentIfInvalid(fmt.Errorf("store order %s: %w", o.OrderNumber, err))
}
