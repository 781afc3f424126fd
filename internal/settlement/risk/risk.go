// Package risk raises fraud and anomaly findings on supplier invoices and
// payment requests before money leaves: a duplicate invoice, a payee account
// that is not the verified one on file, an amount far outside the supplier's
// history, invoices split to stay under the approval limit, a payment due
// before the goods shipped, and a beneficiary bank in an unexpected country.
//
// The package is pure: it reads only its inputs (dates included, there is
// no clock), does no I/O, and returns the same findings in the same order
// for the same inputs. A finding never shows a full account number: accounts
// are masked with canonical.MaskIBAN (or MaskAccount for national numbers).
package risk

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// Kind is what a finding is about.
type Kind string

// Finding kinds.
const (
	// DuplicateInvoice: the same supplier sent the same invoice number with
	// other content, or the same amount, currency and invoice date under
	// another number.
	DuplicateInvoice Kind = "duplicate_invoice"
	// AccountChanged: the invoice asks to be paid to an account that is not
	// a verified account of the supplier on file.
	AccountChanged Kind = "bank_account_changed"
	// AmountOutlier: the invoice total is far above the supplier's usual
	// invoices in the same currency.
	AmountOutlier Kind = "amount_outlier"
	// SplitInvoice: several invoices of one supplier to one buyer within a
	// few days, each under the approval limit, together over it.
	SplitInvoice Kind = "split_invoice"
	// PaymentBeforeDelivery: a payment request due or approved before the
	// goods shipped, where the terms allow no such prepayment.
	PaymentBeforeDelivery Kind = "payment_before_delivery"
	// BeneficiaryCountry: the payee bank's country is neither the
	// supplier's country nor that of any of its verified accounts.
	BeneficiaryCountry Kind = "beneficiary_country"
)

// Severities of a finding.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Finding is one risk raised on an invoice or a payment request.
type Finding struct {
	Kind     Kind   `json:"kind"`
	Severity string `json:"severity"` // SeverityWarning or SeverityCritical
	// Blocks says payment must wait until a person has looked at it.
	Blocks  bool   `json:"blocks"`
	Subject string `json:"subject"` // a short line
	// Message explains itself: what was seen, what it was compared with,
	// and why it matters.
	Message string `json:"message"`
	Action  string `json:"suggested_action"`
	// Data holds the figures behind the finding (supplier_id,
	// invoice_number, order_number, amounts...). Accounts appear masked,
	// never in full.
	Data map[string]string `json:"data,omitempty"`
}

// Config tunes the invoice checks.
type Config struct {
	// MinHistory is how many earlier invoices in the same currency the
	// supplier needs before an amount can be called an outlier; fewer than
	// 3 is read as 3, since a median of one or two invoices says little.
	MinHistory int
	// OutlierFactor is how many spreads above the median an invoice total
	// must be to be an outlier (see CheckInvoice). Zero or less turns the
	// check off.
	OutlierFactor float64
	// SplitWindowDays is how many days apart (by invoice date) invoices may
	// be and still count as one split purchase. Less than zero turns the
	// check off.
	SplitWindowDays int
	// ApprovalLimit is the amount above which an invoice needs a further
	// approval, in LimitCurrency. Zero or less turns the split check off.
	ApprovalLimit canonical.Decimal
	LimitCurrency canonical.Currency
}

// DefaultConfig is five invoices of history, an outlier at six spreads
// above the median, a split window of fourteen days and an approval limit of
// 10 000.00 EUR.
func DefaultConfig() Config {
	return Config{
		MinHistory:      5,
		OutlierFactor:   6,
		SplitWindowDays: 14,
		ApprovalLimit:   canonical.MustDecimal("10000.00"),
		LimitCurrency:   "EUR",
	}
}

// sortFindings orders findings by kind, then subject, then message, so the
// same inputs always give the same list.
func sortFindings(fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return fs
}

// normalizeAccount is how an account is compared with the accounts on
// file: no spaces, upper case (as store.SupplierAccount keeps them).
func normalizeAccount(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// maskAccount shows an account as far as a finance user needs to recognise
// it and no further: an IBAN as "DE89********3000", anything else as
// "****6789".
func maskAccount(s string) string {
	n := normalizeAccount(s)
	if looksLikeIBAN(n) {
		return canonical.MaskIBAN(n)
	}
	return canonical.MaskAccount(n)
}

// looksLikeIBAN reports whether s starts as an IBAN does: a country code
// and two check digits. It does not check the digits: a mistyped IBAN must
// still be masked as one.
func looksLikeIBAN(s string) bool {
	if len(s) < 15 {
		return false
	}
	return isLetter(s[0]) && isLetter(s[1]) && isDigit(s[2]) && isDigit(s[3])
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// accountCountry is the country of a bank account: the first two letters
// of an IBAN, else letters 5 and 6 of the BIC; "" when neither gives a
// known country.
func accountCountry(iban, bic string) canonical.Country {
	if n := normalizeAccount(iban); looksLikeIBAN(n) {
		if c := canonical.Country(n[:2]); c.Valid() {
			return c
		}
	}
	if b := normalizeAccount(bic); len(b) >= 6 {
		if c := canonical.Country(b[4:6]); isLetter(b[4]) && isLetter(b[5]) && c.Valid() {
			return c
		}
	}
	return ""
}

// sortedKeys lists a set's members in order, so messages do not depend on
// map order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
