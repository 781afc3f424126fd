package x12

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Acknowledgement kinds (Options.Acknowledgement).
const (
	Ack997  = "997"  // functional acknowledgement, the default
	Ack999  = "999"  // implementation acknowledgement, 005010X231A1
	AckNone = "none" // no acknowledgement
)

// implementation999 is GS08 and ST03 of the 999s this package writes.
const implementation999 = "005010X231A1"

// maxAckSegments bounds the segment problems kept for one set (AK3/IK3
// loops), so that a set full of unknown segments keeps a small summary.
const maxAckSegments = 20

// Validate checks the options: Acknowledgement is "", "997", "999" or "none".
func (o Options) Validate() error {
	switch o.Acknowledgement {
	case "", Ack997, Ack999, AckNone:
		return nil
	}
	return fmt.Errorf("x12: acknowledgement %q is not known: use %q (a 997 per interchange, the default), %q (a 999, 005010X231A1) or %q", o.Acknowledgement, Ack997, Ack999, AckNone)
}

// ackLog is what a Decode saw and decided, per interchange, group and
// set, for the acknowledgements: small summaries, not the segments.
type ackLog struct {
	interchanges []*ackInterchange
}

type ackInterchange struct {
	senderQ, sender     string // ISA05, ISA06
	receiverQ, receiver string // ISA07, ISA08
	version             string // ISA12
	usage               string // ISA15
	skip                bool   // a version before 00401: nothing of it was read
	groups              []*ackGroup
}

type ackGroup struct {
	code, control, version string // GS01, GS06, GS08
	sender, receiver       string // GS02, GS03
	declared               int    // GE01, -1 when absent or not a number
	sets                   []*ackSet
	skipped                int      // sets of an interchange that was skipped
	problems               []string // AK905 codes
	badVersion             bool     // GS08 before 004010
}

type ackSet struct {
	typ, control, impl string // ST01, ST02, ST03
	rejected           bool
	codes              []string // AK502/IK502 codes
	segs               []ackSegment
}

// ackSegment is one AK3 (IK3), with its AK4 (IK4) when elem > 0.
type ackSegment struct {
	id       string
	pos      int    // in the set, ST = 1
	code     string // AK304
	elem     int    // AK401
	ref      string // AK402
	elemCode string // AK403
	data     string // AK404
}

func (l *ackLog) interchange(s *segment) *ackInterchange {
	a := &ackInterchange{
		senderQ: s.el(5), sender: s.el(6), receiverQ: s.el(7), receiver: s.el(8),
		version: s.el(12), usage: s.el(15),
	}
	l.interchanges = append(l.interchanges, a)
	return a
}

func (a *ackInterchange) group(s *segment) *ackGroup {
	g := &ackGroup{code: s.el(1), sender: s.el(2), receiver: s.el(3), control: s.el(6), version: s.el(8), declared: -1}
	a.groups = append(a.groups, g)
	return g
}

// isAck reports whether a set type is an acknowledgement, which is never
// acknowledged.
func isAck(typ string) bool { return typ == "997" || typ == "999" || typ == "TA1" }

func (g *ackGroup) set(s *segment) *ackSet {
	if g.code == "FA" || isAck(s.el(1)) {
		return nil
	}
	a := &ackSet{typ: s.el(1), control: s.el(2), impl: s.el(3)}
	g.sets = append(g.sets, a)
	return a
}

func (g *ackGroup) problem(code string) {
	if g != nil && !containsString(g.problems, code) && len(g.problems) < 5 {
		g.problems = append(g.problems, code)
	}
}

// note adds an AK502 code (at most five are written).
func (a *ackSet) note(code string) {
	if a != nil && !containsString(a.codes, code) && len(a.codes) < 5 {
		a.codes = append(a.codes, code)
	}
}

func (a *ackSet) segment(sg ackSegment) {
	if a != nil && len(a.segs) < maxAckSegments {
		a.segs = append(a.segs, sg)
		a.note("5")
	}
}

// elementCodes maps row error codes to AK403/IK403 codes; any other is 6
// (invalid character in data element).
var elementCodes = map[string]string{
	canonical.CodeRequired:        "1",
	canonical.CodeInvalidDate:     "8",
	canonical.CodeInvalidDecimal:  "6",
	canonical.CodeInvalidUnit:     "7",
	canonical.CodeInvalidCurrency: "7",
	canonical.CodeInvalidCountry:  "7",
	canonical.CodeInvalidIncoterm: "7",
	canonical.CodeInvalidStatus:   "7",
	canonical.CodeInvalidGTIN:     "7",
	canonical.CodeInvalidSSCC:     "7",
	canonical.CodeDuplicate:       "7",
	CodeInvalidCharacter:          "6",
	CodeInvalidElement:            "6",
}

