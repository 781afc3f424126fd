package infer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// numberShape is what one cell says about the file's number notation.
type numberShape struct {
	ok        bool // the cell is a number
	decimal   byte // the decimal mark it shows ('.' or ','), 0 when it shows none
	thousands byte // the thousands separator it shows, 0 when none
	// ambiguous is set for "1.234" and "1,234": one separator before three
	// digits, a thousands separator or a decimal mark.
	ambiguous byte
	fraction  bool // it has a fraction for certain
}

// isSep reports characters that separate thousands.
func isThousands(c byte) bool { return c == '.' || c == ',' || c == ' ' || c == '\'' }

// numberShapeOf reads the notation of a number such as "4.473,60",
// "1,234.50", "12,5", "1 234", "-3.5". A value that is not a number (a date,
// "8471.30.00", "A-100") has ok false.
func numberShapeOf(s string) numberShape {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\u00a0", " ")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" || s[0] < '0' || s[0] > '9' || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return numberShape{}
	}
	// groups of digits and the separators between them
	var groups []string
	var seps []byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if !isThousands(c) || i == start {
			return numberShape{}
		}
		groups = append(groups, s[start:i])
		seps = append(seps, c)
		start = i + 1
	}
	groups = append(groups, s[start:])
	if len(seps) == 0 {
		return numberShape{ok: true}
	}
	last := seps[len(seps)-1]
	// every separator but the last is the same thousands separator
	thousands := byte(0)
	for _, c := range seps[:len(seps)-1] {
		if thousands != 0 && c != thousands {
			return numberShape{}
		}
		thousands = c
	}
	grouped := func(gs []string) bool {
		if len(gs[0]) > 3 || len(gs[0]) == 0 {
			return false
		}
		for _, g := range gs[1:] {
			if len(g) != 3 {
				return false
			}
		}
		return true
	}
	switch {
	case thousands == 0: // one separator
		tail := groups[1]
		switch {
		case last == ' ' || last == '\'':
			if grouped(groups) {
				return numberShape{ok: true, thousands: last}
			}
			return numberShape{}
		case len(tail) == 3 && len(groups[0]) <= 3 && groups[0] != "0":
			return numberShape{ok: true, ambiguous: last}
		default:
			return numberShape{ok: true, decimal: last, fraction: true}
		}
	case last == thousands: // "1.234.567"
		if grouped(groups) {
			return numberShape{ok: true, thousands: thousands}
		}
		return numberShape{}
	case last == '.' || last == ',': // "4.473,60", "1,234.50", "1 234,5"
		if grouped(groups[:len(groups)-1]) {
			return numberShape{ok: true, decimal: last, thousands: thousands, fraction: true}
		}
	}
	return numberShape{}
}

// detectNumbers decides the decimal mark and the thousands separator from
// the columns that hold numbers. Each column votes once for what its cells
// show for certain ("12,50" is a decimal comma); "1.234" counts only when
// nothing else decides. Default: "." and no separator.
func detectNumbers(cols []*column) (mark, sep string) {
	votes := map[byte]int{}
	seps := map[byte]int{}
	ambiguous := map[byte]int{}
	for _, c := range cols {
		if c.n == 0 || c.dates > c.n/2 || float64(c.numbers) < 0.8*float64(c.n) {
			continue
		}
		colVotes := map[byte]int{}
		for _, s := range c.shapes {
			if s.decimal != 0 {
				colVotes[s.decimal]++
			}
			if s.thousands != 0 {
				seps[s.thousands]++
			}
			if s.ambiguous != 0 {
				ambiguous[s.ambiguous]++
			}
		}
		switch {
		case colVotes['.'] > colVotes[',']:
			votes['.']++
		case colVotes[','] > colVotes['.']:
			votes[',']++
		}
	}
	m := byte('.')
	switch {
	case votes[','] > votes['.']:
		m = ','
	case votes['.'] == 0 && votes[','] == 0 && seps['.'] > seps[',']:
		m = ',' // "1.234.567" and no fraction anywhere
	}
	best, bestN := byte(0), 0
	for _, c := range []byte{'.', ',', ' ', '\''} {
		n := seps[c]
		if c != m && ambiguous[c] > 0 && (votes[m] > 0 || n > 0) {
			n += ambiguous[c]
		}
		if c != m && n > bestN {
			best, bestN = c, n
		}
	}
	mark = string(m)
	if best != 0 {
		sep = string(best)
	}
	return mark, sep
}

// dateShape is the notation family of a date-looking cell. Day-month order
// is open (ambiguous) when both parts are 12 or less.
type dateShape struct {
	// parts in order: 'y' year, 'm' month, 'd' day, 'a' day or month
	order  string
	sep    byte
	short  bool // a day or month without its leading zero
	yy     bool // a two-digit year
	time   string
	first  int // value of the first part that is not the year
	second int // value of the second
}

