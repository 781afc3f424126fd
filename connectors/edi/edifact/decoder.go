// Package edifact decodes inbound UN/EDIFACT interchanges (directories D96A
// and later, EANCOM included) into canonical records:
//
//	ORDERS → order           (key: the order number, BGM02)
//	ORDRSP → order_response  (key: the order answered, RFF+ON)
//	DESADV → shipment        (key: the despatch advice number, BGM02)
//	INVOIC → invoice         (key: the invoice or credit note number, BGM02)
//
// # Syntax
//
// A UNA service string advice sets the component and element separators,
// the decimal mark (. or ,), the release character and the segment
// terminator; without one the ISO 9735 defaults (: + . ? ') hold. Either
// decimal mark is read in numbers, as ISO 9735 allows. Line breaks between
// segments are ignored. A release character makes the next character text
// (?+ ?: ?' ??); a release character at the very end of the input leaves
// the last segment unterminated and is an error.
//
// The syntax identifier of UNB (S001) says the character set: UNOA and
// UNOB restrict the characters (a segment with another character spoils
// its message: row error illegal_character), UNOC is ISO 8859-1 and is
// converted to UTF-8, UNOY and UNOW are UTF-8. Any other identifier is a
// file error.
//
// # Positions
//
// RowError.Line is the 1-based position of a segment in the input, a UNA
// counting as the first: with one segment a line, the line number. A
// record's Source names the file and its UNH ("UNH+1+ORDERS", Line the
// UNH's position).
//
// # Envelopes and messages
//
// UNB/UNZ, UNG/UNE and UNH/UNT are checked: a count or a reference that
// disagrees, or a trailer that is missing where the content is still
// unambiguous (the next UNH, UNE, UNZ or UNB follows), is a warning
// (RowError.Warning) and the content is taken; so is a last segment
// without its terminator, and a CNT+2 line count that disagrees. A
// message that the input ends in (no UNT) may have lost segments: it is a
// row error (truncated). Several interchanges may follow each other.
//
// A bad message is one row error, and decoding goes on with the next UNH:
// a message type other than the four above, a directory before D96A, a
// segment tag that is not three upper-case letters or digits, a character
// outside the character set, a value that cannot be read, a record that
// does not pass Validate. So is an ORDERS, DESADV or INVOIC whose BGM03 is
// 1 (cancellation) or 3 (deletion): the canonical model cannot say
// "withdrawn", and taking it as a new document would be wrong (5, replace,
// is taken: the sinks upsert on the key). A well-formed tag that is not in
// the EDIFACT segment directory is a warning and the segment is skipped;
// segments of the directory that procurehub does not map (FTX, LOC, ALC,
// TAX at line level...) are skipped silently. An input that does not
// begin with UNA or UNB, or whose first UNB names another character set,
// is a *connectors.FileError.
//
// # Mapping
//
// ORDERS: BGM02 order number, DTM+137 order date, DTM+2 requested delivery
// (formats 102, 203, 204, 101, 718), CUX currency, NAD parties (Options)
// and NAD+DP/ST delivery address, TOD Incoterms rule with LOC+1 its place,
// PAT payment terms ("30 days net"); per LIN: LIN/PIA item numbers
// (Options; GTIN from SRV/EN), IMD description, QTY+21 quantity with its
// unit (else a MEA's unit, else H87), PRI+AAA net price (else AAB; a price
// basis divides it; no PRI: unit price 0), MOA+203 amount; MOA+79 total.
//
// ORDRSP: the status is BGM04 (4343: AP, AB, AR accepted; RE rejected;
// AC, AI, CA changed), else BGM03 (1225: 29 accepted, 27 rejected, 4 and
// 30 changed), else derived from the lines. A line's status is its LIN02
// action code (1229: 5 accepted without amendment and 4 no action →
// accepted; 3 changed, 6 accepted with amendment, 1 added → changed; 7 not
// accepted, 2 deleted, 10 not found → rejected); without one a line is
// accepted (rejected in a rejected response). QTY+113 (else +21), PRI+AAA
// (else AAB), DTM+69 (else +2, +17) are the confirmed quantity, price and
// delivery date.
//
// DESADV: BGM02 shipment id, DTM+11 ship date, DTM+17/132 estimated
// arrival, RFF+ON orders, RFF+CN tracking numbers, every GIN+BJ SSCC
// ssccs (18 digits with a GS1 check digit, else the message is rejected),
// TDT carrier, MEA G/AAD/AAB gross weight (header or top CPS), PAC counts
// of the top CPS the packages (else the number of SSCCs); per LIN: QTY+12
// and its unit, RFF+ON order and order line (else the LIN number and the
// only order).
//
// INVOIC: BGM01 381 is a credit note and, as canonical.Invoice wants,
// every quantity, line amount and total of it is made negative (unit
// prices stay positive), whatever sign was sent; other document codes are
// invoices. DTM+137 invoice date, DTM+13 due date, RFF+ON orders; per LIN:
// QTY+47 (else +61), PRI+AAA (else AAB), MOA+203, IMD; after UNS: MOA+79
// line total, MOA+77 (else +86) total, MOA+9 payable, MOA+176 tax (else
// the sum of MOA+124); without a total, line total plus tax.
//
// # Acknowledgements (CONTRL)
//
// When the sink takes replies (connectors.Replier) and
// Options.Acknowledgement is not "none", Decode ends by handing it one
// reply, NAME.contrl: one CONTRL interchange (syntax version 3, message
// CONTRL:D:3:UN) per interchange of the input whose UNB names a
// reference, a sender and a recipient, in input order. Segments end with
// "'" and a line break; the service characters are the standard ones
// (UNA:+.? ' is written), whatever the input's UNA advised. A file error
// is not answered, and neither is an interchange that holds a CONTRL
// message (which stays an unsupported message): acknowledgements are not
// acknowledged. An input with nothing to answer gets no reply.
//
// The UNB swaps the sender and the recipient (identification and
// qualifier), keeps the character set (UNOA, UNOB, UNOC; UNOC for any
// other) and the test indicator, and is dated Options.Now in UTC. Syntax
// version 4 interchanges are answered in version 3 too: the segments of a
// version 3 CONTRL are valid there, but the version 4 UNB is not
// written. The control reference is 14 hexadecimal digits of
// sha256(input sha256 + "/" + index of the interchange): a re-run of the
// same input, after a crash before it was settled, writes the very same
// acknowledgement.
//
// The UCI (inbound reference, sender, recipient) always has action 7
// (0083: this level acknowledged, lower levels acknowledged unless
// rejected): the decoder takes what an envelope holds even when its
// trailer disagrees. Such a disagreement is noted in UCI (UNZ) or UCF
// (UNE, a group's response) with its syntax error (0085), service segment
// and element position: 29 count does not match, 28 references do not
// match, 13 missing trailer, 2 syntax level (an unsupported character set
// after the first UNB). Every message gets a UCM: action 7 when its record
// was taken (a UNT that disagrees or is missing is noted: 29, 28, 13 UNT),
// 4 when it was rejected, with the reason: 14 on UNH S009 for a message
// type or directory not read; 13 UNT for a message the input ends in; a
// UCS (segment position, UNH = 1) with 21 invalid characters, 15 an
// invalid segment tag, or 13 a missing segment (the position of the
// segment before it); a UCS and a UCD (0085, element position counting
// the tag as 1 : component) for a value: 12 invalid value, 13 missing, 14
// value not supported (a cancellation, BGM03). A record that fails
// Validate is rejected with 18 (unspecified error) in its UCM: the
// receipt says which field. Warnings inside a message (an unknown segment,
// a CNT that disagrees) lose nothing and are not reported.
//
// Encode* write ORDERS and ORDRSP interchanges from canonical records: see
// EncodeOrder.
package edifact

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Format is the format name of EDIFACT interchanges (`procurehub parse --format edifact`).
const Format = "edifact"

