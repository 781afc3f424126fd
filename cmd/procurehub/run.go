package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/procurehub/procurehub/configs"
	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/config"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	configPath := fs.String("config", "", "config `FILE`; without it, the embedded demo config (no external service)")
	httpAddr := fs.String("http-addr", "", "HTTP listen `ADDR` (overrides http.addr; default 127.0.0.1:8080)")
	kafkaAddr := fs.String("kafka-addr", "", "listen `ADDR` of the embedded broker (overrides broker.addr and PROCUREHUB_KAFKA_ADDR; default 127.0.0.1:9092)")
	verbose := fs.Bool("v", false, "debug logging")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := newLogger(stderr, level)
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *httpAddr != "" {
		cfg.HTTP.Addr = *httpAddr
	}
	if *kafkaAddr != "" {
		if !cfg.Broker.Embedded {
			fmt.Fprintln(stderr, "procurehub run: --kafka-addr applies to the embedded broker; this config uses external brokers")
			return errUsage
		}
		cfg.Broker.Addr = *kafkaAddr
	}
	reg, err := app.Builtins()
	if err != nil {
		return err
	}
	app.ApplyRuntime(cfg.Runtime, log)
	log.Info("starting procurehub", "config", cfg.File, "store", cfg.Store.Driver, "partners", len(cfg.Partners))
	return app.Run(ctx, app.Options{Config: cfg, Registry: reg, Logger: log, Out: stdout})
}

// demoConfigDir is where the embedded demo config is written out, so that its
// partner mappings are ordinary files a user can read and edit.
const demoConfigDir = "var/config"

// loadConfig loads FILE, or without one the embedded demo config.
func loadConfig(path string) (*config.App, error) {
	if path != "" {
		return config.Load(path, os.LookupEnv)
	}
	if err := configs.WriteDemo(demoConfigDir); err != nil {
		return nil, fmt.Errorf("write demo config: %w", err)
	}
	return config.Load(filepath.Join(demoConfigDir, "demo.yaml"), os.LookupEnv)
}
