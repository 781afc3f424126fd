package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// instanceCount is how many hubs the instances scenario runs.
const instanceCount = 3

// takeoverLimit is how soon after the kill another instance must hold
// each of the killed instance's leases: its job lease (9 s in this
// scenario's config) runs out, and the others try every third of that.
const takeoverLimit = 60 * time.Second

// consumedSeries is what one instance's store handler took from the
// orders topic.
var consumedSeries = []string{`handler="store_orders"`, `result="ok"`}

var leaseLabel = regexp.MustCompile(`lease="([^"]*)"`)

// leaseSnap is one sample of the three hubs' /metrics, fetched at once.
type leaseSnap struct {
	at       time.Time
	answered []bool            // per instance
	held     []map[string]bool // per instance: the leases at 1
	consumed []float64         // per instance: store_orders ok
}

// holders lists the instances (1-based) that held lease in the sample.
func (s leaseSnap) holders(lease string) []int {
	var out []int
	for i, h := range s.held {
		if h[lease] {
			out = append(out, i+1)
		}
	}
	return out
}

// leaseSampler samples the hubs' lease gauges and consumed counters.
type leaseSampler struct {
	hubs []*hub // as the scenario started them; a killed one stops answering

	mu    sync.Mutex
	snaps []leaseSnap
	names map[string]bool // every lease name seen
}

// take fetches every hub's /metrics at once and records the sample.
func (ls *leaseSampler) take(ctx context.Context) leaseSnap {
	n := len(ls.hubs)
	s := leaseSnap{answered: make([]bool, n), held: make([]map[string]bool, n), consumed: make([]float64, n)}
	all := make([]samples, n)
	var wg sync.WaitGroup
	for i, h := range ls.hubs {
		wg.Go(func() { all[i] = h.metrics(ctx) })
	}
	wg.Wait()
	s.at = time.Now()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.names == nil {
		ls.names = map[string]bool{}
	}
	for i, m := range all {
		s.held[i] = map[string]bool{}
		if m == nil {
			continue
		}
		s.answered[i] = true
		s.consumed[i] = m.Sum("procurehub_messages_consumed_total", consumedSeries...)
		for _, x := range m {
			if x.Name != "procurehub_lease_held" {
				continue
			}
			if l := leaseLabel.FindStringSubmatch(x.Series); l != nil {
				ls.names[l[1]] = true
				if x.Value == 1 {
					s.held[i][l[1]] = true
				}
			}
		}
	}
	ls.snaps = append(ls.snaps, s)
	return s
}

