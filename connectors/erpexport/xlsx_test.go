package erpexport_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/tools/benchxlsx/xlsxgen"
)

// xlsxDecoder builds an XLSX decoder from a mapping file in testdata.
func xlsxDecoder(t testing.TB, mappingFile string) *erpexport.XLSXDecoder {
	t.Helper()
	m, err := mapping.Load(filepath.Join("testdata", mappingFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := erpexport.NewXLSXDecoder(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// xlsxDecoderFor builds an XLSX decoder from mapping YAML written in the test.
func xlsxDecoderFor(t testing.TB, yamlText string) *erpexport.XLSXDecoder {
	t.Helper()
	m, err := mapping.Parse("test.mapping.yaml", []byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	d, err := erpexport.NewXLSXDecoder(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// decodeXLSX decodes a workbook held in memory, named orders.xlsx.
func decodeXLSX(t testing.TB, d connectors.Decoder, content []byte) (*connectortest.Recorder, error) {
	t.Helper()
	return connectortest.DecodeBytes(d, "orders.xlsx", content)
}

// mustDecodeXLSX decodes a workbook that must not be refused as a whole.
func mustDecodeXLSX(t testing.TB, d connectors.Decoder, content []byte) *connectortest.Recorder {
	t.Helper()
	rec, err := decodeXLSX(t, d, content)
	if err != nil {
		t.Fatalf("Decode = %v, want no file error", err)
	}
	return rec
}

// fileError asserts a *FileError with the code, before any record or row error.
func fileError(t testing.TB, rec *connectortest.Recorder, err error, code string) *connectors.FileError {
	t.Helper()
	var fe *connectors.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Decode = %v, want a *connectors.FileError with code %s", err, code)
	}
	if fe.Code != code {
		t.Errorf("file error code %q, want %q (%v)", fe.Code, code, fe)
	}
	if fe.File != "orders.xlsx" || fe.Message == "" {
		t.Errorf("file error %+v does not name the file or has no message", fe)
	}
	if len(rec.Records)+len(rec.RowErrors) > 0 {
		t.Errorf("%d records and %d row errors came before the file error", len(rec.Records), len(rec.RowErrors))
	}
	return fe
}

// saved writes an excelize workbook to bytes.
func saved(t testing.TB, f *excelize.File, opts ...excelize.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf, opts...); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fill writes rows of values from A1 on; nil leaves a cell empty.
func fill(t testing.TB, f *excelize.File, sheet string, first int, rows ...[]any) {
	t.Helper()
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, first+i)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newStyle(t testing.TB, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	must(t, err)
	return id
}

// orderJSON prints orders as canonical JSON, for comparison.
func orderJSON(t testing.TB, list []*canonical.Order) string {
	t.Helper()
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dropSheet removes the sheet from the lineage of orders.
func dropSheet(list []*canonical.Order) {
	for _, o := range list {
		if o.Source != nil {
			o.Source.Sheet = ""
		}
		for i := range o.Lines {
			if o.Lines[i].Source != nil {
				o.Lines[i].Source.Sheet = ""
			}
		}
	}
}

// csvWorkbook says how to write a CSV file of testdata as the workbook the
// same ERP would export: number columns as number cells with a format that
// shows the decimals the CSV has (so the scale is the same), date columns
// as date serials with a date format, the rest (and a banner above the
// header) as text.
type csvWorkbook struct {
	file      string
	latin1    bool
	comma     rune
	header    int    // line of the header
	decimal   string // decimal mark of the CSV's numbers
	thousands string
	dates     []string // Go layouts of the CSV's dates
	numbers   []string // headers of number columns
	dateCols  []string // headers of date columns
}

func (c csvWorkbook) build(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", c.file))
	if err != nil {
		t.Fatal(err)
	}
	if c.latin1 {
		if b, err = charmap.ISO8859_1.NewDecoder().Bytes(b); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.SplitAfter(string(b), "\n")
	r := csv.NewReader(strings.NewReader(strings.Join(lines[c.header-1:], "")))
	if c.comma != 0 {
		r.Comma = c.comma
	}
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	const sheet = "Sheet1"
	for i := range c.header - 1 {
		must(t, f.SetCellValue(sheet, fmt.Sprintf("A%d", i+1), strings.TrimRight(lines[i], "\r\n")))
	}
	dateStyle := newStyle(t, f, &excelize.Style{NumFmt: 14})
	decimals := map[int]int{}
	header := records[0]
	for i, rec := range records {
		row := c.header + i
		for j, v := range rec {
			cell, err := excelize.CoordinatesToCellName(j+1, row)
			must(t, err)
			switch h := header[j]; {
			case i == 0 || v == "":
				must(t, f.SetCellValue(sheet, cell, v))
			case slices.Contains(c.numbers, h):
				plain := strings.ReplaceAll(v, c.thousands+"", "")
				if c.thousands == "" {
					plain = v
				}
				plain = strings.Replace(plain, c.decimal, ".", 1)
				n, err := strconv.ParseFloat(plain, 64)
				if err != nil { // a typo stays text, as in the ERP's sheet
					must(t, f.SetCellValue(sheet, cell, v))
					continue
				}
				places := 0
				if _, frac, ok := strings.Cut(plain, "."); ok {
					places = len(frac)
				}
				style, ok := decimals[places]
				if !ok {
					code := "0"
					if places > 0 {
						code += "." + strings.Repeat("0", places)
					}
					style = newStyle(t, f, &excelize.Style{CustomNumFmt: &code})
					decimals[places] = style
				}
				must(t, f.SetCellValue(sheet, cell, n))
				must(t, f.SetCellStyle(sheet, cell, cell, style))
			case slices.Contains(c.dateCols, h):
				var d time.Time
				for _, layout := range c.dates {
					if d, err = time.Parse(layout, v); err == nil {
						break
					}
				}
				if err != nil {
					t.Fatalf("%s: %q is not a date", c.file, v)
				}
				must(t, f.SetCellValue(sheet, cell, d))
				must(t, f.SetCellStyle(sheet, cell, cell, dateStyle))
			default:
				must(t, f.SetCellValue(sheet, cell, v))
			}
		}
	}
	return saved(t, f)
}

// The workbooks of the tests that mirror CSV files of testdata.
var (
	goodOrdersWorkbook = csvWorkbook{file: "good-orders.csv", header: 1, decimal: ".", dates: []string{"2006-01-02"},
		numbers: []string{"Order No", "Qty", "Unit Price", "Amount"}, dateCols: []string{"Order Date"}}
	oneBadRowWorkbook = csvWorkbook{file: "one-bad-row.csv", header: 1, decimal: ".", dates: []string{"2006-01-02"},
		numbers: []string{"Order No", "Qty", "Unit Price"}, dateCols: []string{"Order Date"}}
	germanWorkbook = csvWorkbook{file: "latin1-umlauts.csv", latin1: true, comma: ';', header: 2, decimal: ",", thousands: ".",
		dates: []string{"02.01.2006", "2.1.2006"}, numbers: []string{"Bestellnummer", "Pos", "Menge", "Preis"},
		dateCols: []string{"Bestelldatum", "Liefertermin"}}
)

func TestXLSXGivesTheSameOrdersAsTheCSVExportOfTheSameData(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mapping string
		book    csvWorkbook
	}{
		{"an English export", "orders.mapping.yaml", goodOrdersWorkbook},
		{"a German export with a banner, decimal commas and day-first dates", "german.mapping.yaml", germanWorkbook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csvContent, err := os.ReadFile(filepath.Join("testdata", tc.book.file))
			if err != nil {
				t.Fatal(err)
			}
			fromCSV, err := connectortest.DecodeBytes(decoder(t, tc.mapping), "orders", csvContent)
			if err != nil {
				t.Fatal(err)
			}
			fromXLSX, err := connectortest.DecodeBytes(xlsxDecoder(t, tc.mapping), "orders", tc.book.build(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(fromCSV.RowErrors)+len(fromXLSX.RowErrors) > 0 {
				t.Fatalf("row errors: CSV %v, XLSX %v", fromCSV.RowErrors, fromXLSX.RowErrors)
			}
			csvOrders, xlsxOrders := orders(t, fromCSV), orders(t, fromXLSX)
			if len(csvOrders) == 0 {
				t.Fatal("no orders")
			}
			for _, o := range xlsxOrders {
				if o.Source == nil || o.Source.Sheet != "Sheet1" {
					t.Errorf("order %s: lineage %+v does not name the sheet", o.OrderNumber, o.Source)
				}
			}
			dropSheet(xlsxOrders)
			if got, want := orderJSON(t, xlsxOrders), orderJSON(t, csvOrders); got != want {
				t.Errorf("the XLSX gives other orders than the CSV:\n%s", firstLineDiff(want, got))
			}
		})
	}
}

// firstLineDiff shows the first line where want and got differ.
func firstLineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %s\n   got %s", i+1, wl, gl)
		}
	}
	return "(same)"
}

// Hand-written workbooks: the sheet XML exactly as a test needs it.

// Cell formats of rawWorkbook's styles part, by index.
const (
	stGeneral = 0
	stDate    = 1 // built-in 14
	stMoney   = 2 // built-in 2: 0.00
	stPercent = 3 // built-in 10: 0.00%
	stDMY     = 4 // custom dd.mm.yyyy
	stKilo    = 5 // custom #,##0.000 "kg"
	stText    = 6 // built-in 49: @
)

const rawStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/><numFmt numFmtId="165" formatCode="#,##0.000 &quot;kg&quot;"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="7">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>`

// rawSheet is one sheet of a hand-written workbook.
type rawSheet struct {
	name  string
	xml   string // the worksheet part
	chart bool   // a chart sheet instead
}

// rawWorkbook zips a workbook around hand-written sheets.
func rawWorkbook(t testing.TB, date1904 bool, sheets ...rawSheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name, content string) {
		w, err := z.Create(name)
		must(t, err)
		_, err = io.WriteString(w, content)
		must(t, err)
	}
	var types, sheetList, rels strings.Builder
	for i, s := range sheets {
		n := i + 1
		kind, dir := "worksheet", "worksheets"
		if s.chart {
			kind, dir = "chartsheet", "chartsheets"
		}
		fmt.Fprintf(&types, `<Override PartName="/xl/%s/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.%s+xml"/>`, dir, n, kind)
		fmt.Fprintf(&sheetList, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlText(s.name), n, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" Target="%s/sheet%d.xml"/>`, n, kind, dir, n)
		content := s.xml
		if s.chart {
			content = `<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>`
		}
		add(fmt.Sprintf("xl/%s/sheet%d.xml", dir, n), content)
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`+types.String()+`</Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	pr := ""
	if date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+pr+`<sheets>`+sheetList.String()+`</sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`<Relationship Id="rId100" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)
	add("xl/styles.xml", rawStyles)
	must(t, z.Close())
	return buf.Bytes()
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xmlEscape(&b, s)
	return b.String()
}

func xmlEscape(w io.Writer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	_, err := r.WriteString(w, s)
	return err
}

// sheetXML is a worksheet part with these rows (from row()) and merged ranges.
func sheetXML(rows []string, merges ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for _, r := range rows {
		b.WriteString(r)
	}
	b.WriteString(`</sheetData>`)
	if len(merges) > 0 {
		fmt.Fprintf(&b, `<mergeCells count="%d">`, len(merges))
		for _, m := range merges {
			fmt.Fprintf(&b, `<mergeCell ref="%s"/>`, m)
		}
		b.WriteString(`</mergeCells>`)
	}
	b.WriteString(`</worksheet>`)
	return b.String()
}

// A cell of row(): its XML with %[1]s for its reference.
type xc string

// T is a text cell (an inline string).
func T(s string) xc {
	return xc(`<c r="%[1]s" t="inlineStr"><is><t>` + strings.ReplaceAll(xmlText(s), "%", "%%") + `</t></is></c>`)
}

// N is a number cell with the XML text v and a cell format.
func N(v string, style int) xc {
	return xc(fmt.Sprintf(`<c r="%%[1]s" s="%d"><v>%s</v></c>`, style, v))
}

// F is a formula cell of type typ ("" for a number) with a stored result
// (none when v is "-").
func F(formula, typ, v string) xc {
	t := ""
	if typ != "" {
		t = ` t="` + typ + `"`
	}
	val := "<v>" + xmlText(v) + "</v>"
	if v == "-" {
		val = ""
	}
	return xc(`<c r="%[1]s"` + t + `><f>` + xmlText(formula) + `</f>` + val + `</c>`)
}

// Typed is a cell of type typ holding v (e: an error, d: an ISO date, b: a boolean).
func Typed(typ, v string) xc {
	return xc(fmt.Sprintf(`<c r="%%[1]s" t="%s"><v>%s</v></c>`, typ, v))
}

// Styled is an empty cell with a format, as spreadsheets write formatted blanks.
func Styled(style int) xc { return xc(fmt.Sprintf(`<c r="%%[1]s" s="%d"/>`, style)) }

// row is a row element; "" cells are left out.
func row(n int, cells ...xc) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, n)
	for i, c := range cells {
		if c == "" {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(i+1, n)
		fmt.Fprintf(&b, string(c), ref)
	}
	b.WriteString(`</row>`)
	return b.String()
}

// The simple mapping of decoder_test.go, with an order date.
const datedMapping = `
columns: {order_number: Order No, order_date: Order Date, lines.sku: SKU, lines.quantity: Qty, lines.unit: Unit, lines.unit_price: Unit Price}
constants: {buyer.id: ACME, currency: EUR}
`

var simpleHeader = []xc{T("Order No"), T("SKU"), T("Qty"), T("Unit"), T("Unit Price"), T("Description")}

func TestXLSXReadsTheStoredResultOfFormulaCells(t *testing.T) {
	book := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{
		row(1, simpleHeader...),
		row(2, N("4500012345", 0), T("MTR-750-B"), F("2*2", "", "4"), T("EA"), F("ROUND(185.4,2)", "", "185.4"), F(`"Servo "&"motor"`, "str", "Servo motor")),
		row(3, N("4500012345", 0), T("CBL-5M-SH"), N("10", 0), T("EA"), N("12.5", stMoney), F(`IF(TRUE,"","x")`, "str", "")),
		row(4, N("4500012346", 0), T("GRS-1KG"), F("1+1", "", "-"), T("EA"), N("9.8", 0)),
		row(5, N("4500012347", 0), T("SEAL-40"), N("50", 0), T("EA"), F("1/0", "e", "#DIV/0!")),
		row(6, N("4500012348", 0), T("BRG-6204"), N("200", 0), T("EA"), N("1.95", 0)),
	})})
	rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), book)
	got := orders(t, rec)
	if keys := keys(rec); !slices.Equal(keys, []string{"4500012345", "4500012348"}) {
		t.Fatalf("orders %v, want 4500012345 and 4500012348", keys)
	}
	l := got[0].Lines
	if l[0].Quantity.String() != "4" || l[0].UnitPrice.String() != "185.4" || l[0].Description != "Servo motor" {
		t.Errorf("first line %+v: want the formulas' stored results 4, 185.4 and \"Servo motor\"", l[0])
	}
	if l[1].Description != "" || l[1].UnitPrice.String() != "12.50" {
		t.Errorf("second line %+v: want an empty description (a formula whose result is \"\") and 12.50", l[1])
	}
	want := []string{"4 not_calculated Qty", "5 cell_error Unit Price"}
	if got := rowErrors(rec); !slices.Equal(got, want) {
		t.Fatalf("row errors %v, want %v", got, want)
	}
	for _, e := range rec.RowErrors {
		if e.Sheet != "Orders" || e.Column == 0 {
			t.Errorf("row error %+v does not name the sheet and the column", e)
		}
	}
	if msg := rec.RowErrors[0].Message; !strings.Contains(msg, "C4") || !strings.Contains(msg, "calculated") {
		t.Errorf("message %q does not name the cell and say it was never calculated", msg)
	}
	if msg := rec.RowErrors[1].Message; !strings.Contains(msg, "E5") || !strings.Contains(msg, "#DIV/0!") {
		t.Errorf("message %q does not name the cell and its error", msg)
	}
}

