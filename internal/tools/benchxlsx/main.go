// Command benchxlsx measures the XLSX decoder against excelize's own row
// iteration on the same generated workbook, and prints both rates, their
// ratio (target: at least 0.7) and the decoder's peak resident memory
// (target: at most 300 MB).
//
//	go run ./internal/tools/benchxlsx [-rows 200000] [-runs 3]
//
// Each measurement runs in a child process of its own (this program, run
// again with -measure), so that its peak RSS (VmHWM in /proc/self/status)
// and its CPU time are its own and not the generator's or the other
// measurement's. Rates are given per second of wall time and per second of
// CPU time (the build machines are shared: wall time is noisy); each is
// the best of -runs runs. Both
// measurements open the workbook from its file and iterate every row: one
// with excelize's Rows and Columns (raw values), the other with
// erpexport's XLSXDecoder into canonical orders.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/tools/benchxlsx/xlsxgen"
)

// result is what a child process reports.
type result struct {
	Rows    int     `json:"rows"`
	Records int     `json:"records"`
	Seconds float64 `json:"seconds"`
	PeakRSS int64   `json:"peak_rss_bytes"`
	CPU     float64 `json:"-"` // user and system CPU seconds of the whole child process
}

func main() {
	rows := flag.Int("rows", 200_000, "order lines in the generated workbook")
	perOrder := flag.Int("per-order", 10, "lines per order")
	runs := flag.Int("runs", 3, "runs of each measurement; the best (fastest) is reported")
	file := flag.String("file", "", "workbook to read instead of generating one")
	measure := flag.String("measure", "", "internal: measure rows or decode in this process")
	cpuProfile := flag.String("cpuprofile", "", "with -measure: write a CPU profile to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchxlsx:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*rows, *perOrder, *runs, *file, *measure); err != nil {
		fmt.Fprintln(os.Stderr, "benchxlsx:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(rows, perOrder, runs int, file, measure string) error {
	switch measure {
	case "rows":
		return report(excelizeRows(file))
	case "decode":
		return report(decode(file, rows/perOrder))
	case "":
	default:
		return fmt.Errorf("-measure %q: want rows or decode", measure)
	}
	if file == "" {
		dir, err := os.MkdirTemp("", "benchxlsx-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		file = filepath.Join(dir, "orders.xlsx")
		start := time.Now()
		if err := xlsxgen.Write(file, rows, perOrder); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		fmt.Printf("generated %d rows (%d orders) in %s: %.1f MB\n", rows, rows/perOrder, time.Since(start).Round(time.Millisecond), float64(fi.Size())/1e6)
	}
	var base, dec []result
	for range runs {
		// Alternate, so that a slow moment of a shared machine hits both.
		r, err := child(file, "rows", rows, perOrder)
		if err != nil {
			return err
		}
		base = append(base, r)
		r, err = child(file, "decode", rows, perOrder)
		if err != nil {
			return err
		}
		dec = append(dec, r)
	}
	b, d := best(base), best(dec)
	if b.Rows != rows || d.Rows != rows || d.Records != rows/perOrder {
		return fmt.Errorf("excelize read %d rows, the decoder %d rows into %d orders; want %d rows, %d orders", b.Rows, d.Rows, d.Records, rows, rows/perOrder)
	}
	bc, dc := bestCPU(base), bestCPU(dec)
	rate := func(r result) float64 { return float64(r.Rows) / r.Seconds }
	cpuRate := func(r result) float64 { return float64(r.Rows) / r.CPU }
	fmt.Printf("excelize Rows+Columns (raw):  %8.0f rows/s  %8.0f rows/cpu-s  (%.2f s, %.2f cpu-s, peak RSS %.0f MB)\n",
		rate(b), cpuRate(bc), b.Seconds, bc.CPU, float64(b.PeakRSS)/1e6)
	fmt.Printf("XLSXDecoder to canonical:     %8.0f rows/s  %8.0f rows/cpu-s  (%.2f s, %.2f cpu-s, peak RSS %.0f MB)\n",
		rate(d), cpuRate(dc), d.Seconds, dc.CPU, float64(d.PeakRSS)/1e6)
	fmt.Printf("ratio decoder/excelize: %.2f wall, %.2f cpu (target >= 0.70)   decoder peak RSS: %.0f MB (target <= 300 MB)\n",
		rate(d)/rate(b), cpuRate(dc)/cpuRate(bc), float64(slices.MaxFunc(dec, func(a, b result) int { return int(a.PeakRSS - b.PeakRSS) }).PeakRSS)/1e6)
	fmt.Printf("all runs, wall s: excelize %s; decoder %s\n", seconds(base, false), seconds(dec, false))
	fmt.Printf("all runs, cpu s:  excelize %s; decoder %s\n", seconds(base, true), seconds(dec, true))
	return nil
}

// child runs one measurement in a new process and reads its report.
func child(file, what string, rows, perOrder int) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(self, "-measure", what, "-file", file, "-rows", strconv.Itoa(rows), "-per-order", strconv.Itoa(perOrder))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("measure %s: %w", what, err)
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("measure %s: %w (output %q)", what, err, out)
	}
	r.CPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r, nil
}

func report(r result, err error) error {
	if err != nil {
		return err
	}
	r.PeakRSS, err = peakRSS()
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// excelizeRows is the baseline: excelize's streaming row iterator with raw
// cell values, every cell of every row fetched.
func excelizeRows(file string) (result, error) {
	start := time.Now()
	f, err := excelize.OpenFile(file, excelize.Options{RawCellValue: true})
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return result{}, err
	}
	n, cells := 0, 0
	for rows.Next() {
		row, err := rows.Columns()
		if err != nil {
			return result{}, err
		}
		n++
		cells += len(row)
	}
	if err := rows.Close(); err != nil {
		return result{}, err
	}
	if cells == 0 {
		return result{}, fmt.Errorf("no cells")
	}
	return result{Rows: n - 1, Seconds: time.Since(start).Seconds()}, nil // the header is not a data row
}

// decode is the full decode of the workbook file to canonical orders.
func decode(file string, wantOrders int) (result, error) {
	m, err := mapping.Parse("xlsxgen.mapping.yaml", []byte(xlsxgen.Mapping))
	if err != nil {
		return result{}, err
	}
	d, err := erpexport.NewXLSXDecoder(m)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	f, err := os.Open(file)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	var sink countSink
	if err := d.Decode(context.Background(), connectors.Input{Name: filepath.Base(file)}, bufio.NewReader(f), &sink); err != nil {
		return result{}, err
	}
	if sink.rowErrors > 0 || sink.records != wantOrders {
		return result{}, fmt.Errorf("%d orders and %d row errors, want %d and 0", sink.records, sink.rowErrors, wantOrders)
	}
	return result{Rows: sink.lines, Records: sink.records, Seconds: time.Since(start).Seconds()}, nil
}

// countSink counts orders and their lines.
type countSink struct{ records, lines, rowErrors int }

func (s *countSink) Record(_ context.Context, r connectors.Record) error {
	s.records++
	if o, ok := r.Value.(*canonical.Order); ok {
		s.lines += len(o.Lines)
	}
	return nil
}

func (s *countSink) RowError(context.Context, connectors.RowError) error {
	s.rowErrors++
	return nil
}

// peakRSS reads this process's peak resident set size (VmHWM).
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

func best(rs []result) result {
	return slices.MinFunc(rs, func(a, b result) int {
		switch {
		case a.Seconds < b.Seconds:
			return -1
		case a.Seconds > b.Seconds:
			return 1
		}
		return 0
	})
}

func bestCPU(rs []result) result {
	return slices.MinFunc(rs, func(a, b result) int {
		switch {
		case a.CPU < b.CPU:
			return -1
		case a.CPU > b.CPU:
			return 1
		}
		return 0
	})
}

func seconds(rs []result, cpu bool) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		s := r.Seconds
		if cpu {
			s = r.CPU
		}
		parts[i] = strconv.FormatFloat(s, 'f', 2, 64)
	}
	return strings.Join(parts, " ")
}
