package edifact_test

import (
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
)

// FuzzDecode feeds arbitrary bytes to the decoder, seeded from testdata/.
// Whatever comes in, it keeps connectortest.CheckDecodeInvariants, and
// every record is keyed, carries its UNH as its source, and every row error
// names a segment position within the input.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.edi", "testdata/*.csv")
	d := edifact.NewDecoder(edifact.Options{})
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.edi", content)
		for _, r := range rec.Records {
			if r.Key == "" {
				t.Fatalf("%s record without a key", r.Type)
			}
			src := sourceOf(t, r.Value)
			if src == nil || src.Line <= 0 || !strings.HasPrefix(src.Segment, "UNH+") {
				t.Fatalf("%s %q has no UNH source: %+v", r.Type, r.Key, src)
			}
		}
		for _, e := range rec.RowErrors {
			if e.Line > len(content)+1 {
				t.Fatalf("row error at segment %d of a %d-byte input", e.Line, len(content))
			}
		}
		if len(rec.Replies) > 1 {
			t.Fatalf("%d replies, want at most one", len(rec.Replies))
		}
		for _, r := range rec.Replies {
			ack, err := connectortest.DecodeBytes(d, r.Name, r.Content)
			if err != nil {
				t.Fatalf("the acknowledgement does not decode: %v\n%s", err, r.Content)
			}
			for _, e := range ack.RowErrors {
				if e.Code != edifact.CodeUnsupportedMessage {
					t.Fatalf("the acknowledgement reads with %s: %s\n%s", e.Code, e.Message, r.Content)
				}
			}
			if len(ack.Replies) != 0 {
				t.Fatalf("the acknowledgement was acknowledged:\n%s", r.Content)
			}
		}
	})
}