func TestXLSXFormulaCellsWrittenByExcelize(t *testing.T) {
	// Rows().Columns() returns a formula cell's stored value, not its
	// formula: checked here on a workbook written by excelize itself.
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	must(t, sw.SetRow("A1", []any{"Order No", "SKU", "Qty", "Unit", "Unit Price", "Description"}))
	must(t, sw.SetRow("A2", []any{4500012345, "MTR-750-B", excelize.Cell{Formula: "2*2", Value: 4}, "EA",
		excelize.Cell{Formula: "370.8/2", Value: 185.4}, excelize.Cell{Formula: `"Servo "&"motor"`, Value: "Servo motor"}}))
	must(t, sw.Flush())
	rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), saved(t, f))
	got := orders(t, rec)
	if len(got) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d orders, row errors %v; want one order", len(got), rec.RowErrors)
	}
	if l := got[0].Lines[0]; l.Quantity.String() != "4" || l.UnitPrice.String() != "185.4" || l.Description != "Servo motor" {
		t.Errorf("line %+v: want the stored results", l)
	}
}

func TestXLSXDatesStoredAsNumbers(t *testing.T) {
	header := []xc{T("Order No"), T("Order Date"), T("SKU"), T("Qty"), T("Unit"), T("Unit Price")}
	line := func(n int, number string, date xc) string {
		return row(n, N(number, 0), date, T("SKU-1"), N("1", 0), T("EA"), N("2.5", 0))
	}
	sheet := sheetXML([]string{
		row(1, header...),
		line(2, "4500000001", N("46083", stDate)),                // date format 14
		line(3, "4500000002", N("46083", stDMY)),                 // custom dd.mm.yyyy
		line(4, "4500000003", N("45000", stGeneral)),             // a plain number in a date column
		line(5, "4500000004", N("46083.75", stDate)),             // with a time of day
		line(6, "4500000005", Typed("d", "2026-03-05T00:00:00")), // an ISO 8601 date cell
		line(7, "4500000006", T("2026-03-06")),                   // text, as the mapping writes dates
		line(8, "4500000007", N("59", stDate)),                   // 1900-02-28, before Excel's 29 February 1900
		line(9, "4500000008", N("61", stDate)),                   // 1900-03-01
	})
	want := []string{"2026-03-02", "2026-03-02", "2023-03-15", "2026-03-02", "2026-03-05", "2026-03-06", "1900-02-28", "1900-03-01"}
	for _, tc := range []struct {
		name, mapping string
		date1904      bool
		sheet         string
		want          []string
	}{
		{"into ISO dates for an ISO mapping", datedMapping, false, sheet, want},
		{"into day-first dates for a day-first mapping", datedMapping + "date_formats: [DD.MM.YYYY]\n", false,
			strings.Replace(sheet, T("2026-03-06").ref(7, 2), T("06.03.2026").ref(7, 2), 1), want},
		{"counting from 1904 in a workbook of the 1904 date system", datedMapping, true,
			sheetXML([]string{row(1, header...), line(2, "4500000001", N("44621", stDate)), line(3, "4500000002", N("44621", stGeneral))}),
			[]string{"2026-03-02", "2026-03-02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := mustDecodeXLSX(t, xlsxDecoderFor(t, tc.mapping), rawWorkbook(t, tc.date1904, rawSheet{name: "Orders", xml: tc.sheet}))
			if len(rec.RowErrors) > 0 {
				t.Fatalf("row errors: %v", rec.RowErrors)
			}
			var got []string
			for _, o := range orders(t, rec) {
				got = append(got, o.OrderDate.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("order dates %v, want %v", got, tc.want)
			}
		})
	}
}

// ref is the XML of a cell at (row, col), as row() writes it.
func (c xc) ref(r, col int) string {
	name, _ := excelize.CoordinatesToCellName(col, r)
	return fmt.Sprintf(string(c), name)
}

func TestXLSXNumbersComeThroughAsStored(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mapping    string
		cell       xc
		wantPrice  string
		wantDecErr bool
	}{
		{"a decimal is never rounded through a float", simpleMapping, N("0.1", 0), "0.1", false},
		{"float noise beyond 15 digits is Excel's, not the price's", simpleMapping, N("185.40000000000001", 0), "185.4", false},
		{"0.1+0.2 as Excel stores it", simpleMapping, N("0.30000000000000004", 0), "0.3", false},
		{"fifteen significant digits stay", simpleMapping, N("12.3456789012345", 0), "12.3456789012345", false},
		{"an exponent is written out", simpleMapping, N("1.5E-3", 0), "0.0015", false},
		{"a number format's decimals give the scale", simpleMapping, N("741.6", stMoney), "741.60", false},
		{"more decimals than the format shows are kept", simpleMapping, N("1.955", stMoney), "1.955", false},
		{"a custom format with a unit", simpleMapping, N("2.5", stKilo), "2.500", false},
		{"a percentage is read as shown", simpleMapping, N("0.455", stPercent), "45.50", false},
		{"a number formatted as text", simpleMapping, N("12.5", stText), "12.5", false},
		{"a number under a date format stays a number in a number column", simpleMapping, N("12.5", stDate), "12.5", false},
		{"text is read with the mapping's notation", simpleMapping, T("12.50"), "12.50", false},
		{"a German mapping reads a number cell", germanSimple, N("1.234", 0), "1.234", false},
		{"a German mapping reads the same text as thousands", germanSimple, T("1.234"), "1234", false},
		{"a German mapping reads a number cell with its format", germanSimple, N("741.6", stMoney), "741.60", false},
		{"a German mapping reads text with a decimal comma", germanSimple, T("1.234,50"), "1234.50", false},
		{"text that is not a number is a row error", simpleMapping, T("12,5O"), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			book := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{
				row(1, simpleHeader...),
				row(2, N("4500012345", 0), T("MTR-750-B"), N("4", 0), T("EA"), tc.cell, T("Servo motor")),
			})})
			rec := mustDecodeXLSX(t, xlsxDecoderFor(t, tc.mapping), book)
			if tc.wantDecErr {
				if got := rowErrors(rec); !slices.Equal(got, []string{"2 invalid_decimal lines.unit_price"}) {
					t.Errorf("row errors %v, want an invalid decimal on row 2", got)
				}
				return
			}
			if len(rec.RowErrors) > 0 {
				t.Fatalf("row errors: %v", rec.RowErrors)
			}
			if got := orders(t, rec)[0].Lines[0].UnitPrice.String(); got != tc.wantPrice {
				t.Errorf("unit price %s, want %s", got, tc.wantPrice)
			}
		})
	}
}

