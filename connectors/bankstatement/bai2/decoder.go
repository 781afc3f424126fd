// Package bai2 reads BAI2 cash management balance reporting files (BAI
// version 2, as US and Canadian banks send prior-day and current-day
// reports) into canonical bank statements, one per account (03) section.
//
// The parser is our own: github.com/moov-io/bai2 is not served by the Go
// module proxy, and it reads a whole file into memory and stops at the
// first error, where this decoder streams and goes on with the next account.
//
// # Errors: what is file-level and what is not
//
// Decode returns a *connectors.FileError, before any record, only when the
// input is not a BAI2 file at all: empty, not text, a first record that is
// not a usable 01 file header (bad date or time, no file id, a version other
// than 2). Everything after a good 01 header is reported as row errors, each
// with the line of the record at fault, and decoding goes on:
//
//   - A bad account section (a bad 03, 16 or 49 field, a 49 whose control
//     total or record count does not match, a missing 49, the same account
//     twice in a group, a statement that fails canonical validation) gives
//     one row error; the account is not emitted and the next 03 is read.
//   - A bad 02 group header gives one row error; the group's accounts are
//     skipped up to its 98. So does a group whose status is 2 (deletion) or
//     4 (test only): its balances are not to be booked. Status 3
//     (correction) is read like 1: its statement_id is the one it corrects.
//   - A 98 or 99 whose control total, account/group count or record count
//     does not match, and a missing 98 or 99 (a truncated file), are row
//     errors at the trailer's line (or the last line): the accounts read
//     before were each checked against their own 49 and have been emitted.
//     The file-level totals can only be checked at the end, and the decoder
//     streams (it holds one account section at a time), so these cannot
//     hold records back; the row error makes the input partial, and it is
//     quarantined with a receipt that names the problem.
//   - Records after the 99 file trailer are one row error; they are not read.
package bai2

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Format is the format name of BAI2 files (`procurehub parse --format bai2`).
const Format = "bai2"

// Row and file error codes.
const (
	CodeNotBAI2          = "not_bai2"
	CodeInvalidAmount    = "invalid_amount"
	CodeAmountOverflow   = "amount_overflow"
	CodeInvalidCount     = "invalid_count"
	CodeInvalidDate      = "invalid_date"
	CodeInvalidTime      = "invalid_time"
	CodeInvalidFunds     = "invalid_funds_type"
	CodeInvalidTypeCode  = "invalid_type_code"
	CodeInvalidCurrency  = "invalid_currency"
	CodeInvalidModifier  = "invalid_as_of_date_modifier"
	CodeGroupStatus      = "group_status"
	CodeMissingField     = "missing_field"
	CodeUnexpectedRecord = "unexpected_record"
	CodeMissingTrailer   = "missing_trailer"
	CodeControlTotal     = "control_total"
	CodeRecordCount      = "record_count"
	CodeDuplicateAccount = "duplicate_account"
	CodeInvalidStatement = "invalid_statement"
	CodeAfterTrailer     = "after_file_trailer"
	CodeLineTooLong      = "line_too_long"
)

// defaultConnector names the connector in lineage when the input does not.
const defaultConnector = "bank_statement"

// maxLine is the longest physical line read; a longer one is a row error.
const maxLine = 1 << 20

// ctxCheckEvery is how many lines are read between two looks at the context.
const ctxCheckEvery = 256

// Decoder reads BAI2 files. It streams: memory holds one account section
// (its statement and entries) and the account numbers of the current
// group, however long the file. One Decoder may decode several inputs at
// once; it has no state.
type Decoder struct{}

var _ connectors.Decoder = (*Decoder)(nil)

// NewDecoder returns a BAI2 decoder.
func NewDecoder() *Decoder { return &Decoder{} }

