package infer

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"
)

// expectation is one entry of testdata/expected.yaml: what a person maps
// for a sample.
type expectation struct {
	File     string            `yaml:"file"`
	Document string            `yaml:"document"`
	Settings map[string]any    `yaml:"settings"`
	Columns  map[string]string `yaml:"columns"`
	Unplaced []string          `yaml:"unplaced"`
	Missing  []string          `yaml:"missing"`

	content []byte // the sample; read from samples/ unless set
}

// minAccuracy is the share of expected fields the proposals must place on
// the right column, over all samples.
const minAccuracy = 0.90

// samples returns the expectations with their files: the CSV samples of
// testdata/samples and the spreadsheets the test writes.
func samples(t *testing.T) []expectation {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var exps []expectation
	if err := yaml.Unmarshal(b, &exps); err != nil {
		t.Fatalf("expected.yaml: %v", err)
	}
	listed := map[string]bool{}
	for i := range exps {
		e := &exps[i]
		listed[e.File] = true
		if e.content, err = os.ReadFile(filepath.Join("testdata", "samples", e.File)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob("testdata/samples/*")
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("sample %s has no entry in expected.yaml", filepath.Base(f))
		}
	}
	return append(exps, xlsxSamples(t)...)
}

// xlsxSamples writes two spreadsheets: an English order export with numbers
// stored as numbers, and a German invoice list with a title above the header.
func xlsxSamples(t *testing.T) []expectation {
	t.Helper()
	order := [][]any{
		{"PO Number", "Order Date", "Supplier", "SKU", "Description", "Qty", "Unit", "Unit Price", "Currency"},
		{"PO-1", day(1), "SUP-1", "A-1", "Hinge steel", 100, "EA", 1.25, "EUR"},
		{"PO-1", day(1), "SUP-1", "A-2", "Handle alu", 50, "EA", 3.5, "EUR"},
		{"PO-2", day(2), "SUP-2", "B-7", "Lock set", 10, "SET", 12.75, "EUR"},
	}
	invoice := [][]any{
		{"Rechnungsliste März 2026"},
		{},
		{"Rechnungsnummer", "Rechnungsdatum", "Bestellnummer", "Lieferant", "Währung", "Artikelnummer", "Menge", "Einzelpreis", "Gesamtbetrag"},
		{"RE-100", "31.03.2026", "4500012345", "100234", "EUR", "SP-4411", 1200, 0.35, 708},
		{"RE-100", "31.03.2026", "4500012345", "100234", "EUR", "SP-4412", 2400, 0.12, 708},
		{"RE-101", "31.03.2026", "4500012346", "100235", "EUR", "HM-77", 10, 44.5, 445},
	}
	return []expectation{
		{File: "xlsx-order-en.xlsx", content: writeXLSX(t, "Orders", order),
			Settings: map[string]any{"header_row": 1, "decimal_mark": ".", "date_formats": []any{"YYYY-MM-DD"}},
			Columns: map[string]string{"order_number": "PO Number", "order_date": "Order Date", "supplier.id": "Supplier", "lines.sku": "SKU",
				"lines.description": "Description", "lines.quantity": "Qty", "lines.unit": "Unit", "lines.unit_price": "Unit Price", "currency": "Currency"}},
		{File: "xlsx-invoice-de-title-row.xlsx", Document: "invoice", content: writeXLSX(t, "Rechnungen", invoice),
			Settings: map[string]any{"header_row": 3, "date_formats": []any{"DD.MM.YYYY"}},
			Columns: map[string]string{"invoice_number": "Rechnungsnummer", "invoice_date": "Rechnungsdatum", "lines.order_number": "Bestellnummer",
				"supplier.id": "Lieferant", "currency": "Währung", "lines.sku": "Artikelnummer", "lines.quantity": "Menge",
				"lines.unit_price": "Einzelpreis", "total_amount": "Gesamtbetrag"}},
	}
}

// day is a date cell of March 2026.
func day(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }

