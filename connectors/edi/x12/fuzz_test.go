package x12_test

import (
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// FuzzDecode feeds arbitrary bytes to the decoder, seeded from testdata/.
// Whatever comes in, it keeps connectortest.CheckDecodeInvariants, and its
// records are keyed by their business key and carry their ST as source,
// and its acknowledgement, when there is one, has envelopes that add up.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.x12", "testdata/*.csv")
	d := x12.NewDecoder(x12.Options{})
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.x12", content)
		if len(rec.Replies) > 1 {
			t.Fatalf("%d replies, want at most one acknowledgement", len(rec.Replies))
		}
		for _, r := range rec.Replies {
			ackSegments(t, r.Content)
		}
		for _, r := range rec.Records {
			var key string
			var src *canonical.Source
			switch v := r.Value.(type) {
			case *canonical.Order:
				key, src = v.OrderNumber, v.Source
			case *canonical.OrderResponse:
				key, src = v.OrderNumber, v.Source
			case *canonical.Shipment:
				key, src = v.ShipmentID, v.Source
			case *canonical.Invoice:
				key, src = v.InvoiceNumber, v.Source
			default:
				t.Fatalf("record of type %T", r.Value)
			}
			if r.Key != key {
				t.Fatalf("%s keyed %q, not by its business key %q", r.Type, r.Key, key)
			}
			if src == nil || src.Line <= 0 || !strings.HasPrefix(src.Segment, "ST*") {
				t.Fatalf("%s %q has no ST source: %+v", r.Type, r.Key, src)
			}
		}
	})
}