// Decode reads one BAI2 file into one canonical.BankStatement per 03
// account section (see the package doc for errors).
//
// Records end with "/"; several may share a physical line, and a missing
// final "/" is tolerated. 88 records continue the record before them; a
// 16's text runs to the end of its physical line and goes on in its 88s
// (joined with a space). Amounts are in the currency's minor units
// (canonical's ISO 4217 table: USD 12345 is 123.45, JPY has none); the
// currency is the 03's, else the 02's, else USD as the BAI2 specification says.
//
// Each statement: statement_id "<file id>-<group number>-<account>",
// statement_type statement for prior-day (as-of-date modifier 1, 2) and
// interim for current-day (3, 4) reports; opening and closing date the 02
// as-of date; 010 opening ledger and 015 closing ledger are
// opening_balance/closing_balance (balance_check when both are there); the
// status summaries (type codes below 100) are balances: 010 OPBD, 015 CLBD,
// 040 OPAV, 045 CLAV, any other "BAI-<code>"; 100 (total credits) and 400
// (total debits) with their item counts are totals; other activity
// summaries count in the control totals and are not carried. 16 details
// are entries: 100-399 credits (positive), 400-699 debits (negative), 890
// an info entry (amount 0); the type code is bank_code, the funds type V
// value date is value_date, booking_date is the as-of date. Other detail
// type codes (loans 700-799, custom 900-999) cannot be given a sign and
// make the account a row error.
//
// BAI2 has no time zone: created_at (01 creation date and time) is read as UTC.
func (d *Decoder) Decode(ctx context.Context, in connectors.Input, r io.Reader, out connectors.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := &parser{ctx: ctx, in: in, out: out, br: bufio.NewReaderSize(r, 64<<10)}
	p.connector = in.Connector
	if p.connector == "" {
		p.connector = defaultConnector
	}
	err := p.run()
	var fe *connectors.FileError
	if err != nil && !errors.As(err, &fe) && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%s: %s: %w", Format, in.Name, err)
	}
	return err
}

// group is the open 02 section.
type group struct {
	line      int
	seq       int // 1-based number of the group in the file
	currency  canonical.Currency
	asOf      canonical.Date
	stmtType  canonical.StatementType
	bad       bool // its header was bad: its accounts are skipped
	records   int
	accounts  int
	total     int64 // sum of the accounts' 49 control totals
	totalOK   bool  // false once an account's total is not known
	accountAt map[string]int
}

// account is the open 03 section.
type account struct {
	line    int
	number  string
	records int
	total   int64 // sum of the amounts of its 03 and 16 records
	bad     bool  // a row error was given: skip to its 49
	stmt    *canonical.BankStatement
	opening bool
	closing bool
}

type parser struct {
	ctx       context.Context
	in        connectors.Input
	out       connectors.Sink
	br        *bufio.Reader
	connector string

	line     int // current physical line
	lastLine int // last non-blank line
	rec      record
	pending  bool // rec holds a record not yet handled
	buf      []byte

	header    bool // 01 seen
	fileID    string
	created   time.Time
	done      bool // 99 seen
	records   int
	groups    int
	groupSeq  int
	fileTotal int64
	totalOK   bool
	grp       *group
	acct      *account
	afterSeen bool
}

func (p *parser) run() error {
	p.totalOK = true
	for {
		line, eof, err := p.readLine()
		if err != nil {
			return err
		}
		if p.line%ctxCheckEvery == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		if strings.TrimSpace(line) != "" {
			p.lastLine = p.line
			if err := p.feedLine(line); err != nil {
				return err
			}
			if p.afterSeen {
				break
			}
		}
		if eof {
			break
		}
	}
	if err := p.flush(); err != nil {
		return err
	}
	return p.finish()
}

