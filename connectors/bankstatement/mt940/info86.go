package mt940

import (
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// applyInfo reads a :86: information to account owner into the entry it
// follows. Three layouts are common:
//
//   - German GVC ("166?00SEPA-UEBERWEISUNG?20EREF+...?32Name"): a 3-digit
//     business transaction code, then ?NN subfields; the remittance lines
//     ?20–?29 and ?60–?63 carry SEPA keywords (EREF+, SVWZ+, ...).
//   - SWIFT-style keywords ("/EREF/.../REMI/USTD//.../BENM//NAME/..."), as
//     Dutch and many other banks write them.
//   - Free text: the remittance information.
//
// Banks wrap the structured layouts at a fixed width, mid-word, so their
// lines are joined without a separator; free-text lines with a space.
func applyInfo(e *canonical.BankTransaction, lines []string) {
	joined := strings.Join(lines, "")
	switch {
	case len(joined) >= 4 && allDigits(joined[:3]) && joined[3] == '?':
		applyGVC(e, joined)
	case strings.HasPrefix(joined, "/") && len(swiftKeys(joined)) > 0:
		applySwift(e, joined)
	default:
		setRemittance(e, strings.Join(strings.Fields(strings.Join(lines, " ")), " "))
	}
}

// setRemittance sets the remittance information and, when it names an ISO
// 11649 creditor reference (RF18 5390 0754 7034 written as one word), that
// reference.
func setRemittance(e *canonical.BankTransaction, text string) {
	e.RemittanceInfo = squeeze(text)
	if e.CreditorReference == "" && strings.Contains(e.RemittanceInfo, "RF") {
		for _, w := range strings.Fields(e.RemittanceInfo) {
			if w = strings.TrimRight(w, ".,;:)"); validRF(w) {
				e.CreditorReference = w
				break
			}
		}
	}
}

// validRF reports whether s is an ISO 11649 creditor reference: RF, two
// check digits, 1–21 letters or digits, mod 97 = 1.
func validRF(s string) bool {
	if len(s) < 5 || len(s) > 25 || !strings.HasPrefix(s, "RF") || !allDigits(s[2:4]) {
		return false
	}
	r := 0
	moved := s[4:] + s[:4]
	for i := 0; i < len(moved); i++ {
		c := moved[i]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return r == 1
}

// setAccount sets the counterparty's IBAN when acct is one, else its account number.
func setAccount(c *canonical.Counterparty, acct string) {
	acct = strings.TrimSpace(acct)
	if acct == "" {
		return
	}
	if iban := strings.ToUpper(strings.ReplaceAll(acct, " ", "")); canonical.ValidIBAN(iban) {
		c.IBAN = iban
		return
	}
	c.Account = acct
}

func setBIC(c *canonical.Counterparty, bic string) {
	if bic = strings.ToUpper(strings.TrimSpace(bic)); isBIC(bic) {
		c.BIC = bic
	}
}

// counterparty returns the entry's counterparty, made when it has none.
func counterparty(e *canonical.BankTransaction) *canonical.Counterparty {
	if e.Counterparty == nil {
		e.Counterparty = &canonical.Counterparty{}
	}
	return e.Counterparty
}

// dropEmptyCounterparty removes a counterparty that got nothing.
func dropEmptyCounterparty(e *canonical.BankTransaction) {
	if c := e.Counterparty; c != nil && *c == (canonical.Counterparty{}) {
		e.Counterparty = nil
	}
}

func addInfo(e *canonical.BankTransaction, parts ...string) {
	for _, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if e.AdditionalInfo != "" {
			e.AdditionalInfo += "; "
		}
		e.AdditionalInfo += p
	}
}

// sepaKeys are the SEPA keywords of German remittance lines (DFÜ-Abkommen).
var sepaKeys = []string{"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "COAM+", "OAMT+", "IBAN+", "BIC+"}

// applyGVC reads the German layout: GVC, then ?00 posting text, ?10
// primanota, ?20–?29 and ?60–?63 remittance, ?30 BLZ or BIC, ?31 account or
// IBAN, ?32–?33 name, ?34 text key extension. The GVC becomes the bank code
// (it says more than the :61: "NMSC"); ?10 and ?34 are bank-internal.
func applyGVC(e *canonical.BankTransaction, s string) {
	e.BankCode = s[:3]
	// Name, account and bank are one subfield each, rarely two: adding
	// strings keeps the usual case free of copies. The remittance lines
	// are many.
	var name, bankID, acct, posting string
	var remit strings.Builder
	remit.Grow(len(s))
	rest := s[3:]
	for rest != "" {
		// rest starts with ?NN: find the next "?" followed by two digits.
		if len(rest) < 3 || rest[0] != '?' || !allDigits(rest[1:3]) {
			remit.WriteString(rest) // text before the first subfield, or a broken one
			break
		}
		key := rest[1:3]
		end := 3
		for end < len(rest) && !(rest[end] == '?' && end+2 < len(rest) && allDigits(rest[end+1:end+3])) {
			end++
		}
		val := rest[3:end]
		rest = rest[end:]
		switch {
		case key == "00":
			posting += val
		case key >= "20" && key <= "29", key >= "60" && key <= "63":
			remit.WriteString(val)
		case key == "30":
			bankID += val
		case key == "31":
			acct += val
		case key == "32", key == "33":
			name += val
		}
	}
	cp := counterparty(e)
	cp.Name = squeeze(name)
	bid, a := strings.TrimSpace(bankID), strings.TrimSpace(acct)
	switch {
	case isBIC(strings.ToUpper(bid)):
		setBIC(cp, bid)
		setAccount(cp, a)
	case bid != "" && a != "" && !canonical.ValidIBAN(strings.ToUpper(a)):
		cp.Account = bid + "/" + a // BLZ/Konto, as :25: writes it
	default:
		setAccount(cp, a)
	}
	dropEmptyCounterparty(e)
	addInfo(e, posting)
	applySEPA(e, remit.String())
}

// applySEPA splits German remittance text at its SEPA keywords: EREF+ is
// the end-to-end id, KREF+ the customer reference, SVWZ+ the remittance
// information; the others (mandate, creditor id, ultimate parties,
// amounts) go to additional_info as written. Text without keywords is the
// remittance information.
func applySEPA(e *canonical.BankTransaction, text string) {
	type hit struct {
		at  int
		key string
	}
	hits := make([]hit, 0, 8)
	for _, k := range sepaKeys {
		for from := 0; ; {
			i := strings.Index(text[from:], k)
			if i < 0 {
				break
			}
			hits = append(hits, hit{from + i, k})
			from += i + len(k)
		}
	}
	if len(hits) == 0 {
		setRemittance(e, text)
		return
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.at - b.at })
	remit := strings.TrimSpace(text[:hits[0].at]) // text before the first keyword
	for i, h := range hits {
		end := len(text)
		if i+1 < len(hits) {
			end = hits[i+1].at
		}
		if end < h.at+len(h.key) {
			continue // overlapping keywords ("IBAN+" inside a value): keep the first
		}
		val := strings.TrimSpace(text[h.at+len(h.key) : end])
		switch h.key {
		case "EREF+":
			if val != "NOTPROVIDED" {
				e.EndToEndID = val
			}
		case "KREF+":
			if e.CustomerReference == "" && val != "NOTPROVIDED" && val != "NONREF" {
				e.CustomerReference = val
			}
		case "SVWZ+":
			remit = strings.TrimSpace(remit + " " + val)
		default:
			addInfo(e, h.key+val)
		}
	}
	setRemittance(e, remit)
}

// swiftKeyNames are the keywords of the SWIFT-style :86: layout.
var swiftKeyNames = map[string]bool{
	"EREF": true, "REMI": true, "BENM": true, "ORDP": true, "NAME": true, "IBAN": true, "BIC": true,
	"OCMT": true, "CHGS": true, "TRTP": true, "CNTP": true, "CSID": true, "MARF": true, "PREF": true,
	"RTRN": true, "PURP": true, "ULTC": true, "ULTD": true, "ULTB": true, "ADDR": true, "ISDT": true,
	"EXCH": true, "SVCL": true, "ID": true, "FX": true, "COUN": true,
}

type swiftKey struct {
	at, end int // "/KEY/" is s[at:end]
	key     string
}

// swiftKeys finds the "/KEY/" marks of s, left to right.
func swiftKeys(s string) []swiftKey {
	var keys []swiftKey
	for i := 0; i < len(s); i++ {
		if s[i] != '/' {
			continue
		}
		j := strings.IndexByte(s[i+1:], '/')
		if j < 2 || j > 4 {
			continue
		}
		if k := s[i+1 : i+1+j]; swiftKeyNames[k] {
			keys = append(keys, swiftKey{i, i + j + 2, k})
			i += j + 1 // the next key starts after this one's closing slash: "/BENM//NAME/"
		}
	}
	return keys
}

// applySwift reads the SWIFT-style layout: /EREF/ end-to-end id, /REMI/
// remittance (USTD// unstructured, STRD/CUR/ a creditor reference),
// /BENM//NAME/ or /ORDP//NAME/ the counterparty's name, /IBAN/ /BIC/ its
// account, /CNTP/ IBAN/BIC/name/city in one (Rabobank), /OCMT/ the original
// amount, /CHGS/ the charges. Other keywords go to additional_info.
func applySwift(e *canonical.BankTransaction, s string) {
	keys := swiftKeys(s)
	cp := counterparty(e)
	var remit []string
	for i, k := range keys {
		end := len(s)
		if i+1 < len(keys) {
			end = keys[i+1].at
		}
		val := strings.TrimSpace(strings.TrimRight(s[k.end:end], "/"))
		switch k.key {
		case "EREF":
			if val != "NOTPROVIDED" {
				e.EndToEndID = val
			}
		case "REMI":
			switch {
			case strings.HasPrefix(val, "USTD//"):
				remit = append(remit, strings.TrimPrefix(val, "USTD//"))
			case strings.HasPrefix(val, "STRD/CUR/"):
				if ref := strings.TrimPrefix(val, "STRD/CUR/"); ref != "" {
					e.CreditorReference = ref
					remit = append(remit, ref)
				}
			case strings.HasPrefix(val, "STRD/"):
				remit = append(remit, strings.TrimPrefix(val, "STRD/"))
			default:
				remit = append(remit, val)
			}
		case "NAME":
			if cp.Name == "" {
				cp.Name = squeeze(val)
			}
		case "IBAN":
			setAccount(cp, val)
		case "BIC":
			setBIC(cp, val)
		case "CNTP":
			parts := strings.Split(val, "/")
			setAccount(cp, parts[0])
			if len(parts) > 1 {
				setBIC(cp, parts[1])
			}
			if len(parts) > 2 && cp.Name == "" {
				cp.Name = squeeze(parts[2])
			}
		case "OCMT":
			if amt, cur, ok := currencyAmount(val); ok {
				e.OriginalAmount, e.OriginalCurrency = &amt, cur
			} else {
				addInfo(e, "OCMT "+val)
			}
		case "CHGS":
			if amt, _, ok := currencyAmount(val); ok {
				e.Charges = &amt
			} else {
				addInfo(e, "CHGS "+val)
			}
		case "BENM", "ORDP":
			// they scope the /NAME/ that follows
			if val != "" && cp.Name == "" {
				cp.Name = val
			}
		default:
			if val != "" {
				addInfo(e, k.key+" "+val)
			}
		}
	}
	if pre := strings.TrimSpace(s[:keys[0].at]); pre != "" {
		remit = append([]string{pre}, remit...)
	}
	dropEmptyCounterparty(e)
	setRemittance(e, strings.Join(remit, " "))
}

// currencyAmount reads "EUR12,50" (/OCMT/, /CHGS/).
func currencyAmount(v string) (canonical.Decimal, canonical.Currency, bool) {
	v = strings.TrimRight(v, "/")
	if len(v) < 4 {
		return canonical.Decimal{}, "", false
	}
	cur, ferr := parseCurrency("", v[:3])
	if ferr != nil {
		return canonical.Decimal{}, "", false
	}
	amt, ferr := parseAmount("", v[3:])
	if ferr != nil {
		return canonical.Decimal{}, "", false
	}
	return scaleTo(amt, cur), cur, true
}

// squeeze trims s and turns each run of spaces into one: the padding of a
// fixed-width line that ended early.
func squeeze(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") && !strings.ContainsAny(s, "\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
