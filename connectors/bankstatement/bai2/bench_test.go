package bai2_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"sync"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
)

// largeFile is a ≈ 34 MB generated BAI2 file, built once.
var largeFile = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := writeLarge(&buf, 4, 300, 300); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// BenchmarkDecode decodes the large file; compare its MB/s with
// BenchmarkPlainRead, which only reads the same bytes line by line.
func BenchmarkDecode(b *testing.B) {
	content := largeFile()
	d := bai2.NewDecoder()
	in := connectors.Input{Name: "large.bai"}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		c := &counter{}
		if err := d.Decode(context.Background(), in, bytes.NewReader(content), c); err != nil {
			b.Fatal(err)
		}
		if c.rowErrors > 0 || c.records != 1200 {
			b.Fatalf("%d statements, %d row errors", c.records, c.rowErrors)
		}
	}
}

// BenchmarkPlainRead reads the large file's lines with bufio: the floor
// that BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	content := largeFile()
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(content), 64<<10)
		n := 0
		for {
			_, err := br.ReadSlice('\n')
			if err == io.EOF {
				break
			}
			n++
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}
