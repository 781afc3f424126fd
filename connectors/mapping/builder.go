package mapping

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Row error codes the builder gives, besides the conversion codes
// (invalid_decimal, invalid_date, ...) and canonical validation codes. They
// keep their names for every document type: a row of an advance ship
// notice rejected with its shipment is order_rejected too, so receipts and
// alert rules match one set of codes.
const (
	CodeRequired      = canonical.CodeRequired // a required field has no value
	CodeInvalidNumber = "invalid_number"       // a line number or count that is not a whole number in range
	CodeOutOfRange    = "out_of_range"         // a percentage outside 0–100
	CodeOrderMismatch = "order_mismatch"       // a document-level field differs between rows of one document
	CodeDuplicateLine = "duplicate_line_number"
	CodeOrderSplit    = "order_split"    // a document's key comes back after another document
	CodeOrderRejected = "order_rejected" // a good row of a document that has a bad row
)

// File error codes for a header that does not fit the mapping.
const (
	CodeWrongHeader     = "wrong_header"     // none of the mapped columns is in the header
	CodeMissingColumn   = "missing_column"   // a mapped column is not in the header
	CodeAmbiguousColumn = "ambiguous_column" // a mapped column is in the header twice
)

// RowBuilder turns the rows of one table into canonical records as a
// mapping says. Decoders (CSV, XLSX) feed it row by row: Columns tells
// which cells it reads, Row takes a readable row, BadRow a row the decoder
// could not read (with its error), and Finish flushes the last record.
type RowBuilder interface {
	Columns() []int
	Row(ctx context.Context, line int, cells []string) error
	BadRow(ctx context.Context, line int, cells []string, e connectors.RowError) error
	Finish(ctx context.Context) error
}

var _ RowBuilder = (*Builder)(nil)

// Builder builds the canonical records of the mapping's document type from
// the rows of one table (a CSV file, a sheet) and hands them, with row
// errors, to a sink. Every document type shares it; what is particular to
// one is a table (document) and a few setters (record).
//
// Rows are grouped by the document's key (order_number, response_number,
// shipment_id, invoice_number); a group is complete when a row with
// another key comes, or at Finish. production_progress makes one record
// per row. A complete record is checked with canonical's Validate and
// emitted only when all its rows are good; otherwise each bad row gets its
// own row error and each other row of the group a row error with code
// order_rejected naming the bad lines, so nothing is dropped silently.
// Errors of a group reach the sink in line order when the group is
// complete. Each rejected row gets exactly one row error (several problems
// on one row share it).
//
// A Builder is used from one goroutine. It keeps the group being built and
// the keys seen so far (to catch split groups), so its memory grows with
// the number of records, not of rows.
type Builder struct {
	r   *Rules
	d   *document
	src canonical.Source // lineage of every record: connector, partner, file, sheet
	out connectors.Sink
	rec record

	col        [numFields]int // 0-based column of each field in the table; -1 when none
	header     []string       // the table's header as read, for messages
	cols       []int          // columns the builder reads
	key        fieldID        // groups rows; noField: one record per row
	headFields []fieldID      // document-level fields with a column, the key excepted
	defaults   []fieldID      // document-level fields of the document, the key excepted
	lineFields []fieldID      // line fields with a column or a constant
	hasLines   bool           // each row makes a line
	autoNumber bool           // number lines 1..n: there is no line_number column

	seen    map[string]int // key → line of its first row
	active  bool           // g holds a group being built
	g       group
	pending []int // lines of unreadable rows that may be the start of the next group
}

// OrderBuilder is the Builder of a mapping whose document is order.
type OrderBuilder = Builder

// group is the state of the group being built, reused from one group to
// the next; the record itself is the document's (Builder.rec).
type group struct {
	key       string
	firstLine int
	splitFrom int               // > 0: the key was seen before, from this line; its rows are rejected
	has       [numFields]bool   // document-level field given
	bad       [numFields]bool   // its first value could not be read
	raw       [numFields]string // its text as first given (valid when has)
	val       [numFields]value  // its value (valid when has)
	all       []int             // lines of every row of the group
	lineRows  []int             // line of each line of the record
	numbers   map[int]int       // line_number → line, when numbers come from a column
	problems  []problem
	taint     []int // lines outside the group that may belong to it
}

