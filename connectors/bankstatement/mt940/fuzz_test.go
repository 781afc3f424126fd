package mt940_test

import (
	"errors"
	"os"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder, seeded from testdata/.
// Whatever comes in: no panic; either a *FileError with nothing emitted,
// or row errors with a file, line, code and message and records that are
// valid bank statements keyed by their account, with their balance check
// set whenever both balances are given. (That row errors mask account
// numbers is TestErrorMessagesNeverShowAFullAccountNumber's: here a
// statement reference may contain any text.)
func FuzzDecode(f *testing.F) {
	for _, path := range testdataFiles(f) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	d := mt940.NewDecoder()
	f.Fuzz(func(t *testing.T, content []byte) {
		rec, err := connectortest.DecodeBytes(d, "fuzz.sta", content)
		var fe *connectors.FileError
		switch {
		case errors.As(err, &fe):
			if len(rec.Records)+len(rec.RowErrors) > 0 {
				t.Fatalf("file error %v after %d records and %d row errors", fe, len(rec.Records), len(rec.RowErrors))
			}
		case err != nil:
			t.Fatalf("Decode = %v, want nil or a *FileError", err)
		}
		for _, r := range rec.Records {
			s := r.Value.(*canonical.BankStatement)
			if err := s.Validate(); err != nil {
				t.Fatalf("emitted statement %q does not validate: %v", s.StatementID, err)
			}
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
		for _, e := range rec.RowErrors {
			if e.Line <= 0 || e.File == "" || e.Code == "" || e.Message == "" {
				t.Fatalf("row error without a file, line, code or message: %+v", e)
			}
		}
	})
}
