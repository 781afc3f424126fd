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
// (invalid_decimal, invalid_date, ...) and canonical validation codes.
const (
	CodeRequired      = canonical.CodeRequired // a required field has no value
	CodeInvalidNumber = "invalid_number"       // a line number that is not a whole number above zero
	CodeOrderMismatch = "order_mismatch"       // an order-level field differs between rows of one order
	CodeDuplicateLine = "duplicate_line_number"
	CodeOrderSplit    = "order_split"    // an order number comes back after another order
	CodeOrderRejected = "order_rejected" // a good row of an order that has a bad row
)

// File error codes for a header that does not fit the mapping.
const (
	CodeWrongHeader     = "wrong_header"     // none of the mapped columns is in the header
	CodeMissingColumn   = "missing_column"   // a mapped column is not in the header
	CodeAmbiguousColumn = "ambiguous_column" // a mapped column is in the header twice
)

// OrderBuilder builds canonical orders from the rows of one table (a CSV
// file, a sheet) and hands them, with row errors, to a sink.
//
// Rows are grouped by order number; an order is complete when a row with
// another order number comes, or at Finish. A complete order is checked with
// canonical's Validate and emitted as a record only when all its rows are
// good; otherwise each bad row gets its own row error and each other row of
// the order a row error with code order_rejected naming the bad lines, so
// nothing is dropped silently. Errors of an order reach the sink in line
// order when the order is complete. Each rejected row gets exactly one row
// error (several problems on one row share it).
//
// An OrderBuilder is used from one goroutine. It keeps the order being
// built and the order numbers seen so far (to catch split orders), so its
// memory grows with the number of orders, not of rows.
type OrderBuilder struct {
	r   *Rules
	src canonical.Source // lineage of every record: connector, partner, file, sheet
	out connectors.Sink

	col         [numFields]int // 0-based column of each field in the table; -1 when none
	header      []string       // the table's header as read, for messages
	cols        []int          // columns the builder reads
	orderFields []fieldID      // order-level fields with a column, order_number excepted
	lineFields  []fieldID      // line fields with a column or a constant
	autoNumber  bool           // number lines 1..n: there is no line_number column

	seen    map[string]int // order number → line of its first row
	active  bool           // g holds an order being built
	g       group
	pending []int // lines of unreadable rows that may be the start of the next order
}

// group is the order being built, reused from one order to the next.
type group struct {
	number    string
	firstLine int
	splitFrom int // > 0: the order was seen before, from this line; its rows are rejected
	order     *canonical.Order
	has       [fLineNumber]bool   // order-level field given
	bad       [fLineNumber]bool   // its first value could not be read
	raw       [fLineNumber]string // its text as first given
	val       [fLineNumber]value  // its value
	all       []int               // lines of every row of the order
	lineRows  []int               // line of each entry of lines
	lines     []canonical.OrderLine
	amounts   []optDecimal
	numbers   map[int]int // line_number → line, when numbers come from a column
	problems  []problem
	taint     []int // lines outside the order that may belong to it
}

// problem is one thing wrong with a row, before it becomes a RowError.
type problem struct {
	line   int
	column int // 1-based, 0 when not known
	field  string
	code   string
	msg    string
}

// NewOrderBuilder binds the rules to a table's header. src is the lineage
// every record carries (connector, partner, file, sheet) and src.Line the
// header's line. A header that does not fit the mapping is a
// *connectors.FileError naming the columns.
func (r *Rules) NewOrderBuilder(src canonical.Source, header []string, out connectors.Sink) (*OrderBuilder, error) {
	b := &OrderBuilder{r: r, src: src, out: out, header: header, seen: map[string]int{}}
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
	for f := fieldID(0); f < numFields; f++ {
		if b.col[f] >= 0 && !slices.Contains(b.cols, b.col[f]) {
			b.cols = append(b.cols, b.col[f])
		}
		switch {
		case f == fOrderNumber:
		case !f.isLine() && b.col[f] >= 0:
			b.orderFields = append(b.orderFields, f)
		case f.isLine() && (b.col[f] >= 0 || r.constants[f] != nil):
			b.lineFields = append(b.lineFields, f)
		}
	}
	sort.Ints(b.cols)
	b.autoNumber = b.col[fLineNumber] < 0
	return b, nil
}