// problem is one thing wrong with a row, before it becomes a RowError.
type problem struct {
	line   int
	column int // 1-based, 0 when not known
	field  string
	code   string
	msg    string
}

// NewBuilder binds the rules to a table's header and returns the builder of
// the mapping's document type. src is the lineage every record carries
// (connector, partner, file, sheet) and src.Line the header's line. A
// header that does not fit the mapping is a *connectors.FileError naming
// the columns.
func (r *Rules) NewBuilder(src canonical.Source, header []string, out connectors.Sink) (RowBuilder, error) {
	b, err := r.newBuilder(src, header, out)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// NewOrderBuilder is NewBuilder for a mapping whose document is order.
func (r *Rules) NewOrderBuilder(src canonical.Source, header []string, out connectors.Sink) (*OrderBuilder, error) {
	if r.doc.name != DocumentOrder {
		return nil, fmt.Errorf("mapping: the mapping's document is %s, not order; use NewBuilder", r.doc.name)
	}
	return r.newBuilder(src, header, out)
}

func (r *Rules) newBuilder(src canonical.Source, header []string, out connectors.Sink) (*Builder, error) {
	d := r.doc
	b := &Builder{r: r, d: d, src: src, out: out, rec: d.newRecord(), header: header, seen: map[string]int{}}
	fileErr := func(code, format string, args ...any) error {
		return &connectors.FileError{File: src.File, Line: src.Line, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	var missing []string
	found := 0
	for f := fieldID(0); f < numFields; f++ {
		b.col[f] = -1
		want := r.header[f]
		if want == "" {
			continue
		}
		for i, h := range header {
			if !strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")), want) {
				continue
			}
			if b.col[f] >= 0 {
				return nil, fileErr(CodeAmbiguousColumn, "column %q (%s) is in the header twice: columns %d and %d", want, f, b.col[f]+1, i+1)
			}
			b.col[f] = i
		}
		switch {
		case b.col[f] >= 0:
			found++
		case !r.optional[f] || (r.required[f] && r.constants[f] == nil):
			missing = append(missing, fmt.Sprintf("%q (%s)", want, f))
		}
	}
	if found == 0 {
		return nil, fileErr(CodeWrongHeader, "the header is not the expected one: none of the mapped columns is there; found %s", b.headerList())
	}
	if len(missing) > 0 {
		s := ""
		if len(missing) > 1 {
			s = "s"
		}
		return nil, fileErr(CodeMissingColumn, "missing column%s %s; the header has %s", s, strings.Join(missing, ", "), b.headerList())
	}
	switch {
	case d.perRow:
		b.key = noField
	case d.group != noField && b.col[d.group] >= 0:
		b.key = d.group
	default:
		b.key = d.key
	}
	for f := fieldID(0); f < numFields; f++ {
		if b.col[f] >= 0 && !slices.Contains(b.cols, b.col[f]) {
			b.cols = append(b.cols, b.col[f])
		}
		switch {
		case f == b.key || !d.has(f):
		case !d.isLine(f):
			b.defaults = append(b.defaults, f)
			if b.col[f] >= 0 {
				b.headFields = append(b.headFields, f)
			}
		case b.col[f] >= 0 || r.constants[f] != nil:
			b.lineFields = append(b.lineFields, f)
		}
	}
	sort.Ints(b.cols)
	b.hasLines = d.lines && (len(b.lineFields) > 0 || d.linesAlways)
	b.autoNumber = d.autoNumber && b.col[fLineNumber] < 0
	return b, nil
}

// headerList prints the header for a message, shortened after 12 columns.
func (b *Builder) headerList() string {
	const max = 12
	parts := make([]string, 0, max+1)
	for i, h := range b.header {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d columns)", len(b.header)))
			break
		}
		parts = append(parts, quote(h))
	}
	if len(parts) == 0 {
		return "no columns"
	}
	return strings.Join(parts, ", ")
}

