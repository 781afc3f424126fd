package camt_test

import (
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

func decoder(t testing.TB, format string) *camt.Decoder {
	t.Helper()
	d, err := camt.NewDecoder(format)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// formatOf picks the decoder of a test file by its name: camt052_..., camt054_...
func formatOf(path string) string {
	switch base := filepath.Base(path); {
	case len(base) >= 7 && base[:7] == "camt052":
		return camt.FormatCAMT052
	case len(base) >= 7 && base[:7] == "camt054":
		return camt.FormatCAMT054
	}
	return camt.FormatCAMT053
}

// TestGolden decodes every testdata file with the decoder its name says and
// compares the statements, row errors and file error with its golden file
// (go test -update rewrites them; review the diff).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			connectortest.CheckGolden(t, decoder(t, formatOf(path)), path)
		})
	}
}
