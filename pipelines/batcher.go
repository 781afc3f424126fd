package pipelines

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/procurehub/procurehub/internal/store"
)

// batcher gathers the items of concurrent handlers into batches, so that
// one store transaction writes many. A handler's submit returns only once
// its own item is committed (its message is acked only then). A batch that
// fails is written again item by item, so that a bad item fails alone.
type batcher[T any] struct {
	size    int
	linger  time.Duration
	writers int
	what    string // "orders", for logs
	logger  *slog.Logger
	reqs    chan *batchReq[T]
	// write commits items all or nothing.
	write func(ctx context.Context, items []T) error
	// fail turns the error of one item written alone into its handler's.
	fail func(item T, err error) error
	// failures counts failed writes by what and reason, when set.
	failures *prometheus.CounterVec
}

type batchReq[T any] struct {
	item T
	done chan error
}

func newBatcher[T any](cfg StoreSinkConfig, logger *slog.Logger, what string,
	write func(context.Context, []T) error, fail func(T, error) error) *batcher[T] {
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
	return &batcher[T]{size: cfg.BatchSize, linger: cfg.Linger, writers: cfg.Writers, what: what, logger: logger,
		reqs: make(chan *batchReq[T], cfg.BatchSize*cfg.Writers), write: write, fail: fail}
}

// submit hands item to the batches and waits until it is committed.
func (b *batcher[T]) submit(ctx context.Context, item T) error {
	req := &batchReq[T]{item: item, done: make(chan error, 1)}
	select {
	case b.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The batch may still commit; redelivery is harmless (idempotent writes).
		return ctx.Err()
	}
}

// run writes batches, Writers at once, until ctx is cancelled; requests
// still queued then are answered with ctx.Err().
func (b *batcher[T]) run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range b.writers {
		wg.Go(func() { b.loop(ctx) })
	}
	wg.Wait()
	for {
		select {
		case r := <-b.reqs:
			r.done <- ctx.Err()
		default:
			return nil
		}
	}
}

// loop is one writer: it takes a first request, waits up to linger for
// more, and writes the batch.
func (b *batcher[T]) loop(ctx context.Context) {
	batch := make([]*batchReq[T], 0, b.size)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case r := <-b.reqs:
			batch = append(batch, r)
		}
		timer := time.NewTimer(b.linger)
	fill:
		for len(batch) < b.size {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			case <-timer.C:
				break fill
			case <-ctx.Done():
				break fill
			}
		}
		timer.Stop()
		b.commit(ctx, batch)
	}
}

// failureReason classifies a failed store write for the metric.
func failureReason(err error) string {
	switch {
	case errors.Is(err, store.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, store.ErrInvalid):
		return "invalid"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
}

// commit writes one batch; on failure it writes each item alone so the
// error lands on the item that caused it.
func (b *batcher[T]) commit(ctx context.Context, batch []*batchReq[T]) {
	// The write outlives a shutdown signal for a bounded time: a half-done
	// batch would only be redelivered, but finishing it is cheaper.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	items := make([]T, len(batch))
	for i, r := range batch {
		items[i] = r.item
	}
	err := b.write(wctx, items)
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	if b.failures != nil {
		b.failures.WithLabelValues(b.what, failureReason(err)).Inc()
	}
	if len(batch) == 1 || errors.Is(err, store.ErrUnavailable) {
		// A store that cannot be reached fails every item alike: the
		// handlers retry (and the outage shows in the metric), rather than
		// each item hammering the store alone.
		for _, r := range batch {
			r.done <- b.fail(r.item, err)
		}
		return
	}
	b.logger.Warn("store batch failed; writing its items one by one", "what", b.what, "items", len(batch), "err", err)
	for _, r := range batch {
		if err := b.write(wctx, []T{r.item}); err != nil {
			r.done <- b.fail(r.item, err)
			continue
		}
		r.done <- nil
	}
}
