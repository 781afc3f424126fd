// Command benchtracking measures how fast a carrier's webhook event shows
// on the order it concerns (`make bench-tracking`): the latency from the
// start of a signed POST /webhooks/tracking/{partner} to the first
// GET /api/v1/orders/{order_number} that lists the event, at a steady rate
// of events on loopback, in embedded mode (in-process Kafka-protocol
// broker, SQLite).
//
//	go run ./internal/tools/benchtracking -rate 500 -duration 10s
//
// It starts the hub in-process with one tracking partner, stores -orders
// orders each with a shipment and tracking number, warms up, then sends
// -rate events a second for -duration, spread over the orders. For each
// event a checker GETs the order every -check until the event is there.
// It prints p50, p90, p99 and max latency, the rate achieved, and PASS or
// MISS against the p99 target (-target, 100ms): a report, not a test. It
// exits 1 when events never became visible within -timeout or a delivery
// was refused.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/carriersim"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/store"
)

const secret = "bench-webhook-secret"

func main() {
	rate := flag.Int("rate", 500, "events a `second`")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	orders := flag.Int("orders", 250, "orders (each with one shipment) the events are spread over")
	check := flag.Duration("check", 5*time.Millisecond, "how often a checker GETs its order")
	target := flag.Duration("target", 100*time.Millisecond, "p99 target")
	timeout := flag.Duration("timeout", 10*time.Second, "longest wait for one event")
	flag.Parse()
	if err := run(*rate, *duration, *orders, *check, *target, *timeout, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtracking:", err)
		os.Exit(1)
	}
}

const hubConfig = `
broker:
  embedded: true
  addr: 127.0.0.1:0
  data_dir: %[1]s/kafka
  partitions: 4
store:
  driver: sqlite
  dsn: %[1]s/hub.db
  migrate_on_start: true
http:
  addr: 127.0.0.1:0
partners:
  - name: bench-carrier
    kind: tracking
    settings:
      profile: demo
      webhook:
        secret: ${BENCH_SECRET}
`

type seeder interface {
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
	UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error)
}

func run(rate int, duration time.Duration, norders int, check, target, timeout time.Duration, out io.Writer) error {
	dir, err := os.MkdirTemp("", "benchtracking-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, hubConfig, dir), 0o644); err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath, func(k string) (string, bool) { return secret, k == "BENCH_SECRET" })
	if err != nil {
		return err
	}
	reg, err := app.Builtins()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan *app.Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Options{Config: cfg, Registry: reg, Logger: hubLogger(),
			Started: func(h *app.Hub) { started <- h }})
	}()
	var hub *app.Hub
	select {
	case hub = <-started:
	case err := <-done:
		return fmt.Errorf("hub stopped: %w", err)
	}
	defer func() { cancel(); <-done }()

	if err := seed(ctx, hub.Store.(seeder), norders); err != nil {
		return err
	}
	b := &bench{base: "http://" + hub.HTTPAddr, check: check, timeout: timeout,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	// Warm up: one event per order, waited for.
	var wg sync.WaitGroup
	for i := range norders {
		wg.Go(func() { b.one(ctx, i%norders, i) })
	}
	wg.Wait()
	if err := b.failure(); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	b.latencies = nil

	n := int(duration.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	startedAt := time.Now()
	for i := range n {
		// Paced from the start, not from the previous event, so a slow
		// send does not lower the rate.
		if d := time.Until(startedAt.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Go(func() { b.one(ctx, i%norders, norders+i) })
	}
	sent := time.Since(startedAt)
	wg.Wait()
	if os.Getenv("BENCH_METRICS") != "" {
		dumpMetrics(b)
	}
	if err := b.failure(); err != nil {
		return err
	}
	report(out, b.latencies, n, sent, rate, norders, target)
	return nil
}

// seed stores the orders and a shipment per order, tracking number BENCHnnnnn.
func seed(ctx context.Context, s seeder, n int) error {
	var orders []*canonical.Order
	var shipments []*canonical.Shipment
	for i := range n {
		num := fmt.Sprintf("PO-BENCH-%05d", i)
		orders = append(orders, &canonical.Order{OrderNumber: num, Buyer: canonical.Party{ID: "ACME"},
			Supplier: canonical.Party{ID: "SUP"}, Currency: "EUR",
			Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "A", Quantity: canonical.MustDecimal("1"), Unit: "EA", UnitPrice: canonical.MustDecimal("1")}}})
		shipments = append(shipments, &canonical.Shipment{ShipmentID: "ASN-" + num, OrderNumbers: []string{num},
			Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SUP"}, Carrier: carriersim.Carrier,
			TrackingNumbers: []string{trackingNumber(i)}})
	}
	if _, err := s.UpsertOrders(ctx, orders); err != nil {
		return err
	}
	_, err := s.UpsertShipments(ctx, "bench", shipments)
	return err
}

