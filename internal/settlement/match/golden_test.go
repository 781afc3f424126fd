package match

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestResultJSON pins the JSON the API will serve for an invoice with a
// within-tolerance price, an over-received line overridden by finance and
// a line billed twice.
func TestResultJSON(t *testing.T) {
	asn := testASN()
	asn.Lines[1].Quantity = dec("40")
	inv := testInvoice("INV-2", invLine(1, "SKU-A", "100", "10.05"), invLine(2, "SKU-B", "45", "4.20"), invLine(3, "SKU-A", "10", "10.00"))
	in := Input{Invoice: inv, Orders: []canonical.Order{testOrder()}, Shipments: []canonical.Shipment{asn},
		Overrides: []Override{{Line: 2, By: "fin.anna", Reason: "5 more arrived, receipt follows", At: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)}}}
	res, err := Match(in, onePercent)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "result-within-overridden-double-billed.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("result JSON differs from %s (run with -update and review the diff):\n%s", path, got)
	}
}
