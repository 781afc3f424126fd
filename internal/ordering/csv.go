package ordering

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// The columns of a demand file. Headers are matched without regard to case
// and surrounding blanks; columns may come in any order. buyer_sku,
// quantity and need_by are required; every other column may be left out,
// and an empty cell means "not given".
//
//	buyer_sku            the buyer's article number (required)
//	quantity             decimal with a point: 130, 12.5 (required, > 0)
//	unit                 UN/ECE Rec 20 code or a common alias (H87, PCE, KGM); empty: the catalog's unit
//	need_by              YYYY-MM-DD (required)
//	reference            the buyer's reference for the need (requisition number)
//	ship_to_name         delivery address: name
//	ship_to_street       delivery address: street
//	ship_to_city         delivery address: city
//	ship_to_postal_code  delivery address: postal code
//	ship_to_country      delivery address: ISO 3166-1 alpha-2 code (DE, de, Germany are read)
//	buyer_id             the ordering party, when not the planner's buyer
//	buyer_name           its name
//	buyer_country        its ISO 3166-1 alpha-2 country
const (
	ColBuyerSKU         = "buyer_sku"
	ColQuantity         = "quantity"
	ColUnit             = "unit"
	ColNeedBy           = "need_by"
	ColReference        = "reference"
	ColShipToName       = "ship_to_name"
	ColShipToStreet     = "ship_to_street"
	ColShipToCity       = "ship_to_city"
	ColShipToPostalCode = "ship_to_postal_code"
	ColShipToCountry    = "ship_to_country"
	ColBuyerID          = "buyer_id"
	ColBuyerName        = "buyer_name"
	ColBuyerCountry     = "buyer_country"
)

// Columns lists every column a demand file may have, required ones first.
func Columns() []string {
	return []string{ColBuyerSKU, ColQuantity, ColNeedBy, ColUnit, ColReference,
		ColShipToName, ColShipToStreet, ColShipToCity, ColShipToPostalCode, ColShipToCountry,
		ColBuyerID, ColBuyerName, ColBuyerCountry}
}

var requiredColumns = []string{ColBuyerSKU, ColQuantity, ColNeedBy}

// Stable codes of the errors ReadCSV reports, besides canonical's
// (required, invalid_decimal, invalid_date, invalid_unit, invalid_country,
// not_positive) for a bad cell.
const (
	CodeEmpty           = "empty"            // file: no header row
	CodeMissingColumn   = "missing_column"   // file: a required column is not in the header
	CodeUnknownColumn   = "unknown_column"   // file: a header names no demand column (a typo would lose data)
	CodeDuplicateColumn = "duplicate_column" // file: a column is named twice
	CodeFieldCount      = "field_count"      // row: more or fewer cells than the header
	CodeMalformedRow    = "malformed_row"    // row: CSV syntax (a stray quote)
)

