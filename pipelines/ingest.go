package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/store"
)

// Ledger is the file ledger the ingestor records every input in, and the
// lease that makes instances polling the same inbox take each input once.
type Ledger interface {
	LedgerClaim(ctx context.Context, e store.LedgerEntry, lease store.Lease) (store.LedgerEntry, bool, error)
	LedgerRenew(ctx context.Context, id int64, lease store.Lease) error
	LedgerRelease(ctx context.Context, id int64, owner string, settled bool) error
	LedgerFinish(ctx context.Context, id int64, status string, records, rejects int, receipt json.RawMessage) error
}

// DefaultLeaseTTL is how long an input stays leased to the instance taking
// it without renewal; the ingestor renews it every third of that while it
// works, so only a stopped instance loses it.
const DefaultLeaseTTL = 2 * time.Minute

// ErrLeasedElsewhere is returned by Take when another instance is taking
// the input: it is neither taken nor settled here.
var ErrLeasedElsewhere = errors.New("input is being taken by another instance")

// InstanceID names this process among instances sharing a store: host,
// process id and a random part, so a restarted process is a new owner.
var InstanceID = func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])
}()

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
	// Owner names this instance in leases; InstanceID by default.
	Owner string
	// LeaseTTL is how long an input stays leased without renewal; DefaultLeaseTTL by default.
	LeaseTTL time.Duration
	// OutageAlertAfter is how long every poll must fail before a
	// source_unreachable alert goes to procurehub.alerts.v1 (and a
	// source_recovered one when a poll works again); DefaultOutageAlertAfter
	// by default.
	OutageAlertAfter time.Duration
	// Now tells time for outage alerts; time.Now by default.
	Now func() time.Time
	// MappingVersion is the version of the partner's mapping the connector
	// reads with (store.MappingStore), recorded with every input it takes;
	// 0 when the connector has no mapping.
	MappingVersion int

	failing map[string]string // input name → error last logged for it, to log a repeating failure once

	kickOnce sync.Once
	kick     chan struct{} // a poll is wanted now; see Kick
}

// Kick makes Run poll now instead of at the next interval: the hosted SFTP
// inbox calls it when an upload is complete, so the file is taken without a
// polling delay. It never blocks; kicks while a poll is pending are one.
func (g *Ingestor) Kick() {
	select {
	case g.kicks() <- struct{}{}:
	default:
	}
}

func (g *Ingestor) kicks() chan struct{} {
	g.kickOnce.Do(func() { g.kick = make(chan struct{}, 1) })
	return g.kick
}

// DefaultOutageAlertAfter is Ingestor.OutageAlertAfter by default.
const DefaultOutageAlertAfter = 5 * time.Minute

// Run polls until ctx is cancelled. A failing input is logged and retried on
// the next poll (it is not settled, so the source offers it again). A
// source whose every poll fails for OutageAlertAfter raises one
// source_unreachable alert, and one source_recovered when it answers again.
func (g *Ingestor) Run(ctx context.Context) error {
	interval := g.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	var lastErr string // a failing poll is logged when it starts failing, not every interval
	var out outage
	for {
		inputs, err := g.Connector.Source.Poll(ctx)
		if g.Metrics != nil && ctx.Err() == nil {
			up := 1.0
			if err != nil {
				up = 0
				g.Metrics.PollFailures.WithLabelValues(g.Partner).Inc()
			}
			g.Metrics.SourceUp.WithLabelValues(g.Partner).Set(up)
		}
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != lastErr:
			lastErr = err.Error()
			g.logger().Error("poll failed; retrying every interval", "err", err)
		case err == nil && lastErr != "":
			lastErr = ""
			g.logger().Info("poll works again")
		}
		if ctx.Err() == nil {
			g.watchOutage(ctx, &out, err)
		}
		for _, in := range inputs {
			if ctx.Err() != nil {
				break
			}
			_, err := g.Take(ctx, in)
			g.noteFailure(in.Name, err, ctx.Err() != nil)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		case <-g.kicks():
		}
	}
}

// outage is the state of a source's failing polls.
type outage struct {
	since   time.Time // first failed poll of the streak; zero while polls work
	alerted bool      // source_unreachable sent for this streak
	lastErr string
}

// watchOutage follows poll results and raises the outage alerts.
func (g *Ingestor) watchOutage(ctx context.Context, o *outage, err error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	after := g.OutageAlertAfter
	if after <= 0 {
		after = DefaultOutageAlertAfter
	}
	switch {
	case err != nil && o.since.IsZero():
		o.since, o.lastErr = now, err.Error()
	case err != nil:
		o.lastErr = err.Error()
		if !o.alerted && now.Sub(o.since) >= after {
			o.alerted = g.publishAlert(ctx, AlertSourceUnreachable, SeverityCritical, o, now,
				fmt.Sprintf("every poll has failed for %s; the last error: %s", now.Sub(o.since).Round(time.Second), o.lastErr))
		}
	case !o.since.IsZero():
		if o.alerted {
			g.publishAlert(ctx, AlertSourceRecovered, SeverityWarning, o, now,
				fmt.Sprintf("polls work again after %s", now.Sub(o.since).Round(time.Second)))
		}
		*o = outage{}
	}
}

