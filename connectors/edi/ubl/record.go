package ubl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// schemeCodes turns OIOUBL's own identifier schemes into ISO 6523 ICD codes.
var schemeCodes = map[string]string{
	"GLN":    "0088",
	"DK:CVR": "0184",
	"EAN":    "0088",
}

func qualified(id ident) string {
	scheme := strings.ToUpper(id.Scheme)
	if c, ok := schemeCodes[scheme]; ok {
		scheme = c
	}
	if scheme == "" {
		return id.V
	}
	return scheme + ":" + id.V
}

func (b *builder) party(pr *partyRole) canonical.Party {
	if pr == nil {
		return canonical.Party{}
	}
	p := &pr.Party
	var out canonical.Party
	switch {
	case p.EndpointID.V != "":
		out.ID = qualified(p.EndpointID)
	default:
		for _, id := range p.Identification {
			if id.V != "" {
				out.ID = qualified(id)
				break
			}
		}
		if out.ID == "" && p.CompanyID.V != "" {
			out.ID = qualified(p.CompanyID)
		}
	}
	for _, n := range p.Names {
		if n = strings.Join(strings.Fields(n), " "); n != "" {
			out.Name = n
			break
		}
	}
	if out.Name == "" {
		out.Name = strings.Join(strings.Fields(p.LegalName), " ")
	}
	out.Country = canonical.Country(strings.ToUpper(p.Address.Country.V))
	return out
}

func (b *builder) source() *canonical.Source {
	s := b.s
	return &canonical.Source{Connector: s.connector, Partner: s.in.Partner, File: s.in.Name, Line: s.rootLine, Segment: s.doc.root}
}

func (b *builder) orderNumbers() []string {
	var out []string
	for _, r := range b.s.hdr.orderRefs {
		out = append(out, r.V)
	}
	return out
}

// record builds the record and its key; nil when there is none to publish.
func (b *builder) record() (any, string) {
	switch b.s.doc.root {
	case "Invoice", "CreditNote":
		inv := b.invoice()
		return inv, inv.InvoiceNumber
	case "Order":
		o := b.order()
		return o, o.OrderNumber
	case "OrderResponse", "OrderResponseSimple":
		r := b.response()
		if r == nil {
			return nil, ""
		}
		return r, r.OrderNumber
	case "DespatchAdvice":
		sh := b.shipment()
		return sh, sh.ShipmentID
	}
	return nil, ""
}

func (b *builder) totalPath(elem string) string {
	return b.root() + "/cac:" + b.totalElem + "/cbc:" + elem
}

