package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/store"
)

// Ledger is the file ledger the ingestor records every input in.
type Ledger interface {
	LedgerClaim(ctx context.Context, e store.LedgerEntry) (store.LedgerEntry, bool, error)
	LedgerFinish(ctx context.Context, id int64, status string, records, rejects int, receipt json.RawMessage) error
}

// Metadata keys the ingestor sets on every message (besides CloudEvents).
const (
	MetaPartitionKey = "partition_key" // Kafka key: the business key
	MetaCEType       = "ce_type"
	MetaCESource     = "ce_source"
	MetaPartner      = "partner"
	MetaFile         = "file"
	MetaFileSHA256   = "file_sha256"
)

// maxReceiptErrors bounds the row errors kept in a receipt; the counts stay exact.
const maxReceiptErrors = 1000

// Ingestor drives one partner connector: it polls the source, claims each
// input in the ledger (so the same content is never taken twice), decodes it,
// publishes its records and waits for the broker's acknowledgement, then
// settles the input (archive or quarantine, receipt) and closes the ledger entry.
type Ingestor struct {
	Partner      string
	Kind         string
	Connector    *connectors.Connector
	Publisher    message.Publisher
	Ledger       Ledger
	Metrics      *Metrics
	Logger       *slog.Logger
	PollInterval time.Duration // default 1s
	BatchSize    int           // records per Publish call; default 500
}