// germanSimple is simpleMapping with decimal commas and thousands points.
const germanSimple = simpleMapping + `decimal_mark: ","
thousands_separator: "."
`

func TestXLSXMergedHeaderCells(t *testing.T) {
	// An export with a two-row header: the fixed columns merged down over
	// both rows, "Price" merged across its net and gross columns.
	twoRowHeader := func(t *testing.T) []byte {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1,
			[]any{"Order No", "SKU", "Qty", "Unit", "Price", nil, "Description"},
			[]any{nil, nil, nil, nil, "net", "gross", nil},
			[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, 220.63, "Servo motor"},
			[]any{4500012345, "CBL-5M-SH", 10, "EA", 12.5, 14.88, "Cable set"},
		)
		for _, r := range []string{"A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1", "G1:G2"} {
			from, to, _ := strings.Cut(r, ":")
			must(t, f.MergeCell("Sheet1", from, to))
		}
		return saved(t, f)
	}
	twoRowMapping := func(price string) string {
		return `
columns: {order_number: Order No, lines.sku: SKU, lines.quantity: Qty, lines.unit: Unit, lines.unit_price: "` + price + `", lines.description: Description}
constants: {buyer.id: ACME, currency: EUR}
`
	}
	t.Run("a title over two columns names its first column only", func(t *testing.T) {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1,
			[]any{"Order No", "SKU", "Qty", "Unit", "Unit Price", nil, "Description"},
			[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, "EUR", "Servo motor"},
		)
		must(t, f.MergeCell("Sheet1", "E1", "F1"))
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), saved(t, f))
		if len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
			t.Fatalf("%d records, row errors %v", len(rec.Records), rec.RowErrors)
		}
		if p := orders(t, rec)[0].Lines[0].UnitPrice.String(); p != "185.4" {
			t.Errorf("unit price %s, want 185.4 from the title's first column", p)
		}
	})
	t.Run("the title joins the headers below it", func(t *testing.T) {
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, twoRowMapping("Price net")), twoRowHeader(t))
		if len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
			t.Fatalf("%d records, row errors %v", len(rec.Records), rec.RowErrors)
		}
		o := orders(t, rec)[0]
		if o.Source.Line != 3 || o.Lines[0].UnitPrice.String() != "185.4" || o.Lines[1].UnitPrice.String() != "12.5" {
			t.Errorf("order from line %d, prices %s and %s; want line 3, the net prices 185.4 and 12.5",
				o.Source.Line, o.Lines[0].UnitPrice, o.Lines[1].UnitPrice)
		}
	})
	t.Run("a header below its title reads alone too", func(t *testing.T) {
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, twoRowMapping("gross")), twoRowHeader(t))
		if len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
			t.Fatalf("%d records, row errors %v", len(rec.Records), rec.RowErrors)
		}
		if p := orders(t, rec)[0].Lines[0].UnitPrice.String(); p != "220.63" {
			t.Errorf("unit price %s, want the gross 220.63", p)
		}
	})
	t.Run("the title alone is its first column, and the row below it is header", func(t *testing.T) {
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, twoRowMapping("Price")), twoRowHeader(t))
		if len(rec.RowErrors) > 0 || len(rec.Records) != 1 {
			t.Fatalf("%d records, row errors %v (is the second header row read as data?)", len(rec.Records), rec.RowErrors)
		}
		if p := orders(t, rec)[0].Lines[0].UnitPrice.String(); p != "185.4" {
			t.Errorf("unit price %s, want the net 185.4", p)
		}
	})
	t.Run("an order number merged down fills the rows of its lines", func(t *testing.T) {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1,
			[]any{"Order No", "SKU", "Qty", "Unit", "Unit Price", "Description"},
			[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, "Servo motor"},
			[]any{nil, "CBL-5M-SH", 10, "EA", 12.5, "Cable set"},
			[]any{nil, "GRS-1KG", 2.5, "EA", 9.8, "Bearing grease"},
			[]any{4500012346, "BRG-6204", 200, "EA", 1.95, "Bearing"},
		)
		must(t, f.MergeCell("Sheet1", "A2", "A4"))
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), saved(t, f))
		if len(rec.RowErrors) > 0 {
			t.Fatalf("row errors: %v", rec.RowErrors)
		}
		got := orders(t, rec)
		if len(got) != 2 || len(got[0].Lines) != 3 || got[0].Lines[2].Source.Line != 4 {
			t.Errorf("orders %s, want 4500012345 with the lines of rows 2 to 4, then 4500012346", orderJSON(t, got))
		}
	})
}

