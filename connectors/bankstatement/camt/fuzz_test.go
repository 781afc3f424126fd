package camt_test

import (
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the three decoders. Whatever comes
// in, they keep connectortest.CheckDecodeInvariants; every row error
// names its XML path, and every statement's balance check agrees with its
// figures.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.xml")
	var decoders []*camt.Decoder
	for _, format := range []string{camt.FormatCAMT053, camt.FormatCAMT052, camt.FormatCAMT054} {
		decoders = append(decoders, decoder(f, format))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range decoders {
			rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.xml", content)
			for _, e := range rec.RowErrors {
				if e.Field != "Document" && !strings.HasPrefix(e.Field, "Document/") {
					t.Fatalf("row error without an XML path: %+v", e)
				}
			}
			for _, r := range rec.Records {
				if s := r.Value.(*canonical.BankStatement); s.BalanceCheck != s.CheckBalance() {
					t.Fatalf("statement %q: balance_check %q, figures say %q", s.StatementID, s.BalanceCheck, s.CheckBalance())
				}
			}
		}
	})
}