// Run polls until ctx is cancelled. A failing input is logged and retried on
// the next poll (it is not settled, so the source offers it again).
func (g *Ingestor) Run(ctx context.Context) error {
	interval := g.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	var lastErr string // a failing poll is logged when it starts failing, not every interval
	for {
		inputs, err := g.Connector.Source.Poll(ctx)
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != lastErr:
			lastErr = err.Error()
			g.logger().Error("poll failed; retrying every interval", "err", err)
		case err == nil && lastErr != "":
			lastErr = ""
			g.logger().Info("poll works again")
		}
		for _, in := range inputs {
			if ctx.Err() != nil {
				break
			}
			if _, err := g.Take(ctx, in); err != nil && ctx.Err() == nil {
				g.logger().Error("input not taken; will retry", "file", in.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

func (g *Ingestor) logger() *slog.Logger {
	l := g.Logger
	if l == nil {
		l = slog.Default()
	}
	return l.With("partner", g.Partner, "connector", g.Kind)
}

// Take handles one input end to end and returns its outcome. An error means
// the input was not settled and should be offered again.
func (g *Ingestor) Take(ctx context.Context, in connectors.Input) (connectors.Outcome, error) {
	log := g.logger().With("file", in.Name)
	entry, isNew, err := g.Ledger.LedgerClaim(ctx, store.LedgerEntry{
		Partner: g.Partner, Connector: g.Kind, Source: in.Connector, Name: in.Name,
		SHA256: in.SHA256, Size: in.Size,
	})
	if err != nil {
		return connectors.Outcome{}, fmt.Errorf("ledger claim %s: %w", in.Name, err)
	}
	if !isNew && entry.Status != store.LedgerProcessing {
		// Same content taken before: settle it without publishing anything.
		o := connectors.Outcome{Status: connectors.StatusDuplicate}
		if err := g.settle(ctx, in, o); err != nil {
			return o, err
		}
		log.Info("duplicate input archived", "first_taken", entry.CreatedAt.Format(time.RFC3339))
		g.countInput(o)
		return o, nil
	}
	// New, or a previous attempt stopped half-way (crash): take it (again).
	// Sinks are idempotent, so records published the first time change nothing.
	o, err := g.decodeAndPublish(ctx, in)
	if err != nil {
		return o, err
	}
	if err := g.settle(ctx, in, o); err != nil {
		return o, err
	}
	receipt, err := json.Marshal(o)
	if err != nil {
		return o, fmt.Errorf("encode receipt: %w", err)
	}
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.Ledger.LedgerFinish(finishCtx, entry.ID, string(o.Status), o.Accepted, o.Rejected, receipt); err != nil {
		// The input is settled; a stale "processing" entry only means that a
		// re-sent identical file is taken again, idempotently.
		log.Error("ledger finish failed", "err", err)
	}
	g.countInput(o)
	log.Info("input taken", "status", o.Status, "accepted", o.Accepted, "rejected", o.Rejected)
	return o, nil
}

func (g *Ingestor) countInput(o connectors.Outcome) {
	if g.Metrics != nil {
		g.Metrics.InputsTaken.WithLabelValues(g.Partner, string(o.Status)).Inc()
	}
}

// settle hands the outcome to the source; it must finish even when the run is
// being cancelled, or a fully published input would be taken again.
func (g *Ingestor) settle(ctx context.Context, in connectors.Input, o connectors.Outcome) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := g.Connector.Source.Settle(sctx, in, o); err != nil {
		return fmt.Errorf("settle %s: %w", in.Name, err)
	}
	return nil
}

func (g *Ingestor) decodeAndPublish(ctx context.Context, in connectors.Input) (connectors.Outcome, error) {
	rc, err := in.Open()
	if err != nil {
		return connectors.Outcome{}, fmt.Errorf("open %s: %w", in.Name, err)
	}
	defer rc.Close()
	sink := &publishSink{g: g, in: in, batchSize: g.BatchSize}
	if sink.batchSize <= 0 {
		sink.batchSize = 500
	}
	decodeErr := g.Connector.Decoder.Decode(ctx, in, rc, sink)
	var fe *connectors.FileError
	if decodeErr != nil && !errors.As(decodeErr, &fe) {
		// The input is taken again later; no publish may still be running
		// when we return.
		sink.wait()
		return sink.outcome, fmt.Errorf("decode %s: %w", in.Name, decodeErr)
	}
	flushErr := sink.flush(ctx)
	if err := sink.wait(); flushErr == nil {
		flushErr = err
	}
	if flushErr != nil {
		return sink.outcome, flushErr
	}
	o := sink.outcome
	switch {
	case fe != nil:
		o.Status = connectors.StatusRejected
		o.FileError = fe
	case o.Rejected > 0:
		o.Status = connectors.StatusPartial
	default:
		o.Status = connectors.StatusDone
	}
	return o, nil
}

// publishSink publishes records in batches and collects row errors for the
// receipt. One batch is published in the background while the decoder fills
// the next (the broker's acknowledgement takes a round trip), and a batch is
// only sent once the one before it is acknowledged, so records keep their
// order.
type publishSink struct {
	g         *Ingestor
	in        connectors.Input
	batchSize int
	pending   map[string][]*message.Message // topic → messages
	npending  int
	outcome   connectors.Outcome
	inflight  chan error // the result of the batch being published, if any
}

func (s *publishSink) Record(ctx context.Context, r connectors.Record) error {
	topic, ok := TopicFor(r.Type)
	if !ok {
		return fmt.Errorf("no topic for record type %q", r.Type)
	}
	payload, err := encodeRecord(r.Value)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", r.Type, r.Key, err)
	}
	// A deterministic message id: the same record of the same input gets the
	// same ce_id when it is published again after a crash.
	id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/%s/%d/%s", s.g.Partner, s.in.SHA256, s.outcome.Accepted, r.Key))
	msg := message.NewMessage(id.String(), payload)
	msg.Metadata.Set(MetaPartitionKey, r.Key)
	msg.Metadata.Set(MetaCEType, CloudEventType(r.Type))
	msg.Metadata.Set(MetaCESource, "procurehub/"+s.g.Kind+"/"+s.g.Partner)
	msg.Metadata.Set(MetaPartner, s.g.Partner)
	msg.Metadata.Set(MetaFile, s.in.Name)
	msg.Metadata.Set(MetaFileSHA256, s.in.SHA256)
	if s.pending == nil {
		s.pending = map[string][]*message.Message{}
	}
	s.pending[topic] = append(s.pending[topic], msg)
	s.npending++
	s.outcome.Accepted++
	if s.g.Metrics != nil {
		s.g.Metrics.Records.WithLabelValues(s.g.Partner, r.Type).Inc()
	}
	if s.npending >= s.batchSize {
		return s.flush(ctx)
	}
	return nil
}

func (s *publishSink) RowError(_ context.Context, e connectors.RowError) error {
	s.outcome.Rejected++
	if len(s.outcome.RowErrors) < maxReceiptErrors {
		s.outcome.RowErrors = append(s.outcome.RowErrors, e)
	}
	if s.g.Metrics != nil {
		s.g.Metrics.Rejects.WithLabelValues(s.g.Partner).Inc()
	}
	return nil
}

// flush waits for the batch in flight, then starts publishing what is
// pending. Publish returns once the broker acknowledged the batch; wait
// collects that.
func (s *publishSink) flush(ctx context.Context) error {
	if err := s.wait(); err != nil {
		return err
	}
	if s.npending == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := s.pending
	s.pending, s.npending = nil, 0
	s.inflight = make(chan error, 1)
	go func(done chan<- error) {
		for topic, msgs := range batch {
			if err := s.g.Publisher.Publish(topic, msgs...); err != nil {
				done <- fmt.Errorf("publish to %s: %w", topic, err)
				return
			}
			if s.g.Metrics != nil {
				s.g.Metrics.Published.WithLabelValues(topic).Add(float64(len(msgs)))
			}
		}
		done <- nil
	}(s.inflight)
	return nil
}

// wait returns the result of the batch in flight, if any.
func (s *publishSink) wait() error {
	if s.inflight == nil {
		return nil
	}
	err := <-s.inflight
	s.inflight = nil
	return err
}

// encodeRecord is json.Marshal with the fast path for orders, the bulk of
// what connectors publish (canonical.MarshalOrder writes the same bytes).
func encodeRecord(v any) ([]byte, error) {
	if o, ok := v.(*canonical.Order); ok {
		return canonical.MarshalOrder(o)
	}
	return json.Marshal(v)
}