// publishAlert sends an outage alert; it reports whether it went out (a
// broker that is down too gets the alert at the next poll).
func (g *Ingestor) publishAlert(ctx context.Context, kind, severity string, o *outage, at time.Time, msg string) bool {
	a := Alert{
		// One alert of each kind per outage, however often it is sent.
		ID:         uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/%s/%s", kind, g.Partner, o.since.UTC().Format(time.RFC3339Nano))).String(),
		Kind:       kind,
		Action:     outageAction(kind),
		Severity:   severity,
		Partner:    g.Partner,
		Subject:    fmt.Sprintf("%s source of %s", g.Kind, g.Partner),
		Message:    msg,
		OccurredAt: at.UTC(),
		Data:       map[string]string{"since": o.since.UTC().Format(time.RFC3339), "last_error": o.lastErr},
	}
	m, err := a.ToMessage()
	if err == nil {
		err = g.Publisher.Publish(TopicAlerts, m)
	}
	if err != nil {
		if ctx.Err() == nil {
			g.logger().Warn("outage alert not published; trying again next poll", "kind", kind, "err", err)
		}
		return false
	}
	g.logger().Warn("alert raised", "kind", kind, "message", msg)
	return true
}

// outageAction is the suggested action of an outage alert.
func outageAction(kind string) string {
	if kind == AlertSourceUnreachable {
		return "Check the partner's server or API, its address and credentials; inputs wait there and are taken once it answers."
	}
	return ""
}

