// Package xmlbound bounds what an XML document can make encoding/xml hold:
// the size of the whole input, the nesting of elements, the length of one
// token (a text run, a tag with its attributes, a comment, a CDATA section,
// a processing instruction) and the attributes of one element. It also
// refuses DTDs with declarations and entity declarations.
//
// The bounds are kept by a Reader between the input and the
// *xml.Decoder, not by a token wrapper: the decoders read whole elements
// with DecodeElement and take lines from Decoder.InputPos, which a
// TokenReader under xml.NewTokenDecoder would lose. The Reader follows the
// markup byte by byte as it passes (the way encoding/xml splits it, for
// UTF-8 and the ASCII-compatible encodings a CharsetReader turns into
// UTF-8), and stops at the first byte that crosses a bound, before
// encoding/xml has buffered more than one bound's worth: a nesting bomb is
// refused at its 257th element, a 2 MiB text at its first MiB. The
// decoder then returns the *Error from Token, RawToken or DecodeElement.
//
// A <!DOCTYPE name ...> without an internal subset is let through
// (encoding/xml never fetches an external DTD, and without "[" no entity
// can be declared): HTML error pages start with one, and the decoders tell
// them apart by their root element.
package xmlbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Default bounds (Limits fields left zero take them).
const (
	DefaultMaxBytes = 64 << 20 // the whole input
	DefaultMaxDepth = 256      // element nesting, as connectors/erpexport's maxDepth
	DefaultMaxToken = 1 << 20  // one text run, tag, comment, CDATA section, PI or DOCTYPE
	DefaultMaxAttrs = 256      // attributes of one element, namespace declarations included
)

// Limits are the bounds of one input. A zero field takes its default.
type Limits struct {
	MaxBytes int64 // bytes of the whole input
	MaxDepth int   // nesting of elements: the root is at depth 1
	MaxToken int   // bytes of one token
	MaxAttrs int   // attributes of one element
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxToken <= 0 {
		l.MaxToken = DefaultMaxToken
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	return l
}

// The bound an *Error crossed, for errors.Is.
var (
	ErrTooLarge     = errors.New("input too large")
	ErrTooDeep      = errors.New("elements nested too deep")
	ErrTokenTooLong = errors.New("token too long")
	ErrTooManyAttrs = errors.New("too many attributes")
	ErrDTD          = errors.New("DTD or entity declaration")
)

// Error is a bound crossed. It prints as
//
//	line 12: elements nested deeper than 256 (at /Document/BkToCstmrStmt/Stmt/…/a/a)
//
// Callers put the format's name (and the file) in front.
type Error struct {
	Line int    // 1-based line where the token that crossed the bound starts
	Path string // the open elements, shortened in the middle when deep; "" outside the root
	Msg  string // what was exceeded
	Err  error  // ErrTooLarge, ErrTooDeep, ErrTokenTooLong, ErrTooManyAttrs or ErrDTD
}

func (e *Error) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + e.Detail()
}

// Detail is the message and the path, without the line: for row errors
// that carry the line on their own.
func (e *Error) Detail() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Msg + " (at " + e.Path + ")"
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Scanner states: where in the markup the next byte falls.
const (
	sText      = iota // character data, up to "<"
	sOpen             // after "<"
	sBang             // after "<!", reading the keyword
	sComment          // in <!-- -->
	sCDATA            // in <![CDATA[ ]]>
	sPI               // in <? ?>
	sDoctype          // in <!DOCTYPE >
	sStartName        // in the name of a start tag
	sTag              // in a start tag after its name
	sAttrValue        // in a quoted attribute value
	sEndTag           // in an end tag
)

// maxPathName is how much of each element name is kept for error paths.
const maxPathName = 64

