package camt

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// maxAmountDigits is ISO 20022's totalDigits of an amount.
const maxAmountDigits = 18

// badPart is the first problem found in a statement: it becomes its row error.
type badPart struct {
	path, code, msg string
	line            int
}

func (b *badPart) Error() string { return b.path + ": " + b.msg }

func bad(path string, line int, code, format string, args ...any) *badPart {
	return &badPart{path: path, line: line, code: code, msg: fmt.Sprintf(format, args...)}
}

// statement maps one decoded Stmt/Rpt/Ntfctn and hands it to the sink.
func (s *session) statement(ctx context.Context, path string, line int, st *statement) error {
	bs, warns, err := s.build(path, line, st)
	if err != nil {
		var bp *badPart
		if !errors.As(err, &bp) {
			return err
		}
		if bp.line <= 0 {
			bp.line = line
		}
		return s.out.RowError(ctx, connectors.RowError{File: s.in.Name, Line: bp.line, Field: bp.path, Code: bp.code, Message: bp.msg})
	}
	key := bs.Account.IBAN
	if key == "" {
		key = bs.Account.Number
	}
	dup := bs.StatementID + "\x00" + key
	if first, ok := s.seen[dup]; ok {
		return s.out.RowError(ctx, connectors.RowError{
			File: s.in.Name, Line: line, Field: path + "/Id", Code: canonical.CodeDuplicate,
			Message: fmt.Sprintf("statement %s of account %s is sent twice: the first is %s on line %d; this one is left out",
				clip(bs.StatementID), maskAccount(key), first.path, first.line),
		})
	}
	s.seen[dup] = seenAt{path: path, line: line}
	if err := s.out.Record(ctx, connectors.Record{Type: canonical.TypeBankStatement, Key: key, Value: bs}); err != nil {
		return err
	}
	for _, w := range warns {
		if err := s.out.RowError(ctx, connectors.RowError{File: s.in.Name, Line: w.line, Field: w.path, Code: w.code, Message: w.msg}); err != nil {
			return err
		}
	}
	return nil
}

func maskAccount(a string) string {
	if len(a) > 2 && a[0] >= 'A' && a[0] <= 'Z' && a[1] >= 'A' && a[1] <= 'Z' {
		return canonical.MaskIBAN(a)
	}
	return canonical.MaskAccount(a)
}

