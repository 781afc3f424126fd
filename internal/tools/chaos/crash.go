package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"text/tabwriter"
	"time"
)

// kill is one kill of the crash scenario.
type kill struct {
	At       time.Duration // since the first file was dropped
	Delay    time.Duration // from the hub's readiness
	Doing    string        // what the hub was doing
	Stored   int           // orders in the store right after the kill
	Files    int           // files done in the ledger
	Leases   int           // leases of the killed hub ended
	Recovery time.Duration // from the restart to /readyz
}

// crashScenario kills the hub o.kills times during the ingest.
func crashScenario(ctx context.Context, o options, bins binaries, progress io.Writer) *report {
	rep := &report{Scenario: "crash"}
	r, err := setup(ctx, o, "crash", 1, bins, progress)
	defer r.teardown()
	if err != nil {
		rep.Problems = append(rep.Problems, "setup: "+err.Error())
		return rep
	}
	rng := rand.New(rand.NewPCG(o.seed, 0xc0ffee))
	start := time.Now()
	// Each run of the hub gets its share of the files, dropped as soon as
	// it is ready, so that every kill finds work in progress.
	files := r.shuffled()
	share := func(i int) []file { return files[i*len(files)/(o.kills+1) : (i+1)*len(files)/(o.kills+1)] }
	r.drop(ctx, share(0), 50*time.Millisecond)
	stalls := r.watchStalls(ctx)
	var kills []kill
	early := false
	for len(kills) < o.kills && ctx.Err() == nil {
		delay := o.minDelay + time.Duration(rng.Int64N(int64(o.maxDelay-o.minDelay)+1))
		k, done, err := r.killAfter(ctx, delay, start)
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			return rep
		}
		if done {
			early = true
			break
		}
		kills = append(kills, k)
		r.logf("kill %d at %.1f s (%s after ready): %s; %d orders stored, %d files done; %d leases ended; ready again in %.1f s",
			len(kills), k.At.Seconds(), k.Delay.Round(time.Millisecond), k.Doing, k.Stored, k.Files, k.Leases, k.Recovery.Seconds())
		r.drop(ctx, share(len(kills)), 50*time.Millisecond)
	}
	took, problems := r.quiesce(ctx, o.timeout)
	rep.Problems = append(rep.Problems, problems...)
	total := time.Since(start)
	longest := stalls()

	rep.addf("dataset: %d orders, %d lines, %d files of %d partners; seed %d", r.ds.Orders, r.ds.Total, len(r.ds.Files), len(partners), o.seed)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kill\tat s\tdelay s\tin progress\torders stored\tfiles done\tleases ended\tready again s\t")
	for i, k := range kills {
		fmt.Fprintf(tw, "%d\t%.1f\t%.2f\t%s\t%d\t%d\t%d\t%.1f\t\n", i+1, k.At.Seconds(), k.Delay.Seconds(), k.Doing, k.Stored, k.Files, k.Leases, k.Recovery.Seconds())
	}
	tw.Flush()
	rep.Lines = append(rep.Lines, strings.TrimRight(b.String(), "\n"))
	if early {
		rep.addf("the ingest was complete after %d of %d kills; no more kills", len(kills), o.kills)
	}
	rep.Faults = len(kills)
	rep.addf("longest time the store did not grow while orders were missing: %.1f s (a kill, %s down, the restart, the group join)", longest.Seconds(), o.restartDelay)
	if longest > 2*(o.restartDelay+o.maxDelay)+30*time.Second {
		rep.addf("WARNING: the ingest stalled for %.1f s: look for consumers stuck joining their group in the hub's log (see the package doc)", longest.Seconds())
	}
	rep.addf("a killed hub was restarted after %s", o.restartDelay)
	rep.addf("kills: %d; quiescent %.1f s after the last restart; %.1f s in all", len(kills), took.Seconds(), total.Seconds())
	if !o.fastLease {
		rep.addf("leases of killed hubs ran out by themselves (-fast-lease=false)")
	}
	c, _ := r.db.counts(ctx)
	rep.WantOrders, rep.WantLines, rep.StoredOrders, rep.StoredLines = r.ds.Orders, r.ds.Total, c.Orders, c.Lines
	rep.addf("store: %d of %d orders, %d of %d lines; ledger %d rows, %d done", c.Orders, r.ds.Orders, c.Lines, r.ds.Total, c.Ledger, c.FilesDone)
	rep.Problems = append(rep.Problems, r.verify(ctx)...)
	if len(rep.Problems) > 0 {
		rep.addf("hub log: %s", r.hubLog)
	}
	return rep
}

