package canonical

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is the error every Parse function of this package returns.
// Code is the stable code Validate uses for the same problem
// ("invalid_currency"), so a mapping can turn the error into a row error
// without reading the message. Messages never carry a full account number.
type ParseError struct {
	Code    string
	Message string
}

func (e *ParseError) Error() string { return e.Message }

func parseError(code, format string, args ...any) error {
	return &ParseError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// clip quotes s for an error message, cut to a readable length so that a
// megabyte of garbage in a cell does not become a megabyte of log.
func clip(s string) string {
	const maxRunes = 40
	if utf8.RuneCountInString(s) <= maxRunes {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:maxRunes])) + "..."
}

// normCode is how every code parser reads its input: trimmed and upper case.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func isUpperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Currency is an ISO 4217 alphabetic code ("EUR").
type Currency string

// Valid reports whether c is an active ISO 4217 code, written in upper case.
// The codes without minor units (XAU, XDR, XXX...) are valid codes too.
func (c Currency) Valid() bool { _, ok := currencyMinorUnits[c]; return ok }

// MinorUnits is the number of decimals of the currency (EUR 2, JPY 0, KWD 3).
// It returns 2 for an unknown code and for a code whose minor unit is "N.A."
// in ISO 4217 (XAU, XDR...), so that formatting always has a scale; use
// HasMinorUnits to tell those apart.
func (c Currency) MinorUnits() int {
	if n, ok := currencyMinorUnits[c]; ok && n != noMinorUnits {
		return n
	}
	return 2
}

// HasMinorUnits reports whether c is an active code with a defined minor
// unit: false for unknown codes and for XAU, XAG, XPD, XPT, XDR, XSU, XUA,
// the bond-market units XBA-XBD, XTS and XXX.
func (c Currency) HasMinorUnits() bool {
	n, ok := currencyMinorUnits[c]
	return ok && n != noMinorUnits
}

// Placeholder reports whether c is XXX ("no currency") or XTS (reserved for
// testing): valid codes that never price a real order or invoice.
func (c Currency) Placeholder() bool { return c == "XXX" || c == "XTS" }

// ParseCurrency reads an ISO 4217 code, ignoring case and surrounding space
// (" eur " is EUR). A withdrawn code gets an error naming its replacement.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(normCode(s))
	switch {
	case c == "":
		return "", parseError(CodeRequired, "currency is empty")
	case c.Valid():
		return c, nil
	case withdrawnCurrencies[c] != "":
		return "", parseError(CodeInvalidCurrency, "%s was withdrawn from ISO 4217; use %q", clip(string(c)), withdrawnCurrencies[c])
	case len(c) != 3 || !isUpperLetters(string(c)):
		return "", parseError(CodeInvalidCurrency, "%s is not a currency code (3 letters, ISO 4217)", clip(s))
	}
	return "", parseError(CodeInvalidCurrency, "%s is not an active ISO 4217 currency", clip(string(c)))
}

// Currencies lists every active ISO 4217 code, sorted.
func Currencies() []Currency { return sortedKeys(currencyMinorUnits) }

// Country is an ISO 3166-1 alpha-2 code ("DE").
type Country string

// Valid reports whether c is an officially assigned ISO 3166-1 alpha-2 code
// in upper case, or XK (Kosovo), the user-assigned code that the European
// Commission, SWIFT and the IBAN registry use.
func (c Country) Valid() bool {
	if _, ok := countries[c]; ok {
		return true
	}
	_, ok := userAssignedCountries[c]
	return ok
}

// Name is the English short name ("Germany"), or "" for an unknown code.
func (c Country) Name() string {
	if n, ok := countries[c]; ok {
		return n
	}
	return userAssignedCountries[c]
}

// ParseCountry reads an ISO 3166-1 alpha-2 code, ignoring case and
// surrounding space. Common mistakes (UK, EL) get an error naming the code to use.
func ParseCountry(s string) (Country, error) {
	c := Country(normCode(s))
	switch {
	case c == "":
		return "", parseError(CodeRequired, "country is empty")
	case c.Valid():
		return c, nil
	case countryHints[string(c)] != "":
		return "", parseError(CodeInvalidCountry, "%s", countryHints[string(c)])
	case len(c) != 2 || !isUpperLetters(string(c)):
		return "", parseError(CodeInvalidCountry, "%s is not a country code (2 letters, ISO 3166-1 alpha-2)", clip(s))
	}
	return "", parseError(CodeInvalidCountry, "%s is not an assigned ISO 3166-1 country code", clip(string(c)))
}

// Countries lists every code Country.Valid accepts, sorted.
func Countries() []Country {
	all := sortedKeys(countries)
	for c := range userAssignedCountries {
		all = append(all, c)
	}
	slices.Sort(all)
	return all
}

// Incoterm is an Incoterms 2020 rule ("FOB").
type Incoterm string

// Valid reports whether t is an Incoterms 2020 rule in upper case.
func (t Incoterm) Valid() bool { _, ok := incoterms[t]; return ok }

// Name is the rule's name ("Free On Board"), or "" for an unknown rule.
func (t Incoterm) Name() string { return incoterms[t].name }

