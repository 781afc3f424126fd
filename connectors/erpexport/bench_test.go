package erpexport_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
)

// countSink counts what it gets and samples the heap every 100,000 records.
type countSink struct {
	records, rowErrors int
	peakHeap           uint64
}

func (s *countSink) Record(_ context.Context, _ connectors.Record) error {
	s.records++
	if s.records%10000 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peakHeap = max(s.peakHeap, ms.HeapAlloc)
	}
	return nil
}

func (s *countSink) RowError(context.Context, connectors.RowError) error {
	s.rowErrors++
	return nil
}

// cpuTime is the CPU time this process has used (user and system, every
// thread, the garbage collector's included).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode decodes a streamed export of 1,000,000 lines (orders of
// 10 lines) and reports lines per second of wall time and of CPU time (the
// build machines are shared, so wall time is noisy), allocations per line
// and the peak heap seen while decoding (which must not grow with the file).
func BenchmarkDecode(b *testing.B) {
	const lines, perOrder = 1_000_000, 10
	d := decoder(b, "orders.mapping.yaml")
	b.ReportAllocs()
	var peak uint64
	cpu0 := cpuTime(b)
	for b.Loop() {
		var sink countSink
		gen := newExportGen(lines, perOrder)
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.csv"}, gen, &sink); err != nil {
			b.Fatal(err)
		}
		if sink.records != lines/perOrder || sink.rowErrors != 0 {
			b.Fatalf("%d orders and %d row errors, want %d and 0", sink.records, sink.rowErrors, lines/perOrder)
		}
		peak = max(peak, sink.peakHeap)
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(lines)*float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
