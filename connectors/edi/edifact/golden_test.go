package edifact_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
)

// testdataFiles are the inputs of testdata/, each named after what it tests.
func testdataFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*.edi", "testdata/*.csv"} {
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

// fixedNow is the acknowledgements' date in the golden files.
func fixedNow() time.Time { return time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC) }

// TestGolden decodes every file of testdata/ and compares records, row
// errors, file errors and the CONTRL acknowledgement with NAME.golden.json
// (go test -update rewrites them).
func TestGolden(t *testing.T) {
	d := edifact.NewDecoder(edifact.Options{Now: fixedNow})
	for _, path := range testdataFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) { connectortest.CheckGolden(t, d, path) })
	}
}
