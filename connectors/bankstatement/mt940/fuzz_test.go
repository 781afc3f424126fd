package mt940_test

import (
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder, seeded from testdata/.
// Whatever comes in, it keeps connectortest.CheckDecodeInvariants, and its
// statements are keyed by their account, have their balance check set
// whenever both balances are given, and carry their source line. (That
// row errors mask account numbers is
// TestErrorMessagesNeverShowAFullAccountNumber's: here a statement
// reference may contain any text.)
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.sta", "testdata/*.txt", "testdata/*.csv")
	d := mt940.NewDecoder()
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.sta", content)
		for _, r := range rec.Records {
			s := r.Value.(*canonical.BankStatement)
			if r.Key == "" || (r.Key != s.Account.IBAN && r.Key != s.Account.Number) {
				t.Fatalf("statement keyed %q, not by its account", r.Key)
			}
			if (s.OpeningBalance != nil && s.ClosingBalance != nil) != (s.BalanceCheck != "") {
				t.Fatalf("balance check %q with opening %v and closing %v", s.BalanceCheck, s.OpeningBalance, s.ClosingBalance)
			}
			if s.Source == nil || s.Source.Line <= 0 {
				t.Fatalf("statement %q has no source line", s.StatementID)
			}
		}
	})
}
