package canonical

import (
	"errors"
	"strings"
	"testing"
)

// wantParseError checks that err is a *ParseError with the code and a
// message containing every fragment.
func wantParseError(t *testing.T, err error, code string, fragments ...string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *ParseError with code %s, got %v", code, err)
	}
	if pe.Code != code {
		t.Errorf("code = %q, want %q (message %q)", pe.Code, code, pe.Message)
	}
	for _, f := range fragments {
		if !strings.Contains(pe.Message, f) {
			t.Errorf("message %q should mention %q", pe.Message, f)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      Currency
		code      string
		fragments []string
	}{
		{name: "an upper-case code is accepted", in: "EUR", want: "EUR"},
		{name: "case and surrounding space are ignored", in: " jpy\t", want: "JPY"},
		{name: "a code without minor units is a valid code", in: "XAU", want: "XAU"},
		{name: "the 2025 Caribbean guilder is known", in: "XCG", want: "XCG"},
		{name: "an empty value is reported as missing", in: "  ", code: CodeRequired},
		{name: "a withdrawn code names its replacement", in: "HRK", code: CodeInvalidCurrency, fragments: []string{"withdrawn", `"EUR"`}},
		{name: "the Netherlands Antillean guilder points to XCG", in: "ang", code: CodeInvalidCurrency, fragments: []string{`"XCG"`}},
		{name: "a word is not a code", in: "Euro", code: CodeInvalidCurrency, fragments: []string{"3 letters"}},
		{name: "a symbol is not a code", in: "€", code: CodeInvalidCurrency},
		{name: "three letters that are not assigned are refused", in: "ABC", code: CodeInvalidCurrency, fragments: []string{`"ABC"`, "not an active"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurrency(tt.in)
			if tt.code != "" {
				wantParseError(t, err, tt.code, tt.fragments...)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCurrency(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCurrencyMinorUnits(t *testing.T) {
	tests := []struct {
		name     string
		c        Currency
		want     int
		hasMinor bool
	}{
		{"the euro has cents", "EUR", 2, true},
		{"the yen has no decimals", "JPY", 0, true},
		{"the Kuwaiti dinar has three decimals", "KWD", 3, true},
		{"the Chilean unidad de fomento has four", "CLF", 4, true},
		{"the Uruguayan unidad previsional has four", "UYW", 4, true},
		{"the Icelandic krona has none", "ISK", 0, true},
		{"gold has no minor unit and formats with two", "XAU", 2, false},
		{"an unknown code formats with two", "ABC", 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.MinorUnits(); got != tt.want {
				t.Errorf("%s.MinorUnits() = %d, want %d", tt.c, got, tt.want)
			}
			if got := tt.c.HasMinorUnits(); got != tt.hasMinor {
				t.Errorf("%s.HasMinorUnits() = %v, want %v", tt.c, got, tt.hasMinor)
			}
		})
	}
}

func TestCurrencyList(t *testing.T) {
	t.Run("lists every active ISO 4217 code", func(t *testing.T) {
		all := Currencies()
		if len(all) != 177 {
			t.Errorf("%d currencies, want 177 (164 with minor units, 13 without)", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i-1] >= all[i] {
				t.Fatalf("not sorted at %s, %s", all[i-1], all[i])
			}
		}
	})
	t.Run("withdrawn codes are not active and point to active codes", func(t *testing.T) {
		for old, repl := range withdrawnCurrencies {
			if old.Valid() {
				t.Errorf("%s is withdrawn but valid", old)
			}
			if !repl.Valid() {
				t.Errorf("%s points to %s, which is not valid", old, repl)
			}
		}
	})
	t.Run("XXX and XTS are placeholders, EUR is not", func(t *testing.T) {
		if !Currency("XXX").Placeholder() || !Currency("XTS").Placeholder() || Currency("EUR").Placeholder() {
			t.Error("Placeholder is wrong")
		}
	})
}

func TestParseCountry(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      Country
		code      string
		fragments []string
	}{
		{name: "an upper-case code is accepted", in: "DE", want: "DE"},
		{name: "case and space are ignored", in: " cn ", want: "CN"},
		{name: "Kosovo's user-assigned code is accepted", in: "XK", want: "XK"},
		{name: "an empty value is reported as missing", in: "", code: CodeRequired},
		{name: "UK is answered with GB", in: "uk", code: CodeInvalidCountry, fragments: []string{`"GB"`}},
		{name: "the EU's EL is answered with GR", in: "EL", code: CodeInvalidCountry, fragments: []string{`"GR"`}},
		{name: "an alpha-3 code is refused", in: "DEU", code: CodeInvalidCountry, fragments: []string{"2 letters"}},
		{name: "an unassigned pair of letters is refused", in: "ZZ", code: CodeInvalidCountry, fragments: []string{`"ZZ"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCountry(tt.in)
			if tt.code != "" {
				wantParseError(t, err, tt.code, tt.fragments...)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCountryList(t *testing.T) {
	t.Run("holds the 249 officially assigned codes plus XK", func(t *testing.T) {
		if len(countries) != 249 {
			t.Errorf("%d officially assigned codes, want 249", len(countries))
		}
		if got := len(Countries()); got != 250 {
			t.Errorf("Countries() has %d codes, want 250", got)
		}
	})
	t.Run("every code is two upper-case letters with a name", func(t *testing.T) {
		for _, c := range Countries() {
			if len(c) != 2 || !isUpperLetters(string(c)) || c.Name() == "" {
				t.Errorf("bad entry %q (%q)", c, c.Name())
			}
		}
	})
	t.Run("names are the ISO English short names", func(t *testing.T) {
		for c, want := range map[Country]string{
			"DE": "Germany", "CI": "Côte d'Ivoire", "TR": "Türkiye", "SZ": "Eswatini", "MK": "North Macedonia",
			"GB": "United Kingdom of Great Britain and Northern Ireland", "VN": "Viet Nam", "XK": "Kosovo",
		} {
			if got := c.Name(); got != want {
				t.Errorf("%s.Name() = %q, want %q", c, got, want)
			}
		}
	})
	t.Run("withdrawn and reserved codes are not valid", func(t *testing.T) {
		for _, c := range []Country{"AN", "CS", "YU", "UK", "EU", "de"} {
			if c.Valid() {
				t.Errorf("%s should not be valid", c)
			}
		}
	})
}

func TestParseUnit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Unit
		code string
	}{
		{name: "a Rec 20 code is accepted", in: "KGM", want: "KGM"},
		{name: "case and space are ignored", in: " c62 ", want: "C62"},
		{name: "the withdrawn PCE becomes H87 (piece)", in: "PCE", want: "H87"},
		{name: "a Rec 21 package code with its X prefix is accepted", in: "XPX", want: "XPX"},
		{name: "an empty value is reported as missing", in: "", code: CodeRequired},
		{name: "free text is not a unit code", in: "pcs", code: CodeInvalidUnit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUnit(tt.in)
			if tt.code != "" {
				wantParseError(t, err, tt.code)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseUnit(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestUnitList(t *testing.T) {
	t.Run("holds the units of common trade use with names", func(t *testing.T) {
		for _, u := range []Unit{"EA", "C62", "H87", "KGM", "GRM", "TNE", "LBR", "MTR", "CMT", "MMT", "KMT", "MTK", "MTQ",
			"LTR", "MLT", "SET", "PR", "DZN", "BX", "CT", "PK", "PF", "RO", "HUR", "DAY"} {
			if !u.Valid() || u.Name() == "" || u.Kind() == "" {
				t.Errorf("%s: valid %v, name %q, kind %q", u, u.Valid(), u.Name(), u.Kind())
			}
		}
	})
	t.Run("PCE is not a valid stored code", func(t *testing.T) {
		if Unit("PCE").Valid() {
			t.Error("PCE should not be valid")
		}
	})
	t.Run("units know what they measure", func(t *testing.T) {
		for u, want := range map[Unit]UnitKind{"KGM": UnitMass, "LBR": UnitMass, "MTR": UnitLength, "MTQ": UnitVolume, "HUR": UnitTime, "EA": UnitCount} {
			if got := u.Kind(); got != want {
				t.Errorf("%s.Kind() = %q, want %q", u, got, want)
			}
		}
	})
}

func TestIncoterms(t *testing.T) {
	t.Run("there are eleven 2020 rules, seven for any mode and four for sea", func(t *testing.T) {
		modes := map[IncotermMode]int{}
		for _, r := range Incoterms() {
			modes[r.Mode()]++
			if r.Name() == "" || r.Description() == "" {
				t.Errorf("%s has no name or description", r)
			}
		}
		if modes[ModeAny] != 7 || modes[ModeSea] != 4 {
			t.Errorf("modes = %v", modes)
		}
	})
	t.Run("FOB is a sea rule and FCA is for any mode", func(t *testing.T) {
		if Incoterm("FOB").Mode() != ModeSea || Incoterm("FCA").Mode() != ModeAny {
			t.Error("wrong modes")
		}
	})

	tests := []struct {
		name      string
		in        string
		want      Incoterm
		place     string
		code      string
		fragments []string
	}{
		{name: "a rule is read case-insensitively", in: " fob ", want: "FOB"},
		{name: "a rule and place are split", in: "FCA Hamburg", want: "FCA", place: "Hamburg"},
		{name: "the ICC suffix is dropped", in: "CIF Rotterdam, Port of Incoterms® 2020", want: "CIF", place: "Rotterdam, Port of"},
		{name: "DAT is answered with DPU", in: "DAT Hamburg", code: CodeInvalidIncoterm, fragments: []string{`"DPU"`}},
		{name: "an unknown rule is refused", in: "XYZ", code: CodeInvalidIncoterm, fragments: []string{`"XYZ"`}},
		{name: "an empty value is reported as missing", in: "", code: CodeRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, place, err := ParseIncotermPlace(tt.in)
			if tt.code != "" {
				wantParseError(t, err, tt.code, tt.fragments...)
				return
			}
			if err != nil || got != tt.want || place != tt.place {
				t.Fatalf("ParseIncotermPlace(%q) = %q, %q, %v; want %q, %q", tt.in, got, place, err, tt.want, tt.place)
			}
		})
	}
}

func TestParseHSCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want HSCode
		code string
	}{
		{name: "a dotted subheading is normalized to six digits", in: "8471.30", want: "847130"},
		{name: "a spaced eight-digit code is normalized", in: "8471 30 00", want: "84713000"},
		{name: "a dotted ten-digit code is normalized", in: "8471.30.00.00", want: "8471300000"},
		{name: "plain digits are kept", in: "847130", want: "847130"},
		{name: "an empty value is reported as missing", in: " ", code: CodeRequired},
		{name: "a four-digit heading is too short", in: "8471", code: CodeInvalidHSCode},
		{name: "seven digits are refused", in: "8471.30.1", code: CodeInvalidHSCode},
		{name: "letters are refused", in: "84A1.30", code: CodeInvalidHSCode},
		{name: "a placeholder of zeros is refused", in: "000000", code: CodeInvalidHSCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHSCode(tt.in)
			if tt.code != "" {
				wantParseError(t, err, tt.code)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseHSCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if !got.Valid() || got.Subheading() != got[:6] {
				t.Errorf("%q: valid %v, subheading %q", got, got.Valid(), got.Subheading())
			}
		})
	}
}

func TestParseErrorsQuoteLongInputShortly(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	_, err := ParseCurrency(long)
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error for a 10,000-byte input should be short, got %d bytes", len(err.Error()))
	}
}
