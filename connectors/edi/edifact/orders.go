package edifact

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// orders maps an ORDERS message.
//
// BGM02 is the order number; DTM+137 the order date, DTM+2 the requested
// delivery date; CUX the currency; NAD with the buyer and supplier
// qualifiers the parties, NAD+DP (or +ST) the delivery address; TOD C100
// the Incoterms rule (when it is one) and a following LOC+1 its place; PAT
// the payment terms. Each LIN starts a line: LIN and PIA give the item
// numbers, IMD the description, QTY+21 the quantity with its unit (else
// the unit of a MEA of the line, else H87, piece), PRI+AAA the net unit
// price (else PRI+AAB, the gross one; a line without PRI has unit price 0),
// MOA+203 the line amount. After UNS, MOA+79 is the total and CNT+2 the
// number of lines, checked (a warning when it disagrees). ALC allowances
// and charges are not mapped.
func (m *message) orders() (connectors.Record, *problem) {
	o := &canonical.Order{}
	var (
		inLines, summary bool
		cur              *canonical.OrderLine
		ids              itemIDs
		qtySeen          bool
		qtyUnit, meaUnit canonical.Unit
		net, gross       *canonical.Decimal
		lastTOD          bool
		bgm              bool
		terms            []string
	)
	flush := func() *problem {
		if cur == nil {
			return nil
		}
		cur.SKU, cur.BuyerSKU, cur.GTIN = ids.sku, ids.buyerSKU, ids.gtin
		if !qtySeen {
			return &problem{pos: cur.Source.Line, field: "QTY", code: CodeMissingSegment, msg: fmt.Sprintf("line %d has no QTY+21", cur.LineNumber)}
		}
		switch {
		case qtyUnit != "":
			cur.Unit = qtyUnit
		case meaUnit != "":
			cur.Unit = meaUnit
		default:
			cur.Unit = "H87"
		}
		switch {
		case net != nil:
			cur.UnitPrice = *net
		case gross != nil:
			cur.UnitPrice = *gross
		}
		cur.Source = nil
		o.Lines = append(o.Lines, *cur)
		cur = nil
		return nil
	}
	for i := range m.segs {
		s := &m.segs[i]
		tod := lastTOD
		lastTOD = false
		switch s.tag {
		case "BGM":
			o.OrderNumber, bgm = s.el(1, 0), true
		case "DTM":
			q, d, p := dtm(s)
			if inLines {
				continue
			}
			if p != nil {
				return connectors.Record{}, p
			}
			switch q {
			case "137":
				o.OrderDate = d
			case "2":
				o.RequestedDeliveryDate = d
			}
		case "CUX":
			if o.Currency == "" {
				c, p := currency(s)
				if p != nil {
					return connectors.Record{}, p
				}
				o.Currency = c
			}
		case "NAD":
			if inLines {
				continue
			}
			q, party, addr := nad(s)
			switch q {
			case m.opt.BuyerQualifier:
				o.Buyer = party
			case m.opt.SupplierQualifier:
				o.Supplier = party
			case "DP", "ST":
				if o.ShipTo == nil {
					o.ShipTo = &addr
				}
			}
		case "TOD":
			code := s.el(2, 0)
			if code == "" {
				continue
			}
			t, err := canonical.ParseIncoterm(code)
			if err != nil {
				m.warn(s, 2, canonical.CodeInvalidIncoterm, "%s is not an Incoterms 2020 rule; the terms of delivery are not taken", clip(code))
				continue
			}
			o.Incoterm, lastTOD = t, true
		case "LOC":
			if tod && s.el(0, 0) == "1" {
				o.IncotermPlace = s.el(1, 3)
				if o.IncotermPlace == "" {
					o.IncotermPlace = s.el(1, 0)
				}
			}
		case "PAT":
			if t := pat(s); t != "" {
				terms = append(terms, t)
			}
		case "TDT":
			// The main carriage (8051 "20", or a stage not given) names the
			// order's transport mode as a Rec 19 code in C220/8067.
			if inLines || o.TransportMode != "" || (s.el(0, 0) != "20" && s.el(0, 0) != "") {
				continue
			}
			if code := s.el(2, 0); code != "" {
				mode, err := canonical.ParseTransportMode(code)
				if err != nil || len(code) != 1 {
					m.warn(s, 2, CodeInvalidValue, "mode of transport %s is not a UN/ECE Rec 19 code procurehub knows (1 sea, 2 rail, 3 road, 4 air, 6 multimodal, 8 inland water); the order is taken without one", clip(code))
					continue
				}
				o.TransportMode = mode
			}
		case "LIN":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
			inLines = true
			ids, qtySeen, qtyUnit, meaUnit, net, gross = itemIDs{}, false, "", "", nil, nil
			ln, _, p := m.lin(s, &ids)
			if p != nil {
				return connectors.Record{}, p
			}
			cur = &canonical.OrderLine{LineNumber: ln, Source: &canonical.Source{Line: s.pos}}
		case "PIA":
			if cur != nil {
				m.pia(s, &ids)
			}
		case "IMD":
			if cur != nil && cur.Description == "" {
				cur.Description = imd(s)
			}
		case "QTY":
			if cur == nil {
				continue
			}
			q, d, ok, p := qty(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if q == "21" && ok {
				u, p := unit(s, 0, 2, "")
				if p != nil {
					return connectors.Record{}, p
				}
				cur.Quantity, qtyUnit, qtySeen = d, u, true
			}
		case "MEA":
			if cur != nil && meaUnit == "" {
				u, p := unit(s, 2, 0, "")
				if p != nil {
					return connectors.Record{}, p
				}
				meaUnit = u
			}
		case "PRI":
			if cur == nil {
				continue
			}
			q, d, ok, p := pri(s)
			if p != nil {
				return connectors.Record{}, p
			}
			if ok && q == "AAA" && net == nil {
				net = ptr(d)
			} else if ok && q == "AAB" && gross == nil {
				gross = ptr(d)
			}
		case "MOA":
			q, d, ok, p := moa(s)
			if p != nil {
				return connectors.Record{}, p
			}
			switch {
			case !ok:
			case cur != nil && !summary && q == "203":
				cur.Amount = ptr(d)
			case summary && q == "79":
				o.TotalAmount = ptr(d)
			}
		case "UNS":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
			summary = true
		case "CNT":
			m.checkCNT(s, len(o.Lines))
		}
	}
	if p := flush(); p != nil {
		return connectors.Record{}, p
	}
	if !bgm {
		return connectors.Record{}, m.missing("BGM")
	}
	o.PaymentTerms = strings.Join(terms, "; ")
	return connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}, nil
}

// checkCNT compares CNT+2 (number of line items) with the lines read.
func (m *message) checkCNT(s *segment, lines int) {
	if s.el(0, 0) != "2" {
		return
	}
	n, err := strconv.Atoi(strings.SplitN(strings.Replace(s.el(0, 1), ",", ".", 1), ".", 2)[0])
	if err != nil || n != lines {
		m.warn(s, 0, CodeCountMismatch, "CNT+2 counts %s line items but the message has %d", clip(s.el(0, 1)), lines)
	}
}
