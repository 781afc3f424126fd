package validation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// PaymentMethod is how a supplier is paid.
type PaymentMethod string

// The payment methods ParsePaymentTerms recognizes. They are also the values
// of the allowed_payment_methods threshold.
const (
	MethodTT          PaymentMethod = "tt"           // telegraphic transfer (wire)
	MethodLC          PaymentMethod = "lc"           // letter of credit
	MethodDP          PaymentMethod = "dp"           // documents against payment
	MethodDA          PaymentMethod = "da"           // documents against acceptance
	MethodCAD         PaymentMethod = "cad"          // cash against documents
	MethodOpenAccount PaymentMethod = "open_account" // invoice paid after delivery ("NET 30")
)

// PaymentMethods lists the methods in a stable order.
func PaymentMethods() []PaymentMethod {
	return []PaymentMethod{MethodTT, MethodLC, MethodDP, MethodDA, MethodCAD, MethodOpenAccount}
}

// Valid reports whether m is one of PaymentMethods.
func (m PaymentMethod) Valid() bool {
	for _, k := range PaymentMethods() {
		if m == k {
			return true
		}
	}
	return false
}

// PaymentTerms is payment terms read from the way they are written.
type PaymentTerms struct {
	Method PaymentMethod
	// Days is the credit period in days: 30 for "NET 30", 0 for "L/C at sight".
	Days int
	// PrepaymentPercent is what is paid before shipment: 30 for "T/T 30% deposit".
	PrepaymentPercent decimal.Decimal
}

func (t PaymentTerms) String() string {
	s := string(t.Method)
	if t.Days > 0 {
		s += fmt.Sprintf(" %d days", t.Days)
	}
	if t.PrepaymentPercent.IsPositive() {
		s += fmt.Sprintf(", %s%% prepaid", t.PrepaymentPercent)
	}
	return s
}

var (
	termsSpace   = regexp.MustCompile(`\s+`)
	termsDays    = regexp.MustCompile(`\b(\d{1,4})\s*(?:-\s*)?DAYS?\b`)
	termsNetDays = regexp.MustCompile(`\bNET\s*(\d{1,4})\b|\bN(\d{1,4})\b|\b(\d{1,4})\s*DAYS?\s*NET\b`)
	termsPercent = regexp.MustCompile(`(\d{1,3}(?:\.\d+)?)\s*%\s*(?:T/T\s*|TT\s*)?(DEPOSIT|ADVANCE|IN ADVANCE|PREPAYMENT|PREPAID|DOWN ?PAYMENT|UPFRONT|BEFORE (?:SHIPMENT|PRODUCTION))`)
	// "deposit 30 %", as French and Spanish write it ("acompte 30 %").
	termsPercentAfter = regexp.MustCompile(`\b(?:DEPOSIT|PREPAYMENT|DOWN ?PAYMENT)\s*(?:OF\s*)?(\d{1,3}(?:\.\d+)?)\s*%`)
	termsAdvance      = regexp.MustCompile(`\b(IN ADVANCE|PREPAYMENT|PREPAID|CASH IN ADVANCE|CIA|BEFORE SHIPMENT|BEFORE PRODUCTION)\b`)
)

// translations turn the words of German, French, Spanish and Chinese terms
// into the English ones the patterns read ("60 Tage netto" is "60 DAYS
// NET"). Applied to the upper-cased text, longest phrases first.
var translations = strings.NewReplacer(
	// German
	"ZAHLBAR INNERHALB", "", "TAGEN", "DAYS", "TAGE", "DAYS", "NETTO", "NET", "ANZAHLUNG", "DEPOSIT",
	"VORKASSE", "IN ADVANCE", "VORAUSZAHLUNG", "PREPAYMENT", "GEGEN", "AGAINST", "AKKREDITIV", "L/C",
	"ÜBERWEISUNG", "WIRE", "SKONTO", "DISCOUNT", "-KOPIE", " COPY", "KOPIE", "COPY", "OFFENE RECHNUNG", "OPEN ACCOUNT",
	// French
	"CRÉDIT DOCUMENTAIRE", "L/C", "CREDIT DOCUMENTAIRE", "L/C", "JOURS", "DAYS", "ACOMPTE", "DEPOSIT",
	"VIREMENT", "WIRE", "CONTRE", "AGAINST", "À VUE", "AT SIGHT", "A VUE", "AT SIGHT", "ESCOMPTE", "DISCOUNT",
	// Spanish
	"CARTA DE CRÉDITO", "L/C", "CARTA DE CREDITO", "L/C", "DÍAS", "DAYS", "DIAS", "DAYS", "NETO", "NET",
	"ANTICIPO", "DEPOSIT", "TRANSFERENCIA", "WIRE",
	// Chinese
	"电汇", " T/T ", "信用证", " L/C ", "即期", " AT SIGHT ", "预付款", " DEPOSIT ", "预付", " DEPOSIT ", "定金", " DEPOSIT ",
	"付款交单", " D/P ", "承兑交单", " D/A ", "天", " DAYS ", "月结", " NET ",
)

