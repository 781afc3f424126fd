package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/config"
)

func TestHubConfigIsOneTheHubAccepts(t *testing.T) {
	tests := []struct {
		name string
		tune hubConfig
		want [4]int // partitions, max in flight, store batch, publish batch as the hub reads them
	}{
		{"without tuning the hub keeps its defaults", hubConfig{}, [4]int{4, 256, 0, 0}},
		{"tuning flags reach the broker and pipeline sections",
			hubConfig{Partitions: 8, MaxInFlight: 64, StoreBatchSize: 1024, PublishBatch: 1000}, [4]int{8, 64, 1024, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := tt.tune
			c.BrokerAddr, c.BrokerDir, c.HTTPAddr = "127.0.0.1:0", filepath.Join(dir, "kafka"), "127.0.0.1:18080"
			c.Inbox, c.Mapping, c.PollInterval = filepath.Join(dir, "inbox"), filepath.Join(dir, "bench.mapping.yaml"), 100*time.Millisecond
			if err := os.WriteFile(c.Mapping, []byte(mappingYAML()), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "hub.yaml")
			if err := os.WriteFile(path, []byte(c.YAML()), 0o644); err != nil {
				t.Fatal(err)
			}
			env := func(k string) (string, bool) {
				if k == dsnEnv {
					return "postgres://u:secret@127.0.0.1:5432/db?search_path=s", true
				}
				return "", false
			}
			cfg, err := config.Load(path, env)
			if err != nil {
				t.Fatalf("the hub refuses the config: %v\n%s", err, c.YAML())
			}
			if !cfg.Broker.Embedded || cfg.Broker.DataDir != c.BrokerDir || cfg.HTTP.Addr != c.HTTPAddr {
				t.Errorf("broker/http = %+v / %+v", cfg.Broker, cfg.HTTP)
			}
			if cfg.Store.Driver != "postgres" || !cfg.Store.MigrateOnStart || cfg.Store.DSN.Reveal() == "" {
				t.Errorf("store = driver %q, migrate %v, dsn set %v", cfg.Store.Driver, cfg.Store.MigrateOnStart, cfg.Store.DSN != "")
			}
			got := [4]int{cfg.Broker.Partitions, cfg.Broker.MaxInFlight, cfg.Pipeline.StoreBatchSize, cfg.Pipeline.PublishBatch}
			if got != tt.want {
				t.Errorf("partitions, max in flight, store batch, publish batch = %v, want %v", got, tt.want)
			}
			if len(cfg.Partners) != 1 || cfg.Partners[0].Kind != "erp_export" {
				t.Fatalf("partners = %+v", cfg.Partners)
			}
			reg, err := app.Builtins()
			if err != nil {
				t.Fatal(err)
			}
			conn, err := app.BuildConnector(context.Background(), cfg, reg, 0, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatalf("the erp_export partner does not build: %v", err)
			}
			defer conn.Source.Close()
			if conn.PollInterval != c.PollInterval {
				t.Errorf("poll interval %s, want %s", conn.PollInterval, c.PollInterval)
			}
		})
	}
}

func TestHubConfigKeepsTheDSNOutOfTheFile(t *testing.T) {
	y := hubConfig{BrokerAddr: "127.0.0.1:0"}.YAML()
	if !strings.Contains(y, "${"+dsnEnv+"}") || strings.Contains(y, "postgres://") {
		t.Errorf("the config should read the DSN from $%s:\n%s", dsnEnv, y)
	}
}

func TestParseProcStatus(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    memory
		wantErr bool
	}{
		{"a process's peak and current resident set are read in bytes", "proc-status.txt",
			memory{RSS: 110100 << 10, Peak: 178888 << 10}, false},
		{"a process without memory lines is an error, not zero", "proc-status-kernel-thread.txt", memory{}, true},
		{"a unit other than kB is an error", "proc-status-bad-unit.txt", memory{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := parseProcStatus(f)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMemoryOfThisProcessHasAPeakAtLeastItsCurrentSize(t *testing.T) {
	m, err := memoryOf(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("rss %d, peak %d", m.RSS, m.Peak)
	}
}