// bannerBook is an export with a banner of three rows (one blank) above
// its header on row 4.
func bannerBook(t testing.TB, bannerRows int) []byte {
	f := excelize.NewFile()
	for i := range bannerRows {
		if i%3 != 1 {
			fill(t, f, "Sheet1", i+1, []any{fmt.Sprintf("ACME ERP export, line %d", i+1)})
		}
	}
	fill(t, f, "Sheet1", bannerRows+1,
		[]any{"Order No", "SKU", "Qty", "Unit", "Unit Price", "Description"},
		[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, "Servo motor"},
		[]any{4500012345, "CBL-5M-SH", 10, "EA", 12.5, "Cable set"},
	)
	if bannerRows > 0 {
		must(t, f.MergeCell("Sheet1", "A1", "F1"))
	}
	return saved(t, f)
}

func TestXLSXFindsTheHeaderBelowABanner(t *testing.T) {
	t.Run("the first row that fits is the header", func(t *testing.T) {
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), bannerBook(t, 3))
		got := orders(t, rec)
		if len(got) != 1 || len(rec.RowErrors) > 0 {
			t.Fatalf("%d orders, row errors %v", len(got), rec.RowErrors)
		}
		if got[0].Source.Line != 5 || got[0].Lines[1].Source.Line != 6 {
			t.Errorf("lines from rows %d and %d, want 5 and 6", got[0].Lines[0].Source.Line, got[0].Lines[1].Source.Line)
		}
	})
	t.Run("header_row names it", func(t *testing.T) {
		rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"header_row: 4\n"), bannerBook(t, 3))
		if len(rec.Records) != 1 || len(rec.RowErrors) > 0 {
			t.Fatalf("%d records, row errors %v", len(rec.Records), rec.RowErrors)
		}
	})
	t.Run("a header_row that is not the header is a file error", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"header_row: 3\n"), bannerBook(t, 3))
		fe := fileError(t, rec, err, mapping.CodeWrongHeader)
		if fe.Line != 3 || !strings.Contains(fe.Message, `"Sheet1"`) {
			t.Errorf("file error %v: want line 3 and the sheet's name", fe)
		}
	})
	t.Run("a header_row past the end is a file error", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"header_row: 40\n"), bannerBook(t, 3))
		fileError(t, rec, err, erpexport.CodeNoHeader)
	})
	t.Run("the header is looked for in the first 20 non-empty rows", func(t *testing.T) {
		// 30 banner rows, 20 of them non-empty: the header is the 21st non-empty row.
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping), bannerBook(t, 30))
		fe := fileError(t, rec, err, mapping.CodeWrongHeader)
		if fe.Line != 1 || !strings.Contains(fe.Message, "first 20 non-empty rows") {
			t.Errorf("file error %v: want the first row's error, saying where the header was looked for", fe)
		}
	})
}

