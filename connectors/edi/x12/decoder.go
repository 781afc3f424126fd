// Package x12 decodes inbound ANSI ASC X12 interchanges (version 004010 and
// later) into canonical records: 850 purchase orders, 855 purchase order
// acknowledgments, 856 ship notices and 810 invoices.
//
// The delimiters come from the ISA segment of each interchange: the element
// separator is its fourth byte, the sub-element separator ISA16, the
// repetition separator ISA11 (from version 00402 on) and the segment
// terminator the byte after ISA16, which may be a line break. Line breaks
// (CR, LF) after a terminator are ignored. A file may hold several
// interchanges, each several functional groups (GS/GE), each several
// transaction sets (ST/SE).
//
// Positions: RowError.Line and Source.Line are the 1-based position of a
// segment in the file, ISA being 1 (for a file with one interchange, its
// position in the interchange). A record's source is its ST. A rejected
// set's row error names the segment and element of the problem when one
// element is at fault ("PO103"), else its ST (validation, truncation, an
// unsupported set type or version); its message names the set ("850" "0001").
//
// What happens to problems:
//
//   - a file that does not start with an ISA segment (or whose ISA is too
//     short to give the delimiters) is a *connectors.FileError: not_x12;
//   - envelope problems that lose nothing are warnings (RowError.Warning):
//     control numbers that differ (ISA13/IEA02, GS06/GE02, ST02/SE02),
//     counts that disagree (IEA01, GE01, SE01, CTT01), a missing IEA, GE or
//     SE when the next envelope segment (or the end of the file) makes the
//     content unambiguous, and segments outside any transaction set;
//   - a transaction set the decoder cannot turn into a valid record is one
//     row error at its ST, and decoding goes on with the next ST: a bad
//     element (date, number, unit, GTIN), a control character or bytes that
//     are not UTF-8, a set type other than 850/855/856/810, a version before
//     004010, a set cut off by the end of the file, a record that does not
//     pass canonical validation;
//   - a segment whose id is not one this package knows for 850/855/856/810
//     is ignored with a warning (unknown_segment), so that a partner's
//     guideline change is seen without rejecting the document; known
//     segments that carry nothing the canonical model holds (PER, TD4,
//     SAC...) are ignored silently.
//
// Acknowledgements: when the sink takes replies (connectors.Replier) and
// Options.Acknowledgement is not "none", Decode ends with one reply named
// after the input plus ".997" (or ".999"): one acknowledgement interchange
// per inbound interchange whose ISA could be read, concatenated, each
// segment ended by "~\n", '*' between elements and ':' as ISA16. A file
// error (not X12) gets none. Each holds:
//
//   - ISA: sender and receiver (ISA05/06, ISA07/08) swapped, ISA09/10 from
//     Options.Now in UTC, ISA11/12 the inbound's version ('^' as
//     repetition separator from 00402 on, else 'U'), ISA13 a 9-digit
//     number derived from the input's SHA-256 and the interchange's index
//     in the file (the same input always gets the same acknowledgement),
//     ISA14 "0", ISA15 the inbound's usage;
//   - per inbound functional group a GS "FA" (GS02/03 swapped, GS06 1, 2...
//     in the interchange, GS08 the release of the inbound's GS08 for a 997,
//     "005010X231A1" for a 999) with one ST 997 (999) holding AK1 (GS01,
//     GS06, and GS08 in a 999), per transaction set an AK2 (ST01, ST02, and
//     ST03 in a 999), its segment problems and AK5 (IK5), then AK9;
//   - AK5/IK5 "A" for a set taken, "E" for a set taken with envelope
//     warnings (2 SE missing, 3 SE02 differs, 4 SE01 wrong, 5 unknown
//     segments, each an AK3 with code 1), "R" for a set rejected: 1 for a
//     set type or version not read, 2 for a set cut off, 5 otherwise, with
//     an AK3 (IK3: segment id, position in the set with ST as 1, code 8 or
//     3 for a missing segment) and AK4 (IK4: element position, reference
//     number when known, code 1 missing, 6 invalid character or number, 7
//     invalid code value, 8 invalid date, and the bad value) when the
//     problem is one element; a set that fails canonical validation has no
//     AK3;
//   - AK9: A, E (sets taken with errors, or group problems), P (some sets
//     rejected) or R (all), the sets GE01 says (else counted), received and
//     taken, and codes 2 (version not supported), 3 (GE missing), 4 (GE02
//     differs), 5 (GE01 wrong).
//
// Acknowledgements are never acknowledged: a group with GS01 "FA" and a
// 997 or 999 set in another group are left out (and still reported as
// unsupported sets). An interchange with nothing else to acknowledge gets
// no acknowledgement. Interchange-level problems (IEA) would need a TA1,
// which is not written. 999s carry no CTX: the decoder checks no
// situational rule of an implementation guide.
//
// Writing: EncodeOrder and EncodeOrderResponse write canonical orders
// (850) and order responses (855) as one interchange (Envelope: ISA, one
// GS "PO" or "PR", IEA) with one set per record, ST02 0001, 0002..., with
// '*', ':' (ISA16), '^' or 'U' (ISA11) and "~\n". They write what the
// decoder reads back with its default options, so that decoding gives the
// records again (Source aside):
//
//   - 850: BEG (order number, order date), CUR*BY, FOB (FOB04 "01", the
//     Incoterm, FOB07 its place), ITD12 (payment terms as text), DTM*002
//     (requested delivery), N1*BY and N1*SE (name, "92", id; N4 with the
//     country), N1*ST/N3/N4 (ship-to), PO1 (line number, quantity, X12
//     unit, unit price, "PE", VP sku, BP buyer sku, UP/EN/UK GTIN), PID*F
//     (description), CTT;
//   - 855: BAK (status AD/AC/RD, AK/RJ without lines; order number;
//     BAK04 and BAK09 the response date; BAK08 response number), N1*BY,
//     N1*SE, per line PO1 (line number, quantity in EA, unit price, VP sku)
//     and ACK (IA/IC/IR, quantity, "067" delivery date), CTT.
//
// Not written, as the decoder does not read them: line amounts, the order
// total, HS codes and origin countries. A record that does not pass its
// Validate, or a value with a delimiter (~ * : ^) or a control character,
// is an error naming the record and the field, and nothing is written:
// X12 has no escape.
//
// The decoder streams: it reads segment by segment and holds one
// transaction set at a time, and of every set only a small summary for
// the acknowledgement.
package x12

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Format is the format name of X12 files (`procurehub parse --format x12`).
const Format = "x12"