// Columns returns the 0-based columns the builder reads, in order; a
// decoder needs to check or convert the text of these cells only.
func (b *Builder) Columns() []int { return b.cols }

// Row takes one row of cells found on a 1-based line. A row may have fewer
// cells than the header (missing cells are empty). The builder keeps the
// cells' strings but not the slice, so a decoder may reuse it. An error is
// the sink's, and ends the table.
func (b *Builder) Row(ctx context.Context, line int, cells []string) error {
	if b.key == noField {
		b.startGroup(line, "")
		b.g.all = append(b.g.all, line)
		b.headRow(line, cells)
		return b.complete(ctx)
	}
	key := b.text(cells, b.key)
	if key == "" {
		return b.unreadable(ctx, b.requiredProblem(line, b.key))
	}
	if err := b.nextGroup(ctx, line, key); err != nil {
		return err
	}
	g := &b.g
	g.all = append(g.all, line)
	if g.splitFrom > 0 {
		return nil
	}
	b.headRow(line, cells)
	if b.hasLines {
		b.lineRow(line, cells)
	}
	return nil
}

// BadRow takes a row that a decoder could not read properly (wrong number
// of fields, undecodable text): e says why; the builder sets its File,
// Sheet and Line. cells are the row's cells when its key can be trusted,
// nil otherwise: such a row rejects the group being built and the group
// that starts right after it, since it may belong to either. A document
// with one record per row gets the row error alone.
func (b *Builder) BadRow(ctx context.Context, line int, cells []string, e connectors.RowError) error {
	p := problem{line: line, column: e.Column, field: e.Field, code: e.Code, msg: e.Message}
	if b.key == noField {
		return b.out.RowError(ctx, b.rowError([]problem{p}))
	}
	key := ""
	if cells != nil {
		key = b.text(cells, b.key)
	}
	if key == "" {
		return b.unreadable(ctx, p)
	}
	if err := b.nextGroup(ctx, line, key); err != nil {
		return err
	}
	b.g.all = append(b.g.all, line)
	b.g.problems = append(b.g.problems, p)
	return nil
}

// Finish completes the last group. Call it once, after the last row.
func (b *Builder) Finish(ctx context.Context) error {
	return b.complete(ctx)
}

// text returns the trimmed text of field f's cell, "" when it has no column.
func (b *Builder) text(cells []string, f fieldID) string {
	return strings.TrimSpace(b.cellOf(cells, f))
}

// cellOf returns field f's cell as written, "" when it has no column.
func (b *Builder) cellOf(cells []string, f fieldID) string {
	if c := b.col[f]; c >= 0 && c < len(cells) {
		return cells[c]
	}
	return ""
}

func (b *Builder) problemAt(line int, f fieldID, code, msg string) problem {
	return problem{line: line, column: b.col[f] + 1, field: f.String(), code: code, msg: msg}
}

func (b *Builder) requiredProblem(line int, f fieldID) problem {
	msg := "is required"
	if b.col[f] >= 0 {
		msg = fmt.Sprintf("is required (column %q is empty)", b.r.header[f])
	}
	return b.problemAt(line, f, CodeRequired, msg)
}

// unreadable records a row that belongs to no known group: it rejects the
// group being built (if any) and, through pending, the next one.
func (b *Builder) unreadable(ctx context.Context, p problem) error {
	b.pending = append(b.pending, p.line)
	if b.active {
		b.g.problems = append(b.g.problems, p)
		return nil
	}
	return b.out.RowError(ctx, b.rowError([]problem{p}))
}

