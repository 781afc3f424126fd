package main

import (
	"context"
	"fmt"
	"io"

	"github.com/procurehub/procurehub/internal/app"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	configPath := fs.String("config", "", "config `FILE`; without it, the embedded demo config (SQLite under ./var)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "migrations applied (%s)\n", cfg.Store.Driver)
	return nil
}
