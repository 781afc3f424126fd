package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"
)

// resumeLimit is how soon after a service returns the store must grow again.
const resumeLimit = 30 * time.Second

// brokerOutage stops brokerd in the middle of the ingest and starts it
// again after o.outage on the same data dir and port.
func brokerOutage(ctx context.Context, o options, bins binaries, progress io.Writer) *report {
	sig := "SIGKILL"
	if o.brokerSignal == "term" {
		sig = "SIGTERM"
	}
	var r *run
	return outageScenario(ctx, o, bins, progress, "broker-outage", "brokerd ("+sig+")", o.outage, &r,
		func() error {
			if o.brokerSignal == "term" {
				return r.broker.stop(30 * time.Second)
			}
			r.broker.kill()
			return nil
		},
		func() error { return r.startBroker(ctx) })
}

// postgresOutage stops the PostgreSQL cluster in the middle of the ingest
// and starts it again after o.pgOutage. It needs root; other users of the
// server see the outage too.
func postgresOutage(ctx context.Context, o options, bins binaries, progress io.Writer) *report {
	if os.Geteuid() != 0 {
		return &report{Scenario: "postgres-outage", Skipped: "needs root to stop and start the cluster with pg_ctlcluster"}
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return &report{Scenario: "postgres-outage", Skipped: "no pg_ctlcluster: " + err.Error()}
	}
	cluster := strings.Fields(o.pgCluster)
	ctl := func(action string, extra ...string) error {
		args := append(append(append([]string{}, cluster...), action), extra...)
		out, err := exec.CommandContext(ctx, "pg_ctlcluster", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctlcluster %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	var r *run // the hooks need nothing of the run
	return outageScenario(ctx, o, bins, progress, "postgres-outage", "PostgreSQL (pg_ctlcluster "+o.pgCluster+" stop -m fast)", o.pgOutage, &r,
		func() error { return ctl("stop", "-m", "fast") },
		func() error { return ctl("start") })
}

// outageScenario drops half of the files, takes the service down (down)
// once a quarter of the orders is stored, drops the other half during the
// outage, brings it back (up) after d, and checks that the store grows
// again within resumeLimit and holds exactly the dataset in the end. *rp
// is set to the run before down and up are called.
func outageScenario(ctx context.Context, o options, bins binaries, progress io.Writer, name, what string, d time.Duration,
	rp **run, down, up func() error) *report {
	rep := &report{Scenario: name}
	r, err := setup(ctx, o, name, 1, bins, progress)
	*rp = r
	defer r.teardown()
	if err != nil {
		rep.Problems = append(rep.Problems, "setup: "+err.Error())
		return rep
	}
	files := r.shuffled()
	half := len(files) / 2
	start := time.Now()
	r.drop(ctx, files[:half], o.dropEvery)

	// Mid-ingest: a quarter of the orders stored.
	var c0 counts
	for c0.Orders < r.ds.Orders/4 {
		if time.Since(start) > o.timeout || ctx.Err() != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("a quarter of the orders not stored after %s", o.timeout))
			return rep
		}
		time.Sleep(100 * time.Millisecond)
		c0, _ = r.db.counts(ctx)
	}
	m0 := r.hub.metrics(ctx)
	logFrom := fileSize(r.hubLog)
	cDown, _ := r.db.counts(ctx)
	if err := down(); err != nil {
		rep.Problems = append(rep.Problems, "take down: "+err.Error())
		return rep
	}
	downAt := time.Now()
	rep.Faults++
	r.logf("%s down at %.1f s: %d orders stored", what, downAt.Sub(start).Seconds(), cDown.Orders)
	r.drop(ctx, files[half:], min(o.dropEvery, d/time.Duration(len(files)-half+1)))

	// During the outage: what /readyz and /metrics say.
	ready := map[string]int{}
	var mOut samples
	for time.Since(downAt) < d {
		time.Sleep(500 * time.Millisecond)
		code, body, err := r.hub.get(ctx, "/readyz")
		switch {
		case err != nil:
			ready["no answer"]++
		default:
			ready[shorten(fmt.Sprintf("%d %s", code, strings.Join(strings.Fields(string(body)), " ")), 160)]++
		}
		if m := r.hub.metrics(ctx); m != nil {
			mOut = m
		}
	}
	if r.hub.exited() {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the hub exited during the outage: %v", r.hub.waitErr))
	}
	during := "unknown (the store is down)"
	if c, err := r.db.counts(ctx); err == nil {
		during = fmt.Sprintf("%d (%d written during the outage)", c.Orders, c.Orders-cDown.Orders)
	}
	upAt := time.Now() // the restart: the figures below include the service's start
	if err := up(); err != nil {
		rep.Problems = append(rep.Problems, "bring back: "+err.Error())
		return rep
	}
	r.logf("%s started again in %.1f s", what, time.Since(upAt).Seconds())
	logTo := fileSize(r.hubLog)
	cUp, err := r.db.counts(ctx)
	for err != nil && time.Since(upAt) < resumeLimit {
		time.Sleep(100 * time.Millisecond)
		cUp, err = r.db.counts(ctx)
	}
	if err != nil {
		rep.Problems = append(rep.Problems, "count after the outage: "+err.Error())
	}
	r.logf("%s restarted %.1f s after it went down: %d orders stored at the first count after", what, upAt.Sub(downAt).Seconds(), cUp.Orders)

	// Resumed: the store grows again.
	var resumed time.Duration
	if err == nil && cUp.Orders >= r.ds.Orders {
		// What waited for the service was written before the first count.
		resumed = max(time.Since(upAt), time.Millisecond)
	}
	for resumed == 0 && time.Since(upAt) < o.timeout && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		if c, err := r.db.counts(ctx); err == nil && c.Orders > cUp.Orders {
			resumed = time.Since(upAt)
		}
	}
	took, problems := r.quiesce(ctx, o.timeout)
	rep.Problems = append(rep.Problems, problems...)

	rep.addf("dataset: %d orders, %d lines, %d files of %d partners; seed %d", r.ds.Orders, r.ds.Total, len(r.ds.Files), len(partners), o.seed)
	rep.addf("%s down at %.1f s, restarted %.1f s later; %d files dropped before, %d during the outage", what, downAt.Sub(start).Seconds(), upAt.Sub(downAt).Seconds(), half, len(files)-half)
	rep.addf("orders stored: %d when it went down, %s at its end, %d at the first count after the restart", cDown.Orders, during, cUp.Orders)
	switch {
	case resumed == 0:
		rep.Problems = append(rep.Problems, "the store did not grow again after the outage")
	case resumed > resumeLimit:
		rep.Problems = append(rep.Problems, fmt.Sprintf("the store grew again only %.1f s after the restart (limit %s)", resumed.Seconds(), resumeLimit))
		fallthrough
	default:
		rep.addf("ingest resumed: the store grew again within %.1f s of the restart command (limit %s)", resumed.Seconds(), resumeLimit)
	}
	rep.addf("quiescent %.1f s after that count", took.Seconds())
	var rs []string
	for k, n := range ready {
		rs = append(rs, fmt.Sprintf("%q ×%d", k, n))
	}
	sort.Strings(rs)
	rep.addf("/readyz during the outage: %s", strings.Join(rs, ", "))
	rep.addf("metrics that moved during the outage (counters, before → at its end):")
	changed := metricChanges(m0, mOut)
	if len(changed) == 0 {
		rep.addf("  none of the error, failure, retry or poison counters")
	}
	for _, l := range changed {
		rep.addf("  %s", l)
	}
	rep.addf("hub log during the outage: %s", logSummary(r.hubLog, logFrom, logTo))
	c, _ := r.db.counts(ctx)
	rep.WantOrders, rep.WantLines, rep.StoredOrders, rep.StoredLines = r.ds.Orders, r.ds.Total, c.Orders, c.Lines
	rep.addf("store: %d of %d orders, %d of %d lines; ledger %d rows, %d done", c.Orders, r.ds.Orders, c.Lines, r.ds.Total, c.Ledger, c.FilesDone)
	rep.Problems = append(rep.Problems, r.verify(ctx)...)
	if len(rep.Problems) > 0 {
		rep.addf("hub log: %s", r.hubLog)
	}
	return rep
}

