// Command topic-tail is a small, runnable example of a consumer of the hub's
// Kafka topics, for analysts and for anyone writing a consumer of their own
// (see docs/topics.md). It joins a consumer group with
// github.com/segmentio/kafka-go, prints every message as one JSON line
//
//	{"key":"PO-2026-0001","ce_id":"…","ce_type":"procurehub.order.v1","payload":{…}}
//
// and commits the message's offset after printing it: a message is printed
// at least once, and a second run of the same group goes on where the first
// stopped. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
//
//	go run ./cmd/topic-tail -brokers 127.0.0.1:9092 -topic procurehub.orders.v1 -group analytics
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

func main() {
	// The context ends on Ctrl-C or SIGTERM; run then returns nil.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "topic-tail:", err)
		os.Exit(1)
	}
}

// line is what topic-tail prints for one message.
type line struct {
	Key    string `json:"key"`               // the business key: order number, account...
	CEID   string `json:"ce_id"`             // the message id, to deduplicate redeliveries
	CEType string `json:"ce_type,omitempty"` // the payload's type and version
	// Payload is the message value: JSON as it is, anything else as a string.
	Payload json.RawMessage `json:"payload"`
}

// run consumes until ctx ends or the broker fails, writing one line per
// message to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("topic-tail", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap `addresses`")
	topic := fs.String("topic", "", "the `topic` to read, e.g. procurehub.orders.v1 (required)")
	group := fs.String("group", "topic-tail", "consumer `group`: offsets are committed under it")
	fromBeginning := fs.Bool("from-beginning", false, "a group with no committed offset starts at the oldest message, not the newest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" {
		return errors.New("-topic is required")
	}

	// With a GroupID, kafka-go joins the group, is assigned partitions and
	// resumes from the group's committed offsets. StartOffset only applies
	// to a partition the group has never committed.
	start := kafka.LastOffset
	if *fromBeginning {
		start = kafka.FirstOffset
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     strings.Split(*brokers, ","),
		GroupID:     *group,
		Topic:       *topic,
		StartOffset: start,
		// CommitInterval 0: CommitMessages commits synchronously, so an
		// offset is on the broker before the next message is read.
		CommitInterval: 0,
		// A short long-poll keeps Ctrl-C prompt.
		MaxWait: time.Second,
	})
	defer r.Close()

	enc := json.NewEncoder(stdout)
	for {
		// FetchMessage does not commit; we commit below, after printing.
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped by a signal: a clean exit
			}
			return fmt.Errorf("read %s: %w", *topic, err)
		}
		l := line{Key: string(m.Key), Payload: m.Value}
		for _, h := range m.Headers {
			// The CloudEvents attributes travel as Kafka headers.
			switch h.Key {
			case "ce_id":
				l.CEID = string(h.Value)
			case "ce_type":
				l.CEType = string(h.Value)
			}
		}
		if !json.Valid(m.Value) {
			l.Payload, _ = json.Marshal(string(m.Value))
		}
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		// Commit even when a signal arrived since the fetch: the line is
		// printed, so the next run must not print it again. The commit gets
		// its own short deadline instead of the cancelled context.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = r.CommitMessages(cctx, m)
		cancel()
		if err != nil {
			return fmt.Errorf("commit %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
	}
}
