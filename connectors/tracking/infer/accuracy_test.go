package infer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/connectors/tracking/infer"
)

// expectation is one entry of testdata/expected.yaml: the profile a person
// writes for a sample.
type expectation struct {
	File       string            `yaml:"file"`
	Shipments  string            `yaml:"shipments"`
	Events     string            `yaml:"events"`
	TimeFormat string            `yaml:"time_format"`
	TimeZone   string            `yaml:"time_zone"`
	Fields     map[string]string `yaml:"fields"`
	Missing    []string          `yaml:"missing"`

	content []byte
}

// minAccuracy is the share of checks (every field's path or its absence,
// the events' place, the time format) the proposals must get right over
// all samples.
const minAccuracy = 0.90

var allFields = []string{"tracking_number", "event_id", "carrier", "status", "description", "occurred_at", "city", "country"}

var now = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

func samples(t *testing.T) []expectation {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var exps []expectation
	if err := yaml.Unmarshal(b, &exps); err != nil {
		t.Fatalf("expected.yaml: %v", err)
	}
	listed := map[string]bool{}
	for i := range exps {
		listed[exps[i].File] = true
		if exps[i].content, err = os.ReadFile(filepath.Join("testdata", "samples", exps[i].File)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob("testdata/samples/*.json")
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("sample %s has no entry in expected.yaml", filepath.Base(f))
		}
	}
	if len(exps) < 8 {
		t.Fatalf("%d samples, want at least 8", len(exps))
	}
	return exps
}

func infer1(t *testing.T, e expectation) *infer.Proposal {
	t.Helper()
	p, err := infer.Infer(e.content, infer.Options{Name: "acme", FileName: e.File, Now: now})
	if err != nil {
		t.Fatalf("%s: %v", e.File, err)
	}
	return p
}

// TestProposalsMatchWhatAPersonWrites compares each sample's proposal with
// expected.yaml, prints a table, and requires minAccuracy overall.
func TestProposalsMatchWhatAPersonWrites(t *testing.T) {
	total, correct := 0, 0
	var table strings.Builder
	fmt.Fprintf(&table, "%-38s %8s %8s\n", "sample", "checks", "correct")
	for _, e := range samples(t) {
		p := infer1(t, e)
		n, ok := 0, 0
		check := func(what, want, got string) {
			n++
			if want == got {
				ok++
				return
			}
			t.Logf("%s: %s: got %q, want %q", e.File, what, got, want)
		}
		check("shipments+events", e.Shipments+" / "+e.Events, p.Shipments+" / "+p.Events)
		check("time_format", e.TimeFormat, p.TimeFormat)
		for _, f := range allFields {
			got := ""
			if fd, found := p.Field(f); found {
				got = fd.Path
			}
			check(f, e.Fields[f], got)
		}
		if e.TimeZone != p.TimeZone {
			t.Errorf("%s: time_zone %q, want %q", e.File, p.TimeZone, e.TimeZone)
		}
		if fmt.Sprint(e.Missing) != fmt.Sprint(p.Missing) && !(len(e.Missing) == 0 && len(p.Missing) == 0) {
			t.Errorf("%s: missing %v, want %v", e.File, p.Missing, e.Missing)
		}
		fmt.Fprintf(&table, "%-38s %8d %8d\n", e.File, n, ok)
		total += n
		correct += ok
	}
	acc := float64(correct) / float64(total)
	fmt.Fprintf(&table, "%-38s %8d %8d  (%.1f%%)\n", "total", total, correct, acc*100)
	t.Log("\n" + table.String())
	if acc < minAccuracy {
		t.Errorf("accuracy %.1f%% (%d of %d), want at least %.0f%%", acc*100, correct, total, minAccuracy*100)
	}
}
