package erpexport_test

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzXLSXDecode feeds arbitrary bytes to the XLSX decoder twice: as a
// whole file, and as the XML of the only sheet of an otherwise valid
// workbook (a mutated zip mostly fails its checksum, so the second form is
// what reaches the sheet's XML, the scanner and excelize's parser). It is
// seeded with the workbooks of testdata/xlsx and their sheets' XML.
// Whatever comes in, the decoders keep connectortest.CheckDecodeInvariants,
// and every row error names its sheet.
func FuzzXLSXDecode(f *testing.F) {
	for _, b := range connectortest.AddSeeds(f, "testdata/xlsx/*.xlsx") {
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
				rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.xlsx", in)
				for _, e := range rec.RowErrors {
					if e.Sheet == "" {
						t.Fatalf("row error without a sheet: %+v", e)
					}
				}
			}
		}
	})
}