// Reader passes an input through unchanged and fails with an *Error at the
// first byte that crosses a bound. After that every Read returns the same
// error. It is not safe for concurrent use.
type Reader struct {
	r   io.Reader
	lim Limits
	err error

	n    int64 // bytes passed so far
	line int   // line of the next byte

	state   int
	tok     int // bytes of the current token so far
	tokLine int // line the current token starts on
	kw      [7]byte
	kwn     int
	quote   byte    // the quote of an attribute value or DOCTYPE literal, 0 outside
	tail    [2]byte // the last two bytes of a comment, CDATA section or PI
	attrs   int     // attributes of the current start tag
	empty   bool    // the start tag's last non-space byte is "/"

	names    []byte // the open elements' names (clipped), then the one being read
	ends     []int  // end of each open element's name in names
	nameLen  int    // length of the name being read (unclipped)
	pendName bool   // names holds a start tag's name past ends
}

// NewReader returns a Reader of r with the bounds lim (zero fields take
// their defaults).
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: r, lim: lim.withDefaults(), line: 1, tokLine: 1}
}

// Read reads from the input and checks what it read.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// One byte past the bound is read to tell an input of exactly the
	// bound from a longer one.
	if left := r.lim.MaxBytes - r.n + 1; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := r.r.Read(p)
	ok := n
	if over := r.lim.MaxBytes - r.n; int64(n) > over {
		ok = int(over)
	}
	if k := r.scan(p[:ok]); k < ok {
		r.n += int64(k)
		return k, r.err
	}
	r.n += int64(ok)
	if ok < n {
		r.fail(r.line, ErrTooLarge, "the input is larger than "+size(r.lim.MaxBytes), r.path())
		return ok, r.err
	}
	return n, err
}

// scan follows the markup of p and returns len(p), or the index of the
// byte that crosses a bound (r.err is then set).
func (r *Reader) scan(p []byte) int {
	for i := 0; i < len(p); i++ {
		if r.state == sText {
			j := bytes.IndexByte(p[i:], '<')
			seg := p[i:]
			if j >= 0 {
				seg = p[i : i+j]
			}
			if r.tok+len(seg) > r.lim.MaxToken {
				k := i + r.lim.MaxToken - r.tok
				r.line += bytes.Count(p[i:k], []byte{'\n'})
				r.fail(r.tokLine, ErrTokenTooLong, "text longer than "+size(int64(r.lim.MaxToken)), r.path())
				return k
			}
			r.tok += len(seg)
			r.line += bytes.Count(seg, []byte{'\n'})
			if j < 0 {
				return len(p)
			}
			i += j
			r.state, r.tok, r.tokLine = sOpen, 1, r.line
			continue
		}
		c := p[i]
		if r.tok++; r.tok > r.lim.MaxToken {
			r.fail(r.tokLine, ErrTokenTooLong, r.tokenName()+" longer than "+size(int64(r.lim.MaxToken)), r.path())
			return i
		}
		if c == '\n' {
			r.line++
		}
		if !r.step(c) {
			return i
		}
	}
	return len(p)
}

