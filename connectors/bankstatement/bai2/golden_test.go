package bai2_test

import (
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// TestGolden decodes every testdata/*.bai into its NAME.golden.json
// (statements, row errors and file error); -update rewrites them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bai")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			connectortest.CheckGolden(t, bai2.NewDecoder(), f)
		})
	}
}