// nextGroup makes key the group being built: the same group goes on, a
// new one completes the previous group first.
func (b *Builder) nextGroup(ctx context.Context, line int, key string) error {
	if b.active && key == b.g.key {
		b.pending = b.pending[:0]
		return nil
	}
	if err := b.complete(ctx); err != nil {
		return err
	}
	b.startGroup(line, key)
	if first, ok := b.seen[key]; ok {
		b.g.splitFrom = first
		return nil
	}
	// The key must not keep the whole row's text alive.
	b.seen[strings.Clone(key)] = line
	b.rec.begin()
	b.rec.head(b.key, value{s: key})
	return nil
}

// startGroup resets the group state for a group whose first row is on line.
func (b *Builder) startGroup(line int, key string) {
	g := &b.g
	g.key, g.firstLine, g.splitFrom = key, line, 0
	clear(g.has[:])
	clear(g.bad[:])
	g.all, g.lineRows, g.problems = g.all[:0], g.lineRows[:0], g.problems[:0]
	g.taint = append(g.taint[:0], b.pending...)
	clear(g.numbers)
	b.pending = b.pending[:0]
	b.active = true
	if b.key == noField {
		b.rec.begin()
	}
}

// headRow reads the document-level fields of a row. The first row that
// gives a field sets it; later rows may leave it empty or repeat it, and a
// different value is a problem.
func (b *Builder) headRow(line int, cells []string) {
	g := &b.g
	for _, f := range b.headFields {
		raw := b.r.trimmed(f, b.cellOf(cells, f))
		if raw == "" || (g.has[f] && (raw == g.raw[f] || g.bad[f])) {
			continue // nothing new; a field whose first value was bad already rejects the group
		}
		v, _, code, msg := b.r.cell(f, raw)
		switch {
		case code != "":
			g.problems = append(g.problems, b.problemAt(line, f, code, msg))
			if !g.has[f] {
				g.has[f], g.bad[f], g.raw[f] = true, true, raw
			}
		case !g.has[f]:
			g.has[f], g.raw[f], g.val[f] = true, raw, v
			b.rec.head(f, v)
		case !v.equal(g.val[f], f):
			g.problems = append(g.problems, b.problemAt(line, f, CodeOrderMismatch,
				fmt.Sprintf("%s differs from %s given for this %s before", quote(raw), quote(g.raw[f]), b.d.noun)))
		}
	}
}

// lineRow reads the line fields of a row into a new line; problems go to
// the group (whose record is then never finished, so a line with problems
// does no harm).
func (b *Builder) lineRow(line int, cells []string) {
	g := &b.g
	b.rec.newLine()
	g.lineRows = append(g.lineRows, line)
	for _, f := range b.lineFields {
		v, empty, code, msg := b.r.cell(f, b.cellOf(cells, f))
		switch {
		case code != "":
			g.problems = append(g.problems, b.problemAt(line, f, code, msg))
			continue
		case !empty:
		case b.r.constants[f] != nil:
			v = *b.r.constants[f]
		case b.r.required[f] || f == fLineNumber:
			g.problems = append(g.problems, b.requiredProblem(line, f))
			continue
		default:
			continue
		}
		if f == fLineNumber && b.d.uniqueLines {
			if g.numbers == nil {
				g.numbers = map[int]int{}
			}
			if other, dup := g.numbers[v.n]; dup {
				g.problems = append(g.problems, b.problemAt(line, f, CodeDuplicateLine,
					fmt.Sprintf("line number %d is already used on line %d of this %s", v.n, other, b.d.noun)))
				continue
			}
			g.numbers[v.n] = line
		}
		b.rec.line(f, v)
	}
}

// complete ends the group being built: its record is emitted when every
// row is good and it validates, otherwise its rows become row errors.
func (b *Builder) complete(ctx context.Context) error {
	if !b.active {
		return nil
	}
	b.active = false
	g := &b.g
	if g.splitFrom == 0 {
		b.headDefaults()
		if len(g.problems) == 0 && len(g.taint) == 0 {
			src := b.src
			src.Line = g.firstLine
			rec, extra := b.rec.finish(lineage{src: src, rows: g.lineRows, autoNumber: b.autoNumber})
			err := canonical.Validate(rec.Value)
			if err == nil && len(extra) == 0 {
				return b.out.Record(ctx, rec)
			}
			b.validationProblems(err, extra)
		}
	}
	return b.reject(ctx)
}

