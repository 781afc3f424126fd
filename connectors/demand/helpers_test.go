package demand_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/demand"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

// The tests plan on Monday 2026-06-01.
func clock() time.Time { return time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC) }

var buyer = canonical.Party{ID: "BUY-DE-01", Name: "Nordhafen Handel GmbH", Country: "DE"}

// planner is the real ordering planner over a testdata catalog.
func planner(t testing.TB, catalogFile string) demand.Planner {
	t.Helper()
	p, err := demand.NewPlanner(ordering.Options{Catalog: loadCatalog(t, catalogFile), Now: clock, Buyer: buyer})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadCatalog(t testing.TB, file string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.LoadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func decoder(t testing.TB, catalogFile string) *demand.Decoder {
	t.Helper()
	d, err := demand.NewDecoder(planner(t, catalogFile), demand.DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// connector builds a demand partner over inbox as a config lists it, with
// extra settings lines appended.
func connector(t testing.TB, p demand.Planner, inbox string, extra ...string) *connectors.Connector {
	t.Helper()
	entry := fmt.Sprintf("name: nordhafen\nkind: demand\nsettings:\n  inbox: %q\n  settle_time: 0s\n", inbox)
	for _, e := range extra {
		entry += "  " + e + "\n"
	}
	spec, build := demand.Kind(p)
	if spec.Kind != demand.KindName {
		t.Fatalf("Kind gives spec %q, want %q", spec.Kind, demand.KindName)
	}
	c, err := build(context.Background(), connectortest.Config(t, entry, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Source.Close() })
	return c
}

func copyTo(t testing.TB, dir, file string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func decodeFile(t testing.TB, d connectors.Decoder, file string) *connectortest.Recorder {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, d, filepath.Join("testdata", file))
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return rec
}

func orders(rec *connectortest.Recorder) []*canonical.Order {
	var out []*canonical.Order
	for _, r := range rec.Records {
		if o, ok := r.Value.(*canonical.Order); ok {
			out = append(out, o)
		}
	}
	return out
}

// numbers maps each order's supplier and delivery date to its number.
func numbers(rec *connectortest.Recorder) map[string]string {
	out := map[string]string{}
	for _, o := range orders(rec) {
		out[o.Supplier.ID+" "+o.RequestedDeliveryDate.String()] = o.OrderNumber
	}
	return out
}

// lines lists an order's lines as "SKU qty", for messages and comparisons.
func lines(o *canonical.Order) string {
	var s []string
	for _, l := range o.Lines {
		s = append(s, l.SKU+" "+l.Quantity.String())
	}
	return strings.Join(s, ", ")
}

func rowErrors(rec *connectortest.Recorder) string {
	var s []string
	for _, e := range rec.RowErrors {
		w := ""
		if e.Warning {
			w = " (warning)"
		}
		s = append(s, fmt.Sprintf("%d %s%s", e.Line, e.Code, w))
	}
	return strings.Join(s, ", ")
}
