package mt940_test

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
)

// benchSize is the generated file the benchmarks read: 32 MiB of German
// statements of 50 entries each.
const benchSize = 32 << 20

// BenchmarkDecode decodes the generated file; MB/s is of the file's bytes.
func BenchmarkDecode(b *testing.B) {
	content, n := generate(benchSize, 50)
	d := mt940.NewDecoder()
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		var sink peakSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.sta"}, bytes.NewReader(content), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.statements != n || sink.rowErrors != 0 {
			b.Fatalf("%d statements and %d row errors, want %d and 0", sink.statements, sink.rowErrors, n)
		}
	}
	b.ReportMetric(float64(n)*50*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
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