// elementRefs are the data element reference numbers (AK402) of the
// elements the decoder reads; product id pairs are handled in elementRef.
var elementRefs = map[string]string{
	"BEG03": "324", "BEG05": "373", "CUR02": "100", "DTM02": "373", "FOB04": "334", "FOB05": "335",
	"N404": "26", "PO101": "350", "PO102": "330", "PO103": "355", "PO104": "212",
	"ACK01": "668", "ACK02": "380", "ACK03": "355", "ACK05": "373", "BAK02": "587", "BAK09": "373",
	"BIG01": "373", "IT101": "350", "IT102": "358", "IT103": "355", "IT104": "212", "TDS01": "610",
	"TXI02": "782", "ITD06": "446", "SN101": "350", "SN102": "382", "SN103": "355", "TD102": "80",
	"TD107": "81", "TD108": "355", "HL01": "628", "HL02": "734", "LIN01": "350", "BSN03": "373",
	"MAN02": "87", "MAN05": "87",
}

func elementRef(id string, i int) string {
	if r, ok := elementRefs[fmt.Sprintf("%s%02d", id, i)]; ok {
		return r
	}
	if (id == "PO1" || id == "IT1") && i >= 6 || id == "LIN" && i >= 2 {
		if i%2 == 0 {
			return "235" // product/service id qualifier
		}
		return "234" // product/service id
	}
	return ""
}

// rejected records why the decoder rejected st, from its first problem.
func (st *txn) rejected(validation bool) {
	a := st.ack
	if a == nil {
		return
	}
	a.rejected = true
	if validation || st.err == nil {
		a.note("5")
		return
	}
	switch st.err.Code {
	case CodeUnsupportedSet:
		a.note("1")
		return
	case CodeUnsupportedVersion:
		a.note("1")
		st.groupAck.badVersion = true
		return
	case CodeTruncated:
		a.note("2")
		return
	}
	pos := st.err.Line - st.pos + 1
	switch {
	case st.errMissing:
		a.segment(ackSegment{id: st.errSeg, pos: max(st.end-st.pos+1, 2), code: "3"})
	case st.errSeg != "" && st.errElem > 0 && pos > 0:
		code, ok := elementCodes[st.err.Code]
		if !ok {
			code = "6"
		}
		a.segment(ackSegment{id: st.errSeg, pos: pos, code: "8", elem: st.errElem,
			ref: elementRef(st.errSeg, st.errElem), elemCode: code, data: st.errData})
	case st.errSeg != "" && pos > 0:
		a.segment(ackSegment{id: st.errSeg, pos: pos, code: "8"})
	default:
		a.note("5")
	}
}

// status is the set's AK501/IK501: A, E or R.
func (a *ackSet) status() string {
	switch {
	case a.rejected:
		return "R"
	case len(a.codes) > 0:
		return "E"
	}
	return "A"
}

// controlNumber is the ISA13 of the acknowledgement of interchange index
// of the input with content hash sum (its name when it has no hash). It is derived from both, not drawn
// from a counter: a re-run of the same input (after a crash before the
// input was settled) writes the same acknowledgement, so the partner sees
// a duplicate it can recognise, not a second, different answer.
func controlNumber(sum string, index int) int {
	h := sha256.Sum256([]byte(sum + "/" + strconv.Itoa(index)))
	return int(binary.BigEndian.Uint64(h[:8])%999_999_999) + 1
}

// ackWriter writes segments with '*', ':' and "~\n".
type ackWriter struct {
	b bytes.Buffer
	n int // segments since the last reset
}

func (w *ackWriter) seg(els ...string) {
	for len(els) > 1 && els[len(els)-1] == "" {
		els = els[:len(els)-1]
	}
	for i, e := range els {
		if i > 0 {
			w.b.WriteByte('*')
		}
		w.b.WriteString(e)
	}
	w.b.WriteString("~\n")
	w.n++
}

// clean makes a value taken from the inbound file safe to write: the
// delimiters of the acknowledgement, control characters and bytes outside
// ASCII become '?' (so that the fixed-length ISA elements keep their
// length), and it is cut to max bytes.
func clean(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == ':' || c == '^' || c == '~' || c < ' ' || c >= 0x7F {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c == '*' || c == ':' || c == '^' || c == '~' || c < ' ' || c >= 0x7F {
					b[j] = '?'
				}
			}
			return string(b)
		}
	}
	return s
}

func pad(s string, n int) string {
	s = clean(s, n)
	return s + strings.Repeat(" ", n-len(s))
}