func TestXLSXSkipsBlankAndTrailingEmptyRows(t *testing.T) {
	f := excelize.NewFile()
	fill(t, f, "Sheet1", 1,
		[]any{"Order No", "SKU", "Qty", "Unit", "Unit Price", "Description"},
		[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, "Servo motor"},
		[]any{},
		[]any{" ", nil, "  "},
		[]any{4500012345, "CBL-5M-SH", 10, "EA", 12.5, "Cable set"},
	)
	money := newStyle(t, f, &excelize.Style{NumFmt: 2})
	must(t, f.SetCellStyle("Sheet1", "A6", "F400", money)) // formatted, empty
	must(t, f.SetRowHeight("Sheet1", 5000, 30))
	must(t, f.SetCellValue("Sheet1", "H9000", ""))
	rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), saved(t, f))
	if len(rec.RowErrors) > 0 {
		t.Fatalf("row errors: %v", rec.RowErrors)
	}
	got := orders(t, rec)
	if len(got) != 1 || len(got[0].Lines) != 2 || got[0].Lines[1].Source.Line != 5 {
		t.Errorf("orders %s, want one order with the lines of rows 2 and 5", orderJSON(t, got))
	}
}

func TestXLSXRowErrorsNameTheSheetAndTheRow(t *testing.T) {
	f := excelize.NewFile()
	must(t, f.SetSheetName("Sheet1", "Cover"))
	fill(t, f, "Cover", 1, []any{"Purchase orders, March"})
	_, err := f.NewSheet("Orders")
	must(t, err)
	fill(t, f, "Orders", 1,
		[]any{"Order No", "SKU", "Qty", "Unit", "Unit Price", "Description"},
		[]any{4500012345, "MTR-750-B", 4, "EA", 185.4, "Servo motor"},
		[]any{4500012345, "CBL-5M-SH", 10, "EA", "12,5O", "Cable set"},
		[]any{4500012346, "BRG-6204", 200, "EA", 1.95, "Bearing"},
	)
	in := connectortest.InputOf("orders.xlsx", saved(t, f))
	in.Partner, in.Connector = "acme", "erp_export"
	content, _ := in.Open()
	var rec connectortest.Recorder
	if err := xlsxDecoderFor(t, simpleMapping+"sheet: Orders\n").Decode(context.Background(), in, content, &rec); err != nil {
		t.Fatal(err)
	}
	want := []connectors.RowError{
		{File: "orders.xlsx", Sheet: "Orders", Line: 2, Code: mapping.CodeOrderRejected},
		{File: "orders.xlsx", Sheet: "Orders", Line: 3, Column: 5, Field: "lines.unit_price", Code: canonical.CodeInvalidDecimal},
	}
	if len(rec.RowErrors) != len(want) {
		t.Fatalf("row errors %v, want %v", rec.RowErrors, want)
	}
	for i, e := range rec.RowErrors {
		w := want[i]
		if e.File != w.File || e.Sheet != w.Sheet || e.Line != w.Line || e.Column != w.Column || e.Field != w.Field || e.Code != w.Code {
			t.Errorf("row error %+v, want %+v", e, w)
		}
	}
	if s := rec.RowErrors[1].Error(); !strings.HasPrefix(s, `orders.xlsx:Orders:3: lines.unit_price: "12,5O"`) {
		t.Errorf("row error prints as %q", s)
	}
	got := orders(t, &rec)
	if len(got) != 1 {
		t.Fatalf("%d orders, want the good one", len(got))
	}
	src, line := got[0].Source, got[0].Lines[0].Source
	if *src != (canonical.Source{Connector: "erp_export", Partner: "acme", File: "orders.xlsx", Sheet: "Orders", Line: 4}) ||
		*line != (canonical.Source{Sheet: "Orders", Line: 4}) {
		t.Errorf("lineage %+v and %+v, want the sheet and row 4", src, line)
	}
}

// threeSheets is a workbook of a cover sheet, this month's orders and last
// month's; the fourth sheet's XML is broken, which only matters to a
// decoder that reads it.
func threeSheets(t testing.TB) []byte {
	orderRows := func(number string) []string {
		return []string{row(1, simpleHeader...), row(2, N(number, 0), T("MTR-750-B"), N("4", 0), T("EA"), N("185.4", 0), T("Servo motor"))}
	}
	return rawWorkbook(t, false,
		rawSheet{name: "Cover", xml: sheetXML([]string{row(1, T("Purchase orders"))})},
		rawSheet{name: "Orders", xml: sheetXML(orderRows("4500000003"))},
		rawSheet{name: "Last month", xml: sheetXML(orderRows("4500000002"))},
		rawSheet{name: "Broken", xml: sheetXML([]string{row(3, T("x")), row(2, T("y"))})[:200]},
	)
}

func TestXLSXReadsTheSheetTheMappingNames(t *testing.T) {
	for _, tc := range []struct {
		sheet, want string
	}{
		{"Orders", "4500000003"},
		{"orders", "4500000003"},
		{"3", "4500000002"},
		{`"Last month"`, "4500000002"},
	} {
		t.Run("sheet "+tc.sheet, func(t *testing.T) {
			rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"sheet: "+tc.sheet+"\n"), threeSheets(t))
			if got := keys(rec); !slices.Equal(got, []string{tc.want}) || len(rec.RowErrors) > 0 {
				t.Errorf("orders %v, row errors %v; want %s", got, rec.RowErrors, tc.want)
			}
			if s := orders(t, rec)[0].Source.Sheet; !strings.EqualFold(s, strings.Trim(tc.sheet, `"`)) && tc.sheet != "3" {
				t.Errorf("lineage names sheet %q", s)
			}
		})
	}
	t.Run("the first sheet by default", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping), threeSheets(t))
		fe := fileError(t, rec, err, mapping.CodeWrongHeader)
		if !strings.Contains(fe.Message, `"Cover"`) {
			t.Errorf("file error %v does not name the sheet read", fe)
		}
	})
	t.Run("a sheet that is not there", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"sheet: Invoices\n"), threeSheets(t))
		fe := fileError(t, rec, err, erpexport.CodeMissingSheet)
		for _, s := range []string{`"Invoices"`, `"Cover", "Orders", "Last month", "Broken"`} {
			if !strings.Contains(fe.Message, s) {
				t.Errorf("file error %q does not say %s", fe.Message, s)
			}
		}
	})
	t.Run("a position past the last sheet", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"sheet: 7\n"), threeSheets(t))
		fileError(t, rec, err, erpexport.CodeMissingSheet)
	})
	t.Run("the broken sheet when it is the one named", func(t *testing.T) {
		rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+"sheet: Broken\n"), threeSheets(t))
		fileError(t, rec, err, erpexport.CodeCorruptXLSX)
	})
}

// goodBook is a small valid workbook of orders.
func goodBook(t testing.TB) []byte { return goodOrdersWorkbook.build(t) }