// build maps st; warnings are problems that leave the statement good
// (batch_mismatch). The error is a *badPart.
func (s *session) build(path string, line int, st *statement) (*canonical.BankStatement, []*badPart, error) {
	bs := &canonical.BankStatement{
		StatementID:    st.ID.V,
		StatementType:  s.d.msg.typ,
		SequenceNumber: strings.TrimSpace(st.ElctrncSeqNb),
		Source:         &canonical.Source{Connector: s.connector, Partner: s.in.Partner, File: s.in.Name, Line: line, Segment: path},
	}
	if bs.SequenceNumber == "" {
		bs.SequenceNumber = strings.TrimSpace(st.LglSeqNb)
	}
	if bs.StatementID == "" {
		return nil, nil, bad(path+"/Id", line, canonical.CodeRequired, "the %s has no Id", s.d.msg.item)
	}
	created := st.CreDtTm
	cpath := path + "/CreDtTm"
	if created.V == "" {
		created, cpath = s.created, "Document/"+s.d.msg.container+"/GrpHdr/CreDtTm"
	}
	if created.V != "" {
		t, err := parseDateTime(created.V)
		if err != nil {
			return nil, nil, bad(cpath, created.Line, canonical.CodeInvalidDate, "%s is not a date and time (YYYY-MM-DDThh:mm:ss)", clip(created.V))
		}
		bs.CreatedAt = t
	}
	a := st.Acct
	bs.Account = canonical.BankAccount{
		IBAN:     strings.ToUpper(strings.Join(strings.Fields(a.IBAN), "")),
		Number:   strings.TrimSpace(a.Othr),
		BIC:      a.Svcr.bic(),
		Currency: canonical.Currency(strings.TrimSpace(a.Ccy)),
	}
	if bs.Account.IBAN != "" {
		bs.Account.Number = ""
	}
	if bs.Account.IBAN == "" && bs.Account.Number == "" {
		return nil, nil, bad(path+"/Acct/Id", line, canonical.CodeRequired, "statement %s names no account (Acct/Id/IBAN or Acct/Id/Othr/Id)", clip(bs.StatementID))
	}

	if err := s.balances(bs, path, st.Bal); err != nil {
		return nil, nil, err
	}
	if st.TxsSummry != nil {
		t, err := totals(path+"/TxsSummry", st.TxsSummry)
		if err != nil {
			return nil, nil, err
		}
		bs.Totals = t
	}
	var warns []*badPart
	var origin []entryOrigin // where each canonical entry comes from
	for i := range st.Ntry {
		npath := fmt.Sprintf("%s/Ntry[%d]", path, i+1)
		entries, warn, err := mapEntry(npath, &st.Ntry[i])
		if err != nil {
			return nil, nil, err
		}
		if warn != nil {
			warns = append(warns, warn)
		}
		for j := range entries {
			o := entryOrigin{path: npath, line: st.Ntry[i].Line}
			if len(entries) > 1 {
				o.path = fmt.Sprintf("%s/NtryDtls/TxDtls[%d]", npath, j+1)
				o.line = st.Ntry[i].TxDtls[j].Line
			}
			origin = append(origin, o)
		}
		bs.Entries = append(bs.Entries, entries...)
	}
	bs.SetBalanceCheck()
	if err := bs.Validate(); err != nil {
		return nil, nil, validationPart(path, line, origin, err)
	}
	return bs, warns, nil
}

type entryOrigin struct {
	path string
	line int
}

// entryFields maps an entry's canonical fields to where camt says them.
var entryFields = map[string]string{
	"amount": "/Amt", "currency": "/Amt", "booking_date": "/BookgDt", "value_date": "/ValDt",
	"counterparty.iban": "/RltdPties", "counterparty.bic": "/RltdAgts",
	"original_currency": "/AmtDtls/InstdAmt/Amt", "status": "/Sts",
}

// validationPart turns the first canonical validation problem into a bad
// part with the XML path and line it comes from, as near as it can be told.
func validationPart(path string, line int, origin []entryOrigin, err error) *badPart {
	ve := canonical.AsValidationError(err)
	if ve == nil || len(ve.Problems) == 0 {
		return bad(path, line, canonical.CodeInvalidFormat, "%v", err)
	}
	p := ve.Problems[0]
	xpath, msg := path, p.Path+": "+p.Message
	switch {
	case strings.HasPrefix(p.Path, "account.iban"):
		xpath += "/Acct/Id/IBAN"
	case strings.HasPrefix(p.Path, "account.bic"):
		xpath += "/Acct/Svcr"
	case strings.HasPrefix(p.Path, "account.currency"):
		xpath += "/Acct/Ccy"
	case strings.HasPrefix(p.Path, "entries["):
		rest := strings.TrimPrefix(p.Path, "entries[")
		end := strings.Index(rest, "]")
		if i, err := strconv.Atoi(rest[:max(end, 0)]); end > 0 && err == nil && i >= 0 && i < len(origin) {
			f := strings.TrimPrefix(rest[end+1:], ".")
			xpath, line = origin[i].path+entryFields[f], origin[i].line
			msg = f + ": " + p.Message // the XML path names the entry; entries[i] counts split batches
		}
	case strings.HasPrefix(p.Path, "opening") || strings.HasPrefix(p.Path, "closing") || strings.HasPrefix(p.Path, "balances"):
		xpath += "/Bal"
	}
	if len(ve.Problems) > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", len(ve.Problems)-1)
	}
	return bad(xpath, line, p.Code, "%s", msg)
}

