// Package mapping turns the rows of a partner's tabular export (CSV now,
// XLSX later) into canonical orders, as a per-partner YAML mapping says:
// which column feeds which canonical field, how the file writes decimals and
// dates, which codes mean what, and which values are fixed.
//
// A mapping file looks like this (every key is described on Mapping and in Keys):
//
//	encoding: latin-1            # auto | utf-8 | utf-16 | latin-1 | windows-1252
//	delimiter: ";"               # auto | one character; "\t" or tab for tabs
//	header_row: 1                # line of the header; lines above it are skipped
//	decimal_mark: ","
//	thousands_separator: "."
//	date_formats: [DD.MM.YYYY, YYYY-MM-DD]
//	columns:                     # canonical field: column header in the file
//	  order_number: Bestellnummer
//	  order_date: Bestelldatum
//	  lines.sku: Artikelnummer
//	  lines.quantity: Menge
//	  lines.unit: Einheit
//	  lines.unit_price: Einzelpreis
//	  lines.gtin: EAN
//	optional_columns: [lines.gtin] # may be missing from the header
//	required: [lines.sku]          # must have a value on every row
//	constants:                     # used when a field has no column or its cell is empty
//	  buyer.id: ACME-DE
//	  currency: EUR
//	values:                        # code lists: text in the file → canonical code
//	  lines.unit: {Stk: EA, kg: KGM, m: MTR}
//
// Rows are grouped into orders by order_number. The rows of one order must
// be next to each other (ERP exports are sorted); an order number that comes
// back after another order is a row error that names the line where it was
// first seen, never a silent merge. Compile checks a mapping and returns the
// Rules that an OrderBuilder runs row by row.
package mapping

import (
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/config"
	"gopkg.in/yaml.v3"
)

// Mapping is a partner's mapping as written in YAML. The zero value of every
// key but columns means its default.
type Mapping struct {
	// Encoding of the file: "auto" (default: a byte order mark decides
	// between UTF-8 and UTF-16; without one the text is UTF-8 until the first
	// byte that is not, and Windows-1252 from the start if that byte comes
	// before any other non-ASCII text), "utf-8", "utf-16" (little endian
	// unless a byte order mark says otherwise), "latin-1" or "windows-1252".
	Encoding string `yaml:"encoding"`
	// Delimiter between fields: "auto" (default: the most frequent of ; , tab
	// and | in the header line) or one character; "tab" also means a tab.
	Delimiter string `yaml:"delimiter"`
	// HeaderRow is the 1-based line of the header (default 1). Lines above
	// it, such as an export banner, are skipped; line numbers in errors stay
	// those of the file.
	HeaderRow int `yaml:"header_row"`
	// Sheet selects the worksheet of a spreadsheet (XLSX): its name, or its
	// 1-based position written as a number. Default: the first sheet. CSV
	// files ignore it.
	Sheet string `yaml:"sheet"`
	// Trim removes spaces around every value (default true).
	Trim *bool `yaml:"trim"`
	// DecimalMark is "." (default) or ",".
	DecimalMark string `yaml:"decimal_mark"`
	// ThousandsSeparator is "" (default: none), ".", ",", " " (also matches
	// no-break spaces) or "'". Separators must group digits by three.
	ThousandsSeparator string `yaml:"thousands_separator"`
	// DateFormats lists the accepted date notations, tried in order (default
	// [YYYY-MM-DD]). Parts: YYYY, YY, MM, M, DD, D, and hh, mm, ss for a time
	// that is read and dropped; separators . / - : and space.
	DateFormats []string `yaml:"date_formats"`
	// Columns maps a canonical field (see Fields) to the header of the column
	// that feeds it. Headers match ignoring case and surrounding spaces.
	Columns map[string]string `yaml:"columns"`
	// OptionalColumns lists fields whose column may be missing from the
	// header. Any other mapped column that is missing rejects the file.
	OptionalColumns []string `yaml:"optional_columns"`
	// Required lists fields that must have a value on every row (from the
	// cell or a constant). order_number is always required.
	Required []string `yaml:"required"`
	// Constants gives a field a fixed value, used when the field has no
	// column or its cell is empty. A constant is read like a cell of the file
	// (value maps, decimal mark and date formats apply).
	Constants map[string]string `yaml:"constants"`
	// Values maps, per field, text found in the file to the canonical code
	// ("Stk" → "EA"). An exact match wins, then a match ignoring case (when
	// the keys that match that way agree); text that is not in the map is
	// kept as written.
	Values map[string]map[string]string `yaml:"values"`

	// Where the mapping was read from, for positions in Validate's errors.
	file string
	node *yaml.Node
}

