package ordering_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/ordering"
)

func readCSV(t testing.TB, name string) ([]ordering.DemandLine, []connectors.RowError, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return ordering.ReadCSV(context.Background(), name, bytes.NewReader(b))
}

func TestBadCSVRowsAreReportedWithLineAndFieldAndGoodRowsArePlanned(t *testing.T) {
	lines, rowErrs, err := readCSV(t, "demand-two-bad-rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rowErrs {
		got = append(got, e.Error()+" ["+e.Code+"]")
	}
	want := []string{
		`demand-two-bad-rows.csv:3: quantity: "12,5O" is not a decimal [invalid_decimal]`,
		`demand-two-bad-rows.csv:4: need_by: "2026-13-01" is not a date (YYYY-MM-DD) [invalid_date]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rowErrs) == 2 && (rowErrs[0].Column != 2 || rowErrs[1].Column != 4) {
		t.Errorf("columns %d and %d, want 2 and 4", rowErrs[0].Column, rowErrs[1].Column)
	}
	if len(lines) != 2 {
		t.Fatalf("got %d good lines, want 2 (lines 2 and 6)", len(lines))
	}
	second := lines[1]
	if second.Source.Line != 6 || second.Unit != "H87" || second.ShipTo.Country != "DE" || second.Reference != "REQ-4" {
		t.Errorf("line 6 read as %+v (source %+v), want unit H87 (from pce), country DE (from de), reference REQ-4", second, second.Source)
	}

	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), lines...)
	if len(pl.Unplanned()) != 0 || len(pl.Orders) != 2 {
		t.Fatalf("%d orders, unplanned %+v; want both good rows planned in 2 orders", len(pl.Orders), pl.Unplanned())
	}
	if src := pl.Orders[0].Lines[0].Source; src == nil || src.File != "demand-two-bad-rows.csv" || src.Line != 2 {
		t.Errorf("the order line's source is %+v, want the file's line 2", src)
	}
	mustPassValidation(t, cat, nil, pl.Orders)
}

func TestASemicolonFileWithAByteOrderMarkIsRead(t *testing.T) {
	lines, rowErrs, err := readCSV(t, "demand-semicolons-and-bom.csv")
	if err != nil || len(rowErrs) != 0 {
		t.Fatalf("err %v, row errors %v", err, rowErrs)
	}
	if len(lines) != 1 || lines[0].BuyerSKU != "B-BOLT" || lines[0].Quantity.String() != "100" || lines[0].NeedBy.String() != "2026-08-03" {
		t.Errorf("got %+v", lines)
	}
}

func TestAFileThatIsNotADemandFileIsAFileError(t *testing.T) {
	for _, tc := range []struct {
		name, file, code, want string
	}{
		{"a required column is missing", "demand-missing-need-by-column.csv", ordering.CodeMissingColumn, "no need_by column"},
		{"a misspelt column would lose data", "demand-misspelt-column.csv", ordering.CodeUnknownColumn, `"ship_to_contry"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, _, err := readCSV(t, tc.file)
			var fe *connectors.FileError
			if !errors.As(err, &fe) || fe.Code != tc.code || !strings.Contains(fe.Message, tc.want) {
				t.Fatalf("got %v, want a %s file error saying %s", err, tc.code, tc.want)
			}
			if len(lines) != 0 {
				t.Errorf("got %d lines from a bad file", len(lines))
			}
		})
	}
	for _, tc := range []struct{ name, content, code string }{
		{"an empty file", "", ordering.CodeEmpty},
		{"a column named twice", "buyer_sku,quantity,need_by,quantity\n", ordering.CodeDuplicateColumn},
		{"a column without a name", "buyer_sku,,quantity,need_by\n", ordering.CodeUnknownColumn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ordering.ReadCSV(context.Background(), "x.csv", strings.NewReader(tc.content))
			var fe *connectors.FileError
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("got %v, want a %s file error", err, tc.code)
			}
		})
	}
}

func TestRowErrorsNameTheFieldAndKeepGoing(t *testing.T) {
	const in = "buyer_sku,quantity,unit,need_by,ship_to_country,buyer_name\n" +
		",10,H87,2026-08-03,DE,\n" + // line 2: no SKU
		"B-1,-5,H87,2026-08-03,DE,\n" + // line 3: negative
		"B-1,5,BOXX,2026-08-03,DE,\n" + // line 4: unit
		"B-1,5,H87,2026-08-03,Atlantis,\n" + // line 5: country
		"B-1,5,H87\n" + // line 6: too few cells
		"B-1,5,H87,2026-08-03,DE,Jane Doe\n" + // line 7: a buyer name without a buyer id
		"B-1,\"5\n" // line 8: an unterminated quote
	lines, rowErrs, err := ordering.ReadCSV(context.Background(), "d.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line        int
		field, code string
	}{
		{2, "buyer_sku", "required"}, {3, "quantity", "not_positive"}, {4, "unit", "invalid_unit"},
		{5, "ship_to_country", "invalid_country"}, {6, "", ordering.CodeFieldCount}, {7, "buyer_id", "required"},
		{8, "", ordering.CodeMalformedRow},
	}
	if len(rowErrs) != len(want) {
		t.Fatalf("got %d row errors %v, want %d", len(rowErrs), rowErrs, len(want))
	}
	for i, w := range want {
		if e := rowErrs[i]; e.Line != w.line || e.Field != w.field || e.Code != w.code || e.File != "d.csv" {
			t.Errorf("row error %d: %+v, want line %d field %q code %s", i, e, w.line, w.field, w.code)
		}
	}
	for _, e := range rowErrs {
		if strings.Contains(e.Message, "Jane") {
			t.Errorf("a row error repeats a personal name: %s", e)
		}
	}
	if len(lines) != 0 {
		t.Errorf("got %d lines, want none", len(lines))
	}
}

func TestACancelledReadStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := ordering.ReadCSV(ctx, "d.csv", strings.NewReader("buyer_sku,quantity,need_by\nB-1,1,2026-08-03\n"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// FuzzReadCSV checks that no input makes ReadCSV panic, that every line it
// keeps is one the planner can take, and that every row error has a line.
func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, rowErrs, err := ordering.ReadCSV(context.Background(), "fuzz.csv", bytes.NewReader(b))
		if err != nil {
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("not a file error: %v", err)
			}
			return
		}
		for _, e := range rowErrs {
			if e.Line < 1 || e.Code == "" {
				t.Errorf("row error without a line or code: %+v", e)
			}
		}
		for _, l := range lines {
			if l.BuyerSKU == "" || !l.Quantity.IsPositive() || !l.NeedBy.Valid() || (l.Unit != "" && !l.Unit.Valid()) {
				t.Errorf("kept a line the planner cannot take: %+v", l)
			}
		}
	})
}

func TestADemandLineReadsFromJSON(t *testing.T) {
	var d ordering.DemandLine
	in := `{"buyer_sku":"B-BOLT","quantity":"130","unit":"H87","need_by":"2026-08-03","ship_to":{"city":"Hamburg","country":"DE"},"reference":"REQ-1"}`
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if d.BuyerSKU != "B-BOLT" || d.Quantity.String() != "130" || d.NeedBy.String() != "2026-08-03" || d.ShipTo.Country != "DE" || d.Reference != "REQ-1" {
		t.Errorf("read %+v", d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("wrote %s, want %s", out, in)
	}
}
