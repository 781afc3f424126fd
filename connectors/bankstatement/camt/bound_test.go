package camt_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// inSecondStatement puts bad into the second of three generated statements,
// after its Id, and returns the document and the line bad starts on.
func inSecondStatement(bad string) ([]byte, int) {
	doc := generated(3, 1)
	at := bytes.Index(doc, []byte("<Id>GEN-00000002</Id>"))
	out := append(append(append([]byte{}, doc[:at]...), bad...), doc[at:]...)
	return out, bytes.Count(doc[:at], []byte("\n")) + 1
}

func TestXMLThatCrossesABoundIsRefusedWhereItCrossesIt(t *testing.T) {
	bomb, bombLine := inSecondStatement(strings.Repeat("<Ntry>", 100_000))
	text, textLine := inSecondStatement("<AddtlStmtInf>" + strings.Repeat("x", 2<<20) + "</AddtlStmtInf>")
	attrs, attrsLine := inSecondStatement("<Bal" + strings.Repeat(` a=""`, 300) + "/>")
	plain := generated(3, 1)
	third := bytes.Index(plain, []byte("<Id>GEN-00000003</Id>"))
	laughs := []byte(`<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>
`)

	tests := []struct {
		name     string
		content  []byte
		maxBytes int64 // 0: the decoder's own bound
		line     int
		says     string
		records  int // statements published before the refusal; -1: a file error
	}{
		{"a nesting bomb of 100,000 elements", bomb, 0, bombLine, "elements nested deeper than 256 (at /Document/BkToCstmrStmt/Stmt/Ntry/…/Ntry/Ntry/Ntry)", 1},
		{"a text node of 2 MiB", text, 0, textLine, "text longer than 1 MiB (at /Document/BkToCstmrStmt/Stmt/AddtlStmtInf)", 1},
		{"an element with 300 attributes", attrs, 0, attrsLine, "an element with more than 256 attributes (at /Document/BkToCstmrStmt/Stmt/Bal)", 1},
		{"an input one statement over its bound", plain, int64(third), bytes.Count(plain[:third], []byte("\n")) + 1, "the input is larger than", 2},
		{"a billion laughs DTD", laughs, 0, 2, "a DTD with declarations", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with its line and path", func(t *testing.T) {
			d := decoder(t, camt.FormatCAMT053)
			if tt.maxBytes > 0 {
				d = d.WithMaxInputBytes(tt.maxBytes)
			}
			counted := &countingReader{r: bytes.NewReader(tt.content)}
			var rec connectortest.Recorder
			err := d.Decode(context.Background(), connectortest.InputOf("bound.xml", tt.content), counted, &rec)
			if tt.records < 0 {
				var fe *connectors.FileError
				if !errors.As(err, &fe) || fe.Code != camt.CodeXMLLimit || fe.Line != tt.line || !strings.Contains(fe.Message, tt.says) {
					t.Fatalf("Decode = %v, want an %s file error on line %d that says %q", err, camt.CodeXMLLimit, tt.line, tt.says)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode = %v, want the refusal as a row error", err)
			}
			if len(rec.Records) != tt.records {
				t.Errorf("%d statements published, want the %d before the refusal", len(rec.Records), tt.records)
			}
			if len(rec.RowErrors) != 1 {
				t.Fatalf("row errors %+v, want one", rec.RowErrors)
			}
			e := rec.RowErrors[0]
			if e.Code != camt.CodeXMLLimit || e.Line != tt.line || !strings.HasPrefix(e.Field, "Document/BkToCstmrStmt") || !strings.Contains(e.Message, tt.says) {
				t.Errorf("row error %+v, want %s on line %d that says %q", e, camt.CodeXMLLimit, tt.line, tt.says)
			}
			// Refused where the bound is crossed, not after reading all of it.
			if over := counted.n - bytes.Index(tt.content, []byte("GEN-00000002")); tt.records == 1 && over > (1<<20)+(128<<10) {
				t.Errorf("read %d bytes past the bad statement's start before refusing it", over)
			}
		})
	}
}

func TestAFileAtItsSizeBoundIsReadWhole(t *testing.T) {
	content := generated(3, 1)
	d := decoder(t, camt.FormatCAMT053).WithMaxInputBytes(int64(len(content)))
	rec, err := connectortest.DecodeBytes(d, "exact.xml", content)
	if err != nil || len(rec.Records) != 3 || len(rec.RowErrors) != 0 {
		t.Fatalf("Decode = %v, %d statements, row errors %+v; want all 3 and none", err, len(rec.Records), rec.RowErrors)
	}
}
