// Package textsearch holds what the stores share for store.OrderFilter.Search:
// splitting the text a person typed into words, and turning a word into a
// LIKE pattern in which the word's own characters are literal.
package textsearch

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/procurehub/procurehub/internal/store"
)

// Words splits q at white space into the words that must all match, each
// once, in the order typed. Text that is not valid UTF-8, or holds a NUL
// byte, is an error wrapping store.ErrInvalid: no stored text can match it,
// and PostgreSQL refuses it as a parameter.
func Words(q string) ([]string, error) {
	if !utf8.ValidString(q) || strings.IndexByte(q, 0) >= 0 {
		return nil, fmt.Errorf("%w: search text is not valid UTF-8 text", store.ErrInvalid)
	}
	var out []string
	for _, w := range strings.Fields(q) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Escape is the LIKE escape character the patterns use. It is PostgreSQL's
// default; SQLite needs it named (ESCAPE '\').
const Escape = `\`

// Contains is the LIKE pattern matching any text that contains word: '%',
// '_' and the escape character of word stand for themselves.
func Contains(word string) string {
	var b strings.Builder
	b.Grow(len(word) + 4)
	b.WriteByte('%')
	for i := 0; i < len(word); i++ {
		switch c := word[i]; c {
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('%')
	return b.String()
}

// Verbatim reports whether text containing word shows word unchanged in
// the canonical JSON of an order (canonical's encoder escapes '"', '\\',
// control characters, '<', '>', '&', U+2028 and U+2029, none of which has a
// case). A store may then test the whole stored document first, a cheap
// necessary condition, before looking at the fields one by one.
func Verbatim(word string) bool {
	for _, r := range word {
		switch {
		case r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&',
			r == '\u2028', r == '\u2029', r == utf8.RuneError:
			return false
		}
	}
	return true
}
