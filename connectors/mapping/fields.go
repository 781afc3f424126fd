package mapping

import (
	"sort"

	"github.com/procurehub/procurehub/canonical"
)

// fieldID names a canonical order field a column can feed.
type fieldID uint8

// The order-level fields come first, then the line fields (from fLineNumber on).
const (
	fOrderNumber fieldID = iota
	fOrderDate
	fBuyerID
	fBuyerName
	fSupplierID
	fSupplierName
	fCurrency
	fIncoterm
	fIncotermPlace
	fPaymentTerms
	fRequestedDeliveryDate
	fShipToName
	fShipToCountry
	fTotalAmount
	fLineNumber
	fSKU
	fBuyerSKU
	fGTIN
	fDescription
	fQuantity
	fUnit
	fUnitPrice
	fAmount
	fHSCode
	fOriginCountry
	numFields
)

// kind says how a cell's text becomes a value.
type kind uint8

const (
	kindText     kind = iota // as written (trimmed when trim is on)
	kindCurrency             // ISO 4217, any case ("eur" is EUR)
	kindIncoterm             // Incoterms 2020 rule, any case
	kindCountry              // ISO 3166-1 alpha-2, any case
	kindUnit                 // UN/ECE Rec 20 code, any case (withdrawn PCE becomes H87)
	kindDate                 // one of the mapping's date_formats
	kindDecimal              // decimal with the mapping's decimal_mark and thousands_separator
	kindInt                  // positive whole number (leading zeros allowed: "000010" is 10)
	kindHSCode               // 6, 8 or 10 digits; dots, spaces and hyphens are dropped ("8471.30.00" is 84713000)
	kindGTIN                 // 8, 12, 13 or 14 digits with a valid GS1 check digit
)

// fieldDefs lists every field by its name in the mapping (the canonical JSON
// path, with "lines." for line fields).
var fieldDefs = [numFields]struct {
	name string
	kind kind
}{
	fOrderNumber:           {"order_number", kindText},
	fOrderDate:             {"order_date", kindDate},
	fBuyerID:               {"buyer.id", kindText},
	fBuyerName:             {"buyer.name", kindText},
	fSupplierID:            {"supplier.id", kindText},
	fSupplierName:          {"supplier.name", kindText},
	fCurrency:              {"currency", kindCurrency},
	fIncoterm:              {"incoterm", kindIncoterm},
	fIncotermPlace:         {"incoterm_place", kindText},
	fPaymentTerms:          {"payment_terms", kindText},
	fRequestedDeliveryDate: {"requested_delivery_date", kindDate},
	fShipToName:            {"ship_to.name", kindText},
	fShipToCountry:         {"ship_to.country", kindCountry},
	fTotalAmount:           {"total_amount", kindDecimal},
	fLineNumber:            {"lines.line_number", kindInt},
	fSKU:                   {"lines.sku", kindText},
	fBuyerSKU:              {"lines.buyer_sku", kindText},
	fGTIN:                  {"lines.gtin", kindGTIN},
	fDescription:           {"lines.description", kindText},
	fQuantity:              {"lines.quantity", kindDecimal},
	fUnit:                  {"lines.unit", kindUnit},
	fUnitPrice:             {"lines.unit_price", kindDecimal},
	fAmount:                {"lines.amount", kindDecimal},
	fHSCode:                {"lines.hs_code", kindHSCode},
	fOriginCountry:         {"lines.origin_country", kindCountry},
}

func (f fieldID) String() string { return fieldDefs[f].name }

// isLine reports whether f is a field of an order line.
func (f fieldID) isLine() bool { return f >= fLineNumber }

var fieldsByName = func() map[string]fieldID {
	m := make(map[string]fieldID, numFields)
	for f := fieldID(0); f < numFields; f++ {
		m[fieldDefs[f].name] = f
	}
	return m
}()

// Fields returns the names of the canonical fields a column, constant or
// value map can feed, sorted: "buyer.id", ..., "lines.quantity", ...
func Fields() []string {
	out := make([]string, 0, numFields)
	for f := fieldID(0); f < numFields; f++ {
		out = append(out, fieldDefs[f].name)
	}
	sort.Strings(out)
	return out
}

// value is one parsed cell; which member is set depends on the field's kind.
type value struct {
	s    string
	d    canonical.Decimal
	date canonical.Date
	n    int
}

// equal reports whether two values of field f mean the same thing
// ("01.03.2026" and "1.3.2026" are the same date).
func (v value) equal(o value, f fieldID) bool {
	switch fieldDefs[f].kind {
	case kindDate:
		return v.date == o.date
	case kindDecimal:
		return v.d.Equal(o.d)
	case kindInt:
		return v.n == o.n
	}
	return v.s == o.s
}

// setOrder stores an order-level value in o.
func setOrder(o *canonical.Order, f fieldID, v value) {
	switch f {
	case fOrderNumber:
		o.OrderNumber = v.s
	case fOrderDate:
		o.OrderDate = v.date
	case fBuyerID:
		o.Buyer.ID = v.s
	case fBuyerName:
		o.Buyer.Name = v.s
	case fSupplierID:
		o.Supplier.ID = v.s
	case fSupplierName:
		o.Supplier.Name = v.s
	case fCurrency:
		o.Currency = canonical.Currency(v.s)
	case fIncoterm:
		o.Incoterm = canonical.Incoterm(v.s)
	case fIncotermPlace:
		o.IncotermPlace = v.s
	case fPaymentTerms:
		o.PaymentTerms = v.s
	case fRequestedDeliveryDate:
		o.RequestedDeliveryDate = v.date
	case fShipToName:
		shipTo(o).Name = v.s
	case fShipToCountry:
		shipTo(o).Country = canonical.Country(v.s)
	case fTotalAmount:
		d := v.d
		o.TotalAmount = &d
	}
}

func shipTo(o *canonical.Order) *canonical.Address {
	if o.ShipTo == nil {
		o.ShipTo = &canonical.Address{}
	}
	return o.ShipTo
}

// setLine stores a line value in l. A line amount goes to amount: the
// builder points l.Amount at it when the order is complete, so that a row
// costs no extra allocation.
func setLine(l *canonical.OrderLine, amount *optDecimal, f fieldID, v value) {
	switch f {
	case fLineNumber:
		l.LineNumber = v.n
	case fSKU:
		l.SKU = v.s
	case fBuyerSKU:
		l.BuyerSKU = v.s
	case fGTIN:
		l.GTIN = v.s
	case fDescription:
		l.Description = v.s
	case fQuantity:
		l.Quantity = v.d
	case fUnit:
		l.Unit = canonical.Unit(v.s)
	case fUnitPrice:
		l.UnitPrice = v.d
	case fAmount:
		*amount = optDecimal{d: v.d, ok: true}
	case fHSCode:
		l.HSCode = canonical.HSCode(v.s)
	case fOriginCountry:
		l.OriginCountry = canonical.Country(v.s)
	}
}

// optDecimal is a decimal that may be absent.
type optDecimal struct {
	d  canonical.Decimal
	ok bool
}
