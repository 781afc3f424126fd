package erpexport_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
)

func TestConformance(t *testing.T) {
	golden, err := filepath.Glob("testdata/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	// latin1-umlauts.csv has its own mapping: TestGermanExport checks its golden file.
	golden = slices.DeleteFunc(golden, func(p string) bool { return filepath.Base(p) == "latin1-umlauts.csv" })
	mappingPath, err := filepath.Abs("testdata/orders.mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	connectortest.Run(t, connectortest.Suite{
		Spec:    erpexport.Spec(),
		New:     erpexport.New,
		Decoder: decoder(t, "orders.mapping.yaml"),
		Golden:  golden,
		Malformed: []string{
			"testdata/one-bad-row.csv", "testdata/field-count.csv", "testdata/order-split.csv",
			"testdata/mixed-encoding.csv", "testdata/quoted-newline.csv", "testdata/empty-order-number.csv",
			"testdata/validation-problems.csv", "testdata/several-problems-one-row.csv",
			"testdata/order-mismatch.csv", "testdata/duplicate-line-number.csv",
		},
		LargeInput: func() []byte {
			b, err := io.ReadAll(newExportGen(20000, 2))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		NewSource: func(t *testing.T, dir string) connectors.Source {
			entry := fmt.Sprintf("name: acme\nkind: erp_export\nsettings:\n  inbox: %q\n  settle_time: 0s\n  mapping: %q\n", dir, mappingPath)
			c, err := erpexport.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			return c.Source
		},
		SourceFiles: []string{"testdata/good-orders.csv", "testdata/one-bad-row.csv"},
	})
}
