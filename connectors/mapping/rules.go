package mapping

import (
	"errors"
	"fmt"
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

// Rules is a checked mapping, ready to build orders. It never changes after
// Compile and is safe for concurrent use.
type Rules struct {
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
	c.fields(r)
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

// field resolves a field name, reporting unknown ones at path.
func (c *compiler) field(name string, path []string) (fieldID, bool) {
	f, ok := fieldsByName[name]
	if ok {
		return f, true
	}
	hint := "; the fields are " + strings.Join(Fields(), ", ")
	short := strings.ToLower(strings.TrimPrefix(name, "lines."))
	if _, ok := fieldsByName["lines."+short]; ok {
		hint = fmt.Sprintf(" (did you mean %q?)", "lines."+short)
	} else if f, ok := fieldHints[short]; ok {
		hint = fmt.Sprintf(" (did you mean %q?)", f)
	}
	c.fail(path, false, "%q is not a canonical field%s", name, hint)
	return 0, false
}

// fieldHints are names people write for canonical fields, for suggestions.
var fieldHints = map[string]string{
	"qty": "lines.quantity", "price": "lines.unit_price", "desc": "lines.description",
	"uom": "lines.unit", "item": "lines.line_number", "pos": "lines.line_number", "position": "lines.line_number",
	"ean": "lines.gtin", "upc": "lines.gtin", "hs": "lines.hs_code", "origin": "lines.origin_country",
	"po": "order_number", "po_number": "order_number", "order_no": "order_number", "date": "order_date",
	"delivery_date": "requested_delivery_date", "buyer": "buyer.id", "supplier": "supplier.id",
	"vendor": "supplier.id", "total": "total_amount",
}

// fields compiles columns, optional columns, required fields, value maps
// and constants (in that order: constants are read through the value maps).
func (c *compiler) fields(r *Rules) {
	m := c.m
	if len(m.Columns) == 0 {
		c.fail([]string{"columns"}, false, "map at least order_number to a column")
	}
	for _, name := range sortedKeys(m.Columns) {
		f, ok := c.field(name, []string{"columns", name})
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
	if len(m.Columns) > 0 && r.header[fOrderNumber] == "" {
		c.fail([]string{"columns"}, false, "order_number needs a column: it is what groups rows into orders")
	}
	for i, name := range m.OptionalColumns {
		path := []string{"optional_columns", strconv.Itoa(i)}
		f, ok := c.field(name, path)
		switch {
		case !ok:
		case r.header[f] == "":
			c.fail(path, true, "%s has no column under columns", name)
		case f == fOrderNumber:
			c.fail(path, true, "the order_number column cannot be optional")
		default:
			r.optional[f] = true
		}
	}
	r.required[fOrderNumber] = true
	for i, name := range m.Required {
		if f, ok := c.field(name, []string{"required", strconv.Itoa(i)}); ok {
			r.required[f] = true
		}
	}
	for _, name := range sortedKeys(m.Values) {
		f, ok := c.field(name, []string{"values", name})
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
		f, ok := c.field(name, path)
		if !ok {
			continue
		}
		switch f {
		case fOrderNumber:
			c.fail(path, false, "order_number cannot be a constant: it groups rows into orders")
			continue
		case fLineNumber:
			c.fail(path, false, "lines.line_number cannot be a constant (without a column, lines are numbered 1..n)")
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
		if f, ok := fieldsByName[name]; ok && r.header[f] == "" && r.constants[f] == nil {
			c.fail([]string{"required", strconv.Itoa(i)}, true, "%s has no column and no constant", name)
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
		t, err = canonical.ParseIncoterm(s)
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