// headerList prints the header for a message, shortened after 12 columns.
func (b *OrderBuilder) headerList() string {
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
func (b *OrderBuilder) Columns() []int { return b.cols }

// Row takes one row of cells found on a 1-based line. A row may have fewer
// cells than the header (missing cells are empty). The builder keeps the
// cells' strings but not the slice, so a decoder may reuse it. An error is
// the sink's, and ends the table.
func (b *OrderBuilder) Row(ctx context.Context, line int, cells []string) error {
	num := b.text(cells, fOrderNumber)
	if num == "" {
		return b.unreadable(ctx, b.requiredProblem(line, fOrderNumber))
	}
	if err := b.startOrder(ctx, line, num); err != nil {
		return err
	}
	g := &b.g
	g.all = append(g.all, line)
	if g.splitFrom > 0 {
		return nil
	}
	nproblems := len(g.problems)
	b.orderRow(line, cells)
	l, amount := b.lineRow(line, cells)
	if len(g.problems) == nproblems {
		g.lines = append(g.lines, l)
		g.amounts = append(g.amounts, amount)
		g.lineRows = append(g.lineRows, line)
	}
	return nil
}

// BadRow takes a row that a decoder could not read properly (wrong number
// of fields, undecodable text): e says why; the builder sets its File,
// Sheet and Line. cells are the row's cells when its order number can be
// trusted, nil otherwise: such a row rejects the order being built and the
// order that starts right after it, since it may belong to either.
func (b *OrderBuilder) BadRow(ctx context.Context, line int, cells []string, e connectors.RowError) error {
	p := problem{line: line, column: e.Column, field: e.Field, code: e.Code, msg: e.Message}
	num := ""
	if cells != nil {
		num = b.text(cells, fOrderNumber)
	}
	if num == "" {
		return b.unreadable(ctx, p)
	}
	if err := b.startOrder(ctx, line, num); err != nil {
		return err
	}
	b.g.all = append(b.g.all, line)
	b.g.problems = append(b.g.problems, p)
	return nil
}

// Finish completes the last order. Call it once, after the last row.
func (b *OrderBuilder) Finish(ctx context.Context) error {
	return b.complete(ctx)
}

// text returns the trimmed text of field f's cell, "" when it has no column.
func (b *OrderBuilder) text(cells []string, f fieldID) string {
	return strings.TrimSpace(b.cellOf(cells, f))
}

// cellOf returns field f's cell as written, "" when it has no column.
func (b *OrderBuilder) cellOf(cells []string, f fieldID) string {
	if c := b.col[f]; c >= 0 && c < len(cells) {
		return cells[c]
	}
	return ""
}

func (b *OrderBuilder) problemAt(line int, f fieldID, code, msg string) problem {
	return problem{line: line, column: b.col[f] + 1, field: f.String(), code: code, msg: msg}
}

func (b *OrderBuilder) requiredProblem(line int, f fieldID) problem {
	msg := "is required"
	if b.col[f] >= 0 {
		msg = fmt.Sprintf("is required (column %q is empty)", b.r.header[f])
	}
	return b.problemAt(line, f, CodeRequired, msg)
}

// unreadable records a row that belongs to no known order: it rejects the
// order being built (if any) and, through pending, the next one.
func (b *OrderBuilder) unreadable(ctx context.Context, p problem) error {
	b.pending = append(b.pending, p.line)
	if b.active {
		b.g.problems = append(b.g.problems, p)
		return nil
	}
	return b.out.RowError(ctx, b.rowError([]problem{p}))
}

// startOrder makes num the order being built: the same order goes on, a
// new one completes the previous order first.
func (b *OrderBuilder) startOrder(ctx context.Context, line int, num string) error {
	if b.active && num == b.g.number {
		b.pending = b.pending[:0]
		return nil
	}
	if err := b.complete(ctx); err != nil {
		return err
	}
	g := &b.g
	*g = group{
		number: num, firstLine: line,
		all: g.all[:0], lineRows: g.lineRows[:0], lines: g.lines[:0], amounts: g.amounts[:0],
		problems: g.problems[:0], taint: append(g.taint[:0], b.pending...), numbers: g.numbers,
	}
	clear(g.numbers)
	b.pending = b.pending[:0]
	b.active = true
	if first, ok := b.seen[num]; ok {
		g.splitFrom = first
		return nil
	}
	// The key must not keep the whole row's text alive.
	b.seen[strings.Clone(num)] = line
	g.order = &canonical.Order{OrderNumber: num}
	return nil
}

// orderRow reads the order-level fields of a row. The first row that gives
// a field sets it; later rows may leave it empty or repeat it, and a
// different value is a problem.
func (b *OrderBuilder) orderRow(line int, cells []string) {
	g := &b.g
	for _, f := range b.orderFields {
		raw := b.r.trimmed(f, b.cellOf(cells, f))
		if raw == "" || (g.has[f] && (raw == g.raw[f] || g.bad[f])) {
			continue // nothing new; a field whose first value was bad already rejects the order
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
			setOrder(g.order, f, v)
		case !v.equal(g.val[f], f):
			g.problems = append(g.problems, b.problemAt(line, f, CodeOrderMismatch,
				fmt.Sprintf("%s differs from %s given for this order before", quote(raw), quote(g.raw[f]))))
		}
	}
}

// lineRow reads the line fields of a row; problems go to the order.
func (b *OrderBuilder) lineRow(line int, cells []string) (canonical.OrderLine, optDecimal) {
	g := &b.g
	var l canonical.OrderLine
	var amount optDecimal
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
		if f == fLineNumber {
			if g.numbers == nil {
				g.numbers = map[int]int{}
			}
			if other, dup := g.numbers[v.n]; dup {
				g.problems = append(g.problems, b.problemAt(line, f, CodeDuplicateLine,
					fmt.Sprintf("line number %d is already used on line %d of this order", v.n, other)))
				continue
			}
			g.numbers[v.n] = line
		}
		setLine(&l, &amount, f, v)
	}
	return l, amount
}

