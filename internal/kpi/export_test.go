package kpi

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/internal/store"
)

const wantHeader = "key,orders,open," +
	"cycle_days_count,cycle_days_mean,cycle_days_median,cycle_days_p90," +
	"confirmation_hours_count,confirmation_hours_mean,confirmation_hours_median,confirmation_hours_p90," +
	"error_rate,tracking_transparency,on_time_rate,delay_rate," +
	"settlement_days_count,settlement_days_mean,settlement_days_median,settlement_days_p90," +
	"fx_gain_loss_EUR,fx_gain_loss_USD," +
	"alerts_eta_after_promised,alerts_order_needs_review,alerts_statement_gap"

func TestWriteCSVHasAStableHeaderAndATotalRow(t *testing.T) {
	r := Compute(richInputs(t), Query{GroupBy: BySupplier, Now: now})
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if lines[0] != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", lines[0], wantHeader)
	}
	// Six orders: four delivered (one late), two open (one silent for
	// three days); three invoices paid after 30, 10 and 10 days.
	wantTotal := "TOTAL,6,2,4,10.3,9.6,15.1,1,24,24,24,0.1667,0.5,0.75,0.5,3,16.7,10,30,-2.00,1.80,2,1,1"
	if got := lines[len(lines)-1]; got != wantTotal {
		t.Errorf("total row\n%s\nwant\n%s", got, wantTotal)
	}
	var keys []string
	for _, l := range lines[1 : len(lines)-1] {
		keys = append(keys, strings.SplitN(l, ",", 2)[0])
	}
	if strings.Join(keys, " ") != "SUP-CN SUP-VN" {
		t.Errorf("group rows %v; want SUP-CN, SUP-VN", keys)
	}
	// SUP-VN: no confirmation, so its confirmation stats are empty; the
	// invoices are SUP-CN's, grouped by supplier they count under it, so
	// SUP-VN has no settlement cycle and no FX difference (which reads 0).
	wantVN := "SUP-VN,2,0,2,9.6,9.6,10.1,0,,,,0,,1,0,0,,,,0,0,0,0,0"
	if got := lines[2]; got != wantVN {
		t.Errorf("SUP-VN row\n%s\nwant\n%s", got, wantVN)
	}
}

func TestWriteXLSXHoldsTheCSVTable(t *testing.T) {
	r := Compute(richInputs(t), Query{GroupBy: ByLane, Now: now})
	var csvBuf, xlsxBuf bytes.Buffer
	if err := r.WriteCSV(&csvBuf); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteXLSX(&xlsxBuf); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxBuf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != SheetName {
		t.Fatalf("sheets %v; want only %s", sheets, SheetName)
	}
	got, err := f.GetRows(SheetName, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows; want %d", len(got), len(want))
	}
	for i := range want {
		row := append(got[i], make([]string, len(want[i])-len(got[i]))...) // trailing empty cells are not stored
		for j := range want[i] {
			if !sameValue(row[j], want[i][j]) {
				t.Errorf("row %d column %s: %q; the CSV has %q", i+1, want[0][j], row[j], want[i][j])
			}
		}
	}

	// Numbers are numbers, rates are shown as percentages.
	cell, _ := excelize.CoordinatesToCellName(columnIndex(t, want[0], "on_time_rate")+1, len(want))
	if typ, err := f.GetCellType(SheetName, cell); err != nil || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("on-time rate cell type %v (err %v); want a number", typ, err)
	}
	if shown, err := f.GetCellValue(SheetName, cell); err != nil || shown != "75.00%" {
		t.Errorf("on-time rate shown as %q (err %v); want 75.00%%", shown, err)
	}
	panes, err := f.GetPanes(SheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
		t.Errorf("panes %+v (err %v); want the header row frozen", panes, err)
	}
}

// sameValue compares a spreadsheet cell and a CSV field: as numbers when
// both are ("1.80" is 1.8), else as text.
func sameValue(cell, field string) bool {
	a, errA := strconv.ParseFloat(cell, 64)
	b, errB := strconv.ParseFloat(field, 64)
	if errA == nil && errB == nil {
		return a == b
	}
	return cell == field
}

func columnIndex(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %s in %v", name, header)
	return 0
}

func TestScorecards(t *testing.T) {
	onTime := func(number, supplier string) store.OrderFact {
		return fact(number, delivered(march(14, 10)), func(f *store.OrderFact) { f.SupplierID = supplier })
	}
	late := func(number, supplier string) store.OrderFact {
		return fact(number, delivered(march(18, 10)), func(f *store.OrderFact) { f.SupplierID = supplier })
	}
	in := Inputs{Facts: []store.OrderFact{
		onTime("PO-1", "SUP-A"), onTime("PO-2", "SUP-A"),
		// Always on time, but every order had to be corrected.
		onTime("PO-3", "SUP-E"), func() store.OrderFact {
			f := onTime("PO-4", "SUP-E")
			f.NeededCorrection = true
			return f
		}(),
		late("PO-5", "SUP-C"),
		fact("PO-6", func(f *store.OrderFact) { f.SupplierID = "SUP-D" }), // nothing delivered yet
		onTime("PO-7", "SUP-B"), late("PO-8", "SUP-B"), onTime("PO-9", "SUP-B"), onTime("PO-10", "SUP-B"),
		onTime("PO-11", "SUP-B"), onTime("PO-12", "SUP-B"), onTime("PO-13", "SUP-B"),
	}}
	cards := Scorecards(in, Query{Now: now, GroupBy: ByLane}, BySupplier)
	want := []struct {
		key, grade string
	}{
		{"SUP-A", "A"}, // always on time, never corrected
		{"SUP-E", "B"}, // on time, but half its orders needed correction
		{"SUP-B", "B"}, // six of seven on time: 85.7%
		{"SUP-C", "C"}, // late
		{"SUP-D", ""},  // no delivery to judge
	}
	if len(cards) != len(want) {
		t.Fatalf("%d scorecards; want %d: %+v", len(cards), len(want), cards)
	}
	for i, w := range want {
		c := cards[i]
		if c.Key != w.key || c.Grade != w.grade || c.Rank != i+1 {
			t.Errorf("place %d: %s graded %q ranked %d; want %s graded %q", i+1, c.Key, c.Grade, c.Rank, w.key, w.grade)
		}
	}

	carriers := Scorecards(richInputs(t), Query{Now: now}, ByCarrier)
	var keys []string
	for _, c := range carriers {
		keys = append(keys, c.Key+":"+c.Grade)
	}
	// Maersk delivered both on time; DHL one of two; "?" delivered nothing.
	if got := strings.Join(keys, " "); got != "Maersk:A DHL:C ?:" {
		t.Errorf("carrier scorecards %s", got)
	}
}