// headDefaults fills document-level fields no row gave from constants, and
// reports required ones that are still empty.
func (b *Builder) headDefaults() {
	g := &b.g
	for _, f := range b.defaults {
		if g.has[f] {
			continue
		}
		if k := b.r.constants[f]; k != nil {
			b.rec.head(f, *k)
			continue
		}
		if b.r.required[f] {
			g.problems = append(g.problems, b.requiredProblem(g.firstLine, f))
		}
	}
}

// validationProblems turns canonical validation problems (and the extra
// ones of the document) into row problems: lines[i].x belongs to that
// line's row, the rest to the first row.
func (b *Builder) validationProblems(err error, extra []canonical.FieldError) {
	g := &b.g
	fes := extra
	if err != nil {
		var ve *canonical.ValidationError
		if !errors.As(err, &ve) {
			g.problems = append(g.problems, problem{line: g.firstLine, code: "invalid", msg: err.Error()})
			return
		}
		fes = append(fes, ve.Problems...)
	}
	for _, fe := range fes {
		i, name, f := b.d.field(fe.Path)
		line := g.firstLine
		if i >= 0 {
			if i >= len(g.lineRows) {
				name, f = fe.Path, noField
			} else {
				line = g.lineRows[i]
			}
		}
		p := problem{line: line, field: name, code: fe.Code, msg: fe.Message}
		if f != noField {
			p.column = b.col[f] + 1
		}
		g.problems = append(g.problems, p)
	}
}

// reject sends the group's row errors in line order: each bad row its own,
// every other row order_rejected (or order_split) naming the cause.
func (b *Builder) reject(ctx context.Context) error {
	g := &b.g
	ps := g.problems
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].line < ps[j].line })
	errs := make([]connectors.RowError, 0, len(g.all)+len(ps))
	var causes []int
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && ps[j].line == ps[i].line {
			j++
		}
		errs = append(errs, b.rowError(ps[i:j]))
		causes = append(causes, ps[i].line)
		i = j
	}
	for _, t := range g.taint {
		if !slices.Contains(causes, t) {
			causes = append(causes, t)
		}
	}
	sort.Ints(causes)
	noun := b.d.noun
	for _, line := range g.all {
		if _, bad := slices.BinarySearch(causes, line); bad {
			continue
		}
		if g.splitFrom > 0 {
			errs = append(errs, b.rowError([]problem{b.problemAt(line, b.key, CodeOrderSplit,
				fmt.Sprintf("%s %s reappears: its rows began on line %d and another %s came between (the rows of one %s must be together)", noun, quote(g.key), g.splitFrom, noun, noun))}))
			continue
		}
		errs = append(errs, b.rowError([]problem{{line: line, code: CodeOrderRejected,
			msg: fmt.Sprintf("%s %s is not accepted because of %s", noun, quote(g.key), linesList(causes))}}))
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	for _, e := range errs {
		if err := b.out.RowError(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// rowError makes one RowError of a row's problems: the first names the
// field and column, the others are added to the message.
func (b *Builder) rowError(ps []problem) connectors.RowError {
	p := ps[0]
	msg := p.msg
	for _, q := range ps[1:] {
		msg += "; also " + q.field + ": " + q.msg
	}
	return connectors.RowError{File: b.src.File, Sheet: b.src.Sheet, Line: p.line, Column: p.column,
		Field: p.field, Code: p.code, Message: msg}
}

// linesList prints "line 17" or "lines 17, 19, 23", shortened after ten.
func linesList(lines []int) string {
	if len(lines) == 1 {
		return "line " + strconv.Itoa(lines[0])
	}
	const max = 10
	parts := make([]string, 0, max+1)
	for i, l := range lines {
		if i == max {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.Itoa(l))
	}
	return "lines " + strings.Join(parts, ", ")
}
