package warnings

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadConfig: any bytes give a config or a positioned error, never a
// panic; a config that loads validates and resolves for any partner.
func FuzzLoadConfig(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	seeds = append(seeds, filepath.Join("..", "..", "configs", "warnings.yaml"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := LoadConfig("fuzz.yaml", b, noEnv)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a loaded config does not validate: %v", err)
		}
		for id, r := range c.Resolve("SUP-CN", Lane{"CN", "DE"}) {
			if r.Threshold.IsNegative() || r.EscalateAfter < 0 || r.thresholdDuration(UnitHours) < 0 {
				t.Fatalf("%s resolved to a negative threshold %s or escalation %s", id, r.Threshold, r.EscalateAfter)
			}
		}
	})
}
