package tracking_test

import (
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
)

func decodeBytes(d connectors.Decoder, body string) (*connectortest.Recorder, error) {
	return connectortest.DecodeBytes(d, "body.json", []byte(body))
}

// FuzzDecode feeds arbitrary bytes to the demo and aftership decoders.
// Whatever comes in, both keep connectortest.CheckDecodeInvariants; every
// event has a tracking number as its key, a normalized status, an event id
// and its JSON path, and every row error names a JSON path.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/demo/*.json", "testdata/aftership/*.json")
	var decoders []*tracking.Decoder
	for _, name := range []string{"demo", "aftership"} {
		p, err := tracking.Builtin(name)
		if err != nil {
			f.Fatal(err)
		}
		decoders = append(decoders, tracking.NewDecoder(p))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range decoders {
			rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.json", content)
			for _, r := range rec.Records {
				e := r.Value.(*canonical.TrackingEvent)
				if r.Key == "" || r.Key != e.TrackingNumber || !e.Status.Valid() || e.EventID == "" {
					t.Fatalf("%s: event %+v (key %q)", d.Profile().Name, e, r.Key)
				}
				if e.Source == nil || !strings.HasPrefix(e.Source.Segment, "$") || e.Source.Line <= 0 {
					t.Fatalf("%s: event without its position: %+v", d.Profile().Name, e.Source)
				}
			}
			for _, e := range rec.RowErrors {
				if !strings.HasPrefix(e.Field, "$") {
					t.Fatalf("%s: row error without a JSON path: %+v", d.Profile().Name, e)
				}
			}
		}
	})
}
