package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/carriersim"
	"github.com/procurehub/procurehub/internal/config"
)

// carrierSecret signs the simulated carriers' webhook deliveries; it only
// lives as long as the in-process hub.
const carrierSecret = "procurehub-simulate-carrier-secret"

// Options run a simulation.
type Options struct {
	Config Config
	Seed   uint64
	// Dir is the work directory (hub config, inboxes, store, broker data).
	Dir string
	// Log receives the hub's and the feeder's logs; nil for none.
	Log *slog.Logger
	// Progress receives one line per phase; nil for none.
	Progress io.Writer
	// Timeout bounds each wait for the hub; default 5 minutes.
	Timeout time.Duration
}

// Hub is a hub started for a simulation.
type Hub struct {
	URL  string
	Dir  string
	stop func() error
}

// Stop stops the hub and waits for it.
func (h *Hub) Stop() error { return h.stop() }

// hubYAML is the generated hub config; partner inboxes under the work dir.
const hubYAML = `# The hub of procurehub simulate: embedded broker and SQLite in the work
# directory, one partner per channel of the simulated year.
broker: {embedded: true, addr: "127.0.0.1:0", data_dir: $DIR/kafka, partitions: 4}
store: {driver: sqlite, dsn: $DIR/hub.db, migrate_on_start: true}
http: {addr: "127.0.0.1:0"}
pipeline: {retries: 3, retry_initial: 20ms}
fx: {source: $DIR/` + fxFile + `}
validation: {enabled: true, rules: rules.yaml, catalog: catalog.yaml}
settlement:
  enabled: true
  home_currency: EUR
  reconcile_every: 500ms
  tolerances:
    default: {quantity_percent: "0", unit_price_percent: "0", amount: "0.01"}
  approval: {currency: EUR, single_limit: "10000", dual_limit: "100000", senior: [cfo]}
  risk: {min_history: 5, outlier_factor: 6, split_window_days: 14}
partners:
  - name: buyer-erp
    kind: erp_export
    settings: {inbox: $DIR/` + inboxOrders + `, pattern: "*.csv", settle_time: 0s, poll_interval: 100ms, mapping: orders.mapping.yaml}
  - name: supplier-confirmations
    kind: erp_export
    settings: {inbox: $DIR/` + inboxConfirmations + `, pattern: "*.csv", settle_time: 0s, poll_interval: 100ms, mapping: confirmations.mapping.yaml}
  - name: supplier-invoices
    kind: erp_export
    settings: {inbox: $DIR/` + inboxInvoices + `, pattern: "*.csv", settle_time: 0s, poll_interval: 100ms, mapping: invoices.mapping.yaml}
  - name: supplier-edi
    kind: edi
    settings: {inbox: $DIR/` + inboxEDI + `, format: x12, settle_time: 0s, poll_interval: 100ms}
`

func (w *World) hubConfig(dir string) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(hubYAML, "$DIR", dir))
	for _, bk := range w.Banks {
		fmt.Fprintf(&b, "  - name: bank-%s\n    kind: bank_statement\n    settings: {inbox: %s/%s%s, format: camt053, settle_time: 0s, poll_interval: 100ms}\n",
			bk.Code, dir, inboxBankPrefix, bk.Code)
	}
	for _, c := range w.Carriers {
		fmt.Fprintf(&b, "  - name: %s\n    kind: tracking\n    settings:\n      profile: demo\n      webhook: {secret: \"${SIM_CARRIER_SECRET}\"}\n", carrierPartner(c))
	}
	return b.String()
}

func carrierPartner(c *Carrier) string { return "carrier-" + strings.ToLower(c.Code) }

