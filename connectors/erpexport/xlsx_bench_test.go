package erpexport_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/tools/benchxlsx/xlsxgen"
)

// benchLines is the size of the generated workbook the XLSX benchmarks
// read: 200,000 order lines in orders of 10.
const benchLines, benchPerOrder = 200_000, 10

// benchWorkbook generates the workbook into the benchmark's temporary
// directory, once for all its iterations.
func benchWorkbook(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "orders.xlsx")
	if err := xlsxgen.Write(path, benchLines, benchPerOrder); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkXLSXDecode decodes the generated workbook to canonical orders,
// from opening the file to the last record, and reports order lines per
// second of wall time and of CPU time (the build machines are shared, so
// wall time is noisy) and the peak heap seen while decoding.
func BenchmarkXLSXDecode(b *testing.B) {
	path := benchWorkbook(b)
	m, err := mapping.Parse("xlsxgen.mapping.yaml", []byte(xlsxgen.Mapping))
	if err != nil {
		b.Fatal(err)
	}
	d, err := erpexport.NewXLSXDecoder(m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var peak uint64
	cpu0 := cpuTime(b)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var sink countSink
		err = d.Decode(context.Background(), connectors.Input{Name: "orders.xlsx"}, f, &sink)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if sink.records != benchLines/benchPerOrder || sink.rowErrors != 0 {
			b.Fatalf("%d orders and %d row errors, want %d and 0", sink.records, sink.rowErrors, benchLines/benchPerOrder)
		}
		peak = max(peak, sink.peakHeap)
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(benchLines)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkExcelizeRows is the baseline of BenchmarkXLSXDecode: the same
// workbook opened with excelize and every row's raw cell values fetched
// with its Rows iterator, nothing done with them.
func BenchmarkExcelizeRows(b *testing.B) {
	path := benchWorkbook(b)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
		if err != nil {
			b.Fatal(err)
		}
		rows, err := f.Rows(xlsxgen.Sheet)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if _, err := rows.Columns(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if n != benchLines+1 {
			b.Fatalf("%d rows, want %d", n, benchLines+1)
		}
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(benchLines)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
}
