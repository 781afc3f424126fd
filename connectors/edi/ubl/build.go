package ubl

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// builder turns the header and the streamed lines into the record.
type builder struct {
	s          *session
	totalElem  string
	n          int     // line elements read
	lineStarts []int32 // XML line of each line element, for row errors
	qname      string  // the line quantity element, for row errors
	maxLN      int
	seenCur    string // the first currencyID, when DocumentCurrencyCode is missing
	synthetic  int    // invoice lines made from document-level allowances and charges

	// ssccs are the SSCCs of the DespatchLines' shipments, in document
	// order, once each; seenSSCC holds them.
	ssccs    []string
	seenSSCC map[string]struct{}

	// li and ol are reused from line to line: a lineItem is about a
	// kilobyte, allocating one per line cost a sixth of the decode time.
	li lineItem
	ol orderLine

	invLines  []canonical.InvoiceLine
	ordLines  []canonical.OrderLine
	respLines []canonical.OrderResponseLine
	shpLines  []canonical.ShipmentLine
}

func (b *builder) init(s *session) {
	b.s = s
	s.variant = s.d.opt.Variant
}

func (b *builder) currency() string {
	if c := strings.ToUpper(b.s.hdr.currency.V); c != "" {
		return c
	}
	return b.seenCur
}

// tolerance is half the currency's minor unit (0.005 EUR).
func (b *builder) tolerance() decimal.Decimal {
	c := canonical.Currency(b.currency())
	return decimal.New(5, -int32(c.MinorUnits())-1)
}

func (b *builder) dec(a amount, path string) (decimal.Decimal, bool) {
	d, err := canonical.ParseDecimal(a.V)
	if err != nil {
		b.s.add(a.Line, path, canonical.CodeInvalidDecimal, "%s", err.Error())
		return decimal.Decimal{}, false
	}
	return d.Decimal, true
}

// money reads an amount in the document currency; strict also checks that
// it has no more decimals than the currency (prices may have more).
func (b *builder) money(a amount, path string, strict bool) (decimal.Decimal, bool) {
	if !a.Set {
		return decimal.Decimal{}, false
	}
	d, ok := b.dec(a, path)
	if !ok {
		return d, false
	}
	cur := strings.ToUpper(a.Currency)
	if b.seenCur == "" {
		b.seenCur = cur
	}
	if doc := b.currency(); cur != "" && doc != "" && cur != doc {
		b.s.add(a.Line, path, canonical.CodeCurrency, "amount in %s, the document's currency is %s", clip(cur), doc)
		return d, false
	}
	if c := canonical.Currency(b.currency()); strict && c.Valid() && c.HasMinorUnits() {
		if places := int32(c.MinorUnits()); !d.Equal(d.Round(places)) {
			b.s.add(a.Line, path, canonical.CodeTooPrecise, "%s has more decimals than %s allows (%d)", clip(a.V), c, places)
			return d, false
		}
	}
	return d, true
}

func ptr(d decimal.Decimal) *canonical.Decimal { v := canonical.NewDecimal(d); return &v }

func (b *builder) date(t text, path string) canonical.Date {
	if t.V == "" {
		return canonical.Date{}
	}
	d, err := canonical.ParseDate(t.V)
	if err != nil {
		b.s.add(t.Line, path, canonical.CodeInvalidDate, "%s", err.Error())
		return canonical.Date{}
	}
	return d
}

func (b *builder) root() string { return b.s.doc.root }

// linePath is the path of the i-th (1-based) line, down to its LineItem for orders.
func (b *builder) linePath(i int) string {
	p := b.root() + "/cac:" + b.s.doc.lineElem + "[" + strconv.Itoa(i) + "]"
	if b.s.doc.lineElem == "OrderLine" {
		p += "/cac:LineItem"
	}
	return p
}

