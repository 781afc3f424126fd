package bai2_test

import (
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder. Whatever comes in, it
// keeps connectortest.CheckDecodeInvariants, and every statement carries
// its 03 line.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.bai")
	d := bai2.NewDecoder()
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.bai", content)
		for _, r := range rec.Records {
			if s := r.Value.(*canonical.BankStatement); s.Source == nil || s.Source.Line <= 0 {
				t.Fatalf("statement without its 03 line: %+v", s.Source)
			}
		}
	})
}
