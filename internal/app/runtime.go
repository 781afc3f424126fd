package app

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/procurehub/procurehub/internal/config"
)

// ApplyRuntime sets the garbage collector from the config's runtime
// section, unless GOGC or GOMEMLIMIT set it for this process already.
func ApplyRuntime(r config.Runtime, log *slog.Logger) {
	if r.GCPercent > 0 {
		if v, ok := os.LookupEnv("GOGC"); ok {
			log.Info("runtime.gc_percent ignored: GOGC is set", "GOGC", v)
		} else {
			debug.SetGCPercent(r.GCPercent)
		}
	}
	// Validate has checked it.
	if limit, _ := r.MemoryLimitBytes(); limit > 0 {
		if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
			log.Info("runtime.memory_limit ignored: GOMEMLIMIT is set", "GOMEMLIMIT", v)
		} else {
			debug.SetMemoryLimit(limit)
		}
	}
}
