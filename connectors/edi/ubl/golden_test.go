package ubl_test

import (
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

// TestGolden decodes every testdata document and compares the records, row
// errors and file error with its golden file (go test -update rewrites
// them; review the diff).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	d := ubl.NewDecoder(ubl.Options{})
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			connectortest.CheckGolden(t, d, path)
		})
	}
}
