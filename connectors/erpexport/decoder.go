package erpexport

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// Format is the format name of ERP export CSV files (`procurehub parse --format erp_csv`).
const Format = "erp_csv"

// ctxCheckEvery is how many rows are read between two looks at the context.
const ctxCheckEvery = 256

// maxRow bounds one row (with its quoted line breaks): ERP rows are a few
// hundred bytes (a long free-text description some megabytes), and a quote
// left open would otherwise read the rest of the file into one field. A
// longer row stops the file there with a file error.
const maxRow = 16 << 20

// CodeRowTooLong is the file error of a row longer than maxRow.
const CodeRowTooLong = "row_too_long"

// rowBudget is the reader under the CSV reader: it refuses to hand out
// more than maxRow bytes (plus the CSV reader's read-ahead) past where the
// current row began.
type rowBudget struct {
	r     io.Reader
	read  int64 // bytes handed out
	limit int64 // read may not pass it
}

var errRowTooLong = errors.New("row too long")

func (b *rowBudget) Read(p []byte) (int, error) {
	if b.read >= b.limit {
		return 0, errRowTooLong
	}
	if room := b.limit - b.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// readAhead is how far the CSV reader's own buffer may read ahead of the row.
const readAhead = 64 << 10

// Decoder reads ERP export CSV files into canonical orders through a
// mapping. It streams: memory stays flat however long the file is (it grows
// only with the number of orders, to catch an order whose rows are split).
// One Decoder may decode several inputs at once.
type Decoder struct {
	rules *mapping.Rules
}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder checks the mapping and returns a decoder for it. For `procurehub
// parse`: m, err := mapping.Load(path); d, err := erpexport.NewDecoder(m).
func NewDecoder(m *mapping.Mapping) (*Decoder, error) {
	r, err := m.Compile()
	if err != nil {
		return nil, err
	}
	return &Decoder{rules: r}, nil
}

// Decode reads one CSV file. Lines are the file's physical 1-based lines (a
// quoted field with line breaks counts them all; a banner above the header
// keeps its lines). Blank rows are skipped. A header that does not fit the
// mapping, an empty file or a file that is not text is a *FileError before
// any record. A row with another number of fields than the header (extra
// empty fields at the end excepted) or with undecodable text is a row error;
// other problems are the mapping's (see mapping.OrderBuilder). Decode checks
// ctx every few hundred rows and returns ctx.Err() once it is cancelled.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wrap := func(err error) error { return fmt.Errorf("%s: %s: %w", Format, in.Name, err) }
	br, text, err := openText(r, d.rules.Encoding(), in.Name)
	if err != nil {
		var fe *connectors.FileError
		if errors.As(err, &fe) {
			return err
		}
		return wrap(err)
	}
	skipped, err := skipLines(br, d.rules.HeaderRow()-1)
	if err != nil {
		return wrap(err)
	}
	delim := d.rules.Delimiter()
	detected := delim == 0
	if detected {
		delim = detectDelimiter(br)
	}
	budget := &rowBudget{r: br, limit: maxRow + readAhead}
	cr := csv.NewReader(budget)
	cr.Comma = delim
	cr.LazyQuotes = true    // `Schraube 1/2"` is text, as spreadsheets write it
	cr.FieldsPerRecord = -1 // field counts are checked here, with a row error
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, errRowTooLong) {
		return &connectors.FileError{File: in.Name, Line: d.rules.HeaderRow(), Code: CodeRowTooLong,
			Message: fmt.Sprintf("the header is longer than %d KiB: this is not a CSV export", maxRow>>10)}
	}
	if errors.Is(err, io.EOF) {
		msg := "the file is empty: there is no header"
		if skipped > 0 {
			msg = fmt.Sprintf("the file ends before its header on line %d", d.rules.HeaderRow())
		}
		return &connectors.FileError{File: in.Name, Line: d.rules.HeaderRow(), Code: CodeNoHeader, Message: msg}
	}
	if err != nil {
		return wrap(err)
	}
	headerLine, _ := cr.FieldPos(0)
	headerLine += skipped
	header = slices.Clone(header) // the reader reuses its slice
	for i, h := range header {
		header[i], _ = text.convert(h)
	}
	connector := in.Connector
	if connector == "" {
		connector = Kind
	}
	src := canonical.Source{Connector: connector, Partner: in.Partner, File: in.Name, Line: headerLine}
	b, err := d.rules.NewBuilder(src, header, out)
	if err != nil {
		var fe *connectors.FileError
		if detected && errors.As(err, &fe) && fe.Code == mapping.CodeWrongHeader {
			fe.Message += fmt.Sprintf(" (read with the detected delimiter %q)", delim)
		}
		return err
	}
	cols := b.Columns()
	lastLine := headerLine // the last line of the last row read
	for n := 1; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		budget.limit = cr.InputOffset() + maxRow + readAhead
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errRowTooLong) {
			// The order being gathered is left out: its rows may go on
			// after the bad row. The partner sends the file again.
			return &connectors.FileError{File: in.Name, Line: lastLine + 1, Code: CodeRowTooLong,
				Message: fmt.Sprintf("the row after line %d is longer than %d KiB (is a quote not closed?); the file is read up to the order before it", lastLine, maxRow>>10)}
		}
		if err != nil {
			return wrap(err)
		}
		line, _ := cr.FieldPos(0)
		line += skipped
		lastLine, _ = cr.FieldPos(len(rec) - 1)
		lastLine += skipped
		if blank(rec) {
			continue
		}
		if len(rec) > len(header) && blank(rec[len(header):]) {
			rec = rec[:len(header)] // a delimiter at the end of the line
		}
		if len(rec) != len(header) {
			if err := b.BadRow(ctx, line, nil, fieldCountError(cr, rec, len(header), line, skipped)); err != nil {
				return err
			}
			continue
		}
		if err := d.row(ctx, b, text, header, cols, line, rec); err != nil {
			return err
		}
	}
	return b.Finish(ctx)
}

// row converts the cells the mapping reads and hands the row on.
func (d *Decoder) row(ctx context.Context, b mapping.RowBuilder, text *cellText, header []string, cols []int, line int, rec []string) error {
	for _, c := range cols {
		s, ok := text.convert(rec[c])
		if !ok {
			return b.BadRow(ctx, line, rec, connectors.RowError{Column: c + 1, Field: header[c], Code: CodeInvalidEncoding,
				Message: "the text is not valid UTF-8 (does the file mix encodings?)"})
		}
		rec[c] = s
	}
	return b.Row(ctx, line, rec)
}

// fieldCountError describes a row whose number of fields is not the
// header's; a row that runs over many lines hints at a quote left open.
func fieldCountError(cr *csv.Reader, rec []string, want, line, skipped int) connectors.RowError {
	msg := fmt.Sprintf("has %d fields, the header has %d", len(rec), want)
	if last, _ := cr.FieldPos(len(rec) - 1); last+skipped > line {
		msg += fmt.Sprintf("; the row runs on to line %d: is a quote not closed?", last+skipped)
	}
	return connectors.RowError{Code: CodeFieldCount, Message: msg}
}

// blank reports whether every field is empty or spaces (";;;" is a blank row).
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
