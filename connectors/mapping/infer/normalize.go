package infer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold lowers s and drops accents and width: "Número" is "numero", "ＰＯ"
// is "po", "Stück" is "stuck", "Số" is "so", "Straße" is "strasse".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isCJK reports Han, kana and Hangul characters, which headers write
// without spaces between words.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// noWords are the words for "number" that a header may abbreviate; each is
// the token "no", so that "PO No.", "PO Nr", "PO #", "PO N°" and "PO
// Number" are one header.
var noWords = map[string]bool{"no": true, "nr": true, "num": true, "number": true, "numero": true, "nummer": true, "nro": true, "nbr": true, "n": true, "numer": true}

// normHeader normalises a header or synonym for comparison: folded (case,
// accents, width), "N°", "#", "No." and their kin as the token "no",
// compounds ending in -nummer or -nr split ("Bestellnummer", "Bestell-Nr."
// are "bestell no"), every other punctuation a space, spaces collapsed.
func normHeader(s string) string {
	s = fold(s)
	s = strings.NewReplacer("n°", " no ", "n.°", " no ", "#", " no ", "°", " ").Replace(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	toks := strings.Fields(b.String())
	out := toks[:0:0]
	for _, t := range toks {
		switch {
		case noWords[t]:
			out = append(out, "no")
		case len(t) > 7 && strings.HasSuffix(t, "nummer"):
			out = append(out, strings.TrimSuffix(t, "nummer"), "no")
		case len(t) > 5 && strings.HasSuffix(t, "nr") && !isCJKString(t):
			out = append(out, strings.TrimSuffix(t, "nr"), "no")
		default:
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

func isCJKString(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}
