package canonical

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Stable problem codes of FieldError.Code (and ParseError.Code). Receipts,
// dashboards and alert rules match on them; a code is never renamed.
const (
	CodeRequired             = "required"               // a required field is empty or missing
	CodeInvalidCurrency      = "invalid_currency"       // not an active ISO 4217 code
	CodeInvalidCountry       = "invalid_country"        // not an ISO 3166-1 alpha-2 code
	CodeInvalidIncoterm      = "invalid_incoterm"       // not an Incoterms 2020 rule
	CodeInvalidUnit          = "invalid_unit"           // not a known Rec 20 code, or the wrong kind of unit
	CodeInvalidHSCode        = "invalid_hs_code"        // not 6, 8 or 10 digits
	CodeInvalidTransportMode = "invalid_transport_mode" // not sea, inland_waterway, air, road, rail or multimodal
	CodeInvalidGTIN          = "invalid_gtin"           // wrong length or check digit
	CodeInvalidSSCC          = "invalid_sscc"           // not 18 digits, or a wrong check digit
	CodeInvalidIBAN          = "invalid_iban"           // wrong format, country or mod-97 check
	CodeInvalidBIC           = "invalid_bic"            // not an ISO 9362 BIC
	CodeInvalidDate          = "invalid_date"           // not a calendar date
	CodeInvalidDecimal       = "invalid_decimal"        // not a decimal number
	CodeInvalidStatus        = "invalid_status"         // not in the field's status set
	CodeInvalidFormat        = "invalid_format"         // malformed text (event type, JSON data)
	CodeNotPositive          = "not_positive"           // must be greater than zero
	CodeNegative             = "negative"               // must not be below zero
	CodeZero                 = "zero"                   // must not be zero
	CodeDuplicate            = "duplicate"              // a value that must be unique is repeated
	CodeAmountMismatch       = "amount_mismatch"        // a line amount is not quantity × unit price
	CodeTotalMismatch        = "total_mismatch"         // a total is not the sum of its parts
	CodeTooPrecise           = "too_precise"            // more decimals than the currency has
	CodeDateOrder            = "date_order"             // a date is before the date it must follow
	CodeStatusConflict       = "status_conflict"        // header and line statuses contradict each other
	CodeUnknownOrder         = "unknown_order"          // a line names an order the record does not list
	CodeCurrency             = "currency_mismatch"      // a currency differs from the account's
	CodePayable              = "payable_exceeds_total"
	CodeBalanceMismatch      = "balance_mismatch"    // opening + entries ≠ closing, not flagged
	CodeBalanceCheck         = "wrong_balance_check" // balance_check says the opposite of the figures
	CodePlaceholder          = "placeholder"         // XXX / XTS where a real currency is needed
)

// FieldError is one validation problem at a field path such as "lines[2].unit_price".
// Array indexes in paths are 0-based positions, not line numbers.
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// ValidationError lists every problem found in a record, not just the first.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid: " + strings.Join(msgs, "; ")
}

// Unwrap returns the problems as errors, so errors.As finds a FieldError.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Has reports whether a problem with this path and code was found.
func (e *ValidationError) Has(path, code string) bool {
	for _, p := range e.Problems {
		if p.Path == path && p.Code == code {
			return true
		}
	}
	return false
}

// Validator is what every canonical record type implements.
type Validator interface {
	Validate() error
}

// Validate validates any canonical record (a pointer or a value). It returns
// a *ValidationError listing every problem, or nil; for a value that is not
// a canonical record it returns a plain error.
func Validate(v any) error {
	switch r := v.(type) {
	case Validator:
		return r.Validate()
	case Order:
		return r.Validate()
	case OrderResponse:
		return r.Validate()
	case Shipment:
		return r.Validate()
	case TrackingEvent:
		return r.Validate()
	case Invoice:
		return r.Validate()
	case BankStatement:
		return r.Validate()
	case StatementEntry:
		return r.Validate()
	case OrderEvent:
		return r.Validate()
	}
	return fmt.Errorf("canonical: %T is not a canonical record", v)
}

// AsValidationError returns the *ValidationError inside err, or nil.
func AsValidationError(err error) *ValidationError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}

// problems collects FieldErrors while a validator walks a record.
type problems []FieldError