// StartHub writes the setup files and the hub config into dir and runs
// the hub in-process until Stop.
func StartHub(ctx context.Context, w *World, dir string, log *slog.Logger) (*Hub, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// Every inbox exists before the hub polls it: partners drop into
	// folders that are there.
	inboxes := []string{inboxOrders, inboxConfirmations, inboxInvoices, inboxEDI}
	for _, b := range w.Banks {
		inboxes = append(inboxes, inboxBankPrefix+b.Code)
	}
	for _, in := range inboxes {
		if err := os.MkdirAll(filepath.Join(dir, in), 0o755); err != nil {
			return nil, err
		}
	}
	for _, f := range append(w.SetupFiles(), File{"hub.yaml", []byte(w.hubConfig(dir))}) {
		if err := writeFile(filepath.Join(dir, f.Path), f.Data); err != nil {
			return nil, err
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "hub.yaml"), func(k string) (string, bool) {
		if k == "SIM_CARRIER_SECRET" {
			return carrierSecret, true
		}
		return "", false
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: hub config: %w", err)
	}
	reg, err := app.Builtins()
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithCancel(ctx)
	started := make(chan *app.Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(hctx, app.Options{Config: cfg, Registry: reg, Logger: log, Started: func(h *app.Hub) { started <- h }})
	}()
	var h *app.Hub
	select {
	case h = <-started:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("simulate: the hub stopped before it started: %w", err)
	case <-time.After(2 * time.Minute):
		cancel()
		return nil, errors.New("simulate: the hub did not start within 2 minutes")
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
				if errors.Is(stopErr, context.Canceled) {
					stopErr = nil
				}
			case <-time.After(time.Minute):
				stopErr = errors.New("simulate: the hub did not stop within a minute")
			}
		})
		return stopErr
	}
	return &Hub{URL: "http://" + h.HTTPAddr, Dir: dir, stop: stop}, nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// drop puts a file into its inbox the way a partner does: written under a
