package simulate

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func allFiles(t *testing.T, w *World) []File {
	t.Helper()
	files := w.SetupFiles()
	for _, p := range w.Phases() {
		files = append(files, p.Files...)
	}
	files = append(files, File{"hub.yaml", []byte(w.hubConfig("/work"))})
	return files
}

func generate(t *testing.T, orders int, seed uint64) *World {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Orders = orders
	w, err := Generate(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestTheSameSeedGivesByteIdenticalFilesAndAnotherSeedOtherFiles(t *testing.T) {
	a, b, c := allFiles(t, generate(t, 300, 7)), allFiles(t, generate(t, 300, 7)), allFiles(t, generate(t, 300, 8))
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d with the same seed", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("file %d differs with the same seed: %s / %s", i, a[i].Path, b[i].Path)
		}
	}
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = a[i].Path == c[i].Path && bytes.Equal(a[i].Data, c[i].Data)
	}
	if same {
		t.Error("seed 8 gave the same files as seed 7")
	}
}

func TestTheWorldHasTheConfiguredCounts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Orders, cfg.Suppliers, cfg.Carriers, cfg.Buyers, cfg.Banks = 500, 12, 4, 2, 1
	cfg.DuplicateInvoices, cfg.FraudAttempts = 3, 2
	w, err := Generate(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Orders) != 500 || len(w.Suppliers) != 12 || len(w.Carriers) != 4 || len(w.Buyers) != 2 || len(w.Banks) != 1 {
		t.Fatalf("orders %d suppliers %d carriers %d buyers %d banks %d; want 500 12 4 2 1",
			len(w.Orders), len(w.Suppliers), len(w.Carriers), len(w.Buyers), len(w.Banks))
	}
	if w.Counts.Duplicates != 3 || w.Counts.Fraud != 2 {
		t.Errorf("duplicates %d fraud %d; want 3 and 2", w.Counts.Duplicates, w.Counts.Fraud)
	}
	asia := map[string]bool{"CN": true, "VN": true, "TH": true, "MY": true, "ID": true, "PH": true}
	for _, s := range w.Suppliers {
		if !asia[s.Country] || !strings.HasPrefix(s.ID, "SUP-"+s.Country+"-") {
			t.Errorf("supplier %s in %s; want an id SUP-<country>- in Southeast Asia or China", s.ID, s.Country)
		}
	}
	// One ERP row per order line, one file per buyer and week.
	rows := 0
	for _, f := range w.Phases()[0].Files {
		rows += bytes.Count(f.Data, []byte("\n")) - 1
	}
	if rows != w.Counts.Lines {
		t.Errorf("%d order rows in the ERP files; want %d lines", rows, w.Counts.Lines)
	}
	for _, o := range w.Orders {
		if o.OrderDate.Before(cfg.FirstOrder.Time) || o.OrderDate.After(cfg.LastOrder.AddDate(0, 0, 2)) || o.OrderDate.Year() != 2026 {
			t.Fatalf("order %s dated %v, outside the configured dates", o.Number, o.OrderDate)
		}
		for _, s := range o.Shipments {
			for _, e := range s.Events {
				if e.OccurredAt.After(cfg.YearEnd.Add(dayDur)) {
					t.Fatalf("event %s at %v is after the year's end", e.EventID, e.OccurredAt)
				}
			}
		}
	}
	var fraud int
	for _, inv := range w.Invoices {
		if inv.Fraud {
			fraud++
			if inv.PayeeIBAN == "" || len(inv.Payments) != 0 {
				t.Errorf("fraud invoice %s: payee %q, %d payments; want an account and no payment", inv.Number, inv.PayeeIBAN, len(inv.Payments))
			}
		}
	}
	if fraud != 2 {
		t.Errorf("%d fraud invoices; want 2", fraud)
	}
}

func TestTheInjectedErrorRateIsWithinOnePercentOfTheConfigured(t *testing.T) {
	for _, rate := range []float64{0.03, 0.1} {
		cfg := DefaultConfig()
		cfg.ErrorRate = rate
		w, err := Generate(cfg, 11)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(w.Counts.InjectedErrors()) / float64(len(w.Orders))
		if math.Abs(got-rate) > 0.01 {
			t.Errorf("error rate %.4f over %d orders; want %.2f ± 0.01", got, len(w.Orders), rate)
		}
		for _, k := range errorKinds {
			if w.Counts.Errors[k] == 0 {
				t.Errorf("rate %.2f: no %s error among %d", rate, k, w.Counts.InjectedErrors())
			}
		}
	}
}

func TestAConfigFileOverridesTheDefaultsAndRefusesUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "world.yaml")
	os.WriteFile(good, []byte("orders: 40\nerror_rate: 0.05\nlast_order: 2026-06-30\nmanual: {matching_days: 9}\n"), 0o644)
	cfg, err := LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Orders != 40 || cfg.ErrorRate != 0.05 || cfg.LastOrder.Format(time.DateOnly) != "2026-06-30" ||
		cfg.Manual.MatchingDays != 9 || cfg.Manual.OrderEntryDays != 2 || cfg.Suppliers != 18 {
		t.Errorf("config %+v; want the file's values over the defaults", cfg)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("order: 40\n"), 0o644)
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "order") {
		t.Errorf("an unknown key: %v; want an error naming it", err)
	}
}

func TestFedThroughTheHubTheStoreHoldsTheOrdersShipmentsAndInvoices(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub")
	}
	w := generate(t, 30, 5)
	var logw io.Writer = io.Discard
	if os.Getenv("PROCUREHUB_TEST_LOG") != "" {
		logw = os.Stderr
	}
	ctx := context.Background()
	h, err := StartHub(ctx, w, t.TempDir(), slog.New(slog.NewTextHandler(logw, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err := Feed(ctx, h, w, Options{Timeout: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	r, err := Collect(ctx, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if r.Orders != 30 {
		t.Errorf("%d orders in the store; want 30", r.Orders)
	}
	if r.Caught != w.Counts.InjectedErrors() || r.FalsePositives != 0 {
		t.Errorf("held for review: %d injected, %d others; want %d and 0", r.Caught, r.FalsePositives, w.Counts.InjectedErrors())
	}
	if r.Invoices != w.Counts.Invoices {
		t.Errorf("%d invoices in the store; want %d", r.Invoices, w.Counts.Invoices)
	}
	c := &client{base: h.URL}
	tr, err := c.tracking(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	shipments := 0
	for _, o := range tr {
		shipments += len(o.Shipments)
	}
	if shipments != w.Counts.Shipments {
		t.Errorf("%d shipments in the store; want %d", shipments, w.Counts.Shipments)
	}
	if r.Delivered != w.Counts.DeliveredInYear {
		t.Errorf("%d orders delivered per the carriers' events; want %d", r.Delivered, w.Counts.DeliveredInYear)
	}
	if r.Settlement.Entries != w.Counts.BankEntries {
		t.Errorf("%d bank entries; want %d", r.Settlement.Entries, w.Counts.BankEntries)
	}
	if r.AlertsByKind["duplicate_invoice"] < w.Counts.Duplicates || r.AlertsByKind["bank_account_changed"] < w.Counts.Fraud {
		t.Errorf("alerts %v; want the %d duplicates and %d fraud attempts flagged", r.AlertsByKind, w.Counts.Duplicates, w.Counts.Fraud)
	}
	var out bytes.Buffer
	Print(&out, w, r)
	if !strings.Contains(out.String(), "keying errors caught") {
		t.Errorf("the table:\n%s", out.String())
	}
}
