package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"

	"github.com/procurehub/procurehub/internal/app"
)

const replayUsage = `usage:
  procurehub replay [--config FILE] --poison [--handler NAME] [--dry-run]
      re-drive the poison queue's messages (since the last replay) to the topics they came from
  procurehub replay [--config FILE] --file ID [--mapping-version N] [--dry-run] [--by NAME]
      re-ingest the archived or quarantined file of ledger entry ID, with the partner's
      current mapping or its version N; the same business keys are updated, never doubled
  procurehub replay [--config FILE] --list [--partner NAME] [--limit N]
      list the newest files taken, with their ids, mapping versions and replays
`

func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, replayUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "", "config `FILE`; without it, the embedded demo config")
	poison := fs.Bool("poison", false, "re-drive the poison queue")
	handler := fs.String("handler", "", "with --poison: only the messages this `handler` gave up on (e.g. store_orders)")
	file := fs.Int64("file", 0, "re-ingest the file of this ledger entry `ID` (see --list)")
	version := fs.Int("mapping-version", 0, "with --file: read it with this mapping `version` (default: the partner's current mapping)")
	list := fs.Bool("list", false, "list the newest files taken")
	partner := fs.String("partner", "", "with --list: only this `partner`'s files")
	limit := fs.Int("limit", 50, "with --list: at most `N` files")
	dryRun := fs.Bool("dry-run", false, "show what would be replayed; publish nothing, record nothing")
	by := fs.String("by", "", "who replays, recorded with a file replay (default: the OS user)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{*poison, *file != 0, *list} {
		if on {
			modes++
		}
	}
	if modes != 1 || fs.NArg() > 0 {
		fmt.Fprint(stderr, replayUsage)
		return errUsage
	}
	if *version < 0 || (*version > 0 && *file == 0) {
		fmt.Fprintln(stderr, "procurehub replay: --mapping-version N (N ≥ 1) goes with --file")
		return errUsage
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *by == "" {
		*by = osUser()
	}
	o := app.ReplayOptions{Config: cfg, Out: stdout, Logger: newLogger(stderr, slog.LevelWarn), By: *by, DryRun: *dryRun}
	switch {
	case *poison:
		return app.ReplayPoison(ctx, o, *handler)
	case *list:
		return app.ListFiles(ctx, o, *partner, *limit)
	}
	if *file < 0 {
		return errors.New("--file: a ledger entry id is a positive number")
	}
	return app.ReplayFile(ctx, o, *file, *version)
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "cli"
}
