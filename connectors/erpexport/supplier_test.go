package erpexport_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// Supplier documents go through the same decoder as ERP order exports; the
// mapping's document key says what the rows are. Each file under
// testdata/supplier/ has a golden file with its canonical JSON records and
// row errors (go test -run TestSupplierDocuments -update rewrites them).
func TestSupplierDocuments(t *testing.T) {
	tests := []struct {
		name       string
		mapping    string
		file       string
		wantType   string
		wantKeys   []string
		wantErrors []string // "line code field"
	}{
		{"a Chinese supplier confirms a German buyer's orders line by line, in German, with semicolons",
			"order_response_de_semicolon.mapping.yaml", "order_response_de_semicolon.csv", canonical.TypeOrderResponse,
			[]string{"4500012345", "4500012346"}, []string{}},
		{"an unmapped status word and an order number that changes within a response reject their responses only",
			"order_response_de_semicolon.mapping.yaml", "order_response_unmapped_status.csv", canonical.TypeOrderResponse,
			[]string{"4500012347"}, []string{"2 order_rejected", "3 invalid_status lines.status", "4 order_rejected", "5 order_mismatch order_number"}},
		{"a forwarder's ASN: several orders and bills of lading in one cell, one row per carton line",
			"shipment_forwarder_asn.mapping.yaml", "shipment_forwarder_asn.csv", canonical.TypeShipment,
			[]string{"ASN-SZX-260311", "ASN-SZX-260318"}, []string{}},
		{"a commercial invoice for export, VAT 0, with a prepayment deducted",
			"invoice_export_vat0.mapping.yaml", "invoice_export_vat0.csv", canonical.TypeInvoice,
			[]string{"BW-INV-2026-0088"}, []string{}},
		{"a line amount that is not quantity × price rejects its invoice; the next invoice goes on",
			"invoice_export_vat0.mapping.yaml", "invoice_amount_mismatch.csv", canonical.TypeInvoice,
			[]string{"BW-INV-2026-0090"}, []string{"2 order_rejected", "3 amount_mismatch lines.amount"}},
		{"a weekly production progress report: one order event per row",
			"production_progress_weekly.mapping.yaml", "production_progress_weekly.csv", canonical.TypeOrderEvent,
			[]string{"4500012345", "4500012345", "4500012346", "4500012348"}, []string{}},
		{"bad progress rows are row errors of their own; the good rows around them still arrive",
			"production_progress_weekly.mapping.yaml", "production_progress_bad_rows.csv", canonical.TypeOrderEvent,
			[]string{"4500012345", "4500012349"}, []string{"3 out_of_range percent_complete", "4 required order_number", "5 required percent_complete", "6 invalid_date report_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, filepath.Join("supplier", tt.mapping))
			path := filepath.Join("testdata", "supplier", tt.file)
			connectortest.CheckGolden(t, d, path)
			rec, err := connectortest.DecodeFile(t, d, path)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := keys(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantKeys) {
				t.Errorf("record keys = %v, want %v", got, tt.wantKeys)
			}
			if got := rowErrors(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantErrors) {
				t.Errorf("row errors = %q, want %q", got, tt.wantErrors)
			}
			for _, r := range rec.Records {
				if r.Type != tt.wantType {
					t.Errorf("record %s is a %s, want %s", r.Key, r.Type, tt.wantType)
				}
				if typ, err := canonical.TypeOf(r.Value); err != nil || typ != r.Type {
					t.Errorf("record %s: type %s, value %T", r.Key, r.Type, r.Value)
				}
				if err := canonical.Validate(r.Value); err != nil {
					t.Errorf("emitted record %s does not validate: %v", r.Key, err)
				}
			}
			for _, e := range rec.RowErrors {
				if e.File != tt.file || e.Line < 2 || e.Message == "" {
					t.Errorf("row error without its position: %+v", e)
				}
			}
		})
	}
}

// jsonOf prints a record's canonical JSON, without its lineage.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "source")
	b, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sprint prints values separated by spaces, strings included.
func sprint(vs ...any) string { return strings.TrimSuffix(fmt.Sprintln(vs...), "\n") }

func decodeSupplier(t *testing.T, mappingFile, file string) []any {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, decoder(t, filepath.Join("supplier", mappingFile)), filepath.Join("testdata", "supplier", file))
	if err != nil || len(rec.RowErrors) > 0 {
		t.Fatalf("Decode = %v, row errors %v", err, rec.RowErrors)
	}
	var out []any
	for _, r := range rec.Records {
		out = append(out, r.Value)
	}
	return out
}

