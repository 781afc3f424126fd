package ubl_test

import (
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

// FuzzDecode feeds arbitrary bytes to the decoder. Whatever comes in, it
// keeps connectortest.CheckDecodeInvariants; a document gives at most one
// record, and every row error names an XML path under its root element.
func FuzzDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.xml")
	d := ubl.NewDecoder(ubl.Options{})
	f.Fuzz(func(t *testing.T, content []byte) {
		rec := connectortest.CheckDecodeInvariants(t, d, "fuzz.xml", content)
		if len(rec.Records) > 1 {
			t.Fatalf("%d records from one document", len(rec.Records))
		}
		for _, e := range rec.RowErrors {
			if e.Field == "" || strings.HasPrefix(e.Field, "/") {
				t.Fatalf("row error without an XML path: %+v", e)
			}
		}
	})
}