// errorish picks the series worth reporting from an outage: errors,
// failures, retries, poison, rejects, and what was published and consumed.
var errorish = regexp.MustCompile(`error|fail|retr|poison|reject|published|consumed`)

// metricChanges lists the errorish series whose value changed from a to b.
func metricChanges(a, b samples) []string {
	before := map[string]float64{}
	for _, s := range a {
		before[s.Series] = s.Value
	}
	var out []string
	for _, s := range b {
		if strings.HasSuffix(s.Name, "_bucket") || strings.HasSuffix(s.Name, "_sum") || strings.HasSuffix(s.Name, "_count") {
			continue
		}
		if v := before[s.Series]; v != s.Value && errorish.MatchString(s.Series) {
			out = append(out, fmt.Sprintf("%s: %g → %g", s.Series, v, s.Value))
		}
	}
	return out
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

var digits = regexp.MustCompile(`[0-9]+`)

// shorten cuts s to n bytes.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var logMsg = regexp.MustCompile(`msg="([^"]*)"|msg=(\S+)|"msg":"([^"]*)"`)

// logSummary counts the warnings and errors the log got between two
// offsets and names their distinct messages.
func logSummary(path string, from, to int64) string {
	b, err := os.ReadFile(path)
	if err != nil || from > to || to > int64(len(b)) {
		return "unreadable"
	}
	counts := map[string]int{}
	var warn, errs int
	for _, line := range strings.Split(string(b[from:to]), "\n") {
		isErr := strings.Contains(line, "level=ERROR") || strings.Contains(line, `"level":"ERROR"`)
		isWarn := strings.Contains(line, "level=WARN") || strings.Contains(line, `"level":"WARN"`)
		if !isErr && !isWarn {
			continue
		}
		if isErr {
			errs++
		} else {
			warn++
		}
		if m := logMsg.FindStringSubmatch(line); m != nil {
			counts[shorten(digits.ReplaceAllString(m[1]+m[2]+m[3], "N"), 110)]++
		}
	}
	var msgs []string
	for m, n := range counts {
		msgs = append(msgs, fmt.Sprintf("%q ×%d", m, n))
	}
	sort.Strings(msgs)
	return fmt.Sprintf("%d errors, %d warnings: %s", errs, warn, strings.Join(msgs, "; "))
}
