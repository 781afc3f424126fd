package mapping_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// FuzzParse feeds arbitrary YAML to the mapping loader: it must never
// panic, and it either returns a mapping that compiles or an error.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../erpexport/testdata/*.yaml", "../erpexport/testdata/supplier/*.yaml", "../../configs/partners/*.yaml"} {
		paths, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := mapping.Parse("fuzz.yaml", b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if _, err := m.Compile(); err != nil {
			t.Fatalf("Parse accepted a mapping that does not compile: %v", err)
		}
	})
}

var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)$`)

// FuzzParseNumber checks the decimal reader against canonical.ParseDecimal:
// with a decimal point and no thousands separator they must agree on every
// plain decimal, scale included; with a decimal comma and thousands points
// the same number written the German way must read the same.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"12.50", "-0.001", "+.5", "1234567890123456789012.5", "12.", "1e3", "", "-", "00012"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := mapping.ParseNumber(".", "", s)
		want, err := canonical.ParseDecimal(s)
		switch {
		case plainDecimal.MatchString(s) && err == nil:
			if !ok || !got.Equal(want) || got.Scale() != want.Scale() {
				t.Fatalf("%q read as %v (ok %v), canonical reads %v", s, got, ok, want)
			}
		case ok:
			if !plainDecimal.MatchString(s) {
				t.Fatalf("%q is not a plain decimal but was read as %v", s, got)
			}
		}
		if !ok || strings.ContainsAny(s, ",") {
			return
		}
		// Write the number the German way and read it back.
		intPart, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
		var grouped []string
		for len(intPart) > 3 {
			grouped = append([]string{intPart[len(intPart)-3:]}, grouped...)
			intPart = intPart[:len(intPart)-3]
		}
		grouped = append([]string{intPart}, grouped...)
		de := strings.Join(grouped, ".")
		if strings.HasPrefix(s, "-") {
			de = "-" + de
		}
		if frac != "" || strings.Contains(s, ".") {
			de += "," + frac
		}
		back, ok := mapping.ParseNumber(",", ".", de)
		if !ok || !back.Equal(got) || back.Scale() != got.Scale() {
			t.Fatalf("%q written as %q read back as %v (ok %v)", s, de, back, ok)
		}
	})
}

// FuzzDocumentRows feeds arbitrary rows (one per text line, cells separated
// by ";"; a line starting with "!" is a row the decoder could not read) to
// the builder of every supplier document type. Whatever comes in: no
// panic, every record valid, every row error with a line, a code and a
// message, and every row accounted for exactly once: in a record (a line
// of it, or the record itself for production progress) or in one row error.
func FuzzDocumentRows(f *testing.F) {
	f.Add("4500012345;AB-778;03.03.2026;10;LED-600;Bestätigt;200;18,40;20.04.2026\n4500012345;AB-778;;20;DRV-40;Geändert;100;4,10;31.04.2026")
	f.Add("ASN-1;4500012345, 4500012346;2026-03-11;DHL;1234567890;3;40;kg;4500012347;10;LED-600;4006381333931;20;pcs\n!ASN-1\nASN-2;;;;;;0;lbs;;10;X;;1;pcs")
	f.Add("INV-1;2026-03-12;4500012345;USD;LED-600;200;18.40;3680.00;3680.00;0;3680.00\nINV-1;2026-03-12;;usd;LED-600;-2;18.40;-36.80;;;\n;;;;")
	f.Add("4500012345;10;LED-600;20/02/2026;45%;01/03/2026;note\n4500012346;;;20/02/2026;100,0 %;;\n!x\n;;;;120;;")
	f.Add("DE-KLEMM;KL-2500;Klemme;Stk;50;1.000;14;FCA Nürnberg;01.01.2026;30.06.2026;0,42\nDE-KLEMM;KL-2500;;kg;;;;;01.07.2026;;0,4S\n!DE-KLEMM;KL-2500\nDE-KLEMM;KL-4000;;Stk;0;;-1;FOB;01.01.2026;01.01.2025;1.234,50\nDE-KLEMM;KL-4000;;Stk;;;;;01.01.2026;;1,00")
	docs := []struct {
		yaml   string
		header []string
		lines  func(any) int // rows a record stands for
	}{
		{responseMapping, responseHeader, func(v any) int { return len(v.(*canonical.OrderResponse).Lines) }},
		{shipmentMapping, shipmentHeader, func(v any) int { return len(v.(*canonical.Shipment).Lines) }},
		{invoiceMapping, invoiceHeader, func(v any) int { return len(v.(*canonical.Invoice).Lines) }},
		{progressMapping, progressHeader, func(any) int { return 1 }},
		// Every row of a catalog item is one of its prices when unit prices are required.
		{catalogMapping + "required: [prices.unit_price]\n", catalogHeader, func(v any) int { return len(v.(*canonical.CatalogItem).Prices) }},
	}
	rules := make([]*mapping.Rules, len(docs))
	for i, d := range docs {
		m, err := mapping.Parse("fuzz.yaml", []byte(d.yaml))
		if err != nil {
			f.Fatal(err)
		}
		if rules[i], err = m.Compile(); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		rows := strings.Split(text, "\n")
		for i, d := range docs {
			var rec connectortest.Recorder
			b, err := rules[i].NewBuilder(canonical.Source{File: "fuzz.csv", Line: 1}, d.header, &rec)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for n, row := range rows {
				line := n + 2
				if rest, ok := strings.CutPrefix(row, "!"); ok {
					var cells []string
					if rest != "" {
						cells = strings.Split(rest, ";")
					}
					err = b.BadRow(ctx, line, cells, connectors.RowError{Code: "field_count", Message: "unreadable"})
				} else {
					err = b.Row(ctx, line, strings.Split(row, ";"))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			accounted := 0
			for _, r := range rec.Records {
				if err := canonical.Validate(r.Value); err != nil {
					t.Fatalf("%s: emitted %s %q does not validate: %v", rules[i].Document(), r.Type, r.Key, err)
				}
				accounted += d.lines(r.Value)
			}
			seen := map[int]bool{}
			for _, e := range rec.RowErrors {
				if e.Line < 2 || e.Line > len(rows)+1 || e.Code == "" || e.Message == "" {
					t.Fatalf("%s: row error without a line, code or message: %+v", rules[i].Document(), e)
				}
				if seen[e.Line] {
					t.Fatalf("%s: line %d has two row errors: %v", rules[i].Document(), e.Line, rec.RowErrors)
				}
				seen[e.Line] = true
			}
			if accounted+len(seen) != len(rows) {
				t.Fatalf("%s: %d rows, %d in records and %d with row errors", rules[i].Document(), len(rows), accounted, len(seen))
			}
		}
	})
}