func trackingNumber(i int) string { return fmt.Sprintf("BENCH%05d", i) }

type bench struct {
	base    string
	check   time.Duration
	timeout time.Duration
	client  *http.Client

	mu        sync.Mutex
	latencies []time.Duration
	errs      []error
}

// one sends event seq for order i and waits until the order shows it.
func (b *bench) one(ctx context.Context, i, seq int) {
	id := fmt.Sprintf("ev-%07d", seq)
	ev := carriersim.Event{EventID: id, TrackingNumber: trackingNumber(i), Carrier: carriersim.Carrier,
		Code: "IN_TRANSIT", Text: "In transit", OccurredAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Second)}
	body, _ := json.Marshal(ev)
	sig := webhook.Signature{Secret: []byte(secret)}
	header, _ := sig.Sign(body, time.Now())
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/webhooks/tracking/bench-carrier", bytes.NewReader(body))
	req.Header.Set(webhook.DefaultHeader, header)
	resp, err := b.client.Do(req)
	if err != nil {
		b.fail(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.fail(fmt.Errorf("event %s answered %s", id, resp.Status))
		return
	}
	order := b.base + "/api/v1/orders/" + fmt.Sprintf("PO-BENCH-%05d", i)
	var last []byte
	for {
		if time.Since(start) > b.timeout {
			b.fail(fmt.Errorf("event %s not on its order after %s; the order shows %.300s", id, b.timeout, last))
			return
		}
		resp, err := b.client.Get(order)
		if err != nil {
			b.fail(err)
			return
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = got
		if strings.Contains(string(got), `"`+id+`"`) {
			b.mu.Lock()
			b.latencies = append(b.latencies, time.Since(start))
			b.mu.Unlock()
			return
		}
		time.Sleep(b.check)
	}
}

func (b *bench) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs = append(b.errs, err)
}

func (b *bench) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.errs...)
}

func report(w io.Writer, lat []time.Duration, n int, sent time.Duration, rate, orders int, target time.Duration) {
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	verdict := "PASS"
	if q(0.99) > target {
		verdict = "MISS"
	}
	fmt.Fprintf(w, "webhook → visible on GET /api/v1/orders/{order_number}, embedded mode, loopback\n")
	fmt.Fprintf(w, "  events      %d over %d orders, asked %d/s, sent at %.0f/s\n", n, orders, rate, float64(n)/sent.Seconds())
	fmt.Fprintf(w, "  latency     p50 %s  p90 %s  p99 %s  max %s\n", q(0.50).Round(100*time.Microsecond),
		q(0.90).Round(100*time.Microsecond), q(0.99).Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
	fmt.Fprintf(w, "  target      p99 ≤ %s: %s\n", target, verdict)
}

// hubLogger shows the hub's warnings and errors with BENCH_LOG=1.
func hubLogger() *slog.Logger {
	if os.Getenv("BENCH_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// dumpMetrics prints the hub's handler and webhook series (BENCH_METRICS=1).
func dumpMetrics(b *bench) {
	resp, err := b.client.Get(b.base + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "procurehub_handler_") && strings.Contains(l, "_sum") || strings.HasPrefix(l, "procurehub_handler_") && strings.Contains(l, "_count") ||
			strings.HasPrefix(l, "procurehub_consumed") || strings.HasPrefix(l, "procurehub_tracking_events_total") || strings.HasPrefix(l, "procurehub_webhook") {
			fmt.Fprintln(os.Stderr, l)
		}
	}
}