// temporary name, then renamed, so the hub never takes half a file.
func drop(dir string, f File) error {
	path := filepath.Join(dir, f.Path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".part")
	if err := os.WriteFile(tmp, f.Data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Feed sends the world to the hub phase by phase, each through its real
// channel, and waits after each until the hub has taken it.
func Feed(ctx context.Context, h *Hub, w *World, opt Options) error {
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	progress := opt.Progress
	if progress == nil {
		progress = io.Discard
	}
	c := &client{base: h.URL}
	phases := w.Phases()
	files := 0
	for i, ph := range phases {
		for _, f := range ph.Files {
			if err := drop(h.Dir, f); err != nil {
				return err
			}
		}
		if err := waitReceipts(ctx, h.Dir, ph, timeout); err != nil {
			return err
		}
		switch ph.Name {
		case "orders":
			if err := c.waitOrders(ctx, w, timeout); err != nil {
				return err
			}
		case "asns":
			if err := sendTracking(ctx, h, w); err != nil {
				return err
			}
			if err := c.waitTracking(ctx, w, timeout); err != nil {
				return err
			}
		case "invoices":
			if err := c.waitInvoices(ctx, ph.Invoices, timeout); err != nil {
				return err
			}
		case "bank statements":
			if err := c.waitReconciled(ctx, w, timeout); err != nil {
				return err
			}
		}
		files += len(ph.Files)
		if i == len(phases)-1 || phases[i+1].Name != ph.Name {
			fmt.Fprintf(progress, "fed %-16s %5d files\n", ph.Name, files)
			files = 0
		}
	}
	return nil
}

// waitReceipts waits for the receipt of every file of a phase in its
// partner's outbox: the file was read and all its records are on the broker.
func waitReceipts(ctx context.Context, dir string, ph Phase, timeout time.Duration) error {
	missing := func() []string {
		var out []string
		for _, f := range ph.Files {
			p := filepath.Join(dir, filepath.Dir(f.Path), "outbox", filepath.Base(f.Path)+".receipt.json")
			if _, err := os.Stat(p); err != nil {
				out = append(out, f.Path)
			}
		}
		return out
	}
	return poll(ctx, timeout, func() (bool, string) {
		m := missing()
		if len(m) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("%s: no receipt for %d of %d files (first %s)", ph.Name, len(m), len(ph.Files), m[0])
	})
}

// sendTracking posts each shipment's carrier events to its carrier's
// signed webhook, one delivery per shipment, a few carriers at once.
func sendTracking(ctx context.Context, h *Hub, w *World) error {
	type job struct {
		partner string
		events  []carriersim.Event
	}
	var jobs []job
	for _, o := range w.Orders {
		for _, s := range o.Shipments {
			if len(s.Events) > 0 {
				jobs = append(jobs, job{carrierPartner(s.Carrier), s.Events})
			}
		}
	}
	ch := make(chan job)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range ch {
				s := &carriersim.Sender{URL: h.URL + "/webhooks/tracking/" + j.partner,
					Signature: webhook.Signature{Secret: []byte(carrierSecret)}}
				if err := s.Send(ctx, j.events...); err != nil {
					select {
					case errs <- fmt.Errorf("simulate: tracking webhook of %s: %w", j.events[0].TrackingNumber, err):
					default:
					}
				}
			}
		})
	}
	for _, j := range jobs {
		select {
		case ch <- j:
		case err := <-errs:
			close(ch)
			wg.Wait()
			return err
		}
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// poll calls cond until it is done, ctx ends or timeout passes; the error
// says what cond last found missing.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, string)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, what := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("simulate: not within %v: %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// client reads the hub's API.
type client struct {
	base string
	http http.Client
}

var errNotFound = errors.New("not found")

func (c *client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("GET %s: %w", path, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// apiOrder is what the simulator reads of an order.
type apiOrder struct {
	OrderNumber string `json:"order_number"`
	Status      string `json:"status"`
}

// pages reads every page of a list: key is the list's field.
func pages[T any](ctx context.Context, c *client, path, key string) ([]T, error) {
	var out []T
	cursor := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for {
		q := path + sep + "limit=500"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var body map[string]json.RawMessage
		if err := c.get(ctx, q, &body); err != nil {
			return nil, err
		}
		var items []T
		if raw, ok := body[key]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, fmt.Errorf("GET %s: %w", q, err)
			}
		}
		out = append(out, items...)
		cursor = ""
		if raw, ok := body["next_cursor"]; ok {
			_ = json.Unmarshal(raw, &cursor)
		}
		if cursor == "" || len(items) == 0 {
			return out, nil
		}
	}
}

func (c *client) waitOrders(ctx context.Context, w *World, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, string) {
		got, err := pages[apiOrder](ctx, c, "/api/v1/orders", "orders")
		if err != nil {
			return false, err.Error()
		}
		have := map[string]bool{}
		for _, o := range got {
			have[o.OrderNumber] = true
		}
		var missing []string
		for _, o := range w.Orders {
			if !have[o.Number] {
				missing = append(missing, o.Number)
			}
		}
		if len(missing) > 0 {
			return false, fmt.Sprintf("orders: %d of %d not in the store (first %s)", len(missing), len(w.Orders), missing[0])
		}
		// Validation runs behind the store sink: wait until each injected
		// error shows as needs_review, so later phases see the final status.
		review, err := pages[apiOrder](ctx, c, "/api/v1/orders?status=needs_review", "orders")
		if err != nil {
			return false, err.Error()
		}
		held := map[string]bool{}
		for _, o := range review {
			held[o.OrderNumber] = true
		}
		for _, o := range w.Orders {
			if o.Error != "" && !held[o.Number] {
				return false, fmt.Sprintf("orders: %s (%s) not yet held for review", o.Number, o.Error)
			}
		}
		return true, ""
	})
}

type apiTracking struct {
	Status    string `json:"status"`
	Shipments []struct {
		ShipmentID string `json:"shipment_id"`
		Events     []struct {
			Status     string    `json:"status"`
			OccurredAt time.Time `json:"occurred_at"`
		} `json:"events"`
	} `json:"shipments"`
}

// tracking reads every shipped order's tracking, sorted by order number.
func (c *client) tracking(ctx context.Context, w *World) (map[string]apiTracking, error) {
	out := map[string]apiTracking{}
	for _, o := range w.Orders {
		if len(o.Shipments) == 0 {
			continue
		}
		var t apiTracking
		if err := c.get(ctx, "/api/v1/orders/"+url.PathEscape(o.Number)+"/tracking", &t); err != nil {
			return nil, err
		}
		out[o.Number] = t
	}
	return out, nil
}