// line reads one line element and adds its canonical line.
func (b *builder) line(se xml.StartElement, line int) error {
	b.n++
	if b.n%1000 == 0 {
		if err := b.s.ctx.Err(); err != nil {
			return err
		}
	}
	b.lineStarts = append(b.lineStarts, int32(line))
	path := b.linePath(b.n)
	if b.s.doc.lineElem == "OrderLine" {
		ol := &b.ol
		*ol = orderLine{}
		if err := b.s.xd.DecodeElement(ol, &se); err != nil {
			return err
		}
		if b.s.doc.typ == canonical.TypeOrder {
			b.orderLine(&ol.LineItem, path)
		} else {
			b.responseLine(ol, path)
		}
		return nil
	}
	li := &b.li
	*li = lineItem{}
	if err := b.s.xd.DecodeElement(li, &se); err != nil {
		return err
	}
	if b.s.doc.typ == canonical.TypeShipment {
		b.despatchLine(li, path)
	} else {
		b.invoiceLine(li, path)
	}
	return nil
}

func (b *builder) lineNumber(id text) int {
	n, err := strconv.Atoi(id.V)
	if err != nil || n <= 0 {
		n = b.n
	}
	b.maxLN = max(b.maxLN, n)
	return n
}

func unitOf(code string) canonical.Unit {
	if code == "" {
		return ""
	}
	if u, err := canonical.ParseUnit(code); err == nil {
		return u
	}
	return canonical.Unit(code)
}

// priced is what a line says about its money.
type priced struct {
	qty       decimal.Decimal
	unit      canonical.Unit
	amount    *canonical.Decimal
	unitPrice *canonical.Decimal
}

// lineMoney reads the quantity, the price (per one unit) and the line
// amount, and applies the line's allowances and charges (see the package doc).
func (b *builder) lineMoney(l *lineItem, path string) priced {
	var p priced
	q, qname := l.quantity()
	b.qname = qname
	if q.Set {
		if v, ok := b.dec(q, path+"/"+qname); ok {
			p.qty = v
		}
	}
	p.unit = unitOf(q.Unit)
	amt, haveAmt := b.money(l.LineExtension, path+"/cbc:LineExtensionAmount", true)
	if haveAmt {
		p.amount = ptr(amt)
	}
	tol := b.tolerance()
	fits := func(price decimal.Decimal) bool {
		return haveAmt && p.qty.Mul(price).Sub(amt).Abs().LessThanOrEqual(tol)
	}
	var price decimal.Decimal
	havePrice := false
	if l.Price.Amount.Set {
		price, havePrice = b.money(l.Price.Amount, path+"/cac:Price/cbc:PriceAmount", false)
		if havePrice && l.Price.BaseQuantity.Set {
			if bq, ok := b.dec(l.Price.BaseQuantity, path+"/cac:Price/cbc:BaseQuantity"); ok && !bq.IsZero() && !bq.Equal(decimal.New(1, 0)) {
				price = quotient(price, bq, func(d decimal.Decimal) bool { return fits(d) })
			}
		}
	}
	var acSum decimal.Decimal
	for i, ac := range l.AllowanceCharge {
		acPath := fmt.Sprintf("%s/cac:AllowanceCharge[%d]", path, i+1)
		v, charge, ok := b.allowanceCharge(ac, acPath)
		if !ok {
			continue
		}
		if charge {
			acSum = acSum.Add(v)
		} else {
			acSum = acSum.Sub(v)
		}
	}
	switch {
	case havePrice && len(l.AllowanceCharge) > 0 && haveAmt && !p.qty.IsZero() &&
		p.qty.Mul(price).Add(acSum).Sub(amt).Abs().LessThanOrEqual(tol):
		// The net price after the line's allowances and charges.
		p.unitPrice = ptr(quotient(amt, p.qty, fits))
	case havePrice:
		p.unitPrice = ptr(price)
	case haveAmt && !p.qty.IsZero():
		p.unitPrice = ptr(quotient(amt, p.qty, fits))
	}
	return p
}

// allowanceCharge reads one AllowanceCharge: its amount and whether it is a charge.
func (b *builder) allowanceCharge(ac allowanceCharge, path string) (decimal.Decimal, bool, bool) {
	var charge bool
	switch strings.ToLower(ac.Charge.V) {
	case "true":
		charge = true
	case "false":
	default:
		b.s.add(ac.Line, path+"/cbc:ChargeIndicator", CodeInvalidCode, "ChargeIndicator %q is neither true nor false", clip(ac.Charge.V))
		return decimal.Decimal{}, false, false
	}
	if !ac.Amount.Set {
		b.s.add(ac.Line, path+"/cbc:Amount", canonical.CodeRequired, "an allowance or charge needs its Amount")
		return decimal.Decimal{}, false, false
	}
	v, ok := b.money(ac.Amount, path+"/cbc:Amount", true)
	return v, charge, ok
}