// acknowledge writes the acknowledgements of everything read and hands
// them to out when it takes replies.
func (p *parser) acknowledge(ctx context.Context) error {
	r, ok := p.out.(connectors.Replier)
	if p.ack == nil || !ok {
		return nil
	}
	now := p.d.opt.Now().UTC()
	kind := p.d.opt.Acknowledgement
	key := p.in.SHA256
	if key == "" {
		key = "name:" + p.in.Name // a caller that does not hash its inputs
	}
	var w ackWriter
	for i, in := range p.ack.interchanges {
		groups := 0
		for _, g := range in.groups {
			if g.code != "FA" {
				groups++
			}
		}
		if groups == 0 {
			continue // nothing to acknowledge: an empty interchange, or acknowledgements
		}
		ctl := fmt.Sprintf("%09d", controlNumber(key, i))
		rep := "U"
		if v, err := strconv.Atoi(in.version); err == nil && v >= 402 {
			rep = "^"
		}
		usage := in.usage
		if usage != "T" {
			usage = "P"
		}
		w.seg("ISA", "00", pad("", 10), "00", pad("", 10),
			pad(in.receiverQ, 2), pad(in.receiver, 15), pad(in.senderQ, 2), pad(in.sender, 15),
			now.Format("060102"), now.Format("1504"), rep, pad(in.version, 5), ctl, "0", usage, ":")
		n := 0
		for _, g := range in.groups {
			if g.code == "FA" {
				continue
			}
			n++
			version := g.version
			if len(version) > 6 {
				version = version[:6] // the release: a 997 has no implementation guide
			}
			if version == "" {
				version = clean(in.version, 5) + "0"
			}
			if kind == Ack999 {
				version = implementation999
			}
			w.seg("GS", "FA", clean(g.receiver, 15), clean(g.sender, 15), now.Format("20060102"), now.Format("1504"),
				strconv.Itoa(n), "X", clean(version, 12))
			w.n = 0
			g.write(&w, kind, in.skip)
			w.seg("SE", strconv.Itoa(w.n+1), "0001")
			w.seg("GE", "1", strconv.Itoa(n))
		}
		w.seg("IEA", strconv.Itoa(n), ctl)
	}
	if w.b.Len() == 0 {
		return nil
	}
	name := p.in.Name + "." + kind
	return r.Reply(ctx, connectors.Reply{Name: name, Content: w.b.Bytes()})
}

// write writes the ST...AK9 of one group's acknowledgement.
func (g *ackGroup) write(w *ackWriter, kind string, skipped bool) {
	if kind == Ack999 {
		w.seg("ST", "999", "0001", implementation999)
		w.seg("AK1", clean(g.code, 2), clean(g.control, 9), clean(g.version, 12))
	} else {
		w.seg("ST", "997", "0001")
		w.seg("AK1", clean(g.code, 2), clean(g.control, 9))
	}
	accepted, anyErrors := 0, false
	if !skipped {
		for _, a := range g.sets {
			g.writeSet(w, kind, a)
			switch a.status() {
			case "A":
				accepted++
			case "E":
				accepted++
				anyErrors = true
			}
		}
	}
	received := len(g.sets) + g.skipped
	if g.badVersion || skipped {
		g.problem("2")
	}
	included := g.declared
	if included < 0 {
		included = received
	}
	status := "A"
	switch {
	case received > 0 && accepted == 0 || skipped:
		status = "R"
	case accepted < received:
		status = "P"
	case anyErrors || len(g.problems) > 0:
		status = "E"
	}
	if skipped {
		accepted = 0
	}
	w.seg(append([]string{"AK9", status, strconv.Itoa(included), strconv.Itoa(received), strconv.Itoa(accepted)}, g.problems...)...)
}

func (g *ackGroup) writeSet(w *ackWriter, kind string, a *ackSet) {
	seg, elem, end := "AK3", "AK4", "AK5"
	ak2 := []string{"AK2", clean(a.typ, 3), clean(a.control, 9)}
	if kind == Ack999 {
		seg, elem, end = "IK3", "IK4", "IK5"
		ak2 = append(ak2, clean(a.impl, 35))
	}
	w.seg(ak2...)
	for _, s := range a.segs {
		w.seg(seg, clean(s.id, 3), strconv.Itoa(s.pos), "", s.code)
		if s.elem > 0 {
			w.seg(elem, strconv.Itoa(s.elem), s.ref, s.elemCode, clean(s.data, 99))
		}
	}
	w.seg(append([]string{end, a.status()}, a.codes...)...)
}

// defaultNow is Options.Now when nil.
func defaultNow() time.Time { return time.Now() }