// Stable codes of the row and file errors this package reports, besides
// canonical's (invalid_date, invalid_decimal, invalid_currency, invalid_unit,
// required, ...), which come from Validate.
const (
	CodeNotEDIFACT         = "not_edifact"         // file error: the input does not begin with UNA or UNB
	CodeEmpty              = "empty"               // file error: the input has no content
	CodeInvalidUNA         = "invalid_una"         // file error: the service string advice is unusable
	CodeUnsupportedCharset = "unsupported_charset" // file error (first UNB) or row error: a syntax identifier other than UNOA-UNOC, UNOY, UNOW
	CodeIllegalCharacter   = "illegal_character"   // a character outside the interchange's character set
	CodeReleaseAtEnd       = "release_at_end"      // the input ends with a release character
	CodeUnterminated       = "unterminated"        // warning: the last segment has no terminator
	CodeSegmentTooLong     = "segment_too_long"    // a segment longer than 1 MiB; decoding stops there
	CodeTruncated          = "truncated"           // the input ends inside a message
	CodeCountMismatch      = "count_mismatch"      // warning: UNT/UNE/UNZ or CNT count disagrees
	CodeReferenceMismatch  = "reference_mismatch"  // warning: a trailer's reference differs from its header's
	CodeMissingTrailer     = "missing_trailer"     // warning: UNT/UNE/UNZ missing where the content is unambiguous
	CodeUnexpectedSegment  = "unexpected_segment"  // warning: a segment outside any message, or a trailer without header
	CodeUnknownSegment     = "unknown_segment"     // warning: a tag that is not an EDIFACT segment; skipped
	CodeInvalidSegment     = "invalid_segment"     // a segment tag that is not three letters or digits
	CodeUnsupportedMessage = "unsupported_message" // a message type other than ORDERS, ORDRSP, DESADV, INVOIC
	CodeUnsupportedVersion = "unsupported_version" // a directory before D96A
	CodeMissingSegment     = "missing_segment"     // a segment the message needs (BGM, LIN ...) is missing
	CodeInvalidValue       = "invalid_value"       // an element whose value cannot be read
	CodeCancellation       = "cancellation"        // BGM03 1 (cancellation) or 3 (deletion): not a new document
	CodeMessageTooLong     = "message_too_long"    // a message of more than maxMessageSegments segments
)

