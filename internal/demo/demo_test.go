package demo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLay(t *testing.T) {
	dir := t.TempDir()
	n, err := Lay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(Partners()) < 3 || n < 3 {
		t.Fatalf("laid %d files for %d partners, want at least three partners with files", n, len(Partners()))
	}
	t.Run("every partner gets its own inbox", func(t *testing.T) {
		for _, p := range Partners() {
			entries, err := os.ReadDir(filepath.Join(dir, p))
			if err != nil || len(entries) == 0 {
				t.Errorf("inbox of %s: %v entries, err %v", p, len(entries), err)
			}
		}
	})
	t.Run("a second start lays nothing again", func(t *testing.T) {
		taken := filepath.Join(dir, Partners()[0])
		entries, _ := os.ReadDir(taken)
		os.Remove(filepath.Join(taken, entries[0].Name())) // the hub took and archived it
		n, err := Lay(dir)
		if err != nil || n != 0 {
			t.Fatalf("second Lay wrote %d files (err %v), want 0", n, err)
		}
	})
	t.Run("no temporary file is left behind", func(t *testing.T) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*", ".*.tmp"))
		if len(matches) > 0 {
			t.Errorf("left %v", matches)
		}
	})
}
