package mt940

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// fieldError is a problem with one field of a statement; the decoder adds
// the file, the line and the statement it belongs to.
type fieldError struct {
	field string // canonical field, e.g. "entries.amount"
	code  string
	msg   string
}

func errf(field, code, format string, args ...any) *fieldError {
	return &fieldError{field: field, code: code, msg: fmt.Sprintf(format, args...)}
}

// maxAmountDigits bounds an amount's digits: SWIFT allows 15 characters
// with the comma; 18 digits still fit an int64, which is how amounts are
// read. Anything longer is a broken file, not money.
const maxAmountDigits = 18

// parseAmount reads a SWIFT amount: digits with a decimal comma ("1234,56",
// "1234," and "1234" are all accepted, as are leading zeros). It is never
// negative: the sign is the debit/credit mark's. The result keeps the
// decimals as written; scaleTo widens it to the currency's minor units.
func parseAmount(field, s string) (canonical.Decimal, *fieldError) {
	return parseSigned(field, s, false)
}

// parseSigned is parseAmount, negated when neg is set (a debit).
func parseSigned(field, s string, neg bool) (canonical.Decimal, *fieldError) {
	if s == "" {
		return canonical.Decimal{}, errf(field, canonical.CodeInvalidDecimal, "the amount is missing")
	}
	var mant int64
	digits, scale, comma := 0, int32(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if mant == 0 && c == '0' && !comma {
				continue // a leading zero: padding
			}
			digits++
			if digits > maxAmountDigits {
				return canonical.Decimal{}, errf(field, CodeAmountOverflow, "amount %s has more than %d digits", clipText(s), maxAmountDigits)
			}
			mant = mant*10 + int64(c-'0')
			if comma {
				scale++
			}
		case c == ',' && !comma:
			comma = true
		case c == '.':
			return canonical.Decimal{}, errf(field, canonical.CodeInvalidDecimal, "amount %s has a decimal point: SWIFT amounts use a decimal comma", clipText(s))
		default:
			return canonical.Decimal{}, errf(field, canonical.CodeInvalidDecimal, "amount %s is not a SWIFT amount (digits with a decimal comma)", clipText(s))
		}
	}
	if s[0] == ',' {
		return canonical.Decimal{}, errf(field, canonical.CodeInvalidDecimal, "amount %s has no digit before the comma", clipText(s))
	}
	if neg {
		mant = -mant
	}
	return canonical.NewDecimal(decimal.New(mant, -scale)), nil
}

// scaleTo writes d with at least the minor units of c ("1234," EUR is
// 1234.00): banks often leave zero decimals out, finance users expect them.
// More decimals than the currency has are kept, for validation to report.
func scaleTo(d canonical.Decimal, c canonical.Currency) canonical.Decimal {
	if !c.Valid() || !c.HasMinorUnits() {
		return d
	}
	if mu := int32(c.MinorUnits()); d.Scale() < mu {
		return canonical.NewDecimal(d.Decimal.Round(mu))
	}
	return d
}

// amountEnd is the length of the amount at the start of s: digits and commas.
func amountEnd(s string) int {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ',' || s[i] == '.') {
		i++
	}
	return i
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// parseDate reads YYMMDD. Years 00–79 are 2000–2079, 80–99 are 1980–1999.
func parseDate(field, s string) (canonical.Date, *fieldError) {
	if len(s) != 6 || !allDigits(s) {
		return canonical.Date{}, errf(field, canonical.CodeInvalidDate, "date %s is not YYMMDD", clipText(s))
	}
	yy := atoi(s[:2])
	year := 2000 + yy
	if yy >= 80 {
		year = 1900 + yy
	}
	d := canonical.NewDate(year, time.Month(atoi(s[2:4])), atoi(s[4:6]))
	if !d.Valid() {
		return canonical.Date{}, errf(field, canonical.CodeInvalidDate, "date %s (YYMMDD) is not a calendar date", s)
	}
	return d, nil
}

