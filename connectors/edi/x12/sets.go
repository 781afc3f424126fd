package x12

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// order maps an 850: BEG03 order number, BEG05 order date, CUR02
// currency, N1 loops (buyer, supplier, ship-to "ST"), ITD payment terms,
// DTM*002 requested delivery, FOB05 Incoterm (FOB04 "01") with its place
// (FOB07, else FOB03), PO1 lines with PID descriptions, CTT01 checked.
// Without an N104 the buyer's id is the group's sender (GS02), the
// supplier's the receiver (GS03).
func (m *mapper) order(ctx context.Context) connectors.Record {
	o := &canonical.Order{}
	var parties []party
	var ctt *segment
	var line *canonical.OrderLine
	segs := m.segments(ctx)
	o.Lines = make([]canonical.OrderLine, 0, count(segs, "PO1"))
	for i := range segs {
		s := &segs[i]
		switch s.id() {
		case "BEG":
			o.OrderNumber = s.el(3)
			o.OrderDate = m.date(s, 5)
		case "CUR":
			if line == nil {
				o.Currency = m.currency(s, 2)
			}
		case "N1", "N3", "N4":
			if line == nil {
				parties = m.n1(parties, s)
			}
		case "ITD":
			if line == nil && o.PaymentTerms == "" {
				o.PaymentTerms = terms(s)
			}
		case "DTM":
			if line == nil && s.el(1) == "002" {
				o.RequestedDeliveryDate = m.date(s, 2)
			}
		case "FOB":
			if line == nil {
				m.fob(o, s)
			}
		case "TD5":
			if line == nil && o.TransportMode == "" {
				if err := m.transportMode(ctx, o, s); err != nil {
					m.werr = err
				}
			}
		case "PO1":
			o.Lines = append(o.Lines, canonical.OrderLine{})
			line = &o.Lines[len(o.Lines)-1]
			m.po1(line, s, len(o.Lines))
		case "PID":
			if line != nil {
				line.Description = joinText(line.Description, s.el(5))
			}
		case "CTT":
			ctt = s
		}
	}
	m.checkCount(ctx, ctt, len(o.Lines), "PO1")
	o.Buyer = partyOr(parties, m.sender(), m.opt.BuyerQualifier)
	o.Supplier = partyOr(parties, m.receiver(), m.opt.SupplierQualifier, "VN")
	if st := find(parties, "ST"); st != nil {
		addr := st.addr
		o.ShipTo = &addr
	}
	o.Source = m.p.source(m.t)
	return connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}
}

func (m *mapper) po1(line *canonical.OrderLine, s *segment, n int) {
	line.LineNumber = n
	if ln, ok := m.integer(s, 1); ok {
		line.LineNumber = ln
	}
	line.Quantity, _ = m.real(s, 2)
	line.Unit = m.unit(s, 3)
	price, ok := m.real(s, 4)
	if !ok && s.el(4) == "" {
		m.fail(s, 4, canonical.CodeRequired, "the unit price is missing")
	}
	line.UnitPrice = price
	ids := m.productIDs(s, 6)
	line.SKU, line.BuyerSKU, line.GTIN = ids.sku, ids.buyerSKU, ids.gtin
}

// fob reads the Incoterm of an FOB: FOB05 when FOB04 is "01" (Incoterms),
// or when FOB05 is an Incoterms 2020 rule whatever FOB04 says.
func (m *mapper) fob(o *canonical.Order, s *segment) {
	code := s.el(5)
	if code == "" {
		return
	}
	t, err := canonical.ParseIncoterm(code)
	if err != nil {
		if s.el(4) == "01" {
			m.fail(s, 5, canonical.CodeInvalidIncoterm, "%v", err)
		}
		return
	}
	o.Incoterm = t
	o.IncotermPlace = s.el(7)
	if o.IncotermPlace == "" {
		o.IncotermPlace = s.el(3)
	}
}

