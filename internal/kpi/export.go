package kpi

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/canonical"
)

// TotalKey is the key column's value on the total row of an export.
const TotalKey = "TOTAL"

// SheetName is the sheet WriteXLSX writes the table to.
const SheetName = "KPIs"

// cell is one value of the exported table. An empty text with no number
// is a KPI that has no value (a rate without a denominator).
type cell struct {
	text  string
	num   float64
	isNum bool
}

func textCell(s string) cell { return cell{text: s} }

func intCell(n int) cell { return cell{text: strconv.Itoa(n), num: float64(n), isNum: true} }

func floatCell(p *float64) cell {
	if p == nil {
		return cell{}
	}
	return cell{text: strconv.FormatFloat(*p, 'f', -1, 64), num: *p, isNum: true}
}

func decimalCell(d canonical.Decimal) cell {
	return cell{text: d.String(), num: d.InexactFloat64(), isNum: true}
}

// column is one column of the exported table.
type column struct {
	name  string
	rate  bool // shown as a percentage in a spreadsheet
	value func(Group) cell
}

// columns are the table's columns for r: the fixed KPIs, then one column
// per currency of FX differences and one per alert kind seen anywhere in
// the report, each sorted, so the header depends only on what occurred.
func (r Report) columns() []column {
	cols := []column{
		{name: "key", value: func(g Group) cell { return textCell(g.Key) }},
		{name: "orders", value: func(g Group) cell { return intCell(g.Orders) }},
		{name: "open", value: func(g Group) cell { return intCell(g.Open) }},
	}
	stat := func(prefix string, s func(Group) Stat) {
		cols = append(cols,
			column{name: prefix + "_count", value: func(g Group) cell { return intCell(s(g).Count) }},
			column{name: prefix + "_mean", value: func(g Group) cell { return floatCell(s(g).Mean) }},
			column{name: prefix + "_median", value: func(g Group) cell { return floatCell(s(g).Median) }},
			column{name: prefix + "_p90", value: func(g Group) cell { return floatCell(s(g).P90) }},
		)
	}
	rate := func(name string, v func(Group) *float64) {
		cols = append(cols, column{name: name, rate: true, value: func(g Group) cell { return floatCell(v(g)) }})
	}
	stat("cycle_days", func(g Group) Stat { return g.CycleDays })
	stat("confirmation_hours", func(g Group) Stat { return g.ConfirmationHours })
	rate("error_rate", func(g Group) *float64 { return g.ErrorRate })
	rate("tracking_transparency", func(g Group) *float64 { return g.Transparency })
	rate("on_time_rate", func(g Group) *float64 { return g.OnTimeRate })
	rate("delay_rate", func(g Group) *float64 { return g.DelayRate })
	stat("settlement_days", func(g Group) Stat { return g.SettlementDays })

	// The total holds every currency and kind of its groups.
	for _, cur := range slices.Sorted(maps.Keys(r.Total.FXGainLoss)) {
		cols = append(cols, column{name: "fx_gain_loss_" + string(cur), value: func(g Group) cell {
			return decimalCell(g.FXGainLoss[cur]) // a currency the group did not pay in: 0
		}})
	}
	for _, kind := range slices.Sorted(maps.Keys(r.Total.Alerts)) {
		cols = append(cols, column{name: "alerts_" + kind, value: func(g Group) cell {
			return intCell(g.Alerts[kind])
		}})
	}
	return cols
}

// rows are the groups in order, then the total under TotalKey.
func (r Report) rows() []Group {
	total := r.Total
	total.Key = TotalKey
	return append(slices.Clone(r.Groups), total)
}

// WriteCSV writes the report as CSV: a header of snake_case column names,
// one row per group, then the TOTAL row. A KPI without a value (a rate
// with nothing to divide by) is an empty field; rates are fractions
// (0.95), durations in the unit their column names.
func (r Report) WriteCSV(w io.Writer) error {
	cols := r.columns()
	cw := csv.NewWriter(w)
	record := make([]string, len(cols))
	for i, c := range cols {
		record[i] = c.name
	}
	if err := cw.Write(record); err != nil {
		return fmt.Errorf("kpi: csv: %w", err)
	}
	for _, g := range r.rows() {
		for i, c := range cols {
			record[i] = c.value(g).text
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("kpi: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("kpi: csv: %w", err)
	}
	return nil
}

// WriteXLSX writes the report as an Excel workbook: the CSV's table on the
// sheet "KPIs", numbers as numbers (so a buyer can sum and chart them),
// rates formatted as percentages, the header row frozen.
func (r Report) WriteXLSX(w io.Writer) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("kpi: xlsx: %w", cerr)
		}
	}()
	if err := r.fillSheet(f); err != nil {
		return fmt.Errorf("kpi: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("kpi: xlsx: %w", err)
	}
	return nil
}

func (r Report) fillSheet(f *excelize.File) error {
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // built-in "0.00%"
	if err != nil {
		return err
	}
	cols := r.columns()
	rows := r.rows()
	for i, c := range cols {
		name, err := excelize.CoordinatesToCellName(i+1, 1)
		if err != nil {
			return err
		}
		if err := f.SetCellStr(SheetName, name, c.name); err != nil {
			return err
		}
		for j, g := range rows {
			name, err := excelize.CoordinatesToCellName(i+1, j+2)
			if err != nil {
				return err
			}
			switch v := c.value(g); {
			case v.isNum:
				err = f.SetCellFloat(SheetName, name, v.num, -1, 64)
			case v.text != "":
				err = f.SetCellStr(SheetName, name, v.text)
			}
			if err != nil {
				return err
			}
		}
		if c.rate && len(rows) > 0 {
			from, _ := excelize.CoordinatesToCellName(i+1, 2)
			to, _ := excelize.CoordinatesToCellName(i+1, len(rows)+1)
			if err := f.SetCellStyle(SheetName, from, to, percent); err != nil {
				return err
			}
		}
	}
	last, err := excelize.CoordinatesToCellName(len(cols), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetName, "A1", last, header); err != nil {
		return err
	}
	return f.SetPanes(SheetName, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	})
}