// noteFailure logs an input that failed, once per distinct error, and
// that it works again.
func (g *Ingestor) noteFailure(name string, err error, stopping bool) {
	if g.failing == nil {
		g.failing = map[string]string{}
	}
	failed := err != nil && !stopping && !errors.Is(err, ErrLeasedElsewhere)
	if failed && g.Metrics != nil {
		g.Metrics.InputFailures.WithLabelValues(g.Partner).Inc()
	}
	switch {
	case stopping:
	case errors.Is(err, ErrLeasedElsewhere):
		g.logger().Debug("input skipped: another instance is taking it", "file", name)
	case err != nil && g.failing[name] != err.Error():
		g.failing[name] = err.Error()
		g.logger().Error("input not taken; retrying every poll", "file", name, "err", err)
	case err == nil && g.failing[name] != "":
		delete(g.failing, name)
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
//
// The order of the steps is what makes a crash at any point lose and
// duplicate nothing: the input is claimed in the ledger and leased to this
// instance; its records are published and acknowledged by the broker; the
// outcome is written to the ledger; only then is the input settled (moved
// out of the inbox, receipt written) and the ledger told so. An instance
// that stops before the outcome is in the ledger leaves the input
// "processing": once its lease runs out, the input is taken again, and the
// records published the first time are overwritten by the same ones (sinks
// are idempotent, message ids deterministic). One that stops after it
// leaves the outcome: the next poll settles the input with it, publishing
// nothing. The same content under another name is a duplicate.
func (g *Ingestor) Take(ctx context.Context, in connectors.Input) (connectors.Outcome, error) {
	log := g.logger().With("file", in.Name)
	lease := g.lease()
	entry, isNew, err := g.Ledger.LedgerClaim(ctx, store.LedgerEntry{
		Partner: g.Partner, Connector: g.Kind, Source: in.Origin, Name: in.Name,
		SHA256: in.SHA256, Size: in.Size, MappingVersion: g.MappingVersion,
	}, lease)
	if errors.Is(err, store.ErrLeased) {
		return connectors.Outcome{}, fmt.Errorf("%s: %w", in.Name, ErrLeasedElsewhere)
	}
	if err != nil {
		return connectors.Outcome{}, fmt.Errorf("ledger claim %s: %w", in.Name, err)
	}
	settled := false
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := g.Ledger.LedgerRelease(rctx, entry.ID, lease.Owner, settled); err != nil {
			// The lease runs out by itself; settled_at is informational.
			log.Warn("ledger lease not released", "err", err)
		}
	}()

	switch {
	case !isNew && entry.Status != store.LedgerProcessing && entry.SettledAt.IsZero() && entry.Name == in.Name:
		// Taken before, but not settled (a crash, or the archive refused
		// the move): settle it with the outcome recorded, publish nothing.
		var o connectors.Outcome
		if err := json.Unmarshal(entry.Receipt, &o); err != nil || o.Status == "" {
			o = connectors.Outcome{Status: connectors.Status(entry.Status), Accepted: entry.Records, Rejected: entry.Rejects}
		}
		if err := g.settle(ctx, in, o); err != nil {
			return o, err
		}
		settled = true
		log.Info("input settled with the outcome recorded before", "status", o.Status)
		return o, nil
	case !isNew && entry.Status != store.LedgerProcessing:
		// Same content taken before: settle it without publishing anything.
		o := connectors.Outcome{Status: connectors.StatusDuplicate}
		if err := g.settle(ctx, in, o); err != nil {
			return o, err
		}
		log.Info("duplicate input archived", "first_taken", entry.CreatedAt.Format(time.RFC3339), "first_name", entry.Name)
		g.countInput(o)
		return o, nil
	}

	// New, or a previous attempt stopped half-way: take it (again).
	o, err := g.withLease(ctx, entry.ID, lease, func(ctx context.Context) (connectors.Outcome, error) {
		return g.decodeAndPublish(ctx, in)
	})
	if err != nil {
		return o, err
	}
	receipt, err := json.Marshal(o)
	if err != nil {
		return o, fmt.Errorf("encode receipt: %w", err)
	}
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.Ledger.LedgerFinish(finishCtx, entry.ID, string(o.Status), o.Accepted, o.Rejected, receipt); err != nil {
		// Not settled: the input is taken again, idempotently.
		return o, fmt.Errorf("ledger finish %s: %w", in.Name, err)
	}
	g.countInput(o)
	if err := g.settle(ctx, in, o); err != nil {
		return o, err
	}
	settled = true
	log.Info("input taken", "status", o.Status, "accepted", o.Accepted, "rejected", o.Rejected)
	return o, nil
}

// lease is the lease this ingestor takes inputs with.
func (g *Ingestor) lease() store.Lease {
	l := store.Lease{Owner: g.Owner, TTL: g.LeaseTTL}
	if l.Owner == "" {
		l.Owner = InstanceID
	}
	if l.TTL <= 0 {
		l.TTL = DefaultLeaseTTL
	}
	return l
}

// withLease runs work while renewing the lease of entry id every third of
// its TTL. If the lease is lost (the store says another instance holds it),
// work's context is cancelled so that two instances never publish one
// input at the same time for long.
func (g *Ingestor) withLease(ctx context.Context, id int64, lease store.Lease, work func(context.Context) (connectors.Outcome, error)) (connectors.Outcome, error) {
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(lease.TTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := g.Ledger.LedgerRenew(wctx, id, lease)
				if errors.Is(err, store.ErrLeased) {
					cancel(fmt.Errorf("lease lost: %w", err))
					return
				}
				if err != nil && wctx.Err() == nil {
					g.logger().Warn("lease renewal failed; retrying", "err", err)
				}
			}
		}
	})
	o, err := work(wctx)
	close(done)
	wg.Wait()
	if cause := context.Cause(wctx); err != nil && cause != nil && ctx.Err() == nil {
		err = cause
	}
	return o, err
}

func (g *Ingestor) countInput(o connectors.Outcome) {
	if g.Metrics != nil {
		g.Metrics.InputsTaken.WithLabelValues(g.Partner, string(o.Status)).Inc()
	}
}

// settle hands the outcome to the source; it must finish even when the run is
// being cancelled. A failure is counted by reason (the operator's alert:
// a file that stays in the inbox is not taken again, but it is not archived
// either) and the next poll tries again.
func (g *Ingestor) settle(ctx context.Context, in connectors.Input, o connectors.Outcome) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := g.Connector.Source.Settle(sctx, in, o); err != nil {
		if g.Metrics != nil {
			g.Metrics.SettleFailures.WithLabelValues(g.Partner, settleFailureReason(err)).Inc()
		}
		return fmt.Errorf("settle %s: %w", in.Name, err)
	}
	return nil
}

// settleFailureReason classifies a settle error for the metric.
func settleFailureReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission_denied"
	case errors.Is(err, fs.ErrNotExist):
		return "not_found"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
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
	finishOutcome(&o, fe)
	return o, nil
}

// finishOutcome sets the status of a decoded input: rejected as a whole
// with fe, partial with rejected rows, done otherwise.
func finishOutcome(o *connectors.Outcome, fe *connectors.FileError) {
	switch {
	case fe != nil:
		o.Status, o.FileError = connectors.StatusRejected, fe
	case o.Rejected > 0:
		o.Status = connectors.StatusPartial
	default:
		o.Status = connectors.StatusDone
	}
}