func (s *session) balances(bs *canonical.BankStatement, path string, bals []balance) error {
	var opening, prcd *canonical.Balance
	for i := range bals {
		b := &bals[i]
		bpath := fmt.Sprintf("%s/Bal[%d]", path, i+1)
		typ := strings.TrimSpace(b.Cd)
		if typ == "" {
			typ = strings.TrimSpace(b.Prtry)
		}
		if typ == "" {
			return bad(bpath+"/Tp/CdOrPrtry/Cd", b.Amt.Line, canonical.CodeRequired, "the balance has no type")
		}
		amt, err := signedAmount(bpath, b.Amt, b.CdtDbtInd)
		if err != nil {
			return err
		}
		date, err := dateOf(bpath+"/Dt", b.Dt)
		if err != nil {
			return err
		}
		if b.Amt.Currency != "" && bs.Account.Currency == "" {
			bs.Account.Currency = canonical.Currency(b.Amt.Currency)
		}
		bs.Balances = append(bs.Balances, canonical.Balance{Type: typ, Amount: amt, Date: date})
		last := &bs.Balances[len(bs.Balances)-1]
		switch typ {
		case "OPBD":
			if opening == nil {
				opening = last
			}
		case "PRCD":
			if prcd == nil {
				prcd = last
			}
		case "CLBD":
			if bs.ClosingBalance == nil {
				c := last.Amount
				bs.ClosingBalance, bs.ClosingDate = &c, last.Date
			}
		}
	}
	if opening == nil {
		opening = prcd
	}
	if opening != nil {
		o := opening.Amount
		bs.OpeningBalance, bs.OpeningDate = &o, opening.Date
	}
	return nil
}

func totals(path string, t *summary) (*canonical.EntryTotals, error) {
	var out canonical.EntryTotals
	read := func(p string, s *sumOfEntries, count *int, sum **canonical.Decimal) error {
		if s == nil {
			return nil
		}
		if v := s.NbOfNtries.V; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return bad(p+"/NbOfNtries", s.NbOfNtries.Line, canonical.CodeInvalidFormat, "%s is not a number of entries", clip(v))
			}
			*count = n
		}
		if s.Sum.V != "" {
			d, err := parseAmount(p+"/Sum", amount{V: s.Sum.V, Line: s.Sum.Line, Set: true})
			if err != nil {
				return err
			}
			*sum = &d
		}
		return nil
	}
	if err := read(path+"/TtlCdtNtries", t.TtlCdtNtries, &out.CreditCount, &out.CreditAmount); err != nil {
		return nil, err
	}
	if err := read(path+"/TtlDbtNtries", t.TtlDbtNtries, &out.DebitCount, &out.DebitAmount); err != nil {
		return nil, err
	}
	if t.TtlCdtNtries == nil && t.TtlDbtNtries == nil {
		return nil, nil
	}
	return &out, nil
}

// parseAmount reads a non-negative ISO 20022 amount of at most 18 digits.
func parseAmount(path string, a amount) (canonical.Decimal, error) {
	if !a.Set || a.V == "" {
		return canonical.Decimal{}, bad(path, a.Line, canonical.CodeRequired, "the amount is missing")
	}
	digits := 0
	for i := 0; i < len(a.V); i++ {
		c := a.V[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
		default:
			return canonical.Decimal{}, bad(path, a.Line, canonical.CodeInvalidDecimal, "%q is not an amount (digits with a decimal point, no sign)", clip(a.V))
		}
	}
	if digits > maxAmountDigits {
		return canonical.Decimal{}, bad(path, a.Line, CodeAmountDigits, "%s has %d digits; an ISO 20022 amount has at most %d", clip(a.V), digits, maxAmountDigits)
	}
	d, err := canonical.ParseDecimal(a.V)
	if err != nil || digits == 0 {
		return canonical.Decimal{}, bad(path, a.Line, canonical.CodeInvalidDecimal, "%q is not an amount", clip(a.V))
	}
	return d, nil
}

