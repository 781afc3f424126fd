// Command benche2e is procurehub's end-to-end benchmark (`make bench-e2e`):
// how fast does an ERP export go from a file in a partner's inbox to rows in
// PostgreSQL, compared with loading the same file with psql's \copy?
//
//	go run ./internal/tools/benche2e -lines 1000000
//
// In one run it:
//
//  1. generates a CSV export of -lines order lines (-per-order lines to an
//     order) and its erp_export mapping in a temporary directory, streamed;
//  2. creates a fresh schema in the PostgreSQL database of -dsn and loads the
//     CSV with `psql \copy` into a typed table of every CSV column, keyed on
//     (order number, line number) like order_lines, timing it;
//  3. builds cmd/procurehub and runs `procurehub run --config FILE` as a
//     child: embedded broker and HTTP on free loopback ports, the store in
//     the run's schema (migrated on start), one erp_export partner with
//     settle_time 0s; once /readyz answers it moves the CSV into the inbox
//     and times until `SELECT count(*) FROM order_lines` reaches -lines
//     (every -poll; with -gate, the default, only once the hub's metrics say
//     every order is written: see waitForLines); it then reads the child's
//     peak RSS (VmHWM) and its /metrics, and stops it with SIGTERM;
//  4. prints lines/s of both, their ratio (target ≥ 0.33) and the hub's
//     peak RSS (target ≤ 256 MiB) with PASS or MISS: a report, not a test.
//
// It exits 1 when something broke: the store did not reach -lines within
// -timeout, a count differs, a row was rejected or a message poisoned. A
// MISS alone exits 0.
//
// To explain a figure the report also gives: when the last order was
// published and written (which stage held the load up), the CPU seconds of
// the hub, of PostgreSQL and of every other process during each load (the
// build machines are shared: "others" says how noisy a run was), the
// write-ahead log and table sizes PostgreSQL wrote, and the store's batches.
//
// To try a change without editing the hub: -sql runs SQL in the run's schema
// after the hub migrated it (ALTER TABLE ...); -partitions, -max-in-flight,
// -store-batch and -publish-batch set the hub's config; parameters added to
// -dsn become session settings of the hub's connections (e.g.
// &default_toast_compression=lz4); the hub inherits the environment
// (GOGC=..., GOMEMLIMIT=...).
//
// With -profile DIR the child is this program in hub mode (the same app.Run
// as the binary) writing a CPU profile of the measured interval and heap
// profiles into DIR; see runHubMode. Profiles cost a little speed: compare
// figures from runs without it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/procurehub/procurehub/internal/tools/internal/toolkit"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == hubModeArg {
		os.Exit(runHubMode(os.Args[2:], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// defaultDSN is the local test database `sh .ci/services.sh` creates.
const defaultDSN = "postgres://procurehub:procurehub@127.0.0.1:5432/procurehub?sslmode=disable"

// options are the command-line flags.
type options struct {
	lines, perOrder int
	dsn             string
	timeout         time.Duration // for the store to reach lines
	poll            time.Duration
	dir             string // parent of the work directory; "" for the system's temporary directory
	keep            bool   // keep the work directory and the schema
	profile         string // profile directory; "" for none
	seed            uint64
	gate            bool          // count order_lines only once the hub's metrics say every order is written
	every           time.Duration // progress report interval
	sql             string        // run in the run's schema after the hub migrated it
	tune            hubConfig     // only its tuning fields
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("benche2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.lines, "lines", 1_000_000, "order lines in the generated export")
	fs.IntVar(&o.perOrder, "per-order", 10, "lines per order (the last order may have fewer)")
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL `DSN` (default $PROCUREHUB_TEST_POSTGRES_DSN, else the local test database); a schema is created in it for the run")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "how long the store may take to hold every line")
	fs.DurationVar(&o.poll, "poll", 100*time.Millisecond, "how often order_lines is counted (and the hub's inbox listed)")
	fs.StringVar(&o.dir, "dir", "", "where the run's work directory is made (default the system's temporary directory); it is removed at the end unless -keep")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory and the PostgreSQL schema")
	fs.StringVar(&o.profile, "profile", "", "run the hub in-process in a child of this program and write CPU and heap profiles into `DIR`")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated data")
	fs.DurationVar(&o.every, "progress", 5*time.Second, "how often progress (with CPU use) is printed while the hub loads")
	fs.StringVar(&o.sql, "sql", "", "`SQL` run in the run's schema once the hub has migrated it, before the load (to try a schema change)")
	fs.IntVar(&o.tune.Partitions, "partitions", 0, "broker.partitions of the hub (0: its default)")
	fs.IntVar(&o.tune.MaxInFlight, "max-in-flight", 0, "broker.max_in_flight of the hub (0: its default)")
	fs.IntVar(&o.tune.StoreBatchSize, "store-batch", 0, "pipeline.store_batch_size of the hub (0: its default)")
	fs.IntVar(&o.tune.StoreWriters, "store-writers", 0, "pipeline.store_writers of the hub (0: its default)")
	fs.IntVar(&o.tune.PublishBatch, "publish-batch", 0, "pipeline.publish_batch of the hub (0: its default)")
	fs.IntVar(&o.tune.GCPercent, "gc-percent", 400, "runtime.gc_percent of the hub, as configs/production.yaml sets it (0: Go's default, 100)")
	fs.StringVar(&o.tune.MemoryLimit, "memory-limit", "220MiB", "runtime.memory_limit of the hub, as configs/production.yaml sets it (\"\": none)")
	fs.BoolVar(&o.gate, "gate", true, "read the hub's /metrics on each poll and count order_lines only once every order is written (false: count on every poll, which costs PostgreSQL CPU)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.dsn == "" {
		o.dsn = os.Getenv("PROCUREHUB_TEST_POSTGRES_DSN")
	}
	if o.dsn == "" {
		o.dsn = defaultDSN
	}
	switch {
	case o.lines <= 0:
		return o, fmt.Errorf("-lines %d: must be above zero", o.lines)
	case o.perOrder <= 0:
		return o, fmt.Errorf("-per-order %d: must be above zero", o.perOrder)
	case o.timeout <= 0 || o.poll <= 0 || o.every <= 0:
		return o, errors.New("-timeout, -poll and -progress must be above zero")
	}
	return o, nil
}

// run is the benchmark; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "benche2e:", err)
		}
		return 2
	}
	res, err := bench(ctx, o, stderr)
	if res != nil {
		res.print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "benche2e:", err)
		return 1
	}
	if len(res.Problems) > 0 {
		fmt.Fprintln(stderr, "benche2e: the run is not valid; see the problems above")
		return 1
	}
	return 0
}

