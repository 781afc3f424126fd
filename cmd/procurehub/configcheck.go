package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/config"
)

// cmdConfigCheck validates a config without starting anything: unknown keys,
// missing fields, unset ${VARS}, unknown connector kinds and every partner's
// settings, each reported as file:line:column.
func cmdConfigCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config check", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: procurehub config check FILE")
		return errUsage
	}
	path := fs.Arg(0)
	cfg, err := config.Load(path, os.LookupEnv)
	if err != nil {
		printConfigErrors(stderr, err)
		return exitError{code: 1}
	}
	reg, err := app.Builtins()
	if err != nil {
		return err
	}
	bad := false
	if dp, err := app.DemandPlanner(cfg, nil, nil); err != nil {
		printConfigErrors(stderr, err)
		bad = true
	} else if reg, err = app.WithDemandPlanner(reg, dp); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := range cfg.Partners {
		c, err := app.BuildConnector(ctx, cfg, reg, i, quiet, nil)
		if err != nil {
			printConfigErrors(stderr, err)
			bad = true
			continue
		}
		if c.Source != nil {
			c.Source.Close()
		}
	}
	if _, err := app.BuildValidator(cfg); err != nil {
		printConfigErrors(stderr, err)
		bad = true
	}
	if _, err := app.LoadWarnings(cfg); err != nil {
		printConfigErrors(stderr, err)
		bad = true
	}
	if _, err := app.LoadNotifications(cfg); err != nil {
		printConfigErrors(stderr, err)
		bad = true
	}
	if err := app.CheckSFTPAccounts(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		bad = true
	}
	if cfg.Settlement.Enabled {
		if _, err := app.SettlementConfig(cfg.Settlement); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
			bad = true
		}
	}
	if bad {
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "%s: ok (%d partners)\n", path, len(cfg.Partners))
	return nil
}

// printConfigErrors prints one problem per line.
func printConfigErrors(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err.Error())
}
