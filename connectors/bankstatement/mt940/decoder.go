// Package mt940 decodes SWIFT MT940 customer statements and MT942 interim
// transaction reports into canonical bank statements.
//
// A file holds one or more statements, each from :20: to the "-" that ends
// it (or to the next :20:, or the end of the file: a missing "-" is
// tolerated), with or without SWIFT block headers ({1:...}{2:I940...}{4:).
// The decoder streams: it reads line by line and holds one statement at a
// time; besides that it keeps one short key per statement, to report a
// statement that is delivered twice.
package mt940

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

const (
	// Format is the format name of MT940 files (`procurehub parse --format mt940`).
	Format = "mt940"
	// FormatMT942 is the format name of MT942 files; the same decoder reads both.
	FormatMT942 = "mt942"
)

// Stable codes of the row and file errors this package reports, besides
// canonical's (invalid_date, invalid_decimal, invalid_currency, required,
// duplicate, currency_mismatch).
const (
	CodeNotMT940       = "not_mt940"       // file error: the file is not SWIFT MT940/MT942 text
	CodeEmpty          = "empty"           // file error: the file has no content
	CodeInvalidField   = "invalid_field"   // a field does not have its SWIFT layout
	CodeUnknownTag     = "unknown_tag"     // a tag that is not part of MT940/MT942
	CodeAmountOverflow = "amount_overflow" // an amount with more than 18 digits
	CodeTruncated      = "truncated"       // the file ends inside a statement
	CodeLineTooLong    = "line_too_long"   // a line longer than maxLine
	CodeUnexpectedText = "unexpected_text" // text outside any statement
	CodeTooManyLines   = "too_many_lines"  // a field that runs over maxFieldLines lines
)

const (
	// ctxCheckEvery is how many lines are read between two looks at the context.
	ctxCheckEvery = 256
	// maxLine bounds a line; SWIFT lines have at most 65 characters.
	maxLine = 64 << 10
	// maxFieldLines bounds the lines of one field (a :86: has at most a
	// handful), so that a broken file cannot make one field grow without end.
	maxFieldLines = 100
)

// Decoder reads MT940 and MT942 files. It has no settings; one Decoder may
// decode several inputs at once.
type Decoder struct{}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a decoder for MT940 and MT942.
func NewDecoder() *Decoder { return &Decoder{} }

// Decode reads one file. Each statement becomes a canonical.BankStatement
// record keyed by its account (IBAN, else number), with its balance check
// set and its lineage pointing at the line of its :20:. A statement with a
// problem becomes one row error with the line of the problem, and decoding
// goes on with the next statement. A file whose first content is not an
// MT940 field (nor a block header) is a *connectors.FileError. Decode checks
// ctx every few hundred lines and returns ctx.Err() once it is cancelled.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	connector := in.Connector
	if connector == "" {
		connector = "bank_statement"
	}
	p := &parser{in: in, out: out, connector: connector, br: bufio.NewReaderSize(r, maxLine), seen: map[string]int{}}
	return p.run(ctx)
}

// parser is the state of one Decode.
type parser struct {
	in        connectors.Input
	out       connectors.Sink
	connector string
	br        *bufio.Reader
	line      int    // the current line, 1-based
	msgType   string // "940" or "942" from a block header, "" when none
	started   bool   // a field has been seen: the file is MT940
	st        *statement
	cur       *fieldText // the field being read, nil between fields
	field     fieldText  // what cur points to: one field at a time, its lines reused
	stray     int        // first line of a run of text outside statements, 0 when none
	seen      map[string]int
	nonBlank  bool // a line with content has been read
}

// fieldText is one field as read: its tag, the line of the tag and its
// lines (the value after the tag, then the continuation lines).
type fieldText struct {
	tag   string
	line  int
	lines []string
}

// statement is the statement being read.
type statement struct {
	line      int // line of its first field
	s         canonical.BankStatement
	err       *connectors.RowError // the first problem; the statement is then rejected
	currency  canonical.Currency   // from :60F: (or :34F: in an MT942)
	acctCur   canonical.Currency   // written after the account in :25:
	acctLine  int                  // line of :25:
	has       map[string]bool      // tags seen, by their number ("60", "62"...)
	lastTag   string
	interim   bool // an MT942-only tag was seen
	floors    int  // :34F: fields seen
	openBal   bool
	closeBal  bool
	lastEntry int // index of the entry a :86: belongs to, -1 when none
}