// credit reads a CdtDbtInd: true for CRDT, false for DBIT.
func credit(path string, ind text, line int) (bool, error) {
	switch ind.V {
	case "CRDT":
		return true, nil
	case "DBIT":
		return false, nil
	case "":
		return false, bad(path, line, canonical.CodeRequired, "CdtDbtInd is missing: it says whether the amount is a credit (CRDT) or a debit (DBIT)")
	}
	return false, bad(path, ind.Line, CodeInvalidCode, "%q is neither CRDT nor DBIT", clip(ind.V))
}

func signedAmount(path string, a amount, ind text) (canonical.Decimal, error) {
	d, err := parseAmount(path+"/Amt", a)
	if err != nil {
		return d, err
	}
	cr, err := credit(path+"/CdtDbtInd", ind, a.Line)
	if err != nil {
		return d, err
	}
	if !cr {
		d = canonical.NewDecimal(d.Neg())
	}
	return d, nil
}

// dateOf reads Dt or DtTm; of a DtTm the date as written is taken.
func dateOf(path string, c dateChoice) (canonical.Date, error) {
	if c.Dt.V != "" {
		d, err := canonical.ParseDate(c.Dt.V)
		if err != nil {
			return d, bad(path+"/Dt", c.Dt.Line, canonical.CodeInvalidDate, "%q is not a date (YYYY-MM-DD)", clip(c.Dt.V))
		}
		return d, nil
	}
	if c.DtTm.V != "" {
		t, err := parseDateTime(c.DtTm.V)
		if err != nil {
			return canonical.Date{}, bad(path+"/DtTm", c.DtTm.Line, canonical.CodeInvalidDate, "%q is not a date and time (YYYY-MM-DDThh:mm:ss)", clip(c.DtTm.V))
		}
		return canonical.DateOf(t), nil
	}
	return canonical.Date{}, nil
}

// parseDateTime reads an ISODateTime, with or without a UTC offset and
// fractional seconds. Without an offset the time is taken as written, in UTC.
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1 {
				break
			}
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an ISO date and time")
}

func entryStatus(path string, st status, line int) (canonical.EntryStatus, error) {
	switch c := st.code(); c {
	case "", "BOOK":
		return canonical.EntryBooked, nil
	case "PDNG", "FUTR":
		return canonical.EntryPending, nil
	case "INFO":
		return canonical.EntryInfo, nil
	default:
		return "", bad(path, line, CodeInvalidCode, "%q is not an entry status (BOOK, PDNG, INFO, FUTR)", clip(c))
	}
}

