package bai2_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder. Whatever comes in: no
// panic; either a *FileError with nothing emitted before it, or row errors
// with a line, code and message; every statement valid, with its source
// line, and no full account number in any message.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.bai")
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
	d := bai2.NewDecoder()
	f.Fuzz(func(t *testing.T, content []byte) {
		rec, err := connectortest.DecodeBytes(d, "fuzz.bai", content)
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
			if e.Line <= 0 || e.Code == "" || e.Message == "" {
				t.Fatalf("row error without a line, code or message: %+v", e)
			}
		}
		for _, r := range rec.Records {
			s := r.Value.(*canonical.BankStatement)
			if err := s.Validate(); err != nil {
				t.Fatalf("emitted an invalid statement: %v", err)
			}
			if s.Source == nil || s.Source.Line <= 0 {
				t.Fatalf("statement without its 03 line: %+v", s.Source)
			}
		}
	})
}