func (p *problems) add(path fieldPath, code, format string, args ...any) {
	*p = append(*p, FieldError{Path: path.String(), Code: code, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// fieldPath is where a problem is, kept in parts and turned into text
// ("entries[0].counterparty.iban") only when a problem is reported, so that
// validating a good record builds no strings.
type fieldPath struct {
	array string // the array holding the element, "" for a top-level field
	index int    // the element's position in array
	name  string // the field, in the element when array is set
	sub   string // a field of that field ("id" of "buyer"), or ""
}

// field is a top-level field: field("currency").
func field(name string) fieldPath { return fieldPath{name: name} }

// elem is an array element or a field of one: elem("lines", 2, "unit_price")
// is "lines[2].unit_price", elem("order_numbers", 1, "") is "order_numbers[1]".
func elem(array string, i int, name string) fieldPath {
	return fieldPath{array: array, index: i, name: name}
}

// child is a field of the field: field("ship_to").child("country").
func (f fieldPath) child(name string) fieldPath {
	if f.sub != "" {
		f.sub += "." + name
		return f
	}
	f.sub = name
	return f
}

func (f fieldPath) String() string {
	var b strings.Builder
	if f.array != "" {
		b.WriteString(f.array)
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(f.index))
		b.WriteByte(']')
		if f.name != "" {
			b.WriteByte('.')
		}
	}
	b.WriteString(f.name)
	if f.sub != "" {
		b.WriteByte('.')
		b.WriteString(f.sub)
	}
	return b.String()
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func (p *problems) required(path fieldPath, value string) {
	if blank(value) {
		p.add(path, CodeRequired, "is required")
	}
}

// checkCode reports a code-list value that is not valid: the parser's own message
// when it cannot read the value, or the canonical spelling when it can
// ("eur" → "EUR", "PCE" → "H87").
func checkCode[T ~string](p *problems, path fieldPath, code string, v T, valid func(T) bool, parse func(string) (T, error)) {
	if v == "" || valid(v) {
		return
	}
	norm, err := parse(string(v))
	if err != nil {
		p.add(path, code, "%s", err.Error())
		return
	}
	p.add(path, code, "%s is not in canonical form; write %q", clip(string(v)), string(norm))
}

func (p *problems) currency(path fieldPath, c Currency) {
	switch {
	case c == "":
		p.add(path, CodeRequired, "is required")
	case c.Placeholder():
		p.add(path, CodePlaceholder, "%q is a placeholder, not the currency of a trade document", string(c))
	default:
		checkCode(p, path, CodeInvalidCurrency, c, Currency.Valid, ParseCurrency)
	}
}

func (p *problems) country(path fieldPath, c Country) {
	checkCode(p, path, CodeInvalidCountry, c, Country.Valid, ParseCountry)
}

func (p *problems) unit(path fieldPath, u Unit, required bool) {
	if u == "" && required {
		p.add(path, CodeRequired, "is required")
		return
	}
	checkCode(p, path, CodeInvalidUnit, u, Unit.Valid, ParseUnit)
}

func (p *problems) gtin(path fieldPath, g string) {
	if g == "" {
		return
	}
	if err := checkGTIN(g); err != nil {
		p.add(path, CodeInvalidGTIN, "%s", err.Error())
	}
}

func (p *problems) iban(path fieldPath, iban string) {
	if iban == "" {
		return
	}
	if err := checkIBAN(iban); err != nil {
		if norm := normalizeIBAN(iban); norm != iban && checkIBAN(norm) == nil {
			p.add(path, CodeInvalidIBAN, "IBAN %s must be in electronic format: upper case, no spaces", MaskIBAN(iban))
			return
		}
		p.add(path, CodeInvalidIBAN, "%s", err.Error())
	}
}

func (p *problems) bic(path fieldPath, bic string) {
	if bic == "" {
		return
	}
	if err := checkBIC(bic); err != nil {
		p.add(path, CodeInvalidBIC, "%s", err.Error())
	}
}

func (p *problems) date(path fieldPath, d Date) {
	if !d.IsZero() && !d.Valid() {
		p.add(path, CodeInvalidDate, "%04d-%02d-%02d is not a calendar date", d.Year, int(d.Month), d.Day)
	}
}

// dateOrder reports later before earlier, when both are given and valid.
func (p *problems) dateOrder(laterPath fieldPath, later Date, earlierPath string, earlier Date) {
	if later.IsZero() || earlier.IsZero() || !later.Valid() || !earlier.Valid() {
		return
	}
	if later.Before(earlier) {
		p.add(laterPath, CodeDateOrder, "%s is before %s %s", later, earlierPath, earlier)
	}
}

func (p *problems) party(path fieldPath, party Party, idRequired bool) {
	if idRequired {
		p.required(path.child("id"), party.ID)
	}
	p.country(path.child("country"), party.Country)
}

func (p *problems) source(path fieldPath, s *Source) {
	if s != nil && s.Line < 0 {
		p.add(path.child("line"), CodeNegative, "must not be negative, got %d", s.Line)
	}
}

// lineNumbers checks that the line numbers of an array of n lines are
// positive and unique; number(i) returns the line number at position i.
func (p *problems) lineNumbers(n int, number func(int) int, array string) {
	// firstUse finds an earlier position with the same line number: a scan
	// for the usual short order, a map for long ones.
	const scanUpTo = 64
	var seen map[int]int
	firstUse := func(i, ln int) (int, bool) {
		if n <= scanUpTo {
			for j := 0; j < i; j++ {
				if number(j) == ln {
					return j, true
				}
			}
			return 0, false
		}
		if seen == nil {
			seen = make(map[int]int, n)
		}
		first, dup := seen[ln]
		if !dup {
			seen[ln] = i
		}
		return first, dup
	}
	for i := 0; i < n; i++ {
		ln := number(i)
		if ln <= 0 {
			p.add(elem(array, i, "line_number"), CodeNotPositive, "must be greater than zero, got %d", ln)
			continue
		}
		if first, dup := firstUse(i, ln); dup {
			p.add(elem(array, i, "line_number"), CodeDuplicate, "line number %d is also used by %s", ln, elem(array, first, ""))
		}
	}
}

// halfMinorUnit is the rounding tolerance of an amount in currency c: half of
// the currency's minor unit (0.005 EUR, 0.5 JPY), so that an amount rounded
// either way from the exact product passes. For a currency without minor
// units it is half of the last digit the amount is written with.
func halfMinorUnit(c Currency, amount Decimal) decimal.Decimal {
	places := int32(c.MinorUnits())
	if c.Valid() && !c.HasMinorUnits() {
		places = amount.Scale()
	}
	if int(places) < len(halfUnits) {
		return halfUnits[places]
	}
	return decimal.New(5, -places-1)
}

// halfUnits[n] is 0.5 × 10^-n, made once: validation needs one per line.
var halfUnits = func() (h [8]decimal.Decimal) {
	for i := range h {
		h[i] = decimal.New(5, int32(-i-1))
	}
	return h
}()

func within(a, b, tolerance decimal.Decimal) bool {
	return a.Sub(b).Abs().LessThanOrEqual(tolerance)
}

// amount checks that a line amount equals quantity × unit price within the
// currency's rounding.
func (p *problems) amount(path fieldPath, amount *Decimal, qty, price Decimal, c Currency) {
	if amount == nil {
		return
	}
	if !productWithin(amount.Decimal, qty.Decimal, price.Decimal, halfMinorUnit(c, *amount)) {
		exact := qty.Mul(price.Decimal)
		p.add(path, CodeAmountMismatch, "is %s but quantity %s × unit price %s is %s", amount, qty, price, Decimal{exact})
	}
}

// precision reports an amount with more decimals than its currency has
// (10.005 EUR). Values are compared, so "10.500" EUR passes.
func (p *problems) precision(path fieldPath, d *Decimal, c Currency) {
	if d == nil || !c.HasMinorUnits() {
		return
	}
	places := int32(c.MinorUnits())
	if !d.Decimal.Equal(d.Decimal.Round(places)) {
		p.add(path, CodeTooPrecise, "%s has more decimals than %s allows (%d)", d, c, places)
	}
}

// sumAmounts adds n line amounts; ok is false when a line has no amount or
// there are no lines.
func sumAmounts(n int, amount func(int) *Decimal) (sum decimal.Decimal, ok bool) {
	if n == 0 {
		return sum, false
	}
	if sum, ok, small := sumSmall(n, amount); small {
		return sum, ok
	}
	for i := 0; i < n; i++ {
		a := amount(i)
		if a == nil {
			return sum, false
		}
		sum = sum.Add(a.Decimal)
	}
	return sum, true
}

// Validate checks an order and returns a *ValidationError listing every
// problem: order_number, buyer.id, currency and at least one line are
// required; codes (currency, incoterm, countries, units, HS codes, GTINs)
// must be valid and in canonical form; line numbers positive and unique;
// quantities above zero and unit prices not negative; a line amount, when
// given, equals quantity × unit price within half a minor unit of the
// currency; total_amount, when given and every line has an amount, equals
// their sum within the same tolerance; requested_delivery_date is not before
// order_date.
func (o *Order) Validate() error {
	var p problems
	p.required(field("order_number"), o.OrderNumber)
	p.date(field("order_date"), o.OrderDate)
	p.party(field("buyer"), o.Buyer, true)
	p.party(field("supplier"), o.Supplier, false)
	p.currency(field("currency"), o.Currency)
	checkCode(&p, field("incoterm"), CodeInvalidIncoterm, o.Incoterm, Incoterm.Valid, ParseIncoterm)
	if o.Incoterm == "" && !blank(o.IncotermPlace) {
		p.add(field("incoterm"), CodeRequired, "is required when incoterm_place is given")
	}
	checkCode(&p, field("transport_mode"), CodeInvalidTransportMode, o.TransportMode, TransportMode.Valid, ParseTransportMode)
	p.date(field("requested_delivery_date"), o.RequestedDeliveryDate)
	p.dateOrder(field("requested_delivery_date"), o.RequestedDeliveryDate, "order_date", o.OrderDate)
	if o.ShipTo != nil {
		p.country(field("ship_to").child("country"), o.ShipTo.Country)
	}
	if len(o.Lines) == 0 {
		p.add(field("lines"), CodeRequired, "an order needs at least one line")
	}
	p.lineNumbers(len(o.Lines), func(i int) int { return o.Lines[i].LineNumber }, "lines")
	for i := range o.Lines {
		l := &o.Lines[i]
		if !l.Quantity.IsPositive() {
			p.add(elem("lines", i, "quantity"), CodeNotPositive, "must be greater than zero, got %s", l.Quantity)
		}
		p.unit(elem("lines", i, "unit"), l.Unit, true)
		if l.UnitPrice.IsNegative() {
			p.add(elem("lines", i, "unit_price"), CodeNegative, "must not be negative, got %s", l.UnitPrice)
		}
		p.amount(elem("lines", i, "amount"), l.Amount, l.Quantity, l.UnitPrice, o.Currency)
		p.gtin(elem("lines", i, "gtin"), l.GTIN)
		checkCode(&p, elem("lines", i, "hs_code"), CodeInvalidHSCode, l.HSCode, HSCode.Valid, ParseHSCode)
		p.country(elem("lines", i, "origin_country"), l.OriginCountry)
		p.source(elem("lines", i, "source"), l.Source)
	}
	if o.TotalAmount != nil {
		sum, ok := sumAmounts(len(o.Lines), func(i int) *Decimal { return o.Lines[i].Amount })
		if ok && !within(o.TotalAmount.Decimal, sum, halfMinorUnit(o.Currency, *o.TotalAmount)) {
			p.add(field("total_amount"), CodeTotalMismatch, "is %s but the line amounts add up to %s", o.TotalAmount, Decimal{sum})
		}
	}
	p.source(field("source"), o.Source)
	return p.err()
}

// Validate checks a supplier's order response: order_number and a status
// (accepted, rejected, changed) are required; line numbers are positive and
// unique and every line has a status; quantities and unit prices are not
// negative. Statuses must agree: an accepted response has only accepted
// lines, a rejected response only rejected lines.
func (r *OrderResponse) Validate() error {
	var p problems
	p.required(field("order_number"), r.OrderNumber)
	p.date(field("response_date"), r.ResponseDate)
	p.party(field("buyer"), r.Buyer, false)
	p.party(field("supplier"), r.Supplier, false)
	p.responseStatus(field("status"), r.Status)
	p.lineNumbers(len(r.Lines), func(i int) int { return r.Lines[i].LineNumber }, "lines")
	for i := range r.Lines {
		l := &r.Lines[i]
		p.responseStatus(elem("lines", i, "status"), l.Status)
		if (r.Status == ResponseAccepted || r.Status == ResponseRejected) && l.Status.Valid() && l.Status != r.Status {
			p.add(elem("lines", i, "status"), CodeStatusConflict, "is %s but the response as a whole is %s; a response with mixed lines is %q", l.Status, r.Status, ResponseChanged)
		}
		if l.Quantity != nil && l.Quantity.IsNegative() {
			p.add(elem("lines", i, "quantity"), CodeNegative, "must not be negative, got %s", l.Quantity)
		}
		if l.UnitPrice != nil && l.UnitPrice.IsNegative() {
			p.add(elem("lines", i, "unit_price"), CodeNegative, "must not be negative, got %s", l.UnitPrice)
		}
		p.date(elem("lines", i, "delivery_date"), l.DeliveryDate)
	}
	p.source(field("source"), r.Source)
	return p.err()
}

func (p *problems) responseStatus(path fieldPath, s ResponseStatus) {
	switch {
	case s == "":
		p.add(path, CodeRequired, "is required")
	case !s.Valid():
		p.add(path, CodeInvalidStatus, "%s is not a response status (accepted, rejected, changed)", clip(string(s)))
	}
}

// Validate checks a shipment (ASN): shipment_id and at least one order
// number are required, order numbers and tracking numbers are not blank or
// repeated; SSCCs are 18 digits with a GS1 check digit and not repeated;
// estimated_arrival is not before ship_date; packages is not
// negative; gross_weight is above zero in a unit of mass; each line names
// one of the shipment's orders, a positive line number, a quantity above
// zero and a valid unit.
func (s *Shipment) Validate() error {
	var p problems
	p.required(field("shipment_id"), s.ShipmentID)
	if len(s.OrderNumbers) == 0 {
		p.add(field("order_numbers"), CodeRequired, "a shipment ships against at least one order")
	}
	p.uniqueStrings("order_numbers", s.OrderNumbers)
	p.party(field("buyer"), s.Buyer, false)
	p.party(field("supplier"), s.Supplier, false)
	p.date(field("ship_date"), s.ShipDate)
	p.date(field("estimated_arrival"), s.EstimatedArrival)
	p.dateOrder(field("estimated_arrival"), s.EstimatedArrival, "ship_date", s.ShipDate)
	p.uniqueStrings("tracking_numbers", s.TrackingNumbers)
	p.ssccs(s.SSCCs)
	if s.Packages < 0 {
		p.add(field("packages"), CodeNegative, "must not be negative, got %d", s.Packages)
	}
	if w := s.GrossWeight; w != nil {
		if !w.Value.IsPositive() {
			p.add(field("gross_weight").child("value"), CodeNotPositive, "must be greater than zero, got %s", w.Value)
		}
		p.unit(field("gross_weight").child("unit"), w.Unit, true)
		if w.Unit.Valid() && w.Unit.Kind() != UnitMass {
			p.add(field("gross_weight").child("unit"), CodeInvalidUnit, "%q is a unit of %s, not of mass (KGM, TNE, LBR...)", string(w.Unit), w.Unit.Kind())
		}
	}
	for i := range s.Lines {
		l := &s.Lines[i]
		if blank(l.OrderNumber) {
			p.add(elem("lines", i, "order_number"), CodeRequired, "is required")
		} else if len(s.OrderNumbers) > 0 && !containsString(s.OrderNumbers, l.OrderNumber) {
			p.add(elem("lines", i, "order_number"), CodeUnknownOrder, "order %s is not in the shipment's order_numbers", clip(l.OrderNumber))
		}
		if l.LineNumber <= 0 {
			p.add(elem("lines", i, "line_number"), CodeNotPositive, "must be greater than zero, got %d", l.LineNumber)
		}
		p.gtin(elem("lines", i, "gtin"), l.GTIN)
		if !l.Quantity.IsPositive() {
			p.add(elem("lines", i, "quantity"), CodeNotPositive, "must be greater than zero, got %s", l.Quantity)
		}
		p.unit(elem("lines", i, "unit"), l.Unit, true)
	}
	p.source(field("source"), s.Source)
	return p.err()
}

// uniqueStrings reports blank and repeated entries of a string list.
func (p *problems) uniqueStrings(array string, values []string) {
	for i, v := range values {
		if blank(v) {
			p.add(elem(array, i, ""), CodeRequired, "must not be blank")
			continue
		}
		for j := 0; j < i; j++ {
			if values[j] == v {
				p.add(elem(array, i, ""), CodeDuplicate, "%s is also %s", clip(v), elem(array, j, ""))
				break
			}
		}
	}
}

// ssccs reports SSCCs that are not 18 digits with a GS1 check digit, and
// repeated ones: an SSCC names one package or pallet.
func (p *problems) ssccs(values []string) {
	for i, v := range values {
		if err := checkSSCC(v); err != nil {
			p.add(elem("ssccs", i, ""), CodeInvalidSSCC, "%s", err.Error())
			continue
		}
		if j := slices.Index(values[:i], v); j >= 0 {
			p.add(elem("ssccs", i, ""), CodeDuplicate, "%s is also %s", clip(v), elem("ssccs", j, ""))
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Validate checks a tracking event: tracking_number, carrier, a status from
// the normalized set and occurred_at are required; a location country must
// be valid.
func (e *TrackingEvent) Validate() error {
	var p problems
	p.required(field("tracking_number"), e.TrackingNumber)
	p.required(field("carrier"), e.Carrier)
	switch {
	case e.Status == "":
		p.add(field("status"), CodeRequired, "is required")
	case !e.Status.Valid():
		p.add(field("status"), CodeInvalidStatus, "%s is not a normalized tracking status (the carrier's own status goes in carrier_status)", clip(string(e.Status)))
	}
	if e.OccurredAt.IsZero() {
		p.add(field("occurred_at"), CodeRequired, "is required")
	}
	if e.Location != nil {
		p.country(field("location").child("country"), e.Location.Country)
	}
	p.source(field("source"), e.Source)
	return p.err()
}

// Validate checks an invoice (or credit note, with negative quantities and
// amounts): invoice_number and currency are required; line numbers are
// positive and unique, quantities not zero, unit prices not negative, and a
// line amount equals quantity × unit price within half a minor unit;
// line_total, when given and every line has an amount, is their sum;
// total_amount is line_total (given, or the sum of the lines) plus
// tax_amount, when tax_amount is given; payable_amount does not exceed
// total_amount (in absolute value, for a credit note); document totals have
// no more decimals than the currency; due_date is not before invoice_date;
// a line's order_number is one of order_numbers when those are given.
func (inv *Invoice) Validate() error {
	var p problems
	p.required(field("invoice_number"), inv.InvoiceNumber)
	p.date(field("invoice_date"), inv.InvoiceDate)
	p.date(field("due_date"), inv.DueDate)
	p.dateOrder(field("due_date"), inv.DueDate, "invoice_date", inv.InvoiceDate)
	p.uniqueStrings("order_numbers", inv.OrderNumbers)
	p.party(field("supplier"), inv.Supplier, false)
	p.party(field("buyer"), inv.Buyer, false)
	p.currency(field("currency"), inv.Currency)
	p.lineNumbers(len(inv.Lines), func(i int) int { return inv.Lines[i].LineNumber }, "lines")
	for i := range inv.Lines {
		l := &inv.Lines[i]
		if l.OrderNumber != "" && len(inv.OrderNumbers) > 0 && !containsString(inv.OrderNumbers, l.OrderNumber) {
			p.add(elem("lines", i, "order_number"), CodeUnknownOrder, "order %s is not in the invoice's order_numbers", clip(l.OrderNumber))
		}
		if l.Quantity.IsZero() {
			p.add(elem("lines", i, "quantity"), CodeZero, "must not be zero")
		}
		p.unit(elem("lines", i, "unit"), l.Unit, false)
		if l.UnitPrice.IsNegative() {
			p.add(elem("lines", i, "unit_price"), CodeNegative, "must not be negative, got %s (a credit note has a negative quantity)", l.UnitPrice)
		}
		p.amount(elem("lines", i, "amount"), l.Amount, l.Quantity, l.UnitPrice, inv.Currency)
	}
	p.precision(field("line_total"), inv.LineTotal, inv.Currency)
	p.precision(field("tax_amount"), inv.TaxAmount, inv.Currency)
	p.precision(field("total_amount"), &inv.TotalAmount, inv.Currency)
	p.precision(field("payable_amount"), inv.PayableAmount, inv.Currency)

	lineSum, haveSum := sumAmounts(len(inv.Lines), func(i int) *Decimal { return inv.Lines[i].Amount })
	if inv.LineTotal != nil && haveSum && !within(inv.LineTotal.Decimal, lineSum, halfMinorUnit(inv.Currency, *inv.LineTotal)) {
		p.add(field("line_total"), CodeTotalMismatch, "is %s but the line amounts add up to %s", inv.LineTotal, Decimal{lineSum})
	}
	if inv.TaxAmount != nil && (inv.LineTotal != nil || haveSum) {
		base, what := lineSum, "the line amounts"
		if inv.LineTotal != nil {
			base, what = inv.LineTotal.Decimal, "line_total"
		}
		want := base.Add(inv.TaxAmount.Decimal)
		if !within(inv.TotalAmount.Decimal, want, halfMinorUnit(inv.Currency, inv.TotalAmount)) {
			p.add(field("total_amount"), CodeTotalMismatch, "is %s but %s %s plus tax_amount %s is %s", inv.TotalAmount, what, Decimal{base}, inv.TaxAmount, Decimal{want})
		}
	}
	if pay := inv.PayableAmount; pay != nil {
		total := inv.TotalAmount.Decimal
		if (!total.IsNegative() && pay.GreaterThan(total)) || (total.IsNegative() && pay.LessThan(total)) {
			p.add(field("payable_amount"), CodePayable, "%s exceeds total_amount %s", pay, inv.TotalAmount)
		}
	}
	if a := inv.PayeeAccount; a != nil {
		if a.IBAN == "" && a.Account == "" {
			p.add(field("payee_account"), CodeRequired, "needs an iban or an account number")
		}
		p.iban(field("payee_account").child("iban"), a.IBAN)
		p.bic(field("payee_account").child("bic"), a.BIC)
	}
	p.source(field("source"), inv.Source)
	return p.err()
}

// Validate checks a bank statement: statement_id and an account (iban or
// number) are required; IBANs pass their mod-97 check and BICs their
// format; each entry has a valid currency, the account's when the account
// names one; balances and amounts have no more decimals than the currency;
// closing_date is not before opening_date. When both balances are given,
// opening + the sum of entries must equal closing unless balance_check says
// "mismatch" (the connector found and flagged a bank-side inconsistency),
// and balance_check must agree with the figures.
func (s *BankStatement) Validate() error {
	var p problems
	p.required(field("statement_id"), s.StatementID)
	a := s.Account
	if blank(a.IBAN) && blank(a.Number) {
		p.add(field("account"), CodeRequired, "needs an iban or a number")
	}
	p.iban(field("account").child("iban"), a.IBAN)
	p.bic(field("account").child("bic"), a.BIC)
	if a.Currency != "" {
		p.currency(field("account").child("currency"), a.Currency)
	}
	cur := a.Currency
	if cur == "" && len(s.Entries) > 0 {
		cur = s.Entries[0].Currency
	}
	p.precision(field("opening_balance"), s.OpeningBalance, cur)
	p.precision(field("closing_balance"), s.ClosingBalance, cur)
	p.date(field("opening_date"), s.OpeningDate)
	p.date(field("closing_date"), s.ClosingDate)
	p.dateOrder(field("closing_date"), s.ClosingDate, "opening_date", s.OpeningDate)
	for i := range s.Entries {
		p.bankEntry(func(name string) fieldPath { return elem("entries", i, name) }, &s.Entries[i], a.Currency)
	}
	if s.StatementType != "" && !s.StatementType.Valid() {
		p.add(field("statement_type"), CodeInvalidStatus, "%s is not a statement type (statement, interim, notification)", clip(string(s.StatementType)))
	}
	for i := range s.Balances {
		p.required(elem("balances", i, "type"), s.Balances[i].Type)
		p.precision(elem("balances", i, "amount"), &s.Balances[i].Amount, cur)
		p.date(elem("balances", i, "date"), s.Balances[i].Date)
	}
	p.balance(s)
	p.source(field("source"), s.Source)
	return p.err()
}

// bankEntry checks one statement entry; at names its fields, accountCurrency
// is the account's currency ("" when the account names none).
func (p *problems) bankEntry(at func(string) fieldPath, e *BankTransaction, accountCurrency Currency) {
	p.currency(at("currency"), e.Currency)
	if accountCurrency != "" && e.Currency != "" && e.Currency != accountCurrency {
		p.add(at("currency"), CodeCurrency, "is %s but the account is in %s", clip(string(e.Currency)), accountCurrency)
	}
	p.precision(at("amount"), &e.Amount, e.Currency)
	p.date(at("booking_date"), e.BookingDate)
	p.date(at("value_date"), e.ValueDate)
	if c := e.Counterparty; c != nil {
		p.iban(at("counterparty").child("iban"), c.IBAN)
		p.bic(at("counterparty").child("bic"), c.BIC)
	}
	switch e.Status {
	case "", EntryBooked, EntryPending, EntryInfo:
	default:
		p.add(at("status"), CodeInvalidStatus, "%s is not an entry status (booked, pending, info)", clip(string(e.Status)))
	}
	if e.OriginalCurrency != "" {
		p.currency(at("original_currency"), e.OriginalCurrency)
	}
	if e.OriginalAmount != nil && e.OriginalCurrency == "" {
		p.add(at("original_currency"), CodeRequired, "is required with original_amount")
	}
}

// Validate checks a bank transaction message: statement_id and the account
// (iban or number) are required, entry_index runs from 1 to entry_count,
// and the entry is checked as a statement's entries are.
func (e *StatementEntry) Validate() error {
	var p problems
	p.required(field("statement_id"), e.StatementID)
	a := e.Account
	if blank(a.IBAN) && blank(a.Number) {
		p.add(field("account"), CodeRequired, "needs an iban or a number")
	}
	p.iban(field("account").child("iban"), a.IBAN)
	p.bic(field("account").child("bic"), a.BIC)
	if e.EntryIndex < 1 || e.EntryIndex > e.EntryCount {
		p.add(field("entry_index"), CodeNotPositive, "%d is not between 1 and entry_count %d", e.EntryIndex, e.EntryCount)
	}
	if e.StatementType != "" && !e.StatementType.Valid() {
		p.add(field("statement_type"), CodeInvalidStatus, "%s is not a statement type (statement, interim, notification)", clip(string(e.StatementType)))
	}
	if e.BalanceCheck != "" && !e.BalanceCheck.Valid() {
		p.add(field("balance_check"), CodeInvalidStatus, "%s is not a balance check (ok, mismatch)", clip(string(e.BalanceCheck)))
	}
	p.bankEntry(func(name string) fieldPath { return field("entry").child(name) }, &e.Entry, a.Currency)
	p.source(field("source"), e.Source)
	return p.err()
}

func (p *problems) balance(s *BankStatement) {
	if s.BalanceCheck != "" && !s.BalanceCheck.Valid() {
		p.add(field("balance_check"), CodeInvalidStatus, "%s is not a balance check (ok, mismatch)", clip(string(s.BalanceCheck)))
		return
	}
	if s.OpeningBalance == nil || s.ClosingBalance == nil {
		if s.BalanceDifference != nil {
			p.add(field("balance_difference"), CodeBalanceCheck, "is given but opening_balance and closing_balance are not both given")
		}
		if s.BalanceCheck != "" {
			p.add(field("balance_check"), CodeBalanceCheck, "is %s but opening_balance and closing_balance are not both given", s.BalanceCheck)
		}
		return
	}
	sum := s.entrySum()
	computed := s.OpeningBalance.Add(sum)
	adds := computed.Equal(s.ClosingBalance.Decimal)
	if d := s.BalanceDifference; d != nil && !d.Decimal.Equal(s.ClosingBalance.Sub(computed)) {
		p.add(field("balance_difference"), CodeBalanceCheck, "is %s but closing %s minus opening %s plus entries %s is %s",
			d, s.ClosingBalance, s.OpeningBalance, Decimal{sum}, Decimal{s.ClosingBalance.Sub(computed)})
	}
	switch {
	case adds && s.BalanceCheck == BalanceMismatch:
		p.add(field("balance_check"), CodeBalanceCheck, "is mismatch but opening %s plus entries %s equals closing %s", s.OpeningBalance, Decimal{sum}, s.ClosingBalance)
	case !adds && s.BalanceCheck == BalanceOK:
		p.add(field("balance_check"), CodeBalanceCheck, "is ok but opening %s plus entries %s is %s, not closing %s", s.OpeningBalance, Decimal{sum}, Decimal{computed}, s.ClosingBalance)
	case !adds && s.BalanceCheck == "":
		p.add(field("closing_balance"), CodeBalanceMismatch, "is %s but opening %s plus entries %s is %s", s.ClosingBalance, s.OpeningBalance, Decimal{sum}, Decimal{computed})
	}
}

func (s *BankStatement) entrySum() decimal.Decimal {
	var sum decimal.Decimal
	for i := range s.Entries {
		sum = sum.Add(s.Entries[i].Amount.Decimal)
	}
	return sum
}

// SetBalanceCheck sets BalanceCheck from CheckBalance and, when both
// balances are given, BalanceDifference (closing − (opening + entries)):
// what a parser calls once a statement is complete.
func (s *BankStatement) SetBalanceCheck() {
	s.BalanceCheck = s.CheckBalance()
	s.BalanceDifference = nil
	if s.BalanceCheck != "" {
		d := Decimal{s.ClosingBalance.Sub(s.OpeningBalance.Add(s.entrySum()))}
		s.BalanceDifference = &d
	}
}

// CheckBalance compares the opening balance plus the entries with the
// closing balance: BalanceOK when they agree, BalanceMismatch when they do
// not, "" when either balance is missing. Connectors set BalanceCheck from it.
func (s *BankStatement) CheckBalance() BalanceCheck {
	if s.OpeningBalance == nil || s.ClosingBalance == nil {
		return ""
	}
	if s.OpeningBalance.Add(s.entrySum()).Equal(s.ClosingBalance.Decimal) {
		return BalanceOK
	}
	return BalanceMismatch
}

// Validate checks an order event: event_id, order_number, buyer_id, type and
// occurred_at are required; type is snake_case ("order_created"); data, when
// given, is valid JSON.
func (e *OrderEvent) Validate() error {
	var p problems
	p.required(field("event_id"), e.EventID)
	p.required(field("order_number"), e.OrderNumber)
	p.required(field("buyer_id"), e.BuyerID)
	switch {
	case e.Type == "":
		p.add(field("type"), CodeRequired, "is required")
	case !snakeCase(string(e.Type)):
		p.add(field("type"), CodeInvalidFormat, "%s is not a snake_case event type such as %q", clip(string(e.Type)), EventOrderCreated)
	}
	if e.OccurredAt.IsZero() {
		p.add(field("occurred_at"), CodeRequired, "is required")
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		p.add(field("data"), CodeInvalidFormat, "is not valid JSON")
	}
	p.source(field("source"), e.Source)
	return p.err()
}

// snakeCase reports whether s matches ^[a-z][a-z0-9_]*$.
func snakeCase(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