// bench does one run. A nil error with a result means the run completed;
// its Problems say whether its checks held.
func bench(ctx context.Context, o options, progress io.Writer) (res *result, err error) {
	dir, err := os.MkdirTemp(o.dir, "benche2e-")
	if err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	if o.keep {
		fmt.Fprintf(progress, "work dir %s (kept)\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	r := &benchRun{o: o, dir: dir, progress: progress, res: &result{Dir: dir, PollInterval: o.poll, GCPercent: o.tune.GCPercent, MemoryLimit: o.tune.MemoryLimit}}

	csvPath := filepath.Join(dir, "orders.csv")
	if err := writeExport(csvPath, o, r.res); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "generated %s lines (%s orders, %.1f MiB) in %.1f s\n",
		thousands(r.res.Lines), thousands(r.res.Orders), mib(r.res.CSVBytes), r.res.GenTime.Seconds())
	argv, err := hubCommand(ctx, o, dir)
	if err != nil {
		return nil, err
	}

	schema := fmt.Sprintf("benche2e_%s_%d", time.Now().UTC().Format("20060102_150405"), os.Getpid())
	if r.d, err = openDB(ctx, o.dsn, schema); err != nil {
		return nil, err
	}
	r.res.Schema = schema
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		err = errors.Join(err, r.d.close(cctx, o.keep))
	}()
	if o.keep {
		fmt.Fprintf(progress, "schema %s (kept)\n", schema)
	}

	if err := r.copyPhase(ctx, csvPath); err != nil {
		return nil, err
	}
	if err := r.hubPhase(ctx, csvPath, argv); err != nil {
		return nil, err
	}
	if err := r.storeFigures(ctx); err != nil {
		return nil, err
	}
	r.res.check()
	return r.res, nil
}

// benchRun is one run under way: what bench set up, and the result the
// phases fill in.
type benchRun struct {
	o        options
	dir      string
	d        *db
	res      *result
	progress io.Writer
}

// copyPhase loads the export with psql \copy. A checkpoint before and
// after keeps one phase's write-back out of the other phase's time.
func (r *benchRun) copyPhase(ctx context.Context, csvPath string) error {
	if err := r.d.checkpoint(ctx); err != nil {
		return err
	}
	fmt.Fprintln(r.progress, "psql \\copy ...")
	wal, err := r.d.walPosition(ctx)
	if err != nil {
		return err
	}
	cpuStart, err := sampleCPU(0)
	if err != nil {
		return err
	}
	if r.res.Copy, err = r.d.copyCSV(ctx, csvPath); err != nil {
		return err
	}
	cpuEnd, err := sampleCPU(0)
	if err != nil {
		return err
	}
	r.res.CopyCPU = cpuEnd.sub(cpuStart)
	if r.res.CopyWAL, err = r.d.walSince(ctx, wal); err != nil {
		return err
	}
	fmt.Fprintf(r.progress, "psql \\copy: %s rows in %.2f s\n", thousands(r.res.Copy.Rows), r.res.Copy.Took.Seconds())
	return r.d.checkpoint(ctx)
}