func (b *builder) invoice() *canonical.Invoice {
	s, h := b.s, &b.s.hdr
	root := b.root()
	inv := &canonical.Invoice{
		InvoiceNumber: h.id.V,
		InvoiceDate:   b.date(h.issueDate, root+"/cbc:IssueDate"),
		OrderNumbers:  b.orderNumbers(),
		Supplier:      b.party(h.supplier),
		Buyer:         b.party(h.buyer),
		Currency:      canonical.Currency(b.currency()),
		Lines:         b.invLines,
		Source:        b.source(),
	}
	if h.dueDate.V != "" {
		inv.DueDate = b.date(h.dueDate, root+"/cbc:DueDate")
	} else {
		inv.DueDate = b.date(h.paymentDue, root+"/cac:PaymentMeans/cbc:PaymentDueDate")
	}
	inv.PayeeAccount = payeeCounterparty(h.payee)
	switch s.variant {
	case VariantXRechnung:
		if h.buyerRef.V == "" {
			s.add(s.rootLine, root+"/cbc:BuyerReference", canonical.CodeRequired, "an XRechnung needs the buyer's Leitweg-ID in BuyerReference (BR-DE-15)")
		}
	case VariantPEPPOL:
		if h.buyerRef.V == "" && len(h.orderRefs) == 0 {
			s.add(s.rootLine, root+"/cbc:BuyerReference", canonical.CodeRequired, "a PEPPOL BIS Billing document needs a BuyerReference or an OrderReference (PEPPOL-EN16931-R003)")
		}
	}
	// Document-level allowances and charges become lines.
	var acSum decimal.Decimal
	for i, ac := range h.allowances {
		path := fmt.Sprintf("%s/cac:AllowanceCharge[%d]", root, i+1)
		v, charge, ok := b.allowanceCharge(ac, path)
		if !ok {
			continue
		}
		b.synthetic++
		b.maxLN++
		l := canonical.InvoiceLine{LineNumber: b.maxLN, UnitPrice: canonical.NewDecimal(v), Amount: ptr(v), Quantity: canonical.MustDecimal("1")}
		what := "Charge"
		if !charge {
			what = "Allowance"
			l.Quantity = canonical.MustDecimal("-1")
			l.Amount = ptr(v.Neg())
		}
		reason := strings.Join(strings.Fields(ac.Reason), " ")
		if reason == "" {
			reason = ac.Code
		}
		l.Description = what
		if reason != "" {
			l.Description += ": " + reason
		}
		acSum = acSum.Add(l.Amount.Decimal)
		inv.Lines = append(inv.Lines, l)
	}
	if t := h.total; t != nil {
		if v, ok := b.money(t.LineExtension, b.totalPath("LineExtensionAmount"), true); ok {
			if b.synthetic > 0 {
				// OIOUBL's TaxExclusiveAmount is the tax, not the net total.
				if te, ok := b.money(t.TaxExclusive, b.totalPath("TaxExclusiveAmount"), true); ok && s.variant != VariantOIOUBL {
					v = te
				} else {
					v = v.Add(acSum)
				}
			}
			inv.LineTotal = ptr(v)
		}
		if v, ok := b.money(t.TaxInclusive, b.totalPath("TaxInclusiveAmount"), true); ok {
			inv.TotalAmount = canonical.NewDecimal(v)
		} else if !t.TaxInclusive.Set {
			s.add(s.hdrLine[b.totalElem], b.totalPath("TaxInclusiveAmount"), canonical.CodeRequired, "is required: it is the invoice's total_amount")
		}
		if v, ok := b.money(t.Payable, b.totalPath("PayableAmount"), true); ok {
			inv.PayableAmount = ptr(v)
		}
	} else {
		s.add(s.rootLine, root+"/cac:LegalMonetaryTotal", canonical.CodeRequired, "is required: it holds the invoice's totals")
	}
	for i, tt := range h.taxTotals {
		if c := strings.ToUpper(tt.TaxAmount.Currency); c != "" && c != b.currency() {
			continue
		}
		if v, ok := b.money(tt.TaxAmount, fmt.Sprintf("%s/cac:TaxTotal[%d]/cbc:TaxAmount", root, i+1), true); ok {
			inv.TaxAmount = ptr(v)
		}
		break
	}
	if s.doc.root == "CreditNote" || h.typeCode.V == "381" {
		negateInvoice(inv)
	}
	return inv
}

// negateInvoice turns a credit note's positive figures into the canonical
// negative ones; unit prices stay as they are.
func negateInvoice(inv *canonical.Invoice) {
	neg := func(d *canonical.Decimal) {
		if d != nil {
			d.Decimal = d.Neg()
		}
	}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		neg(&l.Quantity)
		neg(l.Amount)
	}
	neg(inv.LineTotal)
	neg(inv.TaxAmount)
	neg(&inv.TotalAmount)
	neg(inv.PayableAmount)
}

func (b *builder) address(a address, name string) *canonical.Address {
	out := &canonical.Address{
		Name:       name,
		Street:     strings.TrimSpace(a.Street),
		City:       strings.TrimSpace(a.City),
		PostalCode: strings.TrimSpace(a.PostalZone),
		Country:    canonical.Country(strings.ToUpper(a.Country.V)),
	}
	if *out == (canonical.Address{}) {
		return nil
	}
	return out
}

