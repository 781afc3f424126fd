package erpexport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// decoder builds a decoder from a mapping file in testdata.
func decoder(t testing.TB, mappingFile string) *erpexport.Decoder {
	t.Helper()
	m, err := mapping.Load(filepath.Join("testdata", mappingFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := erpexport.NewDecoder(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// simpleMapping maps six columns and fixes buyer and currency.
const simpleMapping = `
columns: {order_number: Order No, lines.sku: SKU, lines.quantity: Qty, lines.unit: Unit, lines.unit_price: Unit Price, lines.description: Description}
constants: {buyer.id: ACME, currency: EUR}
`

// decoderFor builds a decoder from mapping YAML written in the test.
func decoderFor(t testing.TB, yamlText string) *erpexport.Decoder {
	t.Helper()
	m, err := mapping.Parse("test.mapping.yaml", []byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	d, err := erpexport.NewDecoder(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func keys(rec *connectortest.Recorder) []string {
	out := []string{}
	for _, r := range rec.Records {
		out = append(out, r.Key)
	}
	return out
}

// rowErrors prints row errors as "line code field" for comparison.
func rowErrors(rec *connectortest.Recorder) []string {
	out := []string{}
	for _, e := range rec.RowErrors {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s", e.Line, e.Code, e.Field)))
	}
	return out
}

func orders(t testing.TB, rec *connectortest.Recorder) []*canonical.Order {
	t.Helper()
	var out []*canonical.Order
	for _, r := range rec.Records {
		o, ok := r.Value.(*canonical.Order)
		if !ok || r.Type != canonical.TypeOrder || r.Key != o.OrderNumber {
			t.Fatalf("record %+v is not an order keyed by its number", r)
		}
		out = append(out, o)
	}
	return out
}

func TestDecodeRowsAndErrors(t *testing.T) {
	d := decoder(t, "orders.mapping.yaml")
	tests := []struct {
		name       string
		file       string
		wantOrders []string
		wantErrors []string // "line code field"
	}{
		{"good rows become one order per order number", "good-orders.csv",
			[]string{"4500012345", "4500012346"}, []string{}},
		{"one bad row rejects its order, names itself, and names the cause on the order's other rows", "one-bad-row.csv",
			[]string{"4500012346"}, []string{"2 order_rejected", "3 invalid_decimal lines.unit_price", "4 order_rejected"}},
		{"an order number that comes back after another order is rejected, never merged", "order-split.csv",
			[]string{"4500012345", "4500012346", "4500012347"}, []string{"5 order_split order_number"}},
		{"a quoted field with line breaks keeps the file's line numbers", "quoted-newline.csv",
			[]string{"4500012345", "4500012347"}, []string{"5 not_positive lines.quantity"}},
		{"a row with a field too many rejects its order; a trailing delimiter does not", "field-count.csv",
			[]string{"4500012346"}, []string{"2 order_rejected", "3 field_count", "4 order_rejected"}},
		{"a Latin-1 cell in a UTF-8 file is a row error, the other orders go on", "mixed-encoding.csv",
			[]string{"4500012345", "4500012347"}, []string{"3 invalid_encoding Description"}},
		{"an order-level field that changes within an order rejects it; empty cells inherit", "order-mismatch.csv",
			[]string{"4500012346"}, []string{"2 order_rejected", "3 order_mismatch currency", "4 order_rejected"}},
		{"several problems on one row make one row error", "several-problems-one-row.csv",
			[]string{"4500012346"}, []string{"2 invalid_date order_date"}},
		{"a line number used twice in an order is a row error", "duplicate-line-number.csv",
			[]string{"4500012401"}, []string{"2 order_rejected", "3 order_rejected", "4 duplicate_line_number lines.line_number"}},
		{"a row without an order number rejects the orders on both sides of it", "empty-order-number.csv",
			[]string{"4500012347"}, []string{"2 order_rejected", "3 required order_number", "4 order_rejected", "5 order_rejected"}},
		{"canonical validation problems land on the row they come from", "validation-problems.csv",
			[]string{"4500012347"}, []string{"2 order_rejected", "3 amount_mismatch lines.amount", "4 date_order requested_delivery_date"}},
		{"blank rows are skipped", "blank-rows.csv",
			[]string{"4500012345"}, []string{}},
		{"a header without rows gives nothing and no error", "header-only.csv",
			[]string{}, []string{}},
		{"a semicolon file is detected and SAP item numbers are read", "semicolon-sap-items.csv",
			[]string{"4500012400"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, d, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := keys(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantOrders) {
				t.Errorf("orders = %v, want %v", got, tt.wantOrders)
			}
			if got := rowErrors(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantErrors) {
				t.Errorf("row errors = %q, want %q", got, tt.wantErrors)
			}
			for _, o := range orders(t, rec) {
				if err := o.Validate(); err != nil {
					t.Errorf("emitted order %s does not validate: %v", o.OrderNumber, err)
				}
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	d := decoder(t, "orders.mapping.yaml")
	tests := []struct {
		name, file string
		content    []byte // instead of a file
		wantCode   string
		wantInMsg  string
	}{
		{name: "a missing required column is named", file: "missing-required-column.csv",
			wantCode: mapping.CodeMissingColumn, wantInMsg: `"Qty" (lines.quantity)`},
		{name: "a file without its header says what it found instead", file: "wrong-header.csv",
			wantCode: mapping.CodeWrongHeader, wantInMsg: `found "4500012345"`},
		{name: "an empty file has no header", file: "empty.csv",
			wantCode: erpexport.CodeNoHeader, wantInMsg: "empty"},
		{name: "a spreadsheet saved as .csv is not text", file: "orders.csv",
			content:  []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"),
			wantCode: erpexport.CodeNotText, wantInMsg: "not a text file"},
		{name: "a header with a mapped column twice is ambiguous", file: "twice.csv",
			content:  []byte("Order No,SKU,Qty,Unit,Unit Price,Qty\n1,A,1,EA,1.00,2\n"),
			wantCode: mapping.CodeAmbiguousColumn, wantInMsg: `"Qty"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec *connectortest.Recorder
			var err error
			if tt.content != nil {
				rec, err = connectortest.DecodeBytes(d, tt.file, tt.content)
			} else {
				rec, err = connectortest.DecodeFile(t, d, filepath.Join("testdata", tt.file))
			}
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v, want a *connectors.FileError", err)
			}
			if fe.Code != tt.wantCode || !strings.Contains(fe.Message, tt.wantInMsg) || fe.File != tt.file || fe.Line != 1 {
				t.Errorf("file error = %+v, want code %s at %s:1 mentioning %s", fe, tt.wantCode, tt.file, tt.wantInMsg)
			}
			if len(rec.Records)+len(rec.RowErrors) > 0 {
				t.Errorf("a rejected file still gave %d records and %d row errors", len(rec.Records), len(rec.RowErrors))
			}
		})
	}
}

func TestRowErrorReadsLikeTheContract(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, decoder(t, "orders.mapping.yaml"), "testdata/one-bad-row.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := `one-bad-row.csv:3: lines.unit_price: "12,5O" is not a decimal (expected like 1234.56)`
	for _, e := range rec.RowErrors {
		if e.Line == 3 {
			if e.Error() != want || e.Column != 9 {
				t.Errorf("row error = %q (column %d), want %q (column 9)", e.Error(), e.Column, want)
			}
			return
		}
	}
	t.Errorf("no row error on line 3: %v", rec.RowErrors)
}

func TestEncodings(t *testing.T) {
	d := decoder(t, "orders.mapping.yaml")
	// The same export saved three ways must give the same orders.
	var want []byte
	for _, file := range []string{"utf8-bom.csv", "utf16le-bom.csv", "utf16be-bom.csv"} {
		t.Run(file+" reads the same as the others", func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, d, filepath.Join("testdata", file))
			if err != nil || len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
				t.Fatalf("Decode = %v, %d records, row errors %v", err, len(rec.Records), rec.RowErrors)
			}
			o := orders(t, rec)[0]
			if o.Lines[0].Description != "LED 面板灯 600×600 mm" {
				t.Errorf("description = %q", o.Lines[0].Description)
			}
			o.Source.File = ""
			got, _ := json.Marshal(o)
			if want == nil {
				want = got
			} else if !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}

	t.Run("UTF-16 without a byte order mark is recognized by its zero bytes", func(t *testing.T) {
		b, err := os.ReadFile("testdata/utf16le-bom.csv")
		if err != nil {
			t.Fatal(err)
		}
		rec, err := connectortest.DecodeBytes(d, "no-bom.csv", b[2:])
		if err != nil || len(rec.Records) != 1 || len(rec.RowErrors) > 0 {
			t.Fatalf("Decode = %v, %d records, row errors %v", err, len(rec.Records), rec.RowErrors)
		}
		if got := orders(t, rec)[0].Lines[1].Description; got != "LED 驱动器 40 W" {
			t.Errorf("description = %q", got)
		}
	})

	latin1 := func(name, encoding string) (*connectortest.Recorder, error) {
		m, err := mapping.Load("testdata/german.mapping.yaml")
		if err != nil {
			t.Fatal(err)
		}
		m.Encoding = encoding
		d, err := erpexport.NewDecoder(m)
		if err != nil {
			t.Fatal(err)
		}
		return connectortest.DecodeFile(t, d, filepath.Join("testdata", name))
	}
	for _, enc := range []string{"auto", "latin-1", "windows-1252"} {
		t.Run("a Latin-1 file reads with umlauts under encoding "+enc, func(t *testing.T) {
			rec, err := latin1("latin1-umlauts.csv", enc)
			if err != nil || len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
				t.Fatalf("Decode = %v, %d records, row errors %v", err, len(rec.Records), rec.RowErrors)
			}
			o := orders(t, rec)[0]
			if o.Supplier.Name != "Müller Präzisionsteile GmbH" || o.IncotermPlace != "Nürnberg" || o.Lines[0].Description != "Spiralbohrer Ø 8 mm HSS" {
				t.Errorf("text = %q, %q, %q", o.Supplier.Name, o.IncotermPlace, o.Lines[0].Description)
			}
		})
	}
	t.Run("a Latin-1 file under encoding utf-8 gives row errors, not mojibake", func(t *testing.T) {
		rec, err := latin1("latin1-umlauts.csv", "utf-8")
		// The header has "Währung" in Latin-1, which utf-8 cannot match.
		var fe *connectors.FileError
		if !errors.As(err, &fe) || fe.Code != mapping.CodeMissingColumn || len(rec.Records) > 0 {
			t.Errorf("Decode = %v with %d records, want a missing column", err, len(rec.Records))
		}
	})
	t.Run("a byte order mark that contradicts the mapping rejects the file", func(t *testing.T) {
		_, err := latin1("utf8-bom.csv", "latin-1")
		var fe *connectors.FileError
		if !errors.As(err, &fe) || fe.Code != erpexport.CodeEncodingMismatch {
			t.Errorf("Decode = %v, want %s", err, erpexport.CodeEncodingMismatch)
		}
	})
}

func TestGermanExport(t *testing.T) {
	d := decoder(t, "german.mapping.yaml")
	connectortest.CheckGolden(t, d, "testdata/latin1-umlauts.csv")
	rec, err := connectortest.DecodeFile(t, d, "testdata/latin1-umlauts.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := orders(t, rec)[0]
	checks := []struct{ what, got, want string }{
		{"the line after the banner is the header, so the first row is line 3", fmt.Sprint(o.Source.Line), "3"},
		{"thousands points are read", o.Lines[0].Quantity.String(), "1200"},
		{"decimal commas keep their scale", o.Lines[0].UnitPrice.String(), "1.85"},
		{"a day-first date without leading zeros is read", o.RequestedDeliveryDate.String(), "2026-03-30"},
		{"units are mapped through the code list", string(o.Lines[2].Unit), "KGM"},
		{"a constant fills the buyer", o.Buyer.ID, "ACME-DE"},
		{"line numbers come from the Pos column", fmt.Sprint(o.Lines[1].LineNumber), "20"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
		}
	}
}

func TestLinesAreNumberedWithoutALineNumberColumn(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, decoder(t, "orders.mapping.yaml"), "testdata/good-orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	ords := orders(t, rec)
	var got []int
	for _, o := range ords {
		for _, l := range o.Lines {
			got = append(got, l.LineNumber)
		}
	}
	if fmt.Sprint(got) != "[1 2 3 1 2]" {
		t.Errorf("line numbers = %v, want 1..n within each order", got)
	}
	if ords[0].Lines[2].Source.Line != 4 || ords[1].Source.Line != 5 || ords[1].Source.Partner != "test-partner" || ords[1].Source.Connector != erpexport.Kind {
		t.Errorf("lineage = %+v / %+v", ords[0].Lines[2].Source, ords[1].Source)
	}
}

func TestA2MiBLineIsRead(t *testing.T) {
	long := strings.Repeat("Edelstahl-Rohr, nahtlos; ", (2<<20)/25+1) + "Ende"
	var b bytes.Buffer
	b.WriteString("Order No,SKU,Description,Qty,Unit,Unit Price\n")
	fmt.Fprintf(&b, "4500012345,TUBE-1,%q,1,EA,10.00\n", long)
	b.WriteString("4500012345,TUBE-2,short,x,EA,10.00\n")
	b.WriteString("4500012346,TUBE-3,short,2,EA,10.00\n")
	d := decoderFor(t, simpleMapping)
	rec, err := connectortest.DecodeBytes(d, "long.csv", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rowErrors(rec)) != "[2 order_rejected 3 invalid_decimal lines.quantity]" || fmt.Sprint(keys(rec)) != "[4500012346]" {
		t.Fatalf("row errors %v, orders %v", rowErrors(rec), keys(rec))
	}
	rec, err = connectortest.DecodeBytes(d, "long.csv",
		[]byte(fmt.Sprintf("Order No,SKU,Description,Qty,Unit,Unit Price\n4500012345,TUBE-1,%q,1,EA,10.00\n", long)))
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("Decode = %v, %d records", err, len(rec.Records))
	}
	if got := orders(t, rec)[0].Lines[0].Description; got != long || len(got) < 2<<20 {
		t.Errorf("the long description came back with %d bytes, want %d", len(got), len(long))
	}
}

func TestExplicitSettingsOverrideDetection(t *testing.T) {
	tests := []struct {
		name, mapping, content string
		want                   string // description of line 1 of the only order, or a row error code
	}{
		{"a tab delimiter given as tab", "delimiter: tab", "Order No\tSKU\tQty\tUnit\tUnit Price\tDescription\n1\tA\t1\tEA\t1.00\ta;b,c\n", "a;b,c"},
		{"a pipe delimiter", `delimiter: "|"`, "Order No|SKU|Qty|Unit|Unit Price|Description\n1|A|1|EA|1.00|a;b\n", "a;b"},
		{"trim off keeps spaces in text", "trim: false", "Order No,SKU,Qty,Unit,Unit Price,Description\n1,A, 1 ,EA,1.00,  spaced  \n", "  spaced  "},
		{"a bare quote inside a field is text", "", "Order No,SKU,Qty,Unit,Unit Price,Description\n1,A,1,EA,1.00,Pipe 1/2\" brass\n", `Pipe 1/2" brass`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoderFor(t, tt.mapping+"\n"+simpleMapping)
			rec, err := connectortest.DecodeBytes(d, "t.csv", []byte(tt.content))
			if err != nil || len(rec.Records) != 1 {
				t.Fatalf("Decode = %v, records %d, row errors %v", err, len(rec.Records), rec.RowErrors)
			}
			if got := orders(t, rec)[0].Lines[0].Description; got != tt.want {
				t.Errorf("description = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestARowLeftOpenByAQuoteStopsTheFileWithoutReadingItAll(t *testing.T) {
	d := decoderFor(t, simpleMapping)
	var b bytes.Buffer
	b.WriteString("Order No,SKU,Qty,Unit,Unit Price,Description\n")
	b.WriteString("PO-1,A-1,2,EA,1.50,Bolt\n")
	b.WriteString("PO-2,B-1,1,EA,2.00,Nut\n")
	b.WriteString(`PO-3,C-1,1,EA,3.00,"Washer 1/2` + "\n") // the quote is never closed
	// The rest of the file, over the 16 MiB a row may have.
	for b.Len() < 17<<20 {
		b.WriteString("PO-4,D-1,1,EA,4.00,Spring\n")
	}
	rec, err := connectortest.DecodeBytes(d, "open-quote.csv", b.Bytes())
	var fe *connectors.FileError
	if !errors.As(err, &fe) || fe.Code != erpexport.CodeRowTooLong || fe.Line != 4 || !strings.Contains(fe.Message, "quote") {
		t.Fatalf("Decode = %v; want a row_too_long file error at line 4 asking about a quote", err)
	}
	// PO-1 is complete; PO-2 was still being gathered when the row broke.
	if got := keys(rec); fmt.Sprint(got) != "[PO-1]" {
		t.Errorf("records %v; want [PO-1]: the orders before the broken row", got)
	}
}

func TestAHeaderOfMegabytesIsNotACSVExport(t *testing.T) {
	d := decoderFor(t, simpleMapping)
	_, err := connectortest.DecodeBytes(d, "blob.csv", bytes.Repeat([]byte("x"), 17<<20))
	var fe *connectors.FileError
	if !errors.As(err, &fe) || fe.Code != erpexport.CodeRowTooLong || fe.Line != 1 {
		t.Fatalf("Decode = %v; want a row_too_long file error at line 1", err)
	}
}