// storeFigures reads what the two loads left in PostgreSQL.
func (r *benchRun) storeFigures(ctx context.Context) error {
	r.res.Polls, r.res.PollTime, r.res.PollSlow = r.d.polls, r.d.pollTime, r.d.pollSlow
	for name, size := range map[string]*int64{"copy_lines": &r.res.CopyTableSize, "orders": &r.res.OrdersSize, "order_lines": &r.res.LinesSize} {
		var err error
		if *size, err = r.d.tableSize(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// writeExport generates the CSV at path and records what it holds in res.
func writeExport(path string, o options, res *result) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("export: %w", cerr)
		}
	}()
	start := time.Now()
	st, err := generate(f, o.lines, o.perOrder, o.seed)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	res.Lines, res.Orders, res.CSVBytes, res.GenTime = st.Lines, st.Orders, st.Bytes, time.Since(start)
	return nil
}

// hubCommand returns the command line of the hub under test, minus its
// config: the freshly built binary, or this program in hub mode when
// profiling.
func hubCommand(ctx context.Context, o options, dir string) ([]string, error) {
	if o.profile != "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		prof, err := filepath.Abs(o.profile)
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		if err := os.MkdirAll(prof, 0o755); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		return []string{self, hubModeArg, "-profile-dir", prof, "-config"}, nil
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "procurehub")
	if err := buildHub(ctx, root, bin); err != nil {
		return nil, err
	}
	return []string{bin, "run", "--config"}, nil
}

// hubPhase starts the hub (argv plus its config file), moves the export
// into its inbox once it is ready, and times it until the store holds every
// line; then it reads the hub's memory and metrics and stops it.
func (r *benchRun) hubPhase(ctx context.Context, csvPath string, argv []string) (err error) {
	o, d, res := r.o, r.d, r.res
	cfg := o.tune
	cfg.BrokerAddr = "127.0.0.1:0" // the embedded broker takes a free port and tells the hub
	cfg.BrokerDir = filepath.Join(r.dir, "kafka")
	cfg.Inbox = filepath.Join(r.dir, "inbox")
	cfg.Mapping = filepath.Join(r.dir, "bench.mapping.yaml")
	cfg.PollInterval = o.poll
	if cfg.HTTPAddr, err = toolkit.FreeLoopbackAddr(); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Mapping, []byte(mappingYAML()), 0o644); err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	if err := os.MkdirAll(cfg.Inbox, 0o755); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	cfgPath := filepath.Join(r.dir, "hub.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.YAML()), 0o644); err != nil {
		return fmt.Errorf("hub config: %w", err)
	}
	dsn, err := d.hubDSN()
	if err != nil {
		return err
	}
	h, err := startHub(append(argv, cfgPath), []string{dsnEnv + "=" + dsn}, r.dir, cfg.HTTPAddr, filepath.Join(r.dir, "hub.log"))
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = h.stop(30 * time.Second)
		}
		if err != nil {
			err = fmt.Errorf("%w\nlast lines of the hub's log:\n%s", err, h.logTail(20))
		}
	}()
	if err := h.waitReady(ctx, 2*time.Minute); err != nil {
		return err
	}
	if o.sql != "" {
		if err := d.exec(ctx, o.sql); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.progress, "hub ready (pid %d, http %s); moving the export into the inbox\n", h.cmd.Process.Pid, cfg.HTTPAddr)
	if o.profile != "" {
		if err := h.signal(sigProfileStart); err != nil {
			return err
		}
	}

	wal, err := d.walPosition(ctx)
	if err != nil {
		return err
	}
	cpuStart, err := sampleCPU(h.cmd.Process.Pid)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := os.Rename(csvPath, filepath.Join(cfg.Inbox, "orders.csv")); err != nil {
		return fmt.Errorf("move the export into the inbox: %w", err)
	}
	done, err := waitForLines(ctx, d, h, res.Lines, res.Orders, start, o, &res.Marks, r.progress)
	if err != nil {
		return err
	}
	res.Hub = done.Sub(start)
	cpuEnd, err := sampleCPU(h.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res.HubCPU = cpuEnd.sub(cpuStart)
	if res.HubWAL, err = d.walSince(ctx, wal); err != nil {
		return err
	}
	if o.profile != "" {
		if err := h.signal(sigProfileStop); err != nil {
			return err
		}
	}
	if res.HubMemory, err = memoryOf(h.cmd.Process.Pid); err != nil {
		return err
	}
	if res.Metrics, err = settledMetrics(ctx, h); err != nil {
		return err
	}
	if res.StoredOrders, err = d.rows(ctx, "orders"); err != nil {
		return err
	}
	if res.StoredLines, err = d.rows(ctx, "order_lines"); err != nil {
		return err
	}
	stopped = true
	res.HubStop = h.stop(30 * time.Second)
	return nil
}

