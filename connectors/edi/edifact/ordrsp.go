package edifact

import (
	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// responseByType maps the response type code of BGM04 (4343).
var responseByType = map[string]canonical.ResponseStatus{
	"AP": canonical.ResponseAccepted, // accepted
	"AB": canonical.ResponseAccepted, // message acknowledgement
	"AR": canonical.ResponseAccepted, // acknowledge with detail, no change
	"RE": canonical.ResponseRejected, // rejected
	"AC": canonical.ResponseChanged,  // acknowledge with detail and change
	"AI": canonical.ResponseChanged,  // acknowledge only changes
	"CA": canonical.ResponseChanged,  // conditionally accepted
}

// responseByFunction maps the message function code of BGM03 (1225) where
// it carries an answer (EANCOM ORDRSP).
var responseByFunction = map[string]canonical.ResponseStatus{
	"29": canonical.ResponseAccepted, // accepted without amendment
	"27": canonical.ResponseRejected, // not accepted
	"4":  canonical.ResponseChanged,  // change
	"30": canonical.ResponseChanged,  // accepted with amendment
}

// responseByAction maps the line action code of LIN02 (1229).
var responseByAction = map[string]canonical.ResponseStatus{
	"5":  canonical.ResponseAccepted, // accepted without amendment
	"4":  canonical.ResponseAccepted, // no action (unchanged)
	"3":  canonical.ResponseChanged,  // changed
	"6":  canonical.ResponseChanged,  // accepted with amendment
	"1":  canonical.ResponseChanged,  // added
	"7":  canonical.ResponseRejected, // not accepted
	"2":  canonical.ResponseRejected, // deleted
	"10": canonical.ResponseRejected, // not found
}

// ordrsp maps an ORDRSP message.
//
// RFF+ON is the order answered (the record's key), BGM02 the response
// number, DTM+137 its date. The status is BGM04 (4343: AP accepted, RE
// rejected, AC/AI/CA changed), else BGM03 (1225: 29 accepted, 27 rejected,
// 4/30 changed), else derived from the lines (all accepted, all rejected,
// or changed). A line's status is its LIN02 action code (1229: 5 accepted
// without amendment and 4 no action → accepted; 3 changed, 6 accepted with
// amendment and 1 added → changed; 7 not accepted, 2 deleted and 10 not
// found → rejected); a line without one is accepted, or rejected in a
// rejected response. QTY+113 (else +21) is the confirmed quantity, PRI+AAA
// (else AAB) the price, DTM+69 (else +2, +17) the delivery date.
func (m *message) ordrsp() (connectors.Record, *problem) {
	r := &canonical.OrderResponse{}
	var (
		inLines, bgm bool
		cur          *canonical.OrderResponseLine
		ids          itemIDs
		action       string
		q113         bool
		gross        bool
		dateRank     int
	)
	var lines []canonical.OrderResponseLine
	flush := func() {
		if cur == nil {
			return
		}
		cur.SKU = ids.sku
		if action != "" {
			cur.Status = responseByAction[action]
		}
		lines = append(lines, *cur)
		cur = nil
	}
	for i := range m.segs {
		s := &m.segs[i]
		switch s.tag {
		case "BGM":
			bgm = true
			r.ResponseNumber = s.el(1, 0)
			if st, ok := responseByType[s.el(3, 0)]; ok {
				r.Status = st
			} else if st, ok := responseByFunction[s.el(2, 0)]; ok {
				r.Status = st
			}
		case "RFF":
			if o, _, ok := rffON(s); ok && !inLines && r.OrderNumber == "" {
				r.OrderNumber = o
			}
		case "DTM":
			q, d, p := dtm(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if !inLines {
				if q == "137" {
					r.ResponseDate = d
				}
				continue
			}
			rank := map[string]int{"69": 3, "2": 2, "17": 1}[q]
			if cur != nil && rank > dateRank {
				cur.DeliveryDate, dateRank = d, rank
			}
		case "NAD":
			if inLines {
				continue
			}
			q, party, _ := nad(s)
			switch q {
			case m.opt.BuyerQualifier:
				r.Buyer = party
			case m.opt.SupplierQualifier:
				r.Supplier = party
			}
		case "LIN":
			flush()
			inLines = true
			ids, q113, gross, dateRank = itemIDs{}, false, false, 0
			ln, act, p := m.lin(s, &ids)
			if p != nil {
				return connectors.Record{}, p
			}
			if _, ok := responseByAction[act]; act != "" && !ok {
				return connectors.Record{}, fail(s, 1, canonical.CodeInvalidStatus, "action code %s is not read (1229: 5, 4, 3, 6, 1, 7, 2, 10)", clip(act))
			}
			action = act
			cur = &canonical.OrderResponseLine{LineNumber: ln}
		case "PIA":
			if cur != nil {
				m.pia(s, &ids)
			}
		case "QTY":
			if cur == nil {
				continue
			}
			q, d, ok, p := qty(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if ok && (q == "113" || (q == "21" && !q113)) {
				cur.Quantity, q113 = ptr(d), q == "113"
			}
		case "PRI":
			if cur == nil {
				continue
			}
			q, d, ok, p := pri(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if ok && q == "AAA" {
				cur.UnitPrice, gross = ptr(d), false
			} else if ok && q == "AAB" && (cur.UnitPrice == nil || gross) {
				cur.UnitPrice, gross = ptr(d), true
			}
		case "UNS":
			flush()
		}
	}
	flush()
	if !bgm {
		return connectors.Record{}, m.missing("BGM")
	}
	if r.Status == "" {
		r.Status = derivedStatus(lines)
		if r.Status == "" {
			return connectors.Record{}, &problem{pos: m.pos, field: "BGM04", code: canonical.CodeRequired,
				msg: "the response has no status: neither BGM04, BGM03 nor line action codes say it"}
		}
	}
	for i := range lines {
		if lines[i].Status == "" {
			lines[i].Status = canonical.ResponseAccepted
			if r.Status == canonical.ResponseRejected {
				lines[i].Status = canonical.ResponseRejected
			}
		}
	}
	r.Lines = lines
	return connectors.Record{Type: canonical.TypeOrderResponse, Key: r.OrderNumber, Value: r}, nil
}

// derivedStatus is the status of a response from its lines: accepted or
// rejected when every line is, changed otherwise, "" without lines.
func derivedStatus(lines []canonical.OrderResponseLine) canonical.ResponseStatus {
	if len(lines) == 0 {
		return ""
	}
	all := func(st canonical.ResponseStatus) bool {
		for _, l := range lines {
			if l.Status != st && !(l.Status == "" && st == canonical.ResponseAccepted) {
				return false
			}
		}
		return true
	}
	switch {
	case all(canonical.ResponseAccepted):
		return canonical.ResponseAccepted
	case all(canonical.ResponseRejected):
		return canonical.ResponseRejected
	}
	return canonical.ResponseChanged
}