// run samples every 250 ms until ctx ends.
func (ls *leaseSampler) run(ctx context.Context) {
	for {
		ls.take(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (ls *leaseSampler) history() ([]leaseSnap, []string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	names := make([]string, 0, len(ls.names))
	for n := range ls.names {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clone(ls.snaps), names
}

// doubleHold is a lease that two or more instances said they held.
type doubleHold struct {
	lease   string
	from    time.Time
	samples int
	holders []int
}

// doubleHolds finds the runs of consecutive samples in which a lease had
// more than one holder.
func doubleHolds(snaps []leaseSnap, names []string) []doubleHold {
	var out []doubleHold
	for _, name := range names {
		var cur *doubleHold
		for _, s := range snaps {
			h := s.holders(name)
			if len(h) < 2 {
				cur = nil
				continue
			}
			if cur == nil {
				out = append(out, doubleHold{lease: name, from: s.at})
				cur = &out[len(out)-1]
			}
			cur.samples++
			for _, i := range h {
				if !slices.Contains(cur.holders, i) {
					cur.holders = append(cur.holders, i)
				}
			}
		}
	}
	return out
}

// takeover is one lease of the killed instance (or "file partner/name",
// a file it had claimed), and who took it when.
type takeover struct {
	lease string
	by    int           // instance, 1-based; 0: nobody within the limit; -1: a file found settled
	after time.Duration // from the kill
}

// mostPollLeases returns the instance (0-based) holding the most poll/
// leases in s, the first of a tie; -1 when none holds one.
func mostPollLeases(s leaseSnap) int {
	victim, most := -1, 0
	for i, h := range s.held {
		if n := pollLeases(h); n > most {
			victim, most = i, n
		}
	}
	return victim
}

// pollLeases counts the poll/ leases among held.
func pollLeases(held map[string]bool) int {
	n := 0
	for l := range held {
		if strings.HasPrefix(l, "poll/") {
			n++
		}
	}
	return n
}

// instancesScenario runs three hubs on one broker and one schema, checks
// that the pipeline work and the leases spread over them, kills the one
// holding the most poll leases part-way through the ingest and checks that
// the others take its leases over and the ingest completes exactly.
func instancesScenario(ctx context.Context, o options, bins binaries, progress io.Writer) *report {
	rep := &report{Scenario: "instances"}
	if o.partitions < 6 {
		// Three instances need partitions to share: two each at least.
		o.partitions = 6
	}
	r, err := setup(ctx, o, "instances", instanceCount, bins, progress)
	defer r.teardown()
	if err != nil {
		rep.Problems = append(rep.Problems, "setup: "+err.Error())
		return rep
	}
	pids := make([]int, len(r.hubs))
	for i, h := range r.hubs {
		pids[i] = h.pid()
	}
	r.logf("%d hubs ready (pids %v), %d partitions per topic", len(r.hubs), pids, o.partitions)
	ls := &leaseSampler{hubs: slices.Clone(r.hubs)}
	sctx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	sampling.Go(func() { ls.run(sctx) })
	defer func() { stopSampling(); sampling.Wait() }()

	files := r.shuffled()
	half := len(files) / 2
	start := time.Now()
	r.drop(ctx, files[:half], o.dropEvery)
	stalls := r.watchStalls(ctx)

	// Part-way: a quarter of the orders stored.
	var cKill counts
	for cKill.Orders < r.ds.Orders/4 {
		if time.Since(start) > o.timeout || ctx.Err() != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("a quarter of the orders not stored after %s", o.timeout))
			return rep
		}
		time.Sleep(100 * time.Millisecond)
		cKill, _ = r.db.counts(ctx)
	}
	// The victim: the hub holding the most poll/ leases, killed while it
	// has a file claimed if that happens within 5 s.
	var before leaseSnap
	victim := -1
	for wait := time.Now().Add(5 * time.Second); ; {
		before = ls.take(ctx)
		victim = mostPollLeases(before)
		if victim < 0 || time.Now().After(wait) || ctx.Err() != nil {
			break
		}
		mine, _ := r.db.claimed(ctx, pids[victim])
		left, err := r.inboxLeft() // the second half is staged until the kill
		if len(mine) > 0 || (err == nil && left <= len(files)-half) {
			break // a file claimed, or none left to claim before the kill
		}
		time.Sleep(50 * time.Millisecond)
	}
	if victim < 0 {
		rep.Problems = append(rep.Problems, "no instance holds a poll/ lease part-way through the ingest: nothing to kill")
		return rep
	}
	var victimLeases []string
	for l := range before.held[victim] {
		victimLeases = append(victimLeases, l)
	}
	sort.Strings(victimLeases)
	r.hubs[victim].killed = true
	r.hubs[victim].kill()
	killAt := time.Now()
	rep.Faults++
	cKill, _ = r.db.counts(ctx)
	claimed, err := r.db.claimed(ctx, pids[victim])
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
	}
	r.logf("killed hub %d (SIGKILL) at %.1f s: it held %s and had claimed %d file(s) %v; %d orders stored", victim+1, killAt.Sub(start).Seconds(),
		strings.Join(victimLeases, ", "), len(claimed), claimed, cKill.Orders)
	r.drop(ctx, files[half:], o.dropEvery)

	// Takeover: every lease of the killed instance held by another, every
	// file it had claimed claimed again by another (once its lease ran
	// out) or settled.
	takeovers := make([]takeover, 0, len(victimLeases)+len(claimed))
	for _, l := range victimLeases {
		takeovers = append(takeovers, takeover{lease: l})
	}
	for _, f := range claimed {
		takeovers = append(takeovers, takeover{lease: "file " + f})
	}
	hubOf := map[int]int{}
	for i, p := range pids {
		hubOf[p] = i + 1
	}
	for pending := len(takeovers); pending > 0 && time.Since(killAt) < takeoverLimit && ctx.Err() == nil; {
		time.Sleep(250 * time.Millisecond)
		snaps, _ := ls.history()
		owners, _ := r.db.fileOwners(ctx, claimed)
		pending = 0
		for i := range takeovers {
			t := &takeovers[i]
			if f, ok := strings.CutPrefix(t.lease, "file "); ok && t.by == 0 {
				switch o := owners[f]; {
				case o.PID != 0 && o.PID != pids[victim]:
					t.by, t.after = hubOf[o.PID], time.Since(killAt)
				case o.Status != "" && o.Status != "processing":
					t.by, t.after = -1, time.Since(killAt) // settled between two looks
				}
			}
			for _, s := range snaps {
				if t.by != 0 || !s.at.After(killAt) {
					continue
				}
				for _, h := range s.holders(t.lease) {
					if h != victim+1 {
						t.by, t.after = h, s.at.Sub(killAt)
						break
					}
				}
			}
			if t.by == 0 {
				pending++
			}
		}
	}
	for _, t := range takeovers {
		switch {
		case t.by == 0:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s of the killed hub %d: no other instance took it within %s of the kill", t.lease, victim+1, takeoverLimit))
		case t.by < 0:
			r.logf("%s settled by another hub %.1f s after the kill", t.lease, t.after.Seconds())
		default:
			r.logf("%s taken over by hub %d %.1f s after the kill", t.lease, t.by, t.after.Seconds())
		}
	}

	took, problems := r.quiesce(ctx, o.timeout)
	rep.Problems = append(rep.Problems, problems...)
	total := time.Since(start)
	longest := stalls()
	end := ls.take(ctx)
	stopSampling()
	sampling.Wait()
	snaps, names := ls.history()

	// Orders consumed: the last answer of each instance (the killed one's
	// before its kill).
	consumed := make([]float64, len(r.hubs))
	var sum float64
	for _, s := range snaps {
		for i := range consumed {
			if s.answered[i] {
				consumed[i] = s.consumed[i]
			}
		}
	}
	busy := 0
	for _, c := range consumed {
		sum += c
		if c > 0 {
			busy++
		}
	}
	held := func(s leaseSnap, i int) string {
		if !s.answered[i] {
			return "(no answer)"
		}
		var names []string
		for l := range s.held[i] {
			names = append(names, l)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return "-"
		}
		return strings.Join(names, " ")
	}

	rep.addf("dataset: %d orders, %d lines, %d files of %d partners; seed %d", r.ds.Orders, r.ds.Total, len(r.ds.Files), len(partners), o.seed)
	rep.addf("%d hubs, one config (pipeline.lease_ttl 10s, job_lease_ttl 9s), one brokerd (%d partitions per topic), one schema; consumer groups chaos.<topic>", len(r.hubs), o.partitions)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "hub\tpid\torders consumed\tleases before the kill\tleases at the end\t")
	for i := range r.hubs {
		note := ""
		if i == victim {
			note = " (killed; count at its last sample)"
		}
		fmt.Fprintf(tw, "%d\t%d\t%.0f%s\t%s\t%s\t\n", i+1, pids[i], consumed[i], note, held(before, i), held(end, i))
	}
	tw.Flush()
	rep.Lines = append(rep.Lines, strings.TrimRight(b.String(), "\n"))
	rep.addf("orders consumed by all (store_orders ok): %.0f for %d orders (the killed hub's until its last sample; redeliveries count again)", sum, r.ds.Orders)
	if busy < 2 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("only %d instance(s) consumed orders: the consumer groups did not spread the partitions", busy))
	}
	most := fmt.Sprint(pollLeases(before.held[victim]))
	for i, h := range before.held {
		if i != victim && pollLeases(h) == pollLeases(before.held[victim]) {
			most += ", the first of a tie"
			break
		}
	}
	rep.addf("killed hub %d (SIGKILL; it held the most poll/ leases: %s) at %.1f s with %d of %d orders stored and %d file(s) claimed; %d files dropped before, %d after",
		victim+1, most, killAt.Sub(start).Seconds(), cKill.Orders, r.ds.Orders, len(claimed), half, len(files)-half)
	rep.addf("takeover of its leases and claimed files (from the kill to the first sample that shows another holder):")
	for _, t := range takeovers {
		switch {
		case t.by == 0:
			rep.addf("  %-40s NOT taken over within %s", t.lease, takeoverLimit)
		case t.by < 0:
			rep.addf("  %-40s settled by another hub after %.1f s", t.lease, t.after.Seconds())
		default:
			rep.addf("  %-40s taken over by hub %d after %.1f s", t.lease, t.by, t.after.Seconds())
		}
	}

	// Leases: at most one holder per sample, but for a transition.
	var unanswered int
	for _, s := range snaps {
		for i, a := range s.answered {
			if !a && !(i == victim && s.at.After(killAt)) {
				unanswered++
			}
		}
	}
	doubles := doubleHolds(snaps, names)
	var transient int
	for _, d := range doubles {
		if d.samples < 2 {
			transient++
			continue
		}
		rep.Problems = append(rep.Problems, fmt.Sprintf("lease %s held by hubs %v at once in %d consecutive samples from %.1f s",
			d.lease, d.holders, d.samples, d.from.Sub(start).Seconds()))
	}
	rep.addf("lease samples: %d (every ~250 ms, the three hubs at once) of %s; %d answers missing from live hubs",
		len(snaps), strings.Join(names, ", "), unanswered)
	rep.addf("samples where a lease had two holders: %d single ones (a transition, tolerated), %d lasting two samples or more (a fault)",
		transient, len(doubles)-transient)
	rep.addf("longest time the store did not grow while orders were missing: %.1f s (the killed member's partitions wait for the group to drop it, ~10 s)", longest.Seconds())
	rep.addf("quiescent %.1f s after the takeovers; %.1f s in all", took.Seconds(), total.Seconds())
	c, _ := r.db.counts(ctx)
	rep.WantOrders, rep.WantLines, rep.StoredOrders, rep.StoredLines = r.ds.Orders, r.ds.Total, c.Orders, c.Lines
	rep.addf("store: %d of %d orders, %d of %d lines; ledger %d rows, %d done", c.Orders, r.ds.Orders, c.Lines, r.ds.Total, c.Ledger, c.FilesDone)
	rep.Problems = append(rep.Problems, r.verify(ctx)...)
	if len(rep.Problems) > 0 {
		rep.addf("hub logs: %s", strings.Join(r.hubLogs, " "))
	}
	return rep
}
