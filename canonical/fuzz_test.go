package canonical

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecimalJSON checks that whatever a Decimal accepts it writes back as
// a decimal string that reads again to the same value and the same text:
// the scale survives, nothing panics, nothing grows without bound.
func FuzzDecimalJSON(f *testing.F) {
	for _, seed := range []string{`"12.50"`, `12.50`, `"0.000"`, `"-0.125"`, `1.5e2`, `"2.5E-3"`, `"1e999999999"`,
		`"12,50"`, `null`, `""`, `"-"`, `"+1"`, `".5"`, `"5."`, `1e-64`, `true`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decimal
		if err := json.Unmarshal(in, &d); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal after Unmarshal(%q): %v", in, err)
		}
		if len(out) > 2*maxDecimalDigits+8 {
			t.Fatalf("%q was written as %d bytes", in, len(out))
		}
		var back Decimal
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("cannot read back %s (from %q): %v", out, in, err)
		}
		if !back.Equal(d) || back.String() != d.String() {
			t.Fatalf("%q → %s → %s: value or scale changed", in, out, back)
		}
	})
}

// FuzzParseDate checks that a date ParseDate accepts is valid and prints
// back as exactly its input, and that a rejection is a *ParseError.
func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{"2026-03-02", "2024-02-29", "2026-02-30", "0000-01-01", "9999-12-31", "2026-3-2", "", "2026-03-02T00:00:00Z"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != CodeInvalidDate {
				t.Fatalf("ParseDate(%q): error %v is not an invalid_date ParseError", s, err)
			}
			return
		}
		if !d.Valid() {
			t.Fatalf("ParseDate(%q) = %+v, which is not Valid", s, d)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) prints as %q", s, d.String())
		}
	})
}

// FuzzParseCodes checks the code parsers together: no panic, a result is
// valid, parsing the result again gives the same result, and an error is a
// *ParseError with a message of bounded length.
func FuzzParseCodes(f *testing.F) {
	for _, seed := range []string{"EUR", " eur ", "HRK", "DE", "uk", "XK", "KGM", "PCE", "FOB", "FCA Hamburg Incoterms® 2020",
		"DAT", "8471.30", "8471 30 00", "000000", "4006381333931", "DE89 3704 0044 0532 0130 00", "DEUTDEFF", "€", "\x00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(name string, got string, valid bool, err error, again func(string) (string, error)) {
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Code == "" || len(pe.Message) > 300 {
					t.Fatalf("%s(%q): bad error %v", name, s, err)
				}
				return
			}
			if !valid {
				t.Fatalf("%s(%q) = %q, which is not valid", name, s, got)
			}
			if second, err := again(got); err != nil || second != got {
				t.Fatalf("%s(%q) = %q, but parsing that gives %q, %v", name, s, got, second, err)
			}
		}
		c, err := ParseCurrency(s)
		check("ParseCurrency", string(c), c.Valid(), err, func(x string) (string, error) { v, err := ParseCurrency(x); return string(v), err })
		n, err := ParseCountry(s)
		check("ParseCountry", string(n), n.Valid(), err, func(x string) (string, error) { v, err := ParseCountry(x); return string(v), err })
		u, err := ParseUnit(s)
		check("ParseUnit", string(u), u.Valid(), err, func(x string) (string, error) { v, err := ParseUnit(x); return string(v), err })
		i, err := ParseIncoterm(s)
		check("ParseIncoterm", string(i), i.Valid(), err, func(x string) (string, error) { v, err := ParseIncoterm(x); return string(v), err })
		h, err := ParseHSCode(s)
		check("ParseHSCode", string(h), h.Valid(), err, func(x string) (string, error) { v, err := ParseHSCode(x); return string(v), err })
		g, err := ParseGTIN(s)
		check("ParseGTIN", g, ValidGTIN(g), err, ParseGTIN)
		b, err := ParseBIC(s)
		check("ParseBIC", b, ValidBIC(b), err, ParseBIC)
		iban, err := ParseIBAN(s)
		check("ParseIBAN", iban, ValidIBAN(iban), err, ParseIBAN)
		if err != nil {
			// The hidden part of the IBAN must not appear in the message.
			// A hidden part with a star in it could match the mask itself,
			// so only star-free ones are checked.
			if norm := normalizeIBAN(s); len(norm) > 12 {
				hidden := norm[4 : len(norm)-4]
				if !strings.Contains(hidden, "*") && strings.Contains(err.Error(), hidden) {
					t.Fatalf("ParseIBAN error shows the IBAN unmasked: %v", err)
				}
			}
		}
		if _, _, err := ParseIncotermPlace(s); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseIncotermPlace(%q): %v", s, err)
			}
		}
	})
}