func TestXLSXRefusesAWorkbookItCannotRead(t *testing.T) {
	good := goodBook(t)
	csvContent, err := os.ReadFile("testdata/good-orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	encrypted := func(t *testing.T) []byte {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1, []any{"Order No", "SKU"}, []any{4500012345, "MTR-750-B"})
		return saved(t, f, excelize.Options{Password: "secret"})
	}
	empty := func(t *testing.T) []byte { return saved(t, excelize.NewFile()) }
	chart := func(t *testing.T) []byte {
		return rawWorkbook(t, false, rawSheet{name: "Chart1", chart: true}, rawSheet{name: "Orders", xml: sheetXML([]string{row(1, simpleHeader...)})})
	}
	damaged := func(t *testing.T) []byte {
		// A byte of the sheet's compressed data changed: its checksum fails.
		b := slices.Clone(good)
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		must(t, err)
		for _, f := range zr.File {
			if f.Name == "xl/worksheets/sheet1.xml" {
				off, err := f.DataOffset()
				must(t, err)
				b[off+int64(f.CompressedSize64/2)] ^= 0x55
			}
		}
		return b
	}
	cut := func(t *testing.T) []byte {
		xml := sheetXML([]string{row(1, simpleHeader...), row(2, N("4500012345", 0), T("MTR-750-B"), N("4", 0), T("EA"), N("185.4", 0))})
		return rawWorkbook(t, false, rawSheet{name: "Orders", xml: xml[:strings.Index(xml, "<row r=\"2\"")+30]})
	}
	outOfOrder := func(t *testing.T) []byte {
		line := func(n int, sku string) string {
			return row(n, N("4500012345", 0), T(sku), N("4", 0), T("EA"), N("185.4", 0))
		}
		return rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{row(1, simpleHeader...), line(2, "A"), line(5, "B"), line(4, "C")})})
	}
	cellsOutOfOrder := func(t *testing.T) []byte {
		xml := sheetXML([]string{row(1, simpleHeader...), `<row r="2"><c r="B2" t="inlineStr"><is><t>SKU</t></is></c><c r="A2"><v>4500012345</v></c></row>`})
		return rawWorkbook(t, false, rawSheet{name: "Orders", xml: xml})
	}
	withSheet := func(rows ...string) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			return rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML(append([]string{row(1, simpleHeader...)}, rows...))})
		}
	}
	twice := func(t *testing.T) []byte {
		zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		must(t, err)
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		for _, f := range zr.File {
			must(t, z.Copy(f))
			if f.Name == "xl/worksheets/sheet1.xml" {
				w, err := z.Create("xl/worksheets/Sheet1.xml")
				must(t, err)
				_, err = io.WriteString(w, sheetXML(nil))
				must(t, err)
			}
		}
		must(t, z.Close())
		return buf.Bytes()
	}
	zipOf := func(files map[string]string) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			var buf bytes.Buffer
			z := zip.NewWriter(&buf)
			for name, content := range files {
				w, err := z.Create(name)
				must(t, err)
				_, err = io.WriteString(w, content)
				must(t, err)
			}
			must(t, z.Close())
			return buf.Bytes()
		}
	}
	for _, tc := range []struct {
		name    string
		mapping string
		content func(*testing.T) []byte
		code    string
		says    string
	}{
		{"an empty file", "", func(*testing.T) []byte { return nil }, erpexport.CodeNotXLSX, "empty"},
		{"a CSV file named .xlsx", "", func(*testing.T) []byte { return csvContent }, erpexport.CodeNotXLSX, "CSV"},
		{"a truncated zip", "", func(*testing.T) []byte { return good[:len(good)/2] }, erpexport.CodeCorruptXLSX, "truncated"},
		{"a legacy .xls", "", func(*testing.T) []byte {
			return append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...)
		}, erpexport.CodeNotXLSX, ".xls"},
		{"a password-protected workbook", "", encrypted, erpexport.CodeEncrypted, "password"},
		{"an empty workbook", "", empty, erpexport.CodeNoHeader, "empty"},
		{"a missing sheet", "sheet: Orders\n", func(*testing.T) []byte { return good }, erpexport.CodeMissingSheet, `"Sheet1"`},
		{"a chart sheet", "sheet: 1\n", chart, erpexport.CodeNotWorksheet, "chart sheet"},
		{"a sheet whose compressed data is damaged", "", damaged, erpexport.CodeCorruptXLSX, "damaged"},
		{"a sheet whose XML is cut short", "", cut, erpexport.CodeCorruptXLSX, "truncated"},
		{"rows out of order", "", outOfOrder, erpexport.CodeCorruptXLSX, "out of order"},
		{"cells out of order", "", cellsOutOfOrder, erpexport.CodeCorruptXLSX, "out of order"},
		{"a shared string past the table", "", withSheet(`<row r="2"><c r="A2" t="s"><v>5</v></c></row>`), erpexport.CodeCorruptXLSX, "shared string 5"},
		{"a cell in a row's extension", "", withSheet(`<row r="2"><extLst><ext uri="x"><c r="A2"><v>1</v></c></ext></extLst></row>`), erpexport.CodeCorruptXLSX, "<c>"},
		{"a cell reference that is no cell", "", withSheet(`<row r="2"><c r="A"><v>1</v></c></row>`), erpexport.CodeCorruptXLSX, "not a cell"},
		{"a part twice in the zip", "", twice, erpexport.CodeCorruptXLSX, "twice"},
		{"a zip that is no workbook", "", zipOf(map[string]string{"word/document.xml": "<w/>"}), erpexport.CodeNotXLSX, "zip"},
		{"an OpenDocument spreadsheet", "", zipOf(map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), erpexport.CodeNotXLSX, "OpenDocument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping+tc.mapping), tc.content(t))
			fe := fileError(t, rec, err, tc.code)
			if !strings.Contains(fe.Message, tc.says) {
				t.Errorf("message %q does not say %q", fe.Message, tc.says)
			}
		})
	}
}

func TestXLSXRefusesSheetXMLExcelizeWouldStopAtBeforeAnyRecord(t *testing.T) {
	// excelize's row iterator stops without an error where its XML parser
	// gives up: the rows after would be lost. The decoder refuses such a
	// sheet as a whole, before the good orders above the problem.
	good := []string{
		row(1, simpleHeader...),
		row(2, N("4500012345", 0), T("MTR-750-B"), N("4", 0), T("EA"), N("185.4", 0), T("Servo motor")),
		row(3, N("4500012346", 0), T("CBL-5M-SH"), N("10", 0), T("EA"), N("12.5", 0), T("Cable set")),
	}
	last := func(description string) string {
		return `<row r="4"><c r="A4"><v>4500012347</v></c><c r="B4" t="inlineStr"><is><t>GRS-1KG</t></is></c><c r="C4"><v>2</v></c>` +
			`<c r="D4" t="inlineStr"><is><t>EA</t></is></c><c r="E4"><v>9.8</v></c><c r="F4" t="inlineStr"><is><t>` + description + `</t></is></c></row>`
	}
	for _, tc := range []struct{ name, row, says string }{
		{"a control character in a text", last("Bearing\vgrease"), "U+000B"},
		{"an entity XML does not know", last("Bearing&nbsp;grease"), "entity"},
		{"text that is not UTF-8", last("Fett \xfc"), "UTF-8"},
		{"an element closed by another's end tag", strings.Replace(last("Bearing grease"), "</t></is>", "</is></t>", 1), "closed by"},
		{"an attribute without quotes", strings.Replace(last("Bearing grease"), `r="C4"`, `r=C4`, 1), "quoted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := append(slices.Clone(good), tc.row)
			book := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML(rows)})
			rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping), book)
			fe := fileError(t, rec, err, erpexport.CodeCorruptXLSX)
			if fe.Line != 4 || !strings.Contains(fe.Message, tc.says) {
				t.Errorf("file error %v: want row 4 and %q", fe, tc.says)
			}
		})
	}
}

