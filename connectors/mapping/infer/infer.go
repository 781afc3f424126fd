// Package infer proposes a mapping (see package mapping) from a sample of a
// partner's file: it reads the sample's text settings (encoding, delimiter,
// header row, decimal mark, thousands separator, date formats), matches
// each column header against a table of field names in several languages,
// checks the guess against the column's values (currency, country and unit
// codes, Incoterms, dates, numbers, GTINs, HS codes), and places every
// column on at most one canonical field and every field on at most one
// column.
//
// A proposal is a starting point for a person, never a mapping to load
// unseen: Proposal.YAML writes it as a commented mapping file that says so,
// with a confidence and a reason beside every column.
package infer

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/connectors/mapping"
)

// MaxSampleSize is the largest sample Infer reads (8 MiB); a sample needs a
// header and a few rows, not the whole export.
const MaxSampleSize = 8 << 20

// Options says what the sample is.
type Options struct {
	// Document is the document type of the rows (mapping.DocumentOrder,
	// mapping.DocumentShipment, ...); "" means order.
	Document string
	// FileName is the sample's name, written in the proposal's header. A
	// name ending in ".xlsx" makes Infer read the sample as a spreadsheet
	// (its first sheet); any other name, or none, as CSV text.
	FileName string
	// Now is when the proposal is made, for its header; the zero value
	// means time.Now.
	Now time.Time
	// Constants are values known beforehand for fields no column may feed
	// (the buyer.id of the partner's buyer, a currency), written under
	// constants. Each must be a field of the document.
	Constants map[string]string
}

// Proposal is a proposed mapping with the evidence for it. Its JSON form is
// what an API shows; YAML writes it as a mapping file.
type Proposal struct {
	Document   string    `json:"document"`
	FileName   string    `json:"file_name,omitempty"`
	InferredAt time.Time `json:"inferred_at"`
	Settings   Settings  `json:"settings"`
	// Fields lists the placed columns in the order of the document's fields.
	Fields []Field `json:"fields"`
	// Unplaced lists the columns no field was proposed for, in file order.
	Unplaced []Unplaced `json:"unplaced"`
	// Missing lists what a mapping of the document needs but neither a
	// column nor a constant was found for (its key field first): the mapping
	// does not load until a person adds them (the key as a column, the
	// others as a column or a constant). "a or b" means either will do.
	Missing []string `json:"missing"`
	// Constants are Options.Constants, written under constants.
	Constants map[string]string `json:"constants,omitempty"`
	// NeedConstants lists fields every record needs that neither a column
	// nor a constant feeds (an order's buyer.id, currency, lines.unit): the
	// mapping loads, but its records are rejected until a constant is added.
	NeedConstants []string `json:"need_constants"`
	// Rows is how many data rows of the sample were read.
	Rows int `json:"rows"`
}

// Settings are the text settings read from the sample, in the mapping's
// notation.
type Settings struct {
	// Format is "csv" or "xlsx".
	Format string `json:"format"`
	// Encoding is "utf-8", "utf-16" or "windows-1252" ("" for XLSX).
	Encoding string `json:"encoding,omitempty"`
	// Delimiter is ";", ",", "|" or "tab" ("" for XLSX).
	Delimiter string `json:"delimiter,omitempty"`
	// Sheet is the sheet read from a spreadsheet.
	Sheet string `json:"sheet,omitempty"`
	// HeaderRow is the 1-based line (spreadsheet row) of the header.
	HeaderRow          int      `json:"header_row"`
	DecimalMark        string   `json:"decimal_mark"`
	ThousandsSeparator string   `json:"thousands_separator"`
	DateFormats        []string `json:"date_formats"`
	// Notes tell what a person should check, such as dates that could be
	// read day first or month first.
	Notes []string `json:"notes,omitempty"`
}

