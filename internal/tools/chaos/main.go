// Command chaos is procurehub's crash and outage test (`make chaos`): does
// the hub lose or double anything when it is killed, or when the broker or
// PostgreSQL goes away, in the middle of an ingest? And do several hubs
// share the work, and take over the work of one that dies?
//
//	go run ./internal/tools/chaos -orders 100000 -kills 20
//	go run ./internal/tools/chaos -scenario broker-outage -outage 20s
//	go run ./internal/tools/chaos -scenario instances -orders 20000
//
// For each scenario it generates a dataset (three partners, each with its
// own export format and mapping, -files CSV exports each, -orders orders of
// 1–5 lines in all, deterministic by -seed), creates a fresh schema in the
// PostgreSQL database of -dsn, builds cmd/procurehub and
// internal/tools/brokerd once, and starts brokerd (the embedded broker as a
// process of its own, with a data dir) and `procurehub run --config FILE`
// (the store in the schema, migrated on start; the partners' inboxes local
// directories; broker, pipeline and runtime settings of
// configs/production.yaml). Then:
//
//   - crash: each run of the hub gets its share of the files (two files
//     per run at least), dropped into the inboxes once it is ready; the hub is
//     killed with SIGKILL after a random delay (-min-delay … -max-delay,
//     from -seed), -kills times, and started again after -restart-delay.
//     For each kill it records what the hub was doing (the stages whose
//     /metrics counters moved in the last ~200 ms, and the files it had
//     claimed in the ledger) and how many orders were stored;
//   - broker-outage: drops half of the files (one every -drop-every), kills
//     brokerd (-broker-signal) once a quarter of the orders is stored, drops
//     the other half during the outage, starts brokerd again after -outage
//     on the same data dir and port, and measures how long until the store
//     grows again (at most 30 s); it reports /readyz, the counters that
//     moved and the hub's warnings during the outage;
//   - postgres-outage: the same with `pg_ctlcluster 15 main stop -m fast`,
//     start after -pg-outage (needs root; never run by `go test`, since
//     other test packages share that server);
//   - instances: three hubs instead of one (the same config, each with its
//     own --http-addr; pipeline.lease_ttl 10s, job_lease_ttl 9s and the
//     warnings job on) share brokerd, the schema and the inboxes, with at
//     least 6 partitions per topic. It drops half of the files (one every
//     -drop-every) and samples every hub's /metrics every ~250 ms: the
//     orders each consumed (procurehub_messages_consumed_total of
//     store_orders; at least two must have consumed some) and the job
//     leases each holds (procurehub_lease_held). Once a quarter of the
//     orders is stored it kills the hub holding the most poll/ leases with
//     SIGKILL (while it has a file claimed, if that comes within 5 s; for
//     good, and without -fast-lease: the short leases run out by
//     themselves), drops the other half, and measures how long until
//     another hub holds each of the killed hub's leases and has claimed
//     again each file it had claimed (at most 60 s). A
//     lease that two hubs say they hold in two consecutive samples is a
//     fault; in one sample only it is a transition (the three /metrics are
//     fetched at once, not at one instant, and a holder learns that it lost
//     a lease only at its next renewal), reported but tolerated.
//
// Each scenario then waits until the hub is quiescent and checks that the
// store holds exactly the dataset (every order once with its line count,
// no new version, no line without its order), that the ledger has one row
// per file with status done, and that every file was archived exactly once
// (none left in an inbox or quarantine). It prints a report per scenario
// and exits 1 when anything was lost or doubled.
//
// Two waits of the hub after a crash are shortened or kept on purpose:
//
//   - A killed hub's leases (its files in the ledger, its sources' poll
//     leases) run out after the hub config's pipeline.lease_ttl (10 s) and
//     job_lease_ttl (9 s), before the restart; -fast-lease ends them at
//     once after each kill instead, for a faster run.
//   - A hub restarted at once finds the dead hub's members still in its
//     consumer groups (one per topic): each group waits up to the hub's
//     10 s rebalance timeout for them, and kills in quick succession add
//     up. -restart-delay (default 11 s) keeps a killed hub down until the
//     broker has dropped them; -restart-delay 0 shows the wait.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// defaultDSN is the local test database `sh .ci/services.sh` creates.
const defaultDSN = "postgres://procurehub:procurehub@127.0.0.1:5432/procurehub?sslmode=disable"