// readLine returns the next physical line without its line end. A line
// longer than maxLine is reported and skipped (returned empty).
func (p *parser) readLine() (string, bool, error) {
	p.buf = p.buf[:0]
	long := false
	for {
		chunk, err := p.br.ReadSlice('\n')
		if !long {
			if len(p.buf)+len(chunk) > maxLine {
				long = true
			} else {
				p.buf = append(p.buf, chunk...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			p.line++
			if long {
				return "", true, p.longLine()
			}
			return p.text(), true, nil
		default:
			return "", false, err
		}
		p.line++
		if long {
			return "", false, p.longLine()
		}
		return p.text(), false, nil
	}
}

func (p *parser) longLine() error {
	if !p.header {
		return p.fileError(p.line, "line %d is longer than %d bytes: not a BAI2 file", p.line, maxLine)
	}
	p.lastLine = p.line
	return p.rowError(p.line, "", CodeLineTooLong, fmt.Sprintf("line is longer than %d bytes; skipped", maxLine))
}

func (p *parser) text() string {
	b := p.buf
	if p.line == 1 {
		b = trimBOM(b)
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// feedLine splits one physical line into records and handles each one
// complete record at a time (a record is complete when the next non-88
// record starts).
func (p *parser) feedLine(s string) error {
	if !p.header && !p.pending {
		if !strings.HasPrefix(strings.TrimLeft(s, " "), "01,") || !utf8.ValidString(s) {
			return p.fileError(p.line, "the first record is not a BAI2 01 file header")
		}
	}
	pos := 0
	for {
		for pos < len(s) && s[pos] == ' ' {
			pos++
		}
		if pos >= len(s) || p.afterSeen {
			return nil
		}
		rest := s[pos:]
		k := strings.IndexAny(rest, ",/")
		var code, body string
		ended := false
		switch {
		case k < 0:
			code, pos = rest, len(s)
			ended = true
		case rest[k] == '/':
			code, pos = rest[:k], pos+k+1
			ended = true
		default:
			code, body = rest[:k], rest[k+1:]
			pos += k + 1
		}
		code = strings.TrimSpace(code)
		if code == "88" && p.pending {
			p.rec.n++
			if !ended {
				pos += p.rec.feed(body)
			}
			continue
		}
		if err := p.flush(); err != nil {
			return err
		}
		if p.done {
			// Anything after the 99 is not read.
			p.afterSeen = true
			return p.rowError(p.line, "", CodeAfterTrailer, fmt.Sprintf("record %s after the 99 file trailer; the rest of the file is not read", quote(code)))
		}
		p.rec.reset(code, p.line)
		p.pending = true
		if !ended {
			pos += p.rec.feed(body)
		}
	}
}

// flush handles the pending record.
func (p *parser) flush() error {
	if !p.pending {
		return nil
	}
	p.pending = false
	r := &p.rec
	if r.code != "01" || p.header {
		p.records += r.n
		if p.grp != nil {
			p.grp.records += r.n
		}
		if p.acct != nil {
			p.acct.records += r.n
		}
	}
	switch r.code {
	case "01":
		return p.fileHeader(r)
	case "02":
		return p.groupHeader(r)
	case "03":
		return p.accountHeader(r)
	case "16":
		return p.detail(r)
	case "49":
		return p.accountTrailer(r)
	case "98":
		return p.groupTrailer(r)
	case "99":
		return p.fileTrailer(r)
	case "88":
		return p.rowError(r.line, "", CodeUnexpectedRecord, "88 continuation with no record before it")
	}
	if p.acct != nil && !p.acct.bad {
		return p.badAccount(r.line, "", CodeUnexpectedRecord, fmt.Sprintf("%s is not a BAI2 record code", quote(r.code)))
	}
	if p.acct != nil {
		return nil // the account's one row error is given
	}
	return p.rowError(r.line, "", CodeUnexpectedRecord, fmt.Sprintf("%s is not a BAI2 record code", quote(r.code)))
}

func (p *parser) fileHeader(r *record) error {
	if p.header {
		return p.rowError(r.line, "", CodeUnexpectedRecord, "a second 01 file header; the file must end with 99 before another begins")
	}
	f := r.fields
	date, pr := parseDate("file_creation_date", field(f, 2))
	if pr != nil {
		return p.fileError(r.line, "01 file header: %s", pr)
	}
	tod, pr := parseTime("file_creation_time", field(f, 3))
	if pr != nil {
		return p.fileError(r.line, "01 file header: %s", pr)
	}
	p.fileID = field(f, 4)
	if p.fileID == "" {
		return p.fileError(r.line, "01 file header: file_id: is empty")
	}
	if v := field(f, 7); v != "" && v != "2" {
		return p.fileError(r.line, "01 file header: version %s is not BAI2 (2)", quote(v))
	}
	p.created = date.Time().Add(tod)
	p.header = true
	p.records = r.n
	return nil
}

func (p *parser) groupHeader(r *record) error {
	if err := p.closeAccount(r.line, "02 group header"); err != nil {
		return err
	}
	if p.grp != nil {
		if err := p.rowError(r.line, "", CodeMissingTrailer, fmt.Sprintf("group from line %d has no 98 group trailer before this 02", p.grp.line)); err != nil {
			return err
		}
		p.totalOK = false
		p.groups++
	}
	p.groupSeq++
	g := &group{line: r.line, seq: p.groupSeq, records: r.n, totalOK: true, accountAt: map[string]int{}}
	p.grp = g
	f := r.fields
	bad := func(pr *problem) error {
		g.bad = true
		return p.rowError(r.line, pr.field, pr.code, "02 group header: "+pr.msg+"; the group's accounts are not read")
	}
	var pr *problem
	switch st := field(f, 2); st {
	case "", "1", "3": // update, correction (the same statement_id replaces the first)
	case "2", "4":
		return bad(newProblem("group_status", CodeGroupStatus, "group status %s (%s) is not a report to book", st, map[string]string{"2": "deletion", "4": "test only"}[st]))
	default:
		return bad(newProblem("group_status", CodeGroupStatus, "%s is not a group status (1-4)", quote(st)))
	}
	if g.asOf, pr = parseDate("as_of_date", field(f, 3)); pr != nil {
		return bad(pr)
	}
	if _, pr = parseTime("as_of_time", field(f, 4)); pr != nil {
		return bad(pr)
	}
	g.currency = "USD"
	if c := field(f, 5); c != "" {
		cur, err := canonical.ParseCurrency(c)
		if err != nil {
			return bad(newProblem("currency", CodeInvalidCurrency, "%s is not an ISO 4217 currency", quote(c)))
		}
		g.currency = cur
	}
	switch m := field(f, 6); m {
	case "1", "2":
		g.stmtType = canonical.StatementEndOfDay
	case "3", "4":
		g.stmtType = canonical.StatementInterim
	case "":
	default:
		return bad(newProblem("as_of_date_modifier", CodeInvalidModifier, "%s is not an as-of-date modifier (1-4)", quote(m)))
	}
	return nil
}

func (p *parser) accountHeader(r *record) error {
	if err := p.closeAccount(r.line, "03 account header"); err != nil {
		return err
	}
	a := &account{line: r.line, records: r.n}
	p.acct = a
	g := p.grp
	if g == nil {
		return p.badAccount(r.line, "", CodeUnexpectedRecord, "03 account header outside a group (no 02 before it)")
	}
	if g.bad {
		a.bad = true
		return nil
	}
	f := r.fields
	a.number = field(f, 0)
	if a.number == "" {
		return p.badAccount(r.line, "account", CodeMissingField, "03 account header has no account number")
	}
	if first, ok := g.accountAt[a.number]; ok {
		return p.badAccount(r.line, "account", CodeDuplicateAccount,
			fmt.Sprintf("appears twice in the group (first on line %d)", first))
	}
	g.accountAt[a.number] = r.line
	cur := g.currency
	if c := field(f, 1); c != "" {
		pc, err := canonical.ParseCurrency(c)
		if err != nil {
			return p.badAccount(r.line, "currency", CodeInvalidCurrency, fmt.Sprintf("%s is not an ISO 4217 currency", quote(c)))
		}
		cur = pc
	}
	s := &canonical.BankStatement{
		// File id, group and the account's place in the group: unique with
		// the account, and no account number in an identifier that logs print.
		StatementID:   fmt.Sprintf("%s-%d-%d", p.fileID, g.seq, len(g.accountAt)),
		StatementType: g.stmtType,
		CreatedAt:     p.created,
		Account:       canonical.BankAccount{Number: a.number, Currency: cur},
		OpeningDate:   g.asOf,
		ClosingDate:   g.asOf,
		Source:        &canonical.Source{Connector: p.connector, Partner: p.in.Partner, File: p.in.Name, Line: r.line},
	}
	a.stmt = s
	for i := 2; i < len(f); {
		tcs, amts, cnts := field(f, i), field(f, i+1), field(f, i+2)
		fu, pr := parseFunds(field(f, i+3), f[min(i+4, len(f)):])
		if pr != nil {
			return p.badAccount(r.line, pr.field, pr.code, "03 summary "+quote(tcs)+": "+pr.msg)
		}
		i += 4 + fu.extra
		if tcs == "" && amts == "" {
			continue
		}
		tc, pr := parseTypeCode(tcs)
		if pr != nil {
			return p.badAccount(r.line, pr.field, pr.code, "03 summary: "+pr.msg)
		}
		amt, ok, pr := parseAmount("amount", amts, true)
		if pr == nil {
			_, _, pr = parseCount("item_count", cnts)
		}
		if pr != nil {
			return p.badAccount(r.line, pr.field, pr.code, "03 summary "+tcs+": "+pr.msg)
		}
		if !ok {
			continue
		}
		if !addChecked(&a.total, amt) {
			return p.badAccount(r.line, "amount", CodeAmountOverflow, "the account's amounts add up beyond 18 digits")
		}
		p.summary(a, tc, tcs, amt, cnts)
	}
	return nil
}

// summary records one 03 amount on the statement.
func (p *parser) summary(a *account, tc int, tcs string, amt int64, cnt string) {
	s := a.stmt
	cur := s.Account.Currency
	m := money(amt, cur)
	switch {
	case tc == 100 || tc == 400:
		if s.Totals == nil {
			s.Totals = &canonical.EntryTotals{}
		}
		n, _, _ := parseCount("", cnt)
		abs := money(max(amt, -amt), cur)
		if tc == 100 {
			s.Totals.CreditCount, s.Totals.CreditAmount = n, &abs
		} else {
			s.Totals.DebitCount, s.Totals.DebitAmount = n, &abs
		}
		return
	case tc >= 100:
		return // other activity summaries: in the control total only
	}
	typ := "BAI-" + tcs
	switch tc {
	case 10:
		typ, a.opening = "OPBD", true
		s.OpeningBalance = &m
	case 15:
		typ, a.closing = "CLBD", true
		s.ClosingBalance = &m
	case 40:
		typ = "OPAV"
	case 45:
		typ = "CLAV"
	}
	s.Balances = append(s.Balances, canonical.Balance{Type: typ, Amount: m, Date: s.ClosingDate})
}

func (p *parser) detail(r *record) error {
	a := p.acct
	if a == nil {
		return p.rowError(r.line, "", CodeUnexpectedRecord, "16 transaction detail outside an account (no 03 before it)")
	}
	if a.bad {
		return nil
	}
	f := r.fields
	tc, pr := parseTypeCode(field(f, 0))
	if pr != nil {
		return p.badAccount(r.line, pr.field, pr.code, "16 detail: "+pr.msg)
	}
	amt, ok, pr := parseAmount("amount", field(f, 1), false)
	if pr != nil {
		return p.badAccount(r.line, pr.field, pr.code, "16 detail: "+pr.msg)
	}
	fu, pr := parseFunds(field(f, 2), f[min(3, len(f)):])
	if pr != nil {
		return p.badAccount(r.line, pr.field, pr.code, "16 detail: "+pr.msg)
	}
	if !addChecked(&a.total, amt) {
		return p.badAccount(r.line, "amount", CodeAmountOverflow, "the account's amounts add up beyond 18 digits")
	}
	s := a.stmt
	e := canonical.BankTransaction{
		Currency:          s.Account.Currency,
		BookingDate:       s.ClosingDate,
		ValueDate:         fu.valueDate,
		BankReference:     field(f, 3+fu.extra),
		CustomerReference: field(f, 4+fu.extra),
		RemittanceInfo:    r.text,
		BankCode:          field(f, 0), // three digits, checked above
	}
	switch {
	case tc == 890:
		e.Status = canonical.EntryInfo
		amt = 0 // non-monetary information
	case !ok:
		return p.badAccount(r.line, "amount", CodeMissingField, fmt.Sprintf("16 detail %03d has no amount", tc))
	case tc >= 100 && tc < 400:
	case tc >= 400 && tc < 700:
		amt = -amt
	default:
		return p.badAccount(r.line, "type_code", CodeInvalidTypeCode, fmt.Sprintf("16 detail type code %03d is neither a credit (100-399) nor a debit (400-699)", tc))
	}
	e.Amount = money(amt, s.Account.Currency)
	s.Entries = append(s.Entries, e)
	return nil
}

func (p *parser) accountTrailer(r *record) error {
	a := p.acct
	if a == nil {
		return p.rowError(r.line, "", CodeUnexpectedRecord, "49 account trailer with no 03 account header before it")
	}
	p.acct = nil
	g := p.grp
	if g != nil {
		g.accounts++
	}
	total, ok, pr := parseAmount("account_control_total", field(r.fields, 0), true)
	if pr == nil && !ok {
		pr = newProblem("account_control_total", CodeMissingField, "is empty")
	}
	if g != nil {
		if pr != nil {
			g.totalOK = false
		} else if !addChecked(&g.total, total) {
			g.totalOK = false
		}
	}
	if a.bad {
		return nil
	}
	if pr != nil {
		return p.badTrailer(a, r.line, pr.field, pr.code, "49 account trailer: "+pr.msg)
	}
	n, ok, pr := parseCount("number_of_records", field(r.fields, 1))
	if pr == nil && !ok {
		pr = newProblem("number_of_records", CodeMissingField, "is empty")
	}
	if pr != nil {
		return p.badTrailer(a, r.line, pr.field, pr.code, "49 account trailer: "+pr.msg)
	}
	if total != a.total {
		return p.badTrailer(a, r.line, "account_control_total", CodeControlTotal,
			fmt.Sprintf("49 account trailer: control total is %d but the account's amounts add up to %d", total, a.total))
	}
	if n != a.records {
		return p.badTrailer(a, r.line, "number_of_records", CodeRecordCount,
			fmt.Sprintf("49 account trailer: number of records is %d but the account has %d (03 to 49, with 16s and 88s)", n, a.records))
	}
	s := a.stmt
	if a.opening && a.closing {
		s.SetBalanceCheck()
	}
	if err := s.Validate(); err != nil {
		return p.rowError(a.line, "", CodeInvalidStatement, fmt.Sprintf("account %s: %v", canonical.MaskAccount(a.number), err))
	}
	return p.out.Record(p.ctx, connectors.Record{Type: canonical.TypeBankStatement, Key: a.number, Value: s})
}

// badTrailer reports an account rejected at its 49.
func (p *parser) badTrailer(a *account, line int, fieldName, code, msg string) error {
	return p.rowError(line, fieldName, code, fmt.Sprintf("account %s (line %d): %s; the account is not read", canonical.MaskAccount(a.number), a.line, msg))
}

// closeAccount reports an account left open when what ends it (a 02, 03,
// 98, 99 or the end of the file) comes without its 49.
func (p *parser) closeAccount(line int, what string) error {
	a := p.acct
	if a == nil {
		return nil
	}
	p.acct = nil
	if p.grp != nil {
		p.grp.accounts++
		p.grp.totalOK = false
	}
	if a.bad {
		return nil
	}
	return p.rowError(line, "", CodeMissingTrailer,
		fmt.Sprintf("account %s from line %d has no 49 account trailer before the %s; the account is not read", canonical.MaskAccount(a.number), a.line, what))
}

func (p *parser) groupTrailer(r *record) error {
	if err := p.closeAccount(r.line, "98 group trailer"); err != nil {
		return err
	}
	g := p.grp
	if g == nil {
		return p.rowError(r.line, "", CodeUnexpectedRecord, "98 group trailer with no 02 group header before it")
	}
	p.grp = nil
	p.groups++
	total, ok, pr := parseAmount("group_control_total", field(r.fields, 0), true)
	if pr == nil && !ok {
		pr = newProblem("group_control_total", CodeMissingField, "is empty")
	}
	if pr != nil || !addChecked(&p.fileTotal, total) {
		p.totalOK = false
	}
	if pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "98 group trailer: "+pr.msg)
	}
	if g.totalOK && !g.bad && total != g.total {
		if err := p.rowError(r.line, "group_control_total", CodeControlTotal,
			fmt.Sprintf("98 group trailer: control total is %d but the group's 49 control totals add up to %d", total, g.total)); err != nil {
			return err
		}
	}
	if n, ok, pr := parseCount("number_of_accounts", field(r.fields, 1)); pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "98 group trailer: "+pr.msg)
	} else if ok && n != g.accounts {
		if err := p.rowError(r.line, "number_of_accounts", CodeRecordCount,
			fmt.Sprintf("98 group trailer: number of accounts is %d but the group has %d", n, g.accounts)); err != nil {
			return err
		}
	}
	if n, ok, pr := parseCount("number_of_records", field(r.fields, 2)); pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "98 group trailer: "+pr.msg)
	} else if ok && n != g.records {
		return p.rowError(r.line, "number_of_records", CodeRecordCount,
			fmt.Sprintf("98 group trailer: number of records is %d but the group has %d (02 to 98)", n, g.records))
	}
	return nil
}

