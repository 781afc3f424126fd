package x12

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// mapper turns one transaction set into a canonical record. Element
// problems go to t.fail (the first one rejects the set); werr is a sink
// error, which ends decoding.
type mapper struct {
	p    *parser
	t    *txn
	opt  Options
	werr error
}

func (m *mapper) run(ctx context.Context) connectors.Record {
	var rec connectors.Record
	switch m.t.typ {
	case "850":
		rec = m.order(ctx)
	case "855":
		rec = m.response(ctx)
	case "856":
		rec = m.shipment(ctx)
	case "810":
		rec = m.invoice(ctx)
	default:
		m.t.fail(m.t.pos, "ST01", CodeUnsupportedSet, fmt.Sprintf("transaction set type %s is not read by this connector (850, 855, 856, 810)", clip(m.t.typ)))
	}
	if m.t.err != nil {
		return connectors.Record{}
	}
	return rec
}

// known are the segment ids of the 850, 855, 856 and 810 guides (004010
// and later): a segment among them that the mapping does not use is
// ignored; any other id is warned about once per set.
var known = func() map[string]bool {
	ids := strings.Fields(`ST SE BEG BAK BSN BIG CUR REF PER TAX FOB CTP PAM CSH SAC ITD DIS INC DTM
		LDT LIN SI PID MEA PWK PKG TD1 TD3 TD4 TD5 MAN MSG N9 N1 N2 N3 N4 NX2 PO1 PO3 PO4 ACK SCH CTT
		AMT HL PRF SN1 SLN PRS IT1 IT3 IT8 TDS TXI ISS CAD TC2 SDQ ETD CTB LM LQ SPI QTY YNQ NTE G53
		PAL CN1 ADV SHH LS LE AT9 PCT BAL G36 FA1 FA2 PCD FOB CPA TQS V1 SPS CUR MTX PRS FST N5
		ITA IT9 REF SDQ PDS PDD CTB LE AMT BIA SPR`)
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}()

// segments walks the set's segments between ST and SE, warning about
// unknown ids.
func (m *mapper) segments(ctx context.Context) []segment {
	segs := m.t.segs[1:] // ST is first
	for i := range segs {
		id := segs[i].id()
		if known[id] {
			continue
		}
		if m.t.unknown == nil {
			m.t.unknown = map[string]bool{}
		}
		if m.t.unknown[id] || m.werr != nil {
			continue
		}
		m.t.unknown[id] = true
		m.t.ack.segment(ackSegment{id: strings.Clone(id[:min(len(id), 3)]), pos: segs[i].pos - m.t.pos + 1, code: "1"})
		m.werr = m.p.warn(ctx, segs[i].pos, id, CodeUnknownSegment,
			fmt.Sprintf("segment %s is not part of the %s guides this connector reads and was ignored", clip(id), m.t.typ))
	}
	return segs
}

func (m *mapper) fail(s *segment, i int, code, format string, args ...any) {
	if m.t.err == nil {
		// Copies, cut to what the acknowledgement shows (AK404 has at most
		// 99 characters): the set keeps them, not the segment.
		data := s.el(i)
		m.t.errSeg, m.t.errElem, m.t.errData = strings.Clone(s.id()[:min(len(s.id()), 3)]), i, strings.Clone(data[:min(len(data), 99)])
	}
	m.t.fail(s.pos, s.ref(i), code, s.ref(i)+": "+fmt.Sprintf(format, args...))
}

// sscc reads an SSCC-18 of a MAN*GM: 18 digits with a GS1 check digit, or
// 20 with the GS1-128 application identifier 00 in front, which is
// dropped. Anything else fails the set.
func (m *mapper) sscc(s *segment, i int) (string, bool) {
	v := s.el(i)
	if v == "" {
		m.fail(s, i, canonical.CodeRequired, "the SSCC is missing after qualifier GM")
		return "", false
	}
	if len(v) == 20 && strings.HasPrefix(v, "00") && isDigits(v) {
		v = v[2:]
	}
	id, err := canonical.ParseSSCC(v)
	if err != nil {
		m.fail(s, i, canonical.CodeInvalidSSCC, "%v", err)
		return "", false
	}
	return id, true
}

