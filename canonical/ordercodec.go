package canonical

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a JSON codec for Order, the hot path of the pipeline. It is
// a drop-in for encoding/json: AppendOrderJSON writes the bytes json.Marshal
// writes, and UnmarshalOrder gives the Order json.Unmarshal gives, without
// reflection and with far fewer allocations. Other record types keep using
// encoding/json. Changing a field of Order, OrderLine, Party, Address or
// Source means changing this file too: TestTheCodecCoversEveryFieldOfAnOrder
// fails until both directions know the field.

// MarshalOrder returns the JSON encoding of o: the same bytes as
// json.Marshal(o). It never fails; the error is there so that it can stand
// in for json.Marshal.
func MarshalOrder(o *Order) ([]byte, error) {
	return AppendOrderJSON(make([]byte, 0, orderSize(o)), o), nil
}

// AppendOrderJSON appends the JSON encoding of o to dst and returns the
// extended buffer. The bytes are exactly those of json.Marshal(o): the same
// field order and omitempty/omitzero rules, decimals as strings with their
// scale, dates as "YYYY-MM-DD", and encoding/json's string escaping (<, >
// and & as \u003c, \u003e and \u0026; U+2028 and U+2029 escaped; invalid
// UTF-8 replaced by \ufffd). A nil o is written as null.
func AppendOrderJSON(dst []byte, o *Order) []byte {
	return appendOrder(dst, o, true)
}

// AppendOrderContentJSON appends the JSON encoding of o without its lineage:
// the same bytes as AppendOrderJSON of a copy of o whose Source and every
// line's Source are nil. It is what a content hash is taken of, without
// copying the order to clear its sources.
func AppendOrderContentJSON(dst []byte, o *Order) []byte {
	return appendOrder(dst, o, false)
}

// MarshalOrderContent returns AppendOrderContentJSON of o in a new buffer.
func MarshalOrderContent(o *Order) []byte {
	return AppendOrderContentJSON(make([]byte, 0, orderSize(o)), o)
}

// orderSize estimates the encoded size of o, so that one allocation holds it.
func orderSize(o *Order) int {
	if o == nil {
		return 8
	}
	return 384 + 256*len(o.Lines)
}