// Mode is the transport mode the rule is for: ModeSea for FAS, FOB, CFR and
// CIF, ModeAny for the others, "" for an unknown rule.
func (t Incoterm) Mode() IncotermMode { return incoterms[t].mode }

// Description says in one sentence who delivers where and who pays.
func (t Incoterm) Description() string { return incoterms[t].desc }

// ParseIncoterm reads an Incoterms 2020 rule code, ignoring case and
// surrounding space. Rules of earlier editions (DAT, DDU...) get an error
// naming the 2020 rule to use. For "FOB Shanghai" use ParseIncotermPlace.
func ParseIncoterm(s string) (Incoterm, error) {
	t := Incoterm(normCode(s))
	switch {
	case t == "":
		return "", parseError(CodeRequired, "incoterm is empty")
	case t.Valid():
		return t, nil
	case oldIncoterms[string(t)] != "":
		return "", parseError(CodeInvalidIncoterm, "%s", oldIncoterms[string(t)])
	}
	return "", parseError(CodeInvalidIncoterm, "%s is not an Incoterms 2020 rule", clip(s))
}

// ParseIncotermPlace splits the way contracts write a rule with its place,
// "FCA Hamburg" or "CIF Rotterdam Incoterms® 2020", into the rule and the
// place ("Hamburg"). The place may be empty; the rule may not.
func ParseIncotermPlace(s string) (Incoterm, string, error) {
	s = strings.TrimSpace(s)
	for _, suffix := range []string{"incoterms® 2020", "incoterms 2020", "incoterms®2020", "incoterms2020"} {
		if n := len(s) - len(suffix); n >= 0 && strings.EqualFold(s[n:], suffix) {
			s = strings.TrimSpace(s[:n])
			break
		}
	}
	code, place, _ := strings.Cut(s, " ")
	t, err := ParseIncoterm(code)
	if err != nil {
		return "", "", err
	}
	return t, strings.Trim(strings.TrimSpace(place), ","), nil
}

// Incoterms lists the Incoterms 2020 rules in the ICC's order: the seven for
// any mode of transport, then the four for sea and inland waterway.
func Incoterms() []Incoterm { return slices.Clone(incotermOrder) }

// Unit is a UN/ECE Recommendation 20 unit of measure code ("EA", "C62", "KGM").
type Unit string

// Valid reports whether u is a current Rec 20 code procurehub knows, in upper
// case. The withdrawn PCE is not valid: ParseUnit turns it into H87.
func (u Unit) Valid() bool { _, ok := units[u]; return ok }

// Name is the Rec 20 name ("kilogram"), or "" for an unknown code.
func (u Unit) Name() string { return units[u].name }

// Kind is what the unit measures (UnitMass for KGM), or "" for an unknown code.
func (u Unit) Kind() UnitKind { return units[u].kind }

// ParseUnit reads a Rec 20 code, ignoring case and surrounding space.
// The withdrawn PCE ("piece"), which partners still send, becomes H87.
func ParseUnit(s string) (Unit, error) {
	u := Unit(normCode(s))
	if alias, ok := unitAliases[u]; ok {
		u = alias
	}
	switch {
	case u == "":
		return "", parseError(CodeRequired, "unit is empty")
	case u.Valid():
		return u, nil
	}
	return "", parseError(CodeInvalidUnit, "%s is not a UN/ECE Recommendation 20 unit code procurehub knows", clip(s))
}

// Units lists the unit codes Unit.Valid accepts, sorted.
func Units() []Unit { return sortedKeys(units) }

// HSCode is a Harmonized System commodity code: 6 digits, or a national
// extension of 8 or 10 digits. Dots and spaces are not part of the code.
type HSCode string

// Valid reports whether h has 6, 8 or 10 digits and a chapter other than 00.
func (h HSCode) Valid() bool {
	s := string(h)
	if n := len(s); n != 6 && n != 8 && n != 10 {
		return false
	}
	return isDigits(s) && s[:2] != "00"
}

// Subheading is the 6-digit international part of the code ("847130" of
// "8471300000"), or "" when h is not valid.
func (h HSCode) Subheading() HSCode {
	if !h.Valid() {
		return ""
	}
	return h[:6]
}

// ParseHSCode reads an HS code as customs documents write it ("8471.30",
// "8471 30 00", "8471.30.00.00") and returns its digits ("847130",
// "84713000", "8471300000"). Dots, spaces and hyphens are dropped.
func ParseHSCode(s string) (HSCode, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == ' ' || r == '-':
		default:
			return "", parseError(CodeInvalidHSCode, "%s is not an HS code: only digits, dots and spaces are allowed", clip(s))
		}
	}
	h := HSCode(b.String())
	switch {
	case h == "":
		return "", parseError(CodeRequired, "hs code is empty")
	case len(h) != 6 && len(h) != 8 && len(h) != 10:
		return "", parseError(CodeInvalidHSCode, "%s is not an HS code: it has %d digits, want 6, 8 or 10", clip(s), len(h))
	case !h.Valid():
		return "", parseError(CodeInvalidHSCode, "%s is not an HS code: there is no chapter 00", clip(s))
	}
	return h, nil
}