func (p *parser) run(ctx context.Context) error {
	for {
		if p.line%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		text, long, err := p.readLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %s: line %d: %w", Format, p.in.Name, p.line, err)
		}
		if err := p.handle(ctx, text, long); err != nil {
			return err
		}
	}
	if !p.started {
		if !p.nonBlank {
			return &connectors.FileError{File: p.in.Name, Code: CodeEmpty, Message: "the file is empty: there is no MT940 statement"}
		}
		return &connectors.FileError{File: p.in.Name, Code: CodeNotMT940, Message: "the file has no MT940 field: a statement starts with :20:"}
	}
	if p.st != nil {
		if err := p.finish(ctx, true); err != nil {
			return err
		}
	}
	return p.flushStray(ctx)
}

// readLine reads the next line without its line break.
// A line longer than maxLine is skipped and reported as long. Text that is
// not UTF-8 is read as Latin-1, as German banks send umlauts.
func (p *parser) readLine() (string, bool, error) {
	b, err := p.br.ReadSlice('\n')
	long := false
	if errors.Is(err, bufio.ErrBufferFull) {
		long = true
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = p.br.ReadSlice('\n')
		}
		b = nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	if errors.Is(err, io.EOF) && len(b) == 0 && !long {
		return "", false, io.EOF
	}
	p.line++
	b = bytes.TrimRight(b, "\r\n") // trailing spaces go in handle: a :86: keeps them
	if p.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	}
	if utf8.Valid(b) {
		return string(b), long, nil
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r), long, nil
}

// handle takes one line.
func (p *parser) handle(ctx context.Context, line string, long bool) error {
	if long {
		p.nonBlank = true
		if !p.started {
			return &connectors.FileError{File: p.in.Name, Line: p.line, Code: CodeNotMT940,
				Message: fmt.Sprintf("line %d is longer than %d KiB: not an MT940 file", p.line, maxLine>>10)}
		}
		if p.st != nil {
			p.fail(p.line, "", CodeLineTooLong, "line is longer than %d KiB; SWIFT lines have at most 65 characters", maxLine>>10)
		} else if p.stray == 0 {
			p.stray = p.line
		}
		return nil
	}
	// Trailing spaces are tolerated everywhere, and kept in the lines of a
	// :86:: banks wrap it at a fixed width, and a space at the end of a
	// line may be the one between two words.
	raw := p.blocks(line)
	line = strings.TrimRight(raw, " \t")
	if line == "" {
		return nil
	}
	p.nonBlank = true
	if line == "-" || strings.HasPrefix(line, "-}") {
		var err error
		if p.st != nil {
			err = p.finish(ctx, false)
		}
		if strings.HasPrefix(line, "-}") {
			p.msgType = "" // the message ends
		}
		return err
	}
	if tag, value, ok := cutTag(line); ok {
		if tag == "86" {
			_, value, _ = cutTag(raw)
		}
		if err := p.flushStray(ctx); err != nil {
			return err
		}
		p.endField()
		if tag == "20" && p.st != nil {
			if err := p.finish(ctx, false); err != nil {
				return err
			}
		}
		if p.st == nil {
			p.st = &statement{line: p.line, has: map[string]bool{}, lastEntry: -1}
			if tag != "20" {
				p.fail(p.line, "statement_id", canonical.CodeRequired, "field :%s: comes before the :20: that starts a statement", tag)
			}
		}
		p.started = true
		p.field.tag, p.field.line, p.field.lines = tag, p.line, append(p.field.lines[:0], value)
		p.cur = &p.field
		return nil
	}
	switch {
	case p.cur != nil:
		if len(p.cur.lines) >= maxFieldLines {
			p.fail(p.line, "", CodeTooManyLines, "field :%s: of line %d runs over more than %d lines", p.cur.tag, p.cur.line, maxFieldLines)
			return nil
		}
		if p.cur.tag == "86" {
			line = raw
		}
		p.cur.lines = append(p.cur.lines, line)
	case line == "940" || line == "942":
		p.msgType = line // the ABN AMRO layout: a BIC line and the message type between statements
	case isBIC(line):
	case !p.started:
		return &connectors.FileError{File: p.in.Name, Line: p.line, Code: CodeNotMT940,
			Message: fmt.Sprintf("line %d is not an MT940 field: a statement starts with :20:", p.line)}
	case p.stray == 0:
		p.stray = p.line
	}
	return nil
}

