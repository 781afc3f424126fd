package x12_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// testdataFiles are the inputs of testdata/, each named after what it tests.
func testdataFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*.x12", "testdata/*.csv"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	return files
}

// goldenNow is the date and time of the acknowledgements in golden files.
func goldenNow() time.Time { return time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC) }

// TestGolden decodes every file of testdata/ and compares records, row
// errors, file errors and replies (the 997s) with NAME.golden.json
// (go test -update rewrites them).
func TestGolden(t *testing.T) {
	d := x12.NewDecoder(x12.Options{Now: goldenNow})
	for _, path := range testdataFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) { connectortest.CheckGolden(t, d, path) })
	}
}