func (b *builder) order() *canonical.Order {
	s, h := b.s, &b.s.hdr
	root := b.root()
	o := &canonical.Order{
		OrderNumber:  h.id.V,
		OrderDate:    b.date(h.issueDate, root+"/cbc:IssueDate"),
		Buyer:        b.party(h.buyer),
		Supplier:     b.party(h.supplier),
		Currency:     canonical.Currency(b.currency()),
		PaymentTerms: strings.Join(h.paymentTerms, "; "),
		Lines:        b.ordLines,
		Source:       b.source(),
	}
	if d := h.delivery; d != nil {
		o.RequestedDeliveryDate = b.date(d.RequestedPeriod.date(), root+"/cac:Delivery/cac:RequestedDeliveryPeriod")
		if o.ShipTo = b.address(d.LocationAddress, d.DeliveryPartyNm); o.ShipTo == nil {
			o.ShipTo = b.address(d.DeliveryAddress, d.DeliveryPartyNm)
		}
		if o.ShipTo != nil && o.ShipTo.Name == "" && o.ShipTo.Country == "" && o.ShipTo.City == "" {
			o.ShipTo = nil
		}
	}
	if t := h.terms; t != nil {
		term, place, err := canonical.ParseIncotermPlace(t.ID.V)
		if err != nil {
			term, place, err = canonical.ParseIncotermPlace(t.SpecialTerms)
		}
		if err == nil {
			o.Incoterm, o.IncotermPlace = term, place
			if place == "" {
				o.IncotermPlace = strings.TrimSpace(t.LocationID)
				if o.IncotermPlace == "" {
					o.IncotermPlace = strings.TrimSpace(t.LocationCity)
				}
			}
		} else if t.ID.V != "" || t.SpecialTerms != "" {
			s.warn(t.Line, root+"/cac:DeliveryTerms/cbc:ID", CodeNotCarried, "delivery terms %q are not an Incoterms 2020 rule and are not carried into the order", clip(t.ID.V+t.SpecialTerms))
		}
	}
	if t := h.total; t != nil {
		if v, ok := b.money(t.LineExtension, b.totalPath("LineExtensionAmount"), true); ok {
			o.TotalAmount = ptr(v)
		}
	}
	for i, ac := range h.allowances {
		path := fmt.Sprintf("%s/cac:AllowanceCharge[%d]", root, i+1)
		if v, charge, ok := b.allowanceCharge(ac, path); ok {
			what := "an allowance"
			if charge {
				what = "a charge"
			}
			s.warn(ac.Line, path, CodeNotCarried, "%s of %s %s on the whole order is not carried: the canonical order has no place for it", what, v.String(), b.currency())
		}
	}
	return o
}

func (b *builder) response() *canonical.OrderResponse {
	s, h := b.s, &b.s.hdr
	root := b.root()
	r := &canonical.OrderResponse{
		ResponseNumber: h.id.V,
		ResponseDate:   b.date(h.issueDate, root+"/cbc:IssueDate"),
		Buyer:          b.party(h.buyer),
		Supplier:       b.party(h.supplier),
		Lines:          b.respLines,
		Source:         b.source(),
	}
	if len(h.orderRefs) > 0 {
		r.OrderNumber = h.orderRefs[0].V
	}
	if s.doc.root == "OrderResponseSimple" {
		switch strings.ToLower(h.accepted.V) {
		case "true":
			r.Status = canonical.ResponseAccepted
		case "false":
			r.Status = canonical.ResponseRejected
		default:
			s.add(h.accepted.Line, root+"/cbc:AcceptedIndicator", CodeInvalidCode, "AcceptedIndicator %q is neither true nor false", clip(h.accepted.V))
		}
		return r
	}
	switch h.responseCode.V {
	case "AP":
		r.Status = canonical.ResponseAccepted
	case "RE":
		r.Status = canonical.ResponseRejected
	case "CA":
		r.Status = canonical.ResponseChanged
	case "AB":
		s.warn(h.responseCode.Line, root+"/cbc:OrderResponseCode", CodeNoDecision, "order response code AB only acknowledges receipt of order %s; no answer is published until the supplier decides", clip(r.OrderNumber))
		return nil
	case "":
		r.Status = linesDecide(r.Lines)
		if r.Status == "" {
			s.add(s.rootLine, root+"/cbc:OrderResponseCode", canonical.CodeRequired, "an order response without lines needs an OrderResponseCode")
		}
	default:
		s.add(h.responseCode.Line, root+"/cbc:OrderResponseCode", CodeInvalidCode, "OrderResponseCode %q is not a UNCL 4343 code procurehub reads (AP, RE, CA, AB)", clip(h.responseCode.V))
	}
	for i := range r.Lines {
		if r.Lines[i].Status == "" {
			r.Lines[i].Status = r.Status
		}
	}
	return r
}

// linesDecide is the status of a response without a header code.
func linesDecide(lines []canonical.OrderResponseLine) canonical.ResponseStatus {
	if len(lines) == 0 {
		return ""
	}
	first := lines[0].Status
	for _, l := range lines {
		if l.Status != first || l.Status == "" {
			return canonical.ResponseChanged
		}
	}
	return first
}

