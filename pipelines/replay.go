package pipelines

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/store"
)

// --- replaying the poison queue ---

// ReplayGroup is the consumer group that keeps the poison queue's replay
// position: a message is re-driven once, however often replay runs.
const ReplayGroup = "procurehub.replay"

// PoisonMessage is one message of the poison queue, as replay reports it.
type PoisonMessage struct {
	ID      string // the message id (ce_id), kept when it is re-driven
	Topic   string // where it came from and goes back to
	Handler string // the handler that gave up on it
	Reason  string // its last error
	Partner string
	File    string
	// Origin is where it was read before it was poisoned: "partition/offset".
	Origin string
}

func poisonMessage(m *message.Message) PoisonMessage {
	md := m.Metadata
	p := PoisonMessage{ID: m.UUID, Topic: md.Get(middleware.PoisonedTopicKey), Handler: md.Get(middleware.PoisonedHandlerKey),
		Reason: md.Get(middleware.ReasonForPoisonedKey), Partner: md.Get(MetaPartner), File: md.Get(MetaFile)}
	if part := md.Get(MetaPoisonedPartition); part != "" {
		p.Origin = part + "/" + md.Get(MetaPoisonedOffset)
	}
	return p
}

// ReplayPoisonConfig says which poison messages to re-drive.
type ReplayPoisonConfig struct {
	Brokers  []string
	Security kafka.Security
	// Handler, when set, re-drives only the messages that handler gave up
	// on; the others are left for a replay without a handler (each handler
	// keeps its own position).
	Handler string
	// DryRun lists the messages without re-driving them or moving the
	// position.
	DryRun bool
}

// ReplayPoison re-drives the poison queue after a fix: every message that
// arrived since the last replay (of the same handler filter) goes back to
// the topic it was poisoned from, with its id, key, payload and lineage and
// without the poison metadata, so the handler takes it again; sinks are
// idempotent, so one that was written meanwhile changes nothing. A message
// that still fails is poisoned again, with its new reason, and is re-driven
// by the next replay. report is called for each message, re-driven or
// (with DryRun) listed.
func ReplayPoison(ctx context.Context, cfg ReplayPoisonConfig, pub message.Publisher, report func(PoisonMessage)) (kafka.DrainResult, error) {
	group := ReplayGroup
	if cfg.Handler != "" {
		group += "." + cfg.Handler
	}
	return kafka.Drain(ctx, kafka.DrainConfig{Brokers: cfg.Brokers, Security: cfg.Security, Topic: TopicPoison,
		Group: group, Commit: !cfg.DryRun}, func(m *message.Message) error {
		p := poisonMessage(m)
		if cfg.Handler != "" && p.Handler != cfg.Handler {
			return nil
		}
		if p.Topic == "" || !slices.Contains(AllTopics(), p.Topic) {
			return fmt.Errorf("poison message %s names no topic of the hub to return to (%q)", p.ID, p.Topic)
		}
		if !cfg.DryRun {
			if err := pub.Publish(p.Topic, redrive(m)); err != nil {
				return fmt.Errorf("re-drive %s to %s: %w", p.ID, p.Topic, err)
			}
		}
		if report != nil {
			report(p)
		}
		return nil
	})
}

// redrive is a poison message as it goes back to its topic.
func redrive(m *message.Message) *message.Message {
	out := message.NewMessage(m.UUID, m.Payload)
	for k, v := range m.Metadata {
		switch k {
		case middleware.ReasonForPoisonedKey, middleware.PoisonedTopicKey, middleware.PoisonedHandlerKey,
			middleware.PoisonedSubscriberKey, MetaPoisonedPartition, MetaPoisonedOffset,
			kafka.TopicMetadata, kafka.PartitionMetadata, kafka.OffsetMetadata, kafka.KafkaKeyMetadata:
			continue
		}
		out.Metadata.Set(k, v)
	}
	return out
}

// --- re-ingesting a settled file ---

// ReplayLedger is the store's side of file replays.
type ReplayLedger interface {
	LedgerByID(ctx context.Context, id int64) (*store.LedgerEntry, error)
	AddReplay(ctx context.Context, r store.Replay) (store.Replay, error)
}

// ErrNoArchive is returned when a partner's source cannot find settled
// files (it pushes, or its kind keeps none).
var ErrNoArchive = errors.New("the partner's source keeps no archive to replay from")

// Reingest reads a file the ingestor's partner sent before again, from its
// archive or quarantine, decodes it with the ingestor's connector (which
// may carry another mapping version than the one it was first read with)
// and publishes its records, waiting for the broker. The sinks upsert on
// business keys, so the same orders are updated, never doubled, however
// often a file is replayed. The file stays where it is; the replay is
// recorded beside its ledger entry. With dryRun nothing is published or
// recorded: the outcome says what a replay would do.
func (g *Ingestor) Reingest(ctx context.Context, l ReplayLedger, id int64, by string, dryRun bool) (connectors.Outcome, error) {
	e, err := l.LedgerByID(ctx, id)
	if err != nil {
		return connectors.Outcome{}, err
	}
	if e.Partner != g.Partner {
		return connectors.Outcome{}, fmt.Errorf("ledger entry %d is partner %s's, not %s's", id, e.Partner, g.Partner)
	}
	finder, ok := g.Connector.Source.(connectors.SettledFinder)
	if !ok {
		return connectors.Outcome{}, fmt.Errorf("partner %s (%s): %w", g.Partner, g.Kind, ErrNoArchive)
	}
	// The archive folder is the day it was settled (by the settling
	// instance's clock): look on that day and the days around it.
	var days []time.Time
	for _, t := range []time.Time{e.SettledAt, e.UpdatedAt, e.CreatedAt} {
		if !t.IsZero() {
			days = append(days, t.Add(-24*time.Hour), t, t.Add(24*time.Hour))
		}
	}
	in, err := finder.Settled(ctx, e.Name, e.SHA256, days)
	if err != nil {
		return connectors.Outcome{}, fmt.Errorf("ledger entry %d: %w", id, err)
	}
	var o connectors.Outcome
	if dryRun {
		o, err = g.decodeOnly(ctx, in)
	} else {
		o, err = g.decodeAndPublish(ctx, in)
	}
	if err != nil || dryRun {
		return o, err
	}
	if _, err := l.AddReplay(context.WithoutCancel(ctx), store.Replay{LedgerID: id, MappingVersion: g.MappingVersion,
		Status: string(o.Status), Records: o.Accepted, Rejects: o.Rejected, By: by}); err != nil {
		return o, fmt.Errorf("published, but the replay was not recorded: %w", err)
	}
	return o, nil
}

// decodeOnly decodes an input and counts what it would publish.
func (g *Ingestor) decodeOnly(ctx context.Context, in connectors.Input) (connectors.Outcome, error) {
	rc, err := in.Open()
	if err != nil {
		return connectors.Outcome{}, fmt.Errorf("open %s: %w", in.Name, err)
	}
	defer rc.Close()
	var c countingSink
	err = g.Connector.Decoder.Decode(ctx, in, rc, &c)
	var fe *connectors.FileError
	if err != nil && !errors.As(err, &fe) {
		return c.o, fmt.Errorf("decode %s: %w", in.Name, err)
	}
	finishOutcome(&c.o, fe)
	return c.o, nil
}

// countingSink keeps a decoder's outcome without publishing anything.
type countingSink struct{ o connectors.Outcome }

func (c *countingSink) Record(context.Context, connectors.Record) error { c.o.Accepted++; return nil }

func (c *countingSink) RowError(_ context.Context, e connectors.RowError) error {
	addRowError(&c.o, e)
	return nil
}