func appendOrder(dst []byte, o *Order, lineage bool) []byte {
	if o == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"order_number":`...)
	dst = appendJSONString(dst, o.OrderNumber)
	if !o.OrderDate.IsZero() {
		dst = append(dst, `,"order_date":`...)
		dst = appendDateJSON(dst, o.OrderDate)
	}
	dst = append(dst, `,"buyer":`...)
	dst = appendPartyJSON(dst, &o.Buyer)
	dst = append(dst, `,"supplier":`...)
	dst = appendPartyJSON(dst, &o.Supplier)
	dst = append(dst, `,"currency":`...)
	dst = appendJSONString(dst, string(o.Currency))
	if o.Incoterm != "" {
		dst = append(dst, `,"incoterm":`...)
		dst = appendJSONString(dst, string(o.Incoterm))
	}
	if o.IncotermPlace != "" {
		dst = append(dst, `,"incoterm_place":`...)
		dst = appendJSONString(dst, o.IncotermPlace)
	}
	if o.TransportMode != "" {
		dst = append(dst, `,"transport_mode":`...)
		dst = appendJSONString(dst, string(o.TransportMode))
	}
	if o.PaymentTerms != "" {
		dst = append(dst, `,"payment_terms":`...)
		dst = appendJSONString(dst, o.PaymentTerms)
	}
	if !o.RequestedDeliveryDate.IsZero() {
		dst = append(dst, `,"requested_delivery_date":`...)
		dst = appendDateJSON(dst, o.RequestedDeliveryDate)
	}
	if o.ShipTo != nil {
		dst = append(dst, `,"ship_to":`...)
		dst = appendAddressJSON(dst, o.ShipTo)
	}
	if o.Lines == nil {
		dst = append(dst, `,"lines":null`...)
	} else {
		dst = append(dst, `,"lines":[`...)
		for i := range o.Lines {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendOrderLineJSON(dst, &o.Lines[i], lineage)
		}
		dst = append(dst, ']')
	}
	if o.TotalAmount != nil {
		dst = append(dst, `,"total_amount":`...)
		dst = appendDecimalJSON(dst, *o.TotalAmount)
	}
	if o.Source != nil && lineage {
		dst = append(dst, `,"source":`...)
		dst = appendSourceJSON(dst, o.Source)
	}
	return append(dst, '}')
}

func appendOrderLineJSON(dst []byte, l *OrderLine, lineage bool) []byte {
	dst = append(dst, `{"line_number":`...)
	dst = strconv.AppendInt(dst, int64(l.LineNumber), 10)
	if l.SKU != "" {
		dst = append(dst, `,"sku":`...)
		dst = appendJSONString(dst, l.SKU)
	}
	if l.BuyerSKU != "" {
		dst = append(dst, `,"buyer_sku":`...)
		dst = appendJSONString(dst, l.BuyerSKU)
	}
	if l.GTIN != "" {
		dst = append(dst, `,"gtin":`...)
		dst = appendJSONString(dst, l.GTIN)
	}
	if l.Description != "" {
		dst = append(dst, `,"description":`...)
		dst = appendJSONString(dst, l.Description)
	}
	dst = append(dst, `,"quantity":`...)
	dst = appendDecimalJSON(dst, l.Quantity)
	dst = append(dst, `,"unit":`...)
	dst = appendJSONString(dst, string(l.Unit))
	dst = append(dst, `,"unit_price":`...)
	dst = appendDecimalJSON(dst, l.UnitPrice)
	if l.Amount != nil {
		dst = append(dst, `,"amount":`...)
		dst = appendDecimalJSON(dst, *l.Amount)
	}
	if l.HSCode != "" {
		dst = append(dst, `,"hs_code":`...)
		dst = appendJSONString(dst, string(l.HSCode))
	}
	if l.OriginCountry != "" {
		dst = append(dst, `,"origin_country":`...)
		dst = appendJSONString(dst, string(l.OriginCountry))
	}
	if l.Source != nil && lineage {
		dst = append(dst, `,"source":`...)
		dst = appendSourceJSON(dst, l.Source)
	}
	return append(dst, '}')
}

func appendPartyJSON(dst []byte, p *Party) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, p.ID)
	if p.Name != "" {
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, p.Name)
	}
	if p.Country != "" {
		dst = append(dst, `,"country":`...)
		dst = appendJSONString(dst, string(p.Country))
	}
	return append(dst, '}')
}

// appendAddressJSON writes an address whose fields are all optional: the
// first one present opens the object without a comma.
func appendAddressJSON(dst []byte, a *Address) []byte {
	dst = append(dst, '{')
	sep := false
	dst = appendOptionalString(dst, &sep, `"name":`, a.Name)
	dst = appendOptionalString(dst, &sep, `"street":`, a.Street)
	dst = appendOptionalString(dst, &sep, `"city":`, a.City)
	dst = appendOptionalString(dst, &sep, `"postal_code":`, a.PostalCode)
	dst = appendOptionalString(dst, &sep, `"country":`, string(a.Country))
	return append(dst, '}')
}

func appendSourceJSON(dst []byte, s *Source) []byte {
	dst = append(dst, '{')
	sep := false
	dst = appendOptionalString(dst, &sep, `"connector":`, s.Connector)
	dst = appendOptionalString(dst, &sep, `"partner":`, s.Partner)
	dst = appendOptionalString(dst, &sep, `"file":`, s.File)
	dst = appendOptionalString(dst, &sep, `"sheet":`, s.Sheet)
	if s.Line != 0 {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = append(dst, `"line":`...)
		dst = strconv.AppendInt(dst, int64(s.Line), 10)
	}
	dst = appendOptionalString(dst, &sep, `"segment":`, s.Segment)
	return append(dst, '}')
}

// appendOptionalString writes `key value` for an omitempty string member,
// preceded by a comma when a member was written before (*sep).
func appendOptionalString(dst []byte, sep *bool, key, value string) []byte {
	if value == "" {
		return dst
	}
	if *sep {
		dst = append(dst, ',')
	}
	*sep = true
	dst = append(dst, key...)
	return appendJSONString(dst, value)
}

// appendDecimalJSON writes what Decimal.MarshalJSON writes.
func appendDecimalJSON(dst []byte, d Decimal) []byte {
	dst = append(dst, '"')
	dst = d.appendText(dst)
	return append(dst, '"')
}

// appendDateJSON writes what Date.MarshalJSON writes: "YYYY-MM-DD", null
// for the zero date, and for dates out of the four-digit range whatever
// Date.String prints.
func appendDateJSON(dst []byte, d Date) []byte {
	if d.IsZero() {
		return append(dst, "null"...)
	}
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return strconv.AppendQuote(dst, d.String())
	}
	y, m := d.Year, int(d.Month)
	return append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d.Day/10), byte('0'+d.Day%10), '"')
}

// htmlSafe marks the ASCII bytes that encoding/json writes inside a string
// as they are: everything from space to DEL except ", \, <, > and &.
// Bytes from 0x80 on are false: they start a multi-byte sequence that is
// checked rune by rune.
var htmlSafe = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string exactly as encoding/json does
// with its default HTML escaping.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := skipHTMLSafe(s, 0); i < len(s); i = skipHTMLSafe(s, i) {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control bytes, <, > and &
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// skipHTMLSafe returns the index of the first byte from i on that
// appendJSONString cannot copy as it is (see htmlSafe), or len(s). It looks
// at eight bytes at a time, as skipPlainBytes does.
func skipHTMLSafe(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		quote, backslash := w^(ones*'"'), w^(ones*'\\')
		lt, gt, amp := w^(ones*'<'), w^(ones*'>'), w^(ones*'&')
		special := ((w - ones*' ') | w | ((quote - ones) &^ quote) | ((backslash - ones) &^ backslash) |
			((lt - ones) &^ lt) | ((gt - ones) &^ gt) | ((amp - ones) &^ amp)) & highs
		if special != 0 {
			return i + bits.TrailingZeros64(special)/8
		}
	}
	for i < len(s) && htmlSafe[s[i]] {
		i++
	}
	return i
}

// UnmarshalOrder decodes data into o and gives the same result as
// json.Unmarshal(data, o): keys matched case-insensitively, unknown keys
// ignored, null leaving a field as it is (or nil for a pointer or the
// lines), decimals as strings or numbers, \uXXXX escapes with surrogate
// pairs, invalid UTF-8 and lone surrogates turned into U+FFFD, the last of
// duplicate keys winning. It returns an error exactly when json.Unmarshal
// does, and then the same error, leaving o as json.Unmarshal leaves it.
//
// The fast decoder handles a JSON object decoded into a zero Order, with
// each key at most once per object: what the pipeline sees. Decimal and
// date forms other than the plain "12.50" and "2026-03-02" go through
// Decimal's and Date's own UnmarshalJSON, as under json.Unmarshal.
// Everything else (a pre-filled o that json.Unmarshal would merge into,
// duplicate keys, integers of more than 18 digits, and any error, which
// costs a second parse) is handed to json.Unmarshal itself, so that rare
// inputs are slower but never different.
func UnmarshalOrder(data []byte, o *Order) error {
	if o == nil || !isZeroOrder(o) {
		return json.Unmarshal(data, o)
	}
	d := orderDecoder{data: data}
	if d.document(o) {
		return nil
	}
	// o was zero before: undo the partial decode and let encoding/json
	// produce its result and error.
	*o = Order{}
	return json.Unmarshal(data, o)
}

func isZeroOrder(o *Order) bool {
	return o.OrderNumber == "" && o.OrderDate.IsZero() && o.Buyer == Party{} && o.Supplier == Party{} &&
		o.Currency == "" && o.Incoterm == "" && o.IncotermPlace == "" && o.TransportMode == "" && o.PaymentTerms == "" &&
		o.RequestedDeliveryDate.IsZero() && o.ShipTo == nil && o.Lines == nil && o.TotalAmount == nil && o.Source == nil
}

// maxNestingDepth is encoding/json's limit on nested arrays and objects.
const maxNestingDepth = 10000

// orderDecoder reads one JSON document into a zero Order. Its methods
// start at the first byte of a value (white space skipped) and return
// false when the input is not valid JSON, does not fit the Order the way
// encoding/json would accept, or takes a path the fast decoder leaves to
// encoding/json; UnmarshalOrder then starts over with json.Unmarshal.
// A method that returns true has consumed its value.
type orderDecoder struct {
	data  []byte
	pos   int
	depth int    // open arrays and objects
	buf   []byte // scratch space for strings with escapes

	// The amounts and sources that lines point to are taken from blocks
	// sized by a guess of the lines left: one allocation for several lines.
	decimals []Decimal
	sources  []Source
}

// blockSize guesses how many more lines the document holds (a realistic
// line is 250 to 300 bytes of JSON).
func (d *orderDecoder) blockSize() int {
	return min(max((len(d.data)-d.pos)/256, 1), 64)
}

func (d *orderDecoder) newDecimal() *Decimal {
	if len(d.decimals) == 0 {
		d.decimals = make([]Decimal, d.blockSize())
	}
	v := &d.decimals[0]
	d.decimals = d.decimals[1:]
	return v
}

func (d *orderDecoder) newSource() *Source {
	if len(d.sources) == 0 {
		d.sources = make([]Source, d.blockSize())
	}
	v := &d.sources[0]
	d.sources = d.sources[1:]
	return v
}

// document reads the whole input: one value and nothing but white space after it.
func (d *orderDecoder) document(o *Order) bool {
	d.skipSpace()
	var ok bool
	switch d.peek() {
	case '{':
		ok = d.order(o)
	case 'n': // json.Unmarshal leaves the Order as it is
		ok = d.literal("null")
	}
	if !ok {
		return false
	}
	d.skipSpace()
	return d.pos == len(d.data)
}

// peek returns the byte at the current position, or 0 at the end of input
// (0 is never valid where a value or delimiter is expected).
func (d *orderDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *orderDecoder) skipSpace() {
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return // compact JSON: nothing to skip
	}
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *orderDecoder) literal(word string) bool {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return false
	}
	d.pos += len(word)
	return true
}

// fieldTable holds the JSON names of a struct's fields in declaration order.
type fieldTable struct {
	names  []string
	keys   []string // `name"`: the key as it usually appears, closing quote included
	folded []string // names as encoding/json folds them for case-insensitive matching
}

func newFieldTable(names ...string) *fieldTable {
	t := &fieldTable{names: names}
	for _, n := range names {
		t.keys = append(t.keys, n+`"`)
		t.folded = append(t.folded, string(appendFoldedName(nil, []byte(n))))
	}
	return t
}

// index returns the field the key names, or -1. Like encoding/json it
// tries the exact name first, then a case-insensitive match. The search
// starts at hint, the field after the previous one, because documents
// usually list fields in declaration order.
func (t *fieldTable) index(key []byte, hint int) int {
	n := len(t.names)
	for i := range n {
		j := hint + i
		if j >= n {
			j -= n
		}
		if string(key) == t.names[j] {
			return j
		}
	}
	var arr [32]byte
	folded := appendFoldedName(arr[:0], key)
	for j, f := range t.folded {
		if string(folded) == f {
			return j
		}
	}
	return -1
}

// appendFoldedName is encoding/json's key folding (its foldName): ASCII
// letters to upper case, other runes to the smallest rune of their Unicode
// simple fold orbit, so that "ſku" (long s) and "SKU" both name "sku".
func appendFoldedName(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// object reads an object whose members are fields of a struct, calling
// member with the index of each known field at the start of its value;
// unknown members are checked and skipped. A field seen twice sends the
// document to encoding/json, which merges the second value into the first.
func (d *orderDecoder) object(fields *fieldTable, member func(field int) bool) bool {
	if !d.open() {
		return false
	}
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return true
	}
	var seen uint64
	next := 0
	for {
		if d.peek() != '"' {
			return false
		}
		// The usual case first: the key is the next field's name, written
		// without escapes.
		f := -1
		if next < len(fields.keys) {
			if k := fields.keys[next]; len(d.data)-d.pos > len(k) && string(d.data[d.pos+1:d.pos+1+len(k)]) == k {
				f = next
				d.pos += 1 + len(k)
			}
		}
		if f < 0 {
			key, ok := d.stringToken()
			if !ok {
				return false
			}
			f = fields.index(key, next)
		}
		d.skipSpace()
		if d.peek() != ':' {
			return false
		}
		d.pos++
		d.skipSpace()
		var ok bool
		if f < 0 {
			ok = d.skipValue()
		} else {
			if seen&(1<<f) != 0 {
				return false
			}
			seen |= 1 << f
			next = f + 1
			ok = member(f)
		}
		if !ok {
			return false
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

// open consumes the [ or { of a new array or object.
func (d *orderDecoder) open() bool {
	d.depth++
	d.pos++
	return d.depth <= maxNestingDepth
}

var orderFields = newFieldTable("order_number", "order_date", "buyer", "supplier", "currency", "incoterm",
	"incoterm_place", "payment_terms", "requested_delivery_date", "ship_to", "lines", "total_amount", "source", "transport_mode")

func (d *orderDecoder) order(o *Order) bool {
	return d.object(orderFields, func(f int) bool {
		switch f { // the indexes of orderFields
		case 0:
			return decodeString(d, &o.OrderNumber, "")
		case 1:
			return d.date(&o.OrderDate)
		case 2:
			return d.party(&o.Buyer)
		case 3:
			return d.party(&o.Supplier)
		case 4:
			return decodeString(d, &o.Currency, "")
		case 5:
			return decodeString(d, &o.Incoterm, "")
		case 6:
			return decodeString(d, &o.IncotermPlace, "")
		case 7:
			return decodeString(d, &o.PaymentTerms, "")
		case 8:
			return d.date(&o.RequestedDeliveryDate)
		case 9:
			return d.address(&o.ShipTo)
		case 10:
			return d.lines(&o.Lines)
		case 11:
			return d.decimalPointer(&o.TotalAmount)
		case 12:
			return d.source(&o.Source, nil)
		default:
			return decodeString(d, &o.TransportMode, "")
		}
	})
}

var orderLineFields = newFieldTable("line_number", "sku", "buyer_sku", "gtin", "description", "quantity",
	"unit", "unit_price", "amount", "hs_code", "origin_country", "source")

// orderLine reads a line; prev is the line before it, whose strings the
// line shares where they are equal.
func (d *orderDecoder) orderLine(l, prev *OrderLine) bool {
	return d.object(orderLineFields, func(f int) bool {
		switch f { // the indexes of orderLineFields
		case 0:
			return d.int(&l.LineNumber)
		case 1:
			return decodeString(d, &l.SKU, prev.SKU)
		case 2:
			return decodeString(d, &l.BuyerSKU, prev.BuyerSKU)
		case 3:
			return decodeString(d, &l.GTIN, prev.GTIN)
		case 4:
			return decodeString(d, &l.Description, prev.Description)
		case 5:
			return d.decimal(&l.Quantity)
		case 6:
			return decodeString(d, &l.Unit, prev.Unit)
		case 7:
			return d.decimal(&l.UnitPrice)
		case 8:
			return d.decimalPointer(&l.Amount)
		case 9:
			return decodeString(d, &l.HSCode, prev.HSCode)
		case 10:
			return decodeString(d, &l.OriginCountry, prev.OriginCountry)
		default:
			return d.source(&l.Source, prev.Source)
		}
	})
}

// lines reads the order lines: null leaves them nil, [] makes them empty
// but not nil, and a null element is a zero line, as with encoding/json.
func (d *orderDecoder) lines(dst *[]OrderLine) bool {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '[':
	default:
		return false
	}
	if !d.open() {
		return false
	}
	// A guess from the bytes left, so that an order rarely regrows its lines.
	lines := make([]OrderLine, 0, min(max((len(d.data)-d.pos)/256, 1), 1024))
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		d.depth--
		*dst = lines
		return true
	}
	var none OrderLine
	for {
		lines = append(lines, OrderLine{})
		switch d.peek() {
		case '{':
			prev := &none
			if n := len(lines); n > 1 {
				prev = &lines[n-2]
			}
			if !d.orderLine(&lines[len(lines)-1], prev) {
				return false
			}
		case 'n':
			if !d.literal("null") {
				return false
			}
		default:
			return false
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			*dst = lines
			return true
		default:
			return false
		}
	}
}

var partyFields = newFieldTable("id", "name", "country")

// party reads a Party; null leaves it as it is.
func (d *orderDecoder) party(p *Party) bool {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
		return d.object(partyFields, func(f int) bool {
			switch f { // the indexes of partyFields
			case 0:
				return decodeString(d, &p.ID, "")
			case 1:
				return decodeString(d, &p.Name, "")
			default:
				return decodeString(d, &p.Country, "")
			}
		})
	}
	return false
}

var addressFields = newFieldTable("name", "street", "city", "postal_code", "country")

// address reads a new Address into *dst; null leaves *dst nil.
func (d *orderDecoder) address(dst **Address) bool {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
		a := new(Address)
		*dst = a
		return d.object(addressFields, func(f int) bool {
			switch f { // the indexes of addressFields
			case 0:
				return decodeString(d, &a.Name, "")
			case 1:
				return decodeString(d, &a.Street, "")
			case 2:
				return decodeString(d, &a.City, "")
			case 3:
				return decodeString(d, &a.PostalCode, "")
			default:
				return decodeString(d, &a.Country, "")
			}
		})
	}
	return false
}

var sourceFields = newFieldTable("connector", "partner", "file", "sheet", "line", "segment")

// source reads a new Source into *dst; null leaves *dst nil. The strings
// are shared with prev (the previous line's source, or nil) where equal.
func (d *orderDecoder) source(dst **Source, prev *Source) bool {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
		if prev == nil {
			prev = &Source{}
		}
		s := d.newSource()
		*dst = s
		return d.object(sourceFields, func(f int) bool {
			switch f { // the indexes of sourceFields
			case 0:
				return decodeString(d, &s.Connector, prev.Connector)
			case 1:
				return decodeString(d, &s.Partner, prev.Partner)
			case 2:
				return decodeString(d, &s.File, prev.File)
			case 3:
				return decodeString(d, &s.Sheet, prev.Sheet)
			case 4:
				return d.int(&s.Line)
			default:
				return decodeString(d, &s.Segment, prev.Segment)
			}
		})
	}
	return false
}

