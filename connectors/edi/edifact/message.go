package edifact

import (
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// message is one UNH..UNT with its segments in between.
type message struct {
	ref, typ, version, release string
	pos                        int
	unh                        segment
	segs                       []segment
	tooLong                    bool        // segments were dropped: more than maxMessageSegments
	ack                        *ackMessage // its outcome for the acknowledgement; nil when not answered

	opt      Options
	decimal  byte
	warnings []problem
}

// problem is what a message mapping reports: a problem at a segment.
type problem struct {
	pos   int
	field string
	code  string
	msg   string
	// el and comp locate the element (1-based, 0 for the whole segment)
	// and its component (1-based, 0 for a simple element or not known)
	// for the acknowledgement.
	el, comp int
}

func (m *message) name() string {
	return fmt.Sprintf("message %s (%s, UNH at segment %d)", clip(m.ref), clip(m.typ), m.pos)
}

// fail makes the problem of element i (0-based) of seg.
func fail(seg *segment, i int, code, format string, args ...any) *problem {
	field := seg.tag
	if i >= 0 {
		field = fmt.Sprintf("%s%02d", seg.tag, i+1)
	}
	return &problem{pos: seg.pos, field: field, code: code, msg: fmt.Sprintf(format, args...), el: i + 1}
}

// failComp makes the problem of component j (0-based) of element i of seg.
func failComp(seg *segment, i, j int, code, format string, args ...any) *problem {
	p := fail(seg, i, code, format, args...)
	p.comp = j + 1
	return p
}

func (m *message) warn(seg *segment, i int, code, format string, args ...any) {
	m.warnings = append(m.warnings, *fail(seg, i, code, format, args...))
}

// decode maps the message to its record.
func (m *message) decode() (connectors.Record, []problem, *problem) {
	var mapper func() (connectors.Record, *problem)
	switch m.typ {
	case "ORDERS":
		mapper = m.orders
	case "ORDRSP":
		mapper = m.ordrsp
	case "DESADV":
		mapper = m.desadv
	case "INVOIC":
		mapper = m.invoic
	default:
		return connectors.Record{}, nil, fail(&m.unh, 1, CodeUnsupportedMessage, "message type %s is not read (ORDERS, ORDRSP, DESADV, INVOIC)", clip(m.typ))
	}
	if !supportedRelease(m.version, m.release) {
		return connectors.Record{}, nil, fail(&m.unh, 1, CodeUnsupportedVersion, "directory %s:%s is not read: D:96A and later are", clip(m.version), clip(m.release))
	}
	if m.tooLong {
		return connectors.Record{}, nil, fail(&m.unh, -1, CodeMessageTooLong, "the message has more than %d segments", maxMessageSegments)
	}
	for i := range m.segs {
		s := &m.segs[i]
		if s.tag == "BGM" && m.typ != "ORDRSP" && (s.el(2, 0) == "1" || s.el(2, 0) == "3") {
			return connectors.Record{}, m.warnings, fail(s, 2, CodeCancellation, "message function %s is a cancellation or deletion of %s, which is not read as a new document", clip(s.el(2, 0)), clip(s.el(1, 0)))
		}
		switch {
		case !validTag(s.tag):
			return connectors.Record{}, m.warnings, fail(s, -1, CodeInvalidSegment, "%s is not a segment tag (three upper-case letters or digits)", clip(s.tag))
		case s.bad != "":
			return connectors.Record{}, m.warnings, fail(s, -1, CodeIllegalCharacter, "%s", s.bad)
		case !directory[s.tag]:
			m.warn(s, -1, CodeUnknownSegment, "%s is not a segment of the EDIFACT directory; skipped", clip(s.tag))
		}
	}
	rec, prob := mapper()
	return rec, m.warnings, prob
}

// supportedRelease reports whether version:release is D:96A or later.
func supportedRelease(version, release string) bool {
	if version != "D" || len(release) != 3 || release[0] < '0' || release[0] > '9' || release[1] < '0' || release[1] > '9' {
		return false
	}
	year := int(release[0]-'0')*10 + int(release[1]-'0')
	if year >= 90 {
		year += 1900
	} else {
		year += 2000
	}
	return year > 1996 || (year == 1996 && release[2] >= 'A')
}

func validTag(t string) bool {
	if len(t) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := t[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// directory holds the segment tags of the UN/EDIFACT directories D96A to
// D21A that the four messages and their EANCOM subsets can hold, and other
// common ones: a tag outside it is reported as unknown.
var directory = func() map[string]bool {
	const tags = `ADR AGR AJT ALC ALI APR ARD ATT AUT BGM BII CAV CCI CDI CDS CDV CED CIN CLA CLI
CMP CNI CNT COD COM COT CPI CPS CPT CST CTA CUX DAM DFN DGS DII DIM DLI DLM DMS DOC DRD DSG DSI
DTM EDT EFI ELM ELU ELV EMP EQA EQD EQN ERC ERP EVE FCA FII FNS FNT FOR FSQ FTX GDS GEI GID GIN
GIR GIS HAN HYN ICD IDE IFD IHC IMD IND INP INV IRQ LAN LIN LOC MEA MEM MKS MOA MSG MTD NAD NAT
PAC PAI PAS PAT PCC PCD PER PGI PIA PNA POC PRC PRI PRV PSD PTY PYT QRS QTY QUA QVR RCS REL RFF RJL
RNG ROD RSL RTE SAL SCC SCD SEG SEL SEQ SFI SGP SPR SPS STA STC STG STS TAX TCC TDT TEM TMD TMP
TOD TPL TRU TSR UNS VLI`
	m := map[string]bool{}
	for _, t := range strings.Fields(tags) {
		m[t] = true
	}
	return m
}()

// number reads component j of element i as an EDIFACT number: an optional
// minus, digits and at most one decimal mark (point or comma, ISO 9735
// allows either). ok is false when the component is empty.
func number(seg *segment, i, j int) (d canonical.Decimal, ok bool, p *problem) {
	s := seg.el(i, j)
	if s == "" {
		return d, false, nil
	}
	digits, marks := 0, 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c == '.' || c == ',') && marks == 0:
			marks++
		case c == '-' && k == 0:
		default:
			return d, false, failComp(seg, i, j, canonical.CodeInvalidDecimal, "%s is not an EDIFACT number", clip(s))
		}
	}
	if digits == 0 {
		return d, false, failComp(seg, i, j, canonical.CodeInvalidDecimal, "%s is not an EDIFACT number", clip(s))
	}
	d, err := canonical.ParseDecimal(strings.Replace(s, ",", ".", 1))
	if err != nil {
		return d, false, failComp(seg, i, j, canonical.CodeInvalidDecimal, "%v", err)
	}
	return d, true, nil
}

