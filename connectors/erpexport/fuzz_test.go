package erpexport_test

import (
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder under two mappings (an
// English export with detection, a German one with a banner, decimal
// commas and thousands points). Whatever comes in, the decoders keep
// connectortest.CheckDecodeInvariants.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.csv")
	decoders := []connectors.Decoder{decoder(f, "orders.mapping.yaml"), decoder(f, "german.mapping.yaml")}
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range decoders {
			connectortest.CheckDecodeInvariants(t, d, "fuzz.csv", content)
		}
	})
}