// maxMessageSegments bounds the segments of one message held in memory.
const maxMessageSegments = 1 << 20

// Options are the code list choices of one partner. The zero value is EANCOM's.
type Options struct {
	// BuyerQualifier is the NAD party qualifier of the buyer, default "BY".
	BuyerQualifier string
	// SupplierQualifier is the NAD party qualifier of the supplier, default "SU".
	SupplierQualifier string
	// SKUQualifier is the item number type (7143) of the supplier's article
	// number in LIN and PIA, default "SA". GTINs come from LIN/PIA items of
	// type "SRV" (EANCOM) or "EN".
	SKUQualifier string
	// BuyerSKUQualifier is the item number type of the buyer's article
	// number, default "IN".
	BuyerSKUQualifier string
	// Acknowledgement is "contrl" (the default, "") to answer every
	// interchange with a CONTRL when the sink takes replies
	// (connectors.Replier), or "none". Validate refuses other values; a
	// decoder given one anyway acknowledges.
	Acknowledgement string
	// Now gives the date and time of the acknowledgements' UNB; nil is time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.BuyerQualifier, "BY")
	def(&o.SupplierQualifier, "SU")
	def(&o.SKUQualifier, "SA")
	def(&o.BuyerSKUQualifier, "IN")
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Decoder reads EDIFACT interchanges. It holds only its options; one
// Decoder may decode several inputs at once.
type Decoder struct {
	opt Options
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a decoder with the options' code list choices.
func NewDecoder(opt Options) *Decoder { return &Decoder{opt: opt.withDefaults()} }

// ctxCheckEvery is how many segments are read between two looks at the context.
const ctxCheckEvery = 256

// Decode reads one input: see the package documentation for what becomes
// a record, a row error, a warning or a file error. It holds one message
// at a time and returns ctx.Err() promptly once ctx is cancelled.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	connector := in.Connector
	if connector == "" {
		connector = "edi"
	}
	st := &state{ctx: ctx, in: in, out: out, opt: d.opt, connector: connector}
	st.sc.br = bufio.NewReaderSize(r, 64<<10)
	st.sc.cs = charsetAny
	if err := st.start(); err != nil {
		return err
	}
	if err := st.run(); err != nil {
		return err
	}
	return st.acknowledge()
}

// acknowledge hands the CONTRL answering the input's interchanges to a
// sink that takes replies: once, at the end, so that it describes the
// whole input.
func (st *state) acknowledge() error {
	rp, ok := st.out.(connectors.Replier)
	if !ok || st.opt.Acknowledgement == AcknowledgeNone {
		return nil
	}
	content := contrl(st.in.SHA256, st.acks, st.opt.Now())
	if len(content) == 0 {
		return nil
	}
	return rp.Reply(st.ctx, connectors.Reply{Name: st.in.Name + ".contrl", Content: content})
}

// state is one decoding run.
type state struct {
	ctx       context.Context
	in        connectors.Input
	out       connectors.Sink
	opt       Options
	connector string
	sc        scanner

	started bool // a record or row error has been sent: no file error any more

	interchange *envelope // open UNB
	group       *envelope // open UNG
	msg         *message  // open UNH
	segBuf      []segment // the segments of the last message, for the next to reuse

	// What the acknowledgement needs: a summary per interchange, group and message.
	acks     []*ackInterchange
	ackIC    *ackInterchange // of the open interchange, nil when it cannot be answered
	ackGroup *ackGroup       // of the open group
}

// envelope is an open UNB or UNG.
type envelope struct {
	tag   string
	ref   string
	pos   int
	count int // messages (or groups, for a UNB with groups) inside
}

// start reads the UNA, if any, and checks that the input begins like an
// interchange.
func (st *state) start() error {
	br := st.sc.br
	// Skip a UTF-8 byte order mark and leading white space.
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &connectors.FileError{File: st.in.Name, Code: CodeEmpty, Message: "the input is empty"}
			}
			return err
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			br.Discard(1)
			continue
		}
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
			br.Discard(3)
			continue
		}
		break
	}
	head, _ := br.Peek(9)
	switch {
	case bytes.HasPrefix(head, []byte("UNA")):
		if len(head) < 9 {
			return &connectors.FileError{File: st.in.Name, Line: 1, Code: CodeInvalidUNA, Message: "the UNA service string advice is cut short: it needs six characters"}
		}
		d := delimiters{component: head[3], element: head[4], decimal: head[5], release: head[6], terminator: head[8]}
		if d.release == ' ' {
			d.release = 0 // no release character
		}
		if msg := d.check(); msg != "" {
			return &connectors.FileError{File: st.in.Name, Line: 1, Code: CodeInvalidUNA, Message: "UNA " + msg}
		}
		br.Discard(9)
		st.sc.d = d
		st.sc.pos = 1
	case bytes.HasPrefix(head, []byte("UNB")):
		st.sc.d = defaultDelimiters
	default:
		return &connectors.FileError{File: st.in.Name, Line: 1, Code: CodeNotEDIFACT,
			Message: "the input is not an EDIFACT interchange: it must begin with UNA or UNB"}
	}
	return nil
}

