package mapping_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// FuzzParse feeds arbitrary YAML to the mapping loader: it must never
// panic, and it either returns a mapping that compiles or an error.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../erpexport/testdata/*.yaml", "../../configs/partners/*.yaml"} {
		paths, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := mapping.Parse("fuzz.yaml", b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if _, err := m.Compile(); err != nil {
			t.Fatalf("Parse accepted a mapping that does not compile: %v", err)
		}
	})
}

var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)$`)

// FuzzParseNumber checks the decimal reader against canonical.ParseDecimal:
// with a decimal point and no thousands separator they must agree on every
// plain decimal, scale included; with a decimal comma and thousands points
// the same number written the German way must read the same.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"12.50", "-0.001", "+.5", "1234567890123456789012.5", "12.", "1e3", "", "-", "00012"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := mapping.ParseNumber(".", "", s)
		want, err := canonical.ParseDecimal(s)
		switch {
		case plainDecimal.MatchString(s) && err == nil:
			if !ok || !got.Equal(want) || got.Scale() != want.Scale() {
				t.Fatalf("%q read as %v (ok %v), canonical reads %v", s, got, ok, want)
			}
		case ok:
			if !plainDecimal.MatchString(s) {
				t.Fatalf("%q is not a plain decimal but was read as %v", s, got)
			}
		}
		if !ok || strings.ContainsAny(s, ",") {
			return
		}
		// Write the number the German way and read it back.
		intPart, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
		var grouped []string
		for len(intPart) > 3 {
			grouped = append([]string{intPart[len(intPart)-3:]}, grouped...)
			intPart = intPart[:len(intPart)-3]
		}
		grouped = append([]string{intPart}, grouped...)
		de := strings.Join(grouped, ".")
		if strings.HasPrefix(s, "-") {
			de = "-" + de
		}
		if frac != "" || strings.Contains(s, ".") {
			de += "," + frac
		}
		back, ok := mapping.ParseNumber(",", ".", de)
		if !ok || !back.Equal(got) || back.Scale() != got.Scale() {
			t.Fatalf("%q written as %q read back as %v (ok %v)", s, de, back, ok)
		}
	})
}
