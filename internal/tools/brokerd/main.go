// Command brokerd runs procurehub's embedded Kafka-protocol broker
// (internal/embedded: kfake with a persistent data directory) as a process
// of its own, so that a test can kill it and start it again on the same
// data, as a real broker goes down and comes back:
//
//	go run ./internal/tools/brokerd -addr 127.0.0.1:9092 -data-dir ./var/kafka -partitions 4
//
// It prints "brokerd: listening on HOST:PORT" once it accepts connections
// and runs until SIGTERM or SIGINT (a clean stop that flushes its state) or
// SIGKILL (a crash: what the broker acknowledged is in the data directory's
// files already and survives; the OS page cache is not synced).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/procurehub/procurehub/internal/embedded"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("brokerd", flag.ContinueOnError)
	addr := fs.String("addr", embedded.DefaultAddr, "listen `host:port`; port 0 picks a free one (printed)")
	dir := fs.String("data-dir", embedded.DefaultDataDir, "`directory` of the topics, records and committed offsets; reloaded on start")
	partitions := fs.Int("partitions", embedded.DefaultPartitions, "partitions of auto-created topics")
	verbose := fs.Bool("v", false, "log the broker's requests (debug)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := embedded.Start(ctx, embedded.Config{Addr: *addr, DataDir: *dir, Partitions: *partitions, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "brokerd:", err)
		return 1
	}
	fmt.Printf("brokerd: listening on %s\n", b.Addrs()[0])
	<-ctx.Done()
	if err := b.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "brokerd:", err)
		return 1
	}
	log.Info("brokerd: stopped", "data_dir", *dir)
	return 0
}