// check reports delimiters that cannot work, "" when they can.
func (d delimiters) check() string {
	if d.decimal != '.' && d.decimal != ',' {
		return fmt.Sprintf("decimal mark %q is neither . nor ,", d.decimal)
	}
	seps := []byte{d.component, d.element, d.terminator}
	if d.release != 0 {
		seps = append(seps, d.release)
	}
	for i, a := range seps {
		if isAlnum(a) || a == ' ' {
			return fmt.Sprintf("service character %q is a letter, digit or space", a)
		}
		for _, b := range seps[:i] {
			if a == b {
				return fmt.Sprintf("service character %q is used twice", a)
			}
		}
	}
	return ""
}

func isAlnum(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// run reads segments to the end of the input.
func (st *state) run() error {
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := st.ctx.Err(); err != nil {
				return err
			}
		}
		seg, err := st.sc.next()
		switch {
		case err == io.EOF:
			return st.end()
		case (err == errReleaseAtEnd || err == errSegmentTooBig) && !st.started:
			code := CodeReleaseAtEnd
			if err == errSegmentTooBig {
				code = CodeSegmentTooLong
			}
			return &connectors.FileError{File: st.in.Name, Line: seg.pos, Code: code, Message: err.Error() + ", before any UNB"}
		case err == errReleaseAtEnd:
			if err := st.failMessage(seg.pos, "", CodeReleaseAtEnd, errReleaseAtEnd.Error()); err != nil {
				return err
			}
			return st.end()
		case err == errSegmentTooBig:
			return st.failMessage(seg.pos, "", CodeSegmentTooLong, err.Error()+"; decoding stops here")
		case err == errUnterminated:
			// The segment first: an input that is not an interchange is a
			// file error before anything else is reported.
			if err := st.segment(seg); err != nil {
				return err
			}
			if err := st.warn(seg.pos, seg.tag, CodeUnterminated, errUnterminated.Error()); err != nil {
				return err
			}
			return st.end()
		case err != nil:
			return err
		}
		if err := st.segment(seg); err != nil {
			return err
		}
	}
}