// dateShapeOf reads a date such as 01.03.2026, 2026-03-01, 3/1/2026,
// 20260301 or 2026-03-01 10:15:00; nil when s does not look like one.
func dateShapeOf(s string) *dateShape {
	s = strings.TrimSpace(s)
	tm := ""
	if d, t, ok := strings.Cut(s, " "); ok {
		switch {
		case isTime(t, 3):
			tm = " hh:mm:ss"
		case isTime(t, 2):
			tm = " hh:mm"
		default:
			return nil
		}
		s = d
	}
	if len(s) == 8 && allDigits(s) {
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:])
		if y < 1990 || y > 2099 || !validDay(y, m, d) {
			return nil
		}
		return &dateShape{order: "ymd", time: tm, first: m, second: d}
	}
	var sep byte
	for _, c := range []byte{'.', '-', '/'} {
		if strings.Count(s, string(c)) == 2 {
			sep = c
		}
	}
	if sep == 0 {
		return nil
	}
	p := strings.Split(s, string(sep))
	for _, x := range p {
		if x == "" || len(x) > 4 || !allDigits(x) {
			return nil
		}
	}
	n := func(i int) int { v, _ := strconv.Atoi(p[i]); return v }
	ds := &dateShape{sep: sep, time: tm}
	switch {
	case len(p[0]) == 4 && len(p[1]) <= 2 && len(p[2]) <= 2:
		ds.order, ds.first, ds.second = "ymd", n(1), n(2)
		if !validDay(n(0), n(1), n(2)) {
			return nil
		}
		ds.short = len(p[1]) == 1 || len(p[2]) == 1
	case len(p[0]) <= 2 && len(p[1]) <= 2 && (len(p[2]) == 4 || len(p[2]) == 2):
		a, b, y := n(0), n(1), n(2)
		if len(p[2]) == 2 {
			ds.yy = true
			y += 2000
		}
		switch {
		case validDay(y, b, a) && validDay(y, a, b):
			ds.order = "aay"
		case validDay(y, b, a):
			ds.order = "dmy"
		case validDay(y, a, b):
			ds.order = "mdy"
		default:
			return nil
		}
		ds.first, ds.second = a, b
		ds.short = len(p[0]) == 1 || len(p[1]) == 1
	default:
		return nil
	}
	return ds
}

func isTime(s string, parts int) bool {
	p := strings.Split(s, ":")
	if len(p) != parts {
		return false
	}
	for _, x := range p {
		if len(x) != 2 || !allDigits(x) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || y < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// notation writes the mapping's notation of a date family: order ("dmy",
// "mdy", "ymd"), separator, whether days and months drop leading zeros,
// two-digit years and a time part.
func notation(order string, sep byte, short, yy bool, tm string) string {
	part := map[byte]string{'y': "YYYY", 'm': "MM", 'd': "DD"}
	if short {
		part['m'], part['d'] = "M", "D"
	}
	if yy {
		part['y'] = "YY"
	}
	var b strings.Builder
	for i := 0; i < len(order); i++ {
		if i > 0 && sep != 0 {
			b.WriteByte(sep)
		}
		b.WriteString(part[order[i]])
	}
	return b.String() + tm
}

// detectDateFormats lists the date notations of the columns where most
// cells are dates, the most used first. Day-first or month-first is decided
// by a cell with a part above 12; when no cell decides, a decimal comma
// says day first and a decimal point month first, and a note says it was
// a guess.
func detectDateFormats(cols []*column, mark string) (formats, notes []string) {
	type family struct {
		order string
		sep   byte
		yy    bool
		tm    string
	}
	count := map[family]int{}
	short := map[family]bool{}
	decided := map[family]string{} // for "aay": "dmy" or "mdy" as a cell decides
	var firstSeen []family
	for _, c := range cols {
		if c.n == 0 || float64(c.dates) < 0.8*float64(c.n) {
			continue
		}
		for _, ds := range c.dateShapes {
			order := ds.order
			if order == "dmy" || order == "mdy" {
				order = "aay"
			}
			f := family{order, ds.sep, ds.yy, ds.time}
			if count[f] == 0 {
				firstSeen = append(firstSeen, f)
			}
			count[f]++
			short[f] = short[f] || ds.short
			if ds.order != "aay" && ds.order != "ymd" {
				if prev, ok := decided[f]; ok && prev != ds.order {
					decided[f] = "conflict"
				} else {
					decided[f] = ds.order
				}
			}
		}
	}
	sort.SliceStable(firstSeen, func(i, j int) bool { return count[firstSeen[i]] > count[firstSeen[j]] })
	seen := map[string]bool{}
	for _, f := range firstSeen {
		orders := []string{f.order}
		if f.order == "aay" {
			switch decided[f] {
			case "dmy", "mdy":
				orders = []string{decided[f]}
			case "conflict":
				orders = []string{"dmy", "mdy"}
				notes = append(notes, fmt.Sprintf("dates separated by %q are written both day first and month first; check date_formats", string(f.sep)))
			default:
				if f.sep == '.' || mark == "," {
					orders = []string{"dmy"}
				} else {
					orders = []string{"mdy"}
				}
				n := notation(orders[0], f.sep, short[f], f.yy, f.tm)
				if f.sep == '.' {
					break // dotted dates are day first wherever they are written
				}
				notes = append(notes, fmt.Sprintf("no date in the sample has a day above 12, so %s is a guess (decimal mark %q); check it", n, mark))
			}
		}
		for _, o := range orders {
			n := notation(o, f.sep, short[f], f.yy, f.tm)
			if !seen[n] {
				seen[n] = true
				formats = append(formats, n)
			}
		}
	}
	if len(formats) == 0 {
		formats = []string{"YYYY-MM-DD"}
	}
	return formats, notes
}