// x12Modes are the TD504 transportation method codes an order's main
// transport is read from, and the one each mode is written as.
var x12Modes = map[string]canonical.TransportMode{
	"S": canonical.TransportSea, "O": canonical.TransportSea, "CE": canonical.TransportSea,
	"B": canonical.TransportInlandWaterway,
	"A": canonical.TransportAir, "AE": canonical.TransportAir, "H": canonical.TransportAir,
	"M": canonical.TransportRoad, "J": canonical.TransportRoad, "LT": canonical.TransportRoad, "U": canonical.TransportRoad,
	"R": canonical.TransportRail,
	"X": canonical.TransportMultimodal, "I": canonical.TransportMultimodal,
}

// x12ModeCodes is the TD504 code procurehub writes for each mode.
var x12ModeCodes = map[canonical.TransportMode]string{
	canonical.TransportSea: "S", canonical.TransportInlandWaterway: "B", canonical.TransportAir: "A",
	canonical.TransportRoad: "M", canonical.TransportRail: "R", canonical.TransportMultimodal: "X",
}

// transportMode reads the order's main transport from a header TD5
// (TD504). A code procurehub does not know is a warning: the order is
// taken without a transport mode, and its Incoterm is then not checked
// against one.
func (m *mapper) transportMode(ctx context.Context, o *canonical.Order, s *segment) error {
	code := s.el(4)
	if code == "" {
		return nil
	}
	if mode, ok := x12Modes[code]; ok {
		o.TransportMode = mode
		return nil
	}
	return m.p.warn(ctx, s.pos, s.ref(4), CodeUnknownCode,
		fmt.Sprintf("transportation method %s is not one procurehub maps to a transport mode; the order is taken without one", clip(code)))
}

// terms writes an ITD as text: ITD12 when given, else "2% 10 days, net 30 days".
func terms(s *segment) string {
	if d := s.el(12); d != "" {
		return d
	}
	var parts []string
	if pct, days := s.el(3), s.el(5); pct != "" && days != "" {
		parts = append(parts, pct+"% "+days+" days")
	}
	if net := s.el(7); net != "" {
		parts = append(parts, "net "+net+" days")
	}
	return strings.Join(parts, ", ")
}

