package edifact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// Acknowledgement choices (Options.Acknowledgement).
const (
	AcknowledgeCONTRL = "contrl" // answer every interchange with a CONTRL (the default, "")
	AcknowledgeNone   = "none"   // answer nothing
)

// Validate checks the options a partner config sets: Acknowledgement is
// "", "contrl" or "none".
func (o Options) Validate() error {
	switch o.Acknowledgement {
	case "", AcknowledgeCONTRL, AcknowledgeNone:
		return nil
	}
	return fmt.Errorf("acknowledgement %q is not known: use %q (answer each interchange with a CONTRL, the default) or %q", o.Acknowledgement, AcknowledgeCONTRL, AcknowledgeNone)
}

// Syntax error codes (0085) the acknowledgements use.
const (
	synUnsupportedSyntax = "2"  // syntax version or level not supported
	synInvalidValue      = "12" // invalid value
	synMissing           = "13" // missing
	synValueNotSupported = "14" // value not supported in this position
	synNotSupported      = "15" // not supported in this position
	synUnspecified       = "18" // unspecified error
	synInvalidCharacter  = "21" // invalid character(s)
	synReferences        = "28" // references do not match
	synCount             = "29" // control count does not match number of instances received
)

// Action codes (0083).
const (
	actionRejected     = "4" // this level and all lower levels rejected
	actionAcknowledged = "7" // this level acknowledged, lower levels acknowledged if not explicitly rejected
)

// ackNote is one error the acknowledgement reports at a level: a syntax
// error code, the service segment it concerns and the position of the
// element (tag = 1) and component in it, 0 when not known.
type ackNote struct {
	code     string
	tag      string
	el, comp int
}

// note keeps the first error of a level.
func (n *ackNote) set(code, tag string, el int) {
	if n.code == "" {
		*n = ackNote{code: code, tag: tag, el: el}
	}
}

// ackInterchange is what the decoder saw of one interchange: its UNB and
// a few words per group and message, enough to answer it.
type ackInterchange struct {
	charset           string // UNOA..UNOC; "" when not one of them (answered in UNOC)
	ref               string
	sender, recipient []string // S002, S003 components
	test              string
	note              ackNote
	noAck             bool // it holds a CONTRL: acknowledgements are not acknowledged
	msgs              []*ackMessage
	groups            []*ackGroup
}

type ackGroup struct {
	ref               string
	sender, recipient []string // S006, S007
	note              ackNote
	msgs              []*ackMessage
}

// ackMessage is the outcome of one message.
type ackMessage struct {
	ref      string
	id       []string // S009
	rejected bool
	note     ackNote // an error of UNH or UNT
	segPos   int     // UCS: the position of the erroneous segment in the message (UNH = 1), 0 none
	segCode  string  // UCS 0085: an error of the whole segment
	elCode   string  // UCD 0085: an error of one of its elements
	el, comp int     // UCD S011
}

func (m *ackMessage) envelope(code string, el int) {
	if m != nil {
		m.note.set(code, "UNT", el)
	}
}

// reject marks the message rejected with an error of its envelope.
func (m *ackMessage) reject(code, tag string, el, comp int) {
	if m == nil || m.rejected {
		return
	}
	m.rejected = true
	m.note = ackNote{code: code, tag: tag, el: el, comp: comp}
}

// rejectAt marks the message rejected for its segment at input position
// pos (the message's UNH at unh): a UCS with the code of the whole segment
// when el is 0, else a UCS and a UCD naming element el, component comp.
func (m *ackMessage) rejectAt(unh, pos int, code string, el, comp int) {
	if m == nil || m.rejected {
		return
	}
	m.rejected = true
	m.segPos = max(pos-unh+1, 1)
	if el == 0 {
		m.segCode = code
		return
	}
	m.elCode, m.el, m.comp = code, el+1, comp
}

