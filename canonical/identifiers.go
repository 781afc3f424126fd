package canonical

import (
	"strings"
)

// GTIN check digits, IBAN and BIC checks, and the masks that keep account
// numbers out of logs and error messages.

// ValidGTIN reports whether s is a GS1 GTIN-8, GTIN-12 (UPC-A), GTIN-13
// (EAN-13) or GTIN-14 with a correct check digit. An all-zero number, which
// ERP exports use as "no GTIN", is not valid.
func ValidGTIN(s string) bool { return checkGTIN(s) == nil }

// ParseGTIN trims s and checks it as ValidGTIN does; the error says whether
// the length, a character or the check digit is wrong.
func ParseGTIN(s string) (string, error) {
	g := strings.TrimSpace(s)
	if g == "" {
		return "", parseError(CodeRequired, "gtin is empty")
	}
	if err := checkGTIN(g); err != nil {
		return "", err
	}
	return g, nil
}

func checkGTIN(s string) error {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return parseError(CodeInvalidGTIN, "%s is not a GTIN: it has %d characters, want 8, 12, 13 or 14 digits", clip(s), len(s))
	}
	if !isDigits(s) {
		return parseError(CodeInvalidGTIN, "%s is not a GTIN: only digits are allowed", clip(s))
	}
	if strings.Trim(s, "0") == "" {
		return parseError(CodeInvalidGTIN, "%s is a placeholder, not a GTIN", clip(s))
	}
	if want := gtinCheckDigit(s[:len(s)-1]); s[len(s)-1] != want {
		return parseError(CodeInvalidGTIN, "%s has check digit %c, want %c", clip(s), s[len(s)-1], want)
	}
	return nil
}

// gtinCheckDigit computes the GS1 mod-10 check digit of the digits before
// it: from the right, weights 3, 1, 3, 1...
func gtinCheckDigit(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidIBAN reports whether s is an IBAN in electronic format (upper case,
// no spaces) with a known country code and correct mod-97 check digits.
// It does not check the national length of each country.
func ValidIBAN(s string) bool { return checkIBAN(s) == nil }

// ParseIBAN reads an IBAN in print or electronic format ("de89 3704 0044
// 0532 0130 00") and returns its electronic format ("DE89370400440532013000").
// Its errors show the IBAN masked, never in full.
func ParseIBAN(s string) (string, error) {
	iban := normalizeIBAN(s)
	if iban == "" {
		return "", parseError(CodeRequired, "iban is empty")
	}
	if err := checkIBAN(iban); err != nil {
		return "", err
	}
	return iban, nil
}

// PayeeOf makes a counterparty of an account identifier as documents
// give it (UBL PayeeFinancialAccount/ID, EDIFACT FII C078): an id that
// starts like an IBAN (two letters, two digits, 15 characters or more) is
// the IBAN, in electronic format; anything else is a domestic account
// number, without spaces.
func PayeeOf(id, holder, bic string) *Counterparty {
	c := &Counterparty{Name: strings.TrimSpace(holder), BIC: strings.TrimSpace(bic)}
	id = normalizeIBAN(id)
	if len(id) >= 15 && isUpper(id[0]) && isUpper(id[1]) && isDigit(id[2]) && isDigit(id[3]) {
		c.IBAN = id
	} else {
		c.Account = id
	}
	return c
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func normalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func checkIBAN(s string) error {
	masked := func() string { return MaskIBAN(s) } // only on error: it allocates
	if len(s) < 15 || len(s) > 34 {
		return parseError(CodeInvalidIBAN, "IBAN %s has %d characters, want 15 to 34", masked(), len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
		if i < 2 {
			ok = c >= 'A' && c <= 'Z'
		} else if i < 4 {
			ok = c >= '0' && c <= '9'
		}
		if !ok {
			return parseError(CodeInvalidIBAN, "IBAN %s is not in electronic format: 2 letters, 2 check digits, then upper-case letters and digits without spaces", masked())
		}
	}
	if !Country(s[:2]).Valid() {
		return parseError(CodeInvalidIBAN, "IBAN %s has an unknown country code %q", masked(), s[:2])
	}
	if ibanMod97(s) != 1 {
		return parseError(CodeInvalidIBAN, "IBAN %s fails its mod-97 check: a character is wrong or missing", masked())
	}
	return nil
}

// ibanMod97 is ISO 7064 MOD 97-10 over the IBAN with its first four
// characters moved to the end and letters read as 10..35. s must hold only
// digits and upper-case letters.
func ibanMod97(s string) int {
	r := 0
	for i := range len(s) {
		c := s[(i+4)%len(s)] // from the fifth character round to the fourth
		if c >= 'A' {
			r = (r*100 + int(c-'A'+10)) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

// ValidBIC reports whether s is a SWIFT BIC (ISO 9362): 4 letters for the
// institution, a known country code, 2 letters or digits for the location
// and, optionally, 3 letters or digits for the branch, in upper case.
func ValidBIC(s string) bool { return checkBIC(s) == nil }

// ParseBIC trims and upper-cases s and checks it as ValidBIC does.
func ParseBIC(s string) (string, error) {
	b := normCode(s)
	if b == "" {
		return "", parseError(CodeRequired, "bic is empty")
	}
	if err := checkBIC(b); err != nil {
		return "", err
	}
	return b, nil
}

func checkBIC(s string) error {
	if len(s) != 8 && len(s) != 11 {
		return parseError(CodeInvalidBIC, "%s is not a BIC: it has %d characters, want 8 or 11", clip(s), len(s))
	}
	if !isUpperLetters(s[:4]) || !isUpperLetters(s[4:6]) || !isUpperAlnum(s[6:]) {
		return parseError(CodeInvalidBIC, "%s is not a BIC: want 4 letters, a country code, then 2 or 5 letters or digits", clip(s))
	}
	if !Country(s[4:6]).Valid() {
		return parseError(CodeInvalidBIC, "%s is not a BIC: %q is not a country code", clip(s), s[4:6])
	}
	return nil
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// MaskIBAN shows the country, check digits and last four characters of an
// IBAN and hides the rest behind a fixed eight stars, so the mask does not
// reveal the length: "DE89370400440532013000" prints as "DE89********3000".
// Spaces are dropped first. Anything of 12 characters or fewer is all stars.
func MaskIBAN(s string) string {
	iban := []rune(normalizeIBAN(s))
	if len(iban) <= 12 {
		return "********"
	}
	return string(iban[:4]) + "********" + string(iban[len(iban)-4:])
}

// MaskAccount shows the last four characters of a national account number
// (or of anything else sensitive) and hides the rest: "****6789". Anything of
// 8 characters or fewer is all stars.
func MaskAccount(s string) string {
	a := []rune(strings.Join(strings.Fields(s), ""))
	if len(a) <= 8 {
		return "********"
	}
	return "****" + string(a[len(a)-4:])
}
