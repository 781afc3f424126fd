package pipelines

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// --- fakes -------------------------------------------------------------------

// newLedger is a real file ledger: the embedded store in a temporary directory.
func newLedger(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func ledgerEntry(t *testing.T, l *sqlite.Store, sha string) store.LedgerEntry {
	t.Helper()
	e, err := l.LedgerGet(context.Background(), "acme", sha)
	if err != nil {
		t.Fatal(err)
	}
	return *e
}

// fakeSource hands out nothing by itself; tests call Take directly and read what was settled.
type fakeSource struct {
	mu        sync.Mutex
	settled   map[string]connectors.Outcome
	settleErr error // returned by Settle while set, like an archive that refuses the move
}

func (s *fakeSource) Poll(context.Context) ([]connectors.Input, error) { return nil, nil }
func (s *fakeSource) Settle(_ context.Context, in connectors.Input, o connectors.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settleErr != nil {
		return s.settleErr
	}
	if s.settled == nil {
		s.settled = map[string]connectors.Outcome{}
	}
	s.settled[in.Name] = o
	return nil
}
func (s *fakeSource) Close() error { return nil }

// scriptDecoder emits one order per line of its input: "ok ORDER", "bad", or "fatal".
type scriptDecoder struct{}

func (scriptDecoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	b, _ := io.ReadAll(r)
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		f := bytes.Fields(line)
		switch string(f[0]) {
		case "ok":
			o := testOrder(string(f[1]))
			if err := out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}); err != nil {
				return err
			}
		case "bad":
			out.RowError(ctx, connectors.RowError{File: in.Name, Line: i + 1, Field: "unit_price", Code: "not_decimal", Message: `"12,5O" is not a decimal`})
		case "fatal":
			return &connectors.FileError{File: in.Name, Line: 1, Code: "missing_column", Message: "required column order_number is missing"}
		}
	}
	return nil
}

func testOrder(number string) *canonical.Order {
	return &canonical.Order{
		OrderNumber: number, Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SUP1"},
		Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "A-1", Quantity: canonical.MustDecimal("2"), Unit: "EA",
			UnitPrice: canonical.MustDecimal("12.50")}},
	}
}

func input(name, content string) connectors.Input {
	return connectors.Input{Partner: "acme", Connector: "test", Name: name, SHA256: "sha-" + content, Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewBufferString(content)), nil }}
}

// failingPublisher refuses every publish, like a broker that is down.
type failingPublisher struct{}

func (failingPublisher) Publish(string, ...*message.Message) error {
	return errors.New("broker unreachable")
}
func (failingPublisher) Close() error { return nil }

func newPubSub(t *testing.T) *gochannel.GoChannel {
	t.Helper()
	ps := gochannel.NewGoChannel(gochannel.Config{Persistent: true}, watermill.NopLogger{})
	t.Cleanup(func() { ps.Close() })
	return ps
}

func drain(t *testing.T, ch <-chan *message.Message, n int) []*message.Message {
	t.Helper()
	var out []*message.Message
	for len(out) < n {
		select {
		case m := <-ch:
			m.Ack()
			out = append(out, m)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d messages, want %d", len(out), n)
		}
	}
	return out
}

// --- ingest --------------------------------------------------------------------

