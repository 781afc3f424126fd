package mapping

import (
	"sort"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// fieldID names a canonical field a column can feed. One table serves every
// document type: a field that several documents have (order_number,
// buyer.id, lines.sku, lines.quantity) is one entry.
type fieldID uint8

// The document-level fields come first, then the line fields (from
// fLineNumber on). The order's fields keep their places; the supplier
// documents' fields follow the order's in each part. A catalog item's
// prices are its lines: the prices.* fields are line fields.
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
	fResponseNumber
	fResponseDate
	fStatus
	fShipmentID
	fOrderNumbers
	fShipDate
	fEstimatedArrival
	fCarrier
	fTrackingNumbers
	fPackages
	fGrossWeightValue
	fGrossWeightUnit
	fInvoiceNumber
	fInvoiceDate
	fDueDate
	fLineTotal
	fTaxAmount
	fPayableAmount
	fPayeeAccount
	fPayeeBIC
	fPayeeName
	fReportDate
	fPercentComplete
	fExpectedReadyDate
	fNote
	// catalog_item: the item-level fields of a supplier catalog
	fItemSKU
	fItemBuyerSKU
	fItemDescription
	fCategory
	fItemUnit
	fPackSize
	fMOQ
	fCapacityPerWeek
	fCapacityPerMonth
	fLeadTimeDays
	fItemHSCode
	fItemOriginCountry
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
	fLineOrderNumber
	fLineStatus
	fLineDeliveryDate
	// catalog_item: the price list entries, one per row
	fPriceValidFrom
	fPriceValidTo
	fPriceCurrency
	fPriceUnitPrice
	numFields
)

// noField stands for "no field", such as the grouping key of a document
// that makes one record per row.
const noField = numFields

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
	kindList                 // one or more values separated by , or ; ("4500012345; 4500012346")
	kindCount                // whole number, 0 or more
	kindPercent              // decimal from 0 to 100, a trailing % allowed ("45%", "45,5 %")
	kindStatus               // response status: accepted, rejected or changed, any case
)

// fieldDefs lists every field by its name in the mapping (the canonical JSON
// path, with "lines." for line fields) and its kind. Which documents have a
// field is in their tables (documents).
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
	fResponseNumber:        {"response_number", kindText},
	fResponseDate:          {"response_date", kindDate},
	fStatus:                {"status", kindStatus},
	fShipmentID:            {"shipment_id", kindText},
	fOrderNumbers:          {"order_numbers", kindList},
	fShipDate:              {"ship_date", kindDate},
	fEstimatedArrival:      {"estimated_arrival", kindDate},
	fCarrier:               {"carrier", kindText},
	fTrackingNumbers:       {"tracking_numbers", kindList},
	fPackages:              {"packages", kindCount},
	fGrossWeightValue:      {"gross_weight.value", kindDecimal},
	fGrossWeightUnit:       {"gross_weight.unit", kindUnit},
	fInvoiceNumber:         {"invoice_number", kindText},
	fInvoiceDate:           {"invoice_date", kindDate},
	fDueDate:               {"due_date", kindDate},
	fLineTotal:             {"line_total", kindDecimal},
	fTaxAmount:             {"tax_amount", kindDecimal},
	fPayableAmount:         {"payable_amount", kindDecimal},
	fPayeeAccount:          {"payee_account", kindText},
	fPayeeBIC:              {"payee_account.bic", kindText},
	fPayeeName:             {"payee_account.name", kindText},
	fReportDate:            {"report_date", kindDate},
	fPercentComplete:       {"percent_complete", kindPercent},
	fExpectedReadyDate:     {"expected_ready_date", kindDate},
	fNote:                  {"note", kindText},
	fItemSKU:               {"sku", kindText},
	fItemBuyerSKU:          {"buyer_sku", kindText},
	fItemDescription:       {"description", kindText},
	fCategory:              {"category", kindText},
	fItemUnit:              {"unit", kindUnit},
	fPackSize:              {"pack_size", kindDecimal},
	fMOQ:                   {"moq", kindDecimal},
	fCapacityPerWeek:       {"capacity_per_week", kindDecimal},
	fCapacityPerMonth:      {"capacity_per_month", kindDecimal},
	fLeadTimeDays:          {"lead_time_days", kindCount},
	fItemHSCode:            {"hs_code", kindHSCode},
	fItemOriginCountry:     {"origin_country", kindCountry},
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
	fLineOrderNumber:       {"lines.order_number", kindText},
	fLineStatus:            {"lines.status", kindStatus},
	fLineDeliveryDate:      {"lines.delivery_date", kindDate},
	fPriceValidFrom:        {"prices.valid_from", kindDate},
	fPriceValidTo:          {"prices.valid_to", kindDate},
	fPriceCurrency:         {"prices.currency", kindCurrency},
	fPriceUnitPrice:        {"prices.unit_price", kindDecimal},
}

func (f fieldID) String() string {
	if f >= numFields {
		return ""
	}
	return fieldDefs[f].name
}

// isLine reports whether f is named as a field of a line ("lines.", or
// "prices." for a catalog item's price list entries). Whether it feeds a
// line of the record depends on the document (see document.isLine).
func (f fieldID) isLine() bool { return f >= fLineNumber }

var fieldsByName = func() map[string]fieldID {
	m := make(map[string]fieldID, numFields)
	for f := fieldID(0); f < numFields; f++ {
		m[fieldDefs[f].name] = f
	}
	return m
}()

// Fields returns the names of the canonical fields a column, constant or
// value map of an order mapping can feed, sorted: "buyer.id", ...,
// "lines.quantity", ... DocumentFields gives those of other documents.
func Fields() []string { return DocumentFields(DocumentOrder) }

// DocumentFields returns the names of the fields a mapping of the document
// type doc (DocumentOrder, DocumentShipment, ...) can feed, sorted; nil for
// an unknown document type.
func DocumentFields(doc string) []string {
	d := documentNamed(doc)
	if d == nil {
		return nil
	}
	out := d.fieldNames()
	sort.Strings(out)
	return out
}

// value is one parsed cell; which member is set depends on the field's kind.
// A list is kept as its entries joined by ";" (see splitList). place is
// the place written after an Incoterm ("FOB Shenzhen") in a document that
// reads one there (document.placeInIncoterm).
type value struct {
	s     string
	d     canonical.Decimal
	date  canonical.Date
	n     int
	place string
}

// equal reports whether two values of field f mean the same thing
// ("01.03.2026" and "1.3.2026" are the same date, "FOB Shenzhen" and "fob
// SHENZHEN" the same rule and place).
func (v value) equal(o value, f fieldID) bool {
	switch fieldDefs[f].kind {
	case kindDate:
		return v.date == o.date
	case kindDecimal, kindPercent:
		return v.d.Equal(o.d)
	case kindInt, kindCount:
		return v.n == o.n
	}
	return v.s == o.s && strings.EqualFold(v.place, o.place)
}

// optDecimal is a decimal that may be absent.
type optDecimal struct {
	d  canonical.Decimal
	ok bool
}

// decimalPtr returns a pointer to a copy of the value's decimal.
func (v value) decimalPtr() *canonical.Decimal {
	d := v.d
	return &d
}
