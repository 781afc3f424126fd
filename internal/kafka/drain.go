package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	kafkago "github.com/segmentio/kafka-go"
)

// DrainConfig says what Drain reads.
type DrainConfig struct {
	Brokers []string
	Topic   string
	// Group keeps the position: Drain starts where the group's committed
	// offsets say, and commits what it handled, so a second Drain reads
	// only what arrived since. Required.
	Group string
	// Commit false reads without moving the group's position (a dry run).
	Commit   bool
	Security Security
	Logger   *slog.Logger
}

// DrainResult is what Drain read.
type DrainResult struct {
	Read int // messages handed to fn
	// Left counts messages of the topic not read because fn failed on one
	// before them (they stay for the next Drain).
	Left int
}

// Drain hands fn every message of a topic from a group's committed position
// up to the end of each partition as it was when Drain started, partition by
// partition in offset order, and (with Commit) commits after each message
// fn accepted. It is for operator tools that work through a topic once,
// such as replaying the poison queue, not for pipelines: it joins no group
// session (the group must have no running members) and stops at the end.
// When fn returns an error, Drain commits what came before, stops that
// partition and goes on with the others; the first error is returned.
func Drain(ctx context.Context, cfg DrainConfig, fn func(*message.Message) error) (DrainResult, error) {
	var res DrainResult
	if err := validateBrokers(cfg.Brokers); err != nil {
		return res, fmt.Errorf("kafka drain: %w", err)
	}
	if cfg.Topic == "" || cfg.Group == "" {
		return res, errors.New("kafka drain: topic and group are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	client, transport := cfg.Security.client(cfg.Brokers)
	defer transport.CloseIdleConnections()
	parts, err := partitionsOf(ctx, client, cfg.Topic)
	if err != nil {
		return res, fmt.Errorf("kafka drain %s: %w", cfg.Topic, err)
	}
	sort.Ints(parts)
	first, last, err := offsetsOf(ctx, client, cfg.Topic, parts)
	if err != nil {
		return res, err
	}
	committed, err := committedOffsets(ctx, client, cfg.Group, cfg.Topic, parts)
	if err != nil {
		return res, err
	}
	var firstErr error
	for _, p := range parts {
		start := max(committed[p], first[p])
		if start >= last[p] {
			continue
		}
		n, err := drainPartition(ctx, cfg, client, p, start, last[p], log, fn)
		res.Read += n
		if err != nil {
			res.Left += int(last[p]-start) - n
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				return res, firstErr
			}
		}
	}
	return res, firstErr
}

// drainPartition reads partition p from start up to end (exclusive).
func drainPartition(ctx context.Context, cfg DrainConfig, client *kafkago.Client, p int, start, end int64,
	log *slog.Logger, fn func(*message.Message) error) (int, error) {
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers: cfg.Brokers, Dialer: cfg.Security.dialer(), Topic: cfg.Topic, Partition: p,
		MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond, ReadLagInterval: -1,
		ErrorLogger: kafkaLogger(log, slog.LevelDebug),
	})
	defer r.Close()
	if err := r.SetOffset(start); err != nil {
		return 0, fmt.Errorf("kafka drain %s/%d: %w", cfg.Topic, p, err)
	}
	n := 0
	for off := start; off < end; {
		rec, err := r.FetchMessage(ctx)
		if err != nil {
			return n, fmt.Errorf("kafka drain %s/%d at offset %d: %w", cfg.Topic, p, off, err)
		}
		if err := fn(fromRecord(&rec)); err != nil {
			return n, fmt.Errorf("%s/%d offset %d: %w", cfg.Topic, p, rec.Offset, err)
		}
		n++
		off = rec.Offset + 1
		if cfg.Commit {
			if err := commitOffset(ctx, client, cfg.Group, cfg.Topic, p, off); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// offsetsOf returns each partition's first offset and the offset the next
// record will get.
func offsetsOf(ctx context.Context, client *kafkago.Client, topic string, parts []int) (first, last map[int]int64, err error) {
	var reqs []kafkago.OffsetRequest
	for _, p := range parts {
		reqs = append(reqs, kafkago.FirstOffsetOf(p), kafkago.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, nil, fmt.Errorf("kafka drain %s: list offsets: %w", topic, err)
	}
	first, last = map[int]int64{}, map[int]int64{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, nil, fmt.Errorf("kafka drain %s/%d: list offsets: %w", topic, po.Partition, po.Error)
		}
		first[po.Partition], last[po.Partition] = po.FirstOffset, po.LastOffset
	}
	return first, last, nil
}

// committedOffsets returns the group's committed offset per partition; -1
// where it has none.
func committedOffsets(ctx context.Context, client *kafkago.Client, group, topic string, parts []int) (map[int]int64, error) {
	resp, err := client.OffsetFetch(ctx, &kafkago.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err == nil {
		err = resp.Error
	}
	out := map[int]int64{}
	for _, p := range parts {
		out[p] = -1
	}
	if errors.Is(err, kafkago.GroupIdNotFound) {
		return out, nil // a group that never committed
	}
	if err != nil {
		return nil, fmt.Errorf("kafka drain %s: offsets of group %s: %w", topic, group, err)
	}
	for _, op := range resp.Topics[topic] {
		if op.Error != nil {
			return nil, fmt.Errorf("kafka drain %s/%d: offset of group %s: %w", topic, op.Partition, group, op.Error)
		}
		out[op.Partition] = op.CommittedOffset
	}
	return out, nil
}

// commitOffset commits next as the group's position on topic/p, outside a
// group session (generation -1), as simple consumers do.
func commitOffset(ctx context.Context, client *kafkago.Client, group, topic string, p int, next int64) error {
	resp, err := client.OffsetCommit(ctx, &kafkago.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafkago.OffsetCommit{topic: {{Partition: p, Offset: next}}},
	})
	if err == nil {
		for _, cp := range resp.Topics[topic] {
			if cp.Error != nil {
				err = cp.Error
			}
		}
	}
	if err != nil {
		return fmt.Errorf("kafka drain %s/%d: commit offset %d for group %s: %w", topic, p, next, group, err)
	}
	return nil
}
