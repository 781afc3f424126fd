package camt_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
)

// benchDoc is a generated camt.053 of about 30 MB: 2,000 statements of 20 entries.
func benchDoc(b *testing.B) []byte {
	b.Helper()
	doc := generated(2000, 20)
	if len(doc) < 20<<20 {
		b.Fatalf("the generated document is %d bytes, want tens of MB", len(doc))
	}
	return doc
}

// BenchmarkDecode decodes the generated camt.053 and reports MB/s.
func BenchmarkDecode(b *testing.B) {
	doc := benchDoc(b)
	d := decoder(b, camt.FormatCAMT053)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var sink heapSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "bench.xml"}, bytes.NewReader(doc), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.records != 2000 || sink.rowErrors != 0 {
			b.Fatalf("%d statements and %d row errors", sink.records, sink.rowErrors)
		}
	}
}

// BenchmarkPlainRead reads the same bytes through bufio line by line: the
// floor that BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	doc := benchDoc(b)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(doc), 64<<10)
		n := 0
		for {
			line, err := br.ReadSlice('\n')
			n += len(line)
			if err == io.EOF {
				break
			}
			if err != nil && err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
		}
		if n != len(doc) {
			b.Fatalf("read %d of %d bytes", n, len(doc))
		}
	}
}
