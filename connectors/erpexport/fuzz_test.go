package erpexport_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzDecode feeds arbitrary bytes to the decoder under two mappings (an
// English export with detection, a German one with a banner, decimal
// commas and thousands points). Whatever comes in: no panic, either a
// *FileError with nothing emitted or row errors with a position, and every
// emitted order valid.
func FuzzDecode(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.csv")
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
	decoders := []connectors.Decoder{decoder(f, "orders.mapping.yaml"), decoder(f, "german.mapping.yaml")}
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range decoders {
			rec, err := connectortest.DecodeBytes(d, "fuzz.csv", content)
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
				o := r.Value.(*canonical.Order)
				if err := o.Validate(); err != nil {
					t.Fatalf("emitted order %q does not validate: %v", o.OrderNumber, err)
				}
			}
		}
	})
}
