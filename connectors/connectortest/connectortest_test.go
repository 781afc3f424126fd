package connectortest_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// recordingT collects the failures of a check instead of failing the test.
type recordingT struct {
	testing.TB
	failures []string
}

func (r *recordingT) Helper() {}
func (r *recordingT) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recordingT) Error(args ...any) { r.failures = append(r.failures, fmt.Sprint(args...)) }
func (r *recordingT) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recordingT) Fatal(args ...any) {
	r.Error(args...)
	runtime.Goexit()
}

// check runs fn against a recordingT, in its own goroutine so that a
// Fatal ends only the check.
func check(t *testing.T, fn func(tb testing.TB)) []string {
	r := &recordingT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r.failures
}

func goodSpec() connectors.Spec {
	return connectors.Spec{
		Kind: "erp_export", Summary: "ERP exports.", Formats: []string{"erp_csv"}, Example: "name: x\nkind: erp_export\n",
		Fields: []connectors.Field{
			{Name: "inbox", Type: "string", Required: true, Description: "Where files arrive."},
			{Name: "mapping", Type: "mapping", Description: "The mapping."},
			{Name: "mapping.columns", Type: "map", Description: "Columns."},
		},
	}
}

func TestCheckSpecFindsIncompleteSpecs(t *testing.T) {
	if failures := check(t, func(tb testing.TB) { connectortest.CheckSpec(tb, goodSpec()) }); len(failures) > 0 {
		t.Fatalf("a complete spec fails: %v", failures)
	}
	tests := []struct {
		name  string
		spoil func(*connectors.Spec)
		want  string
	}{
		{"a kind in camel case", func(s *connectors.Spec) { s.Kind = "erpExport" }, "not snake_case"},
		{"no formats", func(s *connectors.Spec) { s.Formats = nil }, "no formats"},
		{"a field without a description", func(s *connectors.Spec) { s.Fields[1].Description = "" }, "has no description"},
		{"a field of an unknown type", func(s *connectors.Spec) { s.Fields[1].Type = "path" }, `type "path"`},
		{"a required field with a default", func(s *connectors.Spec) { s.Fields[0].Default = "./in" }, "is required and has a default"},
		{"a secret that is not a string", func(s *connectors.Spec) { s.Fields[1].Secret = true }, "secret but of type mapping"},
		{"a nested field without its parent", func(s *connectors.Spec) { s.Fields[2].Name = "source.columns" }, `nested in "source"`},
		{"a field declared twice", func(s *connectors.Spec) { s.Fields[1].Name = "inbox" }, "declared twice"},
		{"no example", func(s *connectors.Spec) { s.Example = "" }, "no example"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails the check", func(t *testing.T) {
			s := goodSpec()
			tt.spoil(&s)
			failures := check(t, func(tb testing.TB) { connectortest.CheckSpec(tb, s) })
			if !strings.Contains(strings.Join(failures, "\n"), tt.want) {
				t.Errorf("failures %q do not mention %q", failures, tt.want)
			}
		})
	}
}

// oneOrder is a decoder that emits one order per input, numbered by the input's size.
type oneOrder struct{ number string }

func (d oneOrder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	o := &canonical.Order{OrderNumber: d.number, Buyer: canonical.Party{ID: "ACME"}, Currency: "EUR"}
	return out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o})
}

func TestCheckGoldenFindsADifference(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(input, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	golden := `{"records":[{"type":"order","key":"1","data":{}}],"row_errors":[],"file_error":null}`
	if err := os.WriteFile(connectortest.GoldenPath(input), []byte(golden), 0o644); err != nil {
		t.Fatal(err)
	}
	failures := check(t, func(tb testing.TB) { connectortest.CheckGolden(tb, oneOrder{"2"}, input) })
	if len(failures) != 1 || !strings.Contains(failures[0], "differs from") {
		t.Errorf("failures = %q, want one naming the difference", failures)
	}
	if got := connectortest.GoldenPath("testdata/one-bad-row.csv"); got != "testdata/one-bad-row.golden.json" {
		t.Errorf("golden path = %s", got)
	}
}