func (b *builder) shipment() *canonical.Shipment {
	h := &b.s.hdr
	root := b.root()
	sh := &canonical.Shipment{
		ShipmentID:   h.id.V,
		OrderNumbers: b.orderNumbers(),
		Buyer:        b.party(h.buyer),
		Supplier:     b.party(h.supplier),
		Lines:        b.shpLines,
		Source:       b.source(),
	}
	if x := h.shipment; x != nil {
		sp := root + "/cac:Shipment"
		sh.SSCCs = b.ssccsOf(x, sp)
		sh.ShipDate = b.date(x.Delivery.DespatchDate, sp+"/cac:Delivery/cac:Despatch/cbc:ActualDespatchDate")
		sh.EstimatedArrival = b.date(x.Delivery.EstimatedPeriod.date(), sp+"/cac:Delivery/cac:EstimatedDeliveryPeriod")
		for _, c := range x.Carrier {
			if c = strings.TrimSpace(c); c != "" {
				sh.Carrier = c
				break
			}
		}
		if sh.Carrier == "" {
			for _, c := range x.CarrierID {
				if c.V != "" {
					sh.Carrier = qualified(c)
					break
				}
			}
		}
		for _, t := range x.Tracking {
			if t = strings.TrimSpace(t); t != "" {
				sh.TrackingNumbers = append(sh.TrackingNumbers, t)
			}
		}
		if x.GrossWeight.Set {
			if v, ok := b.dec(x.GrossWeight, sp+"/cbc:GrossWeightMeasure"); ok {
				sh.GrossWeight = &canonical.Weight{Value: canonical.NewDecimal(v), Unit: unitOf(x.GrossWeight.Unit)}
			}
		}
		if x.HandlingUnits.Set {
			n, err := strconv.Atoi(x.HandlingUnits.V)
			if err != nil {
				b.s.add(x.HandlingUnits.Line, sp+"/cbc:TotalTransportHandlingUnitQuantity", canonical.CodeInvalidDecimal, "%q is not a whole number of handling units", clip(x.HandlingUnits.V))
			}
			sh.Packages = n
		}
	}
	sh.SSCCs = mergeSSCCs(sh.SSCCs, b.ssccs)
	if sh.Packages == 0 {
		sh.Packages = len(sh.SSCCs)
	}
	return sh
}

// mergeSSCCs lists the header's SSCCs, then the lines' (already once
// each), as the header's Shipment comes before the DespatchLines in the
// document; an SSCC given twice is listed once.
func mergeSSCCs(header, lines []string) []string {
	if len(header) == 0 {
		return lines
	}
	seen := make(map[string]struct{}, len(header)+len(lines))
	out := make([]string, 0, len(header)+len(lines))
	for _, list := range [][]string{header, lines} {
		for _, id := range list {
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				out = append(out, id)
			}
		}
	}
	return out
}

// locate turns a canonical field path ("lines[2].amount", "buyer.id") into
// the XML path and line of the element it came from.
func (b *builder) locate(path string) (string, int) {
	s := b.s
	root := b.root()
	if rest, ok := strings.CutPrefix(path, "lines["); ok {
		idxText, field, _ := strings.Cut(rest, "]")
		field = strings.TrimPrefix(field, ".")
		i, err := strconv.Atoi(idxText)
		if err != nil || i < 0 {
			return root, s.rootLine
		}
		if i >= b.n {
			// A line made from a document-level AllowanceCharge.
			k := i - b.n + 1
			return fmt.Sprintf("%s/cac:AllowanceCharge[%d]", root, k), s.hdrLine["AllowanceCharge"]
		}
		p := b.linePath(i + 1)
		if suffix := b.lineField(field); suffix != "" {
			p += "/" + suffix
		}
		return p, int(b.lineStarts[i])
	}
	top, sub, _ := strings.Cut(path, ".")
	top, _, _ = strings.Cut(top, "[")
	suffix := b.headerField(top, sub)
	if suffix == "" {
		return root, s.rootLine
	}
	first, _, _ := strings.Cut(suffix, "/")
	line := s.hdrLine[first[strings.IndexByte(first, ':')+1:]]
	if line == 0 {
		line = s.rootLine
	}
	return root + "/" + suffix, line
}