func TestIngestor(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, pub message.Publisher) (*Ingestor, *sqlite.Store, *fakeSource) {
		l, s := newLedger(t), &fakeSource{}
		return &Ingestor{Partner: "acme", Kind: "test", Publisher: pub, Ledger: l,
			Connector: &connectors.Connector{Source: s, Decoder: scriptDecoder{}},
			Metrics:   NewMetrics(prometheus.NewRegistry()), BatchSize: 1}, l, s // a publish per record: batches overlap decoding
	}

	t.Run("good rows are published keyed by order number while the bad row goes to the receipt", func(t *testing.T) {
		ps := newPubSub(t)
		g, ledger, src := setup(t, ps)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		in := input("orders.csv", "ok PO-1\nbad\nok PO-2\n")
		o, err := g.Take(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != connectors.StatusPartial || o.Accepted != 2 || o.Rejected != 1 {
			t.Fatalf("outcome = %+v, want partial with 2 accepted and 1 rejected", o)
		}
		if len(o.RowErrors) != 1 || o.RowErrors[0].Line != 2 {
			t.Fatalf("row errors = %+v, want line 2", o.RowErrors)
		}
		keys := map[string]bool{}
		for _, m := range drain(t, msgs, 2) {
			keys[m.Metadata.Get(MetaPartitionKey)] = true
			if ct := m.Metadata.Get(MetaCEType); ct != "procurehub.order.v1" {
				t.Errorf("message %s ce_type = %q", m.UUID, ct)
			}
		}
		if !keys["PO-1"] || !keys["PO-2"] {
			t.Errorf("message keys = %v, want PO-1 and PO-2", keys)
		}
		if src.settled["orders.csv"].Status != connectors.StatusPartial {
			t.Errorf("settled as %q, want partial (quarantine)", src.settled["orders.csv"].Status)
		}
		e := ledgerEntry(t, ledger, in.SHA256)
		if e.Status != "partial" || e.Records != 2 || e.Rejects != 1 || !bytes.Contains(e.Receipt, []byte(`12,5O`)) {
			t.Errorf("ledger entry = %+v, want partial 2/1 with the row error in its receipt", e)
		}
	})

	t.Run("the same content sent again is archived as a duplicate and nothing is published", func(t *testing.T) {
		ps := newPubSub(t)
		g, _, src := setup(t, ps)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		if _, err := g.Take(ctx, input("a.csv", "ok PO-1\n")); err != nil {
			t.Fatal(err)
		}
		drain(t, msgs, 1)
		o, err := g.Take(ctx, input("a-again.csv", "ok PO-1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != connectors.StatusDuplicate || src.settled["a-again.csv"].Status != connectors.StatusDuplicate {
			t.Fatalf("outcome %q, settled %q; want duplicate", o.Status, src.settled["a-again.csv"].Status)
		}
		select {
		case m := <-msgs:
			t.Fatalf("duplicate published %s", m.Payload)
		case <-time.After(100 * time.Millisecond):
		}
	})

	t.Run("a file-level problem rejects the input with its position", func(t *testing.T) {
		g, _, src := setup(t, newPubSub(t))
		o, err := g.Take(ctx, input("noheader.csv", "fatal\n"))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != connectors.StatusRejected || o.FileError == nil || o.FileError.Line != 1 {
			t.Fatalf("outcome = %+v, want rejected with a positioned file error", o)
		}
		if src.settled["noheader.csv"].Status != connectors.StatusRejected {
			t.Error("input not quarantined")
		}
	})

	t.Run("when the broker refuses, the input is neither settled nor closed in the ledger", func(t *testing.T) {
		g, ledger, src := setup(t, failingPublisher{})
		in := input("later.csv", "ok PO-9\n")
		if _, err := g.Take(ctx, in); err == nil {
			t.Fatal("Take succeeded with a broker that refuses every message")
		}
		if _, ok := src.settled["later.csv"]; ok {
			t.Error("input was settled although nothing reached the broker")
		}
		if e := ledgerEntry(t, ledger, in.SHA256); e.Status != store.LedgerProcessing {
			t.Errorf("ledger status = %q, want processing so the next poll takes it again", e.Status)
		}
		// The broker is back: the next poll takes the same input for real.
		ps := newPubSub(t)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		g.Publisher = ps
		if o, err := g.Take(ctx, in); err != nil || o.Status != connectors.StatusDone {
			t.Fatalf("retry: outcome %+v, err %v; want done", o, err)
		}
		drain(t, msgs, 1)
	})

	t.Run("an archive that refuses the move leaves the input unsettled; it is settled later without being ingested again", func(t *testing.T) {
		ps := newPubSub(t)
		g, ledger, src := setup(t, ps)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		src.settleErr = fmt.Errorf("rename orders.csv: %w", fs.ErrPermission)
		in := input("orders.csv", "ok PO-1\nbad\n")
		if _, err := g.Take(ctx, in); !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("Take with an archive that refuses: err = %v, want permission denied", err)
		}
		drain(t, msgs, 1)
		e := ledgerEntry(t, ledger, in.SHA256)
		if e.Status != "partial" || !e.SettledAt.IsZero() || e.LeaseOwner != "" {
			t.Errorf("ledger entry: status %q settled %s lease %q; want partial, not settled, lease released", e.Status, e.SettledAt, e.LeaseOwner)
		}
		if n := testutil.ToFloat64(g.Metrics.SettleFailures.WithLabelValues("acme", "permission_denied")); n != 1 {
			t.Errorf("procurehub_settle_failures_total{reason=permission_denied} = %v, want 1", n)
		}
		// Next poll, archive still refusing: the input is not ingested again.
		if _, err := g.Take(ctx, in); err == nil {
			t.Fatal("second Take settled although the archive still refuses")
		}
		src.settleErr = nil
		o, err := g.Take(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != connectors.StatusPartial || o.Accepted != 1 || o.Rejected != 1 || len(o.RowErrors) != 1 {
			t.Errorf("settled with %+v; want the outcome recorded the first time (partial, 1 accepted, 1 row error)", o)
		}
		if got := src.settled["orders.csv"]; got.Status != connectors.StatusPartial {
			t.Errorf("source settled %q, want partial", got.Status)
		}
		select {
		case m := <-msgs:
			t.Fatalf("the input was published again: %s", m.Payload)
		case <-time.After(100 * time.Millisecond):
		}
		if e := ledgerEntry(t, ledger, in.SHA256); e.SettledAt.IsZero() {
			t.Error("ledger entry not marked settled")
		}
	})

	t.Run("an input another instance is taking is left alone", func(t *testing.T) {
		ps := newPubSub(t)
		g, ledger, src := setup(t, ps)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		in := input("orders.csv", "ok PO-1\n")
		if _, _, err := ledger.LedgerClaim(ctx, store.LedgerEntry{Partner: "acme", Name: in.Name, SHA256: in.SHA256},
			store.Lease{Owner: "other-instance", TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Take(ctx, in); !errors.Is(err, ErrLeasedElsewhere) {
			t.Fatalf("Take: err = %v, want ErrLeasedElsewhere", err)
		}
		if _, ok := src.settled["orders.csv"]; ok {
			t.Error("settled an input another instance holds")
		}
		select {
		case m := <-msgs:
			t.Fatalf("published an input another instance holds: %s", m.Payload)
		case <-time.After(50 * time.Millisecond):
		}
	})

	t.Run("an input left half-taken by a stopped instance is taken again once its lease runs out", func(t *testing.T) {
		ps := newPubSub(t)
		g, ledger, _ := setup(t, ps)
		msgs, _ := ps.Subscribe(ctx, TopicOrders)
		in := input("orders.csv", "ok PO-1\n")
		if _, _, err := ledger.LedgerClaim(ctx, store.LedgerEntry{Partner: "acme", Name: in.Name, SHA256: in.SHA256},
			store.Lease{Owner: "stopped-instance", TTL: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		o, err := g.Take(ctx, in)
		if err != nil || o.Status != connectors.StatusDone {
			t.Fatalf("Take: %+v, %v; want done", o, err)
		}
		drain(t, msgs, 1)
	})
}

// --- store sink and router -------------------------------------------------------

// fakeWriter stores orders by number and can be told to fail.
type fakeWriter struct {
	mu       sync.Mutex
	orders   map[string]*canonical.Order
	failNext int // transient failures before succeeding
	calls    int
}

func (w *fakeWriter) UpsertOrders(_ context.Context, orders []*canonical.Order) ([]store.Change, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.failNext > 0 {
		w.failNext--
		return nil, errors.New("connection reset")
	}
	if w.orders == nil {
		w.orders = map[string]*canonical.Order{}
	}
	changes := make([]store.Change, len(orders))
	for i, o := range orders {
		if o.OrderNumber == "PO-REFUSED" {
			return nil, &store.InvalidOrderError{Index: i, OrderNumber: o.OrderNumber, Reason: "refused"}
		}
		w.orders[o.OrderNumber] = o
		changes[i] = store.ChangeInserted
	}
	return changes, nil
}

func (w *fakeWriter) has(number string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.orders[number]
	return ok
}

func orderMessage(t *testing.T, payload []byte, key string) *message.Message {
	t.Helper()
	m := message.NewMessage(watermill.NewUUID(), payload)
	m.Metadata.Set(MetaPartitionKey, key)
	return m
}

func orderJSON(t *testing.T, number string) []byte {
	t.Helper()
	b, err := json.Marshal(testOrder(number))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func startRouter(t *testing.T, ps *gochannel.GoChannel, w *fakeWriter) *Metrics {
	t.Helper()
	m := NewMetrics(prometheus.NewRegistry())
	sink := NewStoreSink(w, StoreSinkConfig{}, m, nil)
	r, err := NewRouter(RouterConfig{Retries: 2, RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond}, ps, ps, Sinks{Orders: sink}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sink.Run(ctx); close(done) }()
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close(); <-done })
	return m
}

func TestStoreSinkRouter(t *testing.T) {
	t.Run("orders from the topic end up in the store", func(t *testing.T) {
		ps, w := newPubSub(t), &fakeWriter{}
		startRouter(t, ps, w)
		for _, n := range []string{"PO-1", "PO-2", "PO-3"} {
			if err := ps.Publish(TopicOrders, orderMessage(t, orderJSON(t, n), n)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, func() bool { return w.has("PO-1") && w.has("PO-2") && w.has("PO-3") })
	})

	t.Run("a payload that is not an order goes to the poison topic with its reason and the next order still arrives", func(t *testing.T) {
		ps, w := newPubSub(t), &fakeWriter{}
		poison, _ := ps.Subscribe(context.Background(), TopicPoison)
		m := startRouter(t, ps, w)
		bad := orderMessage(t, []byte(`{"order_number": 42`), "PO-X")
		bad.Metadata.Set(kafka.PartitionMetadata, "3")
		bad.Metadata.Set(kafka.OffsetMetadata, "1041")
		ps.Publish(TopicOrders, bad)
		ps.Publish(TopicOrders, orderMessage(t, orderJSON(t, "PO-after"), "PO-after"))
		got := drain(t, poison, 1)[0]
		if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !bytes.Contains([]byte(reason), []byte("decode order")) {
			t.Errorf("poison reason = %q, want the decode error", reason)
		}
		if topic := got.Metadata.Get(middleware.PoisonedTopicKey); topic != TopicOrders {
			t.Errorf("poison origin topic = %q, want %s", topic, TopicOrders)
		}
		if p, o := got.Metadata.Get(MetaPoisonedPartition), got.Metadata.Get(MetaPoisonedOffset); p != "3" || o != "1041" {
			t.Errorf("poison origin = partition %q offset %q, want 3 and 1041", p, o)
		}
		waitFor(t, func() bool { return w.has("PO-after") })
		if n := testutil.ToFloat64(m.Poisoned.WithLabelValues(HandlerStoreOrders)); n != 1 {
			t.Errorf("poison metric = %v, want 1", n)
		}
	})

	t.Run("an order failing validation is poisoned without retries", func(t *testing.T) {
		ps, w := newPubSub(t), &fakeWriter{}
		poison, _ := ps.Subscribe(context.Background(), TopicPoison)
		startRouter(t, ps, w)
		bad := testOrder("PO-NEG")
		bad.Lines[0].Quantity = canonical.MustDecimal("-1")
		b, _ := json.Marshal(bad)
		ps.Publish(TopicOrders, orderMessage(t, b, "PO-NEG"))
		got := drain(t, poison, 1)[0]
		if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !bytes.Contains([]byte(reason), []byte("lines[0].quantity")) {
			t.Errorf("poison reason = %q, want the field path", reason)
		}
		if w.calls != 0 {
			t.Errorf("store called %d times for an invalid order", w.calls)
		}
	})

	t.Run("a transient store failure is retried and the order is stored", func(t *testing.T) {
		ps, w := newPubSub(t), &fakeWriter{failNext: 2}
		startRouter(t, ps, w)
		ps.Publish(TopicOrders, orderMessage(t, orderJSON(t, "PO-R"), "PO-R"))
		waitFor(t, func() bool { return w.has("PO-R") })
	})

	t.Run("an order the store refuses as invalid is poisoned", func(t *testing.T) {
		ps, w := newPubSub(t), &fakeWriter{}
		poison, _ := ps.Subscribe(context.Background(), TopicPoison)
		startRouter(t, ps, w)
		ps.Publish(TopicOrders, orderMessage(t, orderJSON(t, "PO-REFUSED"), "PO-REFUSED"))
		got := drain(t, poison, 1)[0]
		if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !bytes.Contains([]byte(reason), []byte("refused")) {
			t.Errorf("poison reason = %q", reason)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// statementDecoder emits one bank statement with two entries.
type statementDecoder struct{}

func (statementDecoder) Decode(ctx context.Context, in connectors.Input, _ io.Reader, out connectors.Sink) error {
	open, closing := canonical.MustDecimal("1000.00"), canonical.MustDecimal("1247.50")
	s := &canonical.BankStatement{
		StatementID: "STMT-0402", Account: canonical.BankAccount{IBAN: "DE89370400440532013000", Currency: "EUR"},
		OpeningBalance: &open, ClosingBalance: &closing,
		Entries: []canonical.BankTransaction{
			{Amount: canonical.MustDecimal("297.50"), Currency: "EUR", RemittanceInfo: "INV-9001"},
			{Amount: canonical.MustDecimal("-50.00"), Currency: "EUR", RemittanceInfo: "Account fee"},
		},
	}
	s.SetBalanceCheck()
	return out.Record(ctx, connectors.Record{Type: canonical.TypeBankStatement, Key: s.Account.AccountKey(), Value: s})
}

func TestABankStatementIsPublishedWholeAndEntryByEntry(t *testing.T) {
	ctx := context.Background()
	ps := newPubSub(t)
	statements, _ := ps.Subscribe(ctx, TopicBankStatements)
	entries, _ := ps.Subscribe(ctx, TopicBankTransactions)
	g := &Ingestor{Partner: "commerzbank", Kind: "bank_statement", Publisher: ps, Ledger: newLedger(t),
		Connector: &connectors.Connector{Source: &fakeSource{}, Decoder: statementDecoder{}},
		Metrics:   NewMetrics(prometheus.NewRegistry())}
	o, err := g.Take(ctx, input("camt053.xml", "statement"))
	if err != nil || o.Status != connectors.StatusDone || o.Accepted != 1 {
		t.Fatalf("Take = %+v, %v; want done with the one statement accepted", o, err)
	}
	st := drain(t, statements, 1)[0]
	if st.Metadata.Get(MetaCEType) != "procurehub.bank_statement.v1" || st.Metadata.Get(MetaPartitionKey) != "DE89370400440532013000" {
		t.Errorf("statement message: ce_type %q key %q", st.Metadata.Get(MetaCEType), st.Metadata.Get(MetaPartitionKey))
	}
	ids := map[string]bool{st.UUID: true}
	indexes := map[int]bool{}
	for i, m := range drain(t, entries, 2) { // the in-memory broker may hand them over in any order
		var e canonical.StatementEntry
		if err := json.Unmarshal(m.Payload, &e); err != nil {
			t.Fatal(err)
		}
		indexes[e.EntryIndex] = true
		if e.EntryCount != 2 || e.StatementID != "STMT-0402" || e.BalanceCheck != canonical.BalanceOK ||
			m.Metadata.Get(MetaPartitionKey) != "DE89370400440532013000" || m.Metadata.Get(MetaCEType) != "procurehub.bank_transaction.v1" {
			t.Errorf("entry message %d: %+v, key %q", i, e, m.Metadata.Get(MetaPartitionKey))
		}
		if err := e.Validate(); err != nil {
			t.Errorf("entry message %d: %v", i, err)
		}
		ids[m.UUID] = true
	}
	if len(ids) != 3 {
		t.Errorf("%d distinct message ids for 3 messages", len(ids))
	}
	if !indexes[1] || !indexes[2] {
		t.Errorf("entry indexes %v; want 1 and 2", indexes)
	}
}

func TestStatementSinkStoresOnceAndAlertsOnAMismatchOnce(t *testing.T) {
	st := newLedger(t) // the embedded store: ledger and statements alike
	sink := &StatementSink{W: st, Metrics: NewMetrics(prometheus.NewRegistry()), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC) }}
	open, closing := canonical.MustDecimal("1000.00"), canonical.MustDecimal("1250.00")
	s := canonical.BankStatement{
		StatementID: "STMT-0402", Account: canonical.BankAccount{IBAN: "DE89370400440532013000", Currency: "EUR"},
		OpeningBalance: &open, ClosingBalance: &closing,
		Entries: []canonical.BankTransaction{{Amount: canonical.MustDecimal("247.50"), Currency: "EUR"}},
	}
	s.SetBalanceCheck()
	payload, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage("m1", payload)
	msg.Metadata.Set(MetaPartner, "commerzbank")

	out, err := sink.Handle(msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("%d alerts for a statement off by 2.50; want 1", len(out))
	}
	var a Alert
	if err := json.Unmarshal(out[0].Payload, &a); err != nil {
		t.Fatal(err)
	}
	if a.Kind != AlertBalanceMismatch || a.Data["difference"] != "2.50" || a.Partner != "commerzbank" ||
		strings.Contains(string(out[0].Payload), "0532013000") {
		t.Errorf("alert = %s; want balance_mismatch by 2.50 for commerzbank, the IBAN masked", out[0].Payload)
	}
	stored, err := st.GetStatement(context.Background(), "DE89370400440532013000", "STMT-0402", "")
	if err != nil || stored.Statement.BalanceCheck != canonical.BalanceMismatch || stored.Partner != "commerzbank" {
		t.Fatalf("stored: %+v, %v; want the mismatch statement of commerzbank", stored, err)
	}
	// Redelivered: stored already, no second alert.
	if out, err := sink.Handle(msg); err != nil || len(out) != 0 {
		t.Errorf("redelivery: %d alerts, %v; want none", len(out), err)
	}
	if n := testutil.ToFloat64(sink.Metrics.StatementWrites.WithLabelValues("unchanged")); n != 1 {
		t.Errorf("procurehub_store_statements_total{change=unchanged} = %v, want 1", n)
	}
	// A statement the store refuses is permanent: it goes to the poison topic, not round the retries.
	bad := message.NewMessage("m2", []byte(`{"statement_id":"","account":{},"entries":[]}`))
	if _, err := sink.Handle(bad); !IsPermanent(err) {
		t.Errorf("an invalid statement: err = %v; want a permanent error", err)
	}
}

// fxStore records what the refresher stores.
type fxStore struct {
	mu    sync.Mutex
	calls int
	rates []fxrates.Rate
}

func (s *fxStore) UpsertFXRates(_ context.Context, _ string, rates []fxrates.Rate) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.rates = rates
	return len(rates), 0, nil
}

func TestFXRefresherLoadsAWholeFileOrNothing(t *testing.T) {
	daily, err := os.ReadFile("../connectors/fxrates/testdata/eurofxref_daily_2026-03-02.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken.xml" {
			w.Write(daily[:len(daily)/2]) // cut off mid-file
			return
		}
		w.Write(daily)
	}))
	defer srv.Close()
	for _, source := range []string{srv.URL + "/eurofxref-daily.xml", "../connectors/fxrates/testdata/eurofxref_daily_2026-03-02.xml"} {
		st := &fxStore{}
		r := &FXRefresher{Source: source, Store: st}
		ins, _, err := r.Refresh(context.Background())
		if err != nil || ins == 0 || ins != len(st.rates) {
			t.Fatalf("%s: inserted %d of %d, %v", source, ins, len(st.rates), err)
		}
		var usd string
		for _, rt := range st.rates {
			if rt.Currency == "USD" {
				usd = rt.Date.String() + " " + rt.PerEUR.String()
			}
		}
		if !strings.HasPrefix(usd, "2026-03-02 ") {
			t.Errorf("%s: USD rate %q; want the rate of 2026-03-02", source, usd)
		}
	}
	st := &fxStore{}
	if _, _, err := (&FXRefresher{Source: srv.URL + "/broken.xml", Store: st}).Refresh(context.Background()); err == nil || st.calls != 0 {
		t.Errorf("a file cut off mid-way: err %v, %d store calls; want an error and nothing stored", err, st.calls)
	}
	if _, _, err := (&FXRefresher{Source: "no-such-file.xml", Store: st}).Refresh(context.Background()); err == nil || st.calls != 0 {
		t.Errorf("a missing file: err %v; want an error and nothing stored", err)
	}
}

// warningDecoder takes its one record and warns about the envelope.
type warningDecoder struct{}

func (warningDecoder) Decode(ctx context.Context, in connectors.Input, _ io.Reader, out connectors.Sink) error {
	o := testOrder("PO-EDI-1")
	if err := out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}); err != nil {
		return err
	}
	return out.RowError(ctx, connectors.RowError{File: in.Name, Line: 12, Field: "IEA01", Code: "envelope_count",
		Message: "IEA01 says 2 groups, the interchange has 1", Warning: true})
}

func TestAWarningIsReportedButRejectsNothing(t *testing.T) {
	src := &fakeSource{}
	g := &Ingestor{Partner: "acme", Kind: "edi", Publisher: newPubSub(t), Ledger: newLedger(t),
		Connector: &connectors.Connector{Source: src, Decoder: warningDecoder{}}, Metrics: NewMetrics(prometheus.NewRegistry())}
	o, err := g.Take(context.Background(), input("po.x12", "ISA..."))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != connectors.StatusDone || o.Accepted != 1 || o.Rejected != 0 || len(o.Warnings) != 1 || o.Warnings[0].Line != 12 {
		t.Errorf("outcome %+v; want done, 1 accepted, nothing rejected, the warning at line 12", o)
	}
}

// ackingDecoder takes its one record and acknowledges the input.
type ackingDecoder struct{}

func (ackingDecoder) Decode(ctx context.Context, in connectors.Input, _ io.Reader, out connectors.Sink) error {
	o := testOrder("PO-EDI-2")
	if err := out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}); err != nil {
		return err
	}
	r, ok := out.(connectors.Replier)
	if !ok {
		return fmt.Errorf("the runtime's sink takes no replies")
	}
	return r.Reply(ctx, connectors.Reply{Name: in.Name + ".997", Content: []byte("ISA*00*ack")})
}

