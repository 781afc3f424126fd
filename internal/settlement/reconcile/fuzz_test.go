package reconcile

import (
	"strings"
	"testing"
)

// FuzzReferences: a reference made with its check digits is valid and one
// digit changed is not; a number is always found in a text that is just
// the number, and never when the text glues a digit to either side.
func FuzzReferences(f *testing.F) {
	for _, s := range []string{"539007547034", "INV4711", "2612345", "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		base = strings.ToUpper(base)
		if base == "" || len(base) > 21 || mod97(base) < 0 {
			return
		}
		rf := makeRF(base)
		if !ValidRF(rf) {
			t.Fatalf("ValidRF(%q) = false for a reference made with its check digits", rf)
		}
		bad := []byte(rf)
		bad[2] = '0' + (bad[2]-'0'+1)%10
		if ValidRF(string(bad)) {
			t.Fatalf("ValidRF(%q) = true with a wrong check digit", bad)
		}
		if !containsToken(" "+base+".", base) {
			t.Fatalf("%q not found in itself", base)
		}
		if containsToken("9"+base, base) || containsToken(base+"9", base) {
			t.Fatalf("%q found inside a longer number", base)
		}
	})
}