func (b *builder) lineField(field string) string {
	isShipment := b.s.doc.typ == canonical.TypeShipment
	switch field {
	case "line_number":
		if isShipment {
			return "cac:OrderLineReference/cbc:LineID"
		}
		return "cbc:ID"
	case "quantity", "unit":
		if b.qname == "" {
			return "cbc:Quantity"
		}
		return b.qname
	case "unit_price":
		return "cac:Price/cbc:PriceAmount"
	case "amount":
		return "cbc:LineExtensionAmount"
	case "order_number":
		return "cac:OrderLineReference/cac:OrderReference/cbc:ID"
	case "sku":
		return "cac:Item/cac:SellersItemIdentification/cbc:ID"
	case "buyer_sku":
		return "cac:Item/cac:BuyersItemIdentification/cbc:ID"
	case "gtin":
		return "cac:Item/cac:StandardItemIdentification/cbc:ID"
	case "hs_code":
		return "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
	case "origin_country":
		return "cac:Item/cac:OriginCountry/cbc:IdentificationCode"
	case "description":
		return "cac:Item/cbc:Name"
	case "status":
		return "cbc:LineStatusCode"
	case "delivery_date":
		return "cac:Delivery/cac:PromisedDeliveryPeriod"
	}
	return ""
}

func (b *builder) headerField(top, sub string) string {
	h := &b.s.hdr
	party := func(elem string) string {
		p := "cac:" + elem + "/cac:Party"
		switch sub {
		case "id":
			return p + "/cbc:EndpointID"
		case "country":
			return p + "/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
		case "name":
			return p + "/cac:PartyName/cbc:Name"
		}
		return p
	}
	supplier, buyer := h.supplierElem, h.buyerElem
	if supplier == "" {
		supplier = b.s.doc.supplier[0]
	}
	if buyer == "" {
		buyer = b.s.doc.buyer[0]
	}
	total := func(elem string) string { return "cac:" + b.totalElem + "/cbc:" + elem }
	switch top {
	case "supplier":
		return party(supplier)
	case "buyer":
		return party(buyer)
	case "currency":
		return "cbc:DocumentCurrencyCode"
	case "invoice_number", "shipment_id", "response_number":
		return "cbc:ID"
	case "order_number":
		if b.s.doc.typ == canonical.TypeOrder {
			return "cbc:ID"
		}
		return "cac:OrderReference/cbc:ID"
	case "order_numbers":
		return "cac:OrderReference/cbc:ID"
	case "invoice_date", "order_date", "response_date":
		return "cbc:IssueDate"
	case "due_date":
		if h.dueDate.V != "" {
			return "cbc:DueDate"
		}
		return "cac:PaymentMeans/cbc:PaymentDueDate"
	case "line_total":
		if b.synthetic > 0 && h.total != nil && h.total.TaxExclusive.Set && b.s.variant != VariantOIOUBL {
			return total("TaxExclusiveAmount")
		}
		return total("LineExtensionAmount")
	case "tax_amount":
		return "cac:TaxTotal/cbc:TaxAmount"
	case "total_amount":
		if b.s.doc.typ == canonical.TypeOrder {
			return total("LineExtensionAmount")
		}
		return total("TaxInclusiveAmount")
	case "payable_amount":
		return total("PayableAmount")
	case "payee_account":
		return "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"
	case "incoterm", "incoterm_place":
		return "cac:DeliveryTerms/cbc:ID"
	case "payment_terms":
		return "cac:PaymentTerms/cbc:Note"
	case "requested_delivery_date":
		return "cac:Delivery/cac:RequestedDeliveryPeriod"
	case "ship_to":
		return "cac:Delivery/cac:DeliveryLocation/cac:Address"
	case "status":
		if b.s.doc.root == "OrderResponseSimple" {
			return "cbc:AcceptedIndicator"
		}
		return "cbc:OrderResponseCode"
	case "ship_date":
		return "cac:Shipment/cac:Delivery/cac:Despatch/cbc:ActualDespatchDate"
	case "estimated_arrival":
		return "cac:Shipment/cac:Delivery/cac:EstimatedDeliveryPeriod"
	case "tracking_numbers":
		return "cac:Shipment/cac:Consignment/cbc:CarrierAssignedID"
	case "packages":
		return "cac:Shipment/cbc:TotalTransportHandlingUnitQuantity"
	case "gross_weight":
		return "cac:Shipment/cbc:GrossWeightMeasure"
	}
	return ""
}

// payeeCounterparty is the canonical form of a payee account.
func payeeCounterparty(p *payeeAccount) *canonical.Counterparty {
	if p == nil {
		return nil
	}
	bic := p.Branch.ID.V
	if strings.TrimSpace(bic) == "" {
		bic = p.Branch.Institution.ID.V
	}
	return canonical.PayeeOf(p.ID.V, p.Name.V, bic)
}