// mapEntry maps one Ntry into one entry, or one per TxDtls of a batch.
func mapEntry(path string, n *entry) ([]canonical.BankTransaction, *badPart, error) {
	amt, err := signedAmount(path, n.Amt, n.CdtDbtInd)
	if err != nil {
		return nil, nil, err
	}
	if n.Amt.Currency == "" {
		return nil, nil, bad(path+"/Amt", n.Amt.Line, canonical.CodeRequired, "the amount %s has no currency (Ccy)", amt)
	}
	e := canonical.BankTransaction{
		Amount:         amt,
		Currency:       canonical.Currency(n.Amt.Currency),
		BankReference:  strings.TrimSpace(n.AcctSvcrRef),
		BankCode:       n.BkTxCd.String(),
		AdditionalInfo: strings.TrimSpace(n.AddtlInf),
	}
	switch strings.TrimSpace(n.RvslInd) {
	case "true", "1":
		e.Reversal = true
	case "", "false", "0":
	default:
		return nil, nil, bad(path+"/RvslInd", n.Line, CodeInvalidCode, "%q is neither true nor false", clip(n.RvslInd))
	}
	if e.Status, err = entryStatus(path+"/Sts", n.Sts, n.Line); err != nil {
		return nil, nil, err
	}
	if e.BookingDate, err = dateOf(path+"/BookgDt", n.BookgDt); err != nil {
		return nil, nil, err
	}
	if e.ValueDate, err = dateOf(path+"/ValDt", n.ValDt); err != nil {
		return nil, nil, err
	}
	if e.Charges, err = sumCharges(path+"/Chrgs", n.Chrgs); err != nil {
		return nil, nil, err
	}
	if err := originalAmount(path+"/AmtDtls/InstdAmt/Amt", &e, n.AmtDtls.InstdAmt); err != nil {
		return nil, nil, err
	}
	switch len(n.TxDtls) {
	case 0:
		return []canonical.BankTransaction{e}, nil, nil
	case 1:
		if err := details(fmt.Sprintf("%s/NtryDtls/TxDtls[1]", path), &e, &n.TxDtls[0], e.Amount.IsPositive() != e.Reversal); err != nil {
			return nil, nil, err
		}
		return []canonical.BankTransaction{e}, nil, nil
	}
	// A batch: split when every TxDtls has an amount and they add up.
	split := make([]canonical.BankTransaction, len(n.TxDtls))
	var sum decimal.Decimal
	complete := true
	for i := range n.TxDtls {
		tx := &n.TxDtls[i]
		tpath := fmt.Sprintf("%s/NtryDtls/TxDtls[%d]", path, i+1)
		ta, apath := tx.Amt, tpath+"/Amt"
		if !ta.Set {
			ta, apath = tx.AmtDtls.TxAmt, tpath+"/AmtDtls/TxAmt/Amt"
		}
		if !ta.Set {
			complete = false
			break
		}
		if ta.Currency != "" && ta.Currency != n.Amt.Currency {
			complete = false
			break
		}
		d, err := parseAmount(apath, ta)
		if err != nil {
			return nil, nil, err
		}
		cr := e.Amount.IsPositive()
		if tx.CdtDbtInd.V != "" {
			if cr, err = credit(tpath+"/CdtDbtInd", tx.CdtDbtInd, tx.Line); err != nil {
				return nil, nil, err
			}
		}
		if !cr {
			d = canonical.NewDecimal(d.Neg())
		}
		sum = sum.Add(d.Decimal)
		t := e
		t.Amount = d
		// The entry's own charges and instructed amount are the batch's,
		// not this payment's: said in words, so they are not lost.
		t.Charges, t.OriginalAmount, t.OriginalCurrency = nil, nil, ""
		if e.Charges != nil {
			t.AdditionalInfo = joinInfo(t.AdditionalInfo, fmt.Sprintf("charges of the whole batch of %d: %s %s", len(n.TxDtls), e.Charges, e.Currency))
		}
		if err := details(tpath, &t, tx, cr != e.Reversal); err != nil {
			return nil, nil, err
		}
		split[i] = t
	}
	if !complete {
		e.AdditionalInfo = joinInfo(e.AdditionalInfo, fmt.Sprintf("batch of %d transactions", len(n.TxDtls)))
		return []canonical.BankTransaction{e}, nil, nil
	}
	if !sum.Equal(e.Amount.Decimal) {
		e.AdditionalInfo = joinInfo(e.AdditionalInfo, fmt.Sprintf("batch of %d transactions", len(n.TxDtls)))
		warn := bad(path+"/NtryDtls", n.Line, CodeBatchMismatch,
			"the %d TxDtls amounts add up to %s but the entry is %s %s: the entry is kept whole, not split",
			len(n.TxDtls), canonical.NewDecimal(sum), e.Amount, e.Currency)
		return []canonical.BankTransaction{e}, warn, nil
	}
	return split, nil, nil
}