// decodeString reads a JSON string into a string field; null leaves it as
// it is. When the string equals reuse (the same field of the previous line:
// units, countries, file names repeat), the field shares reuse's bytes
// instead of a new copy.
func decodeString[S ~string](d *orderDecoder, dst *S, reuse S) bool {
	switch d.peek() {
	case '"':
		s, ok := d.stringToken()
		switch {
		case !ok:
		case string(s) == string(reuse):
			*dst = reuse
		default:
			*dst = S(s)
		}
		return ok
	case 'n':
		return d.literal("null")
	}
	return false
}

// int reads an int field; null leaves it as it is. A number with a
// fraction or an exponent is an error for encoding/json; those and numbers
// of more than 18 digits are left to it.
func (d *orderDecoder) int(dst *int) bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	start := d.pos
	if !d.numberToken() {
		return false
	}
	s := d.data[start:d.pos]
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) > 18 {
		return false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return true
}

// decimal reads a decimal field as Decimal.UnmarshalJSON does: the plain
// forms directly, the others (exponents, escapes, errors) through the
// method itself; null leaves the field as it is.
func (d *orderDecoder) decimal(dst *Decimal) bool {
	start := d.pos
	switch c := d.peek(); {
	case c == 'n':
		return d.literal("null")
	case c == '"':
		if !d.skipString() {
			return false
		}
	case c == '-' || c >= '0' && c <= '9':
		if !d.numberToken() {
			return false
		}
	default: // an object, array or boolean: an error from the method
		return false
	}
	raw := d.data[start:d.pos]
	if v, ok := parsePlainDecimal(unquoteASCII(raw)); ok {
		*dst = v
		return true
	}
	return dst.UnmarshalJSON(raw) == nil
}

