// Package mapping turns the rows of a partner's tabular file (CSV, XLSX)
// into canonical records, as a per-partner YAML mapping says: what the rows
// are (an ERP's order export, or a supplier's order confirmations, advance
// ship notices, commercial invoices, production progress reports or
// catalogs and price lists), which column feeds which canonical field, how
// the file writes decimals and dates, which codes mean what, and which
// values are fixed.
//
// A mapping file looks like this (every key is described on Mapping and in Keys):
//
//	document: order              # order | order_response | shipment | invoice | production_progress | catalog_item
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
// Rows are grouped into records by the document's key: orders by
// order_number, order responses by response_number (by order_number when
// the file has no response_number column), shipments by shipment_id,
// invoices by invoice_number, catalog items by sku. A production progress
// report makes one order event per row. The rows of one record must be next to each other
// (exports are sorted); a key that comes back after another record is a row
// error that names the line where it was first seen, never a silent merge.
// Compile checks a mapping and returns the Rules that a Builder runs row by
// row.
//
// Fields per document type (a "lines." field feeds the record's lines):
//
//   - order: order_number, order_date, buyer.id, buyer.name, supplier.id,
//     supplier.name, currency, incoterm, incoterm_place, payment_terms,
//     requested_delivery_date, ship_to.name, ship_to.country, total_amount,
//     lines.line_number, lines.sku, lines.buyer_sku, lines.gtin,
//     lines.description, lines.quantity, lines.unit, lines.unit_price,
//     lines.amount, lines.hs_code, lines.origin_country.
//   - order_response: order_number, response_number, response_date, status,
//     buyer.id, buyer.name, supplier.id, supplier.name, lines.line_number,
//     lines.sku, lines.status, lines.quantity, lines.unit_price,
//     lines.delivery_date. Statuses are accepted, rejected or changed (map
//     the supplier's words under values). Without a status column the
//     response is accepted or rejected when all its lines are, changed
//     otherwise; a line without a status takes an accepted or rejected
//     response's.
//   - shipment: shipment_id, order_numbers, ship_date, estimated_arrival,
//     carrier, tracking_numbers, packages, gross_weight.value,
//     gross_weight.unit, buyer.*, supplier.*, lines.order_number,
//     lines.line_number, lines.sku, lines.gtin, lines.quantity, lines.unit.
//   - invoice: invoice_number, invoice_date, order_numbers, supplier.*,
//     buyer.*, currency, due_date, line_total, tax_amount, total_amount,
//     payable_amount, lines.line_number, lines.order_number, lines.sku,
//     lines.description, lines.quantity, lines.unit, lines.unit_price,
//     lines.amount. total_amount needs a column (or a constant).
//   - production_progress: order_number, buyer.id, report_date,
//     percent_complete (0–100, "45%" accepted), expected_ready_date,
//     lines.line_number, lines.sku, note. Each row is an order event of
//     type production_progress at midnight UTC of the report date, with an
//     id derived from its content so that a report sent twice dedupes.
//   - catalog_item: supplier.id, supplier.name, sku, buyer_sku,
//     description, category, unit, pack_size, moq, capacity_per_week,
//     capacity_per_month, lead_time_days, hs_code, origin_country,
//     incoterm, incoterm_place, payment_terms, prices.valid_from,
//     prices.valid_to, prices.currency, prices.unit_price. Rows are grouped
//     by sku, so a file holds one supplier's catalog (or suppliers whose
//     SKUs differ), a SKU's rows together; each row is one entry of the
//     item's price list, the other fields must agree across the item's
//     rows (a second supplier for a SKU is a mismatch). The record's key is
//     "<supplier.id>/<sku>". supplier.id and unit need a column or a
//     constant. An item whose rows give no unit price and no validity date
//     has no price list; otherwise every row needs a unit price, and two
//     prices in one currency from the same day are a row error
//     (duplicate_price). An incoterm cell may carry the place ("FOB
//     Shenzhen"), which is the item's incoterm_place unless that is given
//     and differs (a row error). As for every document, one bad row rejects
//     its whole item (its other rows get order_rejected) and the file's
//     other items still arrive. Specifications (specs) cannot be mapped.
//
// A cell of order_numbers or tracking_numbers may list several values
// separated by "," or ";". A line's order number (shipment, invoice) is
// added to order_numbers when it is not there, and a line without one
// takes the document's order number when it names exactly one.
package mapping