// segment handles one segment.
func (st *state) segment(seg segment) error {
	if !st.started && seg.tag != "UNB" {
		return &connectors.FileError{File: st.in.Name, Line: seg.pos, Code: CodeNotEDIFACT,
			Message: fmt.Sprintf("the interchange must begin with UNB, not %s", clip(seg.tag))}
	}
	switch seg.tag {
	case "UNA":
		return nil // a later interchange's advice: the separators stay as the first one set them
	case "UNB":
		return st.unb(seg)
	case "UNZ":
		return st.unz(seg)
	case "UNG":
		return st.ung(seg)
	case "UNE":
		return st.une(seg)
	case "UNH":
		return st.unh(seg)
	case "UNT":
		return st.unt(seg)
	}
	if m := st.msg; m != nil {
		if len(m.segs) >= maxMessageSegments {
			m.tooLong = true // reported once the message ends
			return nil
		}
		m.segs = append(m.segs, seg)
		return nil
	}
	if seg.bad != "" {
		return st.warn(seg.pos, seg.tag, CodeIllegalCharacter, seg.bad)
	}
	return st.warn(seg.pos, seg.tag, CodeUnexpectedSegment, fmt.Sprintf("segment %s is outside any message; skipped", clip(seg.tag)))
}

func (st *state) unb(seg segment) error {
	if st.msg != nil {
		if err := st.closeMessage(seg.pos, "UNB"); err != nil {
			return err
		}
	}
	if st.interchange != nil {
		if st.ackIC != nil {
			st.ackIC.note.set(synMissing, "UNZ", 0)
		}
		if err := st.warn(seg.pos, "UNZ", CodeMissingTrailer, fmt.Sprintf("the interchange of segment %d has no UNZ before the next UNB", st.interchange.pos)); err != nil {
			return err
		}
	}
	st.group = nil
	st.ackGroup = nil
	st.ackIC = newAckInterchange(&seg)
	if st.ackIC != nil {
		st.acks = append(st.acks, st.ackIC)
	}
	id := seg.el(0, 0)
	cs, ok := parseCharset(id)
	if !ok {
		msg := fmt.Sprintf("syntax identifier %s is not supported (UNOA, UNOB, UNOC, UNOY, UNOW)", clip(id))
		if !st.started {
			return &connectors.FileError{File: st.in.Name, Line: seg.pos, Code: CodeUnsupportedCharset, Message: msg}
		}
		if st.ackIC != nil {
			st.ackIC.note.set(synUnsupportedSyntax, "UNB", 2)
			st.ackIC.note.comp = 1
		}
		if err := st.rowError(connectors.RowError{File: st.in.Name, Line: seg.pos, Field: "UNB01", Code: CodeUnsupportedCharset, Message: msg + "; its text is read unchecked"}); err != nil {
			return err
		}
		cs = charsetAny
	}
	st.started = true
	st.sc.cs = cs
	st.interchange = &envelope{tag: "UNB", ref: seg.el(4, 0), pos: seg.pos}
	return nil
}

