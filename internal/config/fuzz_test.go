package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes through parsing, interpolation, strict
// decoding and validation: every outcome is a config or an error, never a panic.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../../configs/demo.yaml", "../../configs/production.yaml")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("broker: {embedded: true}\npartners: [{name: a, kind: b, settings: {x: ${Y:-1}}}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := LoadBytes("fuzz.yaml", ".", b, env("Y", "2"))
		if err == nil && a == nil {
			t.Fatal("no config and no error")
		}
	})
}
