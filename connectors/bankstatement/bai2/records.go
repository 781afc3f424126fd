package bai2

import (
	"strconv"
	"strings"
)

// record is one logical BAI2 record: a record with its 88 continuations
// joined, as the parser hands it on.
type record struct {
	code string // "01", "02", "03", "16", "49", "88", "98", "99" or what came
	line int    // physical line of the record's first part
	n    int    // physical records it spans: 1 + its 88 continuations
	// fields are the record's fields after the code. For a 16 they are the
	// fields before the text (type code to customer reference).
	fields []string
	// text is a 16's text: the rest of its physical record, and of each 88
	// that continues it, joined with a space.
	text        string
	textStarted bool
}

func (r *record) reset(code string, line int) {
	r.code, r.line, r.n = code, line, 1
	r.fields = r.fields[:0]
	r.text, r.textStarted = "", false
}

// feed adds one physical part of the record (the text after "16," or
// "88,") and returns how many bytes of s it took: up to and including the
// "/" that ends it, or all of s when the part runs to the end of the line.
func (r *record) feed(s string) int {
	if r.code == "16" {
		return r.feed16(s)
	}
	end, n := len(s), len(s)
	if i := strings.IndexByte(s, '/'); i >= 0 {
		end, n = i, i+1
	}
	seg := s[:end]
	for {
		i := strings.IndexByte(seg, ',')
		if i < 0 {
			r.fields = append(r.fields, seg)
			return n
		}
		r.fields = append(r.fields, seg[:i])
		seg = seg[i+1:]
	}
}

// maxDistributions bounds the availability pairs of a D funds type.
const maxDistributions = 99

// detailFields is how many fields come before a 16's text, given the
// fields seen so far: type code, amount, funds type, the funds type's own
// fields, bank reference, customer reference.
func detailFields(f []string) int {
	if len(f) < 3 {
		return 3
	}
	return 3 + fundsExtra(f[2], f[3:]) + 2
}

// fundsExtra is how many fields follow a funds type code: V a date and a
// time, S three amounts, D a count and that many day/amount pairs; Z, 0, 1,
// 2 and blank none. A D count that is not a number counts as none (the
// record is reported as bad when it is parsed).
func fundsExtra(code string, after []string) int {
	switch strings.TrimSpace(code) {
	case "V", "v":
		return 2
	case "S", "s":
		return 3
	case "D", "d":
		if len(after) == 0 {
			return 1
		}
		k, err := strconv.Atoi(strings.TrimSpace(after[0]))
		if err != nil || k < 0 || k > maxDistributions {
			return 1
		}
		return 1 + 2*k
	}
	return 0
}

// feed16 splits a 16's fields up to its text; the text runs to the end of
// the physical line (it may hold "/" and ","), unless it is empty and the
// record ends with "/" right away, so another record may follow on the line.
func (r *record) feed16(s string) int {
	i := 0
	for !r.textStarted {
		if len(r.fields) >= detailFields(r.fields) {
			r.textStarted = true
			break
		}
		j := strings.IndexAny(s[i:], ",/")
		if j < 0 {
			if i < len(s) {
				r.fields = append(r.fields, s[i:])
			}
			return len(s)
		}
		r.fields = append(r.fields, s[i:i+j])
		if s[i+j] == '/' {
			return i + j + 1
		}
		i += j + 1
	}
	rest := s[i:]
	if strings.HasPrefix(rest, "/") {
		return i + 1
	}
	rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimRight(rest, " "), "/"))
	if rest != "" {
		if r.text != "" {
			r.text += " " + rest
		} else {
			r.text = rest
		}
	}
	return len(s)
}

// field returns f[i] without surrounding spaces, or "" past the end.
func field(f []string, i int) string {
	if i < len(f) {
		return strings.TrimSpace(f[i])
	}
	return ""
}
