package mapping

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
)

// numberFormat is how a file writes decimals: "1.234,56" has decimal mark ','
// and thousands separator '.'.
type numberFormat struct {
	mark        byte   // '.' or ','
	sep         string // "" (none), ".", ",", " " or "'"
	hint        string // an example in this format, for messages: "1.234,56"
	percentHint string // a percentage in this format: "12,5 %"
}

func newNumberFormat(mark, sep string) numberFormat {
	nf := numberFormat{mark: mark[0], sep: sep, percentHint: "12" + mark + "5 %"}
	if sep == "" {
		nf.hint = "1234" + mark + "56"
	} else {
		nf.hint = "1" + sep + "234" + mark + "56"
	}
	return nf
}

// sepLen returns the length of the thousands separator at the start of s, or
// 0. A space separator also matches the no-break spaces U+00A0 and U+202F
// that spreadsheets write.
func (nf numberFormat) sepLen(s string) int {
	switch {
	case nf.sep == "":
		return 0
	case s[0] == nf.sep[0]:
		return 1
	case nf.sep != " ":
		return 0
	case strings.HasPrefix(s, "\u00a0"):
		return len("\u00a0")
	case strings.HasPrefix(s, "\u202f"):
		return len("\u202f")
	}
	return 0
}

// maxFastDigits is how many digits fit an int64 mantissa without overflow.
const maxFastDigits = 18

// parse reads a decimal such as "-1.234,50" and keeps its scale (two
// decimals stay two decimals). Thousands separators must group digits by
// three, so "12.5" is not read as 125 in a file with decimal commas.
func (nf numberFormat) parse(s string) (canonical.Decimal, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant int64
	digits, intDigits, fracDigits := 0, 0, 0
	group := -1 // digits since the last thousands separator; -1 before the first one
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			if digits < maxFastDigits {
				mant = mant*10 + int64(c-'0')
			}
			digits++
			intDigits++
			if group >= 0 {
				group++
			}
			i++
			continue
		}
		n := nf.sepLen(s[i:])
		if n == 0 {
			break
		}
		if intDigits == 0 || (group < 0 && intDigits > 3) || (group >= 0 && group != 3) {
			return canonical.Decimal{}, false
		}
		group = 0
		i += n
	}
	if group >= 0 && group != 3 {
		return canonical.Decimal{}, false
	}
	if i < len(s) && s[i] == nf.mark {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < maxFastDigits {
				mant = mant*10 + int64(s[i]-'0')
			}
			digits++
			fracDigits++
			i++
		}
		if fracDigits == 0 {
			return canonical.Decimal{}, false
		}
	}
	if i != len(s) || digits == 0 {
		return canonical.Decimal{}, false
	}
	if digits <= maxFastDigits {
		if neg {
			mant = -mant
		}
		return canonical.NewDecimal(decimal.New(mant, int32(-fracDigits))), true
	}
	return nf.parseLong(s)
}

// parseLong handles numbers with more digits than an int64 holds.
func (nf numberFormat) parseLong(s string) (canonical.Decimal, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := nf.sepLen(s[i:]); n > 0 {
			i += n
			continue
		}
		c := s[i]
		if c == nf.mark {
			c = '.'
		}
		b.WriteByte(c)
		i++
	}
	d, err := canonical.ParseDecimal(b.String())
	return d, err == nil
}

// dateFormat is one entry of date_formats: the notation the user wrote and
// the Go layout it stands for.
type dateFormat struct {
	notation string
	layout   string
}

// dateTokens are the parts of a date notation, longest first so that "YYYY"
// is not read as two "YY". Time parts are read and dropped.
var dateTokens = []struct {
	token, layout string
	fixed         bool // fixed width: may stand next to another token without a separator
	part          byte // 'y', 'm', 'd' or 't' (time)
}{
	{"YYYY", "2006", true, 'y'},
	{"YY", "06", true, 'y'},
	{"MM", "01", true, 'm'},
	{"M", "1", false, 'm'},
	{"DD", "02", true, 'd'},
	{"D", "2", false, 'd'},
	{"hh", "15", true, 't'},
	{"mm", "04", true, 't'},
	{"ss", "05", true, 't'},
}

