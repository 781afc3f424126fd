package mapping_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// base is the smallest mapping that builds orders; tests add to it.
const base = `
columns:
  order_number: Nr
  lines.sku: SKU
  lines.quantity: Qty
  lines.unit: Unit
  lines.unit_price: Price
constants:
  buyer.id: ACME
  currency: EUR
`

func TestLoadReportsEveryProblemWithItsPosition(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"an unknown key", "colums: {order_number: Nr}\n",
			[]string{`test.yaml:1:1: unknown key "colums" (did you mean "columns"?)`}},
		{"an unknown canonical field, with a suggestion", "columns:\n  order_number: Nr\n  lines.qty: Menge\n",
			[]string{`test.yaml:3:3: columns: lines.qty: "lines.qty" is not a canonical field (did you mean "lines.quantity"?)`}},
		{"a line field written without lines.", "columns:\n  order_number: Nr\n  sku: Artikel\n",
			[]string{`test.yaml:3:3: columns: sku: "sku" is not a field of document order (only of catalog_item) (did you mean "lines.sku"?)`}},
		{"a bad date layout and a bad encoding, both", "encoding: ebcdic\ndate_formats: [DD.MM.YYYY, DD.MM.JJJJ]\ncolumns: {order_number: Nr}\n",
			[]string{`test.yaml:1:11: encoding: "ebcdic" is not an encoding`, `test.yaml:2:28: date_formats: 1: date format "DD.MM.JJJJ": "J" is not a date part`}},
		{"a date layout without a year", "date_formats: [DD.MM]\ncolumns: {order_number: Nr}\n",
			[]string{`date format "DD.MM" has no year`}},
		{"a thousands separator equal to the decimal mark", "decimal_mark: \",\"\nthousands_separator: \",\"\ncolumns: {order_number: Nr}\n",
			[]string{`test.yaml:2:22: thousands_separator: "," is also the decimal mark`}},
		{"a required field without column or constant", "columns: {order_number: Nr}\nrequired: [lines.sku]\n",
			[]string{`test.yaml:2:12: required: 0: lines.sku has no column and no constant`}},
		{"a value map for a field that nothing feeds", "columns: {order_number: Nr}\nvalues:\n  lines.unit: {Stk: EA}\n",
			[]string{`test.yaml:3:3: values: lines.unit: lines.unit has no column and no constant to map`}},
		{"a value map to a code that does not exist", "columns: {order_number: Nr, lines.unit: ME}\nvalues:\n  lines.unit: {Stk: STUECK}\n",
			[]string{`values: lines.unit: Stk: maps to "STUECK" is not a UN/ECE`}},
		{"an invalid constant", "columns: {order_number: Nr}\nconstants: {currency: EURO}\n",
			[]string{`test.yaml:2:23: constants: currency: "EURO" is not a currency code`}},
		{"an optional column that is not mapped", "columns: {order_number: Nr}\noptional_columns: [lines.gtin]\n",
			[]string{`optional_columns: 0: lines.gtin has no column under columns`}},
		{"no order number column", "columns: {lines.sku: SKU}\n",
			[]string{`columns: order_number needs a column`}},
		{"an order number constant", "columns: {order_number: Nr}\nconstants: {order_number: \"1\"}\n",
			[]string{`order_number cannot be a constant`}},
		{"a delimiter of two characters", "delimiter: \";;\"\ncolumns: {order_number: Nr}\n",
			[]string{`test.yaml:1:12: delimiter: ";;" is not a delimiter`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.Parse("test.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse accepted the mapping")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestLoadReadsAFile(t *testing.T) {
	m, err := mapping.Load("../erpexport/testdata/german.mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.Columns["currency"] != "Währung" || m.HeaderRow != 2 {
		t.Errorf("loaded %+v", m)
	}
	if _, err := mapping.Load("testdata/nowhere.yaml"); err == nil || !strings.Contains(err.Error(), "nowhere.yaml") {
		t.Errorf("Load of a missing file = %v, want an error naming it", err)
	}
}

func TestMappingBuiltInGoNamesItsProblems(t *testing.T) {
	m := &mapping.Mapping{Columns: map[string]string{"order_number": "Nr", "lines.menge": "Menge"}}
	err := m.Validate()
	if err == nil || !strings.Contains(err.Error(), `mapping: columns: lines.menge: "lines.menge" is not a canonical field`) {
		t.Errorf("Validate = %v", err)
	}
}

func TestKeysDocumentEveryMappingKey(t *testing.T) {
	documented := map[string]bool{}
	for _, k := range mapping.Keys() {
		if k.Description == "" || k.Type == "" {
			t.Errorf("key %s lacks a type or description", k.Name)
		}
		documented[k.Name] = true
	}
	typ := reflect.TypeOf(mapping.Mapping{})
	for i := 0; i < typ.NumField(); i++ {
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && !documented[tag] {
			t.Errorf("key %s is not in Keys()", tag)
		}
		delete(documented, tag)
	}
	for k := range documented {
		t.Errorf("Keys() documents %s, which Mapping does not have", k)
	}
}

// merge lays the keys of extra over base, one level deep into maps
// (columns, constants, values), and returns the merged YAML.
func merge(t *testing.T, base, extra string) []byte {
	t.Helper()
	var b, e map[string]any
	if err := yaml.Unmarshal([]byte(base), &b); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(extra), &e); err != nil {
		t.Fatal(err)
	}
	for k, v := range e {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := b[k].(map[string]any); ok {
				for kk, vv := range vm {
					bm[kk] = vv
				}
				continue
			}
		}
		b[k] = v
	}
	out, err := yaml.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rows runs rows through an OrderBuilder made from base plus extra YAML.
func rows(t *testing.T, extra string, header []string, cells ...[]string) *connectortest.Recorder {
	t.Helper()
	m, err := mapping.Parse("test.yaml", merge(t, base, extra))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var rec connectortest.Recorder
	b, err := r.NewOrderBuilder(canonical.Source{File: "t.xlsx", Sheet: "Orders", Line: 1}, header, &rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, c := range cells {
		if err := b.Row(ctx, i+2, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	return &rec
}

func onlyOrder(t *testing.T, rec *connectortest.Recorder) *canonical.Order {
	t.Helper()
	if len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("got %d records and row errors %v, want one order", len(rec.Records), rec.RowErrors)
	}
	return rec.Records[0].Value.(*canonical.Order)
}

func TestOrderBuilder(t *testing.T) {
	header := []string{"Nr", "SKU", "Qty", "Unit", "Price"}
	t.Run("a short row (a spreadsheet leaves trailing cells out) reads the missing cells as empty", func(t *testing.T) {
		rec := rows(t, "constants: {lines.unit_price: \"0\"}\n", header, []string{"1", "A", "2", "EA"})
		if p := onlyOrder(t, rec).Lines[0].UnitPrice.String(); p != "0" {
			t.Errorf("unit price = %s, want the constant 0", p)
		}
	})
	t.Run("a value map matches ignoring case after an exact match", func(t *testing.T) {
		rec := rows(t, "values: {lines.unit: {Stk: EA, pcs: C62, M: MTR, m: MTR}}\n", header,
			[]string{"1", "A", "2", "Stk", "1.00"}, []string{"1", "B", "2", "STK", "1.00"},
			[]string{"1", "C", "2", "PCS", "1.00"}, []string{"1", "D", "2", "m", "1.00"})
		var units []string
		for _, l := range onlyOrder(t, rec).Lines {
			units = append(units, string(l.Unit))
		}
		if fmt.Sprint(units) != "[EA EA C62 MTR]" {
			t.Errorf("units = %v", units)
		}
	})
	t.Run("keys that differ only in case and disagree match only exactly", func(t *testing.T) {
		rec := rows(t, "values: {lines.unit: {Stk: EA, STK: C62}}\n", header,
			[]string{"1", "A", "2", "STK", "1.00"}, []string{"2", "B", "2", "stk", "1.00"})
		if len(rec.Records) != 1 || rec.Records[0].Value.(*canonical.Order).Lines[0].Unit != "C62" {
			t.Errorf("records = %v", rec.Records)
		}
		if len(rec.RowErrors) != 1 || rec.RowErrors[0].Line != 3 || rec.RowErrors[0].Code != canonical.CodeInvalidUnit {
			t.Errorf("row errors = %v, want the ambiguous stk on line 3 rejected", rec.RowErrors)
		}
	})
	t.Run("rows of a sheet carry the sheet in errors and lineage", func(t *testing.T) {
		rec := rows(t, "", header, []string{"1", "A", "2", "EA", "1.00"}, []string{"2", "B", "zwei", "EA", "1.00"})
		if len(rec.RowErrors) != 1 || rec.RowErrors[0].Error() != `t.xlsx:Orders:3: lines.quantity: "zwei" is not a decimal (expected like 1234.56)` {
			t.Fatalf("row errors = %v", rec.RowErrors)
		}
		if s := rec.Records[0].Value.(*canonical.Order).Lines[0].Source; s.Sheet != "Orders" || s.Line != 2 {
			t.Errorf("line lineage = %+v", s)
		}
	})
	t.Run("a required field left empty is a row error", func(t *testing.T) {
		rec := rows(t, "required: [lines.sku]\n", header, []string{"1", "", "2", "EA", "1.00"})
		if len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != mapping.CodeRequired || rec.RowErrors[0].Field != "lines.sku" {
			t.Errorf("row errors = %v", rec.RowErrors)
		}
	})
	t.Run("an optional column that is missing leaves its field empty", func(t *testing.T) {
		rec := rows(t, "columns: {lines.gtin: EAN}\noptional_columns: [lines.gtin]\n", header, []string{"1", "A", "2", "EA", "1.00"})
		if g := onlyOrder(t, rec).Lines[0].GTIN; g != "" {
			t.Errorf("gtin = %q", g)
		}
	})
}

func TestCellConversions(t *testing.T) {
	tests := []struct {
		name    string
		mapping string // extra YAML
		column  string // header of the tested column
		field   string
		cell    string
		want    string // the value as canonical JSON shows it, or the row error code
	}{
		{"a decimal comma keeps its scale", "decimal_mark: \",\"\n", "Price", "unit_price", "12,50", "12.50"},
		{"thousands points group by three", "decimal_mark: \",\"\nthousands_separator: \".\"\n", "Price", "unit_price", "1.234.567,5", "1234567.5"},
		{"a point in a decimal-comma file is not taken for a thousands point", "decimal_mark: \",\"\nthousands_separator: \".\"\n", "Price", "unit_price", "12.5", "invalid_decimal"},
		{"a no-break space is a space thousands separator", "thousands_separator: \" \"\n", "Price", "unit_price", "1\u00a0234.00", "1234.00"},
		{"a letter O for a zero is not a decimal", "", "Price", "unit_price", "12.5O", "invalid_decimal"},
		{"a sign and a leading point", "", "Price", "unit_price", "+.5", "0.5"},
		{"more digits than an int64 holds", "", "Price", "unit_price", "12345678901234567890.123", "12345678901234567890.123"},
		{"a trailing decimal mark is not a number", "", "Price", "unit_price", "12.", "invalid_decimal"},
		{"day-first dates", "date_formats: [DD.MM.YYYY]\ncolumns: {order_date: Date}\n", "Date", "order_date", "02.03.2026", "2026-03-02"},
		{"month-first dates", "date_formats: [MM/DD/YYYY]\ncolumns: {order_date: Date}\n", "Date", "order_date", "03/02/2026", "2026-03-02"},
		{"the second layout is tried", "date_formats: [DD.MM.YYYY, YYYYMMDD]\ncolumns: {order_date: Date}\n", "Date", "order_date", "20260302", "2026-03-02"},
		{"a time after the date is dropped", "date_formats: [YYYY-MM-DD hh:mm:ss]\ncolumns: {order_date: Date}\n", "Date", "order_date", "2026-03-02 14:05:00", "2026-03-02"},
		{"an impossible date", "date_formats: [DD.MM.YYYY]\ncolumns: {order_date: Date}\n", "Date", "order_date", "30.02.2026", "invalid_date"},
		{"two-digit years", "date_formats: [D.M.YY]\ncolumns: {order_date: Date}\n", "Date", "order_date", "2.3.26", "2026-03-02"},
		{"HS codes lose their dots", "columns: {lines.hs_code: HS}\n", "HS", "hs_code", "8471.30.00", "84713000"},
		{"a GTIN with a wrong check digit", "columns: {lines.gtin: EAN}\n", "EAN", "gtin", "4006381333932", "invalid_gtin"},
		{"a GTIN with its check digit", "columns: {lines.gtin: EAN}\n", "EAN", "gtin", "4006381333931", "4006381333931"},
		{"a country in lower case", "columns: {lines.origin_country: Origin}\n", "Origin", "origin_country", " de ", "DE"},
		{"a country name is not a code", "columns: {lines.origin_country: Origin}\n", "Origin", "origin_country", "Germany", "invalid_country"},
		{"SAP item numbers with leading zeros", "columns: {lines.line_number: Item}\n", "Item", "line_number", "000010", "10"},
		{"a unit nobody mapped", "", "Unit", "unit", "Stück", "invalid_unit"},
		{"a unit in lower case", "", "Unit", "unit", "kgm", "KGM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := []string{"Nr", "SKU", "Qty", "Unit", "Price"}
			cells := []string{"1", "A", "2", "EA", "1.00"}
			if i := indexOf(header, tt.column); i >= 0 {
				cells[i] = tt.cell
			} else {
				header = append(header, tt.column)
				cells = append(cells, tt.cell)
			}
			rec := rows(t, tt.mapping, header, cells)
			if len(rec.RowErrors) > 0 {
				if got := rec.RowErrors[0].Code; got != tt.want {
					t.Errorf("row error %v, want %s", rec.RowErrors[0], tt.want)
				}
				return
			}
			o := onlyOrder(t, rec)
			var got any
			switch tt.field {
			case "order_date":
				got = o.OrderDate
			case "unit_price":
				got = o.Lines[0].UnitPrice
			case "hs_code":
				got = o.Lines[0].HSCode
			case "gtin":
				got = o.Lines[0].GTIN
			case "origin_country":
				got = o.Lines[0].OriginCountry
			case "line_number":
				got = o.Lines[0].LineNumber
			case "unit":
				got = o.Lines[0].Unit
			}
			if s := strings.Trim(fmt.Sprint(jsonOf(t, got)), `"`); s != tt.want {
				t.Errorf("%s = %s, want %s", tt.field, s, tt.want)
			}
		})
	}
}

func TestHeaderProblemsAreFileErrors(t *testing.T) {
	m, err := mapping.Parse("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header []string
		code   string
	}{
		{"no mapped column at all", []string{"a", "b"}, mapping.CodeWrongHeader},
		{"one mapped column missing", []string{"Nr", "SKU", "Qty", "Unit"}, mapping.CodeMissingColumn},
		{"a mapped column twice", []string{"Nr", "SKU", "Qty", "Unit", "Price", " price "}, mapping.CodeAmbiguousColumn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.NewOrderBuilder(canonical.Source{File: "f.csv", Line: 4}, tt.header, &connectortest.Recorder{})
			fe, ok := err.(*connectors.FileError)
			if !ok || fe.Code != tt.code || fe.Line != 4 || fe.File != "f.csv" {
				t.Errorf("NewOrderBuilder = %v, want a file error %s at f.csv:4", err, tt.code)
			}
		})
	}
	t.Run("headers match ignoring case, spaces and a byte order mark", func(t *testing.T) {
		if _, err := r.NewOrderBuilder(canonical.Source{}, []string{"\uFEFFnr", " sku ", "QTY", "Unit", "Price"}, &connectortest.Recorder{}); err != nil {
			t.Error(err)
		}
	})
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestColumnKindsSayHowSpreadsheetCellsAreRead(t *testing.T) {
	m, err := mapping.Parse("test.yaml", []byte(strings.Replace(base, "columns:\n",
		"columns:\n  order_date: Datum\n  lines.line_number: Pos\n  lines.description: Text\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]mapping.CellKind{
		"Nr": mapping.CellText, "SKU": mapping.CellText, "Unit": mapping.CellText, "Text": mapping.CellText,
		"Qty": mapping.CellNumber, "Price": mapping.CellNumber, "Pos": mapping.CellNumber,
		"Datum": mapping.CellDate,
	}
	if got := r.ColumnKinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("ColumnKinds = %v, want %v", got, want)
	}
}