// Stable codes of the row and file errors this package reports, besides
// canonical's (invalid_date, invalid_decimal, invalid_unit, invalid_gtin,
// invalid_currency, invalid_incoterm, invalid_status, required...).
const (
	CodeNotX12             = "not_x12"                 // file error: the file is not an X12 interchange
	CodeEmpty              = "empty"                   // file error: the file has no content
	CodeUnsupportedVersion = "unsupported_version"     // a version before 004010
	CodeUnsupportedSet     = "unsupported_transaction" // a set type other than 850, 855, 856, 810
	CodeControlNumber      = "control_number_mismatch" // warning: trailer and header control numbers differ
	CodeCount              = "count_mismatch"          // warning: a trailer or CTT count disagrees
	CodeMissingTrailer     = "missing_trailer"         // warning: an IEA, GE or SE is missing, content unambiguous
	CodeTruncated          = "truncated"               // the file ends inside a transaction set
	CodeUnexpectedSegment  = "unexpected_segment"      // warning: a segment outside any transaction set
	CodeUnknownSegment     = "unknown_segment"         // warning: a segment id unknown in this set type
	CodeUnknownCode        = "unknown_code"            // warning: a code procurehub does not map (TD504); the value is left out
	CodeInvalidCharacter   = "invalid_character"       // a control character or invalid UTF-8 in a set
	CodeInvalidElement     = "invalid_element"         // an element that does not have its X12 form
	CodeSegmentTooLong     = "segment_too_long"        // a segment longer than maxSegment
	CodeBadDelimiters      = "bad_delimiters"          // an ISA whose delimiters collide
)

const (
	// ctxCheckEvery is how many segments are read between two looks at the context.
	ctxCheckEvery = 512
	// maxSegment bounds one segment; real ones have at most a few hundred bytes.
	maxSegment = 64 << 10
	// maxSetSegments bounds the segments held for one set, so that a set
	// without an SE cannot grow without end.
	maxSetSegments = 1 << 20
)

