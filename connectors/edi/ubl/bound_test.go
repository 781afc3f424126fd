package ubl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

func TestXMLThatCrossesABoundRefusesTheDocumentWithLineAndPath(t *testing.T) {
	doc := readTestdata(t, "xrechnung_3_invoice_leitweg_id.xml")
	const line = "<cac:InvoiceLine>" // on line 80
	inLine := func(bad string) string { return edit(t, doc, line, line+bad) }
	laughs := edit(t, doc, "?>\n", `?>
<!DOCTYPE ubl:Invoice [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
`)

	tests := []struct {
		name     string
		doc      string
		maxBytes int64 // 0: the decoder's own bound
		fileErr  bool
		line     int
		field    string
		says     string
	}{
		{"a nesting bomb of 100,000 elements in a line", inLine(strings.Repeat("<cac:Item>", 100_000)), 0, false, 80, "Invoice/cac:InvoiceLine[1]",
			"elements nested deeper than 256 (at /ubl:Invoice/cac:InvoiceLine/cac:Item/cac:Item/…/cac:Item/cac:Item/cac:Item)"},
		{"a text node of 2 MiB in a line", inLine("<cbc:Note>" + strings.Repeat("x", 2<<20) + "</cbc:Note>"), 0, false, 80, "Invoice/cac:InvoiceLine[1]",
			"text longer than 1 MiB (at /ubl:Invoice/cac:InvoiceLine/cbc:Note)"},
		{"an element with 300 attributes in a line", inLine("<cbc:Note" + strings.Repeat(` a=""`, 300) + "/>"), 0, false, 80, "Invoice/cac:InvoiceLine[1]",
			"an element with more than 256 attributes (at /ubl:Invoice/cac:InvoiceLine/cbc:Note)"},
		{"a document 5 bytes over its bound", doc, int64(len(doc) - 5), false, 102, "Invoice",
			"the input is larger than"},
		{"a billion laughs DTD", laughs, 0, true, 2, "",
			"a DTD with declarations"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			d := ubl.NewDecoder(ubl.Options{})
			if tt.maxBytes > 0 {
				d = d.WithMaxInputBytes(tt.maxBytes)
			}
			rec, err := connectortest.DecodeBytes(d, "bound.xml", []byte(tt.doc))
			if tt.fileErr {
				var fe *connectors.FileError
				if !errors.As(err, &fe) || fe.Code != ubl.CodeXMLLimit || fe.Line != tt.line || !strings.Contains(fe.Message, tt.says) {
					t.Fatalf("Decode = %v, want an %s file error on line %d that says %q", err, ubl.CodeXMLLimit, tt.line, tt.says)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode = %v, want the refusal as a row error", err)
			}
			if len(rec.Records) != 0 {
				t.Errorf("%d records published from a refused document", len(rec.Records))
			}
			var found bool
			for _, e := range rec.RowErrors {
				if e.Code == ubl.CodeXMLLimit {
					found = true
					if e.Line != tt.line || e.Field != tt.field || !strings.Contains(e.Message, tt.says) {
						t.Errorf("row error %+v, want line %d at %s that says %q", e, tt.line, tt.field, tt.says)
					}
				}
			}
			if !found {
				t.Errorf("row errors %+v, want one with code %s", rec.RowErrors, ubl.CodeXMLLimit)
			}
		})
	}
}

func TestADocumentAtItsSizeBoundIsRead(t *testing.T) {
	doc := readTestdata(t, "xrechnung_3_invoice_leitweg_id.xml")
	d := ubl.NewDecoder(ubl.Options{}).WithMaxInputBytes(int64(len(doc)))
	rec, err := connectortest.DecodeBytes(d, "exact.xml", []byte(doc))
	if err != nil || len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("Decode = %v, %d records, row errors %+v; want the invoice and none", err, len(rec.Records), rec.RowErrors)
	}
}