// complete ends the order being built: it is emitted when every row is
// good and it validates, otherwise its rows become row errors.
func (b *OrderBuilder) complete(ctx context.Context) error {
	if !b.active {
		return nil
	}
	b.active = false
	g := &b.g
	if g.splitFrom == 0 {
		b.orderDefaults()
		if len(g.problems) == 0 && len(g.taint) == 0 {
			o := b.assemble()
			err := o.Validate()
			if err == nil {
				return b.out.Record(ctx, connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o})
			}
			b.validationProblems(err)
		}
	}
	return b.rejectOrder(ctx)
}

// orderDefaults fills order-level fields no row gave from constants, and
// reports required ones that are still empty.
func (b *OrderBuilder) orderDefaults() {
	g := &b.g
	for f := fieldID(1); f < fLineNumber; f++ {
		if g.has[f] {
			continue
		}
		if k := b.r.constants[f]; k != nil {
			setOrder(g.order, f, *k)
			continue
		}
		if b.r.required[f] {
			g.problems = append(g.problems, b.requiredProblem(g.firstLine, f))
		}
	}
}

// assemble finishes the order: line numbers, amounts and lineage. The
// lines, amounts and sources of an order share one allocation each.
func (b *OrderBuilder) assemble() *canonical.Order {
	g := &b.g
	o := g.order
	o.Lines = slices.Clone(g.lines)
	src := b.src
	src.Line = g.firstLine
	o.Source = &src
	sources := make([]canonical.Source, len(o.Lines))
	var amounts []canonical.Decimal
	for i := range o.Lines {
		l := &o.Lines[i]
		if b.autoNumber {
			l.LineNumber = i + 1
		}
		if a := g.amounts[i]; a.ok {
			if amounts == nil {
				amounts = make([]canonical.Decimal, 0, len(o.Lines)-i)
			}
			amounts = append(amounts, a.d)
			l.Amount = &amounts[len(amounts)-1]
		}
		sources[i] = canonical.Source{Sheet: b.src.Sheet, Line: g.lineRows[i]}
		l.Source = &sources[i]
	}
	return o
}

// validationProblems turns canonical validation problems into row
// problems: lines[i].x belongs to that line's row, the rest to the first row.
func (b *OrderBuilder) validationProblems(err error) {
	g := &b.g
	var ve *canonical.ValidationError
	if !errors.As(err, &ve) {
		g.problems = append(g.problems, problem{line: g.firstLine, code: "invalid", msg: err.Error()})
		return
	}
	for _, fe := range ve.Problems {
		line, name := g.firstLine, fe.Path
		if rest, ok := strings.CutPrefix(fe.Path, "lines["); ok {
			if idx, field, ok := strings.Cut(rest, "]."); ok {
				if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < len(g.lineRows) {
					line, name = g.lineRows[i], "lines."+field
				}
			}
		}
		p := problem{line: line, field: name, code: fe.Code, msg: fe.Message}
		if f, ok := fieldsByName[name]; ok {
			p.column = b.col[f] + 1
		}
		g.problems = append(g.problems, p)
	}
}

// rejectOrder sends the order's row errors in line order: each bad row its
// own, every other row order_rejected (or order_split) naming the cause.
func (b *OrderBuilder) rejectOrder(ctx context.Context) error {
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
	for _, line := range g.all {
		if _, bad := slices.BinarySearch(causes, line); bad {
			continue
		}
		if g.splitFrom > 0 {
			errs = append(errs, b.rowError([]problem{b.problemAt(line, fOrderNumber, CodeOrderSplit,
				fmt.Sprintf("order %s reappears: its rows began on line %d and another order came between (the rows of one order must be together)", quote(g.number), g.splitFrom))}))
			continue
		}
		errs = append(errs, b.rowError([]problem{{line: line, code: CodeOrderRejected,
			msg: fmt.Sprintf("order %s is not accepted because of %s", quote(g.number), linesList(causes))}}))
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
func (b *OrderBuilder) rowError(ps []problem) connectors.RowError {
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

var _ RowBuilder = (*OrderBuilder)(nil)

// NewBuilder binds the rules to a table's header and returns the builder of
// the mapping's document type. A header that does not fit the mapping is a
// *connectors.FileError naming the columns.
func (r *Rules) NewBuilder(src canonical.Source, header []string, out connectors.Sink) (RowBuilder, error) {
	return r.NewOrderBuilder(src, header, out)
}