// blocks strips SWIFT block headers from the start of a line and returns
// what follows "{4:" (or the rest after the blocks). {2:I940...} or
// {2:O942...} gives the message type.
func (p *parser) blocks(line string) string {
	for strings.HasPrefix(line, "{") {
		if strings.HasPrefix(line, "{4:") {
			return strings.TrimSpace(line[3:])
		}
		if len(line) < 3 || line[2] != ':' {
			return line
		}
		if strings.HasPrefix(line, "{2:") && len(line) >= 7 && (line[3] == 'I' || line[3] == 'O') {
			p.msgType = line[4:7]
			p.nonBlank = true
		}
		depth, end := 0, -1
		for i := 0; i < len(line) && end < 0; i++ {
			switch line[i] {
			case '{':
				depth++
			case '}':
				if depth--; depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return "" // the block goes on past the line
		}
		line = line[end+1:]
	}
	return line
}

// cutTag splits ":60F:C261103EUR1234,56" into "60F" and the value. A tag
// is two digits and an optional letter, or NS (bank-specific fields).
func cutTag(line string) (tag, value string, ok bool) {
	if len(line) < 4 || line[0] != ':' {
		return "", "", false
	}
	end := strings.IndexByte(line[1:], ':') + 1
	if end < 3 || end > 4 {
		return "", "", false
	}
	tag = line[1:end]
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return "", "", false
		}
	}
	return tag, line[end+1:], true
}

func (p *parser) flushStray(ctx context.Context) error {
	if p.stray == 0 {
		return nil
	}
	line := p.stray
	p.stray = 0
	return p.out.RowError(ctx, connectors.RowError{File: p.in.Name, Line: line, Code: CodeUnexpectedText,
		Message: "text outside a statement: a statement starts with :20: and ends with -"})
}

// fail records the first problem of the open statement.
func (p *parser) fail(line int, field, code, format string, args ...any) {
	st := p.st
	if st == nil || st.err != nil {
		return
	}
	st.err = &connectors.RowError{File: p.in.Name, Line: line, Field: field, Code: code,
		Message: st.name() + ": " + fmt.Sprintf(format, args...)}
}

func (st *statement) name() string {
	if st.s.StatementID == "" {
		return fmt.Sprintf("statement of line %d", st.line)
	}
	return fmt.Sprintf("statement %s of line %d", clipText(st.s.StatementID), st.line)
}

// onceTags are the fields a statement has at most once, by the kind they
// count as (:60F: and :60M: are both an opening balance).
var onceTags = map[string]string{"20": "20", "25": "25", "25P": "25", "28": "28", "28C": "28", "60F": "60", "60M": "60",
	"62F": "62", "62M": "62", "64": "64", "13": "13", "13D": "13", "90D": "90D", "90C": "90C"}

// endField interprets the field being read, now that it is complete.
func (p *parser) endField() {
	f := p.cur
	p.cur = nil
	if f == nil || p.st == nil {
		return
	}
	st := p.st
	value := f.lines[0]
	tagErr := func(e *fieldError) {
		p.fail(f.line, e.field, e.code, ":%s: %s", f.tag, e.msg)
	}
	if k, ok := onceTags[f.tag]; ok {
		if st.has[k] {
			p.fail(f.line, "", CodeInvalidField, ":%s: appears twice in the statement", f.tag)
			return
		}
		st.has[k] = true
	}
	defer func() { st.lastTag = f.tag }()
	switch f.tag {
	case "20":
		st.s.StatementID = strings.TrimSpace(value)
	case "21", "NS":
		// related reference; bank-specific fields: nothing canonical
	case "25", "25P":
		st.s.Account, st.acctCur = parseAccount(value)
		st.acctLine = f.line
		if f.tag == "25P" && len(f.lines) > 1 && isBIC(strings.TrimSpace(f.lines[1])) {
			st.s.Account.BIC = strings.TrimSpace(f.lines[1])
		}
	case "28", "28C":
		st.s.SequenceNumber = strings.TrimSpace(value)
	case "60F", "60M", "62F", "62M", "64", "65":
		p.balance(f, tagErr)
	case "61":
		e, err := parseEntry(f.lines)
		if err != nil {
			tagErr(err)
			return
		}
		st.s.Entries = append(st.s.Entries, e)
		st.lastEntry = len(st.s.Entries) - 1
	case "86":
		if st.lastTag == "61" && st.lastEntry >= 0 {
			applyInfo(&st.s.Entries[st.lastEntry], f.lines)
		}
		// a :86: after the closing balance speaks of the statement: nothing canonical
	case "13", "13D":
		st.interim = true
		t, err := parseDateTime("created_at", value)
		if err != nil {
			tagErr(err)
			return
		}
		st.s.CreatedAt = t
	case "34F":
		st.interim = true
		p.floorLimit(f, tagErr)
	case "90D", "90C":
		p.totals(f, tagErr)
	default:
		p.fail(f.line, "", CodeUnknownTag, ":%s: is not a field of MT940 or MT942", f.tag)
	}
}

