package transport_test

// The file-drop scenarios of a real partner, run over every transport
// against a real server (vsftpd, OpenSSH) and a local directory: the file
// lifecycle of filesource, the ingestor of pipelines and the ledger of a
// real store, together. Each scenario asserts what the partner and the
// buyer would see: records published once, files archived or quarantined,
// receipts in the outbox.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/connectors/filesource/transport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/store/postgres"
	"github.com/procurehub/procurehub/internal/store/postgres/pgtest"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// dropServer is a place partners drop files: a local directory or a server.
type dropServer struct {
	name     string
	settings transport.Settings
	remote   string // the inbox's parent directory as the transport names it
	local    string // the same directory on this machine
	restart  func() // restart the server (same address); nil for a directory
	stop     func() // stop the server until restart; nil for a directory
	drop     func() // cut every open connection; nil for a directory
	// denyWrites makes a directory unwritable for the transport's user, or
	// says why it cannot.
	denyWrites func(t *testing.T, localDir string)
}

// ordersMapping is a small supplier export: one row per order line.
const ordersMapping = `
columns:
  order_number: order
  lines.sku: sku
  lines.quantity: qty
  lines.unit_price: price
constants:
  buyer.id: ACME-DE
  supplier.id: SHENZHEN-PARTS
  currency: EUR
  lines.unit: EA
`

// ordersCSV is a file of n one-line orders numbered from first.
func ordersCSV(first, n int) string {
	var b strings.Builder
	b.WriteString("order,sku,qty,price\n")
	for i := range n {
		fmt.Fprintf(&b, "PO-%06d,BRK-100,%d,12.50\n", first+i, i%7+1)
	}
	return b.String()
}

// recorder is a publisher that acknowledges everything and remembers it.
type recorder struct {
	mu     sync.Mutex
	keys   []string // partition key of every record message, in order
	ids    map[string]int
	alerts []string // the kinds of the alerts published
}

func (r *recorder) Publish(topic string, msgs ...*message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]int{}
	}
	for _, m := range msgs {
		if topic == pipelines.TopicAlerts {
			var a pipelines.Alert
			if err := json.Unmarshal(m.Payload, &a); err != nil {
				return err
			}
			r.alerts = append(r.alerts, a.Kind)
			continue
		}
		r.keys = append(r.keys, m.Metadata.Get(pipelines.MetaPartitionKey))
		r.ids[m.UUID]++
	}
	return nil
}

func (r *recorder) alertKinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.alerts...)
}
func (r *recorder) Close() error { return nil }

// published returns how often each order number was published.
func (r *recorder) published() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, k := range r.keys {
		out[k]++
	}
	return out
}

// hub is one procurehub instance taking one partner's drops.
type hub struct {
	t       *testing.T
	src     *filesource.Source
	ing     *pipelines.Ingestor
	pub     *recorder
	metrics *pipelines.Metrics
}

type hubOptions struct {
	xlsx     bool // the partner drops XLSX workbooks
	owner    string
	ledger   pipelines.Ledger
	fs       filesource.FS // instead of the server's own
	maxFiles int
	opt      func(*filesource.Options)
}

