package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// runCLI runs the binary's entry point in-process and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		stderr.WriteString(err.Error())
		code = 1
	}
	return stdout.String(), stderr.String(), code
}

func TestParseXLSXPrintsTheSameOrdersAsTheCSVExport(t *testing.T) {
	mappingFile := "../../connectors/erpexport/testdata/orders.mapping.yaml"
	fromXLSX, errOut, code := runCLI(t, "parse", "--format", "xlsx", "--mapping", mappingFile,
		"../../connectors/erpexport/testdata/xlsx/good-orders.xlsx")
	if code != 0 {
		t.Fatalf("xlsx: exit %d: %s", code, errOut)
	}
	fromCSV, errOut, code := runCLI(t, "parse", "--format", "erp_csv", "--mapping", mappingFile,
		"../../connectors/erpexport/testdata/good-orders.csv")
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, errOut)
	}
	// Lineage differs (file name, sheet); the orders must not.
	strip := func(out string) []string {
		var orders []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			data := rec["data"].(map[string]any)
			delete(data, "source")
			for _, l := range data["lines"].([]any) {
				delete(l.(map[string]any), "source")
			}
			b, _ := json.Marshal(rec)
			orders = append(orders, string(b))
		}
		return orders
	}
	x, c := strip(fromXLSX), strip(fromCSV)
	if len(x) == 0 || strings.Join(x, "\n") != strings.Join(c, "\n") {
		t.Errorf("parse --format xlsx printed\n%s\nwant the orders of the CSV export\n%s", strings.Join(x, "\n"), strings.Join(c, "\n"))
	}
}

func TestParseBankStatementsPrintsOneStatementPerLine(t *testing.T) {
	out, errOut, code := runCLI(t, "parse", "--format", "camt053",
		"../../connectors/bankstatement/camt/testdata/camt053_v02_two_statements.xml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want the file's 2 statements:\n%s", len(lines), out)
	}
	var rec struct {
		Type string `json:"type"`
		Data struct {
			BalanceCheck string `json:"balance_check"`
			Entries      []any  `json:"entries"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Type != "bank_statement" || rec.Data.BalanceCheck != "ok" || len(rec.Data.Entries) == 0 {
		t.Errorf("first record = %+v; want a bank_statement with entries and balance_check ok", rec)
	}
	if _, errOut, code := runCLI(t, "parse", "--format", "mt940", "--mapping", "x.yaml", "a.sta"); code == 0 || !strings.Contains(errOut, "takes no --mapping") {
		t.Errorf("mt940 with --mapping: exit %d, %q; want a refusal", code, errOut)
	}
}

func TestParseEDIPrintsCanonicalRecords(t *testing.T) {
	out, errOut, code := runCLI(t, "parse", "--format", "x12", "../../connectors/edi/x12/testdata/850_retailer_to_shenzhen_supplier.x12")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rec struct {
		Type string `json:"type"`
		Data struct {
			OrderNumber string `json:"order_number"`
			Lines       []any  `json:"lines"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Type != "order" || rec.Data.OrderNumber == "" || len(rec.Data.Lines) == 0 {
		t.Errorf("first record = %+v; want an order with lines from the 850", rec)
	}
}

func TestParseWritesTheAcknowledgementIntoRepliesDir(t *testing.T) {
	dir := t.TempDir()
	in := "../../connectors/edi/edifact/testdata/orders_unoc_umlauts.edi"
	_, errOut, code := runCLI(t, "parse", "--format", "edifact", "--replies", dir, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.Base(in)+".contrl"))
	if err != nil || !strings.Contains(string(b), "UNH+") || !strings.Contains(string(b), "CONTRL") {
		t.Errorf("CONTRL in --replies: %q, %v", b, err)
	}
	_, errOut, _ = runCLI(t, "parse", "--format", "edifact", in)
	if !strings.Contains(errOut, ".contrl not written (use --replies DIR)") {
		t.Errorf("without --replies, stderr = %q; want the reply named as not written", errOut)
	}
}