func (p *parser) fileTrailer(r *record) error {
	if err := p.closeOpen(r.line, "99 file trailer"); err != nil {
		return err
	}
	p.done = true
	total, ok, pr := parseAmount("file_control_total", field(r.fields, 0), true)
	if pr == nil && !ok {
		pr = newProblem("file_control_total", CodeMissingField, "is empty")
	}
	if pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "99 file trailer: "+pr.msg)
	}
	if p.totalOK && total != p.fileTotal {
		if err := p.rowError(r.line, "file_control_total", CodeControlTotal,
			fmt.Sprintf("99 file trailer: control total is %d but the 98 group control totals add up to %d", total, p.fileTotal)); err != nil {
			return err
		}
	}
	if n, ok, pr := parseCount("number_of_groups", field(r.fields, 1)); pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "99 file trailer: "+pr.msg)
	} else if ok && n != p.groups {
		if err := p.rowError(r.line, "number_of_groups", CodeRecordCount,
			fmt.Sprintf("99 file trailer: number of groups is %d but the file has %d", n, p.groups)); err != nil {
			return err
		}
	}
	if n, ok, pr := parseCount("number_of_records", field(r.fields, 2)); pr != nil {
		return p.rowError(r.line, pr.field, pr.code, "99 file trailer: "+pr.msg)
	} else if ok && n != p.records {
		return p.rowError(r.line, "number_of_records", CodeRecordCount,
			fmt.Sprintf("99 file trailer: number of records is %d but the file has %d (01 to 99)", n, p.records))
	}
	return nil
}

