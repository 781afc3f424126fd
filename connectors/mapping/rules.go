package mapping

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
)

// Encodings a mapping may name, after aliases are resolved.
const (
	EncodingAuto        = "auto"
	EncodingUTF8        = "utf-8"
	EncodingUTF16       = "utf-16"
	EncodingLatin1      = "latin-1"
	EncodingWindows1252 = "windows-1252"
)

var encodingAliases = map[string]string{
	"": EncodingAuto, "auto": EncodingAuto,
	"utf-8": EncodingUTF8, "utf8": EncodingUTF8,
	"utf-16": EncodingUTF16, "utf16": EncodingUTF16,
	"latin-1": EncodingLatin1, "latin1": EncodingLatin1, "iso-8859-1": EncodingLatin1,
	"windows-1252": EncodingWindows1252, "cp1252": EncodingWindows1252,
}

// Rules is a checked mapping, ready to build the records of its document
// type. It never changes after Compile and is safe for concurrent use.
type Rules struct {
	doc       *document
	encoding  string
	delimiter rune // 0: detect from the header line
	headerRow int
	headerSet bool // header_row was written in the mapping
	sheet     string
	sheetNum  int // 1-based sheet position when sheet is a number; 0 otherwise
	trim      bool
	num       numberFormat
	dates     []dateFormat
	datesHint string // "DD.MM.YYYY or YYYY-MM-DD", for messages

	header    [numFields]string // column header of each field; "" when it has none
	optional  [numFields]bool
	required  [numFields]bool
	constants [numFields]*value
	values    [numFields]*valueMap
}

// Document is the document type the rows are: one of the Document
// constants (DocumentOrder by default).
func (r *Rules) Document() string { return r.doc.name }

// Encoding is the file encoding: one of the Encoding constants.
func (r *Rules) Encoding() string { return r.encoding }

// Delimiter is the field delimiter, or 0 when it is to be detected.
func (r *Rules) Delimiter() rune { return r.delimiter }

// HeaderRow is the 1-based line of the header.
func (r *Rules) HeaderRow() int { return r.headerRow }

// HeaderRowSet reports whether the mapping names the header row; when it
// does not, a spreadsheet decoder may look for the header among the first rows.
func (r *Rules) HeaderRowSet() bool { return r.headerSet }

// Sheet returns the worksheet the mapping selects: a name, or a 1-based
// position (name ""); both zero mean the first sheet.
func (r *Rules) Sheet() (name string, position int) {
	if r.sheetNum > 0 {
		return "", r.sheetNum
	}
	return r.sheet, 0
}

// Compile checks the mapping and returns its Rules. Every problem is
// reported (joined), each as a *config.Error with file:line:column when the
// mapping was read from YAML.
func (m *Mapping) Compile() (*Rules, error) {
	c := compiler{m: m}
	r := &Rules{}
	c.text(r)
	if c.document(r) {
		c.fields(r)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return r, nil
}

// compiler collects problems with their positions while a mapping is compiled.
type compiler struct {
	m    *Mapping
	errs []error
}

// fail records a problem at a key path such as ("columns", "lines.qty");
// with atValue the position is that of the key's value.
func (c *compiler) fail(path []string, atValue bool, format string, args ...any) {
	msg := strings.Join(path, ": ") + ": " + fmt.Sprintf(format, args...)
	if c.m.node == nil {
		c.errs = append(c.errs, errors.New("mapping: "+msg))
		return
	}
	line, col := position(c.m.node, path, atValue)
	c.errs = append(c.errs, &config.Error{File: c.m.file, Line: line, Column: col, Message: msg})
}

// position finds a key path in a YAML tree; numbers index sequences. It
// stops at the deepest node it finds.
func position(n *yaml.Node, path []string, atValue bool) (line, col int) {
	line, col = n.Line, n.Column
	for i, key := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k := n.Content[j]; k.Value == key {
					next = n.Content[j+1]
					if !atValue || i < len(path)-1 {
						line, col = k.Line, k.Column
					}
					break
				}
			}
		case yaml.SequenceNode:
			if idx, err := strconv.Atoi(key); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line, col = next.Line, next.Column
			}
		}
		if next == nil {
			return line, col
		}
		n = next
		if atValue && i == len(path)-1 {
			line, col = n.Line, n.Column
		}
	}
	return line, col
}

