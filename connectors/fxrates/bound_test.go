package fxrates

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/internal/xmlbound"
)

func TestParseRefusesXMLThatCrossesABoundWithLineAndPath(t *testing.T) {
	const datePath = "gesmes:Envelope/Cube/Cube[@time='2026-03-02']"
	day := func(inside string) string {
		return ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='USD' rate='1.0812'/>\n" + inside + "\t\t</Cube>\n")
	}
	daily := string(readFile(t, dailyFile))
	tests := []struct {
		name     string
		input    string
		maxBytes int64 // 0: Parse's own bound
		line     int   // of the token that crosses the bound
		path     string
		msg      string
		rates    int // handed to fn before the refusal
	}{
		{"a nesting bomb of 100,000 elements", ecbDoc(strings.Repeat("<Cube>", 100_000)), 0, 5,
			"gesmes:Envelope/Cube/Cube/Cube/…/Cube/Cube/Cube", "elements nested deeper than 256", 0},
		{"a text node of 2 MiB", day("\t\t\t" + strings.Repeat(" ", 2<<20) + "\n"), 0, 6,
			datePath, "text longer than 1 MiB", 1},
		{"a rate attribute of 2 MiB", day("\t\t\t<Cube currency='JPY' rate='1." + strings.Repeat("0", 2<<20) + "'/>\n"), 0, 7,
			datePath, "a start tag longer than 1 MiB", 1},
		{"a rate with 300 attributes", day("\t\t\t<Cube currency='JPY' rate='162.43'" + strings.Repeat(` a=""`, 300) + "/>\n"), 0, 7,
			datePath, "an element with more than 256 attributes", 1},
		{"a billion laughs DTD", "<?xml version=\"1.0\"?>\n<!DOCTYPE gesmes:Envelope [\n <!ENTITY lol \"lol\">\n <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n" +
			"<gesmes:Envelope><Cube>&lol1;</Cube></gesmes:Envelope>\n", 0, 2,
			"", "a DTD with declarations", 0},
		{"a daily file cut by its bound after the GBP rate", daily, int64(strings.Index(daily, "<Cube currency='GBP'") + 40), 14,
			datePath, "the input is larger than", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			lim := xmlbound.Limits{MaxBytes: maxInputBytes}
			if tt.maxBytes > 0 {
				lim.MaxBytes = tt.maxBytes
			}
			n := 0
			err := parse(context.Background(), strings.NewReader(tt.input), func(Rate) error { n++; return nil }, lim)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want a *ParseError", err, err)
			}
			if pe.Code != CodeXMLLimit || pe.Line != tt.line || pe.Path != tt.path || !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("err = %v (code %s, line %d, path %q), want %s on line %d at %q saying %q", err, pe.Code, pe.Line, pe.Path, CodeXMLLimit, tt.line, tt.path, tt.msg)
			}
			if n != tt.rates {
				t.Errorf("%d rates handed to fn, want the %d before the refusal", n, tt.rates)
			}
		})
	}
}

func TestParseBoundsItsInputTo16MiB(t *testing.T) {
	// The bound itself, through Parse: 16 MiB of comments (tokens within
	// their own bound) after the rates.
	in := strings.NewReader(ecbDoc("\t\t<Cube time='2026-03-02'>\n\t\t\t<Cube currency='USD' rate='1.0812'/>\n\t\t</Cube>\n" +
		strings.Repeat("<!--"+strings.Repeat("x", 1000)+"-->\n", 17<<10)))
	err := Parse(context.Background(), in, func(Rate) error { return nil })
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Code != CodeXMLLimit || !strings.Contains(pe.Message, "larger than 16 MiB") {
		t.Fatalf("err = %v, want %s: larger than 16 MiB", err, CodeXMLLimit)
	}
}

func TestParseReadsAFileExactlyAtItsBound(t *testing.T) {
	daily := readFile(t, dailyFile)
	n := 0
	if err := parse(context.Background(), strings.NewReader(string(daily)), func(Rate) error { n++; return nil }, xmlbound.Limits{MaxBytes: int64(len(daily))}); err != nil || n != 29 {
		t.Fatalf("err = %v after %d rates, want the 29 rates of the file", err, n)
	}
}
