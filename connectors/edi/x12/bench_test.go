package x12_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// benchSize is the generated interchange the benchmarks read: 32 MiB of
// 850s of 20 lines each.
const benchSize = 32 << 20

// generate writes one interchange of 850s with lines PO1 loops each, of
// at least size bytes, and returns it with the number of orders.
func generate(size, lines int) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString("ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*SZHOMEGOODS    *261201*1030*U*00401*000000001*0*P*>~\n")
	b.WriteString("GS*PO*ACMERETAIL*SZHOMEGOODS*20261201*1030*1*X*004010~\n")
	n := 0
	for b.Len() < size {
		n++
		ctl := fmt.Sprintf("%04d", n%10000)
		segs := 0
		seg := func(format string, args ...any) {
			fmt.Fprintf(&b, format, args...)
			b.WriteString("~\n")
			segs++
		}
		seg("ST*850*%s", ctl)
		seg("BEG*00*SA*45%08d**20261201", n)
		seg("CUR*BY*USD")
		seg("ITD*01*3*2**10**30")
		seg("DTM*002*20270215")
		seg("N1*BY*ACME RETAIL INC*92*ACME-US")
		seg("N1*ST*ACME DC DALLAS*92*DC07")
		seg("N3*4500 LOGISTICS PKWY")
		seg("N4*DALLAS*TX*75241*US")
		seg("N1*SE*SHENZHEN HOMEGOODS CO LTD*92*CN-SZHG")
		for i := 1; i <= lines; i++ {
			seg("PO1*%d*%d*EA*%d.35*PE*VP*SZ-%05d*BP*ACME-%06d*UP*012345678905", i, 100*i, i, i, n%1000000)
			seg("PID*F****ARTICLE %d OF ORDER %d", i, n)
		}
		seg("CTT*%d", lines)
		fmt.Fprintf(&b, "SE*%d*%s~\n", segs+1, ctl)
	}
	fmt.Fprintf(&b, "GE*%d*1~\nIEA*1*000000001~\n", n)
	return b.Bytes(), n
}

type countSink struct{ records, rowErrors int }

func (s *countSink) Record(context.Context, connectors.Record) error { s.records++; return nil }
func (s *countSink) RowError(_ context.Context, e connectors.RowError) error {
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

// BenchmarkDecode decodes the generated interchange; MB/s is of the file's
// bytes per second of wall time, MB/cpu-s per second of CPU time (the build
// machines are shared, so wall time is noisy).
func BenchmarkDecode(b *testing.B) {
	content, n := generate(benchSize, 20)
	d := x12.NewDecoder(x12.Options{})
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		var sink countSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.x12"}, bytes.NewReader(content), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.records != n || sink.rowErrors != 0 {
			b.Fatalf("%d records and %d row errors, want %d and 0", sink.records, sink.rowErrors, n)
		}
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(len(content))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// replySink is a countSink that takes replies, so that the decoder keeps
// what it needs for the acknowledgement.
type replySink struct {
	countSink
	replies int
}

func (s *replySink) Reply(context.Context, connectors.Reply) error { s.replies++; return nil }

// BenchmarkDecodeAcknowledged is BenchmarkDecode with a sink that takes
// the 997: the cost of keeping a summary per set and writing the 997.
func BenchmarkDecodeAcknowledged(b *testing.B) {
	content, n := generate(benchSize, 20)
	d := x12.NewDecoder(x12.Options{})
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		var sink replySink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.x12"}, bytes.NewReader(content), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.records != n || sink.rowErrors != 0 || sink.replies != 1 {
			b.Fatalf("%d records, %d row errors, %d replies, want %d, 0, 1", sink.records, sink.rowErrors, sink.replies, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkPlainRead splits the same bytes into segments with bufio and
// does nothing else: the floor BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	content, _ := generate(benchSize, 20)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(content), 64<<10)
		segs := 0
		for {
			seg, err := br.ReadSlice('~')
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
