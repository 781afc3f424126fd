// Package xlsxgen writes the generated ERP export workbook that the XLSX
// benchmarks read: connectors/erpexport's BenchmarkXLSXDecode and
// BenchmarkExcelizeRows, and the benchxlsx report. It is written with
// excelize's StreamWriter, so generating a large file keeps memory flat.
package xlsxgen

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Sheet is the name of the worksheet Write fills.
const Sheet = "Orders"

// Mapping reads the workbook Write makes (the erp_export mapping YAML).
const Mapping = `
date_formats: [YYYY-MM-DD]
columns:
  order_number: Order No
  order_date: Order Date
  supplier.id: Supplier
  currency: Currency
  incoterm: Incoterm
  lines.sku: SKU
  lines.description: Description
  lines.quantity: Qty
  lines.unit: Unit
  lines.unit_price: Unit Price
  lines.amount: Amount
  lines.hs_code: HS Code
constants:
  buyer.id: ACME
values:
  lines.unit: {pcs: C62}
`

// Header is the first row of the sheet.
var Header = []any{"Order No", "Order Date", "Supplier", "Currency", "Incoterm", "SKU",
	"Description", "Qty", "Unit", "Unit Price", "Amount", "HS Code"}

// Write writes an XLSX workbook of lines order lines (after a header row)
// in orders of perOrder lines to path: order numbers and quantities are
// numbers, the order date a date-formatted serial, prices and amounts
// numbers formatted with two decimals, everything else inline strings.
func Write(path string, lines, perOrder int) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Sheet); err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(Sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", Header); err != nil {
		return err
	}
	const orderDate = 46083 // 2026-03-02
	row := make([]any, len(Header))
	for n := range lines {
		row[0] = 4500000000 + n/perOrder
		row[1] = excelize.Cell{StyleID: date, Value: orderDate}
		row[2] = "SUP-SZ-01"
		row[3] = "EUR"
		row[4] = "FCA"
		row[5] = "SKU-" + strconv.Itoa(n%1000)
		row[6] = "Servo motor 750 W"
		row[7] = 4
		row[8] = "pcs"
		row[9] = excelize.Cell{StyleID: money, Value: 185.4}
		row[10] = excelize.Cell{StyleID: money, Value: 741.6}
		row[11] = "8501.52"
		cell, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("row %d: %w", n+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