// Options says which X12 codes name the parties and the product ids.
// The zero value gives the defaults.
type Options struct {
	// BuyerQualifier is the N101 entity code of the buyer; default "BY".
	BuyerQualifier string
	// SupplierQualifier is the N101 entity code of the supplier; default
	// "SE" (selling party). "VN" (vendor) is taken when there is no SE.
	SupplierQualifier string
	// SKUQualifier is the PO1/IT1/LIN product id qualifier (235) of the
	// supplier's article number; default "VP" (vendor's part number).
	// "VN" (vendor's item number) is taken when it is absent.
	SKUQualifier string
	// BuyerSKUQualifier is the qualifier of the buyer's article number;
	// default "BP" (buyer's part number). "IN" is taken when it is absent.
	BuyerSKUQualifier string
	// Acknowledgement is the functional acknowledgement written back to the
	// sender: "997" (the default when empty), "999" or "none". Validate
	// refuses any other value; NewDecoder, which does not fail, takes it
	// as the default.
	Acknowledgement string
	// Now gives the date and time of acknowledgements; nil is time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.BuyerQualifier == "" {
		o.BuyerQualifier = "BY"
	}
	if o.SupplierQualifier == "" {
		o.SupplierQualifier = "SE"
	}
	if o.SKUQualifier == "" {
		o.SKUQualifier = "VP"
	}
	if o.BuyerSKUQualifier == "" {
		o.BuyerSKUQualifier = "BP"
	}
	if o.Validate() != nil || o.Acknowledgement == "" {
		o.Acknowledgement = Ack997
	}
	if o.Now == nil {
		o.Now = defaultNow
	}
	return o
}

// Decoder reads X12 interchanges. It keeps no state between inputs; one
// Decoder may decode several inputs at once.
type Decoder struct {
	opt Options
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a decoder with opt (zero fields take their defaults).
func NewDecoder(opt Options) *Decoder { return &Decoder{opt: opt.withDefaults()} }

// Decode reads one file. Each 850 becomes a canonical.Order keyed by its
// order number, each 855 a canonical.OrderResponse keyed by the order
// number it answers, each 856 a canonical.Shipment keyed by its shipment id,
// each 810 a canonical.Invoice keyed by its invoice number; each carries
// its source (file, ST position, "ST*850*0001"). See the package comment
// for what becomes a row error, a warning or a file error. When out is a
// connectors.Replier, Decode ends with one reply, the acknowledgement of
// what it read (see the package comment), unless Options.Acknowledgement
// is "none" or there is nothing to acknowledge. Decode checks ctx every
// few hundred segments and returns ctx.Err() once it is cancelled.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	connector := in.Connector
	if connector == "" {
		connector = "edi"
	}
	p := &parser{d: d, in: in, out: out, connector: connector, br: bufio.NewReaderSize(r, 64<<10)}
	if _, ok := out.(connectors.Replier); ok && d.opt.Acknowledgement != AckNone {
		p.ack = &ackLog{}
	}
	return p.run(ctx)
}

// delims are the delimiters of one interchange.
type delims struct {
	elem, sub, rep, term byte
	hasRep               bool
}

// segment is one segment as read: els[0] is the id, els[i] element i.
type segment struct {
	els []string
	pos int
}

func (s *segment) id() string { return s.els[0] }

// el returns element i without surrounding spaces, "" when absent.
func (s *segment) el(i int) string {
	if i < len(s.els) {
		return strings.TrimSpace(s.els[i])
	}
	return ""
}

// ref names element i of s: "BEG03".
func (s *segment) ref(i int) string { return fmt.Sprintf("%s%02d", s.id(), i) }

type interchange struct {
	pos     int
	control string
	groups  int
	skip    bool            // unsupported version: its content is not taken
	ack     *ackInterchange // nil when not acknowledged
}

type group struct {
	pos      int
	control  string
	sets     int
	version  string // GS08
	sender   string // GS02
	receiver string // GS03
	ack      *ackGroup
}

// txn is the transaction set being read.
type txn struct {
	typ     string
	control string
	pos     int
	segs    []segment
	err     *connectors.RowError // first problem: the set is rejected
	group   *group
	unknown map[string]bool // unknown segment ids already warned about
	end     int             // position of the set's last segment (SE), once known

	// For the acknowledgement: the set's summary, its group's, and where
	// err is (segment id, element position, bad value, or a missing segment).
	ack        *ackSet
	groupAck   *ackGroup
	errSeg     string
	errElem    int
	errData    string
	errMissing bool
}