// Field is one proposed column of a field.
type Field struct {
	Field  string `json:"field"`
	Column string `json:"column"`
	// Index is the column's 0-based position in the header.
	Index int `json:"index"`
	// Confidence is from 0 (a guess) to 1 (header and values agree).
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason"`
	// Values maps text found in the column to a canonical code (units such
	// as "Stk" → H87), for the mapping's values key.
	Values map[string]string `json:"values,omitempty"`
}

// Unplaced is a column that no field was proposed for.
type Unplaced struct {
	Column string `json:"column"`
	Index  int    `json:"index"`
	// Note says why: no field name matched, or another column won the field
	// it looked like.
	Note string `json:"note"`
}

// Errors Infer returns; the message of the error returned says more.
var (
	ErrEmpty    = errors.New("infer: the sample is empty")
	ErrTooLarge = fmt.Errorf("infer: the sample is larger than %d bytes", MaxSampleSize)
	ErrNoHeader = errors.New("infer: no header row found")
)

// Infer proposes a mapping of opts.Document for the sample. It fails only
// when the sample cannot be read as a table with a header (not a spreadsheet,
// no rows, an unknown document type); a sample whose key column is not found
// still gets a proposal, with the key under Missing.
func Infer(sample []byte, opts Options) (*Proposal, error) {
	doc := strings.ToLower(strings.TrimSpace(opts.Document))
	if doc == "" {
		doc = mapping.DocumentOrder
	}
	fields := mapping.DocumentFields(doc)
	if fields == nil {
		return nil, fmt.Errorf("infer: %q is not a document type (use %s)", opts.Document, strings.Join(mapping.Documents(), ", "))
	}
	if err := checkConstants(doc, fields, opts.Constants); err != nil {
		return nil, err
	}
	if len(sample) == 0 {
		return nil, ErrEmpty
	}
	if len(sample) > MaxSampleSize {
		return nil, ErrTooLarge
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &Proposal{Document: doc, FileName: opts.FileName, InferredAt: now.UTC(), Missing: []string{}, NeedConstants: []string{}, Constants: maps.Clone(opts.Constants), Unplaced: []Unplaced{}, Fields: []Field{}}

	var t *table
	var err error
	if strings.EqualFold(filepath.Ext(opts.FileName), ".xlsx") {
		t, err = readXLSX(sample)
	} else {
		t, err = readCSV(sample)
	}
	if err != nil {
		return nil, err
	}
	p.Settings = t.settings
	p.Rows = len(t.rows)

	cols := profileColumns(t)
	p.Settings.DecimalMark, p.Settings.ThousandsSeparator = detectNumbers(cols)
	var notes []string
	p.Settings.DateFormats, notes = detectDateFormats(cols, p.Settings.DecimalMark)
	p.Settings.Notes = append(p.Settings.Notes, notes...)

	assign(p, doc, fields, t, cols)
	p.Missing = missing(doc, fields, p.Fields, p.Constants)
	p.NeedConstants = needConstants(doc, p.Fields, p.Constants, p.Missing)
	return p, nil
}

// checkConstants checks given constants as package mapping reads them:
// fields of the document, values it accepts (a currency code for
// currency), not the key. The check loads a mapping that gives every other
// field a column, so that only the constants can be wrong.
func checkConstants(doc string, fields []string, constants map[string]string) error {
	if len(constants) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "document: %s\ncolumns:\n", doc)
	for i, f := range fields {
		if _, ok := constants[f]; !ok || f == keyField(doc) {
			fmt.Fprintf(&b, "  %s: c%d\n", f, i)
		}
	}
	b.WriteString("constants:\n")
	for _, f := range slices.Sorted(maps.Keys(constants)) {
		fmt.Fprintf(&b, "  %s: %s\n", scalar(f), scalar(constants[f]))
	}
	if _, err := mapping.Parse("constants", []byte(b.String())); err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	return nil
}

// Field returns the proposed column of a canonical field, and whether there
// is one.
func (p *Proposal) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return Field{}, false
}
