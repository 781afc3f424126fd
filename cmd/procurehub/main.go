// Command procurehub is the integration hub's one binary.
//
//	procurehub run [--config FILE] [--http-addr ADDR] [--kafka-addr ADDR]
//	procurehub parse --format FORMAT [--mapping FILE] [--profile NAME] [--replies DIR] FILE...
//	procurehub render --format x12|edifact|ubl --sender [Q:]ID --receiver [Q:]ID FILE.jsonl...
//	procurehub config check FILE
//	procurehub migrate [--config FILE]
//	procurehub connectors
//	procurehub partner init --kind erp_export --sample FILE [--name NAME] | test [--config FILE] [--golden FILE] NAME FILE
//	procurehub replay [--config FILE] --poison [--handler NAME] | --file ID [--mapping-version N] | --list [--dry-run]
//	procurehub simulate [--config FILE] [--seed N] [--orders N] [--keep DIR] [-v]
//	procurehub sftp-hash < password
//
// main parses flags, loads config and hands over to internal/app; it holds no
// business logic.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// exitError carries an exit status up to main without printing twice.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errUsage is returned after a usage message was printed.
var errUsage = exitError{code: 2}

const usage = `procurehub — integration hub for cross-border procurement

Usage:
  procurehub run [--config FILE] [--http-addr ADDR] [--kafka-addr ADDR]
                                                      run connectors, pipelines, API (embedded defaults without --config)
  procurehub parse --format FORMAT [--mapping FILE] [--profile NAME] [--replies DIR] FILE...
                                                      decode files to canonical JSON Lines (no broker, no store)
  procurehub render --format x12|edifact|ubl --sender [Q:]ID --receiver [Q:]ID FILE.jsonl...
                                                      write canonical orders and order responses as EDI documents
  procurehub config check FILE                        validate a config file
  procurehub migrate [--config FILE]                  apply store migrations
  procurehub connectors                               list connector kinds and formats with their settings
  procurehub partner init --kind erp_export --sample FILE [--name NAME] [--constant FIELD=VALUE]...
                                                      propose a partner's mapping from a sample file
  procurehub partner test [--config FILE] [--mapping FILE] [--golden FILE [--update]] NAME FILE
                                                      dry run a partner's file: records, rejected rows, findings
  procurehub replay [--config FILE] --poison [--handler NAME] | --file ID [--mapping-version N] | --list [--dry-run]
                                                      re-drive poison messages, or re-ingest an archived file
  procurehub simulate [--config FILE] [--seed N] [--orders N] [--keep DIR] [-v]
                                                      simulate a procurement year through an in-process hub and print KPIs
  procurehub sftp-hash                                hash a password (read from stdin) for the SFTP inbox's accounts file

Run "procurehub COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "procurehub:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "parse":
		return cmdParse(ctx, rest, stdout, stderr)
	case "render":
		return cmdRender(ctx, rest, stdout, stderr)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			fmt.Fprintln(stderr, "usage: procurehub config check FILE")
			return errUsage
		}
		return cmdConfigCheck(ctx, rest[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "connectors":
		return cmdConnectors(rest, stdout, stderr)
	case "simulate":
		return cmdSimulate(ctx, rest, stdout, stderr)
	case "replay":
		return cmdReplay(ctx, rest, stdout, stderr)
	case "partner":
		return cmdPartner(ctx, rest, stdout, stderr)
	case "sftp-hash":
		return cmdSFTPHash(rest, os.Stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "procurehub: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("procurehub "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and maps -h and bad flags to the usage exit status.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError{code: 0}
		}
		return errUsage
	}
	return nil
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
