package app

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/pipelines"
)

// replayHub is a hub with one erp_export partner whose mapping file the
// test may change, on the embedded broker and SQLite.
type replayHub struct {
	cfg     *config.App
	hub     *Hub
	inbox   string
	mapping string // the partner's mapping file
}

func startReplayHub(t *testing.T) *replayHub {
	t.Helper()
	dir := t.TempDir()
	r := &replayHub{inbox: filepath.Join(dir, "inbox"), mapping: filepath.Join(dir, "buyer.mapping.yaml")}
	copyFile(t, "testdata/replay/descriptions-en.mapping.yaml", r.mapping)
	doc := fmt.Sprintf(`
broker: {embedded: true, addr: "127.0.0.1:0", data_dir: %[1]s/kafka, partitions: 2}
store: {driver: sqlite, dsn: %[1]s/hub.db, migrate_on_start: true}
http: {addr: "127.0.0.1:0"}
pipeline: {retries: 1, retry_initial: 10ms}
partners:
  - name: buyer-1
    kind: erp_export
    settings: {inbox: %[2]s, settle_time: 0s, poll_interval: 50ms, mapping: %[3]s}
`, dir, r.inbox, r.mapping)
	path := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	r.cfg = cfg
	r.hub, _ = runInProcess(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return r
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (r *replayHub) options(out io.Writer, dryRun bool) ReplayOptions {
	return ReplayOptions{Config: r.cfg, Out: out, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		By: "ops-anna", DryRun: dryRun, Brokers: r.hub.Brokers}
}

func (r *replayHub) orders(t *testing.T) map[string]apiOrder { return ordersOf(t, r.hub) }

// descriptions says what the orders' first lines are called, and how many orders there are.
func (r *replayHub) descriptions(t *testing.T) string {
	os := r.orders(t)
	if len(os) == 0 {
		return ""
	}
	return fmt.Sprintf("%d orders: %s (v%d), %s (v%d)", len(os),
		first(os["PO-R1"]), os["PO-R1"].Version, first(os["PO-R2"]), os["PO-R2"].Version)
}

func first(o apiOrder) string {
	if len(o.Lines) == 0 {
		return "-"
	}
	return o.Lines[0].Description
}

func TestAFileIsReplayedWithAnotherMappingVersionUpdatingItsOrdersNeverDoubling(t *testing.T) {
	r := startReplayHub(t)
	ctx := t.Context()
	dropFile(t, "testdata/replay/orders-with-two-descriptions.csv", r.inbox, "orders-0302.csv")
	eventually(t, "the file's orders stored with mapping version 1", func() bool {
		return r.descriptions(t) == "2 orders: Brake disc (v1), Oil filter (v1)"
	})
	var list bytes.Buffer
	if err := ListFiles(ctx, r.options(&list, false), "buyer-1", 10); err != nil {
		t.Fatal(err)
	}
	var id int64
	var status, version string
	for _, line := range strings.Split(list.String(), "\n") {
		if f := strings.Fields(line); len(f) >= 7 && f[2] == "orders-0302.csv" {
			fmt.Sscan(f[0], &id)
			status, version = f[3], f[6]
		}
	}
	if id == 0 || status != "done" || version != "v1" {
		t.Fatalf("the file list does not show orders-0302.csv done with mapping v1:\n%s", list.String())
	}

	// The partner wants German descriptions: the mapping changes, and the
	// archived file is replayed with the current mapping (version 2).
	copyFile(t, "testdata/replay/descriptions-de.mapping.yaml", r.mapping)
	var dry bytes.Buffer
	if err := ReplayFile(ctx, r.options(&dry, true), id, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dry.String(), "dry run (nothing published) with mapping version 2: done, 2 record(s), 0 rejected") {
		t.Errorf("dry run says:\n%s", dry.String())
	}
	time.Sleep(300 * time.Millisecond) // a dry run that published would show by now
	if got := r.descriptions(t); got != "2 orders: Brake disc (v1), Oil filter (v1)" {
		t.Errorf("after a dry run: %s; want nothing changed", got)
	}
	var out bytes.Buffer
	if err := ReplayFile(ctx, r.options(&out, false), id, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "replayed with mapping version 2: done, 2 record(s)") {
		t.Errorf("replay says:\n%s", out.String())
	}
	eventually(t, "the orders updated in place with the German descriptions", func() bool {
		return r.descriptions(t) == "2 orders: Bremsscheibe (v2), Ölfilter (v2)"
	})

	// Back to version 1, and the same replay once more: updated once, then unchanged.
	for range 2 {
		out.Reset()
		if err := ReplayFile(ctx, r.options(&out, false), id, 1); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "replayed with mapping version 1: done, 2 record(s)") {
			t.Errorf("replay with version 1 says:\n%s", out.String())
		}
	}
	eventually(t, "the orders back to English, written once more, not twice", func() bool {
		return r.descriptions(t) == "2 orders: Brake disc (v3), Oil filter (v3)"
	})
	eventually(t, "the second replay with version 1 counted as unchanged", func() bool {
		return r.metric(t, `procurehub_store_orders_total{change="unchanged"}`) >= 2
	})
	if got := r.descriptions(t); got != "2 orders: Brake disc (v3), Oil filter (v3)" {
		t.Errorf("after replaying the same version twice: %s; want version 3 kept", got)
	}

	replays, err := r.hub.Store.Replays(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rp := range replays {
		got = append(got, fmt.Sprintf("v%d %s %d by %s", rp.MappingVersion, rp.Status, rp.Records, rp.By))
	}
	if want := "[v2 done 2 by ops-anna v1 done 2 by ops-anna v1 done 2 by ops-anna]"; fmt.Sprint(got) != want {
		t.Errorf("replays recorded: %v; want %s (the dry run not among them)", got, want)
	}
	versions, err := r.hub.Store.MappingVersions(ctx, "buyer-1")
	if err != nil || len(versions) != 2 || !strings.Contains(string(versions[1].Content), "text_de") {
		t.Errorf("mapping versions: %d, err %v; want 2, the second with text_de", len(versions), err)
	}

	if err := ReplayFile(ctx, r.options(io.Discard, false), id, 7); err == nil || !strings.Contains(err.Error(), "mapping version 7") {
		t.Errorf("replay with a version that does not exist: err = %v; want it named", err)
	}
	if err := ReplayFile(ctx, r.options(io.Discard, false), id+100, 0); err == nil {
		t.Error("replay of a ledger entry that does not exist succeeded")
	}
}

// metric reads one sample of the hub's /metrics.
func (r *replayHub) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + r.hub.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return 0
}

func TestPoisonMessagesAreReDrivenOnceAfterAFix(t *testing.T) {
	r := startReplayHub(t)
	ctx := t.Context()
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: r.hub.Brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	// A payload no fix will make an order: the hub poisons it for real.
	broken := message.NewMessage("7d1f0c2a-0000-4000-8000-00000000b0b0", []byte(`{"order_number": 4711`))
	broken.Metadata.Set(pipelines.MetaPartitionKey, "4711")
	if err := pub.Publish(pipelines.TopicOrders, broken); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the broken message poisoned", func() bool {
		return r.metric(t, `procurehub_poison_messages_total{handler="store_orders"}`) == 1
	})
	// An order poisoned while its store was down (as the router leaves it
	// after the last retry): the store is back, so it can be re-driven.
	order := []byte(`{"order_number":"PO-P1","order_date":"2026-03-04","buyer":{"id":"BUYER-1"},"supplier":{"id":"SUP-1"},` +
		`"currency":"EUR","lines":[{"line_number":1,"sku":"BRK-100","quantity":"5","unit":"EA","unit_price":"12.50"}]}`)
	waiting := message.NewMessage("7d1f0c2a-0000-4000-8000-0000000000p1", order)
	waiting.Metadata.Set(pipelines.MetaPartitionKey, "PO-P1")
	waiting.Metadata.Set(pipelines.MetaPartner, "buyer-1")
	waiting.Metadata.Set(pipelines.MetaFile, "orders-0304.csv")
	waiting.Metadata.Set(middleware.PoisonedTopicKey, pipelines.TopicOrders)
	waiting.Metadata.Set(middleware.PoisonedHandlerKey, pipelines.HandlerStoreOrders)
	waiting.Metadata.Set(middleware.ReasonForPoisonedKey, "store orders: connection refused")
	if err := pub.Publish(pipelines.TopicPoison, waiting); err != nil {
		t.Fatal(err)
	}

	var dry bytes.Buffer
	if err := ReplayPoison(ctx, r.options(&dry, true), ""); err != nil {
		t.Fatal(err)
	}
	if s := dry.String(); !strings.Contains(s, "2 poison message(s) read") || !strings.Contains(s, "decode order") ||
		!strings.Contains(s, "connection refused") || !strings.Contains(s, "orders-0304.csv") {
		t.Errorf("dry run lists:\n%s", s)
	}
	if _, ok := r.orders(t)["PO-P1"]; ok {
		t.Fatal("a dry run re-drove the order")
	}

	var out bytes.Buffer
	if err := ReplayPoison(ctx, r.options(&out, false), ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 poison message(s) read; those listed re-driven") {
		t.Errorf("replay says:\n%s", out.String())
	}
	eventually(t, "the re-driven order stored", func() bool { _, ok := r.orders(t)["PO-P1"]; return ok })
	// The broken one failed again: it is back in the poison queue, with its reason.
	eventually(t, "the broken message poisoned again", func() bool {
		return r.metric(t, `procurehub_poison_messages_total{handler="store_orders"}`) == 2
	})
	out.Reset()
	if err := ReplayPoison(ctx, r.options(&out, true), ""); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "1 poison message(s) read") || strings.Contains(s, "PO-P1") || !strings.Contains(s, "b0b0") {
		t.Errorf("the next replay lists:\n%s\nwant only the still-broken message", s)
	}
	if o := r.orders(t)["PO-P1"]; o.Version != 1 {
		t.Errorf("PO-P1 version %d; want 1", o.Version)
	}
}
