package camt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the three decoders. Whatever comes
// in: no panic; either a *FileError with nothing emitted, or row errors
// with a line and an XML path; every emitted statement validates and its
// balance check agrees with its figures.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var decoders []*camt.Decoder
	for _, format := range []string{camt.FormatCAMT053, camt.FormatCAMT052, camt.FormatCAMT054} {
		decoders = append(decoders, decoder(f, format))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range decoders {
			rec, err := connectortest.DecodeBytes(d, "fuzz.xml", content)
			var fe *connectors.FileError
			switch {
			case errors.As(err, &fe):
				if len(rec.Records)+len(rec.RowErrors) > 0 {
					t.Fatalf("file error %v after %d records and %d row errors", fe, len(rec.Records), len(rec.RowErrors))
				}
			case err != nil:
				t.Fatalf("Decode = %v, want nil or a *FileError", err)
			}
			for _, e := range rec.RowErrors {
				if e.Line <= 0 || e.Code == "" || e.Message == "" || (e.Field != "Document" && !strings.HasPrefix(e.Field, "Document/")) {
					t.Fatalf("row error without a line, code, message or XML path: %+v", e)
				}
			}
			for _, r := range rec.Records {
				s := r.Value.(*canonical.BankStatement)
				if err := s.Validate(); err != nil {
					t.Fatalf("emitted statement %q does not validate: %v", s.StatementID, err)
				}
				if s.BalanceCheck != s.CheckBalance() {
					t.Fatalf("statement %q: balance_check %q, figures say %q", s.StatementID, s.BalanceCheck, s.CheckBalance())
				}
			}
		}
	})
}