// closeOpen reports the account and group left open before a 99 or the end.
func (p *parser) closeOpen(line int, what string) error {
	if err := p.closeAccount(line, what); err != nil {
		return err
	}
	if g := p.grp; g != nil {
		p.grp = nil
		p.groups++
		p.totalOK = false
		return p.rowError(line, "", CodeMissingTrailer, fmt.Sprintf("group from line %d has no 98 group trailer before the %s", g.line, what))
	}
	return nil
}

// finish reports a file that ends without its trailers.
func (p *parser) finish() error {
	if !p.header {
		return p.fileError(0, "the file is empty: no BAI2 01 file header")
	}
	if p.done {
		return nil
	}
	if err := p.closeOpen(p.lastLine, "end of the file"); err != nil {
		return err
	}
	return p.rowError(p.lastLine, "", CodeMissingTrailer, "the file ends without its 99 file trailer: it may be truncated")
}

// badAccount gives the open account's one row error and skips to its 49.
func (p *parser) badAccount(line int, fieldName, code, msg string) error {
	a := p.acct
	a.bad = true
	if a.number != "" {
		msg = fmt.Sprintf("account %s: %s; the account is not read", canonical.MaskAccount(a.number), msg)
	} else {
		msg += "; the account is not read"
	}
	return p.rowError(line, fieldName, code, msg)
}

func (p *parser) rowError(line int, fieldName, code, msg string) error {
	return p.out.RowError(p.ctx, connectors.RowError{File: p.in.Name, Line: line, Field: fieldName, Code: code, Message: msg})
}

func (p *parser) fileError(line int, format string, args ...any) error {
	return &connectors.FileError{File: p.in.Name, Line: line, Code: CodeNotBAI2, Message: fmt.Sprintf(format, args...)}
}