// useCurrency takes the statement's currency from its first balance (or
// floor limit) and reports a later one in another currency.
func (p *parser) useCurrency(f *fieldText, field string, c canonical.Currency) bool {
	st := p.st
	if st.currency == "" {
		st.currency = c
		return true
	}
	if c != st.currency {
		p.fail(f.line, field, canonical.CodeCurrency, ":%s: is in %s but the statement is in %s", f.tag, c, st.currency)
		return false
	}
	return true
}

var balanceTypes = map[string]string{"60F": "OPBD", "60M": "ITBD", "62F": "CLBD", "62M": "ITBD", "64": "CLAV", "65": "FWAV"}

func (p *parser) balance(f *fieldText, tagErr func(*fieldError)) {
	st := p.st
	field := "balances"
	switch f.tag[:2] {
	case "60":
		field = "opening_balance"
	case "62":
		field = "closing_balance"
	}
	b, err := parseBalance(field, f.lines[0])
	if err != nil {
		tagErr(err)
		return
	}
	if !p.useCurrency(f, field, b.currency) {
		return
	}
	st.s.Balances = append(st.s.Balances, canonical.Balance{Type: balanceTypes[f.tag], Amount: b.amount, Date: b.date})
	switch f.tag[:2] {
	case "60":
		amt := b.amount
		st.s.OpeningBalance, st.s.OpeningDate, st.openBal = &amt, b.date, true
	case "62":
		amt := b.amount
		st.s.ClosingBalance, st.s.ClosingDate, st.closeBal = &amt, b.date, true
	}
}

// floorLimit reads :34F: 3!a[1!a]15d. One :34F: without a mark is the
// floor limit of debits and credits; with two, the first is the debits'
// (D) and the second the credits' (C).
func (p *parser) floorLimit(f *fieldText, tagErr func(*fieldError)) {
	st := p.st
	v := f.lines[0]
	if len(v) < 4 {
		tagErr(errf("floor_limit_debit", CodeInvalidField, "floor limit %s is not currency, D/C mark, amount", clipText(v)))
		return
	}
	cur, err := parseCurrency("floor_limit_debit", v[:3])
	if err != nil {
		tagErr(err)
		return
	}
	v = v[3:]
	mark := byte(0)
	if v[0] == 'D' || v[0] == 'C' {
		mark, v = v[0], v[1:]
	}
	amt, err := parseAmount("floor_limit_debit", v)
	if err != nil {
		tagErr(err)
		return
	}
	if !p.useCurrency(f, "floor_limit_debit", cur) {
		return
	}
	amt = scaleTo(amt, cur)
	st.floors++
	switch {
	case st.floors > 2:
		p.fail(f.line, "floor_limit_credit", CodeInvalidField, ":34F: appears more than twice")
	case mark == 'D' || (mark == 0 && st.floors == 1):
		a := amt
		st.s.FloorLimitDebit = &a
		if mark == 0 {
			c := amt
			st.s.FloorLimitCredit = &c
		}
	default:
		c := amt
		st.s.FloorLimitCredit = &c
	}
}

// totals reads :90D: and :90C:, 5n3!a15d: the number of debit (credit)
// entries, the currency and their sum.
func (p *parser) totals(f *fieldText, tagErr func(*fieldError)) {
	st := p.st
	field := "totals.debit_amount"
	if f.tag == "90C" {
		field = "totals.credit_amount"
	}
	v := f.lines[0]
	n := 0
	for n < len(v) && n < 6 && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	if n == 0 || n > 5 || len(v) < n+4 {
		tagErr(errf(field, CodeInvalidField, "%s is not a count of up to 5 digits, a currency and an amount", clipText(v)))
		return
	}
	cur, err := parseCurrency(field, v[n:n+3])
	if err != nil {
		tagErr(err)
		return
	}
	amt, err := parseAmount(field, v[n+3:])
	if err != nil {
		tagErr(err)
		return
	}
	if !p.useCurrency(f, field, cur) {
		return
	}
	amt = scaleTo(amt, cur)
	if st.s.Totals == nil {
		st.s.Totals = &canonical.EntryTotals{}
	}
	if f.tag == "90D" {
		st.s.Totals.DebitCount, st.s.Totals.DebitAmount = atoi(v[:n]), &amt
	} else {
		st.s.Totals.CreditCount, st.s.Totals.CreditAmount = atoi(v[:n]), &amt
	}
}