// ReadCSV reads a demand file: a header row naming the columns (see ColBuyerSKU
// and the others), then one demand line per row. The delimiter is a comma,
// or a semicolon when the header has more semicolons than commas; a UTF-8
// byte order mark is skipped; blank rows are passed over.
//
// A bad row becomes a connectors.RowError with the file name, the 1-based
// line, the column and field, a stable code and a message, and reading goes
// on: the good rows come back in lines, each with Source set to the file and
// line. A file that cannot be read as a demand file at all (no header, a
// required column missing, an unknown or repeated column) is a
// *connectors.FileError and no lines. A failing read of r is returned
// wrapped, ctx.Err() once ctx is cancelled. ReadCSV never panics.
func ReadCSV(ctx context.Context, name string, r io.Reader) (lines []DemandLine, rowErrs []connectors.RowError, err error) {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	fileErr := func(line int, code, format string, args ...any) error {
		return &connectors.FileError{File: name, Line: line, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, fileErr(0, CodeEmpty, "the file has no header row (%s)", strings.Join(requiredColumns, ", "))
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, fileErr(pe.Line, CodeMalformedRow, "header: %s", pe.Err)
		}
		return nil, nil, fmt.Errorf("ordering: reading %s: %w", name, err)
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range Columns() {
		known[c] = true
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch _, dup := col[h]; {
		case h == "":
			return nil, nil, fileErr(1, CodeUnknownColumn, "column %d has no name", i+1)
		case !known[h]:
			return nil, nil, fileErr(1, CodeUnknownColumn, "column %d %q is not a demand column (%s)", i+1, clip(h), strings.Join(Columns(), ", "))
		case dup:
			return nil, nil, fileErr(1, CodeDuplicateColumn, "column %q is named twice", h)
		}
		col[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, fileErr(1, CodeMissingColumn, "the header has no %s column", c)
		}
	}
	width := len(header)

	for {
		if err := ctx.Err(); err != nil {
			return lines, rowErrs, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return lines, rowErrs, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return lines, rowErrs, fmt.Errorf("ordering: reading %s: %w", name, err)
			}
			rowErrs = append(rowErrs, connectors.RowError{File: name, Line: pe.StartLine, Column: pe.Column, Code: CodeMalformedRow, Message: pe.Err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if len(rec) != width {
			rowErrs = append(rowErrs, connectors.RowError{File: name, Line: line, Code: CodeFieldCount,
				Message: fmt.Sprintf("the row has %d cells, the header %d", len(rec), width)})
			continue
		}
		d, errs := readRow(name, line, rec, col)
		if len(errs) > 0 {
			rowErrs = append(rowErrs, errs...)
			continue
		}
		lines = append(lines, d)
	}
}

// readRow reads one record; every bad cell is a RowError.
func readRow(name string, line int, rec []string, col map[string]int) (DemandLine, []connectors.RowError) {
	var errs []connectors.RowError
	cell := func(c string) string {
		if i, ok := col[c]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	bad := func(c, code, format string, args ...any) {
		errs = append(errs, connectors.RowError{File: name, Line: line, Column: col[c] + 1, Field: c, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	// parseErr is the message of a canonical parser, which quotes the value
	// clipped; the columns parsed this way hold no personal data.
	parseErr := func(c string, err error) {
		code := canonical.CodeInvalidFormat
		var pe *canonical.ParseError
		if errors.As(err, &pe) {
			code = pe.Code
		}
		bad(c, code, "%s", err.Error())
	}
	d := DemandLine{
		BuyerSKU:  cell(ColBuyerSKU),
		Reference: cell(ColReference),
		Source:    &canonical.Source{File: name, Line: line},
		ShipTo: canonical.Address{
			Name: cell(ColShipToName), Street: cell(ColShipToStreet), City: cell(ColShipToCity), PostalCode: cell(ColShipToPostalCode),
		},
		Buyer: canonical.Party{ID: cell(ColBuyerID), Name: cell(ColBuyerName)},
	}
	if d.BuyerSKU == "" {
		bad(ColBuyerSKU, canonical.CodeRequired, "is required")
	}
	if v := cell(ColQuantity); v == "" {
		bad(ColQuantity, canonical.CodeRequired, "is required")
	} else if q, err := canonical.ParseDecimal(v); err != nil {
		parseErr(ColQuantity, err)
	} else if !q.IsPositive() {
		bad(ColQuantity, canonical.CodeNotPositive, "must be greater than zero, got %s", q)
	} else {
		d.Quantity = q
	}
	if v := cell(ColUnit); v != "" {
		u, err := canonical.ParseUnit(v)
		if err != nil {
			parseErr(ColUnit, err)
		}
		d.Unit = u
	}
	if v := cell(ColNeedBy); v == "" {
		bad(ColNeedBy, canonical.CodeRequired, "is required")
	} else if nb, err := canonical.ParseDate(v); err != nil {
		parseErr(ColNeedBy, err)
	} else {
		d.NeedBy = nb
	}
	if v := cell(ColShipToCountry); v != "" {
		c, err := canonical.ParseCountry(v)
		if err != nil {
			parseErr(ColShipToCountry, err)
		}
		d.ShipTo.Country = c
	}
	if v := cell(ColBuyerCountry); v != "" {
		c, err := canonical.ParseCountry(v)
		if err != nil {
			parseErr(ColBuyerCountry, err)
		}
		d.Buyer.Country = c
	}
	if d.Buyer.ID == "" && (d.Buyer.Name != "" || d.Buyer.Country != "") {
		bad(ColBuyerID, canonical.CodeRequired, "is required when buyer_name or buyer_country is given")
	}
	return d, errs
}

func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// sniffDelimiter looks at the first line: a semicolon when it has more
// semicolons than commas (spreadsheets in many European locales write
// those), a comma otherwise.
func sniffDelimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(4096)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if bytes.Count(b, []byte(";")) > bytes.Count(b, []byte(",")) {
		return ';'
	}
	return ','
}
