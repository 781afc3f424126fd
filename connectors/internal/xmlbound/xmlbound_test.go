package xmlbound

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeAll reads every token of in through a Reader with lim.
func decodeAll(in io.Reader, lim Limits) (int, error) {
	d := xml.NewDecoder(NewReader(in, lim))
	n := 0
	for {
		_, err := d.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func nested(depth int) string {
	return strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth)
}

func TestReaderRefusesWhatCrossesABound(t *testing.T) {
	mib := 1 << 20
	tests := []struct {
		name string
		in   string
		lim  Limits
		kind error
		line int
		want string // the whole Error()
	}{
		{"elements nested one deeper than the bound", "<r>\n" + nested(256), Limits{}, ErrTooDeep, 2,
			"line 2: elements nested deeper than 256 (at /r/a/a/a/…/a/a/a)"},
		{"an empty element one deeper than the bound", strings.Repeat("<a>", 3) + "\n<b/>" + strings.Repeat("</a>", 3), Limits{MaxDepth: 3}, ErrTooDeep, 2,
			"line 2: elements nested deeper than 3 (at /a/a/a/b)"},
		{"a text of 2 MiB", "<Document>\n<Ustrd>" + strings.Repeat("x", 2*mib) + "</Ustrd></Document>", Limits{}, ErrTokenTooLong, 2,
			"line 2: text longer than 1 MiB (at /Document/Ustrd)"},
		{"an attribute value of 2 MiB", "<Document>\n<Amt Ccy='" + strings.Repeat("E", 2*mib) + "'>1</Amt></Document>", Limits{}, ErrTokenTooLong, 2,
			"line 2: a start tag longer than 1 MiB (at /Document/Amt)"},
		{"a comment of 2 MiB", "<Document><!--" + strings.Repeat("-x", mib) + "--></Document>", Limits{}, ErrTokenTooLong, 1,
			"line 1: a comment longer than 1 MiB (at /Document)"},
		{"a CDATA section of 2 MiB", "<Document><![CDATA[" + strings.Repeat("x", 2*mib) + "]]></Document>", Limits{}, ErrTokenTooLong, 1,
			"line 1: a CDATA section longer than 1 MiB (at /Document)"},
		{"an element with too many attributes", "<r" + strings.Repeat(" a=''", 4) + "/>", Limits{MaxAttrs: 3}, ErrTooManyAttrs, 1,
			"line 1: an element with more than 3 attributes (at /r)"},
		{"a billion laughs DTD", "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<lolz>&lol2;</lolz>", Limits{}, ErrDTD, 2,
			"line 2: a DTD with declarations (<!DOCTYPE ... [ ... ]>) is not allowed: no DTD or entity declarations are read"},
		{"an entity declaration on its own", "<!ENTITY x \"y\">\n<r/>", Limits{}, ErrDTD, 1,
			`line 1: a "<!E" declaration is not allowed: no DTD or entity declarations are read`},
		{"an input one byte over the bound", "<r>" + strings.Repeat(" ", 94) + "</r>", Limits{MaxBytes: 100}, ErrTooLarge, 1,
			"line 1: the input is larger than 100 bytes (at /r)"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := decodeAll(strings.NewReader(tt.in), tt.lim)
			e := AsError(err)
			if e == nil {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("err = %v, want it to be %v", err, tt.kind)
			}
			if e.Line != tt.line {
				t.Errorf("line %d, want %d", e.Line, tt.line)
			}
			if got := e.Error(); got != tt.want {
				t.Errorf("err = %s\nwant  %s", got, tt.want)
			}
		})
	}
}

func TestReaderPassesWhatStaysWithinTheBounds(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<!-- a comment with -> and > in it -->
<r xmlns:x="urn:x" a='1' b="2 > 1" c='"'>
	<?pi with > inside?>
	<x:e>text &amp; more<![CDATA[ <not a tag> ]] ]]></x:e>
	<e/><e />
	<e a="/"/>
</r>
`
	tests := []struct {
		name string
		in   string
		lim  Limits
	}{
		{"a document with every kind of markup", doc, Limits{}},
		{"a document read a byte at a time", doc, Limits{MaxBytes: int64(len(doc))}},
		{"an HTML page with a lower-case doctype", "<!doctype html>\n<html><body>down</body></html>", Limits{}},
		{"elements nested exactly as deep as the bound", nested(256), Limits{}},
		{"a text exactly as long as the bound", "<r>" + strings.Repeat("x", 1<<20) + "</r>", Limits{}},
		{"an element with exactly the attributes allowed", "<r" + strings.Repeat(" a=''", 3) + "/>", Limits{MaxAttrs: 3}},
		{"an input exactly as long as the bound", "<r>" + strings.Repeat(" ", 93) + "</r>", Limits{MaxBytes: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is read whole", func(t *testing.T) {
			want, err := decodeAll(strings.NewReader(tt.in), Limits{MaxBytes: 1 << 30, MaxDepth: 1 << 30, MaxToken: 1 << 30, MaxAttrs: 1 << 30})
			if err != nil {
				t.Fatalf("without bounds: %v", err)
			}
			got, err := decodeAll(iotest.OneByteReader(strings.NewReader(tt.in)), tt.lim)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got != want {
				t.Errorf("%d tokens, want %d", got, want)
			}
		})
	}
}

// endless is an element nested without end: <a><a><a>...
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "<a>"[e.n%3]
		e.n++
	}
	return len(p), nil
}

func TestReaderStopsANestingBombAtTheBound(t *testing.T) {
	src := &endless{}
	_, err := decodeAll(src, Limits{})
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	// The decoder read ahead at most one buffer past the 257th element.
	if src.n > 257*3+64<<10 {
		t.Errorf("%d bytes read, want the bomb refused near its 257th element", src.n)
	}
}

func TestReaderKeepsFailingAfterAnError(t *testing.T) {
	r := NewReader(strings.NewReader("<!ENTITY x 'y'><r/>"), Limits{})
	b, err := io.ReadAll(r)
	if !errors.Is(err, ErrDTD) {
		t.Fatalf("err = %v, want ErrDTD", err)
	}
	if !bytes.Equal(b, []byte("<!")) {
		t.Errorf("passed %q, want the bytes before the declaration's keyword", b)
	}
	if _, err2 := r.Read(make([]byte, 10)); err2 != err {
		t.Errorf("second Read err = %v, want %v", err2, err)
	}
}

func TestReaderLinesCountFromTheTokenStart(t *testing.T) {
	in := "<r>\n\n<t>\nx\n" + strings.Repeat("y", 200) + "</t></r>"
	_, err := decodeAll(strings.NewReader(in), Limits{MaxToken: 100})
	e := AsError(err)
	if e == nil || e.Line != 3 || e.Path != "/r/t" {
		t.Fatalf("err = %v, want line 3 at /r/t (where the text starts)", err)
	}
}

func TestSizePrintsUnits(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 256 << 20: "256 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