func (st *state) unz(seg segment) error {
	if st.msg != nil {
		if err := st.closeMessage(seg.pos, "UNZ"); err != nil {
			return err
		}
	}
	if st.group != nil {
		if st.ackGroup != nil {
			st.ackGroup.note.set(synMissing, "UNE", 0)
		}
		if err := st.warn(seg.pos, "UNE", CodeMissingTrailer, fmt.Sprintf("the group of segment %d has no UNE before UNZ", st.group.pos)); err != nil {
			return err
		}
		st.group = nil
	}
	st.ackGroup = nil
	ic := st.interchange
	if ic == nil {
		return st.warn(seg.pos, "UNZ", CodeUnexpectedSegment, "UNZ without an open interchange (UNB)")
	}
	st.interchange = nil
	var note *ackNote
	if st.ackIC != nil {
		note = &st.ackIC.note
	}
	st.ackIC = nil
	return st.checkTrailer(seg, ic, "UNZ", "messages or groups", note)
}

func (st *state) ung(seg segment) error {
	if st.msg != nil {
		if err := st.closeMessage(seg.pos, "UNG"); err != nil {
			return err
		}
	}
	if st.group != nil {
		if st.ackGroup != nil {
			st.ackGroup.note.set(synMissing, "UNE", 0)
		}
		if err := st.warn(seg.pos, "UNE", CodeMissingTrailer, fmt.Sprintf("the group of segment %d has no UNE before the next UNG", st.group.pos)); err != nil {
			return err
		}
	}
	if st.interchange != nil {
		st.interchange.count++
	}
	st.group = &envelope{tag: "UNG", ref: seg.el(4, 0), pos: seg.pos}
	st.ackGroup = nil
	if st.ackIC != nil {
		st.ackGroup = &ackGroup{ref: seg.el(4, 0), sender: components(&seg, 1), recipient: components(&seg, 2)}
		st.ackIC.groups = append(st.ackIC.groups, st.ackGroup)
	}
	return nil
}

func (st *state) une(seg segment) error {
	if st.msg != nil {
		if err := st.closeMessage(seg.pos, "UNE"); err != nil {
			return err
		}
	}
	g := st.group
	if g == nil {
		return st.warn(seg.pos, "UNE", CodeUnexpectedSegment, "UNE without an open group (UNG)")
	}
	st.group = nil
	var note *ackNote
	if st.ackGroup != nil {
		note = &st.ackGroup.note
	}
	st.ackGroup = nil
	return st.checkTrailer(seg, g, "UNE", "messages", note)
}

// checkTrailer compares a UNZ or UNE with its header: count and reference.
// The first disagreement is noted for the acknowledgement in note, if not nil.
func (st *state) checkTrailer(seg segment, env *envelope, tag, what string, note *ackNote) error {
	if note == nil {
		note = new(ackNote)
	}
	count := seg.el(0, 0)
	if n, err := strconv.Atoi(count); err != nil || n != env.count {
		note.set(synCount, tag, 2)
		if err := st.warn(seg.pos, tag+"01", CodeCountMismatch, fmt.Sprintf("%s counts %s %s but %d were found", tag, clip(count), what, env.count)); err != nil {
			return err
		}
	}
	if ref := seg.el(1, 0); ref != env.ref {
		note.set(synReferences, tag, 3)
		return st.warn(seg.pos, tag+"02", CodeReferenceMismatch, fmt.Sprintf("%s reference %s differs from %s reference %s of segment %d", tag, clip(ref), env.tag, clip(env.ref), env.pos))
	}
	return nil
}