// quotient is num ÷ den with the fewest decimals that are exact, or,
// failing that, at least two that fit (the product stays within half a
// minor unit of the line amount), or twelve.
func quotient(num, den decimal.Decimal, fits func(decimal.Decimal) bool) decimal.Decimal {
	for places := int32(0); places <= 12; places++ {
		q := num.DivRound(den, places)
		if q.Mul(den).Equal(num) || places >= 2 && fits(q) {
			return q
		}
	}
	return num.DivRound(den, 12)
}

func description(it *item) string {
	if n := strings.Join(strings.Fields(it.Name), " "); n != "" {
		return n
	}
	return strings.Join(strings.Fields(it.Description), " ")
}

func gtinOf(it *item) string {
	switch strings.ToUpper(it.StandardID.Scheme) {
	case "0160", "GTIN":
		return it.StandardID.V
	}
	return ""
}

func (b *builder) hsCode(it *item, path string) canonical.HSCode {
	for _, c := range it.Commodity {
		if strings.ToUpper(c.Scheme) != "HS" || c.V == "" {
			continue
		}
		h, err := canonical.ParseHSCode(c.V)
		if err != nil {
			b.s.add(c.Line, path+"/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode", canonical.CodeInvalidHSCode, "%s", err.Error())
		}
		return h
	}
	return ""
}

func (b *builder) invoiceLine(l *lineItem, path string) {
	p := b.lineMoney(l, path)
	il := canonical.InvoiceLine{
		LineNumber:  b.lineNumber(l.ID),
		OrderNumber: l.OrderLineRef.OrderID,
		SKU:         l.Item.SellersID,
		Description: description(&l.Item),
		Quantity:    canonical.NewDecimal(p.qty),
		Unit:        p.unit,
		Amount:      p.amount,
	}
	if p.unitPrice != nil {
		il.UnitPrice = *p.unitPrice
	}
	b.invLines = append(b.invLines, il)
}

func (b *builder) orderLine(l *lineItem, path string) {
	p := b.lineMoney(l, path)
	ol := canonical.OrderLine{
		LineNumber:    b.lineNumber(l.ID),
		SKU:           l.Item.SellersID,
		BuyerSKU:      l.Item.BuyersID,
		GTIN:          gtinOf(&l.Item),
		Description:   description(&l.Item),
		Quantity:      canonical.NewDecimal(p.qty),
		Unit:          p.unit,
		Amount:        p.amount,
		HSCode:        b.hsCode(&l.Item, path),
		OriginCountry: canonical.Country(strings.ToUpper(l.Item.Origin.V)),
	}
	if p.unitPrice != nil {
		ol.UnitPrice = *p.unitPrice
	}
	b.ordLines = append(b.ordLines, ol)
}

// lineStatus maps UNCL 1229 line action codes.
func lineStatus(code string) (canonical.ResponseStatus, bool) {
	switch code {
	case "5":
		return canonical.ResponseAccepted, true
	case "7":
		return canonical.ResponseRejected, true
	case "3", "1":
		return canonical.ResponseChanged, true
	case "":
		return "", true
	}
	return "", false
}

