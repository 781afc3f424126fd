package edifact

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// writer builds segments with the standard service characters (: + . ? ')
// and writes each segment on a line of its own ("'" then "\n"), which
// every EDIFACT reader accepts (ISO 9735 lets line breaks separate
// segments). Text is encoded in the character set of the interchange;
// the delimiters and the release character inside text are released with
// '?'.
type writer struct {
	buf []byte
	cs  charset
	// strict makes a character the charset cannot hold an error; when
	// false (acknowledgements, which only echo what the sender sent) it
	// is written as '.'.
	strict bool
	segs   int    // segments written since the last count reset
	err    error  // the first text error
	where  string // the record being written, for errors
	tag    string // the segment being written
}

// el is one data element: its components.
type el []string

// seg writes a segment. Trailing empty components and elements are left out.
func (w *writer) seg(tag string, els ...el) {
	w.tag = tag
	w.buf = append(w.buf, tag...)
	last := len(els)
	for last > 0 && isEmpty(els[last-1]) {
		last--
	}
	for _, e := range els[:last] {
		w.buf = append(w.buf, '+')
		n := len(e)
		for n > 0 && e[n-1] == "" {
			n--
		}
		for j, c := range e[:n] {
			if j > 0 {
				w.buf = append(w.buf, ':')
			}
			w.text(c)
		}
	}
	w.buf = append(w.buf, '\'', '\n')
	w.segs++
}

func isEmpty(e el) bool {
	for _, c := range e {
		if c != "" {
			return false
		}
	}
	return true
}

// text appends s, released and encoded.
func (w *writer) text(s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '+', ':', '\'', '?':
			w.buf = append(w.buf, '?', byte(r))
			continue
		}
		if r == utf8.RuneError && size == 1 || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			w.bad(r, size)
			continue
		}
		switch w.cs {
		case charsetUTF8:
			w.buf = utf8.AppendRune(w.buf, r)
		case charsetUNOC:
			if r > 0xff {
				w.bad(r, size)
				continue
			}
			w.buf = append(w.buf, byte(r))
		default: // UNOA, UNOB
			if r >= 0x80 || !legalChars[w.cs][r] {
				w.bad(r, size)
				continue
			}
			w.buf = append(w.buf, byte(r))
		}
	}
}

// bad handles a character the interchange cannot hold.
func (w *writer) bad(r rune, size int) {
	if w.strict {
		if w.err == nil {
			what := fmt.Sprintf("character %U", r)
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				what = fmt.Sprintf("control character %U", r)
			} else if r == utf8.RuneError && size == 1 {
				what = "a byte that is not UTF-8"
			}
			w.err = fmt.Errorf("%s: %s: %s cannot be written in character set %s", w.where, w.tag, what, charsetName(w.cs))
		}
		return
	}
	w.buf = append(w.buf, '.')
}

func charsetName(cs charset) string {
	return [...]string{charsetUNOA: "UNOA", charsetUNOB: "UNOB", charsetUNOC: "UNOC", charsetUTF8: "UNOY/UNOW", charsetAny: "of the interchange"}[cs]
}

// flush writes the buffer to out.
func (w *writer) flush(out io.Writer) error {
	_, err := out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}