import (
	"strings"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/config"
	"gopkg.in/yaml.v3"
)

// Mapping is a partner's mapping as written in YAML. The zero value of every
// key but columns means its default.
type Mapping struct {
	// Document is what the rows are (default "order"): "order",
	// "order_response", "shipment", "invoice", "production_progress" or
	// "catalog_item". It decides the fields the other keys may name and the
	// record type.
	Document string `yaml:"document"`
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
	// Columns maps a canonical field of the document (see DocumentFields) to
	// the header of the column that feeds it. Headers match ignoring case and
	// surrounding spaces.
	Columns map[string]string `yaml:"columns"`
	// OptionalColumns lists fields whose column may be missing from the
	// header. Any other mapped column that is missing rejects the file.
	OptionalColumns []string `yaml:"optional_columns"`
	// Required lists fields that must have a value on every row (from the
	// cell or a constant). The document's key (order_number, shipment_id,
	// invoice_number) is always required.
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

// Validate checks the mapping: the document type and its fields, columns
// for required fields, date notations, encodings, separators, constants. It reports every
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
		{Name: "document", Type: "string", Default: DocumentOrder,
			Description: "What the rows are: order (an ERP's order export), order_response (a supplier's order confirmations; rows grouped by response_number, or by order_number when the file has no response_number column), shipment (advance ship notices, grouped by shipment_id), invoice (commercial invoices, grouped by invoice_number), production_progress (one order event of type production_progress per row) or catalog_item (a supplier's catalog or price list, grouped by sku, one price per row). It decides the fields under columns and the record type.", Example: DocumentOrderResponse},
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
			Description: "Canonical field → column header in the file (matched ignoring case and surrounding spaces). " + columnsDoc(), Example: "{order_number: Bestellnummer, lines.quantity: Menge}"},
		{Name: "optional_columns", Type: "list",
			Description: "Fields whose column may be missing from the header; any other mapped column that is missing rejects the file.", Example: "[lines.gtin]"},
		{Name: "required", Type: "list",
			Description: "Fields that must have a value on every row, from the cell or a constant. The document's key (order_number, shipment_id, invoice_number, sku) is always required.", Example: "[lines.sku, lines.unit_price]"},
		{Name: "constants", Type: "map",
			Description: "Field → fixed value, used when the field has no column or its cell is empty; read like a cell (value maps, decimal mark and date formats apply).", Example: "{buyer.id: ACME-DE, currency: EUR}"},
		{Name: "values", Type: "map",
			Description: "Field → {text in the file: canonical code}: code lists such as units (Stk → EA). Exact match first, then ignoring case (when unambiguous); unlisted text is kept as written.", Example: "{lines.unit: {Stk: EA, pcs: C62}}"},
	}
}

// columnsDoc lists the fields of every document type for Keys, from the
// field table, with the rules that go with them.
func columnsDoc() string {
	var b strings.Builder
	b.WriteString("The fields depend on document. ")
	for i, d := range documents {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name + ": " + strings.Join(d.fieldNames(), ", "))
	}
	b.WriteString(". Without lines.line_number, order and invoice lines are numbered 1..n; order_response and shipment lines need it (the order line they are about). " +
		"A cell of order_numbers or tracking_numbers may list several values separated by , or ;. A line's order number is added to order_numbers, and a line without one takes the only order number. " +
		"Response statuses are accepted, rejected or changed; without a status column a response is accepted or rejected when all its lines are, changed otherwise. " +
		"An invoice needs total_amount. production_progress needs buyer.id and report_date (the event's time, midnight UTC) and percent_complete (0–100, 45% accepted) or expected_ready_date; lines.line_number and lines.sku name the line reported on. " +
		"A catalog_item needs supplier.id and unit; its rows are grouped by sku, each row is one price (prices.*), the other fields agree across an item's rows, and an incoterm cell may carry the place (FOB Shenzhen).")
	return b.String()
}