func TestAReplyIsSettledWithTheInputEvenAfterTheFirstSettleFailed(t *testing.T) {
	src := &fakeSource{settleErr: fmt.Errorf("rename po.x12: %w", fs.ErrPermission)}
	g := &Ingestor{Partner: "acme", Kind: "edi", Publisher: newPubSub(t), Ledger: newLedger(t),
		Connector: &connectors.Connector{Source: src, Decoder: ackingDecoder{}}}
	in := input("po.x12", "ISA...")
	if _, err := g.Take(context.Background(), in); err == nil {
		t.Fatal("the first settle failed, Take said nothing")
	}
	src.settleErr = nil
	// Settled from the outcome in the ledger: nothing decoded again.
	g.Connector.Decoder = scriptDecoder{}
	if _, err := g.Take(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	got := src.settled["po.x12"].Replies
	if len(got) != 1 || got[0].Name != "po.x12.997" || string(got[0].Content) != "ISA*00*ack" {
		t.Errorf("settled with replies %+v; want the 997 recorded when the input was taken", got)
	}
}

func TestTrackingEventsAndShipmentsReachTheStoreOnceEach(t *testing.T) {
	ps, st := newPubSub(t), newLedger(t)
	m := NewMetrics(prometheus.NewRegistry())
	tracking := NewTrackingSink(st, StoreSinkConfig{}, m, nil)
	r, err := NewRouter(RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps,
		Sinks{Shipments: &ShipmentSink{W: st, Metrics: m}, Tracking: tracking}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go tracking.Run(ctx)
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	poison, _ := ps.Subscribe(context.Background(), TopicPoison)

	publish := func(topic string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		msg := message.NewMessage(watermill.NewUUID(), b)
		msg.Metadata.Set(MetaPartner, "dhl")
		if err := ps.Publish(topic, msg); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	ev := canonical.TrackingEvent{EventID: "ev-1", TrackingNumber: "JD0001", Carrier: "DHL",
		Status: canonical.TrackingPickedUp, CarrierStatus: "PU", OccurredAt: at}
	publish(TopicTrackingEvents, ev) // before its shipment: kept, linked later
	publish(TopicTrackingEvents, ev) // a webhook retried
	publish(TopicShipments, canonical.Shipment{ShipmentID: "ASN-1", OrderNumbers: []string{"PO-1"},
		Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: "SUP1"}, TrackingNumbers: []string{"JD0001"}})
	noID := ev
	noID.EventID = ""
	publish(TopicTrackingEvents, noID)

	got := drain(t, poison, 1)[0]
	if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "event_id is required") {
		t.Errorf("poison reason = %q; want the missing event id", reason)
	}
	waitFor(t, func() bool {
		sh, _ := st.ShipmentsOfOrder(context.Background(), "PO-1")
		return len(sh) == 1
	})
	waitFor(t, func() bool {
		return testutil.ToFloat64(m.TrackingEvents.WithLabelValues("picked_up", "duplicate")) == 1
	})
	events, err := st.TrackingEvents(context.Background(), []string{"JD0001"})
	if err != nil || len(events) != 1 {
		t.Errorf("events of JD0001: %d, %v; want the event kept once", len(events), err)
	}
}

// scriptTrackingDecoder reads "EVENT_ID CODE" lines as picked-up events of
// JD0001, "bad" as a row error, and "{" as malformed.
type scriptTrackingDecoder struct{}

func (scriptTrackingDecoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	b, _ := io.ReadAll(r)
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		switch {
		case line == "{":
			return &connectors.FileError{File: in.Name, Line: 1, Code: "invalid_json", Message: "unexpected end of JSON"}
		case line == "bad":
			out.RowError(ctx, connectors.RowError{File: in.Name, Line: i + 1, Field: "occurred_at", Code: "required", Message: "no time"})
		default:
			ev := &canonical.TrackingEvent{EventID: f[0], TrackingNumber: "JD0001", Carrier: "demo", Status: canonical.TrackingPickedUp,
				CarrierStatus: f[1], OccurredAt: time.Date(2026, 3, 2, 9, i, 0, 0, time.UTC)}
			if err := out.Record(ctx, connectors.Record{Type: canonical.TypeTrackingEvent, Key: ev.TrackingNumber, Value: ev}); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestAWebhookDeliveryBecomesTrackingEventsKeyedByTrackingNumber(t *testing.T) {
	ps := newPubSub(t)
	m := NewMetrics(prometheus.NewRegistry())
	r, err := NewRouter(RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps,
		Sinks{Webhooks: &WebhookDecoder{Decoders: map[string]connectors.Decoder{"demo": scriptTrackingDecoder{}}, Publisher: ps, Metrics: m}}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	events, _ := ps.Subscribe(context.Background(), TopicTrackingEvents)
	rejects, _ := ps.Subscribe(context.Background(), TopicRejects)
	poison, _ := ps.Subscribe(context.Background(), TopicPoison)

	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	ps.Publish(TopicTrackingWebhooks, WebhookMessage("demo", []byte("ev-1 PU\nbad\nev-2 AR"), at))
	got := drain(t, events, 2)
	if got[0].Metadata.Get(MetaPartitionKey) != "JD0001" || got[0].Metadata.Get(MetaPartner) != "demo" ||
		got[0].Metadata.Get(MetaCEType) != "procurehub.tracking_event.v1" {
		t.Errorf("event metadata %v; want keyed by tracking number, partner demo, ce_type tracking_event", got[0].Metadata)
	}
	rej := drain(t, rejects, 1)[0]
	var rj Reject
	if err := json.Unmarshal(rej.Payload, &rj); err != nil || rj.RowError.Line != 2 || rj.Partner != "demo" || rej.Metadata.Get(MetaCEType) != CETypeRowReject {
		t.Errorf("reject %s; want the row error of line 2 from demo", rej.Payload)
	}

	// The same delivery again publishes the same event messages (same ids).
	ps.Publish(TopicTrackingWebhooks, WebhookMessage("demo", []byte("ev-1 PU\nbad\nev-2 AR"), at.Add(time.Minute)))
	again := drain(t, events, 2)
	ids := func(ms []*message.Message) []string {
		out := []string{ms[0].UUID, ms[1].UUID}
		slices.Sort(out)
		return out
	}
	if a, b := ids(again), ids(got); !slices.Equal(a, b) {
		t.Errorf("a repeated delivery published ids %v; want the same %v", a, b)
	}

	ps.Publish(TopicTrackingWebhooks, WebhookMessage("demo", []byte("{"), at))
	p := drain(t, poison, 1)[0]
	if reason := p.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "unexpected end of JSON") {
		t.Errorf("poison reason %q; want the JSON error", reason)
	}
	ps.Publish(TopicTrackingWebhooks, WebhookMessage("nobody", []byte("ev-9 PU"), at))
	if reason := drain(t, poison, 1)[0].Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, `endpoint "nobody"`) {
		t.Errorf("poison reason %q; want the unknown endpoint named", reason)
	}
}

// downSource fails every poll until up is set.
type downSource struct {
	mu sync.Mutex
	up bool
	n  int
}

func (s *downSource) Poll(context.Context) ([]connectors.Input, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if !s.up {
		return nil, errors.New("dial tcp 10.0.0.7:22: connect: connection refused")
	}
	return nil, nil
}
func (s *downSource) polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
func (s *downSource) Settle(context.Context, connectors.Input, connectors.Outcome) error { return nil }
func (s *downSource) Close() error                                                       { return nil }

func TestASourceDownForLongRaisesOneAlertAndOneWhenItRecovers(t *testing.T) {
	ps := newPubSub(t)
	alerts, _ := ps.Subscribe(context.Background(), TopicAlerts)
	src := &downSource{}
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { // each look at the clock is a minute later
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	m := NewMetrics(prometheus.NewRegistry())
	g := &Ingestor{Partner: "sftp-supplier", Kind: "erp_export", Publisher: ps, Ledger: newLedger(t), Metrics: m,
		Connector: &connectors.Connector{Source: src, Decoder: scriptDecoder{}}, PollInterval: time.Millisecond,
		OutageAlertAfter: 10 * time.Minute, Now: clock}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	down := drain(t, alerts, 1)[0]
	var a Alert
	if err := json.Unmarshal(down.Payload, &a); err != nil {
		t.Fatal(err)
	}
	if a.Kind != AlertSourceUnreachable || a.Severity != SeverityCritical || a.Partner != "sftp-supplier" ||
		!strings.Contains(a.Message, "connection refused") || !strings.Contains(a.Action, "credentials") {
		t.Errorf("alert %+v; want source_unreachable for sftp-supplier with the last error", a)
	}
	polls := src.polls()
	waitFor(t, func() bool { return src.polls() > polls+20 })
	if failed := testutil.ToFloat64(m.PollFailures.WithLabelValues("sftp-supplier")); failed < 20 {
		t.Errorf("failed polls counted: %v; want every one", failed)
	}
	if up := testutil.ToFloat64(m.SourceUp.WithLabelValues("sftp-supplier")); up != 0 {
		t.Errorf("procurehub_source_up = %v during the outage; want 0", up)
	}
	src.mu.Lock()
	src.up = true
	src.mu.Unlock()
	up := drain(t, alerts, 1)[0]
	if err := json.Unmarshal(up.Payload, &a); err != nil || a.Kind != AlertSourceRecovered {
		t.Errorf("then %s; want source_recovered", up.Payload)
	}
	waitFor(t, func() bool { return testutil.ToFloat64(m.SourceUp.WithLabelValues("sftp-supplier")) == 1 })
	cancel()
	<-done
	select {
	case extra := <-alerts:
		t.Errorf("a third alert: %s; want one per outage and one recovery", extra.Payload)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAnOrderThatFailsValidationNeedsReviewWithItsFindingsOnce(t *testing.T) {
	ps, st := newPubSub(t), newLedger(t)
	m := NewMetrics(prometheus.NewRegistry())
	validate := func(_ context.Context, o *canonical.Order) (Findings, error) {
		if !strings.Contains(o.OrderNumber, "BAD") {
			return Findings{JSON: []byte(`[]`)}, nil
		}
		return Findings{Errors: 1, First: "lines[0].unit_price: 25% over the price list",
			JSON: []byte(`[{"rule_id":"price_list","severity":"error","path":"lines[0].unit_price","message":"25% over the price list"}]`)}, nil
	}
	sink := NewStoreSink(st, StoreSinkConfig{Review: &Review{Validate: validate, Writer: st, Publisher: ps}}, m, nil)
	r, err := NewRouter(RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps, Sinks{Orders: sink}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go sink.Run(ctx)
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	rejects, _ := ps.Subscribe(context.Background(), TopicRejects)
	alerts, _ := ps.Subscribe(context.Background(), TopicAlerts)

	for _, n := range []string{"PO-GOOD", "PO-BAD", "PO-BAD"} { // the bad one delivered twice
		msg := orderMessage(t, orderJSON(t, n), n)
		msg.Metadata.Set(MetaPartner, "acme")
		ps.Publish(TopicOrders, msg)
	}
	rej := drain(t, rejects, 1)[0]
	var or OrderReject
	if err := json.Unmarshal(rej.Payload, &or); err != nil || or.OrderNumber != "PO-BAD" || !strings.Contains(string(or.Findings), "price_list") {
		t.Errorf("reject %s; want PO-BAD with its price_list finding", rej.Payload)
	}
	var a Alert
	if err := json.Unmarshal(drain(t, alerts, 1)[0].Payload, &a); err != nil || a.Kind != AlertOrderNeedsReview || !strings.Contains(a.Message, "25% over") ||
		!strings.Contains(a.Action, "/api/v1/orders/PO-BAD") {
		t.Errorf("alert %+v; want order_needs_review naming the first error", a)
	}
	waitFor(t, func() bool {
		o, err := st.GetOrder(context.Background(), "ACME", "PO-BAD")
		return err == nil && o.Status == "needs_review"
	})
	waitFor(t, func() bool {
		_, err := st.GetFindings(context.Background(), "ACME", "PO-GOOD")
		return err == nil
	})
	if o, err := st.GetOrder(context.Background(), "ACME", "PO-GOOD"); err != nil || o.Status != "submitted" {
		t.Errorf("the clean order: %+v, %v; want submitted", o, err)
	}
	select {
	case extra := <-rejects:
		t.Errorf("a second reject for the same content: %s", extra.Payload)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestOrderResponsesAndOrderEventsReachTheStoreOnceEach(t *testing.T) {
	ps, st := newPubSub(t), newLedger(t)
	m := NewMetrics(prometheus.NewRegistry())
	r, err := NewRouter(RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps,
		Sinks{OrderResponses: &OrderResponseSink{W: st, Metrics: m}, OrderEvents: &OrderEventSink{W: st, Metrics: m}}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	poison, _ := ps.Subscribe(context.Background(), TopicPoison)

	publish := func(topic string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		msg := message.NewMessage(watermill.NewUUID(), b)
		msg.Metadata.Set(MetaPartner, "sup1")
		if err := ps.Publish(topic, msg); err != nil {
			t.Fatal(err)
		}
	}
	resp := canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: "RSP-1", Buyer: canonical.Party{ID: "ACME"},
		Supplier: canonical.Party{ID: "SUP1"}, Status: canonical.ResponseAccepted}
	publish(TopicOrderResponses, resp)
	publish(TopicOrderResponses, resp) // delivered again
	ev := canonical.OrderEvent{EventID: "ev-1", OrderNumber: "PO-1", BuyerID: "ACME", Type: canonical.EventProductionProgress,
		OccurredAt: time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC), Data: json.RawMessage(`{"percent_complete":"40"}`)}
	publish(TopicOrderEvents, ev)
	publish(TopicOrderEvents, ev) // delivered again

	noStatus := resp
	noStatus.ResponseNumber, noStatus.Status = "RSP-2", ""
	publish(TopicOrderResponses, noStatus)
	got := drain(t, poison, 1)[0]
	if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "status") || !strings.Contains(reason, "RSP-2") {
		t.Errorf("poison reason = %q; want RSP-2's missing status", reason)
	}
	noBuyer := ev
	noBuyer.EventID, noBuyer.BuyerID = "ev-2", ""
	publish(TopicOrderEvents, noBuyer)
	got = drain(t, poison, 1)[0]
	if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "buyer_id") {
		t.Errorf("poison reason = %q; want the missing buyer id", reason)
	}

	waitFor(t, func() bool {
		return testutil.ToFloat64(m.OrderResponseWrites.WithLabelValues("unchanged")) == 1 &&
			testutil.ToFloat64(m.OrderEvents.WithLabelValues("production_progress", "duplicate")) == 1
	})
	responses, err := st.OrderResponses(context.Background(), "PO-1")
	if err != nil || len(responses) != 1 || responses[0].Partner != "sup1" || responses[0].Version != 1 {
		t.Errorf("responses of PO-1: %+v, %v; want RSP-1 once, from sup1", responses, err)
	}
	events, err := st.OrderEvents(context.Background(), "PO-1")
	if err != nil || len(events) != 1 || events[0].Event.EventID != "ev-1" {
		t.Errorf("events of PO-1: %+v, %v; want ev-1 kept once", events, err)
	}
	if n := testutil.ToFloat64(m.Poisoned.WithLabelValues(HandlerStoreOrderResponses)); n != 1 {
		t.Errorf("poisoned order responses = %v; want 1", n)
	}
}

func TestAlertsAreKeptOnceAndARecoveryResolvesItsOutage(t *testing.T) {
	ps, st := newPubSub(t), newLedger(t)
	m := NewMetrics(prometheus.NewRegistry())
	r, err := NewRouter(RouterConfig{Retries: 1, RetryInitial: time.Millisecond}, ps, ps,
		Sinks{Alerts: &AlertSink{W: st, Metrics: m}}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	<-r.Running()
	t.Cleanup(func() { cancel(); r.Close() })
	poison, _ := ps.Subscribe(context.Background(), TopicPoison)

	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	publish := func(a Alert) {
		t.Helper()
		msg, err := a.ToMessage()
		if err != nil {
			t.Fatal(err)
		}
		if err := ps.Publish(TopicAlerts, msg); err != nil {
			t.Fatal(err)
		}
	}
	review := Alert{ID: "review-1", Kind: AlertOrderNeedsReview, Severity: SeverityWarning, Partner: "buyer-1",
		Subject: "order PO-1 of ACME", Message: "1 errors", OccurredAt: at, Data: map[string]string{"order_number": "PO-1"}}
	publish(review)
	publish(review) // delivered again
	down1 := Alert{ID: "down-bank-1", Kind: AlertSourceUnreachable, Severity: SeverityCritical, Partner: "bank-1", OccurredAt: at}
	down2 := Alert{ID: "down-bank-2", Kind: AlertSourceUnreachable, Severity: SeverityCritical, Partner: "bank-2", OccurredAt: at}
	publish(down1)
	publish(down2)
	waitFor(t, func() bool { return testutil.ToFloat64(m.Alerts.WithLabelValues(AlertSourceUnreachable, "added")) == 2 })
	if err := st.SetAlertStatus(context.Background(), "down-bank-1", store.AlertAcknowledged, "anna"); err != nil {
		t.Fatal(err)
	}
	publish(Alert{ID: "up-bank-1", Kind: AlertSourceRecovered, Severity: SeverityWarning, Partner: "bank-1", OccurredAt: at.Add(time.Hour)})

	if err := ps.Publish(TopicAlerts, message.NewMessage(watermill.NewUUID(), []byte(`{"alert_id":"x","severity":"warning"}`))); err != nil {
		t.Fatal(err)
	}
	got := drain(t, poison, 1)[0]
	if reason := got.Metadata.Get(middleware.ReasonForPoisonedKey); !strings.Contains(reason, "kind") {
		t.Errorf("poison reason = %q; want the missing kind", reason)
	}

	waitFor(t, func() bool {
		a, err := st.GetAlert(context.Background(), "down-bank-1")
		return err == nil && a.Status == store.AlertResolved
	})
	// gochannel hands messages over concurrently: the second delivery of
	// the review alert may come after the others.
	waitFor(t, func() bool {
		return testutil.ToFloat64(m.Alerts.WithLabelValues(AlertOrderNeedsReview, "duplicate")) >= 1
	})
	if n := testutil.ToFloat64(m.Alerts.WithLabelValues(AlertOrderNeedsReview, "duplicate")); n != 1 {
		t.Errorf("duplicate review alerts = %v; want 1", n)
	}
	list, _, err := st.ListAlerts(context.Background(), store.AlertFilter{OrderNumber: "PO-1"})
	if err != nil || len(list) != 1 || list[0].ID != "review-1" || list[0].Status != store.AlertOpen {
		t.Errorf("alerts of PO-1: %+v, %v; want review-1 once, open", list, err)
	}
	for id, want := range map[string]string{"down-bank-1": store.AlertResolved, "down-bank-2": store.AlertOpen, "up-bank-1": store.AlertOpen} {
		a, err := st.GetAlert(context.Background(), id)
		if err != nil || a.Status != want {
			t.Errorf("%s: %+v, %v; want %s", id, a, err, want)
		}
		if want == store.AlertResolved && a.StatusBy != AlertResolvedBy {
			t.Errorf("%s resolved by %q; want %q", id, a.StatusBy, AlertResolvedBy)
		}
	}
}
