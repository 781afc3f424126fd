package edifact

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// delimiters are the service characters of an interchange: what a UNA
// advises, or the defaults of ISO 9735 (: + . ? space ').
type delimiters struct {
	component, element, decimal, release, terminator byte
}

var defaultDelimiters = delimiters{component: ':', element: '+', decimal: '.', release: '?', terminator: '\''}

// charset is the syntax identifier of UNB S001 that says which characters
// the interchange may hold and how they are encoded.
type charset int

const (
	charsetUNOA charset = iota // upper-case letters, digits and a few signs (ISO 646 subset)
	charsetUNOB                // UNOA plus lower case and the rest of printable ASCII
	charsetUNOC                // ISO 8859-1: converted to UTF-8
	charsetUTF8                // UNOY / UNOW: UTF-8
	charsetAny                 // before UNB names one: no check, no conversion
)

// parseCharset reads the syntax identifier of UNB S001.
func parseCharset(id string) (charset, bool) {
	switch id {
	case "UNOA":
		return charsetUNOA, true
	case "UNOB":
		return charsetUNOB, true
	case "UNOC":
		return charsetUNOC, true
	case "UNOY", "UNOW":
		return charsetUTF8, true
	}
	return 0, false
}

// legalChars are the bytes each character set allows in text: levels A
// and B of ISO 9735 (service characters included; level B is taken as
// printable ASCII), the graphic characters of ISO 8859-1 for UNOC, and for
// UTF-8 every byte but control characters (utf8.Valid checks the rest).
var legalChars = func() (t [charsetAny + 1][256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[charsetUNOA][c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[charsetUNOA][c] = true
	}
	for _, c := range " .,-()/='+:?!\"%&*;<>" {
		t[charsetUNOA][c] = true
	}
	for c := 0; c < 256; c++ {
		t[charsetUNOB][c] = c >= 0x20 && c < 0x7f
		t[charsetUNOC][c] = (c >= 0x20 && c < 0x7f) || c >= 0xa0
		t[charsetUTF8][c] = c >= 0x20 && c != 0x7f
		t[charsetAny][c] = true
	}
	return t
}()

// segment is one segment: its tag and its elements, each a list of
// components with release characters removed and text in UTF-8.
type segment struct {
	tag string
	els [][]string
	pos int // 1-based position in the interchange (UNA counts)
	// bad says why the segment's text is not acceptable (an illegal
	// character), "" when it is.
	bad string
}

// el returns component j of element i (both 0-based; element 0 is the tag's
// first data element), "" when absent.
func (s *segment) el(i, j int) string {
	if i < len(s.els) && j < len(s.els[i]) {
		return s.els[i][j]
	}
	return ""
}

// maxSegment bounds one segment; real segments have a few hundred bytes.
const maxSegment = 1 << 20

var (
	errReleaseAtEnd  = errors.New("the input ends with a release character: its segment terminator is missing")
	errUnterminated  = errors.New("the last segment has no segment terminator")
	errSegmentTooBig = fmt.Errorf("a segment is longer than %d bytes", maxSegment)
)

// scanner splits an interchange into segments.
type scanner struct {
	br   *bufio.Reader
	d    delimiters
	cs   charset
	pos  int
	raw  []byte // the raw bytes of the segment being read
	text []byte // its text after release handling and conversion
	comp []int  // end offsets of components in text
	elen []int  // number of components per element

	// Slabs the segments' slices are cut from, to allocate once per many segments.
	strSlab []string
	elSlab  [][]string
}

const slabSize = 4096

// strings returns a slice of n strings cut from the slab.
func (sc *scanner) strings(n int) []string {
	if n > slabSize/4 {
		return make([]string, n)
	}
	if len(sc.strSlab) < n {
		sc.strSlab = make([]string, slabSize)
	}
	s := sc.strSlab[:n:n]
	sc.strSlab = sc.strSlab[n:]
	return s
}

// elements returns a slice of n elements cut from the slab.
func (sc *scanner) elements(n int) [][]string {
	if n > slabSize/4 {
		return make([][]string, n)
	}
	if len(sc.elSlab) < n {
		sc.elSlab = make([][]string, slabSize)
	}
	s := sc.elSlab[:n:n]
	sc.elSlab = sc.elSlab[n:]
	return s
}

// next returns the next segment; io.EOF after the last. errUnterminated
// comes with the segment it concerns; errReleaseAtEnd and
// errSegmentTooBig with the position only.
func (sc *scanner) next() (segment, error) {
	sc.raw = sc.raw[:0]
	for {
		chunk, err := sc.br.ReadSlice(sc.d.terminator)
		sc.raw = append(sc.raw, chunk...)
		if len(sc.raw) > maxSegment {
			sc.pos++
			return segment{pos: sc.pos}, errSegmentTooBig
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(trimLeft(sc.raw)) == 0 {
				return segment{}, io.EOF
			}
			sc.pos++
			if odd := releasedEnd(sc.raw, sc.d.release); odd {
				return segment{pos: sc.pos}, errReleaseAtEnd
			}
			s := sc.split(trimLeft(sc.raw))
			return s, errUnterminated
		}
		if err != nil {
			return segment{}, err
		}
		// A terminator preceded by an odd number of release characters is text.
		if releasedEnd(sc.raw[:len(sc.raw)-1], sc.d.release) {
			continue
		}
		body := trimLeft(sc.raw[:len(sc.raw)-1])
		if len(body) == 0 {
			continue // an empty segment (a stray terminator) is nothing
		}
		sc.pos++
		return sc.split(body), nil
	}
}

// releasedEnd reports whether b ends with an odd number of release characters.
func releasedEnd(b []byte, release byte) bool {
	if release == 0 {
		return false
	}
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == release; i-- {
		n++
	}
	return n%2 == 1
}

// trimLeft drops the line breaks that many partners put between segments
// (and white space, which cannot begin a segment tag).
func trimLeft(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r' || b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// split cuts a segment body into elements and components, removing release
// characters, checking the character set and converting to UTF-8.
func (sc *scanner) split(b []byte) segment {
	seg := segment{pos: sc.pos}
	sc.text, sc.comp, sc.elen = sc.text[:0], sc.comp[:0], sc.elen[:0]
	ncomp := 1
	d := sc.d
	legal := &legalChars[sc.cs]
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == d.release && d.release != 0:
			if i+1 < len(b) {
				i++
				c = b[i]
			}
		case c == d.element:
			sc.comp = append(sc.comp, len(sc.text))
			sc.elen = append(sc.elen, ncomp)
			ncomp = 1
			continue
		case c == d.component:
			sc.comp = append(sc.comp, len(sc.text))
			ncomp++
			continue
		}
		if !legal[c] && seg.bad == "" {
			seg.bad = illegal(c, sc.cs)
		}
		if c >= 0x80 && sc.cs == charsetUNOC {
			sc.text = utf8.AppendRune(sc.text, rune(c))
			continue
		}
		sc.text = append(sc.text, c)
	}
	sc.comp = append(sc.comp, len(sc.text))
	sc.elen = append(sc.elen, ncomp)
	if sc.cs == charsetUTF8 && seg.bad == "" && !utf8.Valid(sc.text) {
		seg.bad = "the text is not valid UTF-8, which syntax identifier UNOY/UNOW requires"
	}
	text := string(sc.text)
	comps := sc.strings(len(sc.comp))
	start := 0
	for i, end := range sc.comp {
		comps[i] = text[start:end]
		start = end
	}
	seg.tag = comps[0]
	if sc.elen[0] > 1 {
		// A tag with components (UNH has none; some write "LIN:1") keeps its first.
		comps = comps[sc.elen[0]-1:]
		comps[0] = seg.tag
	}
	els := sc.elements(len(sc.elen) - 1)
	at := 1
	for i, n := range sc.elen[1:] {
		els[i] = comps[at : at+n : at+n]
		at += n
	}
	seg.els = els
	return seg
}

func illegal(c byte, cs charset) string {
	set := [...]string{charsetUNOA: "UNOA", charsetUNOB: "UNOB", charsetUNOC: "UNOC (ISO 8859-1)", charsetUTF8: "UNOY/UNOW (UTF-8)", charsetAny: "of the interchange"}[cs]
	return fmt.Sprintf("character 0x%02X is not allowed by character set %s", c, set)
}