func newHub(t *testing.T, srv dropServer, o hubOptions) *hub {
	t.Helper()
	fsys := o.fs
	if fsys == nil {
		var err error
		if fsys, err = srv.settings.Open(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	opt := filesource.Options{
		Partner: "shenzhen-parts", Connector: erpexport.Kind, Origin: srv.settings.Describe(),
		Inbox: path.Join(srv.remote, "inbox"), Archive: path.Join(srv.remote, "archive"),
		Quarantine: path.Join(srv.remote, "quarantine"), Outbox: path.Join(srv.remote, "outbox"),
		Pattern: "*.csv", MaxFiles: o.maxFiles, Completion: filesource.CompleteRename,
	}
	if srv.settings.Remote() {
		opt.Spool = t.TempDir()
	}
	if o.xlsx {
		opt.Pattern = "*.xlsx"
	}
	if o.opt != nil {
		o.opt(&opt)
	}
	src, err := filesource.New(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	m, err := mapping.Parse("orders.mapping.yaml", []byte(ordersMapping))
	if err != nil {
		t.Fatal(err)
	}
	format := erpexport.Format
	if o.xlsx {
		format = erpexport.FormatXLSX
	}
	dec, err := erpexport.NewFormatDecoder(format, m)
	if err != nil {
		t.Fatal(err)
	}
	if o.ledger == nil {
		o.ledger = newLedger(t)
	}
	h := &hub{t: t, src: src, pub: &recorder{}, metrics: pipelines.NewMetrics(prometheus.NewRegistry())}
	h.ing = &pipelines.Ingestor{
		Partner: "shenzhen-parts", Kind: erpexport.Kind, Publisher: h.pub, Ledger: o.ledger,
		Connector: &connectors.Connector{Source: src, Decoder: dec}, Metrics: h.metrics,
		Owner: o.owner, BatchSize: 100, Logger: slog.New(slog.DiscardHandler),
	}
	return h
}

func ledgerOf(h *hub) *sqlite.Store { return h.ing.Ledger.(*sqlite.Store) }

func sha(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// postgresLedger is the production store in a fresh schema of the test server.
func postgresLedger(t *testing.T) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

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

// poll polls once and takes every input offered; it returns the outcomes
// by file name and the errors of the poll and of the inputs.
func (h *hub) poll() (map[string]connectors.Outcome, error) {
	ctx := context.Background()
	ins, err := h.src.Poll(ctx)
	errs := []error{err}
	out := map[string]connectors.Outcome{}
	for _, in := range ins {
		o, err := h.ing.Take(ctx, in)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[in.Name] = o
	}
	return out, errors.Join(errs...)
}

// mustPoll is poll that fails the test on any error.
func (h *hub) mustPoll() map[string]connectors.Outcome {
	h.t.Helper()
	out, err := h.poll()
	if err != nil {
		h.t.Fatalf("poll: %v", err)
	}
	return out
}

func drop(t *testing.T, srv dropServer, name, content string) {
	t.Helper()
	dir := filepath.Join(srv.local, "inbox")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	// Write under a temporary name and rename, as partners following the
	// rename convention do, so no poll sees half a file.
	tmp := filepath.Join(dir, "."+name+".part")
	if err := os.WriteFile(tmp, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func outboxReceipt(t *testing.T, srv dropServer, name string) filesource.Receipt {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(srv.local, "outbox", name+filesource.ReceiptSuffix))
	if err != nil {
		t.Fatalf("receipt of %s in the outbox: %v", name, err)
	}
	var r filesource.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func archived(t *testing.T, srv dropServer, name string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(srv.local, "archive", time.Now().UTC().Format("2006/01/02"), name))
	return err == nil
}

func inInbox(t *testing.T, srv dropServer) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(srv.local, "inbox"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// runScenarios runs every scenario against the server made by start.
func runScenarios(t *testing.T, start func(t *testing.T) dropServer) {
	t.Run("a file still being uploaded is not taken", func(t *testing.T) {
		srv := start(t)
		h := newHub(t, srv, hubOptions{opt: func(o *filesource.Options) {
			o.Completion, o.SettleTime = filesource.CompleteStable, time.Hour
		}})
		drop(t, srv, "orders.csv", ordersCSV(1, 3))
		drop(t, srv, "later.csv.part", ordersCSV(10, 3)) // a temporary name, under any completion
		if got := h.mustPoll(); len(got) != 0 {
			t.Errorf("first poll took %v; a file seen once may still be growing", got)
		}
		h2 := newHub(t, srv, hubOptions{})
		if got := h2.mustPoll(); len(got) != 1 || got["orders.csv"].Status != connectors.StatusDone {
			t.Errorf("with the rename convention: took %v; want orders.csv only", got)
		}
		if n := len(h.pub.published()); n != 0 {
			t.Errorf("%d orders published by the poll that should have waited", n)
		}
	})

	t.Run("same content under a new name is skipped and reported", func(t *testing.T) {
		srv := start(t)
		h := newHub(t, srv, hubOptions{})
		drop(t, srv, "orders-0301.csv", ordersCSV(1, 3))
		h.mustPoll()
		drop(t, srv, "orders-0301 (copy).csv", ordersCSV(1, 3))
		got := h.mustPoll()
		if got["orders-0301 (copy).csv"].Status != connectors.StatusDuplicate {
			t.Errorf("resent copy: %v; want duplicate", got)
		}
		if r := outboxReceipt(t, srv, "orders-0301 (copy).csv"); r.Status != connectors.StatusDuplicate || r.Accepted != 0 {
			t.Errorf("the partner's receipt says %s with %d accepted; want duplicate, 0", r.Status, r.Accepted)
		}
		for order, n := range h.pub.published() {
			if n != 1 {
				t.Errorf("%s published %d times", order, n)
			}
		}
		if e, err := ledgerOf(h).LedgerGet(t.Context(), "shenzhen-parts", sha(ordersCSV(1, 3))); err != nil ||
			!strings.HasPrefix(e.Source, srv.settings.Describe()) || !strings.HasSuffix(e.Source, "/inbox") || e.Name != "orders-0301.csv" {
			t.Errorf("ledger entry: %+v, %v; want the first name and where it came from", e, err)
		}
		if !archived(t, srv, "orders-0301 (copy).csv") {
			t.Error("the duplicate is not in the archive")
		}
	})

	t.Run("names with spaces and non-ASCII are taken, archived and receipted", func(t *testing.T) {
		srv := start(t)
		h := newHub(t, srv, hubOptions{})
		names := []string{"Bestellung März 2026.csv", "订单 0302.csv", "commande n°7.csv"}
		for i, name := range names {
			drop(t, srv, name, ordersCSV(100*i+1, 2))
		}
		got := h.mustPoll()
		for _, name := range names {
			if got[name].Status != connectors.StatusDone || got[name].Accepted != 2 {
				t.Errorf("%s: %+v; want done with 2 records", name, got[name])
			}
			if !archived(t, srv, name) {
				t.Errorf("%s not archived", name)
			}
			if r := outboxReceipt(t, srv, name); r.File != name {
				t.Errorf("receipt names %q; want %q", r.File, name)
			}
		}
	})

	t.Run("rejected rows are quarantined with a receipt and a CSV of them in the outbox", func(t *testing.T) {
		srv := start(t)
		h := newHub(t, srv, hubOptions{})
		drop(t, srv, "with-bad-row.csv", "order,sku,qty,price\nPO-1,BRK-100,2,12.50\nPO-2,BRK-100,two,12.50\n")
		got := h.mustPoll()
		if o := got["with-bad-row.csv"]; o.Status != connectors.StatusPartial || o.Accepted != 1 || o.Rejected != 1 {
			t.Fatalf("outcome %+v; want partial, 1 accepted, 1 rejected", o)
		}
		if _, err := os.Stat(filepath.Join(srv.local, "quarantine", "with-bad-row.csv")); err != nil {
			t.Errorf("not quarantined: %v", err)
		}
		csv, err := os.ReadFile(filepath.Join(srv.local, "outbox", "with-bad-row.csv"+filesource.RejectedSuffix))
		if err != nil || !strings.Contains(string(csv), "with-bad-row.csv,,3,") || !strings.Contains(string(csv), "lines.quantity") {
			t.Errorf("rejected rows CSV = %q, %v; want line 3, lines.quantity", csv, err)
		}
	})

	t.Run("a workbook that is not one is quarantined with a receipt naming the problem", func(t *testing.T) {
		srv := start(t)
		h := newHub(t, srv, hubOptions{xlsx: true})
		drop(t, srv, "orders-renamed.xlsx", ordersCSV(1, 3)) // a CSV renamed .xlsx
		got := h.mustPoll()
		o := got["orders-renamed.xlsx"]
		if o.Status != connectors.StatusRejected || o.FileError == nil || o.FileError.Code != "not_xlsx" {
			t.Fatalf("outcome %+v; want rejected with file error not_xlsx", o)
		}
		if _, err := os.Stat(filepath.Join(srv.local, "quarantine", "orders-renamed.xlsx")); err != nil {
			t.Errorf("not quarantined: %v", err)
		}
		if r := outboxReceipt(t, srv, "orders-renamed.xlsx"); r.FileError == nil || r.FileError.Code != "not_xlsx" {
			t.Errorf("the partner's receipt has file error %+v; want not_xlsx", r.FileError)
		}
		if n := len(h.pub.published()); n != 0 {
			t.Errorf("%d records published from a file that is not a workbook", n)
		}
	})

	t.Run("a thousand files in one inbox are each taken once", func(t *testing.T) {
		if testing.Short() {
			t.Skip("1000 files: not in -short")
		}
		srv := start(t)
		const files = 1000
		dir := filepath.Join(srv.local, "inbox")
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		for i := range files {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("asn-%04d.csv", i)), []byte(ordersCSV(i+1, 1)), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		h := newHub(t, srv, hubOptions{maxFiles: 250})
		taken := 0
		for poll := 0; poll < 10 && taken < files; poll++ {
			taken += len(h.mustPoll())
		}
		if taken != files {
			t.Errorf("%d files taken; want %d", taken, files)
		}
		pub := h.pub.published()
		if len(pub) != files {
			t.Errorf("%d orders published; want %d", len(pub), files)
		}
		for order, n := range pub {
			if n != 1 {
				t.Errorf("%s published %d times", order, n)
			}
		}
		if left := inInbox(t, srv); len(left) != 0 {
			t.Errorf("%d files left in the inbox, e.g. %v", len(left), left[:min(3, len(left))])
		}
	})

	t.Run("two instances polling one inbox take each file exactly once", func(t *testing.T) {
		srv := start(t)
		ledger := postgresLedger(t) // instances share one PostgreSQL database
		a := newHub(t, srv, hubOptions{owner: "instance-a", ledger: ledger})
		b := newHub(t, srv, hubOptions{owner: "instance-b", ledger: ledger})
		const files = 20
		for i := range files {
			drop(t, srv, fmt.Sprintf("po-%02d.csv", i), ordersCSV(10*i+1, 3))
		}
		var wg sync.WaitGroup
		for _, h := range []*hub{a, b} {
			wg.Go(func() {
				for range 5 {
					h.poll() // errors are the other instance's moves: checked by the outcome below
				}
			})
		}
		wg.Wait()
		total := map[string]int{}
		for _, h := range []*hub{a, b} {
			for k, n := range h.pub.published() {
				total[k] += n
			}
		}
		if len(total) != 3*files {
			t.Errorf("%d orders published; want %d", len(total), 3*files)
		}
		for order, n := range total {
			if n != 1 {
				t.Errorf("%s published %d times by the two instances", order, n)
			}
		}
		if left := inInbox(t, srv); len(left) != 0 {
			t.Errorf("left in the inbox: %v", left)
		}
		for i := range files {
			name := fmt.Sprintf("po-%02d.csv", i)
			if r := outboxReceipt(t, srv, name); r.Status != connectors.StatusDone || r.Accepted != 3 {
				t.Errorf("the partner reads %s for %s (%d accepted); want done, 3", r.Status, name, r.Accepted)
			}
		}
	})

	t.Run("a crash after publishing and before settling loses and duplicates nothing", func(t *testing.T) {
		srv := start(t)
		ledger := newLedger(t)
		drop(t, srv, "orders.csv", ordersCSV(1, 5))
		crashing := newHub(t, srv, hubOptions{owner: "crashing", ledger: ledger})
		crashing.ing.Connector.Source = crashOnSettle{crashing.src}
		crashing.ing.LeaseTTL = time.Millisecond // it dies: its lease runs out at once
		if _, err := crashing.poll(); err == nil || !strings.Contains(err.Error(), "crash") {
			t.Fatalf("the crashing instance: err = %v", err)
		}
		if len(crashing.pub.published()) != 5 {
			t.Fatalf("the crashing instance published %v before dying; want the 5 orders", crashing.pub.published())
		}
		time.Sleep(5 * time.Millisecond)
		restarted := newHub(t, srv, hubOptions{owner: "restarted", ledger: ledger})
		got := restarted.mustPoll()
		if got["orders.csv"].Status != connectors.StatusDone || got["orders.csv"].Accepted != 5 {
			t.Errorf("after restart: %+v; want done with the 5 records recorded before the crash", got)
		}
		if n := len(restarted.pub.published()); n != 0 {
			t.Errorf("the restarted instance published %d orders again; the outcome was already recorded", n)
		}
		if !archived(t, srv, "orders.csv") {
			t.Error("not archived after restart")
		}
	})

	if srv := start(t); srv.restart != nil {
		t.Run("the server restarts between polls", func(t *testing.T) {
			h := newHub(t, srv, hubOptions{})
			drop(t, srv, "before.csv", ordersCSV(1, 2))
			h.mustPoll()
			srv.restart()
			drop(t, srv, "after.csv", ordersCSV(10, 2))
			var got map[string]connectors.Outcome
			var err error
			for range 3 { // the first call after a restart may meet the dead connection
				if got, err = h.poll(); err == nil && len(got) == 1 {
					break
				}
			}
			if got["after.csv"].Status != connectors.StatusDone {
				t.Errorf("after the restart: %v, %v; want after.csv done", got, err)
			}
			if n := len(h.pub.published()); n != 4 {
				t.Errorf("%d orders published; want 4, each once", n)
			}
		})

		t.Run("a server gone for a while: polls fail, the outage is counted and alerted, and its files are taken once it is back", func(t *testing.T) {
			h := newHub(t, srv, hubOptions{})
			h.ing.PollInterval, h.ing.OutageAlertAfter = 100*time.Millisecond, time.Second
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); h.ing.Run(ctx) }()
			defer func() { cancel(); <-done }()
			up := func() float64 { return testutil.ToFloat64(h.metrics.SourceUp.WithLabelValues("shenzhen-parts")) }
			published := func() int { return len(h.pub.published()) }

			drop(t, srv, "before.csv", ordersCSV(1, 2))
			eventually(t, "before.csv taken", func() bool { return published() == 2 && up() == 1 })
			srv.stop()
			drop(t, srv, "during.csv", ordersCSV(20, 3)) // into the server's directory while it is down
			eventually(t, "the outage counted and alerted", func() bool {
				return up() == 0 && testutil.ToFloat64(h.metrics.PollFailures.WithLabelValues("shenzhen-parts")) >= 3 &&
					slices.Contains(h.pub.alertKinds(), pipelines.AlertSourceUnreachable)
			})
			back := time.Now()
			srv.restart()
			eventually(t, "during.csv taken after the restart", func() bool { return published() == 5 && up() == 1 })
			t.Logf("%s: files taken %.1f s after the server came back", srv.name, time.Since(back).Seconds())
			for order, n := range h.pub.published() {
				if n != 1 {
					t.Errorf("%s published %d times", order, n)
				}
			}
			// Its records are published before it is archived.
			eventually(t, "during.csv archived", func() bool { return archived(t, srv, "during.csv") })
			eventually(t, "source_recovered alerted", func() bool {
				return slices.Contains(h.pub.alertKinds(), pipelines.AlertSourceRecovered)
			})
		})

		t.Run("a connection dropped mid-download is retried without a duplicate", func(t *testing.T) {
			fsys, err := srv.settings.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			cut := &cutOnce{FS: fsys, after: 64 << 10, drop: srv.drop}
			h := newHub(t, srv, hubOptions{fs: cut})
			drop(t, srv, "big.csv", ordersCSV(1, 20000)) // about 600 KiB
			if _, err := h.poll(); err == nil {
				t.Fatal("the poll whose download was cut reported nothing")
			}
			if n := len(h.pub.published()); n != 0 {
				t.Fatalf("%d orders published from a download that was cut", n)
			}
			var got map[string]connectors.Outcome
			for range 3 {
				if got, err = h.poll(); err == nil && len(got) == 1 {
					break
				}
			}
			if got["big.csv"].Status != connectors.StatusDone || got["big.csv"].Accepted != 20000 {
				t.Fatalf("retry: %+v, %v; want done with 20000 records", got["big.csv"], err)
			}
			for order, n := range h.pub.published() {
				if n != 1 {
					t.Fatalf("%s published %d times", order, n)
				}
			}
		})
	}

	if srv := start(t); srv.denyWrites != nil {
		t.Run("an archive that refuses the move: not re-ingested, and a metric says why", func(t *testing.T) {
			h := newHub(t, srv, hubOptions{})
			archive := filepath.Join(srv.local, "archive", time.Now().UTC().Format("2006/01/02"))
			if err := os.MkdirAll(archive, 0o755); err != nil {
				t.Fatal(err)
			}
			srv.denyWrites(t, archive)
			drop(t, srv, "orders.csv", ordersCSV(1, 2))
			for range 3 {
				if _, err := h.poll(); err == nil {
					t.Fatal("poll settled a file although the archive refuses it")
				}
			}
			if n := testutil.ToFloat64(h.metrics.SettleFailures.WithLabelValues("shenzhen-parts", "permission_denied")); n != 3 {
				t.Errorf("procurehub_settle_failures_total{reason=permission_denied} = %v; want 3", n)
			}
			for order, n := range h.pub.published() {
				if n != 1 {
					t.Errorf("%s published %d times; a file whose outcome is recorded is never ingested again", order, n)
				}
			}
			if !slices.Contains(inInbox(t, srv), "orders.csv") {
				t.Error("the file left the inbox although the archive refused it")
			}
		})
	}
}

// crashOnSettle is a source whose process dies when it is about to settle.
type crashOnSettle struct{ connectors.Source }

func (crashOnSettle) Settle(context.Context, connectors.Input, connectors.Outcome) error {
	return errors.New("crash: the process died before settling")
}

// cutOnce is an FS whose first download is cut after some bytes by
// dropping the server's connections for real.
type cutOnce struct {
	filesource.FS
	after int64
	drop  func()
	mu    sync.Mutex
	done  bool
}

func (c *cutOnce) Open(name string) (io.ReadCloser, error) {
	rc, err := c.FS.Open(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || c.done {
		return rc, err
	}
	c.done = true
	return &cutReader{rc: rc, left: c.after, drop: c.drop}, nil
}

type cutReader struct {
	rc   io.ReadCloser
	left int64
	drop func()
}

func (r *cutReader) Read(p []byte) (int, error) {
	if r.left <= 0 && r.drop != nil {
		r.drop()
		r.drop = nil
	}
	if r.left > 0 && int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	return n, err
}

func (r *cutReader) Close() error { return r.rc.Close() }

func TestDropsInALocalDirectory(t *testing.T) {
	runScenarios(t, func(t *testing.T) dropServer {
		dir := t.TempDir()
		return dropServer{name: "dir", remote: dir, local: dir}
	})
}

// eventually waits up to 30 s for cond; the hub must resume within that
// of a service coming back.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30 s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