// options are the command-line flags.
type options struct {
	scenario             string
	orders, files, kills int
	partitions           int
	seed                 uint64
	dsn                  string
	dir                  string
	keep                 bool
	minDelay, maxDelay   time.Duration
	dropEvery            time.Duration
	outage, pgOutage     time.Duration
	brokerSignal         string
	pgCluster            string
	fastLease            bool
	restartDelay         time.Duration
	hubBin               string
	timeout              time.Duration
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "all", "all, crash, broker-outage, postgres-outage or instances")
	fs.IntVar(&o.orders, "orders", 100_000, "orders in the dataset (1–5 lines each)")
	fs.IntVar(&o.files, "files", 4, "CSV exports per partner (3 partners); crash makes at least two per run of the hub")
	fs.IntVar(&o.kills, "kills", 20, "crash: how often the hub is killed")
	fs.IntVar(&o.partitions, "partitions", 12, "partitions of the broker's topics (instances: at least 6)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the dataset, the drop order and the kill delays")
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL `DSN` (default $PROCUREHUB_TEST_POSTGRES_DSN, else the local test database); a schema is created in it per scenario")
	fs.StringVar(&o.dir, "dir", "", "where work directories are made (default the system's temporary directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directories (logs, inboxes, broker data) and the schemas")
	fs.DurationVar(&o.minDelay, "min-delay", 200*time.Millisecond, "crash: shortest time from the hub's readiness to its kill")
	fs.DurationVar(&o.maxDelay, "max-delay", 1500*time.Millisecond, "crash: longest time from the hub's readiness to its kill")
	fs.DurationVar(&o.dropEvery, "drop-every", 500*time.Millisecond, "outages, instances: time between two files dropped into the inboxes (crash drops each run's files at once)")
	fs.DurationVar(&o.outage, "outage", 20*time.Second, "broker-outage: how long the broker is down")
	fs.DurationVar(&o.pgOutage, "pg-outage", 10*time.Second, "postgres-outage: how long PostgreSQL is down")
	fs.StringVar(&o.brokerSignal, "broker-signal", "kill", "broker-outage: how brokerd is stopped: kill (SIGKILL) or term (SIGTERM)")
	fs.StringVar(&o.pgCluster, "pg-cluster", "15 main", "postgres-outage: `version name` of the cluster for pg_ctlcluster")
	fs.BoolVar(&o.fastLease, "fast-lease", false, "crash: end a killed hub's leases at once instead of letting them run out (lease_ttl 10s)")
	fs.DurationVar(&o.restartDelay, "restart-delay", 11*time.Second, "crash: how long a killed hub stays down before it is restarted; "+
		"above the hub's consumer session timeout (10 s), so that the broker has dropped the dead hub's group members (see the package doc)")
	fs.StringVar(&o.hubBin, "hub", "", "a procurehub `binary` to test instead of building ./cmd/procurehub")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long a scenario may take to become quiescent after its last fault")
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
	case !slices.Contains([]string{"all", "crash", "broker-outage", "postgres-outage", "instances"}, o.scenario):
		return o, fmt.Errorf("-scenario %q: not all, crash, broker-outage, postgres-outage or instances", o.scenario)
	case o.orders < len(partners)*max(o.files, 2*(o.kills+1)) || o.files < 1:
		return o, fmt.Errorf("-orders %d, -files %d, -kills %d: need at least one order per file", o.orders, o.files, o.kills)
	case o.kills < 0 || o.minDelay <= 0 || o.maxDelay < o.minDelay:
		return o, errors.New("-kills must not be negative, 0 < -min-delay <= -max-delay")
	case o.brokerSignal != "kill" && o.brokerSignal != "term":
		return o, fmt.Errorf("-broker-signal %q: not kill or term", o.brokerSignal)
	}
	return o, nil
}

// report is what a scenario prints; Problems empty means it passed.
type report struct {
	Scenario string
	Lines    []string // the figures, printed as they are
	Problems []string
	Skipped  string

	Faults                    int // kills or outages done
	WantOrders, WantLines     int // in the dataset
	StoredOrders, StoredLines int // in the store at the end
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n=== %s ===\n", r.Scenario)
	if r.Skipped != "" {
		fmt.Fprintf(w, "SKIPPED: %s\n", r.Skipped)
		return
	}
	for _, l := range r.Lines {
		fmt.Fprintln(w, l)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "VERDICT: PASS — nothing lost, nothing doubled")
		return
	}
	fmt.Fprintf(w, "VERDICT: FAIL — %d problem(s):\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

func (r *report) addf(format string, args ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "chaos:", err)
		}
		return 2
	}
	binDir, err := os.MkdirTemp(o.dir, "chaos-bin-")
	if err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	fmt.Fprintln(stderr, "building cmd/procurehub and internal/tools/brokerd ...")
	var bins binaries
	if bins.hub, bins.broker, err = build(ctx, binDir, o.hubBin == ""); err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	if o.hubBin != "" {
		bins.hub = o.hubBin
	}
	var reports []*report
	for _, s := range []struct {
		name string
		fn   func(context.Context, options, binaries, io.Writer) *report
	}{{"crash", crashScenario}, {"broker-outage", brokerOutage}, {"postgres-outage", postgresOutage}, {"instances", instancesScenario}} {
		if o.scenario == "all" || o.scenario == s.name {
			rep := s.fn(ctx, o, bins, stderr)
			rep.print(stdout)
			reports = append(reports, rep)
		}
	}
	code := 0
	fmt.Fprintln(stdout, "\n=== summary ===")
	for _, r := range reports {
		verdict := "PASS"
		switch {
		case r.Skipped != "":
			verdict = "SKIPPED"
		case len(r.Problems) > 0:
			verdict, code = "FAIL", 1
		}
		fmt.Fprintf(stdout, "%-16s %s\n", r.Scenario, verdict)
	}
	return code
}

func newHTTPClient() *http.Client { return &http.Client{Timeout: 5 * time.Second} }
