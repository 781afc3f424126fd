// Package configs embeds the demo configuration, so that `procurehub run`
// without --config works on a fresh machine with no service and no file.
package configs

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed demo.yaml partners
var files embed.FS

// WriteDemo writes demo.yaml and partners/ into dir (overwriting earlier
// copies, so the demo always runs on the config of this binary).
func WriteDemo(dir string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == "." || (!d.IsDir() && filepath.Ext(path) != ".yaml") {
			return nil
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("configs: %w", err)
		}
		return nil
	})
}
