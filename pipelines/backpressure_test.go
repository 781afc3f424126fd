package pipelines

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/embedded"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/store"
)

// slowStore is a store whose every write takes delay; it keeps what it
// stored, by order number.
type slowStore struct {
	delay  time.Duration
	mu     sync.Mutex
	stored map[string]int // order number → times written
}

func (s *slowStore) UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changes := make([]store.Change, len(orders))
	for i, o := range orders {
		s.stored[o.OrderNumber]++
		changes[i] = store.ChangeInserted
	}
	return changes, nil
}

func (s *slowStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.stored)
}

func (s *slowStore) setDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// backlog publishes n orders of about size bytes each to an embedded broker
// that keeps its records on disk (so they are not in this process's heap).
func backlog(t *testing.T, n, size int) []string {
	t.Helper()
	b, err := embedded.Start(t.Context(), embedded.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: b.Addrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := kafka.EnsureTopics(t.Context(), b.Addrs(), 2, TopicOrders, TopicPoison); err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("x", size)
	var batch []*message.Message
	for i := range n {
		o := testOrder(fmt.Sprintf("PO-%06d", i))
		o.Lines[0].Description = filler
		payload, err := canonical.MarshalOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		m := message.NewMessage(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), payload)
		m.Metadata.Set(MetaPartitionKey, o.OrderNumber)
		if batch = append(batch, m); len(batch) == 500 || i == n-1 {
			if err := pub.Publish(TopicOrders, batch...); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	return b.Addrs()
}

// runSink consumes procurehub.orders.v1 into st until stopped; stop closes
// the router the way `procurehub run` does on SIGTERM and returns how long
// the drain took.
func runSink(t *testing.T, brokers []string, st *slowStore, closeTimeout time.Duration) (stop func() time.Duration) {
	t.Helper()
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, ConsumerGroup: "procurehub", MaxInFlight: 32})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(prometheus.NewRegistry())
	sink := NewStoreSink(st, StoreSinkConfig{BatchSize: 64, Writers: 1}, m, nil)
	r, err := NewRouter(RouterConfig{CloseTimeout: closeTimeout, Retries: 1, RetryInitial: time.Millisecond}, sub, pub,
		Sinks{Orders: sink}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sinkCtx, stopSink := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sink.Run(sinkCtx) })
	wg.Go(func() { defer stopSink(); _ = r.Run(ctx) })
	<-r.Running()
	stopped := false
	stop = func() time.Duration {
		if stopped {
			return 0
		}
		stopped = true
		start := time.Now()
		cancel()
		wg.Wait()
		took := time.Since(start)
		sub.Close()
		pub.Close()
		return took
	}
	t.Cleanup(func() { stop() })
	return stop
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestASlowStoreSlowsIntakeAndKeepsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes 30 MB")
	}
	const n, size = 20000, 3000 // a 60 MB backlog
	brokers := backlog(t, n, size)
	before := heapInUse()
	st := &slowStore{delay: 50 * time.Millisecond, stored: map[string]int{}}
	runSink(t, brokers, st, 15*time.Second)
	eventually := time.Now().Add(60 * time.Second)
	for st.count() < 500 {
		if time.Now().After(eventually) {
			t.Fatalf("%d orders stored within 60s", st.count())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // let the consumer read ahead as far as it will
	grown := int64(heapInUse()) - int64(before)
	stored := st.count()
	backlogBytes := int64(n * size)
	t.Logf("backlog %d orders (%d MB); stored %d while the store takes 50 ms a batch; heap grew %.1f MB",
		n, backlogBytes>>20, stored, float64(grown)/(1<<20))
	if stored > n/2 {
		t.Errorf("%d of %d orders stored: the slow store should hold intake back", stored, n)
	}
	// What the consumer may hold: per partition, the reader's queue, the
	// fetch buffer and 4×MaxInFlight read ahead; decoded, a message takes
	// up to about three times its payload.
	bound := int64(2*(kafka.DefaultQueueCapacity+64+4*32)) * size * 3
	if grown > bound || grown > backlogBytes/2 {
		t.Errorf("heap grew %.1f MB with a %.1f MB backlog waiting (bound %.1f MB): the consumer buffers without bound",
			float64(grown)/(1<<20), float64(backlogBytes)/(1<<20), float64(bound)/(1<<20))
	}
}

func TestShutdownDrainsInFlightWorkAndCommitsNothingUnstored(t *testing.T) {
	const n = 3000
	brokers := backlog(t, n, 100)
	st := &slowStore{delay: 30 * time.Millisecond, stored: map[string]int{}}
	stop := runSink(t, brokers, st, 10*time.Second)
	for st.count() < 300 {
		time.Sleep(10 * time.Millisecond)
	}
	took := stop() // SIGTERM half-way
	atStop := st.count()
	if atStop >= n {
		t.Fatalf("everything was stored before the stop (%d); the test needs a backlog", atStop)
	}
	if took > 10*time.Second {
		t.Errorf("shutdown took %s, beyond the 10s close timeout", took)
	}
	// Restarted (a new instance of the group): what the first one did not
	// store comes again; nothing is lost.
	st.setDelay(0)
	stopAgain := runSink(t, brokers, st, 10*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for st.count() < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stopAgain()
	if got := st.count(); got != n {
		t.Fatalf("after the restart %d of %d orders stored: committed offsets skipped orders the store never had", got, n)
	}
	st.mu.Lock()
	again := 0
	for _, times := range st.stored {
		if times > 1 {
			again++
		}
	}
	st.mu.Unlock()
	t.Logf("stopped with %d of %d stored (drain %s); after the restart all %d stored, %d written twice (at-least-once, idempotent upserts)",
		atStop, n, took.Round(time.Millisecond), n, again)
}

// downStore is a store that cannot be reached for its first failing
// calls: every batch fails alike, and none is split into single writes.
type downStore struct {
	mu      sync.Mutex
	failing int
	calls   []int // batch sizes asked for
	stored  map[string]bool
}

func (s *downStore) UpsertOrders(_ context.Context, orders []*canonical.Order) ([]store.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, len(orders))
	if s.failing > 0 {
		s.failing--
		return nil, fmt.Errorf("%w: dial tcp 127.0.0.1:5432: connect: connection refused", store.ErrUnavailable)
	}
	changes := make([]store.Change, len(orders))
	for i, o := range orders {
		s.stored[o.OrderNumber] = true
		changes[i] = store.ChangeInserted
	}
	return changes, nil
}

func TestAStoreOutageIsRetriedAndCountedWithoutSplittingBatches(t *testing.T) {
	brokers := backlog(t, 200, 10)
	st := &downStore{failing: 6, stored: map[string]bool{}}
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, ConsumerGroup: "procurehub", MaxInFlight: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	m := NewMetrics(prometheus.NewRegistry())
	sink := NewStoreSink(st, StoreSinkConfig{BatchSize: 50, Writers: 1, Linger: 20 * time.Millisecond}, m, nil)
	r, err := NewRouter(RouterConfig{Retries: 10, RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}, sub, pub, Sinks{Orders: sink}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go sink.Run(ctx)
	go r.Run(ctx)
	deadline := time.Now().Add(60 * time.Second)
	for {
		st.mu.Lock()
		n := len(st.stored)
		st.mu.Unlock()
		if n == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 200 orders stored after the outage", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := testutil.ToFloat64(m.StoreFailures.WithLabelValues("orders", "unavailable")); got != 6 {
		t.Errorf("store failures counted: %v; want the 6 failed writes", got)
	}
	if got := testutil.ToFloat64(m.HandlerRetries.WithLabelValues(HandlerStoreOrders)); got < 6 {
		t.Errorf("handler retries counted: %v; want at least one per failed write", got)
	}
	if got := testutil.ToFloat64(m.Poisoned.WithLabelValues(HandlerStoreOrders)); got != 0 {
		t.Errorf("%v orders poisoned by an outage the retries outlasted", got)
	}
	// A failed batch is not written again item by item: the first write
	// after the outage is a batch, not a run of single orders.
	st.mu.Lock()
	defer st.mu.Unlock()
	singles := 0
	for _, c := range st.calls[6:] {
		if c == 1 {
			singles++
		}
	}
	if singles > len(st.calls[6:])/2 {
		t.Errorf("writes after the outage %v: mostly single orders, as if failed batches were split", st.calls)
	}
}