// loadMarks are moments of a load, counted from the file's move into the
// inbox, as the hub's /metrics showed them on the poll ticks (±poll). They
// tell which stage held the load up.
type loadMarks struct {
	FirstWritten time.Duration // the store sink wrote its first order
	Published    time.Duration // every order published: decoding and publishing are done
	Written      time.Duration // the store sink has written every order
}

// waitForLines polls until order_lines holds want lines, and returns the
// start of the count(*) that saw them all (its snapshot proves they were
// committed by then). It fails on more lines than want, on timeout, and when
// the hub exits. On each tick it reads the hub's /metrics into marks.
//
// A count(*) of a million-row table costs PostgreSQL up to ~90 ms, taken
// from the 2 cores the hub needs; so with o.gate the counting starts only
// once procurehub_store_orders_total (counted after each commit) says every
// order is written. The count still decides; the gate only spares it.
func waitForLines(ctx context.Context, d *db, h *hubProc, want, orders int, start time.Time, o options,
	marks *loadMarks, progress io.Writer) (time.Time, error) {
	deadline := time.NewTimer(o.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(o.poll)
	defer tick.Stop()
	lastReport := start
	lastCPU, err := sampleCPU(h.cmd.Process.Pid)
	if err != nil {
		return time.Time{}, err
	}
	n, written, counted := 0, 0, false
	status := func() string {
		lines := "order_lines not counted yet"
		if counted {
			lines = fmt.Sprintf("order_lines holds %s of %s lines", thousands(n), thousands(want))
		}
		return fmt.Sprintf("the hub's metrics say %s of %s orders written; %s", thousands(written), thousands(orders), lines)
	}
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("not done after %s: %s", o.timeout, status())
		case <-h.done:
			return time.Time{}, fmt.Errorf("the hub exited (%v): %s", h.waitErr, status())
		case <-tick.C:
		}
		m, err := h.metrics(ctx)
		if err != nil {
			return time.Time{}, err
		}
		since := time.Since(start)
		written = int(m.Sum(metricStored))
		if marks.FirstWritten == 0 && written > 0 {
			marks.FirstWritten = since
		}
		if marks.Published == 0 && int(m.Sum(metricPublished)) >= orders {
			marks.Published = since
		}
		if marks.Written == 0 && written >= orders {
			marks.Written = since
		}
		if !o.gate || written >= orders {
			var at time.Time
			if n, at, err = d.pollLines(ctx); err != nil {
				return time.Time{}, err
			}
			counted = true
			switch {
			case n == want:
				return at, nil
			case n > want:
				return time.Time{}, fmt.Errorf("the store holds %s lines, more than the %s of the export", thousands(n), thousands(want))
			}
		}
		if time.Since(lastReport) >= o.every {
			now := time.Now()
			c, err := sampleCPU(h.cmd.Process.Pid)
			if err != nil {
				return time.Time{}, err
			}
			used, wall := c.sub(lastCPU), now.Sub(lastReport).Seconds()
			fmt.Fprintf(progress, "  %5.1f s: %s of %s orders published, %s written; cores busy: hub %.2f, postgres %.2f, others %.2f\n",
				since.Seconds(), thousands(int(m.Sum(metricPublished))), thousands(orders), thousands(written),
				used.Hub.Seconds()/wall, used.Postgres.Seconds()/wall, max(0, used.Busy-used.Hub-used.Postgres).Seconds()/wall)
			lastReport, lastCPU = now, c
		}
	}
}

// settledMetrics waits (up to 30 s, untimed) for the ingestor to have
// settled the export (procurehub_inputs_total counts it then), and returns
// the hub's metrics.
func settledMetrics(ctx context.Context, h *hubProc) (samples, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		m, err := h.metrics(ctx)
		if err != nil {
			return nil, err
		}
		if m.Sum("procurehub_inputs_total") >= 1 {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return m, nil // the check on the counts will say what is missing
		case <-time.After(100 * time.Millisecond):
		}
	}
}
