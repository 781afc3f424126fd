package edifact_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
)

// benchSize is the generated interchange the benchmarks read: 32 MiB of
// EANCOM orders of 20 lines each.
const benchSize = 32 << 20

// generate makes an interchange of about size bytes of orders with lines
// lines each, one segment a line.
func generate(size, lines int) []byte {
	var b bytes.Buffer
	b.WriteString("UNA:+.? '\nUNB+UNOC:3+4012345000009:14+4098765000002:14+260310:0830+BENCH'\n")
	n := 0
	for b.Len() < size {
		n++
		start := b.Len()
		_ = start
		segs := 0
		w := func(format string, args ...any) {
			fmt.Fprintf(&b, format, args...)
			b.WriteString("'\n")
			segs++
		}
		w("UNH+%d+ORDERS:D:96A:UN:EAN008", n)
		w("BGM+220+PO-%08d+9", n)
		w("DTM+137:20260310:102")
		w("NAD+BY+4012345000009::9++Handelshaus Nord GmbH+Am Hafen 5+Hamburg++20457+DE")
		w("NAD+SU+4098765000002::9++Brunnen Getränke AG")
		w("CUX+2:EUR:9")
		for l := 1; l <= lines; l++ {
			w("LIN+%d++4012345678901:SRV", l)
			w("PIA+1+BV-%04d:SA", l)
			w("IMD+F++:::Mineralwasser still 0?,75 l")
			w("QTY+21:%d:PCE", l*6)
			w("PRI+AAA:4.35:CA")
			w("MOA+203:%d.%02d", l*6*435/100, l*6*435%100)
		}
		w("UNS+S")
		w("CNT+2:%d", lines)
		fmt.Fprintf(&b, "UNT+%d+%d'\n", segs+1, n)
	}
	fmt.Fprintf(&b, "UNZ+%d+BENCH'\n", n)
	return b.Bytes()
}

type countSink struct{ records, rowErrors int }

func (s *countSink) Record(context.Context, connectors.Record) error { s.records++; return nil }
func (s *countSink) RowError(context.Context, connectors.RowError) error {
	s.rowErrors++
	return nil
}

// BenchmarkDecode decodes the generated interchange.
func BenchmarkDecode(b *testing.B) {
	content := generate(benchSize, 20)
	d := edifact.NewDecoder(edifact.Options{})
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	var orders int
	for b.Loop() {
		var sink countSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.edi"}, bytes.NewReader(content), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.rowErrors != 0 || sink.records == 0 {
			b.Fatalf("%d records, %d row errors", sink.records, sink.rowErrors)
		}
		orders = sink.records
	}
	b.ReportMetric(float64(orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkPlainRead splits the same bytes into segments with bufio and
// does nothing else: the floor BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	content := generate(benchSize, 20)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(content), 64<<10)
		segs := 0
		for {
			seg, err := br.ReadSlice('\'')
			if len(seg) > 0 {
				segs++
			}
			if err != nil {
				break
			}
		}
		if segs == 0 {
			b.Fatal("no segments")
		}
	}
}