func joinText(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// ackStatus maps ACK01 line item status codes (668) to a response status.
var ackStatus = map[string]canonical.ResponseStatus{
	"IA": canonical.ResponseAccepted, // item accepted
	"AR": canonical.ResponseAccepted, // accepted and released for shipment
	"AC": canonical.ResponseAccepted, // item accepted and shipped
	"IR": canonical.ResponseRejected, // item rejected
	"ID": canonical.ResponseRejected, // item deleted
	"R1": canonical.ResponseRejected, // not a contract item
	"R2": canonical.ResponseRejected, // invalid item number
	"R3": canonical.ResponseRejected, // invalid unit of issue
	"R4": canonical.ResponseRejected, // contract item not available
	"IC": canonical.ResponseChanged,  // accepted, changes made
	"IQ": canonical.ResponseChanged,  // accepted, quantity changed
	"DR": canonical.ResponseChanged,  // accepted, date rescheduled
	"IP": canonical.ResponseChanged,  // accepted, price changed
	"IB": canonical.ResponseChanged,  // backordered
	"IS": canonical.ResponseChanged,  // accepted, substitution made
	"IH": canonical.ResponseChanged,  // on hold
	"IW": canonical.ResponseChanged,  // on hold, waiver required
	"IE": canonical.ResponseChanged,  // accepted, price pending
	"SP": canonical.ResponseChanged,  // item accepted, schedule date pending
}

// bakStatus maps BAK02 acknowledgment types (587) to a response status,
// used for lines without an ACK and for a response without lines.
var bakStatus = map[string]canonical.ResponseStatus{
	"AD": canonical.ResponseAccepted, // acknowledge, with detail, no change
	"AK": canonical.ResponseAccepted, // acknowledge, no detail or change
	"AP": canonical.ResponseAccepted, // acknowledge, product replenishment
	"AC": canonical.ResponseChanged,  // acknowledge, with detail and change
	"AE": canonical.ResponseChanged,  // acknowledge, with exception detail only
	"AT": canonical.ResponseAccepted, // accepted
	"RD": canonical.ResponseRejected, // reject with detail
	"RJ": canonical.ResponseRejected, // rejected, no detail
	"RF": canonical.ResponseRejected, // reject with exception detail only
}

// response maps an 855: BAK03 order number, BAK08 response number (the
// seller's order number), BAK09 response date, PO1 lines answered by their
// ACKs (status; quantity, the sum of the non-rejected ACK02s, else PO102;
// delivery date from ACK04 002/017/067/069). The response is accepted or
// rejected when every line is, else changed.
func (m *mapper) response(ctx context.Context) connectors.Record {
	r := &canonical.OrderResponse{}
	var parties []party
	var bak *segment
	type ackLine struct {
		statuses []canonical.ResponseStatus
		qty      *canonical.Decimal
	}
	var acks []ackLine
	segs := m.segments(ctx)
	for i := range segs {
		s := &segs[i]
		switch s.id() {
		case "BAK":
			bak = s
			r.OrderNumber = s.el(3)
			r.ResponseNumber = s.el(8)
			r.ResponseDate = m.date(s, 9)
		case "N1", "N3", "N4":
			if len(r.Lines) == 0 {
				parties = m.n1(parties, s)
			}
		case "PO1":
			l := canonical.OrderResponseLine{LineNumber: len(r.Lines) + 1}
			if ln, ok := m.integer(s, 1); ok {
				l.LineNumber = ln
			}
			if q, ok := m.real(s, 2); ok {
				l.Quantity = &q
			}
			m.unit(s, 3)
			if p, ok := m.real(s, 4); ok {
				l.UnitPrice = &p
			}
			l.SKU = m.productIDs(s, 6).sku
			r.Lines = append(r.Lines, l)
			acks = append(acks, ackLine{})
		case "ACK":
			if len(r.Lines) == 0 {
				break
			}
			l, a := &r.Lines[len(r.Lines)-1], &acks[len(acks)-1]
			st, ok := ackStatus[s.el(1)]
			if !ok {
				m.fail(s, 1, canonical.CodeInvalidStatus, "%s is not a line item status code this connector knows", clip(s.el(1)))
				break
			}
			a.statuses = append(a.statuses, st)
			m.unit(s, 3)
			if q, ok := m.real(s, 2); ok && st != canonical.ResponseRejected {
				if a.qty == nil {
					a.qty = &q
				} else {
					sum := canonical.NewDecimal(a.qty.Add(q.Decimal))
					a.qty = &sum
				}
			}
			switch s.el(4) {
			case "002", "017", "067", "069":
				if l.DeliveryDate.IsZero() {
					l.DeliveryDate = m.date(s, 5)
				}
			}
		}
	}
	if bak == nil {
		m.missing("BAK", "BAK", "the 855 has no BAK segment")
		return connectors.Record{}
	}
	def, ok := bakStatus[bak.el(2)]
	if !ok {
		m.fail(bak, 2, canonical.CodeInvalidStatus, "%s is not an acknowledgment type this connector knows", clip(bak.el(2)))
	}
	if def == canonical.ResponseChanged {
		def = canonical.ResponseAccepted // lines without an ACK were not changed
	}
	counts := map[canonical.ResponseStatus]int{}
	for i := range r.Lines {
		l, a := &r.Lines[i], acks[i]
		l.Status = def
		if len(a.statuses) > 0 {
			l.Status = a.statuses[0]
			for _, s := range a.statuses[1:] {
				if s != l.Status {
					l.Status = canonical.ResponseChanged
				}
			}
		}
		if a.qty != nil {
			l.Quantity = a.qty
		}
		counts[l.Status]++
	}
	switch {
	case len(r.Lines) == 0:
		r.Status = bakStatus[bak.el(2)]
	case counts[canonical.ResponseAccepted] == len(r.Lines):
		r.Status = canonical.ResponseAccepted
	case counts[canonical.ResponseRejected] == len(r.Lines):
		r.Status = canonical.ResponseRejected
	default:
		r.Status = canonical.ResponseChanged
	}
	// The 855 goes from the supplier (sender) to the buyer (receiver).
	r.Buyer = partyOr(parties, m.receiver(), m.opt.BuyerQualifier)
	r.Supplier = partyOr(parties, m.sender(), m.opt.SupplierQualifier, "VN")
	r.Source = m.p.source(m.t)
	return connectors.Record{Type: canonical.TypeOrderResponse, Key: r.OrderNumber, Value: r}
}

// hl is one node of an 856's hierarchy.
type hl struct {
	parent string
	level  string // HL03: S, O, T, P, I...
	order  string // PRF01 at this level
}

// shipment maps an 856: BSN02 shipment id, DTM*011 ship date (else
// BSN03), DTM*017/067 estimated arrival, TD1 packages and gross weight and
// TD5 carrier (name TD505, else SCAC TD503) at shipment level, REF*BM, CN
// and 2I tracking numbers, the MAN*GM SSCC-18s (MAN02, or MAN05 after
// MAN04 GM; a leading application identifier 00 is dropped) the ssccs,
// PRF order numbers, and LIN/SN1 items (line number LIN01, else SN101).
// An SSCC is not a tracking number: carriers are polled for those. An
// SSCC without 18 digits and a GS1 check digit rejects the set at its MAN.
// An item's order is the PRF of the nearest HL up its parents (HL02), or
// the shipment's only order. Without TD1 the packages are the P (pack)
// levels counted.
func (m *mapper) shipment(ctx context.Context) connectors.Record {
	sh := &canonical.Shipment{}
	var parties []party
	nodes := map[string]*hl{}
	var cur *hl
	var curID string
	type item struct {
		node   string
		lin    *segment
		line   canonical.ShipmentLine
		hasSN1 bool
	}
	var items []item
	packs, td1 := 0, false
	var seenSSCC map[string]bool
	var bsnDate, shipped canonical.Date
	segs := m.segments(ctx)
	atShipment := func() bool { return cur == nil || cur.level == "S" }
	for i := range segs {
		s := &segs[i]
		switch s.id() {
		case "BSN":
			sh.ShipmentID = s.el(2)
			bsnDate = m.date(s, 3)
		case "HL":
			id := s.el(1)
			if id == "" {
				m.fail(s, 1, canonical.CodeRequired, "the hierarchical id is missing")
				break
			}
			if _, dup := nodes[id]; dup {
				m.fail(s, 1, canonical.CodeDuplicate, "hierarchical id %s is used twice", clip(id))
				break
			}
			parent := s.el(2)
			if _, ok := nodes[parent]; parent != "" && !ok {
				m.fail(s, 2, CodeInvalidElement, "parent %s is not an earlier HL", clip(parent))
				break
			}
			cur = &hl{parent: parent, level: s.el(3)}
			curID = id
			nodes[id] = cur
			if cur.level == "P" {
				packs++
			}
		case "PRF":
			if po := s.el(1); po != "" {
				if cur != nil {
					cur.order = po
				}
				if !containsString(sh.OrderNumbers, po) {
					sh.OrderNumbers = append(sh.OrderNumbers, po)
				}
			}
		case "DTM":
			switch s.el(1) {
			case "011":
				shipped = m.date(s, 2)
			case "017", "067":
				sh.EstimatedArrival = m.date(s, 2)
			}
		case "TD1":
			if !atShipment() || td1 {
				break
			}
			td1 = true
			if v := s.el(2); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					m.fail(s, 2, CodeInvalidElement, "%s is not a number of packages", clip(v))
				}
				sh.Packages = n
			}
			if q := s.el(6); q == "" || q == "G" {
				if w, ok := m.real(s, 7); ok {
					sh.GrossWeight = &canonical.Weight{Value: w, Unit: m.unit(s, 8)}
				}
			}
		case "TD5":
			if sh.Carrier == "" {
				sh.Carrier = s.el(5)
				if sh.Carrier == "" {
					sh.Carrier = s.el(3)
				}
			}
		case "REF":
			switch s.el(1) {
			case "BM", "CN", "2I":
				if v := s.el(2); v != "" && !containsString(sh.TrackingNumbers, v) {
					sh.TrackingNumbers = append(sh.TrackingNumbers, v)
				}
			}
		case "MAN":
			// MAN01/02 and MAN04/05 are each a qualifier and its marks;
			// MAN03 and MAN06 (the end of a range) are not read.
			for _, q := range [...]int{1, 4} {
				if s.el(q) != "GM" {
					continue
				}
				v, ok := m.sscc(s, q+1)
				if !ok || seenSSCC[v] {
					continue
				}
				if seenSSCC == nil {
					seenSSCC = map[string]bool{}
				}
				seenSSCC[v] = true
				sh.SSCCs = append(sh.SSCCs, v)
			}
		case "N1", "N3", "N4":
			parties = m.n1(parties, s)
		case "LIN":
			items = append(items, item{node: curID, lin: s})
			ids := m.productIDs(s, 2)
			items[len(items)-1].line.SKU, items[len(items)-1].line.GTIN = ids.sku, ids.gtin
		case "SN1":
			if n := len(items); n == 0 || items[n-1].hasSN1 || items[n-1].node != curID {
				items = append(items, item{node: curID})
			}
			it := &items[len(items)-1]
			it.hasSN1 = true
			it.line.Quantity, _ = m.real(s, 2)
			it.line.Unit = m.unit(s, 3)
			ln := 0
			if it.lin != nil {
				ln, _ = m.integer(it.lin, 1)
			}
			if ln == 0 {
				ln, _ = m.integer(s, 1)
			}
			if ln == 0 {
				m.fail(s, 1, canonical.CodeRequired, "the item has no order line number (LIN01 or SN101)")
			}
			it.line.LineNumber = ln
		}
	}
	sh.ShipDate = shipped
	if sh.ShipDate.IsZero() {
		sh.ShipDate = bsnDate
	}
	if !td1 {
		sh.Packages = packs
	}
	for i := range items {
		it := &items[i]
		if !it.hasSN1 {
			m.fail(it.lin, 1, canonical.CodeRequired, "the LIN item has no SN1 quantity")
			continue
		}
		// Follow the parents up to a PRF; each step goes to an earlier HL,
		// so the walk ends.
		for id := it.node; id != "" && it.line.OrderNumber == ""; {
			n := nodes[id]
			if n == nil {
				break
			}
			it.line.OrderNumber, id = n.order, n.parent
		}
		if it.line.OrderNumber == "" && len(sh.OrderNumbers) == 1 {
			it.line.OrderNumber = sh.OrderNumbers[0]
		}
		sh.Lines = append(sh.Lines, it.line)
	}
	sh.Buyer = partyOr(parties, m.receiver(), m.opt.BuyerQualifier)
	sh.Supplier = partyOr(parties, m.sender(), m.opt.SupplierQualifier, "VN", "SF")
	sh.Source = m.p.source(m.t)
	return connectors.Record{Type: canonical.TypeShipment, Key: sh.ShipmentID, Value: sh}
}