func writeXLSX(t *testing.T, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cellRef, _ := excelize.CoordinatesToCellName(1, i+1)
		if len(r) == 0 {
			continue
		}
		if err := f.SetSheetRow(sheet, cellRef, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "sample.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func infer(t *testing.T, e expectation) *Proposal {
	t.Helper()
	p, err := Infer(e.content, Options{Document: e.Document, FileName: e.File, Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("%s: %v", e.File, err)
	}
	return p
}

// TestProposalsPlaceTheExpectedColumns is the measure: over every sample,
// the share of expected fields placed on the right column, with a table
// of the results per sample (go test -v shows it).
func TestProposalsPlaceTheExpectedColumns(t *testing.T) {
	exps := samples(t)
	if len(exps) < 24 {
		t.Fatalf("only %d samples; the measure needs at least 24", len(exps))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-46s %8s %8s %6s %7s %6s\n", "sample", "expected", "correct", "wrong", "missed", "extra")
	var sumExp, sumOK, sumWrong, sumMissed, sumExtra int
	for _, e := range exps {
		p := infer(t, e)
		got := map[string]string{}
		columns := map[int]string{}
		for _, f := range p.Fields {
			if prev, dup := got[f.Field]; dup {
				t.Errorf("%s: %s has two columns, %q and %q", e.File, f.Field, prev, f.Column)
			}
			if prev, dup := columns[f.Index]; dup {
				t.Errorf("%s: column %q feeds %s and %s", e.File, f.Column, prev, f.Field)
			}
			got[f.Field], columns[f.Index] = f.Column, f.Field
		}
		var ok, wrong, missed, extra int
		for field, want := range e.Columns {
			switch g, has := got[field]; {
			case !has:
				missed++
				t.Logf("%s: %s missed (want %q)", e.File, field, want)
			case strings.EqualFold(g, want):
				ok++
			default:
				wrong++
				t.Logf("%s: %s is %q, want %q", e.File, field, g, want)
			}
		}
		for field, g := range got {
			if _, want := e.Columns[field]; !want {
				extra++
				t.Logf("%s: %s is %q, want no column", e.File, field, g)
			}
		}
		fmt.Fprintf(&table, "%-46s %8d %8d %6d %7d %6d\n", e.File, len(e.Columns), ok, wrong, missed, extra)
		sumExp, sumOK, sumWrong, sumMissed, sumExtra = sumExp+len(e.Columns), sumOK+ok, sumWrong+wrong, sumMissed+missed, sumExtra+extra

		checkSettings(t, e, p.Settings)
		// What a mapping needs besides the key follows package mapping's
		// rules; the key is missing exactly when expected.
		for _, m := range e.Missing {
			if !slices.Contains(p.Missing, m) {
				t.Errorf("%s: missing = %q, want it to name %s", e.File, p.Missing, m)
			}
		}
		key := keyField(p.Document)
		if slices.Contains(p.Missing, key) != slices.Contains(e.Missing, key) {
			t.Errorf("%s: missing = %q, want %s there only when expected.yaml says so", e.File, p.Missing, key)
		}
		for _, col := range e.Unplaced {
			if !slices.ContainsFunc(p.Unplaced, func(u Unplaced) bool { return u.Column == col }) {
				t.Errorf("%s: column %q is not listed as unplaced", e.File, col)
			}
		}
	}
	accuracy := float64(sumOK) / float64(sumExp)
	fmt.Fprintf(&table, "%-46s %8d %8d %6d %7d %6d\naccuracy %.1f%% over %d samples", "TOTAL", sumExp, sumOK, sumWrong, sumMissed, sumExtra, 100*accuracy, len(exps))
	t.Log(table.String())
	if accuracy < minAccuracy {
		t.Errorf("accuracy %.1f%%, want at least %.0f%%", 100*accuracy, 100*minAccuracy)
	}
}

// checkSettings compares the settings expected.yaml gives for a sample.
func checkSettings(t *testing.T, e expectation, s Settings) {
	t.Helper()
	got := map[string]any{
		"encoding": s.Encoding, "delimiter": s.Delimiter, "header_row": s.HeaderRow,
		"decimal_mark": s.DecimalMark, "thousands_separator": s.ThousandsSeparator, "date_formats": s.DateFormats,
	}
	if _, ok := e.Settings["thousands_separator"]; !ok && s.ThousandsSeparator != "" && e.Settings != nil {
		t.Errorf("%s: thousands_separator = %q, want none", e.File, s.ThousandsSeparator)
	}
	for k, want := range e.Settings {
		if fmt.Sprint(got[k]) != fmt.Sprint(want) {
			t.Errorf("%s: %s = %v, want %v", e.File, k, got[k], want)
		}
	}
}

// testConstants are what a reviewer fills in for the constants a proposal
// asks for.
var testConstants = map[string]string{"buyer.id": "ACME-DE", "currency": "EUR", "lines.unit": "H87", "gross_weight.unit": "KGM",
	"lines.quantity": "1", "unit": "H87", "supplier.id": "SUP-1", "total_amount": "0"}

// TestYAMLLoadsAndDecodesTheSample writes each proposal as YAML, loads it
// with mapping.Parse and decodes the sample with it through the real
// decoder: a proposal that finds its key gives records.
func TestYAMLLoadsAndDecodesTheSample(t *testing.T) {
	for _, e := range samples(t) {
		t.Run(e.File, func(t *testing.T) {
			p := infer(t, e)
			y := p.YAML()
			for _, want := range []string{"inferred from " + e.File + " on 2026-03-01", "MUST be reviewed"} {
				if !strings.Contains(string(y), want) {
					t.Errorf("the YAML does not say %q:\n%s", want, y)
				}
			}
			m, err := mapping.Parse(e.File+".mapping.yaml", y)
			if len(p.Missing) > 0 {
				if err == nil {
					t.Errorf("missing %v, yet the mapping loads", p.Missing)
				}
				if !strings.Contains(string(y), "NOT READY") || !strings.Contains(string(y), p.Missing[0]) {
					t.Errorf("the YAML does not say that %v is missing:\n%s", p.Missing, y)
				}
				if slices.Contains(p.Missing, keyField(p.Document)) {
					return // a person must find the key column
				}
			} else if err != nil {
				t.Fatalf("nothing missing, yet mapping.Parse: %v\n%s", err, y)
			}
			// A person reviewing the proposal gives the constants it asks
			// for; infer again with them, as an API would.
			if len(p.Missing) > 0 || len(p.NeedConstants) > 0 {
				if len(p.NeedConstants) > 0 && !strings.Contains(string(y), "give each a constant") {
					t.Errorf("the YAML does not ask for constants %v:\n%s", p.NeedConstants, y)
				}
				constants := map[string]string{}
				for _, f := range append(slices.Clone(p.Missing), p.NeedConstants...) {
					c, ok := testConstants[f]
					if !ok {
						t.Fatalf("%s is missing and the test has no constant for it", f)
					}
					constants[f] = c
				}
				p, err = Infer(e.content, Options{Document: e.Document, FileName: e.File, Constants: constants})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Missing) > 0 || len(p.NeedConstants) > 0 {
					t.Fatalf("given constants %v, still missing %v and needs %v", constants, p.Missing, p.NeedConstants)
				}
				y = p.YAML()
				if m, err = mapping.Parse(e.File+".mapping.yaml", y); err != nil {
					t.Fatalf("mapping.Parse: %v\n%s", err, y)
				}
			}
			var d connectors.Decoder
			if strings.HasSuffix(e.File, ".xlsx") {
				d, err = erpexport.NewXLSXDecoder(m)
			} else {
				d, err = erpexport.NewDecoder(m)
			}
			if err != nil {
				t.Fatal(err)
			}
			rec, err := connectortest.DecodeBytes(d, e.File, e.content)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, y)
			}
			if len(rec.Records) == 0 {
				t.Fatalf("no records; row errors %v\n%s", rec.RowErrors, y)
			}
			if len(rec.RowErrors) > 0 {
				t.Errorf("%d records and %d row errors, first %v\n%s", len(rec.Records), len(rec.RowErrors), rec.RowErrors[0], y)
			}
		})
	}
}
