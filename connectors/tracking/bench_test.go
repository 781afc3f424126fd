package tracking_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

type discard struct{}

func (discard) Record(context.Context, connectors.Record) error     { return nil }
func (discard) RowError(context.Context, connectors.RowError) error { return nil }

// BenchmarkDecode decodes a batch of 5,000 demo events (about 450 KB).
func BenchmarkDecode(b *testing.B) {
	d := builtin(b, "demo")
	content := largeDemo(5000)
	in := connectortest.InputOf("large.json", content)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(context.Background(), in, bytes.NewReader(content), discard{}); err != nil {
			b.Fatal(err)
		}
	}
}