func TestXLSXBrokenXMLFarDownPublishesNothing(t *testing.T) {
	// The check of the sheet runs beside the reading of its rows: the
	// orders of the 12,000 good rows above the broken one are held back
	// (more than the gate holds before it waits for the check) and none
	// is published.
	const rows = 6000
	lines := []string{row(1, simpleHeader...)}
	for n := 2; n <= rows; n++ {
		lines = append(lines, row(n, N(strconv.Itoa(4500000000+n), 0), T("MTR-750-B"), N("4", 0), T("EA"), N("185.4", 0), T("Servo motor")))
	}
	lines = append(lines, strings.Replace(row(rows+1, N("4500099999", 0), T("MTR-750-B")), "MTR", "M\x01R", 1))
	book := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML(lines)})
	rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping), book)
	fe := fileError(t, rec, err, erpexport.CodeCorruptXLSX)
	if fe.Line != rows+1 || !strings.Contains(fe.Message, "U+0001") {
		t.Errorf("file error %v: want row %d and the character", fe, rows+1)
	}
	// The same sheet without the broken row gives every order.
	book = rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML(lines[:rows])})
	if rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), book); len(rec.Records) != rows-1 || len(rec.RowErrors) > 0 {
		t.Errorf("%d records and row errors %v, want %d records", len(rec.Records), rec.RowErrors, rows-1)
	}
}

func TestXLSXNumberCellsInTextColumnsAreWrittenPlainly(t *testing.T) {
	book := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{
		row(1, simpleHeader...),
		row(2, N("4.500012345E9", 0), N("12345", 0), N("4", 0), T("EA"), N("1.5", 0), N("46083", stDate)),
	})})
	rec := mustDecodeXLSX(t, xlsxDecoderFor(t, simpleMapping), book)
	got := orders(t, rec)
	if len(got) != 1 {
		t.Fatalf("row errors %v", rec.RowErrors)
	}
	if l := got[0].Lines[0]; got[0].OrderNumber != "4500012345" || l.SKU != "12345" || l.Description != "2026-03-02" {
		t.Errorf("order %q, SKU %q, description %q; want 4500012345, 12345 and the date 2026-03-02 a date format shows",
			got[0].OrderNumber, l.SKU, l.Description)
	}
}

// bombSheet writes a workbook whose sheet XML unpacks to size bytes of one
// row repeated: a few hundred KB of zip. The repeated megabyte is deflated
// once and its blocks written again and again (each copy refers only to
// itself), so that making the bomb costs little.
func bombSheet(t testing.TB, size int) []byte {
	t.Helper()
	deflate := func(data []byte, final bool) []byte {
		var buf bytes.Buffer
		w, err := flate.NewWriter(&buf, flate.BestCompression)
		must(t, err)
		_, err = w.Write(data)
		must(t, err)
		if final {
			must(t, w.Close())
		} else {
			must(t, w.Flush())
		}
		return buf.Bytes()
	}
	head := []byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + row(1, simpleHeader...))
	line := []byte(`<row><c t="inlineStr"><is><t>4500012345</t></is></c><c t="inlineStr"><is><t>MTR-750-B</t></is></c><c><v>4</v></c></row>`)
	chunk := bytes.Repeat(line, (1<<20)/len(line))
	tail := []byte(`</sheetData></worksheet>`)
	copies := (size - len(head) - len(tail)) / len(chunk)
	var packed bytes.Buffer
	packed.Write(deflate(head, false))
	block := deflate(chunk, false)
	crc := crc32.Update(0, crc32.IEEETable, head)
	for range copies {
		packed.Write(block)
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	packed.Write(deflate(tail, true))
	crc = crc32.Update(crc, crc32.IEEETable, tail)

	good := rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{row(1, simpleHeader...)})})
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	must(t, err)
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			w, err := z.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, CRC32: crc,
				CompressedSize64: uint64(packed.Len()), UncompressedSize64: uint64(len(head) + copies*len(chunk) + len(tail))})
			must(t, err)
			_, err = w.Write(packed.Bytes())
			must(t, err)
			continue
		}
		must(t, z.Copy(f))
	}
	must(t, z.Close())
	return buf.Bytes()
}

func TestXLSXZipBombIsRefusedBeforeItIsUnpacked(t *testing.T) {
	bomb := bombSheet(t, 200<<20)
	if err := checkBomb(bomb, 200<<20); err != nil {
		t.Fatal(err)
	}
	t.Logf("a %d KB workbook whose sheet unpacks to 200 MB", len(bomb)>>10)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rec, err := decodeXLSX(t, xlsxDecoderFor(t, simpleMapping), bomb)
	runtime.ReadMemStats(&after)
	fe := fileError(t, rec, err, erpexport.CodeTooLarge)
	if !strings.Contains(fe.Message, "zip bomb") || !strings.Contains(fe.Message, "xl/worksheets/sheet1.xml") {
		t.Errorf("message %q does not name the part and say why", fe.Message)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("refusing the bomb allocated %d MB", alloc>>20)
	}
}