// parser is the state of one Decode.
type parser struct {
	d         *Decoder
	in        connectors.Input
	out       connectors.Sink
	connector string
	br        *bufio.Reader
	dl        delims
	pos       int // position of the current segment, ISA = 1
	scratch   []byte
	slab      []string  // room for the elements of the next segments
	segBuf    []segment // the segments of the last set, reused for the next
	isa       *interchange
	gs        *group
	st        *txn
	started   bool
	ack       *ackLog // nil when no acknowledgement is written
}

func (p *parser) run(ctx context.Context) error {
	for {
		if p.pos%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if p.isa == nil {
			ok, err := p.findISA()
			if err != nil {
				return err
			}
			if !ok && !p.started {
				return nil // findISA returned the file error
			}
		}
		raw, long, err := p.readSegment()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %s: segment %d: %w", Format, p.in.Name, p.pos, err)
		}
		if err := p.handle(ctx, raw, long); err != nil {
			return err
		}
	}
	if err := p.finish(ctx); err != nil {
		return err
	}
	return p.acknowledge(ctx)
}

// findISA looks at what comes next outside an interchange: when it is an
// ISA, it takes the delimiters from it. Before the first interchange,
// anything else is a file error (returned as err).
func (p *parser) findISA() (bool, error) {
	// Skip line breaks, spaces and a byte order mark.
	for {
		b, err := p.br.Peek(1)
		if err != nil {
			if !p.started {
				return false, &connectors.FileError{File: p.in.Name, Code: CodeEmpty, Message: "the file is empty: there is no X12 interchange"}
			}
			return false, nil
		}
		if b[0] == '\r' || b[0] == '\n' || b[0] == ' ' || b[0] == '\t' {
			p.br.Discard(1)
			continue
		}
		if bom, _ := p.br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
			p.br.Discard(3)
			continue
		}
		break
	}
	head, _ := p.br.Peek(256)
	dl, msg := parseDelims(head)
	if msg == "" {
		p.dl = dl
		p.started = true
		return true, nil
	}
	if !p.started {
		return false, &connectors.FileError{File: p.in.Name, Line: 1, Code: CodeNotX12, Message: msg}
	}
	return false, nil // text after an interchange: read with the last delimiters, reported as unexpected
}

