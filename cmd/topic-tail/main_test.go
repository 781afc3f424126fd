package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/internal/embedded"
	"github.com/procurehub/procurehub/internal/kafka"
)

const topic = "procurehub.orders.v1"

// startHub starts the hub's in-process broker on a free port and returns a
// publisher of the hub's own kind on it. One partition, so that a run
// that did not commit would print the oldest message first.
func startHub(t *testing.T) (string, *kafka.Publisher) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := embedded.Start(t.Context(), embedded.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: b.Addrs(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	return b.Addrs()[0], pub
}

func orderMessage(id, orderNumber string) *message.Message {
	m := message.NewMessage(id, []byte(`{"order_number":"`+orderNumber+`"}`))
	m.Metadata.Set(kafka.KeyMetadata, orderNumber)
	m.Metadata.Set(kafka.HeaderType, "procurehub.order.v1")
	return m
}

// tail runs topic-tail until it has printed n lines, then stops it as
// Ctrl-C would, and returns the lines sorted by key (partitions interleave).
func tail(t *testing.T, broker string, n int) []line {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-brokers", broker, "-topic", topic, "-group", "analytics", "-from-beginning"}, pw)
		pw.Close()
	}()
	var got []line
	sc := bufio.NewScanner(pr)
	for len(got) < n && sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q is not JSON: %v", sc.Text(), err)
		}
		got = append(got, l)
	}
	if len(got) < n {
		t.Fatalf("got %d lines, want %d (ctx: %v)", len(got), n, ctx.Err())
	}
	cancel()
	go io.Copy(io.Discard, pr) // let run finish a write it may be in
	if err := <-done; err != nil {
		t.Fatalf("run after stop: %v, want nil (a clean exit)", err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Key < got[j].Key })
	return got
}

func TestTopicTailPrintsEachMessageOnceAsAJSONLine(t *testing.T) {
	broker, pub := startHub(t)
	if err := pub.Publish(topic, orderMessage("0196a0e0-0000-7000-8000-000000000001", "PO-1"),
		orderMessage("0196a0e0-0000-7000-8000-000000000002", "PO-2")); err != nil {
		t.Fatal(err)
	}

	got := tail(t, broker, 2)
	for i, want := range []string{"PO-1", "PO-2"} {
		l := got[i]
		if l.Key != want || l.CEType != "procurehub.order.v1" || string(l.Payload) != `{"order_number":"`+want+`"}` {
			t.Errorf("line %d = %+v (payload %s), want key %s, ce_type procurehub.order.v1 and the payload as published", i, l, l.Payload, want)
		}
		if l.CEID == "" {
			t.Errorf("line %d has no ce_id", i)
		}
	}

	// The group committed what it printed: a second run prints only what
	// is new, even with -from-beginning.
	if err := pub.Publish(topic, orderMessage("0196a0e0-0000-7000-8000-000000000003", "PO-3")); err != nil {
		t.Fatal(err)
	}
	got = tail(t, broker, 1)
	if got[0].Key != "PO-3" {
		t.Errorf("second run printed %+v first, want PO-3 (PO-1 and PO-2 were committed)", got[0])
	}
}

func TestTopicTailNeedsATopic(t *testing.T) {
	if err := run(t.Context(), []string{"-brokers", "127.0.0.1:1"}, io.Discard); err == nil {
		t.Fatal("run without -topic succeeded; want an error")
	}
}
