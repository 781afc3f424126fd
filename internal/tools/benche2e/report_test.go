package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goodResult is a run whose counts all agree.
func goodResult() *result {
	return &result{
		Lines: 1000, Orders: 100,
		Copy:         copyRun{Took: time.Second, Rows: 1000},
		Hub:          2 * time.Second,
		HubMemory:    memory{RSS: 100 << 20, Peak: 200 << 20},
		StoredOrders: 100, StoredLines: 1000,
		Metrics: samples{
			{Name: metricRecords, Series: metricRecords + `{partner="p",type="order"}`, Value: 100},
			{Name: metricStored, Series: metricStored + `{change="inserted"}`, Value: 100},
		},
	}
}

func TestCheckFindsWhatMakesARunInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *result)
		want   string // in the one problem; "" for none
	}{
		{"a run whose counts agree has no problem", func(*result) {}, ""},
		{"lines missing from the store", func(r *result) { r.StoredLines = 999 }, "order_lines holds 999 rows"},
		{"orders missing from the store", func(r *result) { r.StoredOrders = 99 }, "orders holds 99 rows"},
		{"rows \\copy did not load", func(r *result) { r.Copy.Rows = 10 }, "loaded 10 rows"},
		{"records the connector did not publish", func(r *result) { r.Metrics[0].Value = 98 }, "procurehub_records_total is 98"},
		{"a rejected row", func(r *result) {
			r.Metrics = append(r.Metrics, sample{Name: metricRejects, Series: metricRejects, Value: 1})
		}, "rows were rejected"},
		{"a poisoned message", func(r *result) {
			r.Metrics = append(r.Metrics, sample{Name: metricPoisoned, Series: metricPoisoned, Value: 2})
		}, "messages were poisoned"},
		{"a hub that had to be killed", func(r *result) { r.HubStop = errors.New("killed") }, "did not stop cleanly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodResult()
			tt.change(r)
			r.check()
			switch {
			case tt.want == "" && len(r.Problems) > 0:
				t.Errorf("problems %q, want none", r.Problems)
			case tt.want != "" && (len(r.Problems) != 1 || !strings.Contains(r.Problems[0], tt.want)):
				t.Errorf("problems %q, want one with %q", r.Problems, tt.want)
			}
		})
	}
}

func TestReportSaysPassOrMissAgainstEachTarget(t *testing.T) {
	verdictOf := func(report, row string) string {
		m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(row) + `.*\b(PASS|MISS)\b`).FindStringSubmatch(report)
		if m == nil {
			return ""
		}
		return m[1]
	}
	tests := []struct {
		name               string
		hub                time.Duration // \copy takes 1 s
		peak               int64
		wantRatio, wantRSS string
	}{
		{"a hub at half \\copy's speed in 200 MiB passes both", 2 * time.Second, 200 << 20, "PASS", "PASS"},
		{"a hub at a quarter of \\copy's speed misses the ratio", 4 * time.Second, 200 << 20, "MISS", "PASS"},
		{"a hub over 256 MiB misses the memory target", 2 * time.Second, 300 << 20, "PASS", "MISS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodResult()
			r.Hub, r.HubMemory.Peak = tt.hub, tt.peak
			r.check()
			var b strings.Builder
			r.print(&b)
			out := b.String()
			if got := verdictOf(out, "ratio hub/\\copy"); got != tt.wantRatio {
				t.Errorf("ratio verdict %q, want %q\n%s", got, tt.wantRatio, out)
			}
			if got := verdictOf(out, "hub peak RSS"); got != tt.wantRSS {
				t.Errorf("RSS verdict %q, want %q\n%s", got, tt.wantRSS, out)
			}
		})
	}
}

func TestReportListsProblemsInsteadOfTheAllClear(t *testing.T) {
	r := goodResult()
	r.StoredLines = 5
	r.check()
	var b strings.Builder
	r.print(&b)
	if out := b.String(); !strings.Contains(out, "PROBLEMS") || strings.Contains(out, "checks: the store holds every line") {
		t.Errorf("report:\n%s", out)
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1000000, "1,000,000"}, {-12345, "-12,345"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := thousands(tt.n); got != tt.want {
				t.Errorf("thousands(%d) = %s", tt.n, got)
			}
		})
	}
}