// count is the number of segments with this id.
func count(segs []segment, id string) int {
	n := 0
	for i := range segs {
		if segs[i].id() == id {
			n++
		}
	}
	return n
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// invoice maps an 810: BIG01 invoice date, BIG02 invoice number, BIG04
// order number, CUR02 currency, N1 loops (buyer, else bill-to "BT";
// supplier, else vendor "VN" or remit-to "RI"), ITD06 due date, IT1 lines
// (amount = quantity × price rounded to the currency) with PID
// descriptions, TDS01 total (N2), TXI02 tax (the summary TXIs after TDS,
// else the line TXIs), CTT01 checked. When the summary has SAC charges or
// allowances the line amounts are left out, since canonical has no place
// for them and the total would not be line amounts plus tax.
func (m *mapper) invoice(ctx context.Context) connectors.Record {
	inv := &canonical.Invoice{}
	var parties []party
	var ctt, tds *segment
	var line *canonical.InvoiceLine
	inv.Lines = make([]canonical.InvoiceLine, 0, count(m.t.segs, "IT1"))
	var lineTax, sumTax *canonical.Decimal
	hasSAC := false
	addTax := func(to **canonical.Decimal, s *segment) {
		t, ok := m.real(s, 2)
		if !ok {
			return
		}
		if *to != nil {
			t = canonical.NewDecimal((*to).Add(t.Decimal))
		}
		*to = &t
	}
	segs := m.segments(ctx)
	for i := range segs {
		s := &segs[i]
		switch s.id() {
		case "BIG":
			inv.InvoiceDate = m.date(s, 1)
			inv.InvoiceNumber = s.el(2)
			if po := s.el(4); po != "" {
				inv.OrderNumbers = []string{po}
			}
		case "CUR":
			if line == nil && tds == nil {
				inv.Currency = m.currency(s, 2)
			}
		case "N1", "N3", "N4":
			if line == nil {
				parties = m.n1(parties, s)
			}
		case "ITD":
			if inv.DueDate.IsZero() {
				inv.DueDate = m.date(s, 6)
			}
		case "IT1":
			inv.Lines = append(inv.Lines, canonical.InvoiceLine{LineNumber: len(inv.Lines) + 1})
			line = &inv.Lines[len(inv.Lines)-1]
			if ln, ok := m.integer(s, 1); ok {
				line.LineNumber = ln
			}
			line.Quantity, _ = m.real(s, 2)
			line.Unit = m.unit(s, 3)
			price, ok := m.real(s, 4)
			if !ok && s.el(4) == "" {
				m.fail(s, 4, canonical.CodeRequired, "the unit price is missing")
			}
			line.UnitPrice = price
			line.SKU = m.productIDs(s, 6).sku
		case "PID":
			if line != nil && tds == nil {
				line.Description = joinText(line.Description, s.el(5))
			}
		case "TDS":
			tds = s
			if t, ok := m.implied(s, 1, 2); ok {
				inv.TotalAmount = t
			}
		case "TXI":
			if tds != nil {
				addTax(&sumTax, s)
			} else if line != nil {
				addTax(&lineTax, s)
			}
		case "SAC":
			if tds != nil {
				hasSAC = true
			}
		case "CTT":
			ctt = s
		}
	}
	if tds == nil {
		m.missing("TDS", "TDS01", "the 810 has no TDS total")
	}
	m.checkCount(ctx, ctt, len(inv.Lines), "IT1")
	inv.TaxAmount = sumTax
	if inv.TaxAmount == nil {
		inv.TaxAmount = lineTax
	}
	if !hasSAC && inv.Currency.Valid() {
		places := int32(inv.Currency.MinorUnits())
		for i := range inv.Lines {
			l := &inv.Lines[i]
			a := canonical.NewDecimal(l.Quantity.Mul(l.UnitPrice.Decimal).Round(places))
			l.Amount = &a
		}
	}
	// The 810 goes from the supplier (sender) to the buyer (receiver).
	inv.Buyer = partyOr(parties, m.receiver(), m.opt.BuyerQualifier, "BT")
	inv.Supplier = partyOr(parties, m.sender(), m.opt.SupplierQualifier, "VN", "RI")
	inv.Source = m.p.source(m.t)
	return connectors.Record{Type: canonical.TypeInvoice, Key: inv.InvoiceNumber, Value: inv}
}
