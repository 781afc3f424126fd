// Package validation checks orders, whatever their source, against the
// supplier catalog and the buyer's policy. Rules have stable ids, a default
// severity and thresholds; a YAML config turns them on or off, changes their
// severity and thresholds globally and per partner (supplier id). Every
// problem is a Finding with its rule id, severity, field path, message and,
// where one exists, a suggested correction.
package validation

import "github.com/procurehub/procurehub/canonical"

// Severity is how bad a finding is: an error stops the order, a warning is
// shown to the buyer and the order goes on.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Valid reports whether s is error or warning.
func (s Severity) Valid() bool { return s == SeverityError || s == SeverityWarning }

// Rule ids. They are stable: configs, receipts and dashboards name them.
const (
	RuleRequiredFields        = "required_fields"
	RuleOrderStructure        = "order_structure"
	RuleCurrencyCode          = "currency_code"
	RuleCountryCode           = "country_code"
	RuleUnitCode              = "unit_code"
	RuleIncotermTransportMode = "incoterm_transport_mode"
	RuleHSCodeFormat          = "hs_code_format"
	RuleHSCodeCatalog         = "hs_code_catalog"
	RuleOriginCountry         = "origin_country"
	RuleUnknownSupplier       = "unknown_supplier"
	RuleUnknownSKU            = "unknown_sku"
	RuleAbsurdQuantity        = "absurd_quantity"
	RuleMOQ                   = "moq"
	RulePackSize              = "pack_size"
	RuleCapacity              = "capacity"
	RulePriceList             = "price_list"
	RulePricePrecision        = "price_precision"
	RuleSupplierCurrency      = "supplier_currency"
	RulePaymentTermsPolicy    = "payment_terms_policy"
	RuleLeadTime              = "lead_time"
	RuleDateInPast            = "date_in_past"
	RuleAmountsAddUp          = "amounts_add_up"
	RuleDuplicateOrder        = "duplicate_order"
)

// Rule describes one rule: its id, default severity, the thresholds it
// reads and what it checks.
type Rule struct {
	ID         string
	Severity   Severity
	Thresholds []string
	Summary    string
}

var rules = []Rule{
	{RuleRequiredFields, SeverityError, nil, "order_number, order_date, buyer.id, supplier.id, currency, requested_delivery_date, at least one line, and per line sku (or buyer_sku), quantity and unit are present"},
	{RuleOrderStructure, SeverityError, nil, "line numbers positive and unique, dates are calendar dates, GTINs check, unit prices not negative"},
	{RuleCurrencyCode, SeverityError, nil, "the currency is an active ISO 4217 code, not a placeholder"},
	{RuleCountryCode, SeverityError, nil, "countries are ISO 3166-1 alpha-2 codes"},
	{RuleUnitCode, SeverityError, nil, "units are UN/ECE Rec 20 codes and the catalog's unit for the SKU"},
	{RuleIncotermTransportMode, SeverityError, nil, "the incoterm is an Incoterms 2020 rule; FAS, FOB, CFR and CIF only for sea and inland waterway transport"},
	{RuleHSCodeFormat, SeverityError, nil, "a cross-border line has an HS code of 6, 8 or 10 digits"},
	{RuleHSCodeCatalog, SeverityWarning, nil, "the HS code is the catalog's for the SKU, or plausible for its category"},
	{RuleOriginCountry, SeverityError, nil, "a cross-border line has a country of origin, the catalog's for the SKU"},
	{RuleUnknownSupplier, SeverityError, nil, "the supplier is in the catalog"},
	{RuleUnknownSKU, SeverityError, nil, "every SKU is one of the supplier's items"},
	{RuleAbsurdQuantity, SeverityError, []string{"max_quantity"}, "quantities are above zero, whole for counted units, and at most max_quantity"},
	{RuleMOQ, SeverityError, nil, "the quantity is at least the item's MOQ"},
	{RulePackSize, SeverityWarning, nil, "the quantity is a multiple of the item's pack size"},
	{RuleCapacity, SeverityError, nil, "the quantity fits the item's remaining weekly and monthly capacity"},
	{RulePriceList, SeverityError, []string{"price_tolerance_percent"}, "the unit price is within price_tolerance_percent of the price list entry valid on the order date"},
	{RulePricePrecision, SeverityError, []string{"price_extra_decimals"}, "unit prices have at most the currency's decimals plus price_extra_decimals; amounts the currency's decimals"},
	{RuleSupplierCurrency, SeverityError, nil, "the order is in the supplier's currency"},
	{RulePaymentTermsPolicy, SeverityError, []string{"allowed_payment_methods", "max_payment_days", "max_prepayment_percent"}, "payment terms are readable, use an allowed method, at most max_payment_days, and prepay at most max_prepayment_percent for the supplier's rating"},
	{RuleLeadTime, SeverityWarning, nil, "the requested delivery date leaves the item's lead time after the order date"},
	{RuleDateInPast, SeverityError, []string{"past_date_grace_days"}, "the requested delivery date is neither in the past (beyond past_date_grace_days) nor before the order date"},
	{RuleAmountsAddUp, SeverityError, nil, "line amounts are quantity × unit price and the total is their sum"},
	{RuleDuplicateOrder, SeverityWarning, []string{"duplicate_window_days"}, "no other order to the same supplier has the same items, quantities and delivery date within duplicate_window_days"},
}

var ruleIndex = func() map[string]int {
	m := make(map[string]int, len(rules))
	for i, r := range rules {
		m[r.ID] = i
	}
	return m
}()

// Rules lists every rule in the order the engine runs them.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	return out
}

// KnownRule reports whether id is a rule id.
func KnownRule(id string) bool { _, ok := ruleIndex[id]; return ok }

// canonicalRule maps a problem canonical.Order.Validate found to the rule
// that owns it, so that it can be turned off or down like any other.
func canonicalRule(p canonical.FieldError) string {
	switch p.Code {
	case canonical.CodeRequired:
		return RuleRequiredFields
	case canonical.CodeInvalidCurrency, canonical.CodePlaceholder:
		return RuleCurrencyCode
	case canonical.CodeInvalidCountry:
		return RuleCountryCode
	case canonical.CodeInvalidUnit:
		return RuleUnitCode
	case canonical.CodeInvalidIncoterm:
		return RuleIncotermTransportMode
	case canonical.CodeInvalidHSCode:
		return RuleHSCodeFormat
	case canonical.CodeAmountMismatch, canonical.CodeTotalMismatch:
		return RuleAmountsAddUp
	case canonical.CodeTooPrecise:
		return RulePricePrecision
	case canonical.CodeDateOrder:
		return RuleDateInPast
	case canonical.CodeNotPositive:
		if hasSuffix(p.Path, ".quantity") {
			return RuleAbsurdQuantity
		}
	}
	return RuleOrderStructure
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