// step takes one byte of markup; false when it crosses a bound.
func (r *Reader) step(c byte) bool {
	switch r.state {
	case sOpen:
		switch c {
		case '/':
			r.state = sEndTag
		case '?':
			r.state, r.tail = sPI, [2]byte{}
		case '!':
			r.state, r.kwn = sBang, 0
		default:
			r.state, r.attrs, r.empty = sStartName, 0, false
			r.pendName, r.nameLen = true, 0
			return r.step(c)
		}
	case sBang:
		r.kw[r.kwn] = c
		r.kwn++
		kw := string(r.kw[:r.kwn])
		switch {
		case strings.HasPrefix("--", kw):
			if kw == "--" {
				r.state, r.tail = sComment, [2]byte{}
			}
		case strings.HasPrefix("[CDATA[", kw):
			if kw == "[CDATA[" {
				r.state, r.tail = sCDATA, [2]byte{}
			}
		case strings.HasPrefix("DOCTYPE", strings.ToUpper(kw)):
			// Any case, as encoding/xml takes it (HTML's <!doctype html>).
			if len(kw) == len("DOCTYPE") {
				r.state, r.quote = sDoctype, 0
			}
		default:
			r.fail(r.tokLine, ErrDTD, fmt.Sprintf("a %q declaration is not allowed: no DTD or entity declarations are read", "<!"+kw), r.path())
			return false
		}
	case sComment:
		if c == '>' && r.tail == [2]byte{'-', '-'} {
			r.toText()
			return true
		}
		r.tail = [2]byte{r.tail[1], c}
	case sCDATA:
		if c == '>' && r.tail == [2]byte{']', ']'} {
			r.toText()
			return true
		}
		r.tail = [2]byte{r.tail[1], c}
	case sPI:
		if c == '>' && r.tail[1] == '?' {
			r.toText()
			return true
		}
		r.tail = [2]byte{r.tail[1], c}
	case sDoctype:
		switch {
		case r.quote != 0:
			if c == r.quote {
				r.quote = 0
			}
		case c == '"' || c == '\'':
			r.quote = c
		case c == '[' || c == '<':
			r.fail(r.tokLine, ErrDTD, "a DTD with declarations (<!DOCTYPE ... [ ... ]>) is not allowed: no DTD or entity declarations are read", r.path())
			return false
		case c == '>':
			r.toText()
		}
	case sStartName:
		if isSpace(c) || c == '/' || c == '>' {
			if len(r.ends)+1 > r.lim.MaxDepth {
				r.fail(r.tokLine, ErrTooDeep, "elements nested deeper than "+strconv.Itoa(r.lim.MaxDepth), r.path())
				return false
			}
			r.state = sTag
			return r.step(c)
		}
		if r.nameLen < maxPathName {
			r.names = append(r.names, c)
		}
		r.nameLen++
	case sTag:
		switch {
		case c == '"' || c == '\'':
			if r.attrs++; r.attrs > r.lim.MaxAttrs {
				r.fail(r.tokLine, ErrTooManyAttrs, "an element with more than "+strconv.Itoa(r.lim.MaxAttrs)+" attributes", r.path())
				return false
			}
			r.state, r.quote, r.empty = sAttrValue, c, false
		case c == '/':
			r.empty = true
		case c == '>':
			if r.empty {
				r.names = r.names[:r.top()]
			} else {
				r.ends = append(r.ends, len(r.names))
			}
			r.pendName = false
			r.toText()
		case !isSpace(c):
			r.empty = false
		}
	case sAttrValue:
		if c == r.quote {
			r.state, r.quote = sTag, 0
		}
	case sEndTag:
		if c == '>' {
			if n := len(r.ends); n > 0 {
				r.ends = r.ends[:n-1]
				r.names = r.names[:r.top()]
			}
			r.toText()
		}
	}
	return true
}

func (r *Reader) toText() {
	r.state, r.tok, r.tokLine = sText, 0, r.line
}

// top is the end of the innermost open element's name in r.names.
func (r *Reader) top() int {
	if n := len(r.ends); n > 0 {
		return r.ends[n-1]
	}
	return 0
}

func (r *Reader) tokenName() string {
	switch r.state {
	case sBang, sDoctype:
		return "a <!DOCTYPE> declaration"
	case sComment:
		return "a comment"
	case sCDATA:
		return "a CDATA section"
	case sPI:
		return "a processing instruction"
	case sEndTag:
		return "an end tag"
	}
	return "a start tag"
}

// path prints the open elements, and the start tag being read, as
// /Document/BkToCstmrStmt/Stmt; past 8 elements only the first 4 and the
// last 3 are shown.
func (r *Reader) path() string {
	var names []string
	start := 0
	for _, end := range r.ends {
		names = append(names, string(r.names[start:end]))
		start = end
	}
	if r.pendName && start < len(r.names) {
		names = append(names, string(r.names[start:]))
	}
	if len(names) == 0 {
		return ""
	}
	if len(names) > 8 {
		names = append(append(names[:4:4], "…"), names[len(names)-3:]...)
	}
	return "/" + strings.Join(names, "/")
}

func (r *Reader) fail(line int, kind error, msg, path string) {
	r.err = &Error{Line: line, Path: path, Msg: msg, Err: kind}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// size prints a byte count as "1 MiB", "64 KiB" or "1000 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