// text compiles how the file's text is read: encoding, delimiter, header
// row, trimming, numbers and dates.
func (c *compiler) text(r *Rules) {
	m := c.m
	enc, ok := encodingAliases[strings.ToLower(strings.TrimSpace(m.Encoding))]
	if !ok {
		c.fail([]string{"encoding"}, true, "%q is not an encoding (use auto, utf-8, utf-16, latin-1 or windows-1252)", m.Encoding)
	}
	r.encoding = enc

	switch d := m.Delimiter; {
	case d == "" || d == "auto":
	case d == "tab" || d == `\t`:
		r.delimiter = '\t'
	case utf8.RuneCountInString(d) == 1 && !strings.ContainsAny(d, "\"\r\n\uFEFF") && d != string(utf8.RuneError):
		r.delimiter, _ = utf8.DecodeRuneInString(d)
	default:
		c.fail([]string{"delimiter"}, true, "%q is not a delimiter (use auto, tab or one character other than a quote or a line break)", d)
	}

	r.headerRow = m.HeaderRow
	r.headerSet = m.HeaderRow != 0
	if sheet := strings.TrimSpace(m.Sheet); sheet != "" {
		if n, err := strconv.Atoi(sheet); err == nil {
			if n < 1 {
				c.fail([]string{"sheet"}, true, "sheet position must be 1 or more, got %d", n)
			}
			r.sheetNum = n
		} else {
			r.sheet = sheet
		}
	}
	if r.headerRow == 0 {
		r.headerRow = 1
	}
	if r.headerRow < 0 {
		c.fail([]string{"header_row"}, true, "must be 1 or more, got %d", m.HeaderRow)
	}
	r.trim = m.Trim == nil || *m.Trim

	mark := m.DecimalMark
	if mark == "" {
		mark = "."
	}
	if mark != "." && mark != "," {
		c.fail([]string{"decimal_mark"}, true, `%q is not a decimal mark (use "." or ",")`, m.DecimalMark)
		mark = "."
	}
	sep := m.ThousandsSeparator
	switch {
	case sep != "" && sep != "." && sep != "," && sep != " " && sep != "'":
		c.fail([]string{"thousands_separator"}, true, `%q is not a thousands separator (use "", ".", ",", " " or "'")`, sep)
		sep = ""
	case sep == mark:
		c.fail([]string{"thousands_separator"}, true, "%q is also the decimal mark", sep)
		sep = ""
	}
	r.num = newNumberFormat(mark, sep)

	formats := m.DateFormats
	if len(formats) == 0 {
		formats = []string{"YYYY-MM-DD"}
	}
	for i, f := range formats {
		df, err := parseDateNotation(f)
		if err != nil {
			c.fail([]string{"date_formats", strconv.Itoa(i)}, true, "%v", err)
			continue
		}
		r.dates = append(r.dates, df)
	}
	r.datesHint = strings.Join(formats, " or ")
}

// document compiles the document type; without a known one the fields
// cannot be checked, and false says so.
func (c *compiler) document(r *Rules) bool {
	r.doc = documentNamed(c.m.Document)
	if r.doc == nil {
		c.fail([]string{"document"}, true, "%q is not a document type (use %s)", c.m.Document, strings.Join(Documents(), ", "))
		return false
	}
	return true
}

// field resolves a field name of the mapping's document, reporting
// unknown ones, and fields of other document types, at path.
func (c *compiler) field(d *document, name string, path []string) (fieldID, bool) {
	f, ok := fieldsByName[name]
	if ok && d.has(f) {
		return f, true
	}
	hint := "; the fields are " + strings.Join(DocumentFields(d.name), ", ")
	if s := d.suggest(name); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	if ok {
		c.fail(path, false, "%q is not a field of document %s (only of %s)%s", name, d.name, docsOf(f), hint)
		return 0, false
	}
	c.fail(path, false, "%q is not a canonical field%s", name, hint)
	return 0, false
}