// killAfter waits delay after the hub is ready while sampling its
// metrics, kills it, records what it was doing, ends its leases (with
// -fast-lease) and restarts it. done means the ingest was complete before
// the delay was up: nothing was killed.
func (r *run) killAfter(ctx context.Context, delay time.Duration, start time.Time) (k kill, done bool, err error) {
	k.Delay = delay
	killAt := time.Now().Add(delay)
	type timed struct {
		at time.Time
		m  samples
	}
	var history []timed // the hub's metrics every 100 ms
	for time.Now().Before(killAt) {
		select {
		case <-ctx.Done():
			return k, false, ctx.Err()
		case <-time.After(min(100*time.Millisecond, time.Until(killAt))):
		}
		if m := r.hub.metrics(ctx); m != nil {
			history = append(history, timed{time.Now(), m})
		}
		if left, _ := r.inboxLeft(); left == 0 {
			if c, err := r.db.counts(ctx); err == nil && c.Orders == r.ds.Orders && c.FilesDone == len(r.ds.Files) {
				return k, true, nil
			}
		}
	}
	cur := r.hub.metrics(ctx)
	var prev samples // the latest sample at least 150 ms before the kill
	for _, h := range history {
		if time.Since(h.at) >= 150*time.Millisecond {
			prev = h.m
		}
	}
	r.hub.kill()
	k.At = time.Since(start)
	c, err := r.db.counts(ctx)
	if err != nil {
		return k, false, fmt.Errorf("count after kill: %w", err)
	}
	k.Stored, k.Files = c.Orders, c.FilesDone
	var processing int
	_ = r.db.pool.QueryRow(ctx, "SELECT count(*) FROM file_ledger WHERE status = 'processing'").Scan(&processing)
	k.Doing = activity(prev, cur, processing)
	if r.o.fastLease {
		if k.Leases, err = r.db.expireLeases(ctx); err != nil {
			return k, false, err
		}
	}
	time.Sleep(r.o.restartDelay)
	if k.Recovery, err = r.startHub(ctx); err != nil {
		return k, false, err
	}
	return k, false, nil
}

// activity names the stages whose counters moved between two samples of
// the hub's metrics (~200 ms apart), and the files it had claimed.
func activity(prev, cur samples, processing int) string {
	if cur == nil || prev == nil {
		return fmt.Sprintf("starting (%d file(s) claimed)", processing)
	}
	d := func(name string, labels ...string) bool { return cur.Sum(name, labels...) > prev.Sum(name, labels...) }
	var s []string
	if d("procurehub_records_total") {
		s = append(s, "parse")
	}
	if d("procurehub_messages_published_total") {
		s = append(s, "publish")
	}
	if d("procurehub_messages_consumed_total") {
		s = append(s, "consume")
	}
	if d("procurehub_store_orders_total") {
		s = append(s, "store write")
	}
	if d("procurehub_inputs_total") || d("procurehub_settle_failures_total") {
		s = append(s, "archive")
	}
	switch {
	case len(s) == 0 && processing > 0:
		s = append(s, "read/hash")
	case len(s) == 0:
		s = append(s, "idle")
	}
	if processing > 0 {
		return fmt.Sprintf("%s (%d file(s) claimed)", strings.Join(s, "+"), processing)
	}
	return strings.Join(s, "+")
}

// watchStalls counts the stored orders every 250 ms until the returned
// function is called, which returns the longest time the count did not
// grow while orders were missing.
func (r *run) watchStalls(ctx context.Context) func() time.Duration {
	stop := make(chan struct{})
	result := make(chan time.Duration, 1)
	go func() {
		var longest time.Duration
		last, since := -1, time.Now()
		for {
			select {
			case <-stop:
				result <- longest
				return
			case <-ctx.Done():
				result <- longest
				return
			case <-time.After(250 * time.Millisecond):
			}
			c, err := r.db.counts(ctx)
			switch {
			case err != nil:
			case c.Orders != last:
				last, since = c.Orders, time.Now()
			case c.Orders < r.ds.Orders:
				longest = max(longest, time.Since(since))
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		return <-result
	}
}
