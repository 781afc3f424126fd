package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/procurehub/procurehub/internal/simulate"
)

// cmdSimulate is `procurehub simulate`: a generated procurement year fed
// through a hub started in-process, and its KPI table.
func cmdSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	configPath := fs.String("config", "", "world `FILE` (YAML: orders, suppliers, error_rate, dates...; see internal/simulate/config.go)")
	seed := fs.Uint64("seed", 1, "random `SEED`: the same seed gives the same year and the same table")
	orders := fs.Int("orders", 0, "purchase orders in the year (default 2000, or the config's)")
	keep := fs.String("keep", "", "work in `DIR` and keep it (hub config, partner files, store); default a temporary directory, removed")
	verbose := fs.Bool("v", false, "the hub's logs on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: procurehub simulate [--config FILE] [--seed N] [--orders N] [--keep DIR] [-v]")
		return errUsage
	}
	cfg := simulate.DefaultConfig()
	if *configPath != "" {
		var err error
		if cfg, err = simulate.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	if *orders > 0 {
		cfg.Orders = *orders
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "procurehub-simulate-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var log *slog.Logger
	if *verbose {
		log = newLogger(stderr, slog.LevelInfo)
	}
	opt := simulate.Options{Config: cfg, Seed: *seed, Dir: dir, Log: log, Progress: stderr}
	if err := simulate.Run(ctx, opt, stdout); err != nil {
		return err
	}
	if *keep != "" {
		fmt.Fprintf(stderr, "work directory kept: %s\n", dir)
	}
	return nil
}
