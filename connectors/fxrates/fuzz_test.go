package fxrates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

// FuzzParse checks that no input crashes Parse, that every rate it gives is
// usable (a calendar date, an ISO 4217 code other than EUR, a positive
// decimal, no currency twice on a date), that every failure is a
// *ParseError with a 1-based line (or the read error), and that what it
// reads, written back in the ECB layout, reads back the same.
func FuzzParse(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/*.xml")
	f.Add([]byte(ecbDoc("\t\t<Cube time='2026-02-30'>\n\t\t</Cube>\n")))
	f.Add([]byte(ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='USD' rate='-1'/>\n\t\t\t<Cube currency='USD' rate='abc'/>\n\t\t</Cube>\n")))
	f.Add([]byte(ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='HRK' rate='7.5'/>\n\t\t</Cube>\n")))
	f.Add([]byte("<gesmes:Envelope><Cube><Cube time='2026-03-02'><Cube currency='USD' rate='1.0812'/>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rates []Rate
		seen := map[string]bool{}
		err := Parse(context.Background(), bytes.NewReader(data), func(r Rate) error {
			if !r.Date.Valid() || !r.Currency.Valid() || r.Currency == "EUR" || r.PerEUR.Sign() <= 0 {
				t.Fatalf("unusable rate %+v", r)
			}
			k := r.Date.String() + string(r.Currency)
			if seen[k] {
				t.Fatalf("%s on %s given twice", r.Currency, r.Date)
			}
			seen[k] = true
			rates = append(rates, r)
			return nil
		})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Code == "" || pe.Message == "" {
				t.Fatalf("err = %v (%T), want a *ParseError with line, code and message", err, err)
			}
			return
		}
		var tab Table
		for _, r := range rates {
			if err := tab.Add(r); err != nil {
				t.Fatalf("Add(%+v): %v", r, err)
			}
		}
		again := reparse(t, rates)
		if len(again) != len(rates) {
			t.Fatalf("written back and read again: %d rates, want %d", len(again), len(rates))
		}
		for i := range rates {
			if again[i].Date != rates[i].Date || again[i].Currency != rates[i].Currency || again[i].PerEUR.String() != rates[i].PerEUR.String() {
				t.Fatalf("rate %d: %+v read back as %+v", i, rates[i], again[i])
			}
		}
	})
}

// reparse writes rates in the ECB layout, grouped by date in order, and parses them again.
func reparse(t *testing.T, rates []Rate) []Rate {
	var b bytes.Buffer
	var cur canonical.Date
	for i, r := range rates {
		if i == 0 || r.Date != cur {
			if i > 0 {
				b.WriteString("</Cube>\n")
			}
			fmt.Fprintf(&b, "<Cube time='%s'>\n", r.Date)
			cur = r.Date
		}
		fmt.Fprintf(&b, "<Cube currency='%s' rate='%s'/>\n", r.Currency, r.PerEUR)
	}
	if len(rates) > 0 {
		b.WriteString("</Cube>\n")
	} else {
		b.WriteString("<Cube time='2026-03-02'/>\n")
	}
	var out []Rate
	if err := Parse(context.Background(), bytes.NewReader([]byte(ecbDoc(b.String()))), func(r Rate) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("written back: %v\n%s", err, b.String())
	}
	return out
}
