package edifact

import (
	"slices"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// desadv maps a DESADV message.
//
// BGM02 is the shipment id; DTM+11 the despatch date, DTM+17 or +132 the
// estimated arrival; RFF+ON before the first CPS or LIN the orders; RFF+CN
// (the carrier's reference) a tracking number; NAD the parties; TDT C040
// the carrier (name, else code). The gross weight is a MEA with attribute
// G, AAD (consignment gross weight) or AAB before the first CPS, else in
// the top CPS (no parent). CPS groups give the packing hierarchy: the PAC
// counts of the top-level CPS are the number of packages (else the number
// of SSCCs). Every GIN+BJ SSCC (in a CPS or its PCI group) goes to ssccs,
// in the order sent, once each; SSCCs are not tracking numbers, which
// carriers are polled for. An SSCC without 18 digits and a GS1 check
// digit rejects the message at its GIN. Each LIN is a line: LIN/PIA the
// item, QTY+12 the despatched quantity and unit (default H87), RFF+ON in
// the line its order and order line (C506 1156, else the LIN number);
// without one, the shipment's only order. Orders named only by lines are
// added to order_numbers.
func (m *message) desadv() (connectors.Record, *problem) {
	sh := &canonical.Shipment{}
	var (
		bgm, inLines, inCPS bool
		topCPS              bool // the current CPS has no parent
		packages, ssccs     int
		seenSSCC            map[string]bool
		cur                 *canonical.ShipmentLine
		ids                 itemIDs
		linNumber, linPos   int
		qtySeen             bool
		weight              *canonical.Weight
	)
	flush := func() *problem {
		if cur == nil {
			return nil
		}
		if !qtySeen {
			return &problem{pos: linPos, field: "QTY", code: CodeMissingSegment, msg: "a line has no QTY+12"}
		}
		cur.SKU, cur.GTIN = ids.sku, ids.gtin
		if cur.OrderNumber == "" && len(sh.OrderNumbers) == 1 {
			cur.OrderNumber = sh.OrderNumbers[0]
		}
		if cur.LineNumber == 0 {
			cur.LineNumber = linNumber
		}
		sh.Lines = append(sh.Lines, *cur)
		cur = nil
		return nil
	}
	addTracking := func(t string) {
		if t != "" && !slices.Contains(sh.TrackingNumbers, t) {
			sh.TrackingNumbers = append(sh.TrackingNumbers, t)
		}
	}
	for i := range m.segs {
		s := &m.segs[i]
		switch s.tag {
		case "BGM":
			sh.ShipmentID, bgm = s.el(1, 0), true
		case "DTM":
			if inLines || inCPS {
				continue
			}
			q, d, p := dtm(s)
			if p != nil {
				return connectors.Record{}, p
			}
			switch q {
			case "11":
				sh.ShipDate = d
			case "17", "132":
				if sh.EstimatedArrival.IsZero() {
					sh.EstimatedArrival = d
				}
			}
		case "RFF":
			if o, line, ok := rffON(s); ok {
				if cur != nil {
					cur.OrderNumber, cur.LineNumber = o, line
				} else if !inLines && !inCPS && !slices.Contains(sh.OrderNumbers, o) {
					sh.OrderNumbers = append(sh.OrderNumbers, o)
				}
			} else if s.el(0, 0) == "CN" && !inLines {
				addTracking(s.el(0, 1))
			}
		case "NAD":
			if inLines || inCPS {
				continue
			}
			q, party, _ := nad(s)
			switch q {
			case m.opt.BuyerQualifier:
				sh.Buyer = party
			case m.opt.SupplierQualifier:
				sh.Supplier = party
			}
		case "TDT":
			if sh.Carrier == "" {
				sh.Carrier = s.el(4, 3)
				if sh.Carrier == "" {
					sh.Carrier = s.el(4, 0)
				}
			}
		case "MEA":
			if cur != nil || weight != nil || (inCPS && !topCPS) {
				continue
			}
			switch s.el(1, 0) {
			case "G", "AAD", "AAB":
			default:
				continue
			}
			v, ok, p := number(s, 2, 1)
			if p != nil {
				return connectors.Record{}, p
			}
			u, p := unit(s, 2, 0, "KGM")
			if p != nil {
				return connectors.Record{}, p
			}
			if ok {
				weight = &canonical.Weight{Value: v, Unit: u}
			}
		case "CPS":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
			inCPS, inLines, topCPS = true, false, s.el(1, 0) == ""
		case "PAC":
			if topCPS && inCPS && !inLines {
				n, ok, p := number(s, 0, 0)
				if p != nil {
					return connectors.Record{}, p
				}
				if ok && n.IsInteger() && n.IsPositive() && n.IntPart() < 1e9 {
					packages += int(n.IntPart())
				}
			}
		case "GIN":
			if s.el(0, 0) != "BJ" {
				continue
			}
			for e := 1; e < len(s.els) && e <= 5; e++ {
				id := s.el(e, 0)
				if id == "" {
					continue
				}
				if !canonical.ValidSSCC(id) {
					return connectors.Record{}, failComp(s, e, 0, canonical.CodeInvalidSSCC, "SSCC %s needs 18 digits with a valid GS1 check digit", clip(id))
				}
				if !seenSSCC[id] {
					if seenSSCC == nil {
						seenSSCC = map[string]bool{}
					}
					seenSSCC[id] = true
					sh.SSCCs = append(sh.SSCCs, id)
				}
				ssccs++
			}
		case "LIN":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
			inLines = true
			ids, qtySeen, linPos = itemIDs{}, false, s.pos
			ln, _, p := m.lin(s, &ids)
			if p != nil {
				return connectors.Record{}, p
			}
			linNumber = ln
			cur = &canonical.ShipmentLine{}
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
			if q == "12" && ok {
				u, p := unit(s, 0, 2, "H87")
				if p != nil {
					return connectors.Record{}, p
				}
				cur.Quantity, cur.Unit, qtySeen = d, u, true
			}
		case "UNS":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
		case "CNT":
			if p := flush(); p != nil {
				return connectors.Record{}, p
			}
			m.checkCNT(s, len(sh.Lines))
		}
	}
	if p := flush(); p != nil {
		return connectors.Record{}, p
	}
	if !bgm {
		return connectors.Record{}, m.missing("BGM")
	}
	for _, l := range sh.Lines {
		if l.OrderNumber != "" && !slices.Contains(sh.OrderNumbers, l.OrderNumber) {
			sh.OrderNumbers = append(sh.OrderNumbers, l.OrderNumber)
		}
	}
	sh.Packages = packages
	if sh.Packages == 0 {
		sh.Packages = ssccs
	}
	sh.GrossWeight = weight
	return connectors.Record{Type: canonical.TypeShipment, Key: sh.ShipmentID, Value: sh}, nil
}
