package bai2

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// problem is what is wrong with one field; the parser turns it into a
// connectors.RowError with the record's line.
type problem struct {
	field, code, msg string
}

func (p *problem) Error() string { return p.field + ": " + p.msg }

func newProblem(field, code, format string, args ...any) *problem {
	return &problem{field: field, code: code, msg: fmt.Sprintf(format, args...)}
}

// maxAmountDigits is the most digits an amount may have: 18 fit an int64.
const maxAmountDigits = 18

// parseAmount reads an amount in minor units ("12345" is 123.45 USD).
// signed allows a leading + or - (03 balances, trailer control totals).
// A blank amount is reported by ok=false without an error.
func parseAmount(name, s string, signed bool) (v int64, ok bool, p *problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	neg := false
	digits := s
	if signed && (s[0] == '+' || s[0] == '-') {
		neg, digits = s[0] == '-', s[1:]
	}
	if digits == "" {
		return 0, false, newProblem(name, CodeInvalidAmount, "%s is not an amount in minor units (digits only, no decimal point)", quote(s))
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false, newProblem(name, CodeInvalidAmount, "%s is not an amount in minor units (digits only, no decimal point)", quote(s))
		}
	}
	if len(strings.TrimLeft(digits, "0")) > maxAmountDigits {
		return 0, false, newProblem(name, CodeAmountOverflow, "%s has more than %d digits", quote(s), maxAmountDigits)
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true, nil
}

// parseCount reads an item or record count; blank is ok=false.
func parseCount(name, s string) (n int, ok bool, p *problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	if len(s) > 9 {
		return 0, false, newProblem(name, CodeInvalidCount, "%s is not a count", quote(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, newProblem(name, CodeInvalidCount, "%s is not a count", quote(s))
		}
	}
	n, _ = strconv.Atoi(s)
	return n, true, nil
}

// parseDate reads YYMMDD; years 00-69 are 20xx, 70-99 19xx.
func parseDate(name, s string) (canonical.Date, *problem) {
	s = strings.TrimSpace(s)
	bad := func() (canonical.Date, *problem) {
		return canonical.Date{}, newProblem(name, CodeInvalidDate, "%s is not a date (YYMMDD)", quote(s))
	}
	if len(s) != 6 {
		return bad()
	}
	var v [3]int
	for k := range 3 {
		a, b := s[2*k], s[2*k+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return bad()
		}
		v[k] = int(a-'0')*10 + int(b-'0')
	}
	year := 2000 + v[0]
	if v[0] >= 70 {
		year = 1900 + v[0]
	}
	d := canonical.NewDate(year, time.Month(v[1]), v[2])
	if !d.Valid() {
		return bad()
	}
	return d, nil
}

// parseTime reads HHMM (2400 and 9999 mean the end of the day) and returns
// the offset from midnight; blank is 0.
func parseTime(name, s string) (time.Duration, *problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if s == "2400" || s == "9999" {
		return 24 * time.Hour, nil
	}
	if len(s) == 4 {
		h, err1 := strconv.Atoi(s[:2])
		m, err2 := strconv.Atoi(s[2:])
		if err1 == nil && err2 == nil && h >= 0 && h < 24 && m >= 0 && m < 60 && s[0] != '-' && s[2] != '-' && s[0] != '+' && s[2] != '+' {
			return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
		}
	}
	return 0, newProblem(name, CodeInvalidTime, "%s is not a time (HHMM)", quote(s))
}

// funds is a parsed funds type with its own fields.
type funds struct {
	valueDate canonical.Date // V
	extra     int            // fields after the code
}

// parseFunds checks a funds type and the fields it brings (f starts just
// after the code), so that what follows is not misread.
func parseFunds(code string, f []string) (funds, *problem) {
	code = strings.ToUpper(strings.TrimSpace(code))
	switch code {
	case "", "Z", "0", "1", "2":
		return funds{}, nil
	case "V":
		if len(f) < 2 {
			return funds{}, newProblem("funds_type", CodeInvalidFunds, "V needs a value date and a value time")
		}
		d, p := parseDate("value_date", f[0])
		if p != nil {
			return funds{}, p
		}
		if _, p := parseTime("value_time", f[1]); p != nil {
			return funds{}, p
		}
		return funds{valueDate: d, extra: 2}, nil
	case "S":
		if len(f) < 3 {
			return funds{}, newProblem("funds_type", CodeInvalidFunds, "S needs three availability amounts")
		}
		for i := range 3 {
			if _, _, p := parseAmount("funds_type", f[i], true); p != nil {
				return funds{}, p
			}
		}
		return funds{extra: 3}, nil
	case "D":
		k, ok, p := parseCount("funds_type", field(f, 0))
		if p != nil || !ok || k > maxDistributions {
			return funds{}, newProblem("funds_type", CodeInvalidFunds, "D needs a count of availability distributions (0-%d), not %s", maxDistributions, quote(field(f, 0)))
		}
		if len(f) < 1+2*k {
			return funds{}, newProblem("funds_type", CodeInvalidFunds, "D announces %d distributions but %d fields follow", k, len(f)-1)
		}
		for i := range k {
			if _, _, p := parseCount("funds_type", f[1+2*i]); p != nil {
				return funds{}, p
			}
			if _, _, p := parseAmount("funds_type", f[2+2*i], true); p != nil {
				return funds{}, p
			}
		}
		return funds{extra: 1 + 2*k}, nil
	}
	return funds{}, newProblem("funds_type", CodeInvalidFunds, "%s is not a funds type (Z, 0, 1, 2, V, S, D)", quote(code))
}

// parseTypeCode reads a three-digit BAI type code.
func parseTypeCode(s string) (int, *problem) {
	s = strings.TrimSpace(s)
	if len(s) != 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' {
		return 0, newProblem("type_code", CodeInvalidTypeCode, "%s is not a type code (three digits)", quote(s))
	}
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0'), nil
}

// money turns minor units into a decimal with the currency's decimals.
func money(v int64, c canonical.Currency) canonical.Decimal {
	return canonical.NewDecimal(decimal.New(v, -int32(c.MinorUnits())))
}

// quote prints a field value for a message, clipped so that garbage does
// not make a message kilobytes long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}

// addChecked adds b to *a; it reports false when the sum would overflow.
func addChecked(a *int64, b int64) bool {
	s := *a + b
	if (b > 0 && s < *a) || (b < 0 && s > *a) {
		return false
	}
	*a = s
	return true
}
