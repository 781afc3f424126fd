package erpexport_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzXLSXDecode feeds arbitrary bytes to the XLSX decoder twice: as a
// whole file, and as the XML of the only sheet of an otherwise valid
// workbook (a mutated zip mostly fails its checksum, so the second form is
// what reaches the sheet's XML, the scanner and excelize's parser). It is
// seeded with the workbooks of testdata/xlsx and their sheets' XML.
// Whatever comes in: no panic, either a *FileError with nothing emitted
// before it or row errors with a position, and every emitted order valid.
func FuzzXLSXDecode(f *testing.F) {
	seeds, err := filepath.Glob("testdata/xlsx/*.xlsx")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			if filepath.Dir(zf.Name) != "xl/worksheets" {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				f.Fatal(err)
			}
			sheet, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(sheet)
		}
	}
	decoders := []connectors.Decoder{xlsxDecoder(f, "orders.mapping.yaml"), xlsxDecoder(f, "german.mapping.yaml")}
	f.Fuzz(func(t *testing.T, content []byte) {
		inputs := [][]byte{content, rawWorkbook(t, false, rawSheet{name: "Orders", xml: string(content)})}
		for _, in := range inputs {
			for _, d := range decoders {
				rec, err := connectortest.DecodeBytes(d, "fuzz.xlsx", in)
				var fe *connectors.FileError
				switch {
				case errors.As(err, &fe):
					if len(rec.Records)+len(rec.RowErrors) > 0 {
						t.Fatalf("file error %v after %d records and %d row errors", fe, len(rec.Records), len(rec.RowErrors))
					}
					if fe.Code == "" || fe.Message == "" {
						t.Fatalf("file error without a code or a message: %+v", fe)
					}
				case err != nil:
					t.Fatalf("Decode = %v, want nil or a *FileError", err)
				}
				for _, e := range rec.RowErrors {
					if e.Line <= 0 || e.Code == "" || e.Message == "" || e.Sheet == "" {
						t.Fatalf("row error without a sheet, line, code or message: %+v", e)
					}
				}
				for _, r := range rec.Records {
					o := r.Value.(*canonical.Order)
					if err := o.Validate(); err != nil {
						t.Fatalf("emitted order %q does not validate: %v", o.OrderNumber, err)
					}
				}
			}
		}
	})
}