func joinInfo(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// details adds what a TxDtls says to e. received is true when the money
// came in (a credit, or the reversal of a debit): the counterparty is then
// the debtor, else the creditor.
func details(path string, e *canonical.BankTransaction, tx *txDetails, received bool) error {
	if ref := strings.TrimSpace(tx.Refs.AcctSvcrRef); ref != "" && e.BankReference == "" {
		e.BankReference = ref
	}
	if id := strings.TrimSpace(tx.Refs.EndToEndID); id != "" && id != "NOTPROVIDED" {
		e.EndToEndID = id
	}
	if c := tx.BkTxCd.String(); c != "" {
		e.BankCode = c
	}
	if tx.RmtInf != nil {
		var parts []string
		for _, u := range tx.RmtInf.Ustrd {
			if u = strings.TrimSpace(u); u != "" {
				parts = append(parts, u)
			}
		}
		e.RemittanceInfo = strings.Join(parts, " ")
		for _, r := range tx.RmtInf.Ref {
			if r = strings.Join(strings.Fields(r), ""); r != "" {
				e.CreditorReference = r
				break
			}
		}
	}
	if info := strings.TrimSpace(tx.AddtlInf); info != "" {
		e.AdditionalInfo = joinInfo(e.AdditionalInfo, info)
	}
	ch, err := sumCharges(path+"/Chrgs", tx.Chrgs)
	if err != nil {
		return err
	}
	if ch != nil {
		e.Charges = ch
	}
	if tx.AmtDtls.InstdAmt.Set {
		if err := originalAmount(path+"/AmtDtls/InstdAmt/Amt", e, tx.AmtDtls.InstdAmt); err != nil {
			return err
		}
	}
	var cp canonical.Counterparty
	if p := tx.RltdPties; p != nil {
		pty, acct := p.Cdtr, p.CdtrAcct
		if received {
			pty, acct = p.Dbtr, p.DbtrAcct
		}
		cp.Name = pty.name()
		if acct != nil {
			cp.IBAN = strings.ToUpper(strings.Join(strings.Fields(acct.IBAN), ""))
			if cp.IBAN == "" {
				cp.Account = strings.TrimSpace(acct.Othr)
			}
		}
	}
	if a := tx.RltdAgts; a != nil {
		cp.BIC = a.CdtrAgt.bic()
		if received {
			cp.BIC = a.DbtrAgt.bic()
		}
	}
	if cp != (canonical.Counterparty{}) {
		e.Counterparty = &cp
	}
	return nil
}

// sumCharges adds up Chrgs: the first TtlChrgsAndTaxAmt when one is given
// (it is the total of all charges, and .001.02/.03 may repeat it in every
// Chrgs), else the Rcrd amounts (.001.04 on), else the Amt of each Chrgs
// (.001.02/.03). Charges are positive.
func sumCharges(path string, chrgs []charges) (*canonical.Decimal, error) {
	for i := range chrgs {
		if c := &chrgs[i]; c.Total.Set {
			d, err := parseAmount(fmt.Sprintf("%s[%d]/TtlChrgsAndTaxAmt", path, i+1), c.Total)
			if err != nil {
				return nil, err
			}
			return &d, nil
		}
	}
	var sum decimal.Decimal
	found := false
	for i := range chrgs {
		c := &chrgs[i]
		switch {
		case len(c.Rcrd) > 0:
			for j := range c.Rcrd {
				d, err := parseAmount(fmt.Sprintf("%s[%d]/Rcrd[%d]/Amt", path, i+1, j+1), c.Rcrd[j].Amt)
				if err != nil {
					return nil, err
				}
				sum, found = sum.Add(d.Decimal), true
			}
		case c.Amt.Set:
			d, err := parseAmount(fmt.Sprintf("%s[%d]/Amt", path, i+1), c.Amt)
			if err != nil {
				return nil, err
			}
			sum, found = sum.Add(d.Decimal), true
		}
	}
	if !found {
		return nil, nil
	}
	d := canonical.NewDecimal(sum)
	return &d, nil
}

// originalAmount sets the instructed amount when it differs from the entry's.
func originalAmount(path string, e *canonical.BankTransaction, a amount) error {
	if !a.Set {
		return nil
	}
	d, err := parseAmount(path, a)
	if err != nil {
		return err
	}
	if canonical.Currency(a.Currency) == e.Currency && d.Equal(canonical.NewDecimal(e.Amount.Abs())) {
		return nil
	}
	e.OriginalAmount, e.OriginalCurrency = &d, canonical.Currency(a.Currency)
	return nil
}