// finish completes the open statement and hands it on: a record, or one row
// error with the line of its first problem. atEOF says the file ended
// inside the statement (no "-").
func (p *parser) finish(ctx context.Context, atEOF bool) error {
	p.endField()
	st := p.st
	p.st = nil
	s := &st.s
	interim := p.msgType == "942" || (p.msgType != "940" && st.interim)
	if st.err == nil {
		p.st = st // fail reports on the open statement
		p.check(st, interim, atEOF)
		p.st = nil
	}
	if st.err != nil {
		return p.out.RowError(ctx, *st.err)
	}
	s.StatementType = canonical.StatementEndOfDay
	if interim {
		s.StatementType = canonical.StatementInterim
	}
	s.Account.Currency = st.currency
	for i := range s.Entries {
		s.Entries[i].Currency = st.currency
		s.Entries[i].Amount = scaleTo(s.Entries[i].Amount, st.currency)
	}
	s.Source = &canonical.Source{Connector: p.connector, Partner: p.in.Partner, File: p.in.Name, Line: st.line}
	s.SetBalanceCheck()
	if ve := canonical.AsValidationError(s.Validate()); ve != nil {
		first := ve.Problems[0]
		return p.out.RowError(ctx, connectors.RowError{File: p.in.Name, Line: st.line, Field: first.Path, Code: first.Code,
			Message: st.name() + ": " + ve.Error()})
	}
	key := s.Account.IBAN
	if key == "" {
		key = s.Account.Number
	}
	// The statement's identity is its reference, account and :28C:, and
	// its opening date (or MT942 creation time): some German savings banks
	// number every statement 0/1, so without the date each day's statement
	// would look like a repeat of the day before.
	ident := s.StatementID + "\x00" + key + "\x00" + s.SequenceNumber + "\x00" + s.OpeningDate.String() + "\x00" + s.CreatedAt.String()
	if first, dup := p.seen[ident]; dup {
		return p.out.RowError(ctx, connectors.RowError{File: p.in.Name, Line: st.line, Field: "statement_id", Code: canonical.CodeDuplicate,
			Message: fmt.Sprintf("%s: repeats the statement of line %d (same reference, account %s, sequence %s and opening date)",
				st.name(), first, maskAccount(s.Account), clipText(s.SequenceNumber))})
	}
	p.seen[ident] = st.line
	return p.out.Record(ctx, connectors.Record{Type: canonical.TypeBankStatement, Key: key, Value: s})
}

// check reports what a complete statement lacks.
func (p *parser) check(st *statement, interim, atEOF bool) {
	s := &st.s
	switch {
	case s.StatementID == "":
		p.fail(st.line, "statement_id", canonical.CodeRequired, "has no :20: reference")
	case s.Account.IBAN == "" && s.Account.Number == "":
		p.fail(st.line, "account", canonical.CodeRequired, "has no :25: account")
	case !interim && !st.openBal:
		p.fail(st.line, "opening_balance", canonical.CodeRequired, "has no opening balance :60F: or :60M:")
	case !interim && !st.closeBal && atEOF:
		p.fail(p.line, "closing_balance", CodeTruncated, "the file ends inside the statement: it has no closing balance :62F: or :62M:")
	case !interim && !st.closeBal:
		p.fail(st.line, "closing_balance", canonical.CodeRequired, "has no closing balance :62F: or :62M:")
	case st.currency == "" && st.acctCur == "":
		p.fail(st.line, "account.currency", canonical.CodeRequired, "names no currency: it has no balance, no :34F: floor limit and no currency in :25:")
	case st.currency != "" && st.acctCur != "" && st.currency != st.acctCur:
		p.fail(st.acctLine, "account.currency", canonical.CodeCurrency, "the account in :25: is in %s but the balances are in %s", st.acctCur, st.currency)
	}
	if st.currency == "" {
		st.currency = st.acctCur
	}
}

func maskAccount(a canonical.BankAccount) string {
	if a.IBAN != "" {
		return canonical.MaskIBAN(a.IBAN)
	}
	return canonical.MaskAccount(a.Number)
}