// parseDelims reads the delimiters from the start of an ISA segment, or
// says why it cannot.
func parseDelims(head []byte) (delims, string) {
	if len(head) < 4 || string(head[:3]) != "ISA" {
		return delims{}, "the file does not start with an ISA segment: not an X12 interchange"
	}
	var dl delims
	dl.elem = head[3]
	if isAlnum(dl.elem) || dl.elem == ' ' || dl.elem == '\r' || dl.elem == '\n' {
		return delims{}, fmt.Sprintf("the ISA element separator %q is not a delimiter: not an X12 interchange", dl.elem)
	}
	// ISA has 16 elements: ISA16 is the byte after the 16th separator and
	// the terminator the byte after it.
	n, i := 0, 3
	fields := []int{}
	for ; i < len(head) && n < 16; i++ {
		if head[i] == dl.elem {
			n++
			fields = append(fields, i)
		}
	}
	if n < 16 || i+1 >= len(head) {
		return delims{}, "the ISA segment has fewer than 16 elements: not an X12 interchange"
	}
	dl.sub, dl.term = head[i], head[i+1]
	if dl.term == '\r' && i+2 < len(head) && head[i+2] == '\n' {
		dl.term = '\n' // CR LF as terminator: the LF ends, the CR is trimmed
	}
	version := string(head[fields[11]+1 : fields[12]])
	if v, err := strconv.Atoi(strings.TrimSpace(version)); err == nil && v >= 402 {
		rep := head[fields[10]+1 : fields[11]]
		if len(rep) == 1 {
			dl.rep, dl.hasRep = rep[0], true
		}
	}
	if dl.sub == dl.elem || dl.term == dl.elem || dl.term == dl.sub || isAlnum(dl.sub) || isAlnum(dl.term) ||
		(dl.hasRep && (dl.rep == dl.elem || dl.rep == dl.term || dl.rep == dl.sub)) {
		return delims{}, fmt.Sprintf("the ISA delimiters collide or are letters (element %q, sub-element %q, terminator %q): not a usable X12 interchange", dl.elem, dl.sub, dl.term)
	}
	return dl, ""
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// readSegment reads the next non-empty segment without its terminator and
// the line breaks around it. long is set (and the content dropped) when it
// is longer than maxSegment.
func (p *parser) readSegment() ([]byte, bool, error) {
	for {
		p.scratch = p.scratch[:0]
		long := false
		var b []byte
		var err error
		for {
			b, err = p.br.ReadSlice(p.dl.term)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			if len(p.scratch)+len(b) <= maxSegment {
				p.scratch = append(p.scratch, b...)
			} else {
				long = true
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		atEOF := errors.Is(err, io.EOF)
		if len(p.scratch) > 0 {
			if len(p.scratch)+len(b) <= maxSegment {
				p.scratch = append(p.scratch, b...)
			} else {
				long = true
			}
			b = p.scratch
		}
		if !atEOF && len(b) > 0 {
			b = b[:len(b)-1]
		}
		b = bytes.Trim(b, "\r\n")
		if len(b) == 0 && !long {
			if atEOF {
				return nil, false, io.EOF
			}
			continue
		}
		p.pos++
		return b, long, nil
	}
}

// split cuts a segment into its elements. The element slices are cut from
// a shared slab, as segments are many and small.
func (p *parser) split(raw []byte) segment {
	n := bytes.Count(raw, []byte{p.dl.elem}) + 1
	if len(p.slab) < n {
		p.slab = make([]string, max(n, 4096))
	}
	els := p.slab[:0:n]
	p.slab = p.slab[n:]
	s := string(raw)
	for {
		i := strings.IndexByte(s, p.dl.elem)
		if i < 0 {
			els = append(els, s)
			break
		}
		els = append(els, s[:i])
		s = s[i+1:]
	}
	els[0] = strings.TrimSpace(els[0])
	return segment{els: els, pos: p.pos}
}

// badCharacter returns the offset of a control character that is not one
// of the interchange's delimiters (older VAN setups use control characters
// as delimiters) or of bytes that are not UTF-8 in raw, or -1.
func (dl delims) badCharacter(raw []byte) int {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < 0x80 {
			if (c < ' ' && c != '\t' || c == 0x7F) && c != dl.elem && c != dl.sub && !(dl.hasRep && c == dl.rep) {
				return i
			}
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size - 1
	}
	return -1
}

func (p *parser) warn(ctx context.Context, pos int, field, code, msg string) error {
	return p.out.RowError(ctx, connectors.RowError{File: p.in.Name, Line: pos, Field: field, Code: code, Message: msg, Warning: true})
}

func (p *parser) reject(ctx context.Context, pos int, field, code, msg string) error {
	return p.out.RowError(ctx, connectors.RowError{File: p.in.Name, Line: pos, Field: field, Code: code, Message: msg})
}

// handle takes one segment.
func (p *parser) handle(ctx context.Context, raw []byte, long bool) error {
	if long {
		if p.st != nil {
			p.st.fail(p.pos, "", CodeSegmentTooLong, fmt.Sprintf("segment %d is longer than %d KiB", p.pos, maxSegment>>10))
			return nil
		}
		return p.warn(ctx, p.pos, "", CodeSegmentTooLong, fmt.Sprintf("segment %d is longer than %d KiB and was skipped", p.pos, maxSegment>>10))
	}
	if i := p.dl.badCharacter(raw); i >= 0 {
		msg := fmt.Sprintf("segment %d has a control character or a byte that is not UTF-8 at offset %d", p.pos, i)
		id, _, _ := bytes.Cut(raw, []byte{p.dl.elem})
		field := ""
		if len(id) <= 3 && p.dl.badCharacter(id) < 0 {
			field = string(id)
		}
		if p.st != nil {
			if p.st.err == nil && field != "" {
				p.st.errSeg, p.st.errElem = field, bytes.Count(raw[:i], []byte{p.dl.elem})
			}
			p.st.fail(p.pos, field, CodeInvalidCharacter, msg)
			return nil
		}
		// Outside a set, only an envelope segment can be at stake: it is read
		// as it is and the problem is reported.
		if err := p.warn(ctx, p.pos, field, CodeInvalidCharacter, msg); err != nil {
			return err
		}
	}
	s := p.split(raw)
	switch s.id() {
	case "ISA":
		return p.onISA(ctx, &s)
	case "IEA":
		return p.onIEA(ctx, &s)
	case "GS":
		return p.onGS(ctx, &s)
	case "GE":
		return p.onGE(ctx, &s)
	case "ST":
		return p.onST(ctx, &s)
	case "SE":
		return p.onSE(ctx, &s)
	}
	if p.st == nil {
		if p.isa != nil && p.isa.skip {
			return nil
		}
		return p.warn(ctx, s.pos, s.id(), CodeUnexpectedSegment, fmt.Sprintf("segment %s is outside any transaction set (ST...SE) and was ignored", clip(s.id())))
	}
	if len(p.st.segs) >= maxSetSegments {
		p.st.fail(s.pos, "", CodeSegmentTooLong, fmt.Sprintf("the transaction set has more than %d segments", maxSetSegments))
		return nil
	}
	if p.st.err == nil {
		p.st.segs = append(p.st.segs, s)
	}
	return nil
}

func (p *parser) onISA(ctx context.Context, s *segment) error {
	if p.st != nil {
		if err := p.closeSet(ctx, s.pos, "ISA"); err != nil {
			return err
		}
	}
	if p.gs != nil {
		if err := p.closeGroup(ctx, s.pos, "ISA"); err != nil {
			return err
		}
	}
	if p.isa != nil {
		if err := p.warn(ctx, s.pos, "IEA", CodeMissingTrailer, fmt.Sprintf("interchange %s has no IEA before the next ISA", clip(p.isa.control))); err != nil {
			return err
		}
	}
	p.isa = &interchange{pos: s.pos, control: s.el(13)}
	if p.ack != nil && len(s.els) >= 17 {
		p.isa.ack = p.ack.interchange(s)
	}
	if len(s.els) < 17 {
		p.isa.skip = true
		return p.reject(ctx, s.pos, "ISA", CodeInvalidElement, fmt.Sprintf("the ISA segment has %d elements, not 16: its interchange is skipped", len(s.els)-1))
	}
	v, err := strconv.Atoi(s.el(12))
	if err != nil || v < 401 {
		p.isa.skip = true
		if p.isa.ack != nil {
			p.isa.ack.skip = true
		}
		return p.reject(ctx, s.pos, "ISA12", CodeUnsupportedVersion, fmt.Sprintf("interchange version %s is not supported (004010 and later): its content is skipped", clip(s.el(12))))
	}
	return nil
}

func (p *parser) onIEA(ctx context.Context, s *segment) error {
	if p.st != nil {
		if err := p.closeSet(ctx, s.pos, "IEA"); err != nil {
			return err
		}
	}
	if p.gs != nil {
		if err := p.closeGroup(ctx, s.pos, "IEA"); err != nil {
			return err
		}
	}
	if p.isa == nil {
		return p.warn(ctx, s.pos, "IEA", CodeUnexpectedSegment, "IEA without an ISA was ignored")
	}
	isa := p.isa
	p.isa = nil
	if !sameControl(s.el(2), isa.control) {
		if err := p.warn(ctx, s.pos, "IEA02", CodeControlNumber, fmt.Sprintf("IEA02 %s differs from ISA13 %s", clip(s.el(2)), clip(isa.control))); err != nil {
			return err
		}
	}
	if n, err := strconv.Atoi(s.el(1)); err != nil || n != isa.groups {
		return p.warn(ctx, s.pos, "IEA01", CodeCount, fmt.Sprintf("IEA01 says %s functional groups, the interchange has %d", clip(s.el(1)), isa.groups))
	}
	return nil
}

func (p *parser) onGS(ctx context.Context, s *segment) error {
	if p.st != nil {
		if err := p.closeSet(ctx, s.pos, "GS"); err != nil {
			return err
		}
	}
	if p.gs != nil {
		if err := p.closeGroup(ctx, s.pos, "GS"); err != nil {
			return err
		}
	}
	if p.isa == nil {
		if err := p.warn(ctx, s.pos, "GS", CodeUnexpectedSegment, "GS outside an interchange (no ISA before it)"); err != nil {
			return err
		}
		p.isa = &interchange{pos: s.pos}
	}
	p.isa.groups++
	p.gs = &group{pos: s.pos, control: s.el(6), version: s.el(8), sender: s.el(2), receiver: s.el(3)}
	if p.isa.ack != nil {
		p.gs.ack = p.isa.ack.group(s)
	}
	return nil
}

func (p *parser) onGE(ctx context.Context, s *segment) error {
	if p.st != nil {
		if err := p.closeSet(ctx, s.pos, "GE"); err != nil {
			return err
		}
	}
	if p.gs == nil {
		if p.isa != nil && p.isa.skip {
			return nil
		}
		return p.warn(ctx, s.pos, "GE", CodeUnexpectedSegment, "GE without a GS was ignored")
	}
	gs := p.gs
	p.gs = nil
	if gs.ack != nil {
		if n, err := strconv.Atoi(s.el(1)); err == nil && n >= 0 {
			gs.ack.declared = n
		}
	}
	if p.isa != nil && p.isa.skip {
		return nil
	}
	if !sameControl(s.el(2), gs.control) {
		gs.ack.problem("4")
		if err := p.warn(ctx, s.pos, "GE02", CodeControlNumber, fmt.Sprintf("GE02 %s differs from GS06 %s", clip(s.el(2)), clip(gs.control))); err != nil {
			return err
		}
	}
	if n, err := strconv.Atoi(s.el(1)); err != nil || n != gs.sets {
		gs.ack.problem("5")
		return p.warn(ctx, s.pos, "GE01", CodeCount, fmt.Sprintf("GE01 says %s transaction sets, the group has %d", clip(s.el(1)), gs.sets))
	}
	return nil
}

// closeGroup ends a group that has no GE.
func (p *parser) closeGroup(ctx context.Context, pos int, next string) error {
	gs := p.gs
	p.gs = nil
	if p.isa != nil && p.isa.skip {
		return nil
	}
	gs.ack.problem("3")
	return p.warn(ctx, pos, "GE", CodeMissingTrailer, fmt.Sprintf("functional group %s has no GE before %s", clip(gs.control), next))
}

func (p *parser) onST(ctx context.Context, s *segment) error {
	if p.st != nil {
		if err := p.closeSet(ctx, s.pos, "ST"); err != nil {
			return err
		}
	}
	if p.isa != nil && p.isa.skip {
		if p.gs != nil && p.gs.ack != nil && !isAck(s.el(1)) {
			p.gs.ack.skipped++
		}
		return nil
	}
	if p.gs == nil {
		if err := p.warn(ctx, s.pos, "ST", CodeUnexpectedSegment, "ST outside a functional group (no GS before it)"); err != nil {
			return err
		}
	} else {
		p.gs.sets++
	}
	p.st = &txn{typ: s.el(1), control: s.el(2), pos: s.pos, group: p.gs, segs: p.segBuf[:0]}
	if p.gs != nil && p.gs.ack != nil {
		p.st.groupAck = p.gs.ack
		p.st.ack = p.gs.ack.set(s)
	}
	p.st.segs = append(p.st.segs, *s)
	return nil
}

func (p *parser) onSE(ctx context.Context, s *segment) error {
	if p.st == nil {
		if p.isa != nil && p.isa.skip {
			return nil
		}
		return p.warn(ctx, s.pos, "SE", CodeUnexpectedSegment, "SE without an ST was ignored")
	}
	st := p.st
	p.st = nil
	st.end = s.pos
	if st.err == nil {
		if !sameControl(s.el(2), st.control) {
			st.ack.note("3")
			if err := p.warn(ctx, s.pos, "SE02", CodeControlNumber, fmt.Sprintf("SE02 %s differs from ST02 %s", clip(s.el(2)), clip(st.control))); err != nil {
				return err
			}
		}
		count := s.pos - st.pos + 1
		if n, err := strconv.Atoi(s.el(1)); err != nil || n != count {
			st.ack.note("4")
			if err := p.warn(ctx, s.pos, "SE01", CodeCount, fmt.Sprintf("SE01 says %s segments, the transaction set has %d (ST to SE)", clip(s.el(1)), count)); err != nil {
				return err
			}
		}
	}
	return p.emit(ctx, st)
}

// closeSet ends a set that has no SE, at an envelope segment: its content
// is complete, so it is taken with a warning.
func (p *parser) closeSet(ctx context.Context, pos int, next string) error {
	st := p.st
	p.st = nil
	st.end = pos - 1
	st.ack.note("2")
	if err := p.warn(ctx, pos, "SE", CodeMissingTrailer, fmt.Sprintf("transaction set %s %s has no SE before %s", clip(st.typ), clip(st.control), next)); err != nil {
		return err
	}
	return p.emit(ctx, st)
}

func (p *parser) finish(ctx context.Context) error {
	if p.st != nil {
		st := p.st
		p.st = nil
		if st.ack != nil {
			st.ack.rejected = true
			st.ack.note("2")
		}
		if err := p.reject(ctx, st.pos, "SE", CodeTruncated, fmt.Sprintf("the file ends inside transaction set %s %s (no SE): the set is not taken", clip(st.typ), clip(st.control))); err != nil {
			return err
		}
	}
	if p.gs != nil {
		if p.isa == nil || !p.isa.skip {
			p.gs.ack.problem("3")
		}
		p.gs = nil
		if p.isa == nil || !p.isa.skip {
			if err := p.warn(ctx, max(p.pos, 1), "GE", CodeMissingTrailer, "the file ends without a GE"); err != nil {
				return err
			}
		}
	}
	if p.isa != nil {
		p.isa = nil
		if err := p.warn(ctx, max(p.pos, 1), "IEA", CodeMissingTrailer, "the file ends without an IEA"); err != nil {
			return err
		}
	}
	return nil
}

// sameControl compares control numbers as numbers when both are digits
// ("0001" = "1"), else as text.
func sameControl(a, b string) bool {
	if a == b {
		return true
	}
	ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	return ta == tb && isDigits(a) && isDigits(b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens a value for a message.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// fail records the first problem of a set; the set is then rejected.
func (t *txn) fail(pos int, field, code, msg string) {
	if t.err == nil {
		t.err = &connectors.RowError{Line: pos, Field: field, Code: code, Message: msg}
		t.segs = nil
	}
}

// emit turns a complete set into a record, or a row error.
func (p *parser) emit(ctx context.Context, st *txn) error {
	label := func() string { return fmt.Sprintf("transaction set %s %s", clip(st.typ), clip(st.control)) }
	if st.err == nil && st.group != nil && !versionOK(st.group.version) {
		st.fail(st.pos, "GS08", CodeUnsupportedVersion, fmt.Sprintf("version %s is not supported (004010 and later)", clip(st.group.version)))
	}
	var rec connectors.Record
	if st.err == nil {
		m := &mapper{p: p, t: st, opt: p.d.opt}
		rec = m.run(ctx)
		if m.werr != nil {
			return m.werr
		}
	}
	if st.err != nil {
		st.rejected(false)
		e := *st.err
		e.File = p.in.Name
		e.Message = label() + ": " + e.Message
		if e.Line <= 0 {
			e.Line = st.pos
		}
		return p.out.RowError(ctx, e)
	}
	if v, ok := rec.Value.(canonical.Validator); ok {
		if err := v.Validate(); err != nil {
			st.rejected(true)
			e := connectors.RowError{File: p.in.Name, Line: st.pos, Code: canonical.CodeInvalidFormat, Message: label() + ": " + err.Error()}
			if ve := canonical.AsValidationError(err); ve != nil && len(ve.Problems) > 0 {
				e.Field, e.Code = ve.Problems[0].Path, ve.Problems[0].Code
			}
			return p.out.RowError(ctx, e)
		}
	}
	if cap(st.segs) > cap(p.segBuf) {
		p.segBuf = st.segs[:0] // the record holds none of them: reuse
	}
	return p.out.Record(ctx, rec)
}

// versionOK reports whether a GS08 version (004010, 005010X222A1...) is
// 004010 or later. An empty GS08 is taken as the interchange's version,
// already checked.
func versionOK(v string) bool {
	if v == "" {
		return true
	}
	if len(v) < 6 || !isDigits(v[:6]) {
		return false
	}
	n, _ := strconv.Atoi(v[:6])
	return n >= 4010
}

func (p *parser) source(st *txn) *canonical.Source {
	return &canonical.Source{
		Connector: p.connector, Partner: p.in.Partner, File: p.in.Name, Line: st.pos,
		Segment: "ST*" + st.typ + "*" + st.control,
	}
}