// suggest finds a field of the document that a name probably means: the
// plural (order_number in a shipment is order_numbers), the line field of
// that name (or, in a catalog, the item or price field), or a common other
// name.
func (d *document) suggest(name string) string {
	short := strings.ToLower(strings.TrimPrefix(name, "lines."))
	cands := append([]string{short + "s", "lines." + short, "lines." + strings.TrimSuffix(short, "s"), short, "prices." + short}, fieldHints[short]...)
	for _, cand := range cands {
		if f, ok := fieldsByName[cand]; ok && d.has(f) && cand != name {
			return cand
		}
	}
	return ""
}

// docsOf lists the document types that have field f.
func docsOf(f fieldID) string {
	var names []string
	for _, d := range documents {
		if d.has(f) {
			names = append(names, d.name)
		}
	}
	return strings.Join(names, ", ")
}

// fieldHints are names people write for canonical fields, for suggestions;
// the first candidate that the mapping's document has is suggested.
var fieldHints = map[string][]string{
	"qty": {"lines.quantity"}, "price": {"lines.unit_price"}, "desc": {"lines.description"},
	"uom": {"lines.unit"}, "item": {"lines.line_number"}, "pos": {"lines.line_number"}, "position": {"lines.line_number"},
	"ean": {"lines.gtin"}, "upc": {"lines.gtin"}, "hs": {"lines.hs_code"}, "origin": {"lines.origin_country"},
	"po": {"order_number", "order_numbers"}, "po_number": {"order_number", "order_numbers"},
	"order_no": {"order_number", "order_numbers"}, "orders": {"order_numbers"},
	"date":          {"order_date", "response_date", "ship_date", "invoice_date", "report_date"},
	"delivery_date": {"requested_delivery_date", "lines.delivery_date"},
	"buyer":         {"buyer.id"}, "supplier": {"supplier.id"}, "vendor": {"supplier.id"},
	"total": {"total_amount"}, "amount": {"lines.amount", "total_amount"},
	"confirmation": {"response_number"}, "confirmation_number": {"response_number"},
	"asn": {"shipment_id"}, "asn_number": {"shipment_id"}, "shipment": {"shipment_id"},
	"tracking": {"tracking_numbers"}, "tracking_number": {"tracking_numbers"}, "awb": {"tracking_numbers"},
	"weight": {"gross_weight.value"}, "gross_weight": {"gross_weight.value"}, "weight_unit": {"gross_weight.unit"},
	"eta": {"estimated_arrival"}, "etd": {"ship_date"},
	"invoice": {"invoice_number"}, "invoice_no": {"invoice_number"},
	"vat": {"tax_amount"}, "tax": {"tax_amount"}, "net": {"line_total"}, "subtotal": {"line_total"},
	"percent": {"percent_complete"}, "progress": {"percent_complete"},
	"ready_date": {"expected_ready_date"}, "comment": {"note"}, "remark": {"note"}, "remarks": {"note"},
}