// entryDate reads the :61: entry (booking) date MMDD, which has no year: it
// takes the value date's year, or the next or the previous one when the
// entry is booked across a year end (value 31 December, booked 2 January;
// value 2 January, booked 31 December).
func entryDate(field, mmdd string, value canonical.Date) (canonical.Date, *fieldError) {
	m, d := time.Month(atoi(mmdd[:2])), atoi(mmdd[2:])
	year := value.Year
	switch {
	case value.Month == time.December && m == time.January:
		year++
	case value.Month == time.January && m == time.December:
		year--
	}
	date := canonical.NewDate(year, m, d)
	if !date.Valid() {
		return canonical.Date{}, errf(field, canonical.CodeInvalidDate, "entry date %s (MMDD) is not a calendar date in %d", mmdd, year)
	}
	return date, nil
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func parseCurrency(field, s string) (canonical.Currency, *fieldError) {
	c := canonical.Currency(s)
	if len(s) != 3 || !c.Valid() {
		return "", errf(field, canonical.CodeInvalidCurrency, "%s is not an ISO 4217 currency", clipText(s))
	}
	return c, nil
}

// balance is a :60F:, :60M:, :62F:, :62M:, :64: or :65: field.
type balance struct {
	date     canonical.Date
	currency canonical.Currency
	amount   canonical.Decimal // signed: D is a debit balance, negative
}

// parseBalance reads 1!a6!n3!a15d: D or C, YYMMDD, currency, amount.
func parseBalance(field, v string) (balance, *fieldError) {
	if len(v) < 11 || (v[0] != 'C' && v[0] != 'D') {
		return balance{}, errf(field, CodeInvalidField, "balance %s is not D/C mark, YYMMDD, currency, amount", clipText(v))
	}
	date, err := parseDate(field, v[1:7])
	if err != nil {
		return balance{}, err
	}
	cur, err := parseCurrency(field, v[7:10])
	if err != nil {
		return balance{}, err
	}
	amt, err := parseSigned(field, v[10:], v[0] == 'D')
	if err != nil {
		return balance{}, err
	}
	amt = scaleTo(amt, cur)
	return balance{date: date, currency: cur, amount: amt}, nil
}

// parseEntry reads a :61: statement line:
//
//	6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]   first line
//	[34x]                                 supplementary details
//
// value date, entry date, debit/credit mark, funds code, amount, transaction
// type, reference for the account owner, the bank's reference, details.
//
// The sign is the entry's effect on the balance. SWIFT defines the marks
// as C credit, D debit, RC "reversal of credit (debit entry)" and RD
// "reversal of debit (credit entry)": a reversed debit gives the money
// back, so C and RD are positive, D and RC negative. MT942 also knows EC
// and ED, expected credits and debits, which are not booked yet: pending.
func parseEntry(lines []string) (canonical.BankTransaction, *fieldError) {
	var e canonical.BankTransaction
	s := lines[0]
	if len(s) < 6 {
		return e, errf("entries.value_date", CodeInvalidField, "statement line %s is too short for a value date", clipText(s))
	}
	vd, err := parseDate("entries.value_date", s[:6])
	if err != nil {
		return e, err
	}
	e.ValueDate, e.BookingDate = vd, vd
	s = s[6:]
	if len(s) >= 4 && allDigits(s[:4]) {
		if e.BookingDate, err = entryDate("entries.booking_date", s[:4], vd); err != nil {
			return e, err
		}
		s = s[4:]
	}
	mark := ""
	switch {
	case strings.HasPrefix(s, "RC"), strings.HasPrefix(s, "RD"), strings.HasPrefix(s, "EC"), strings.HasPrefix(s, "ED"):
		mark, s = s[:2], s[2:]
	case strings.HasPrefix(s, "C"), strings.HasPrefix(s, "D"):
		mark, s = s[:1], s[1:]
	default:
		return e, errf("entries.amount", CodeInvalidField, "statement line has no debit/credit mark (C, D, RC, RD) after the dates: %s", clipText(s))
	}
	if s != "" && isLetter(s[0]) {
		e.FundsCode, s = s[:1], s[1:]
	}
	n := amountEnd(s)
	amt, err := parseSigned("entries.amount", s[:n], mark == "D" || mark == "RC" || mark == "ED") // they take money out
	if err != nil {
		return e, err
	}
	s = s[n:]
	if len(s) < 4 || (s[0] != 'N' && s[0] != 'F' && s[0] != 'S') {
		return e, errf("entries.bank_code", CodeInvalidField, "statement line has no transaction type (N, F or S and three characters) after the amount: %s", clipText(s))
	}
	e.BankCode, s = s[:4], s[4:]
	ref, bankRef, _ := strings.Cut(s, "//")
	if ref = strings.TrimSpace(ref); ref != "NONREF" {
		e.CustomerReference = ref
	}
	e.BankReference = strings.TrimSpace(bankRef)
	if len(lines) > 1 {
		e.AdditionalInfo = strings.TrimSpace(strings.Join(lines[1:], " "))
	}
	e.Reversal = mark[0] == 'R'
	e.Status = canonical.EntryBooked
	if mark[0] == 'E' {
		e.Status = canonical.EntryPending
	}
	e.Amount = amt
	return e, nil
}

// parseAccount reads :25: in the forms banks use: an IBAN ("DE89...",
// "NL91ABNA0417164300EUR" with the currency behind it), "BIC/IBAN",
// "BIC/account", German "BLZ/Konto" ("37040044/0532013000", kept whole as
// the number, since the account number alone is ambiguous), or any other
// account number. An IBAN-like text that fails its mod-97 check is kept as
// a number, as the bank wrote it.
func parseAccount(v string) (canonical.BankAccount, canonical.Currency) {
	var a canonical.BankAccount
	acct := strings.TrimSpace(v)
	if left, right, ok := strings.Cut(acct, "/"); ok {
		if bic := strings.ToUpper(strings.TrimSpace(left)); isBIC(bic) {
			a.BIC, acct = bic, strings.TrimSpace(right)
		}
	}
	var cur canonical.Currency
	if n := len(acct); n > 3 {
		c := canonical.Currency(acct[n-3:])
		rest := strings.TrimSpace(acct[:n-3])
		if c.Valid() && (acct[n-4] == ' ' || canonical.ValidIBAN(rest)) {
			cur, acct = c, rest
		}
	}
	if iban := strings.ToUpper(strings.Join(strings.Fields(acct), "")); canonical.ValidIBAN(iban) {
		a.IBAN = iban
	} else {
		a.Number = acct
	}
	return a, cur
}

// parseDateTime reads the MT942 :13D: YYMMDDhhmm+hhmm (or :13: without the offset, read as UTC).
func parseDateTime(field, v string) (time.Time, *fieldError) {
	if len(v) < 10 || !allDigits(v[:10]) {
		return time.Time{}, errf(field, canonical.CodeInvalidDate, "date-time %s is not YYMMDDhhmm+hhmm", clipText(v))
	}
	d, err := parseDate(field, v[:6])
	if err != nil {
		return time.Time{}, err
	}
	hh, mm := atoi(v[6:8]), atoi(v[8:10])
	loc := time.UTC
	if rest := v[10:]; rest != "" {
		if len(rest) != 5 || (rest[0] != '+' && rest[0] != '-') || !allDigits(rest[1:]) {
			return time.Time{}, errf(field, canonical.CodeInvalidDate, "date-time %s has an offset that is not +hhmm or -hhmm", clipText(v))
		}
		off := atoi(rest[1:3])*3600 + atoi(rest[3:5])*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	if hh > 23 || mm > 59 {
		return time.Time{}, errf(field, canonical.CodeInvalidDate, "date-time %s has no such time of day", clipText(v))
	}
	return time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, loc), nil
}

// clipText shortens a value for an error message.
func clipText(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// isBIC is canonical.ValidBIC, without building an error for text that
// cannot be a BIC (the usual case where a BIC is only possible).
func isBIC(s string) bool { return (len(s) == 8 || len(s) == 11) && canonical.ValidBIC(s) }