func (st *state) unh(seg segment) error {
	if st.msg != nil {
		if err := st.closeMessage(seg.pos, "UNH"); err != nil {
			return err
		}
	}
	if st.group != nil {
		st.group.count++
	} else if st.interchange != nil {
		st.interchange.count++
	}
	st.msg = &message{
		ref: seg.el(0, 0), typ: seg.el(1, 0), version: seg.el(1, 1), release: seg.el(1, 2),
		pos: seg.pos, unh: seg, segs: st.segBuf[:0],
	}
	if ic := st.ackIC; ic != nil {
		if st.msg.typ == "CONTRL" {
			ic.noAck = true // an acknowledgement is not acknowledged
		}
		am := &ackMessage{ref: st.msg.ref, id: components(&seg, 1)}
		if g := st.ackGroup; g != nil {
			g.msgs = append(g.msgs, am)
		} else {
			ic.msgs = append(ic.msgs, am)
		}
		st.msg.ack = am
	}
	return nil
}

func (st *state) unt(seg segment) error {
	m := st.msg
	if m == nil {
		return st.warn(seg.pos, "UNT", CodeUnexpectedSegment, "UNT without an open message (UNH)")
	}
	st.msg = nil
	count := seg.el(0, 0)
	if n, err := strconv.Atoi(count); err != nil || n != len(m.segs)+2 {
		m.ack.envelope(synCount, 2)
		if err := st.warn(seg.pos, "UNT01", CodeCountMismatch, fmt.Sprintf("UNT counts %s segments but message %s has %d (UNH and UNT included)", clip(count), clip(m.ref), len(m.segs)+2)); err != nil {
			return err
		}
	}
	if ref := seg.el(1, 0); ref != m.ref {
		m.ack.envelope(synReferences, 3)
		if err := st.warn(seg.pos, "UNT02", CodeReferenceMismatch, fmt.Sprintf("UNT reference %s differs from UNH reference %s of segment %d", clip(ref), clip(m.ref), m.pos)); err != nil {
			return err
		}
	}
	return st.finish(m)
}

// closeMessage ends the open message that a header or trailer of another
// level interrupts: its content is complete, only UNT is missing.
func (st *state) closeMessage(pos int, by string) error {
	m := st.msg
	st.msg = nil
	m.ack.envelope(synMissing, 0)
	if err := st.warn(pos, "UNT", CodeMissingTrailer, fmt.Sprintf("message %s of segment %d has no UNT before %s; its content is taken", clip(m.ref), m.pos, by)); err != nil {
		return err
	}
	return st.finish(m)
}

// end handles the end of the input.
func (st *state) end() error {
	if m := st.msg; m != nil {
		st.msg = nil
		m.ack.reject(synMissing, "UNT", 0, 0)
		if err := st.rowError(connectors.RowError{File: st.in.Name, Line: m.pos, Field: "UNT", Code: CodeTruncated,
			Message: fmt.Sprintf("%s: the input ends inside the message (no UNT): segments may be missing", m.name())}); err != nil {
			return err
		}
	}
	if g := st.group; g != nil {
		if st.ackGroup != nil {
			st.ackGroup.note.set(synMissing, "UNE", 0)
		}
		if err := st.warn(st.sc.pos, "UNE", CodeMissingTrailer, fmt.Sprintf("the group of segment %d has no UNE", g.pos)); err != nil {
			return err
		}
	}
	if ic := st.interchange; ic != nil {
		if st.ackIC != nil {
			st.ackIC.note.set(synMissing, "UNZ", 0)
		}
		if err := st.warn(st.sc.pos, "UNZ", CodeMissingTrailer, fmt.Sprintf("the interchange of segment %d has no UNZ", ic.pos)); err != nil {
			return err
		}
	}
	return nil
}