// fields compiles columns, optional columns, required fields, value maps
// and constants (in that order: constants are read through the value maps),
// then checks that the document gets what it needs.
func (c *compiler) fields(r *Rules) {
	m, d := c.m, r.doc
	if len(m.Columns) == 0 {
		c.fail([]string{"columns"}, false, "map at least %s to a column", d.key)
	}
	for _, name := range sortedKeys(m.Columns) {
		f, ok := c.field(d, name, []string{"columns", name})
		if !ok {
			continue
		}
		h := strings.TrimSpace(m.Columns[name])
		if h == "" {
			c.fail([]string{"columns", name}, true, "the column header is empty")
			continue
		}
		r.header[f] = h
	}
	if len(m.Columns) > 0 && r.header[d.key] == "" {
		c.fail([]string{"columns"}, false, "%s needs a column: it is what %s", d.key, d.keyWhy)
	}
	for i, name := range m.OptionalColumns {
		path := []string{"optional_columns", strconv.Itoa(i)}
		f, ok := c.field(d, name, path)
		switch {
		case !ok:
		case r.header[f] == "":
			c.fail(path, true, "%s has no column under columns", name)
		case f == d.key:
			c.fail(path, true, "the %s column cannot be optional", name)
		default:
			r.optional[f] = true
		}
	}
	r.required[d.key] = true
	for _, f := range d.needs {
		r.required[f] = true
	}
	for i, name := range m.Required {
		if f, ok := c.field(d, name, []string{"required", strconv.Itoa(i)}); ok {
			r.required[f] = true
		}
	}
	for _, name := range sortedKeys(m.Values) {
		f, ok := c.field(d, name, []string{"values", name})
		if !ok {
			continue
		}
		if r.header[f] == "" && m.Constants[name] == "" {
			c.fail([]string{"values", name}, false, "%s has no column and no constant to map", name)
			continue
		}
		for _, from := range sortedKeys(m.Values[name]) {
			to := m.Values[name][from]
			if _, code, msg := r.convert(f, to); code != "" {
				c.fail([]string{"values", name, from}, true, "maps to %s", msg)
			}
		}
		r.values[f] = newValueMap(m.Values[name])
	}
	for _, name := range sortedKeys(m.Constants) {
		path := []string{"constants", name}
		f, ok := c.field(d, name, path)
		if !ok {
			continue
		}
		switch {
		case f == d.key:
			c.fail(path, false, "%s cannot be a constant: it %s", name, d.keyWhy)
			continue
		case f == d.group:
			c.fail(path, false, "%s cannot be a constant: each %s has its own", name, d.noun)
			continue
		case f == fLineNumber && d.autoNumber:
			c.fail(path, false, "lines.line_number cannot be a constant (without a column, lines are numbered 1..n)")
			continue
		case f == fLineNumber && d.lines:
			c.fail(path, false, "lines.line_number cannot be a constant: each line names the order line it is about")
			continue
		}
		v, empty, code, msg := r.cell(f, m.Constants[name])
		switch {
		case empty:
			c.fail(path, true, "the constant is empty")
		case code != "":
			c.fail(path, true, "%s", msg)
		default:
			r.constants[f] = &v
		}
	}
	for i, name := range m.Required {
		if f, ok := fieldsByName[name]; ok && d.has(f) && r.header[f] == "" && r.constants[f] == nil {
			c.fail([]string{"required", strconv.Itoa(i)}, true, "%s has no column and no constant", name)
		}
	}
	c.needs(r)
}

