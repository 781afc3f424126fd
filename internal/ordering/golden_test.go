package ordering_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// What a dry run of a demand file shows: the rows it could not read, the
// orders it would create and how each line was planned.
func TestADryRunOfADemandFileShowsTheOrdersItWouldCreate(t *testing.T) {
	lines, rowErrs, err := readCSV(t, "demand-two-bad-rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	cat := loadCatalog(t, "catalog-cheap-slow-and-dear-fast.yaml")
	pl := plan(t, planner(t, cat, ordering.Options{}), lines...)
	got, err := json.MarshalIndent(struct {
		RowErrors []connectors.RowError `json:"row_errors"`
		Plan      ordering.Plan         `json:"plan"`
	}{rowErrs, pl}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/plan-demand-two-bad-rows.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the dry run differs from %s (run with -update and review the diff):\n%s", golden, got)
	}
}

type failingCommitments struct{}

var errStoreDown = errors.New("store down")

func (failingCommitments) Committed(context.Context, string, string, canonical.Date, canonical.Date) (decimal.Decimal, error) {
	return decimal.Zero, errStoreDown
}

func TestAFailedCommitmentsLookupFailsThePlan(t *testing.T) {
	cat := loadCatalog(t, "catalog-capacity-1000-a-week.yaml")
	p := planner(t, cat, ordering.Options{Commitments: failingCommitments{}})
	_, err := p.Plan(context.Background(), []ordering.DemandLine{demand("B-FLANGE-80", "100", date("2026-07-01"))})
	if !errors.Is(err, errStoreDown) {
		t.Errorf("got %v, want the lookup's error", err)
	}
}
