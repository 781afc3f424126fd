package tracking_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/tracking"
)

// TestGolden decodes every testdata/PROFILE/NAME.json with the built-in
// profile PROFILE into NAME.golden.json (events, row errors, file error);
// -update rewrites them. Every built-in profile has samples.
func TestGolden(t *testing.T) {
	for _, name := range tracking.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			p, err := tracking.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			files := inputs(t, filepath.Join("testdata", name))
			if len(files) == 0 {
				t.Fatalf("profile %s has no sample payloads under testdata/%s", name, name)
			}
			d := tracking.NewDecoder(p)
			for _, f := range files {
				t.Run(filepath.Base(f), func(t *testing.T) { connectortest.CheckGolden(t, d, f) })
			}
		})
	}
}

// inputs lists the sample payloads in dir (not the golden files).
func inputs(t testing.TB, dir string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".golden.json") {
			files = append(files, f)
		}
	}
	return files
}

// TestTestdataDirsAreProfiles keeps testdata honest: a directory named
// after no built-in profile would never be decoded.
func TestTestdataDirsAreProfiles(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"fuzz": true, "profiles": true}
	for _, n := range tracking.BuiltinNames() {
		known[n] = true
	}
	for _, e := range entries {
		if e.IsDir() && !known[e.Name()] {
			t.Errorf("testdata/%s is named after no built-in profile (%v)", e.Name(), tracking.BuiltinNames())
		}
	}
}