// needs checks that the mapping feeds what every record of its document
// type must have.
func (c *compiler) needs(r *Rules) {
	d := r.doc
	if len(c.m.Columns) == 0 {
		return // already reported
	}
	fed := func(f fieldID) bool { return r.header[f] != "" || r.constants[f] != nil }
	for _, f := range d.needs {
		if !fed(f) {
			c.fail([]string{"columns"}, false, "%s needs a column or a constant: every %s has one", f, d.noun)
		}
	}
	for _, choice := range d.oneOf {
		if !slices.ContainsFunc(choice.fields, fed) {
			names := make([]string, len(choice.fields))
			for i, f := range choice.fields {
				names[i] = f.String()
			}
			c.fail([]string{"columns"}, false, "map %s to a column or a constant: %s", strings.Join(names, " or "), choice.why)
		}
	}
	if d.lineRefs && r.header[fLineNumber] == "" {
		for f := fLineNumber; f < numFields; f++ {
			if d.has(f) && fed(f) {
				c.fail([]string{"columns"}, false, "lines.line_number needs a column when %s is mapped: the lines of a %s name the order line they are about", f, d.noun)
				break
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cell reads one cell (or constant) of field f: trim, value map, conversion.
// empty reports a cell without a value; a non-empty code is a problem
// described by msg.
func (r *Rules) cell(f fieldID, raw string) (v value, empty bool, code, msg string) {
	s := r.trimmed(f, raw)
	if s == "" {
		return value{}, true, "", ""
	}
	if vm := r.values[f]; vm != nil {
		if to, ok := vm.lookup(s); ok {
			s = to
		}
	}
	v, code, msg = r.convert(f, s)
	return v, false, code, msg
}

// trimmed drops the spaces around a cell: always for codes, numbers and
// dates, for text when trim is on.
func (r *Rules) trimmed(f fieldID, s string) string {
	if r.trim || fieldDefs[f].kind != kindText {
		return strings.TrimSpace(s)
	}
	return s
}

// convert turns text into a value of field f. Codes are read by
// canonical's parsers, so their row error codes and messages are canonical's.
func (r *Rules) convert(f fieldID, s string) (v value, code, msg string) {
	var err error
	switch fieldDefs[f].kind {
	case kindText:
		v.s = s
	case kindCurrency:
		var c canonical.Currency
		c, err = canonical.ParseCurrency(s)
		v.s = string(c)
	case kindIncoterm:
		var t canonical.Incoterm
		if r.doc != nil && r.doc.placeInIncoterm {
			t, v.place, err = canonical.ParseIncotermPlace(s) // "FOB Shenzhen"
		} else {
			t, err = canonical.ParseIncoterm(s)
		}
		v.s = string(t)
	case kindCountry:
		var c canonical.Country
		c, err = canonical.ParseCountry(s)
		v.s = string(c)
	case kindUnit:
		var u canonical.Unit
		if u, err = canonical.ParseUnit(s); err != nil {
			return v, canonical.CodeInvalidUnit, err.Error() + " (map it under values: " + f.String() + ")"
		}
		v.s = string(u)
	case kindHSCode:
		var h canonical.HSCode
		h, err = canonical.ParseHSCode(s)
		v.s = string(h)
	case kindGTIN:
		v.s, err = canonical.ParseGTIN(s)
	case kindDate:
		d, ok := parseDate(r.dates, s)
		if !ok {
			return v, canonical.CodeInvalidDate, quote(s) + " is not a date (expected " + r.datesHint + ")"
		}
		v.date = d
	case kindDecimal:
		d, ok := r.num.parse(s)
		if !ok {
			return v, canonical.CodeInvalidDecimal, quote(s) + " is not a decimal (expected like " + r.num.hint + ")"
		}
		v.d = d
	case kindInt:
		n, ok := parsePositiveInt(s)
		if !ok {
			return v, CodeInvalidNumber, quote(s) + " is not a line number (a whole number above zero)"
		}
		v.n = n
	case kindList:
		v.s = normalizeList(s)
	case kindCount:
		n, ok := parseCount(s)
		if !ok {
			return v, CodeInvalidNumber, quote(s) + " is not a count (a whole number, 0 or more)"
		}
		v.n = n
	case kindPercent:
		d, ok := r.num.parse(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if !ok {
			return v, canonical.CodeInvalidDecimal, quote(s) + " is not a percentage (expected like 45, 45% or " + r.num.percentHint + ")"
		}
		if d.IsNegative() || d.GreaterThan(hundred) {
			return v, CodeOutOfRange, quote(s) + " is not a percentage from 0 to 100"
		}
		v.d = d
	case kindStatus:
		st := canonical.ResponseStatus(strings.ToLower(s))
		if !st.Valid() {
			return v, canonical.CodeInvalidStatus, quote(s) + " is not a response status (accepted, rejected, changed); map it under values: " + f.String()
		}
		v.s = string(st)
	}
	if err != nil {
		var pe *canonical.ParseError
		if errors.As(err, &pe) {
			return v, pe.Code, pe.Message
		}
		return v, "invalid", err.Error()
	}
	return v, "", ""
}

// CellKind is how a spreadsheet decoder should render a cell stored as a
// number before the mapping reads it.
type CellKind uint8

const (
	CellText   CellKind = iota // codes, names, lists: a number is written plainly
	CellNumber                 // decimals, counts, percentages: in the mapping's decimal notation
	CellDate                   // dates: a serial number is written in one of the date formats
)

// ColumnKinds returns, for every column the mapping reads (by its header as
// written in the mapping), how the cells of that column are read. A column
// that feeds fields of several kinds is a date column if any is a date, else
// a number column if any is a number.
func (r *Rules) ColumnKinds() map[string]CellKind {
	out := map[string]CellKind{}
	for f := fieldID(0); f < numFields; f++ {
		h := r.header[f]
		if h == "" {
			continue
		}
		k := CellText
		switch fieldDefs[f].kind {
		case kindDate:
			k = CellDate
		case kindDecimal, kindInt, kindCount, kindPercent:
			k = CellNumber
		}
		if old, seen := out[h]; !seen || k > old {
			out[h] = k
		}
	}
	return out
}