// Load reads a mapping file strictly (an unknown key is an error naming
// file:line:column), interpolates ${VARS} and validates it.
func Load(path string) (*Mapping, error) {
	doc, err := config.ParseFile(path, nil)
	if err != nil {
		return nil, err
	}
	return Decode(doc.File, doc.Root)
}

// Parse is Load for a mapping held in memory; file names it in errors.
func Parse(file string, b []byte) (*Mapping, error) {
	doc, err := config.Parse(file, b, nil)
	if err != nil {
		return nil, err
	}
	return Decode(doc.File, doc.Root)
}

// Decode decodes a mapping from a YAML node (a mapping file, or a mapping
// written inline in a partner config) strictly and validates it. file names
// the source in errors.
func Decode(file string, node *yaml.Node) (*Mapping, error) {
	var m Mapping
	if err := config.Decode(file, node, &m); err != nil {
		return nil, err
	}
	m.file, m.node = file, node
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the mapping: known canonical fields, columns for required
// fields, date notations, encodings, separators, constants. It reports every
// problem, each with file:line:column when the mapping was read from YAML.
func (m *Mapping) Validate() error {
	_, err := m.Compile()
	return err
}

// Keys documents every key of a mapping, for the connector specs that take a
// mapping and for the generated docs. Names are relative to the mapping
// ("columns"); a spec prefixes them ("mapping.columns").
func Keys() []connectors.Field {
	return []connectors.Field{
		{Name: "encoding", Type: "string", Default: "auto",
			Description: "Text encoding: auto, utf-8, utf-16, latin-1 or windows-1252. auto follows a byte order mark (UTF-8, UTF-16 LE/BE); without one the file is read as UTF-8, or as Windows-1252 when invalid UTF-8 comes before any other non-ASCII text."},
		{Name: "delimiter", Type: "string", Default: "auto",
			Description: `Field delimiter: auto (the most frequent of ; , tab and | in the header line) or one character; "tab" or "\t" for a tab.`, Example: `";"`},
		{Name: "header_row", Type: "int", Default: "1",
			Description: "1-based line of the header row; lines above it (an export banner) are skipped. Line numbers in errors stay those of the file."},
		{Name: "sheet", Type: "string", Default: "the first sheet",
			Description: "Worksheet of a spreadsheet (XLSX): its name, or its 1-based position as a number. Ignored for CSV.", Example: "Orders"},
		{Name: "trim", Type: "bool", Default: "true",
			Description: "Remove spaces around every value."},
		{Name: "decimal_mark", Type: "string", Default: ".",
			Description: `Decimal mark of numbers: "." or ",".`, Example: `","`},
		{Name: "thousands_separator", Type: "string", Default: "",
			Description: `Thousands separator: none, ".", ",", " " (also no-break spaces) or "'". It must group digits by three, so "12.5" is never read as 125.`, Example: `"."`},
		{Name: "date_formats", Type: "list", Default: "[YYYY-MM-DD]",
			Description: "Accepted date notations, tried in order. Parts: YYYY, YY, MM, M, DD, D (M and D also without a leading zero), hh, mm, ss (a time, read and dropped); separators . / - : and space.", Example: "[DD.MM.YYYY, YYYY-MM-DD]"},
		{Name: "columns", Type: "map", Required: true,
			Description: "Canonical field → column header in the file (matched ignoring case and surrounding spaces). Fields: order_number, order_date, buyer.id, buyer.name, supplier.id, supplier.name, currency, incoterm, incoterm_place, payment_terms, requested_delivery_date, ship_to.name, ship_to.country, total_amount, lines.line_number, lines.sku, lines.buyer_sku, lines.gtin, lines.description, lines.quantity, lines.unit, lines.unit_price, lines.amount, lines.hs_code, lines.origin_country. Without lines.line_number, lines are numbered 1..n within each order.", Example: "{order_number: Bestellnummer, lines.quantity: Menge}"},
		{Name: "optional_columns", Type: "list",
			Description: "Fields whose column may be missing from the header; any other mapped column that is missing rejects the file.", Example: "[lines.gtin]"},
		{Name: "required", Type: "list",
			Description: "Fields that must have a value on every row, from the cell or a constant. order_number is always required.", Example: "[lines.sku, lines.unit_price]"},
		{Name: "constants", Type: "map",
			Description: "Field → fixed value, used when the field has no column or its cell is empty; read like a cell (value maps, decimal mark and date formats apply).", Example: "{buyer.id: ACME-DE, currency: EUR}"},
		{Name: "values", Type: "map",
			Description: "Field → {text in the file: canonical code}: code lists such as units (Stk → EA). Exact match first, then ignoring case (when unambiguous); unlisted text is kept as written.", Example: "{lines.unit: {Stk: EA, pcs: C62}}"},
	}
}
