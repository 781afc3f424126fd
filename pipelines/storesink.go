package pipelines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	b       *batcher[*canonical.Order]
	review  *Review
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
	// Review, when set, validates every order once it is stored.
	Review *Review
}

// NewStoreSink returns a sink; call Run to start its batching loop.
func NewStoreSink(w OrderWriter, cfg StoreSinkConfig, m *Metrics, logger *slog.Logger) *StoreSink {
	s := &StoreSink{w: w, metrics: m, review: cfg.Review}
	s.b = newBatcher(cfg, logger, "orders", s.write, storeError)
	if m != nil {
		s.b.failures = m.StoreFailures
	}
	return s
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
	if err := s.b.submit(msg.Context(), &o); err != nil || s.review == nil {
		return err
	}
	return s.review.check(msg.Context(), msg.Metadata.Get(MetaPartner), &o, s.metrics)
}

// Run gathers requests into batches and writes them, with Writers batches
// in flight at once, until ctx is cancelled. Requests still queued when ctx
// ends are answered with ctx.Err().
func (s *StoreSink) Run(ctx context.Context) error { return s.b.run(ctx) }

func (s *StoreSink) write(ctx context.Context, orders []*canonical.Order) error {
	if s.metrics != nil {
		s.metrics.StoreBatchSize.Observe(float64(len(orders)))
	}
	changes, err := s.w.UpsertOrders(ctx, orders)
	if err == nil {
		s.count(changes)
	}
	return err
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