// decimalPointer reads a new Decimal into *dst; null leaves *dst nil.
func (d *orderDecoder) decimalPointer(dst **Decimal) bool {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	v := d.newDecimal()
	*dst = v
	return d.decimal(v)
}

// date reads a date field as Date.UnmarshalJSON does: "YYYY-MM-DD"
// directly, anything else through the method; null is the zero Date.
func (d *orderDecoder) date(dst *Date) bool {
	switch d.peek() {
	case 'n':
		if !d.literal("null") {
			return false
		}
		*dst = Date{}
		return true
	case '"':
	default: // a number, object, array or boolean: an error from the method
		return false
	}
	start := d.pos
	if !d.skipString() {
		return false
	}
	raw := d.data[start:d.pos]
	if v, ok := parsePlainDate(unquoteASCII(raw)); ok {
		*dst = v
		return true
	}
	return dst.UnmarshalJSON(raw) == nil
}

// unquoteASCII returns the inside of a quoted token, or the token itself if
// it is not quoted. Escapes are left as they are: the plain parsers that
// take the result refuse a backslash.
func unquoteASCII(raw []byte) []byte {
	if len(raw) >= 2 && raw[0] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

// parsePlainDate reads "YYYY-MM-DD" with four, two and two digits and
// reports false for anything else or an impossible date; ParseDate accepts
// exactly these when they are real dates of the years 1 to 9999.
func parsePlainDate(s []byte) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	n := 0
	for i, c := range s {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return Date{}, false
		}
		n = n*10 + int(c-'0')
	}
	year, month, day := n/10000, time.Month(n/100%100), n%100
	if year < 1 || month < time.January || month > time.December || day < 1 || day > daysIn(month, year) {
		return Date{}, false
	}
	return Date{year, month, day}, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// plainStringByte marks the bytes a JSON string can hold as they are and