// failMessage reports a problem at pos that spoils the open message, or
// stands alone when no message is open.
func (st *state) failMessage(pos int, field, code, msg string) error {
	if m := st.msg; m != nil {
		st.msg = nil
		msg = m.name() + ": " + msg
		if code == CodeReleaseAtEnd {
			m.ack.reject(synMissing, "UNT", 0, 0) // its last segment and UNT are cut off
		} else {
			m.ack.rejectAt(m.pos, pos, synUnspecified, 0, 0)
		}
	}
	return st.rowError(connectors.RowError{File: st.in.Name, Line: pos, Field: field, Code: code, Message: msg})
}

func (st *state) warn(pos int, field, code, msg string) error {
	return st.rowError(connectors.RowError{File: st.in.Name, Line: pos, Field: field, Code: code, Message: msg, Warning: true})
}

func (st *state) rowError(e connectors.RowError) error {
	st.started = true
	if e.Line <= 0 {
		e.Line = 1
	}
	return st.out.RowError(st.ctx, e)
}

// finish maps a complete message and sends its record or its row error.
func (st *state) finish(m *message) error {
	// The records hold strings, not segments: the next message may reuse them.
	defer func() { st.segBuf = m.segs[:0] }()
	m.opt = st.opt
	m.decimal = st.sc.d.decimal
	rec, warnings, prob := m.decode()
	for _, w := range warnings {
		if err := st.warn(w.pos, w.field, w.code, m.name()+": "+w.msg); err != nil {
			return err
		}
	}
	if prob != nil {
		m.ack.rejectProblem(m.pos, prob)
		return st.rowError(connectors.RowError{File: st.in.Name, Line: prob.pos, Field: prob.field, Code: prob.code, Message: m.name() + ": " + prob.msg})
	}
	src := &canonical.Source{Connector: st.connector, Partner: st.in.Partner, File: st.in.Name, Line: m.pos, Segment: "UNH+" + m.ref + "+" + m.typ}
	var v interface{ Validate() error }
	switch r := rec.Value.(type) {
	case *canonical.Order:
		r.Source = src
		v = r
	case *canonical.OrderResponse:
		r.Source = src
		v = r
	case *canonical.Shipment:
		r.Source = src
		v = r
	case *canonical.Invoice:
		r.Source = src
		v = r
	}
	if err := v.Validate(); err != nil {
		// Validate names a field of the record, not a segment: the
		// acknowledgement says the message is rejected, the receipt why.
		m.ack.reject(synUnspecified, "", 0, 0)
		e := connectors.RowError{File: st.in.Name, Line: m.pos, Code: CodeInvalidValue, Message: m.name() + ": " + err.Error()}
		if ve := canonical.AsValidationError(err); ve != nil {
			e.Field, e.Code = ve.Problems[0].Path, ve.Problems[0].Code
		}
		return st.rowError(e)
	}
	st.started = true
	return st.out.Record(st.ctx, rec)
}

// clip shortens partner text quoted in a message.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}

// newAckInterchange summarises a UNB for the acknowledgement; nil when
// it cannot be answered (no reference, sender or recipient).
func newAckInterchange(seg *segment) *ackInterchange {
	ic := &ackInterchange{
		charset: seg.el(0, 0), ref: seg.el(4, 0),
		sender: components(seg, 1), recipient: components(seg, 2), test: seg.el(10, 0),
	}
	if ic.ref == "" || seg.el(1, 0) == "" || seg.el(2, 0) == "" {
		return nil
	}
	return ic
}

// components copies the components of element i (0-based).
func components(seg *segment, i int) []string {
	if i >= len(seg.els) {
		return nil
	}
	return append([]string(nil), seg.els[i]...)
}
