package mt940_test

import (
	"bufio"
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
)

// benchSize is the generated file the benchmarks read: 32 MiB of German
// statements of 50 entries each.
const benchSize = 32 << 20

// cpuTime is the CPU time this process has used (user and system, every
// thread, the garbage collector's included).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode decodes the generated file; MB/s is of the file's bytes
// per second of wall time, MB/cpu-s per second of CPU time (the build
// machines are shared, so wall time is noisy).
func BenchmarkDecode(b *testing.B) {
	content, n := generate(benchSize, 50)
	d := mt940.NewDecoder()
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		var sink peakSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.sta"}, bytes.NewReader(content), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.statements != n || sink.rowErrors != 0 {
			b.Fatalf("%d statements and %d row errors, want %d and 0", sink.statements, sink.rowErrors, n)
		}
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(n)*50*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(len(content))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// BenchmarkPlainRead reads the same bytes line by line with bufio and does
// nothing else: the floor BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	content, _ := generate(benchSize, 50)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(content), 64<<10)
		lines := 0
		for {
			line, err := br.ReadSlice('\n')
			if len(line) > 0 {
				lines++
			}
			if err != nil {
				break
			}
		}
		if lines == 0 {
			b.Fatal("no lines")
		}
	}
}