// that need no UTF-8 check: printable ASCII except " and \.
var plainStringByte = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// stringToken reads the JSON string at the current position and returns
// its content as encoding/json decodes it. The result aliases the input
// when the string has no escapes and is valid UTF-8, and d.buf otherwise;
// either way it is only good until the next call.
func (d *orderDecoder) stringToken() ([]byte, bool) {
	data := d.data
	start := d.pos + 1
	for i := start; ; {
		i = skipPlainBytes(data, i)
		switch {
		case i == len(data):
			return nil, false
		case data[i] == '"':
			d.pos = i + 1
			return data[start:i], true
		case data[i] < utf8.RuneSelf: // an escape or a control byte
			return d.unescape(start, i)
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return d.unescape(start, i)
		}
		i += size
	}
}

// skipPlainBytes returns the index of the first byte from i on that is ",
// \, a control byte or not ASCII (or len(data)), looking at eight bytes at
// a time: a string's content is mostly plain ASCII.
func skipPlainBytes(data []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		// A byte gets its high bit set in special if it is below 0x20 or
		// from 0x80 on, or equals " or \. A borrow can flag bytes after a
		// flagged one, never before it, so the lowest flag is exact.
		quote := w ^ (ones * '"')
		backslash := w ^ (ones * '\\')
		special := ((w - ones*' ') | w | ((quote - ones) &^ quote) | ((backslash - ones) &^ backslash)) & highs
		if special != 0 {
			return i + bits.TrailingZeros64(special)/8
		}
	}
	for i < len(data) && plainStringByte[data[i]] {
		i++
	}
	return i
}