// methodWords maps the ways a method is written to the method; the first
// one found in the text (leftmost) wins.
var methodWords = []struct {
	re     *regexp.Regexp
	method PaymentMethod
}{
	{regexp.MustCompile(`\bT/T\b|\bTT\b|TELEGRAPHIC TRANSFER|\bWIRE\b|BANK TRANSFER|\bCIA\b|CASH IN ADVANCE`), MethodTT},
	{regexp.MustCompile(`\bL/C\b|\bLC\b|LETTER OF CREDIT`), MethodLC},
	{regexp.MustCompile(`\bD/P\b|\bDP\b|DOCUMENTS AGAINST PAYMENT`), MethodDP},
	{regexp.MustCompile(`\bD/A\b|DOCUMENTS AGAINST ACCEPTANCE`), MethodDA},
	{regexp.MustCompile(`\bCAD\b|CASH AGAINST DOCUMENTS`), MethodCAD},
	{regexp.MustCompile(`OPEN ACCOUNT|\bO/A\b|\bNET(?:\b|\d)|\bN\d{1,4}\b`), MethodOpenAccount},
}

// ParsePaymentTerms reads payment terms as contracts write them: "NET 30",
// "30 days net", "T/T 30% deposit 70% against B/L copy", "L/C at sight",
// "L/C 60 days", "D/P", "D/A 90 days", "open account 60 days", "CAD",
// "100% T/T in advance". Terms it cannot read give an error, never a guess.
func ParsePaymentTerms(s string) (PaymentTerms, error) {
	var t PaymentTerms
	text := strings.ToUpper(strings.TrimSpace(termsSpace.ReplaceAllString(s, " ")))
	if text == "" {
		return t, fmt.Errorf("payment terms are empty")
	}
	text = strings.TrimSpace(termsSpace.ReplaceAllString(translations.Replace(text), " "))
	if len(text) > 200 {
		return t, fmt.Errorf("payment terms %q are too long to be terms", clip(s))
	}
	first := -1
	for _, w := range methodWords {
		if loc := w.re.FindStringIndex(text); loc != nil && (first < 0 || loc[0] < first) {
			first, t.Method = loc[0], w.method
		}
	}
	if first < 0 {
		// "30 days" alone is how many write open account terms; a deposit
		// with the rest against documents is paid by wire.
		switch {
		case termsDays.MatchString(text) && strings.Trim(termsDays.ReplaceAllString(text, ""), " ,.") == "":
			t.Method = MethodOpenAccount
		case termsPercent.MatchString(text):
			t.Method = MethodTT
		default:
			return t, fmt.Errorf("payment terms %q name no method procurehub knows (T/T, L/C, D/P, D/A, CAD, open account, NET n)", clip(s))
		}
	}
	if m := termsNetDays.FindStringSubmatch(text); m != nil {
		t.Days = atoi(m[1] + m[2] + m[3])
	} else if m := termsDays.FindStringSubmatch(text); m != nil {
		t.Days = atoi(m[1])
	}
	if m := termsPercent.FindStringSubmatch(text); m != nil {
		t.PrepaymentPercent = decimal.RequireFromString(m[1])
	} else if m := termsPercentAfter.FindStringSubmatch(text); m != nil {
		t.PrepaymentPercent = decimal.RequireFromString(m[1])
	} else if termsAdvance.MatchString(text) {
		t.PrepaymentPercent = decimal.NewFromInt(100)
	}
	if t.PrepaymentPercent.GreaterThan(decimal.NewFromInt(100)) {
		return t, fmt.Errorf("payment terms %q prepay more than 100%%", clip(s))
	}
	if t.Method == MethodOpenAccount && t.Days == 0 && !strings.Contains(text, "OPEN ACCOUNT") && !strings.Contains(text, "O/A") {
		return t, fmt.Errorf("payment terms %q say NET without a number of days", clip(s))
	}
	return t, nil
}

var hundred = decimal.NewFromInt(100)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