func TestParse(t *testing.T) {
	mappingFile := "../../configs/partners/acme-gmbh.mapping.yaml"
	good := "../../internal/demo/data/acme-gmbh/bestellungen-2026-03-02.csv"
	withErrors := "../../internal/demo/data/acme-gmbh/bestellungen-2026-03-04.csv"

	t.Run("a good file prints one canonical order per line and exits 0", func(t *testing.T) {
		out, errOut, code := runCLI(t, "parse", "--format", "erp_csv", "--mapping", mappingFile, good)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines, want 3 orders:\n%s", len(lines), out)
		}
		var rec struct {
			Type string `json:"type"`
			Data struct {
				OrderNumber string `json:"order_number"`
				Lines       []struct {
					UnitPrice string `json:"unit_price"`
				} `json:"lines"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type != "order" || rec.Data.OrderNumber != "4500012345" || rec.Data.Lines[0].UnitPrice != "186.40" {
			t.Errorf("first record = %+v, want order 4500012345 with unit price 186.40", rec)
		}
	})

	t.Run("row errors go to stderr with file and line and the exit status is 1", func(t *testing.T) {
		out, errOut, code := runCLI(t, "parse", "--format", "erp_csv", "--mapping", mappingFile, withErrors)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		if !strings.Contains(errOut, `bestellungen-2026-03-04.csv:3: lines.unit_price: "1,I2" is not a decimal`) {
			t.Errorf("stderr lacks the positioned row error:\n%s", errOut)
		}
		if n := strings.Count(out, "\n"); n != 1 {
			t.Errorf("%d records on stdout, want the 1 good order", n)
		}
	})

	t.Run("an unknown format is a usage error naming the formats", func(t *testing.T) {
		_, errOut, code := runCLI(t, "parse", "--format", "tradacoms", good)
		if code != 2 || !strings.Contains(errOut, "erp_csv") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name, file string
		code       int
		want       string
	}{
		{"the shipped demo config is valid", "../../configs/demo.yaml", 0, "ok (9 partners)"},
		{"a misspelt partner setting is named at its line and column", "testdata/partner-settings-typo.yaml", 1,
			`testdata/partner-settings-typo.yaml:9:7: unknown key "poll_intervall" (did you mean "poll_interval"?)`},
		{"an unknown connector kind is named at its line and column", "testdata/unknown-kind.yaml", 1,
			`testdata/unknown-kind.yaml:5:5: partners[0].kind: unknown connector kind "erp_exports"`},
		{"a misspelt validation rule is named at its line and column in the rules file", "testdata/validation-rule-typo.yaml", 1,
			`validation-rule-typo.rules.yaml:2:3: unknown rule id "price_lsit" (did you mean "price_list"?)`},
		{"an unset secret variable is named at its line and column", "testdata/missing-secret.yaml", 1,
			"testdata/missing-secret.yaml:5:8: environment variable PROCUREHUB_TEST_NEVER_SET_DSN is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "config", "check", tt.file)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestConnectorsListsEveryKindWithItsSettings(t *testing.T) {
	out, _, code := runCLI(t, "connectors")
	if code != 0 || !strings.Contains(out, "erp_export") || !strings.Contains(out, "bank_statement") || !strings.Contains(out, "edi —") || !strings.Contains(out, "settle_time") ||
		!strings.Contains(out, "parse formats: bai2, camt052, camt053, camt054, edifact, erp_csv, mt940, mt942, tracking, ubl, x12, xlsx") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

func TestMigrateCreatesTheSQLiteStore(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	db := filepath.Join(dir, "hub.db")
	os.WriteFile(cfg, []byte("broker:\n  embedded: true\nstore:\n  driver: sqlite\n  dsn: "+db+"\n"), 0o644)
	for range 2 { // migrations are idempotent
		out, errOut, code := runCLI(t, "migrate", "--config", cfg)
		if code != 0 || !strings.Contains(out, "migrations applied") {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("no database file: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"config"}, {"run", "--no-such-flag"}} {
		if _, errOut, code := runCLI(t, args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 with a usage message", args, code, errOut)
		}
	}
}

func TestRunStartsTheHubOnTheGivenAddressesAndStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hub.yaml")
	os.WriteFile(cfg, []byte("broker:\n  embedded: true\n  data_dir: "+filepath.Join(dir, "kafka")+
		"\nstore:\n  driver: sqlite\n  dsn: "+filepath.Join(dir, "hub.db")+"\n  migrate_on_start: true\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "--config", cfg, "--http-addr", "127.0.0.1:0", "--kafka-addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stdout.String(), "procurehub is running") {
		if time.Now().After(deadline) {
			t.Fatalf("no banner within 60s; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(stdout.String(), ":9092") || strings.Contains(stdout.String(), ":8080") {
		t.Errorf("banner shows a default port although others were asked for:\n%s", stdout.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancellation", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not return within 60s of cancellation")
	}
}

func TestKafkaAddrIsRefusedWithExternalBrokers(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("broker:\n  brokers: [kafka-1:9092]\n"), 0o644)
	if _, errOut, code := runCLI(t, "run", "--config", cfg, "--kafka-addr", "127.0.0.1:0"); code != 2 || !strings.Contains(errOut, "embedded broker") {
		t.Fatalf("exit %d, stderr %q; want exit 2 explaining the flag", code, errOut)
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ordersOf parses JSON Lines into order content keyed by order number,
// without lineage (which names the file it came from).
func ordersOf(t *testing.T, jsonl string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var rec struct {
			Type string          `json:"type"`
			Data canonical.Order `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		rec.Data.Source = nil
		for i := range rec.Data.Lines {
			rec.Data.Lines[i].Source = nil
		}
		b, _ := json.Marshal(rec.Data)
		out[rec.Data.OrderNumber] = string(b)
	}
	return out
}

func TestAnX12OrderRenderedAsEDIFACTReadsBackTheSame(t *testing.T) {
	dir := t.TempDir()
	fromX12, errOut, code := runCLI(t, "parse", "--format", "x12", "../../connectors/edi/x12/testdata/850_retailer_to_shenzhen_supplier.x12")
	if code != 0 {
		t.Fatalf("parse x12: exit %d: %s", code, errOut)
	}
	jsonl := filepath.Join(dir, "orders.jsonl")
	if err := os.WriteFile(jsonl, []byte(fromX12), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"edifact", "x12"} {
		t.Run(format, func(t *testing.T) {
			doc, errOut, code := runCLI(t, "render", "--format", format, "--sender", "ZZ:PROCUREHUB", "--receiver", "ZZ:SZPARTS",
				"--control", "42", jsonl)
			if code != 0 {
				t.Fatalf("render: exit %d: %s", code, errOut)
			}
			file := filepath.Join(dir, "orders."+format)
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			back, errOut, code := runCLI(t, "parse", "--format", format, file)
			if code != 0 {
				t.Fatalf("parse the rendered %s: exit %d: %s\n%s", format, code, errOut, doc)
			}
			want, got := ordersOf(t, fromX12), ordersOf(t, back)
			if len(got) != len(want) {
				t.Fatalf("%d orders back; want %d", len(got), len(want))
			}
			for n, w := range want {
				if got[n] != w {
					t.Errorf("order %s after %s:\n got %s\nwant %s", n, format, got[n], w)
				}
			}
		})
	}
}

func TestRenderRefusesWhatItCannotWrite(t *testing.T) {
	dir := t.TempDir()
	shipment := filepath.Join(dir, "shipment.jsonl")
	os.WriteFile(shipment, []byte(`{"type":"shipment","data":{"shipment_id":"ASN-1"}}`+"\n"), 0o644)
	if _, errOut, code := runCLI(t, "render", "--format", "x12", "--sender", "A", "--receiver", "B", shipment); code == 0 ||
		!strings.Contains(errOut, "shipment.jsonl:1") {
		t.Errorf("a shipment: exit %d, %q; want refused with its line", code, errOut)
	}
	if _, _, code := runCLI(t, "render", "--format", "x12", shipment); code != 2 {
		t.Errorf("without --sender and --receiver: exit %d; want usage (2)", code)
	}
}

func TestParseTrackingPrintsEventsThroughAProfile(t *testing.T) {
	in := "../../connectors/tracking/testdata/aftership/page_of_two_trackings.json"
	out, errOut, code := runCLI(t, "parse", "--format", "tracking", "--profile", "aftership", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		var rec struct {
			Type string `json:"type"`
			Data struct {
				Status string `json:"status"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Type != "tracking_event" || rec.Data.Status == "" {
			t.Errorf("line %q: want a tracking_event with a normalized status", l)
		}
	}
	if _, errOut, code := runCLI(t, "parse", "--format", "tracking", in); code != 2 && !strings.Contains(errOut, "needs --profile") {
		t.Errorf("without --profile: exit %d, %q; want it asked for", code, errOut)
	}
}