// date reads a DT element: CCYYMMDD, or YYMMDD (taken as 20YY).
func (m *mapper) date(s *segment, i int) canonical.Date {
	v := s.el(i)
	if v == "" {
		return canonical.Date{}
	}
	if len(v) == 6 && isDigits(v) {
		v = "20" + v
	}
	if len(v) != 8 || !isDigits(v) {
		m.fail(s, i, canonical.CodeInvalidDate, "%s is not a date (CCYYMMDD)", clip(v))
		return canonical.Date{}
	}
	t, err := time.Parse("20060102", v)
	if err != nil || t.Year() < 1 {
		m.fail(s, i, canonical.CodeInvalidDate, "%s is not a calendar date", clip(v))
		return canonical.Date{}
	}
	return canonical.DateOf(t)
}

// real reads an R element: an optional minus, digits and at most one
// decimal point. ok is false when the element is absent or bad (a bad one
// fails the set).
func (m *mapper) real(s *segment, i int) (canonical.Decimal, bool) {
	v := s.el(i)
	if v == "" {
		return canonical.Decimal{}, false
	}
	body := strings.TrimPrefix(v, "-")
	digits, points := 0, 0
	for j := 0; j < len(body); j++ {
		switch c := body[j]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			digits = -1
		}
		if digits < 0 {
			break
		}
	}
	if digits <= 0 || points > 1 {
		m.fail(s, i, canonical.CodeInvalidDecimal, "%s is not an X12 decimal number (R)", clip(v))
		return canonical.Decimal{}, false
	}
	d, err := canonical.ParseDecimal(v)
	if err != nil {
		m.fail(s, i, canonical.CodeInvalidDecimal, "%v", err)
		return canonical.Decimal{}, false
	}
	return d, true
}

// implied reads an Nn element: an optional minus and digits with n implied
// decimals (N2 "12345" is 123.45).
func (m *mapper) implied(s *segment, i int, n int32) (canonical.Decimal, bool) {
	v := s.el(i)
	if v == "" {
		return canonical.Decimal{}, false
	}
	body := strings.TrimPrefix(v, "-")
	if !isDigits(body) || len(body) > 30 {
		m.fail(s, i, canonical.CodeInvalidDecimal, "%s is not an X12 number with %d implied decimals (N%d)", clip(v), n, n)
		return canonical.Decimal{}, false
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		m.fail(s, i, canonical.CodeInvalidDecimal, "%s is not a number", clip(v))
		return canonical.Decimal{}, false
	}
	return canonical.NewDecimal(d.Shift(-n)), true
}

// integer reads a positive whole number (a line number).
func (m *mapper) integer(s *segment, i int) (int, bool) {
	v := s.el(i)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1e9 {
		m.fail(s, i, CodeInvalidElement, "%s is not a positive whole number", clip(v))
		return 0, false
	}
	return n, true
}

func (m *mapper) currency(s *segment, i int) canonical.Currency {
	v := s.el(i)
	if v == "" {
		return ""
	}
	c, err := canonical.ParseCurrency(v)
	if err != nil {
		m.fail(s, i, canonical.CodeInvalidCurrency, "%v", err)
	}
	return c
}

func (m *mapper) country(s *segment, i int) canonical.Country {
	v := s.el(i)
	if v == "" {
		return ""
	}
	c, err := canonical.ParseCountry(v)
	if err != nil {
		m.fail(s, i, canonical.CodeInvalidCountry, "%v", err)
	}
	return c
}

// unit reads a unit of measure code (355) as a Rec 20 unit.
func (m *mapper) unit(s *segment, i int) canonical.Unit {
	v := s.el(i)
	if v == "" {
		return ""
	}
	u, ok := units[strings.ToUpper(v)]
	if !ok {
		m.fail(s, i, canonical.CodeInvalidUnit, "X12 unit %s has no UN/ECE Rec 20 equivalent known to this connector", clip(v))
	}
	return u
}

// productIDs reads the qualifier/id pairs of a PO1, IT1 or LIN from
// element from on.
type productIDs struct {
	sku, buyerSKU, gtin string
}

func (m *mapper) productIDs(s *segment, from int) productIDs {
	var ids productIDs
	var vendorItem, buyerItem string
	for i := from; i+1 < len(s.els); i += 2 {
		q, v := s.el(i), s.el(i+1)
		if v == "" {
			continue
		}
		switch {
		case q == m.opt.SKUQualifier:
			if ids.sku == "" {
				ids.sku = v
			}
		case q == m.opt.BuyerSKUQualifier:
			if ids.buyerSKU == "" {
				ids.buyerSKU = v
			}
		case q == "VN":
			vendorItem = v
		case q == "IN":
			buyerItem = v
		case q == "UP" || q == "EN" || q == "UK":
			g, err := canonical.ParseGTIN(v)
			if err != nil {
				m.fail(s, i+1, canonical.CodeInvalidGTIN, "%v", err)
			} else if ids.gtin == "" {
				ids.gtin = g
			}
		}
	}
	if ids.sku == "" {
		ids.sku = vendorItem
	}
	if ids.buyerSKU == "" {
		ids.buyerSKU = buyerItem
	}
	return ids
}

