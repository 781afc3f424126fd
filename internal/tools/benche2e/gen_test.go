package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// orderSink keeps what a decoder emits.
type orderSink struct {
	orders    []*canonical.Order
	rowErrors []connectors.RowError
}

func (s *orderSink) Record(_ context.Context, r connectors.Record) error {
	s.orders = append(s.orders, r.Value.(*canonical.Order))
	return nil
}

func (s *orderSink) RowError(_ context.Context, e connectors.RowError) error {
	s.rowErrors = append(s.rowErrors, e)
	return nil
}

// decodeExport reads an export as the hub's erp_export partner does, with
// the generated mapping.
func decodeExport(t *testing.T, csv []byte) *orderSink {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.mapping.yaml")
	if err := os.WriteFile(path, []byte(mappingYAML()), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Load(path)
	if err != nil {
		t.Fatalf("the generated mapping does not load: %v", err)
	}
	d, err := erpexport.NewDecoder(m)
	if err != nil {
		t.Fatalf("the generated mapping does not compile: %v", err)
	}
	var sink orderSink
	in := connectors.Input{Name: "orders.csv", Partner: partnerName, Connector: erpexport.Kind}
	if err := d.Decode(context.Background(), in, bytes.NewReader(csv), &sink); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &sink
}

func TestGeneratedExportIsReadByTheHubsDecoderWithoutRejects(t *testing.T) {
	tests := []struct {
		name              string
		lines, perOrder   int
		wantOrders        int
		wantLastOrderSize int
	}{
		{"a single line makes a single order", 1, 10, 1, 1},
		{"lines that fill whole orders make orders of equal size", 100, 10, 10, 10},
		{"a remainder of lines makes a shorter last order", 25, 10, 3, 5},
		{"one line per order makes as many orders as lines", 7, 1, 7, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			st, err := generate(&buf, tt.lines, tt.perOrder, 1)
			if err != nil {
				t.Fatal(err)
			}
			if st.Lines != tt.lines || st.Orders != tt.wantOrders || st.Bytes != int64(buf.Len()) {
				t.Errorf("stats %+v, want %d lines, %d orders, %d bytes", st, tt.lines, tt.wantOrders, buf.Len())
			}
			got := decodeExport(t, buf.Bytes())
			for _, e := range got.rowErrors {
				t.Errorf("row error: line %d: %s: %s (%s)", e.Line, e.Field, e.Message, e.Code)
			}
			if len(got.orders) != tt.wantOrders {
				t.Fatalf("%d orders, want %d", len(got.orders), tt.wantOrders)
			}
			lines := 0
			for _, o := range got.orders {
				lines += len(o.Lines)
				if err := o.Validate(); err != nil {
					t.Errorf("order %s does not validate: %v", o.OrderNumber, err)
				}
			}
			if lines != tt.lines {
				t.Errorf("%d order lines, want %d", lines, tt.lines)
			}
			if n := len(got.orders[len(got.orders)-1].Lines); n != tt.wantLastOrderSize {
				t.Errorf("last order has %d lines, want %d", n, tt.wantLastOrderSize)
			}
		})
	}
}

func TestGeneratedExportQuotesDescriptionsThatHoldCommasAndQuotes(t *testing.T) {
	var buf bytes.Buffer
	if _, err := generate(&buf, 2000, 10, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Hex bolt, M8x40, A2 stainless (DIN 933)"`, `"Ball valve 1"", brass, PN25"`} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("the export has no %s", want)
		}
	}
	got := decodeExport(t, buf.Bytes())
	found := false
	for _, o := range got.orders {
		for _, l := range o.Lines {
			found = found || l.Description == `Ball valve 1", brass, PN25`
		}
	}
	if !found {
		t.Error(`no line reads back as Ball valve 1", brass, PN25`)
	}
}

func TestGenerateGivesTheSameExportForTheSameSeed(t *testing.T) {
	gen := func(seed uint64) []byte {
		var buf bytes.Buffer
		if _, err := generate(&buf, 500, 10, seed); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name      string
		a, b      uint64
		wantEqual bool
	}{
		{"the same seed gives the same bytes", 7, 7, true},
		{"another seed gives other data", 7, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytes.Equal(gen(tt.a), gen(tt.b)); got != tt.wantEqual {
				t.Errorf("equal = %v, want %v", got, tt.wantEqual)
			}
		})
	}
}

func TestGenerateRefusesAnEmptyExport(t *testing.T) {
	tests := []struct {
		name            string
		lines, perOrder int
	}{
		{"no lines", 0, 10},
		{"negative lines", -5, 10},
		{"no lines per order", 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := generate(&buf, tt.lines, tt.perOrder, 1); err == nil {
				t.Errorf("generate(%d, %d) gave no error", tt.lines, tt.perOrder)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes", buf.Len())
			}
		})
	}
}