// dtm reads a DTM: its qualifier (2005) and its date. Formats 102
// (CCYYMMDD), 203 (CCYYMMDDHHMM), 204 (CCYYMMDDHHMMSS), 101 (YYMMDD,
// 20YY) and 718 (a CCYYMMDD-CCYYMMDD period: its first day) are read; an
// absent format is 102.
func dtm(seg *segment) (string, canonical.Date, *problem) {
	q, v, f := seg.el(0, 0), seg.el(0, 1), seg.el(0, 2)
	var ymd string
	switch f {
	case "102", "":
		if len(v) == 8 {
			ymd = v
		}
	case "203":
		if len(v) == 12 {
			ymd = v[:8]
		}
	case "204":
		if len(v) == 14 {
			ymd = v[:8]
		}
	case "101":
		if len(v) == 6 {
			ymd = "20" + v
		}
	case "718":
		if len(v) == 17 && v[8] == '-' {
			ymd = v[:8]
		}
	default:
		return q, canonical.Date{}, failComp(seg, 0, 2, canonical.CodeInvalidDate, "date format %s is not read (102, 203, 204, 101, 718)", clip(f))
	}
	for k := 0; k < len(ymd); k++ {
		if ymd[k] < '0' || ymd[k] > '9' {
			ymd = ""
			break
		}
	}
	if ymd == "" {
		return q, canonical.Date{}, failComp(seg, 0, 1, canonical.CodeInvalidDate, "%s is not a date in format %s", clip(v), clip(f))
	}
	d, err := canonical.ParseDate(ymd[:4] + "-" + ymd[4:6] + "-" + ymd[6:8])
	if err != nil {
		return q, d, failComp(seg, 0, 1, canonical.CodeInvalidDate, "%s is not a calendar date", clip(v))
	}
	return q, d, nil
}

// unit reads a Rec 20 unit code (EDIFACT's units are Rec 20 already;
// PCE becomes H87); an empty code is def.
func unit(seg *segment, i, j int, def canonical.Unit) (canonical.Unit, *problem) {
	s := seg.el(i, j)
	if s == "" {
		return def, nil
	}
	u, err := canonical.ParseUnit(s)
	if err != nil {
		return "", failComp(seg, i, j, canonical.CodeInvalidUnit, "%v", err)
	}
	return u, nil
}

// currency reads CUX: the reference currency of qualifier 2 (or of the first C504).
func currency(seg *segment) (canonical.Currency, *problem) {
	s := seg.el(0, 1)
	c, err := canonical.ParseCurrency(s)
	if err != nil {
		return "", failComp(seg, 0, 1, canonical.CodeInvalidCurrency, "%v", err)
	}
	return c, nil
}

// nad reads a NAD: its qualifier, the party and the address.
func nad(seg *segment) (string, canonical.Party, canonical.Address) {
	name := joinComps(seg, 3)
	if name == "" {
		name = joinComps(seg, 1)
	}
	country := canonical.Country(strings.ToUpper(seg.el(8, 0)))
	if c, err := canonical.ParseCountry(seg.el(8, 0)); err == nil {
		country = c
	}
	p := canonical.Party{ID: seg.el(1, 0), Name: name, Country: country}
	a := canonical.Address{Name: name, Street: joinComps(seg, 4), City: seg.el(5, 0), PostalCode: seg.el(7, 0), Country: country}
	return seg.el(0, 0), p, a
}