// rejectProblem marks the message rejected for what its mapping found.
func (m *ackMessage) rejectProblem(unh int, p *problem) {
	switch p.code {
	case CodeUnsupportedMessage:
		m.reject(synValueNotSupported, "UNH", 3, 1) // S009 0065
	case CodeUnsupportedVersion:
		m.reject(synValueNotSupported, "UNH", 3, 0) // S009 0052/0054
	case CodeMessageTooLong:
		m.reject(synUnspecified, "", 0, 0)
	case CodeIllegalCharacter:
		m.rejectAt(unh, p.pos, synInvalidCharacter, 0, 0)
	case CodeInvalidSegment:
		m.rejectAt(unh, p.pos, synNotSupported, 0, 0)
	case CodeMissingSegment:
		// The position of the last segment before the missing one (ISO 9735-4).
		m.rejectAt(unh, p.pos, synMissing, 0, 0)
	case CodeCancellation:
		m.rejectAt(unh, p.pos, synValueNotSupported, p.el, p.comp)
	case canonical.CodeRequired:
		m.rejectAt(unh, p.pos, synMissing, p.el, p.comp)
	default:
		m.rejectAt(unh, p.pos, synInvalidValue, p.el, p.comp)
	}
}

// ackRef is the control reference of the acknowledgement of the i-th
// interchange (0-based) of an input: 14 hexadecimal digits of the sha256
// of the input's sha256 and i. It is derived, not counted, so that a
// re-run of the same input (after a crash before the input was settled)
// writes the same acknowledgement, which the partner can recognise as a
// duplicate, and no counter has to be kept.
func ackRef(inputSHA256 string, i int) string {
	sum := sha256.Sum256([]byte(inputSHA256 + "/" + strconv.Itoa(i)))
	return strings.ToUpper(hex.EncodeToString(sum[:7]))
}

// contrl writes the CONTRL interchanges answering ics; nil when none is
// to be answered.
func contrl(inputSHA256 string, ics []*ackInterchange, now time.Time) []byte {
	var w writer
	now = now.UTC()
	for i, ic := range ics {
		if ic.noAck {
			continue
		}
		w.cs = charsetUNOC
		id := ic.charset
		if cs, ok := parseCharset(id); ok && cs != charsetUTF8 {
			w.cs = cs
		} else {
			id = "UNOC"
		}
		ref := ackRef(inputSHA256, i)
		w.buf = append(w.buf, "UNA:+.? '\n"...)
		w.seg("UNB", el{id, "3"}, idQual(ic.recipient), idQual(ic.sender),
			el{now.Format("060102"), now.Format("1504")}, el{ref}, nil, nil, nil, nil, nil, el{ic.test})
		w.segs = 0
		w.seg("UNH", el{"1"}, el{"CONTRL", "D", "3", "UN"})
		w.seg("UCI", uci(ic)...)
		for _, m := range ic.msgs {
			ucm(&w, m)
		}
		for _, g := range ic.groups {
			action := actionAcknowledged
			w.seg("UCF", append([]el{{g.ref}, g.sender, g.recipient, {action}}, g.note.elements()...)...)
			for _, m := range g.msgs {
				ucm(&w, m)
			}
		}
		w.seg("UNT", el{strconv.Itoa(w.segs + 1)}, el{"1"})
		w.seg("UNZ", el{"1"}, el{ref})
	}
	return w.buf
}

// idQual is an identification and its qualifier, without routing.
func idQual(c []string) el {
	if len(c) > 2 {
		c = c[:2]
	}
	return c
}

func uci(ic *ackInterchange) []el {
	return append([]el{{ic.ref}, ic.sender, ic.recipient, {actionAcknowledged}}, ic.note.elements()...)
}

// elements are 0085, 0013 and S011 of a note.
func (n ackNote) elements() []el {
	if n.code == "" {
		return nil
	}
	return []el{{n.code}, {n.tag}, position(n.el, n.comp)}
}

func position(e, c int) el {
	var s el
	if e > 0 {
		s = el{strconv.Itoa(e)}
		if c > 0 {
			s = append(s, strconv.Itoa(c))
		}
	}
	return s
}

// ucm writes the response to one message: a UCM, and a UCS with a UCD
// when the error is localised.
func ucm(w *writer, m *ackMessage) {
	action := actionAcknowledged
	if m.rejected {
		action = actionRejected
	}
	w.seg("UCM", append([]el{{m.ref}, m.id, {action}}, m.note.elements()...)...)
	if m.segPos == 0 {
		return
	}
	w.seg("UCS", el{strconv.Itoa(m.segPos)}, el{m.segCode})
	if m.elCode != "" {
		w.seg("UCD", el{m.elCode}, position(m.el, m.comp))
	}
}