// unescape finishes a string that needs rewriting: the content from start
// to i is copied as it is, the rest with escapes resolved and invalid
// UTF-8 and lone surrogates replaced by U+FFFD, the way encoding/json
// unquotes. Control bytes and bad escapes are syntax errors.
func (d *orderDecoder) unescape(start, i int) ([]byte, bool) {
	data := d.data
	buf := append(d.buf[:0], data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = buf
			return buf, true
		case c == '\\':
			if i+1 >= len(data) {
				return nil, false
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r := hex4(data[i+2:])
				if r < 0 {
					return nil, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair is consumed whole; a lone half becomes U+FFFD and
					// whatever follows it is read on its own.
					if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(data[i+2:])); dec != unicode.ReplacementChar {
							buf = utf8.AppendRune(buf, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				return nil, false
			}
			i += 2
		case c < ' ':
			return nil, false
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			buf = utf8.AppendRune(buf, r) // RuneError for an invalid byte
			i += size
		}
	}
	return nil, false
}

// hex4 returns the value of four hex digits at the start of s, or -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// skipString checks and consumes the JSON string at the current position.
func (d *orderDecoder) skipString() bool {
	data := d.data
	for i := d.pos + 1; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return true
		case c == '\\':
			if i+1 >= len(data) {
				return false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(data[i+2:]) < 0 {
					return false
				}
				i += 6
			default:
				return false
			}
		case c < ' ':
			return false
		default: // any other byte, as encoding/json's scanner allows
			i++
		}
	}
	return false
}

// numberToken checks and consumes a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *orderDecoder) numberToken() bool {
	data := d.data
	i := d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return false
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return false
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return false
		}
		i = j
	}
	d.pos = i
	return true
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// skipValue checks and consumes any JSON value: the value of a key the
// Order does not have, which encoding/json ignores once it is valid.
func (d *orderDecoder) skipValue() bool {
	switch c := d.peek(); {
	case c == '"':
		return d.skipString()
	case c == '-' || c >= '0' && c <= '9':
		return d.numberToken()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '{':
		return d.skipContainer('}', true)
	case c == '[':
		return d.skipContainer(']', false)
	}
	return false
}

// skipContainer checks and consumes an object (keyed) or an array.
func (d *orderDecoder) skipContainer(end byte, keyed bool) bool {
	if !d.open() {
		return false
	}
	d.skipSpace()
	if d.peek() == end {
		d.pos++
		d.depth--
		return true
	}
	for {
		if keyed {
			if d.peek() != '"' || !d.skipString() {
				return false
			}
			d.skipSpace()
			if d.peek() != ':' {
				return false
			}
			d.pos++
			d.skipSpace()
		}
		if !d.skipValue() {
			return false
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
			d.skipSpace()
		case end:
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}