// addRowError notes a decoder's row error in o: a warning apart, a
// rejected row counted; at most maxReceiptErrors of each are kept (the
// counts stay exact). It reports whether the row was rejected.
func addRowError(o *connectors.Outcome, e connectors.RowError) bool {
	if e.Warning {
		if len(o.Warnings) < maxReceiptErrors {
			o.Warnings = append(o.Warnings, e)
		}
		return false
	}
	o.Rejected++
	if len(o.RowErrors) < maxReceiptErrors {
		o.RowErrors = append(o.RowErrors, e)
	}
	return true
}

// publishSink publishes records in batches and collects row errors for the
// receipt. One batch is published in the background while the decoder fills
// the next (the broker's acknowledgement takes a round trip), and a batch is
// only sent once the one before it is acknowledged, so records keep their
// order.
var _ connectors.Replier = (*publishSink)(nil)

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
	if err := s.add(r, ""); err != nil {
		return err
	}
	// A statement also goes out entry by entry, keyed by account, for
	// reconciliation to read one payment at a time.
	if st, ok := r.Value.(*canonical.BankStatement); ok {
		for i, e := range st.Split() {
			rec := connectors.Record{Type: canonical.TypeBankTransaction, Key: st.Account.AccountKey(), Value: &e}
			if err := s.add(rec, fmt.Sprintf("/%s/%d", st.StatementID, i+1)); err != nil {
				return err
			}
		}
	}
	s.outcome.Accepted++
	if s.g.Metrics != nil {
		s.g.Metrics.Records.WithLabelValues(s.g.Partner, r.Type).Inc()
	}
	if s.npending >= s.batchSize {
		return s.flush(ctx)
	}
	return nil
}

// add queues the message of one record; part tells apart the messages of
// one record (the entries of a statement).
func (s *publishSink) add(r connectors.Record, part string) error {
	topic, ok := TopicFor(r.Type)
	if !ok {
		return fmt.Errorf("no topic for record type %q", r.Type)
	}
	// A deterministic message id: the same record of the same input gets the
	// same ce_id when it is published again after a crash.
	id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/%s/%d/%s%s", s.g.Partner, s.in.SHA256, s.outcome.Accepted, r.Key, part))
	msg, err := recordMessage(id.String(), r, s.g.Kind, s.g.Partner, s.in)
	if err != nil {
		return err
	}
	if s.pending == nil {
		s.pending = map[string][]*message.Message{}
	}
	s.pending[topic] = append(s.pending[topic], msg)
	s.npending++
	return nil
}

func (s *publishSink) RowError(_ context.Context, e connectors.RowError) error {
	if addRowError(&s.outcome, e) && s.g.Metrics != nil {
		s.g.Metrics.Rejects.WithLabelValues(s.g.Partner).Inc()
	}
	return nil
}

// Reply keeps a reply to the sender with the outcome: the source writes it
// to the outbox when it settles the input.
func (s *publishSink) Reply(_ context.Context, r connectors.Reply) error {
	s.outcome.Replies = append(s.outcome.Replies, r)
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
// recordMessage is the message of one canonical record of an input: its
// payload, partition key, CloudEvents type and source, and lineage metadata.
func recordMessage(id string, r connectors.Record, kind, partner string, in connectors.Input) (*message.Message, error) {
	payload, err := encodeRecord(r.Value)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", r.Type, r.Key, err)
	}
	msg := message.NewMessage(id, payload)
	msg.Metadata.Set(MetaPartitionKey, r.Key)
	msg.Metadata.Set(MetaCEType, CloudEventType(r.Type))
	msg.Metadata.Set(MetaCESource, "procurehub/"+kind+"/"+partner)
	msg.Metadata.Set(MetaPartner, partner)
	msg.Metadata.Set(MetaFile, in.Name)
	msg.Metadata.Set(MetaFileSHA256, in.SHA256)
	return msg, nil
}

func encodeRecord(v any) ([]byte, error) {
	if o, ok := v.(*canonical.Order); ok {
		return canonical.MarshalOrder(o)
	}
	return json.Marshal(v)
}

// PublishOrders publishes orders the hub itself made (from demand, say) to
// procurehub.orders.v1 as partner, like a connector's: the store sink
// stores and validates them. Message ids derive from the order numbers, so
// publishing again changes nothing.
func PublishOrders(pub message.Publisher, partner string, orders []canonical.Order) error {
	msgs := make([]*message.Message, 0, len(orders))
	for i := range orders {
		o := &orders[i]
		id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s/order/%s/%s", partner, o.Buyer.ID, o.OrderNumber))
		m, err := recordMessage(id.String(), connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o},
			"demand", partner, connectors.Input{Name: "demand"})
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := pub.Publish(TopicOrders, msgs...); err != nil {
		return fmt.Errorf("publish orders: %w", err)
	}
	return nil
}
