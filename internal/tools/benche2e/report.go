package main

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Targets of issue 2: the hub loads at least a third as fast as psql \copy,
// in at most 256 MiB of resident memory.
const (
	targetRatio  = 0.33
	targetRSSMiB = 256
)

// Metrics the report prints from the hub's /metrics.
const (
	metricInputs    = "procurehub_inputs_total"
	metricRecords   = "procurehub_records_total"
	metricRejects   = "procurehub_row_rejects_total"
	metricPoisoned  = "procurehub_poison_messages_total"
	metricPublished = "procurehub_messages_published_total"
	metricConsumed  = "procurehub_messages_consumed_total"
	metricStored    = "procurehub_store_orders_total"
	metricBatch     = "procurehub_store_batch_size" // a histogram: _sum and _count
)

// result is what one run measured.
type result struct {
	Dir    string // work directory
	Schema string // PostgreSQL schema of the run

	Lines, Orders int
	CSVBytes      int64
	GenTime       time.Duration

	Copy    copyRun   // psql \copy of the export
	CopyCPU cpuSample // CPU used during it (its Hub is zero)

	Hub          time.Duration // file moved into the inbox → every line in order_lines
	HubCPU       cpuSample     // CPU used meanwhile
	Marks        loadMarks
	HubMemory    memory  // at the end of the load
	HubStop      error   // how the hub ended on SIGTERM; nil when cleanly
	Metrics      samples // the hub's /metrics at the end
	StoredOrders int
	StoredLines  int

	// What PostgreSQL wrote: write-ahead log during each phase, and the
	// tables at the end (indexes and TOAST included).
	CopyWAL, HubWAL                      int64
	CopyTableSize, OrdersSize, LinesSize int64

	// The hub's collector settings (runtime section; 0 and "" Go's defaults).
	GCPercent   int
	MemoryLimit string

	PollInterval time.Duration
	Polls        int
	PollTime     time.Duration // spent in the counting queries
	PollSlow     time.Duration // the slowest of them

	Problems []string // checks that failed: the run does not count
}

// check fills Problems: the counts that must agree for the figures to mean
// anything.
func (r *result) check() {
	r.Problems = nil
	fail := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	if r.Copy.Rows != r.Lines {
		fail("psql \\copy loaded %s rows, the export has %s", thousands(r.Copy.Rows), thousands(r.Lines))
	}
	if r.StoredLines != r.Lines {
		fail("order_lines holds %s rows, the export has %s lines", thousands(r.StoredLines), thousands(r.Lines))
	}
	if r.StoredOrders != r.Orders {
		fail("orders holds %s rows, the export has %s orders", thousands(r.StoredOrders), thousands(r.Orders))
	}
	if n := int(r.Metrics.Sum(metricRecords)); n != r.Orders {
		fail("%s is %s, the export has %s orders", metricRecords, thousands(n), thousands(r.Orders))
	}
	if n := r.Metrics.Sum(metricRejects); n != 0 {
		fail("%s is %v: rows were rejected", metricRejects, n)
	}
	if n := r.Metrics.Sum(metricPoisoned); n != 0 {
		fail("%s is %v: messages were poisoned", metricPoisoned, n)
	}
	if r.HubStop != nil {
		fail("the hub did not stop cleanly: %v", r.HubStop)
	}
}

// Ratio is the hub's lines/s over \copy's.
func (r *result) Ratio() float64 {
	if r.Hub <= 0 {
		return 0
	}
	return r.Copy.Took.Seconds() / r.Hub.Seconds()
}