// dateSeparators are the characters allowed between date parts.
const dateSeparators = "./-: "

// parseDateNotation turns "DD.MM.YYYY" into the Go layout "02.01.2006".
// Tokens: YYYY, YY (00–68 is 20xx, 69–99 is 19xx), MM or M (month, M also
// without a leading zero), DD or D (day), and hh, mm, ss for a time of day
// that is read and dropped. Separators: . / - : and space.
func parseDateNotation(s string) (dateFormat, error) {
	var layout strings.Builder
	seen := map[byte]bool{}
	prevVariable, prevToken := false, false
	for i := 0; i < len(s); {
		if strings.IndexByte(dateSeparators, s[i]) >= 0 {
			layout.WriteByte(s[i])
			i++
			prevToken = false
			continue
		}
		matched := false
		for _, t := range dateTokens {
			if !strings.HasPrefix(s[i:], t.token) {
				continue
			}
			if seen[t.part] && t.part != 't' {
				return dateFormat{}, fmt.Errorf("date format %q has more than one %s", s, partName(t.part))
			}
			if prevToken && (prevVariable || !t.fixed) {
				return dateFormat{}, fmt.Errorf("date format %q: %s needs a separator next to it", s, t.token)
			}
			seen[t.part] = true
			layout.WriteString(t.layout)
			prevVariable, prevToken = !t.fixed, true
			i += len(t.token)
			matched = true
			break
		}
		if !matched {
			return dateFormat{}, fmt.Errorf("date format %q: %q is not a date part (use YYYY, YY, MM, M, DD, D, hh, mm, ss and . / - : or space)", s, s[i:i+1])
		}
	}
	for _, p := range []byte{'y', 'm', 'd'} {
		if !seen[p] {
			return dateFormat{}, fmt.Errorf("date format %q has no %s", s, partName(p))
		}
	}
	return dateFormat{notation: s, layout: layout.String()}, nil
}

func partName(p byte) string {
	switch p {
	case 'y':
		return "year (YYYY or YY)"
	case 'm':
		return "month (MM or M)"
	case 'd':
		return "day (DD or D)"
	}
	return "time"
}

// parseDate tries each format in turn; impossible dates (31.02.2026) fail.
func parseDate(formats []dateFormat, s string) (canonical.Date, bool) {
	for _, f := range formats {
		if t, err := time.Parse(f.layout, s); err == nil {
			return canonical.DateOf(t), true
		}
	}
	return canonical.Date{}, false
}

// parsePositiveInt reads a whole number above zero; leading zeros are allowed.
func parsePositiveInt(s string) (int, bool) {
	s = strings.TrimLeft(s, "0")
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseCount reads a whole number, 0 or more; leading zeros are allowed.
func parseCount(s string) (int, bool) {
	if s != "" && strings.TrimLeft(s, "0") == "" {
		return 0, true
	}
	return parsePositiveInt(s)
}

// hundred is the largest percentage.
var hundred = decimal.NewFromInt(100)

// valueMap is one entry of values: text in the file → canonical code.
// An exact match wins; otherwise a match ignoring case ("PCS" finds "pcs"),
// when only one target matches that way.
type valueMap struct {
	exact map[string]string
	fold  map[string]string // lower-case text → target; "" when keys that differ only in case disagree
}

func newValueMap(m map[string]string) *valueMap {
	vm := &valueMap{exact: make(map[string]string, len(m)), fold: make(map[string]string, len(m))}
	for k, v := range m {
		k = strings.TrimSpace(k)
		vm.exact[k] = v
		lk := strings.ToLower(k)
		if prev, seen := vm.fold[lk]; seen && prev != v {
			vm.fold[lk] = ""
		} else {
			vm.fold[lk] = v
		}
	}
	return vm
}

func (vm *valueMap) lookup(s string) (string, bool) {
	if v, ok := vm.exact[s]; ok {
		return v, true
	}
	v := vm.fold[strings.ToLower(s)]
	return v, v != ""
}

// quote prints a cell value for a message, shortened so that a 2 MiB cell
// does not become a 2 MiB message.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