// joinComps joins the non-empty components of element i with spaces.
func joinComps(seg *segment, i int) string {
	if i >= len(seg.els) {
		return ""
	}
	var parts []string
	for _, c := range seg.els[i] {
		if c = strings.TrimSpace(c); c != "" {
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, " ")
}

// itemIDs are the article numbers of a line.
type itemIDs struct{ sku, buyerSKU, gtin string }

// add takes an item number (7140) of type (7143).
func (ids *itemIDs) add(opt Options, id, typ string) {
	if id == "" {
		return
	}
	switch typ {
	case opt.SKUQualifier:
		ids.sku = id
	case opt.BuyerSKUQualifier:
		ids.buyerSKU = id
	case "SRV", "EN":
		ids.gtin = id
	}
}

// lin reads LIN: line number (1082), action code (1229) and its item number.
func (m *message) lin(seg *segment, ids *itemIDs) (int, string, *problem) {
	ln := 0
	s := seg.el(0, 0)
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' || ln > 1e8 {
			return 0, "", fail(seg, 0, CodeInvalidValue, "line number %s is not a number", clip(s))
		}
		ln = ln*10 + int(s[k]-'0')
	}
	if s == "" {
		return 0, "", fail(seg, 0, canonical.CodeRequired, "LIN has no line number")
	}
	ids.add(m.opt, seg.el(2, 0), seg.el(2, 1))
	return ln, seg.el(1, 0), nil
}

// pia reads the item numbers of a PIA.
func (m *message) pia(seg *segment, ids *itemIDs) {
	for i := 1; i < len(seg.els) && i <= 5; i++ {
		ids.add(m.opt, seg.el(i, 0), seg.el(i, 1))
	}
}

// imd reads the free-text description of an IMD (C273 7008, both parts).
func imd(seg *segment) string {
	return strings.TrimSpace(strings.TrimSpace(seg.el(2, 3)) + " " + strings.TrimSpace(seg.el(2, 4)))
}

// pri reads a PRI: qualifier (5125) and the price of one unit, divided by
// the unit price basis (5284) when one is given ("per 100").
func pri(seg *segment) (string, canonical.Decimal, bool, *problem) {
	price, ok, p := number(seg, 0, 1)
	if p != nil || !ok {
		return "", price, false, p
	}
	if basis, ok, p := number(seg, 0, 4); p != nil {
		return "", price, false, p
	} else if ok && !basis.IsZero() && !basis.Equal(canonical.MustDecimal("1")) {
		q := price.DivRound(basis.Decimal, 10)
		for places := int32(0); places < 10; places++ {
			if t := q.Truncate(places); t.Equal(q) {
				q = t
				break
			}
		}
		price = canonical.NewDecimal(q)
	}
	return seg.el(0, 0), price, true, nil
}

// moa reads a MOA: qualifier (5025) and amount (5004).
func moa(seg *segment) (string, canonical.Decimal, bool, *problem) {
	d, ok, p := number(seg, 0, 1)
	return seg.el(0, 0), d, ok, p
}

// qty reads a QTY: qualifier (6063), quantity (6060) and unit (6411).
func qty(seg *segment) (string, canonical.Decimal, bool, *problem) {
	d, ok, p := number(seg, 0, 1)
	return seg.el(0, 0), d, ok, p
}

// pat reads payment terms as text: the terms' description when sent, else
// "N days (after reference R)", with "net" for basic terms (4279 = 1).
func pat(seg *segment) string {
	if t := strings.TrimSpace(seg.el(1, 3) + " " + seg.el(1, 4)); t != "" {
		return t
	}
	n, period := seg.el(2, 3), seg.el(2, 2)
	if n == "" {
		return ""
	}
	unit := map[string]string{"D": "days", "WK": "weeks", "M": "months", "Y": "years"}[period]
	if unit == "" {
		unit = "periods of " + period
	}
	s := n + " " + unit
	if seg.el(0, 0) == "1" {
		s += " net"
	}
	return s
}

// rffON reads a RFF+ON: the order number (1154) and the order line (1156).
func rffON(seg *segment) (order string, line int, ok bool) {
	if seg.el(0, 0) != "ON" || seg.el(0, 1) == "" {
		return "", 0, false
	}
	s := seg.el(0, 2)
	for k := 0; k < len(s) && k < 9; k++ {
		if s[k] < '0' || s[k] > '9' {
			return seg.el(0, 1), 0, true
		}
		line = line*10 + int(s[k]-'0')
	}
	return seg.el(0, 1), line, true
}

func ptr(d canonical.Decimal) *canonical.Decimal { return &d }

// missing is the problem of a segment the message needs.
func (m *message) missing(what string) *problem {
	return &problem{pos: m.pos, field: what, code: CodeMissingSegment, msg: fmt.Sprintf("the message has no %s", what)}
}