// print writes the report.
func (r *result) print(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\nprocurehub end to end: CSV file → erp_export → Kafka (embedded kfake) → PostgreSQL, against psql \\copy\n")
	p("  lines              %12s   (%s orders, %.1f MiB of CSV)\n", thousands(r.Lines), thousands(r.Orders), mib(r.CSVBytes))
	p("  hub GC             %12s   (runtime.gc_percent, runtime.memory_limit; -gc-percent 0 -memory-limit '' for Go's defaults)\n", gcSettings(r.GCPercent, r.MemoryLimit))
	p("  hub                %10.2f s   %12s lines/s   (file moved into the inbox → every line in order_lines)\n",
		r.Hub.Seconds(), thousands(perSecond(r.Lines, r.Hub)))
	p("  psql \\copy         %10.2f s   %12s lines/s\n", r.Copy.Took.Seconds(), thousands(perSecond(r.Lines, r.Copy.Took)))
	p("  ratio hub/\\copy    %12.3f   target ≥ %.2f     %s\n", r.Ratio(), targetRatio, verdict(r.Ratio() >= targetRatio))
	rss := float64(r.HubMemory.Peak) / (1 << 20)
	p("  hub peak RSS       %8.1f MiB   target ≤ %d MiB   %s   (VmHWM; %.1f MiB resident at the end)\n",
		rss, targetRSSMiB, verdict(rss <= targetRSSMiB), float64(r.HubMemory.RSS)/(1<<20))
	if r.Polls > 0 {
		p("  timing             polled every %s; %d count(*) queries took %.2f s of PostgreSQL time (slowest %d ms)\n",
			r.PollInterval, r.Polls, r.PollTime.Seconds(), r.PollSlow.Milliseconds())
	}
	if r.Marks.Written > 0 {
		p("  stages             first order written at %.1f s; all published at %.1f s; all written at %.1f s (hub /metrics)\n",
			r.Marks.FirstWritten.Seconds(), r.Marks.Published.Seconds(), r.Marks.Written.Seconds())
	}
	if n := r.Metrics.Sum(metricBatch + "_count"); n > 0 {
		p("  store batches      %s transactions, %.1f orders each on average\n",
			thousands(int(n)), r.Metrics.Sum(metricBatch+"_sum")/n)
	}
	p("  PostgreSQL wrote   hub: %.0f MiB of WAL, orders %.0f MiB + order_lines %.0f MiB;  \\copy: %.0f MiB of WAL, table %.0f MiB\n",
		mib(r.HubWAL), mib(r.OrdersSize), mib(r.LinesSize), mib(r.CopyWAL), mib(r.CopyTableSize))
	p("\nCPU seconds while loading (all cores; \"others\" is every other process on the machine):\n")
	p("                     wall     hub  postgres    psql  others    idle   lines per CPU-s (hub+postgres+psql)\n")
	cpuRow := func(name string, wall time.Duration, c cpuSample, psql time.Duration) {
		own := c.Hub + c.Postgres + psql
		p("  %-12s %8.2f %7.2f %9.2f %7.2f %7.2f %7.2f   %s\n", name, wall.Seconds(), c.Hub.Seconds(), c.Postgres.Seconds(),
			psql.Seconds(), max(0, c.Busy-own).Seconds(), c.Idle.Seconds(), thousands(perSecond(r.Lines, own)))
	}
	cpuRow("hub", r.Hub, r.HubCPU, 0)
	cpuRow("psql \\copy", r.Copy.Took, r.CopyCPU, r.Copy.CPU)
	p("\nhub /metrics at the end:\n")
	shown := r.Metrics.Named(metricInputs, metricRecords, metricRejects, metricPoisoned, metricPublished, metricConsumed, metricStored)
	for _, s := range shown {
		p("  %s %s\n", s.Series, strconv.FormatFloat(s.Value, 'f', -1, 64))
	}
	for _, name := range []string{metricRejects, metricPoisoned} {
		if len(r.Metrics.Named(name)) == 0 {
			p("  %s: no series (none counted)\n", name)
		}
	}
	if len(r.Problems) == 0 {
		p("\nchecks: the store holds every line and order; nothing rejected or poisoned\n")
		return
	}
	p("\nPROBLEMS (the figures above do not count):\n")
	for _, s := range r.Problems {
		p("  - %s\n", s)
	}
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func perSecond(n int, d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(float64(n) / d.Seconds())
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// gcSettings says how the hub's collector was set.
func gcSettings(percent int, limit string) string {
	p := "100"
	if percent > 0 {
		p = strconv.Itoa(percent)
	}
	if limit == "" {
		limit = "none"
	}
	return "GOGC " + p + ", limit " + limit
}
