// Package demo lays procurehub's demo partner files (written by us, in
// data/<partner>/) into the partners' inboxes, so that `make run` has
// something real to ingest.
package demo

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

//go:embed data
var files embed.FS

// Lay copies the demo files into inboxDir/<partner>/<file> for every partner
// whose inbox does not exist yet: the first start ingests them, later starts
// leave the inbox (and its archive) alone. Remove ./var to start over. It
// returns how many files it wrote.
func Lay(inboxDir string) (int, error) {
	n := 0
	fresh := map[string]bool{}
	for _, p := range Partners() {
		if _, err := os.Stat(filepath.Join(inboxDir, p)); errors.Is(err, fs.ErrNotExist) {
			fresh[p] = true
		}
	}
	err := fs.WalkDir(files, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("data", filepath.FromSlash(p))
		if !fresh[filepath.Dir(rel)] {
			return nil
		}
		target := filepath.Join(inboxDir, rel)
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		// Write under a temporary name and rename, so the connector never
		// sees a half-written demo file.
		tmp := filepath.Join(filepath.Dir(target), "."+path.Base(p)+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, target); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("demo: %w", err)
	}
	return n, nil
}

// Partners lists the demo partners (the folders under data/).
func Partners() []string {
	entries, _ := files.ReadDir("data")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}
