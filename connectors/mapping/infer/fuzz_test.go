package infer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/mapping"
)

// FuzzInfer feeds any bytes to Infer, as CSV and as a spreadsheet, for
// every document type in turn: it must not panic, and a proposal that
// reports nothing missing must write YAML that mapping.Parse accepts.
func FuzzInfer(f *testing.F) {
	files, _ := filepath.Glob("testdata/samples/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Add([]byte("Order No;Qty\n\"A;1\n"), uint8(1))
	f.Add([]byte("\xff\xfeO\x00r\x00"), uint8(2))
	f.Add([]byte("Order No,${HOME},a: b,#x\nA,1,2,3\n"), uint8(0))
	docs := mapping.Documents()
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		doc := docs[int(n)%len(docs)]
		for _, name := range []string{"sample.csv", "sample.xlsx"} {
			p, err := Infer(b, Options{Document: doc, FileName: name})
			if err != nil {
				if p != nil {
					t.Fatalf("error %v with a proposal", err)
				}
				continue
			}
			y := p.YAML()
			if _, err := json.Marshal(p); err != nil {
				t.Fatalf("json: %v", err)
			}
			if len(p.Missing) == 0 {
				if _, err := mapping.Parse("fuzz.mapping.yaml", y); err != nil {
					t.Fatalf("nothing missing, yet mapping.Parse: %v\n%s", err, y)
				}
			}
		}
	})
}
