package reconcile

import (
	"strings"
	"unicode"
)

// ValidRF reports whether s is an ISO 11649 creditor reference ("RF18 5390
// 0754 7034"): RF, two check digits, 1 to 21 letters or digits, with the
// mod-97 check of ISO 7064 equal to 1. Spaces are ignored, case is not.
func ValidRF(s string) bool {
	r := normRF(s)
	if len(r) < 5 || len(r) > 25 || !strings.HasPrefix(r, "RF") {
		return false
	}
	if r[2] < '0' || r[2] > '9' || r[3] < '0' || r[3] > '9' {
		return false
	}
	return mod97(r[4:]+r[:4]) == 1
}

// normRF removes spaces and upper-cases a creditor reference.
func normRF(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// mod97 is the ISO 7064 MOD 97-10 remainder of s with letters as 10..35;
// -1 when s holds anything but letters and digits.
func mod97(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			n = (n*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			n = (n*100 + int(c-'A') + 10) % 97
		default:
			return -1
		}
	}
	return n
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}

// containsToken reports whether number occurs in text as a whole token,
// case-insensitively: not inside a longer number or word ("4711" is not in
// "147112" nor in "4711-2"), while "INV-4711," and "(4711)" are.
func containsToken(text, number string) bool {
	if number == "" {
		return false
	}
	t, n := strings.ToUpper(text), strings.ToUpper(number)
	for from := 0; ; {
		i := strings.Index(t[from:], n)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(n)
		if boundaryBefore(t, i) && boundaryAfter(t, end) {
			return true
		}
		from = i + 1
	}
}

// boundaryBefore: the character before i is not part of the same token. A
// hyphen or slash joined to letters or digits continues it ("12-4711").
func boundaryBefore(t string, i int) bool {
	if i == 0 {
		return true
	}
	c := t[i-1]
	if isAlnum(c) {
		return false
	}
	if (c == '-' || c == '/') && i >= 2 && isAlnum(t[i-2]) {
		return false
	}
	return true
}

func boundaryAfter(t string, end int) bool {
	if end >= len(t) {
		return true
	}
	c := t[end]
	if isAlnum(c) {
		return false
	}
	if (c == '-' || c == '/') && end+1 < len(t) && isAlnum(t[end+1]) {
		return false
	}
	return true
}

// legalForms are dropped when comparing counterparty names.
var legalForms = map[string]bool{
	"GMBH": true, "AG": true, "KG": true, "LTD": true, "LIMITED": true, "LLC": true, "INC": true,
	"CO": true, "CORP": true, "SA": true, "SAS": true, "SARL": true, "SRL": true, "SPA": true,
	"BV": true, "NV": true, "PLC": true, "OY": true, "AB": true, "AS": true,
}

// normName upper-cases a party name, keeps letters and digits and drops
// legal forms: "Acme Trading Co., Ltd." and "ACME TRADING" compare equal.
func normName(s string) string {
	f := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, w := range f {
		if !legalForms[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func normIBAN(s string) string { return normRF(s) }