func (c *client) waitTracking(ctx context.Context, w *World, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, string) {
		tr, err := c.tracking(ctx, w)
		if err != nil {
			return false, err.Error()
		}
		for _, o := range w.Orders {
			wantShip, wantEvents := 0, 0
			for _, s := range o.Shipments {
				if !s.ShipDate.After(w.Config.YearEnd.Time) {
					wantShip++
					wantEvents += len(s.Events)
				}
			}
			t := tr[o.Number]
			gotEvents := 0
			for _, s := range t.Shipments {
				gotEvents += len(s.Events)
			}
			if len(t.Shipments) < wantShip || gotEvents < wantEvents {
				return false, fmt.Sprintf("tracking: order %s shows %d of %d shipments and %d of %d carrier events",
					o.Number, len(t.Shipments), wantShip, gotEvents, wantEvents)
			}
		}
		return true, ""
	})
}

type apiInvoice struct {
	Invoice struct {
		InvoiceNumber string `json:"invoice_number"`
		InvoiceDate   string `json:"invoice_date"`
		Supplier      struct {
			ID string `json:"id"`
		} `json:"supplier"`
	} `json:"invoice"`
	MatchStatus string     `json:"match_status"`
	Settlement  string     `json:"settlement"`
	PaidAt      *time.Time `json:"paid_at"`
	AutoMatched bool       `json:"auto_matched"`
}

// waitInvoices waits until the store holds every invoice of numbers.
func (c *client) waitInvoices(ctx context.Context, numbers []string, timeout time.Duration) error {
	return poll(ctx, timeout, func() (bool, string) {
		got, err := pages[apiInvoice](ctx, c, "/api/v1/invoices", "invoices")
		if err != nil {
			return false, err.Error()
		}
		have := map[string]bool{}
		for _, inv := range got {
			have[inv.Invoice.InvoiceNumber] = true
		}
		var missing []string
		for _, n := range numbers {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return false, fmt.Sprintf("invoices: %d of %d not in the store (first %s)", len(missing), len(numbers), missing[0])
		}
		return true, ""
	})
}

// settlementKPIs mirrors GET /api/v1/settlement/kpis.
type settlementKPIs struct {
	Invoices       int      `json:"invoices"`
	Matched        int      `json:"matched"`
	Mismatch       int      `json:"mismatch"`
	MatchRate      *float64 `json:"match_rate"`
	Reconciled     int      `json:"reconciled"`
	Partial        int      `json:"partially_reconciled"`
	AutoReconciled int      `json:"auto_reconciled"`
	AutoMatchRate  *float64 `json:"auto_match_rate"`
	Entries        int      `json:"bank_entries"`
	EntriesMatched int      `json:"bank_entries_matched"`
	EntriesOpen    int      `json:"bank_entries_unmatched"`
	Cycle          struct {
		Count  int      `json:"count"`
		Mean   *float64 `json:"mean"`
		Median *float64 `json:"median"`
		P90    *float64 `json:"p90"`
	} `json:"settlement_cycle_days"`
}

// waitReconciled waits for every bank entry in the store and for the
// reconciler to settle: the same figures on three polls a second apart.
func (c *client) waitReconciled(ctx context.Context, w *World, timeout time.Duration) error {
	var last string
	same := 0
	return poll(ctx, timeout, func() (bool, string) {
		var k settlementKPIs
		if err := c.get(ctx, "/api/v1/settlement/kpis", &k); err != nil {
			return false, err.Error()
		}
		if k.Entries < w.Counts.BankEntries {
			return false, fmt.Sprintf("bank entries: %d of %d in the store", k.Entries, w.Counts.BankEntries)
		}
		now := fmt.Sprint(k.Reconciled, k.Partial, k.EntriesMatched, k.EntriesOpen)
		if now == last {
			same++
		} else {
			last, same = now, 0
		}
		if same < 5 {
			return false, "the reconciler is still matching"
		}
		return true, ""
	})
}
