package plan

import (
	"regexp"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// Discount is an early-payment (cash) discount: Percent off the amount when
// it is paid within Days of the invoice date.
type Discount struct {
	Percent canonical.Decimal `json:"percent"`
	Days    int               `json:"days"`
	// Until is the last day the discount can be earned: the invoice date
	// plus Days. Zero until the invoice date is known.
	Until canonical.Date `json:"until,omitzero"`
}

// The two ways contracts write a discount. validation.ParsePaymentTerms
// does not read them (it takes "2/10 net 60" as NET 60 and "2% 10 days net
// 60" as 10 days), so the discount is cut out here and only the rest goes
// to it.
//
// The slash form must be followed by the net part ("2/10 net 60", "2/10
// N60"): a bare "30/70" is a deposit split, not a discount. The percent
// form needs a number of days or the net part after the percentage ("2%
// 10 days", "2% discount within 10 days", "2 % Skonto 10 Tage", "2% 10 net
// 30"), which a deposit ("30% deposit") never has.
var (
	discountSlash   = regexp.MustCompile(`(?:^|[^\d.,/%])((\d{1,2}(?:[.,]\d{1,2})?)\s*/\s*(\d{1,3}))\s*,?\s*(?:NET|NETTO|NETO|N\s*\d)`)
	discountPercent = regexp.MustCompile(`(?:^|[^\d.,/])((\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*` +
		`(?:(?:CASH\s+)?DISCOUNT\s+|SKONTO\s+|ESCOMPTE\s+|DESCUENTO\s+)?` +
		`(?:(?:IF\s+PAID\s+)?WITHIN\s+|(?:BEI\s+ZAHLUNG\s+)?INNERHALB\s+(?:VON\s+)?|SOUS\s+|EN\s+)?` +
		`(\d{1,3})(?:\s*(?:DAYS?|TAGEN?|JOURS?|DÍAS|DIAS)\b|\s*,?\s*(?:NET|NETTO|NETO|N\s*\d)))`)
)

// maxDiscountPercent bounds what is read as an early-payment discount:
// those are a few percent; a larger percentage next to a number of days is
// more likely a deposit written loosely, and guessing there would be worse
// than not reading it.
var maxDiscountPercent = decimal.NewFromInt(10)

// ParseDiscount reads the early-payment discount of payment terms: "2/10
// net 60" and "2% 10 days net 60" are 2% off when paid within 10 days.
// Until is left zero: it depends on the invoice date. Terms without a
// discount give false.
func ParseDiscount(terms string) (Discount, bool) {
	d, _, ok := cutDiscount(terms)
	return d, ok
}

// cutDiscount is ParseDiscount that also returns the terms without the
// discount, upper-cased, for validation.ParsePaymentTerms to read the rest.
func cutDiscount(terms string) (Discount, string, bool) {
	text := strings.ToUpper(terms)
	for _, re := range []*regexp.Regexp{discountSlash, discountPercent} {
		m := re.FindStringSubmatchIndex(text)
		if m == nil {
			continue
		}
		pct, err := decimal.NewFromString(strings.Replace(text[m[4]:m[5]], ",", ".", 1))
		if err != nil || !pct.IsPositive() || pct.GreaterThan(maxDiscountPercent) {
			continue
		}
		days := atoi(text[m[6]:m[7]])
		if days <= 0 {
			continue
		}
		rest := text[:m[2]] + " " + text[m[3]:]
		// For the percent form that ended on the net part, keep the net
		// part: the match ran past the discount's number of days.
		if re == discountPercent {
			rest = text[:m[2]] + " " + text[m[7]:]
			rest = daysWord.ReplaceAllString(rest, " ")
		}
		return Discount{Percent: canonical.NewDecimal(pct), Days: days}, strings.TrimSpace(rest), true
	}
	return Discount{}, terms, false
}

// daysWord drops the discount's own word for days left at the front of the
// rest ("2% 10 days, net 60" leaves " DAYS, NET 60").
var daysWord = regexp.MustCompile(`^\s*(?:DAYS?|TAGEN?|JOURS?|DÍAS|DIAS)\b\s*,?`)

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