// units maps X12 unit of measure codes (data element 355) to UN/ECE
// Recommendation 20. Only codes with an exact Rec 20 equivalent that
// canonical knows are listed; any other code rejects its set with
// invalid_unit. Notably absent: CA (case), whose Rec 20 code CS canonical
// does not list yet.
var units = map[string]canonical.Unit{
	"EA": "EA",  // each
	"PC": "H87", // piece
	"PK": "PK",  // package → pack
	"PR": "PR",  // pair
	"DZ": "DZN", // dozen
	"BX": "BX",  // box
	"CT": "CT",  // carton
	"ST": "SET", // set
	"RL": "RO",  // roll
	"PL": "PF",  // pallet/unit load → pallet (lift)
	"KG": "KGM", // kilogram
	"LB": "LBR", // pound
	"GR": "GRM", // gram
	"OZ": "ONZ", // ounce (avoirdupois)
	"TN": "STN", // net ton (2,000 lb)
	"MT": "TNE", // metric ton
	"FT": "FOT", // foot
	"IN": "INH", // inch
	"YD": "YRD", // yard
	"MR": "MTR", // meter
	"CM": "CMT", // centimeter
	"MM": "MMT", // millimeter
	"SF": "FTK", // square foot
	"SM": "MTK", // square meter
	"CF": "FTQ", // cubic foot
	"CR": "MTQ", // cubic meter
	"LT": "LTR", // liter
	"GA": "GLL", // gallon (US)
	"HR": "HUR", // hour
	"DA": "DAY", // day
	"LS": "LS",  // lump sum
}

// party is one N1 loop.
type party struct {
	code string // N101
	p    canonical.Party
	addr canonical.Address
}

// n1 starts or extends an N1 loop; it returns the loop's parties.
func (m *mapper) n1(parties []party, s *segment) []party {
	switch s.id() {
	case "N1":
		pt := party{code: s.el(1)}
		pt.p.Name, pt.p.ID = s.el(2), s.el(4)
		pt.addr.Name = pt.p.Name
		return append(parties, pt)
	case "N3":
		if n := len(parties); n > 0 {
			parties[n-1].addr.Street = strings.TrimSpace(s.el(1) + " " + s.el(2))
		}
	case "N4":
		if n := len(parties); n > 0 {
			last := &parties[n-1]
			last.addr.City, last.addr.PostalCode = s.el(1), s.el(3)
			last.addr.Country = m.country(s, 4)
			last.p.Country = last.addr.Country
		}
	}
	return parties
}

// find returns the party with one of the codes, in the order given.
func find(parties []party, codes ...string) *party {
	for _, c := range codes {
		for i := range parties {
			if parties[i].code == c {
				return &parties[i]
			}
		}
	}
	return nil
}

// partyOr returns the party with one of codes, or one whose ID is
// fallbackID (the interchange partner) when there is none.
func partyOr(parties []party, fallbackID string, codes ...string) canonical.Party {
	pt := find(parties, codes...)
	if pt == nil {
		return canonical.Party{ID: fallbackID}
	}
	p := pt.p
	if p.ID == "" {
		p.ID = fallbackID
	}
	return p
}

// sender and receiver are the application codes of the set's group.
func (m *mapper) sender() string {
	if m.t.group != nil {
		return m.t.group.sender
	}
	return ""
}

func (m *mapper) receiver() string {
	if m.t.group != nil {
		return m.t.group.receiver
	}
	return ""
}

// missing rejects the set for a mandatory segment it lacks.
func (m *mapper) missing(id, field, msg string) {
	if m.t.err == nil {
		m.t.errSeg, m.t.errMissing = id, true
	}
	m.t.fail(m.t.pos, field, canonical.CodeRequired, msg)
}

// checkCount warns when a CTT01 disagrees with the lines counted.
func (m *mapper) checkCount(ctx context.Context, ctt *segment, lines int, what string) {
	if ctt == nil || m.werr != nil {
		return
	}
	if n, err := strconv.Atoi(ctt.el(1)); err != nil || n != lines {
		m.werr = m.p.warn(ctx, ctt.pos, "CTT01", CodeCount, fmt.Sprintf("CTT01 says %s line items, the set has %d %s segments", clip(ctt.el(1)), lines, what))
	}
}