// checkBomb checks that the bomb is what the test says: a small zip
// whose sheet really unpacks to at least size bytes of valid deflate data.
func checkBomb(bomb []byte, size int) error {
	zr, err := zip.NewReader(bytes.NewReader(bomb), int64(len(bomb)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		n, err := io.Copy(io.Discard, rc) // checks the checksum too
		if err != nil {
			return fmt.Errorf("the bomb's sheet does not unpack: %w", err)
		}
		if n < int64(size)*9/10 || len(bomb) > 1<<20 {
			return fmt.Errorf("the bomb is %d bytes unpacking to %d", len(bomb), n)
		}
		return nil
	}
	return errors.New("the bomb has no sheet")
}

// The committed workbooks of testdata/xlsx, each named after what it
// tests. `go test -run TestXLSXTestdata -update` writes them again (then
// `go test -run TestXLSXConformance -update` their golden files); without
// -update the test checks that they hold what the generator writes.
var xlsxTestdata = map[string]func(testing.TB) []byte{
	"good-orders.xlsx": func(t testing.TB) []byte { return goodOrdersWorkbook.build(t) },
	"one-bad-row.xlsx": func(t testing.TB) []byte { return oneBadRowWorkbook.build(t) },
	"formula-cells.xlsx": func(t testing.TB) []byte {
		return rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{
			row(1, T("Order No"), T("Order Date"), T("Supplier"), T("Currency"), T("SKU"), T("Description"), T("Qty"), T("Unit"), T("Unit Price"), T("Amount")),
			row(2, N("4500012345", 0), N("46083", stDate), T("SUP-SZ-01"), T("EUR"), T("MTR-750-B"), F(`"Servo motor "&"750 W"`, "str", "Servo motor 750 W"), N("4", 0), T("pcs"), N("185.4", stMoney), F("G2*I2", "", "741.6")),
			row(3, N("4500012345", 0), N("46083", stDate), T("SUP-SZ-01"), T("EUR"), T("CBL-5M-SH"), T("Cable set"), N("10", 0), T("pcs"), N("12.5", stMoney), F("G3*I3", "", "125")),
			row(4, N("4500012346", 0), N("46084", stDate), T("SUP-US-07"), T("USD"), T("BRG-6204"), T("Bearing"), N("200", 0), T("Stk"), N("1.95", stMoney), F("G4*I4", "", "-")),
			row(5, N("4500012347", 0), N("46084", stDate), T("SUP-US-07"), T("USD"), T("SEAL-40"), T("Seal"), N("50", 0), T("Stk"), N("0.85", stMoney), F("G5*I5", "", "42.5")),
		})})
	},
	"date-serials.xlsx": func(t testing.TB) []byte {
		line := func(n int, number string, date, delivery xc) string {
			return row(n, N(number, 0), date, delivery, T("SUP-SZ-01"), T("EUR"), T("MTR-750-B"), T("Servo motor"), N("4", 0), T("pcs"), N("185.4", stMoney))
		}
		return rawWorkbook(t, false, rawSheet{name: "Orders", xml: sheetXML([]string{
			row(1, T("Order No"), T("Order Date"), T("Delivery Date"), T("Supplier"), T("Currency"), T("SKU"), T("Description"), T("Qty"), T("Unit"), T("Unit Price")),
			line(2, "4500012345", N("46083", stDate), N("46111", stDMY)),
			line(3, "4500012346", N("46083", stGeneral), N("46111.5", stDate)),
			line(4, "4500012347", Typed("d", "2026-03-02T00:00:00"), T("2026-03-30")),
		})})
	},
	"merged-header.xlsx": func(t testing.TB) []byte {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1,
			[]any{"ACME ERP purchase order export"},
			[]any{},
			[]any{"Order No", "Order Date", "Supplier", "Currency", "SKU", "Description", "Qty", "Unit", "Unit Price", nil},
			[]any{nil, nil, nil, nil, nil, nil, nil, nil, "EUR", "USD"},
			[]any{4500012345, "2026-03-02", "SUP-SZ-01", "EUR", "MTR-750-B", "Servo motor", 4, "pcs", 185.4, 201.2},
			[]any{nil, "2026-03-02", "SUP-SZ-01", "EUR", "CBL-5M-SH", "Cable set", 10, "pcs", 12.5, 13.6},
		)
		for _, r := range [][2]string{{"A1", "J1"}, {"A3", "A4"}, {"B3", "B4"}, {"C3", "C4"}, {"D3", "D4"}, {"E3", "E4"}, {"F3", "F4"}, {"G3", "G4"}, {"H3", "H4"}, {"I3", "J3"}, {"A5", "A6"}} {
			must(t, f.MergeCell("Sheet1", r[0], r[1]))
		}
		return saved(t, f)
	},
	"trailing-empty-rows.xlsx": func(t testing.TB) []byte {
		f := excelize.NewFile()
		fill(t, f, "Sheet1", 1,
			[]any{"Order No", "Order Date", "Supplier", "Currency", "SKU", "Description", "Qty", "Unit", "Unit Price"},
			[]any{"4500012345", "2026-03-02", "SUP-SZ-01", "EUR", "MTR-750-B", "Servo motor", "4", "pcs", "185.40"},
			[]any{},
			[]any{"4500012346", "2026-03-03", "SUP-US-07", "USD", "BRG-6204", "Bearing", "200", "Stk", "1.95"},
		)
		money := newStyle(t, f, &excelize.Style{NumFmt: 2})
		must(t, f.SetCellStyle("Sheet1", "A5", "I60", money))
		must(t, f.SetRowHeight("Sheet1", 100, 30))
		return saved(t, f)
	},
	"several-sheets.xlsx": func(t testing.TB) []byte {
		f := excelize.NewFile()
		must(t, f.SetSheetName("Sheet1", "Orders"))
		fill(t, f, "Orders", 1,
			[]any{"Order No", "Order Date", "Supplier", "Currency", "SKU", "Description", "Qty", "Unit", "Unit Price"},
			[]any{"4500012345", "2026-03-02", "SUP-SZ-01", "EUR", "MTR-750-B", "Servo motor", 4, "pcs", 185.4},
		)
		_, err := f.NewSheet("Archive")
		must(t, err)
		fill(t, f, "Archive", 1,
			[]any{"Order No", "Order Date", "Supplier", "Currency", "SKU", "Description", "Qty", "Unit", "Unit Price"},
			[]any{"4500000001", "2026-01-05", "SUP-SZ-01", "EUR", "MTR-750-B", "Servo motor", 1, "pcs", 180},
		)
		return saved(t, f)
	},
}

var updateFlag = flag.Lookup("update") // connectortest's -update

func TestXLSXTestdata(t *testing.T) {
	update := updateFlag != nil && updateFlag.Value.String() == "true"
	for name, build := range xlsxTestdata {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "xlsx", name)
			want := build(t)
			if update {
				must(t, os.MkdirAll(filepath.Dir(path), 0o755))
				must(t, os.WriteFile(path, want, 0o644))
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestXLSXTestdata -update)", err)
			}
			if g, w := cellDump(t, got), cellDump(t, want); g != w {
				t.Errorf("%s is not what its generator writes (run go test -run TestXLSXTestdata -update):\n%s", path, firstLineDiff(w, g))
			}
		})
	}
}

// cellDump prints every sheet's raw cell values and merged ranges.
func cellDump(t testing.TB, content []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(content), excelize.Options{RawCellValue: true})
	must(t, err)
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		must(t, err)
		fmt.Fprintf(&b, "sheet %q\n", sheet)
		for i, r := range rows {
			fmt.Fprintf(&b, "%d %q\n", i+1, r)
		}
		merges, err := f.GetMergeCells(sheet)
		must(t, err)
		for _, m := range merges {
			fmt.Fprintf(&b, "merged %s:%s\n", m.GetStartAxis(), m.GetEndAxis())
		}
	}
	return b.String()
}

func TestXLSXConformance(t *testing.T) {
	golden, err := filepath.Glob("testdata/xlsx/*.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if len(golden) < len(xlsxTestdata) {
		t.Fatalf("testdata/xlsx has %d workbooks, want %d (run go test -run TestXLSXTestdata -update)", len(golden), len(xlsxTestdata))
	}
	mappingPath, err := filepath.Abs("testdata/orders.mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	connectortest.Run(t, connectortest.Suite{
		Spec:      erpexport.Spec(),
		New:       erpexport.New,
		Decoder:   xlsxDecoder(t, "orders.mapping.yaml"),
		Golden:    golden,
		Malformed: []string{"testdata/xlsx/one-bad-row.xlsx", "testdata/xlsx/formula-cells.xlsx"},
		LargeInput: func() []byte {
			path := filepath.Join(t.TempDir(), "large.xlsx")
			if err := xlsxgen.Write(path, 20000, 2); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		NewSource: func(t *testing.T, dir string) connectors.Source {
			entry := fmt.Sprintf("name: acme\nkind: erp_export\nsettings:\n  inbox: %q\n  pattern: \"*.xlsx\"\n  settle_time: 0s\n  mapping: %q\n", dir, mappingPath)
			c, err := erpexport.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			return c.Source
		},
		SourceFiles: []string{"testdata/xlsx/good-orders.xlsx", "testdata/xlsx/one-bad-row.xlsx"},
	})
}

func TestNewXLSXDecoderChecksTheMapping(t *testing.T) {
	m := &mapping.Mapping{Columns: map[string]string{"lines.qty": "Qty"}}
	if _, err := erpexport.NewXLSXDecoder(m); err == nil {
		t.Error("NewXLSXDecoder took a mapping without order_number and with an unknown field")
	}
}