func TestSupplierDocumentsCanonicalJSON(t *testing.T) {
	t.Run("an order response: German status words become canonical statuses, the response is changed", func(t *testing.T) {
		rs := decodeSupplier(t, "order_response_de_semicolon.mapping.yaml", "order_response_de_semicolon.csv")
		want := `{"buyer":{"id":"ACME-DE"},"lines":[` +
			`{"delivery_date":"2026-04-20","line_number":10,"quantity":"1200","sku":"LED-P600-40W","status":"accepted","unit_price":"18.40"},` +
			`{"delivery_date":"2026-05-04","line_number":20,"quantity":"800","sku":"DRV-40W-CC","status":"changed","unit_price":"4.10"},` +
			`{"line_number":30,"sku":"CLIP-S5","status":"rejected"}],` +
			`"order_number":"4500012345","response_date":"2026-03-03","response_number":"AB-26-0311","status":"changed","supplier":{"id":"SZ-BRIGHTWAY"}}`
		if got := jsonOf(t, rs[0]); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if s := rs[1].(*canonical.OrderResponse).Status; s != canonical.ResponseAccepted {
			t.Errorf("a response whose lines are all confirmed is %s", s)
		}
	})
	t.Run("a shipment: order and tracking lists, weight in a unit of mass, lines linked to their orders", func(t *testing.T) {
		ss := decodeSupplier(t, "shipment_forwarder_asn.mapping.yaml", "shipment_forwarder_asn.csv")
		s := ss[0].(*canonical.Shipment)
		got := sprint(s.OrderNumbers, s.TrackingNumbers, s.Packages, s.GrossWeight.Value, s.GrossWeight.Unit, s.ShipDate, s.EstimatedArrival, len(s.Lines))
		if want := "[4500012345 4500012346] [COSU6311842 COSU6311843] 86 1245.5 KGM 2026-03-11 2026-04-16 4"; got != want {
			t.Errorf("shipment = %s, want %s", got, want)
		}
		air := ss[1].(*canonical.Shipment)
		if air.Lines[0].OrderNumber != "4500012347" || air.Lines[0].Unit != "H87" || air.GrossWeight.Unit != "KGM" {
			t.Errorf("a line without its PO ships against the only order: %+v", air.Lines[0])
		}
	})
	t.Run("an invoice: thousands commas read, VAT 0 kept, prepayment in payable_amount", func(t *testing.T) {
		inv := decodeSupplier(t, "invoice_export_vat0.mapping.yaml", "invoice_export_vat0.csv")[0].(*canonical.Invoice)
		got := sprint(inv.OrderNumbers, inv.LineTotal, inv.TaxAmount, inv.TotalAmount, inv.PayableAmount, inv.DueDate, inv.Lines[0].Quantity, inv.Lines[0].Amount, inv.Lines[3].OrderNumber, inv.Supplier.Name)
		if want := "[4500012345 4500012346] 31735.00 0.00 31735.00 22214.50 2026-04-11 1200 22080.00 4500012346 Shenzhen Brightway Lighting Co., Ltd."; got != want {
			t.Errorf("invoice = %s\nwant      %s", got, want)
		}
	})
	t.Run("production progress: a timeline event at midnight UTC of the report date, typed data, a summary", func(t *testing.T) {
		es := decodeSupplier(t, "production_progress_weekly.mapping.yaml", "production_progress_weekly.csv")
		e := es[0].(*canonical.OrderEvent)
		if e.Type != canonical.EventProductionProgress || !e.OccurredAt.Equal(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)) || e.BuyerID != "ACME-DE" {
			t.Errorf("event = %+v", e)
		}
		if e.Summary != "line 10: 45% complete, ready 2026-03-01" {
			t.Errorf("summary = %q", e.Summary)
		}
		if want := `{"percent_complete":"45","expected_ready_date":"2026-03-01","line_number":10,"sku":"LED-P600-40W","note":"SMT done; aging test next"}`; string(e.Data) != want {
			t.Errorf("data = %s\nwant   %s", e.Data, want)
		}
		if es[3].(*canonical.OrderEvent).Summary != "ready 2026-03-20" {
			t.Errorf("summary of a report without a percentage = %q", es[3].(*canonical.OrderEvent).Summary)
		}
	})
	t.Run("production progress replayed from another partner and file keeps its event ids", func(t *testing.T) {
		first := decodeSupplier(t, "production_progress_weekly.mapping.yaml", "production_progress_weekly.csv")
		content := []byte("PO No,PO Line,Model,Report Date,Progress,Ready Date,Remarks\n4500012345,10,LED-P600-40W,2026-02-20,45.0%,2026-03-01,resent\n")
		d := decoderFor(t, "document: production_progress\ncolumns: {order_number: PO No, lines.line_number: PO Line, lines.sku: Model, report_date: Report Date, percent_complete: Progress, expected_ready_date: Ready Date, note: Remarks}\nconstants: {buyer.id: ACME-DE}\n")
		rec, err := connectortest.DecodeBytes(d, "resent-progress.csv", content)
		if err != nil || len(rec.Records) != 1 {
			t.Fatalf("Decode = %v, %d records, row errors %v", err, len(rec.Records), rec.RowErrors)
		}
		if a, b := first[0].(*canonical.OrderEvent).EventID, rec.Records[0].Value.(*canonical.OrderEvent).EventID; a != b {
			t.Errorf("the same report got event ids %s and %s", a, b)
		}
	})
}

func TestSupplierMappingsNameTheirDocument(t *testing.T) {
	paths, err := filepath.Glob("testdata/supplier/*.mapping.yaml")
	if err != nil || len(paths) != 4 {
		t.Fatalf("mappings %v (%v)", paths, err)
	}
	for _, p := range paths {
		m, err := mapping.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if doc := strings.SplitN(filepath.Base(p), "_", 2)[0]; !strings.HasPrefix(r.Document(), doc) {
			t.Errorf("%s compiles to document %s", p, r.Document())
		}
	}
}
