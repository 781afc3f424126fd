// Package embedded runs procurehub's in-process Kafka-protocol broker for the
// default mode, where no external service is needed. It is
// github.com/twmb/franz-go/pkg/kfake with one broker, listening on loopback,
// keeping its topics, records and committed offsets in a data directory so
// that they survive a restart of `procurehub run`. Any Kafka client (the
// procurehub adapter, kcat) can use it.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Defaults.
const (
	DefaultAddr                   = "127.0.0.1:9092"
	DefaultDataDir                = "./var/kafka"
	DefaultPartitions             = 4
	DefaultRetention              = 7 * 24 * time.Hour
	DefaultRetentionBytes         = 256 << 20
	DefaultRetentionCheckInterval = time.Minute
)

// Config configures the embedded broker. Zero values take the defaults.
type Config struct {
	// Addr is the listen address, "host:port"; port 0 picks a free port (see
	// Broker.Addrs). Clients are told to connect to exactly this host, so it
	// must be an address they can dial, not 0.0.0.0. Default DefaultAddr.
	Addr string
	// DataDir holds the topics, records and committed offsets; it is created
	// if missing, and reloaded when the broker starts again. Only one broker
	// may use it at a time. Default DefaultDataDir.
	DataDir string
	// Partitions is the partition count of topics created without one
	// (auto-created on first use); default DefaultPartitions.
	Partitions int
	// Retention and RetentionBytes bound what a partition keeps: records
	// older than Retention, and the oldest records beyond RetentionBytes per
	// partition, are deleted every RetentionCheckInterval. Records live in
	// DataDir; the broker's memory holds an index of them, so these bound
	// both disk and memory. Defaults 7 days, 256 MiB, 1 minute.
	Retention              time.Duration
	RetentionBytes         int64
	RetentionCheckInterval time.Duration
	// Logger receives the broker's warnings and errors (its request log at
	// debug level); default slog.Default().
	Logger *slog.Logger
}

// WithDefaults returns the config with every zero value replaced by its default.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.RetentionBytes == 0 {
		c.RetentionBytes = DefaultRetentionBytes
	}
	if c.RetentionCheckInterval == 0 {
		c.RetentionCheckInterval = DefaultRetentionCheckInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports what is wrong with the config. Zero values are valid: they
// mean "default".
func (c Config) Validate() error {
	var errs []error
	if c.Addr != "" {
		host, port, err := net.SplitHostPort(c.Addr)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
		case host == "":
			errs = append(errs, fmt.Errorf("addr %q has no host: clients need one to connect to, e.g. 127.0.0.1", c.Addr))
		default:
			if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
				errs = append(errs, fmt.Errorf("addr %q: %s is not an address clients can connect to; use a concrete one such as 127.0.0.1", c.Addr, host))
			}
			if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
				errs = append(errs, fmt.Errorf("addr %q: bad port %q", c.Addr, port))
			}
		}
	}
	if c.Partitions < 0 {
		errs = append(errs, fmt.Errorf("partitions %d is negative", c.Partitions))
	}
	if c.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention %s is negative", c.Retention))
	}
	if c.RetentionBytes < 0 {
		errs = append(errs, fmt.Errorf("retention bytes %d is negative", c.RetentionBytes))
	}
	if c.RetentionCheckInterval < 0 {
		errs = append(errs, fmt.Errorf("retention check interval %s is negative", c.RetentionCheckInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("embedded broker config: %w", err)
	}
	return nil
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addrs   []string
	unlock  func() error
	log     *slog.Logger

	stop      chan struct{} // closed by Close: ends the retention loop
	retention sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start starts the broker and returns when it accepts connections, with the
// state it had when it last stopped (if DataDir has any). ctx only bounds the
// start: the broker runs until Close, so that it can outlive the cancellation
// that begins a graceful shutdown of what uses it.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded broker: data dir: %w", err)
	}
	unlock, err := lockDir(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: data dir %s: %w", cfg.DataDir, err)
	}

	addr := cfg.Addr
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		// kfake listens on 127.0.0.1 and a port of its choosing; listen on
		// the configured address instead.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, addr) }),
		kfake.ClusterID("procurehub-embedded"),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.DataDir(cfg.DataDir),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.ms":    strconv.FormatInt(cfg.Retention.Milliseconds(), 10),
			"log.retention.bytes": strconv.FormatInt(cfg.RetentionBytes, 10),
		}),
		kfake.WithLogger(logger{cfg.Logger}),
	)
	if err != nil {
		_ = unlock()
		return nil, fmt.Errorf("embedded broker on %s with data in %s: %w", cfg.Addr, cfg.DataDir, err)
	}
	b := &Broker{
		cluster: cluster,
		addrs:   cluster.ListenAddrs(),
		unlock:  unlock,
		log:     cfg.Logger,
		stop:    make(chan struct{}),
	}
	b.retention.Add(1)
	go func() {
		defer b.retention.Done()
		b.enforceRetention(cfg.RetentionCheckInterval)
	}()
	return b, nil
}

// Addrs returns the bootstrap addresses of the broker ("host:port", with the
// actual port when Config.Addr asked for port 0).
func (b *Broker) Addrs() []string {
	return append([]string(nil), b.addrs...)
}

// Close stops the broker: it stops accepting connections, writes its state to
// DataDir and releases the directory. Clients still connected see their
// connections closed. Close is safe to call more than once.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		close(b.stop)
		b.retention.Wait()
		b.cluster.Close()
		if err := b.unlock(); err != nil {
			b.closeErr = fmt.Errorf("embedded broker: release data dir: %w", err)
		}
	})
	return b.closeErr
}

// enforceRetention applies the retention limits every interval until Close.
// (kfake applies them by itself only to topics that set their own.)
func (b *Broker) enforceRetention(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.cluster.ApplyRetention()
		}
	}
}

// logger passes kfake's log to slog. kfake logs every request at its info
// level, which is debug for procurehub.
type logger struct{ log *slog.Logger }

func (l logger) Logf(level kfake.LogLevel, format string, args ...any) {
	var lvl slog.Level
	switch level {
	case kfake.LogLevelError:
		lvl = slog.LevelError
	case kfake.LogLevelWarn:
		lvl = slog.LevelWarn
	case kfake.LogLevelInfo, kfake.LogLevelDebug:
		lvl = slog.LevelDebug
	default:
		return
	}
	if !l.log.Enabled(context.Background(), lvl) {
		return
	}
	l.log.Log(context.Background(), lvl, "kfake: "+fmt.Sprintf(format, args...))
}