func (b *builder) responseLine(ol *orderLine, path string) {
	l := &ol.LineItem
	rl := canonical.OrderResponseLine{LineNumber: b.lineNumber(l.ID), SKU: l.Item.SellersID}
	// The order line answered is OrderLineReference/LineID (PEPPOL); the
	// LineItem's own ID is the response's line, the same number when the
	// reference is left out.
	if n, err := strconv.Atoi(ol.OrderLineRef.LineID.V); err == nil && n > 0 {
		rl.LineNumber = n
	}
	st, ok := lineStatus(l.StatusCode.V)
	if !ok {
		b.s.add(l.StatusCode.Line, path+"/cbc:LineStatusCode", CodeInvalidCode, "LineStatusCode %q is not a UNCL 1229 code procurehub reads (5 accepted, 7 rejected, 3 changed)", clip(l.StatusCode.V))
	}
	rl.Status = st
	src, srcPath := l, path
	if ol.Substitute != nil {
		src, srcPath = ol.Substitute, strings.TrimSuffix(path, "/cac:LineItem")+"/cac:SellerProposedSubstituteLineItem"
		if rl.Status == "" {
			rl.Status = canonical.ResponseChanged
		}
		if src.Item.SellersID != "" {
			rl.SKU = src.Item.SellersID
		}
	}
	if q, qname := src.quantity(); q.Set {
		if v, ok := b.dec(q, srcPath+"/"+qname); ok {
			rl.Quantity = ptr(v)
		}
	}
	if src.Price.Amount.Set {
		if v, ok := b.money(src.Price.Amount, srcPath+"/cac:Price/cbc:PriceAmount", false); ok {
			if src.Price.BaseQuantity.Set {
				if bq, ok := b.dec(src.Price.BaseQuantity, srcPath+"/cac:Price/cbc:BaseQuantity"); ok && !bq.IsZero() {
					v = quotient(v, bq, func(decimal.Decimal) bool { return false })
				}
			}
			rl.UnitPrice = ptr(v)
		}
	}
	for _, d := range src.Delivery {
		if t := d.PromisedPeriod.date(); t.V != "" {
			rl.DeliveryDate = b.date(t, srcPath+"/cac:Delivery/cac:PromisedDeliveryPeriod")
			break
		}
	}
	b.respLines = append(b.respLines, rl)
}

func (b *builder) despatchLine(l *lineItem, path string) {
	sl := canonical.ShipmentLine{
		OrderNumber: l.OrderLineRef.OrderID,
		SKU:         l.Item.SellersID,
		GTIN:        gtinOf(&l.Item),
	}
	if sl.OrderNumber == "" && len(b.s.hdr.orderRefs) == 1 {
		sl.OrderNumber = b.s.hdr.orderRefs[0].V
	}
	ref := l.OrderLineRef.LineID
	if n, err := strconv.Atoi(ref.V); err == nil {
		sl.LineNumber = n
	} else {
		line := ref.Line
		if ref.V == "" {
			line = int(b.lineStarts[len(b.lineStarts)-1])
		}
		b.s.add(line, path+"/cac:OrderLineReference/cbc:LineID", canonical.CodeRequired, "a despatch line needs the number of the order line it ships, got %q", clip(ref.V))
	}
	q, qname := l.quantity()
	b.qname = qname
	if v, ok := b.dec(q, path+"/"+qname); ok {
		sl.Quantity = canonical.NewDecimal(v)
	}
	sl.Unit = unitOf(q.Unit)
	for i := range l.Shipment {
		for _, id := range b.ssccsOf(&l.Shipment[i], fmt.Sprintf("%s/cac:Shipment[%d]", path, i+1)) {
			if _, dup := b.seenSSCC[id]; !dup {
				if b.seenSSCC == nil {
					b.seenSSCC = map[string]struct{}{}
				}
				b.seenSSCC[id] = struct{}{}
				b.ssccs = append(b.ssccs, id)
			}
		}
	}
	b.shpLines = append(b.shpLines, sl)
}

// ssccsOf checks the SSCCs of a Shipment's transport handling units and
// returns the valid ones in document order; an invalid one is a row error.
func (b *builder) ssccsOf(sh *shipmentXML, path string) []string {
	var ssccs []string
	for i := range sh.THU {
		u := &sh.THU[i]
		thuPath := fmt.Sprintf("%s/cac:TransportHandlingUnit[%d]", path, i+1)
		ids := append([]ident{u.ID}, u.Packages...)
		for j, id := range ids {
			if id.V == "" || !strings.EqualFold(id.Scheme, "SSCC") {
				continue
			}
			p := thuPath + "/cbc:ID"
			if j > 0 {
				p = thuPath + "/cac:Package/cbc:ID"
			}
			if !canonical.ValidSSCC(id.V) {
				b.s.add(id.Line, p, CodeInvalidSSCC, "SSCC %q needs 18 digits with a valid GS1 check digit", clip(id.V))
				continue
			}
			ssccs = append(ssccs, id.V)
		}
	}
	return ssccs
}
