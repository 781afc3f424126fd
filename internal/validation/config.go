package validation

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/procurehub/procurehub/internal/validation/yamlx"
	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// Config is the rule configuration: settings and thresholds for every
// supplier, and overrides per partner (supplier id). Anything left out keeps
// its default (DefaultThresholds, each rule's default severity, enabled).
//
//	rules:
//	  pack_size: {severity: error}
//	  duplicate_order: {enabled: false}
//	thresholds:
//	  price_tolerance_percent: 2
//	  max_payment_days: 90
//	partners:
//	  SUP-CN-LIGHT:
//	    thresholds: {price_tolerance_percent: 5}
type Config struct {
	Rules      map[string]RuleSetting   `yaml:"rules"`
	Thresholds Thresholds               `yaml:"thresholds"`
	Partners   map[string]PartnerConfig `yaml:"partners"`
}

// RuleSetting turns a rule on or off and sets its severity; an empty
// field keeps what the level above says.
type RuleSetting struct {
	Enabled  *bool    `yaml:"enabled"`
	Severity Severity `yaml:"severity"`
}

// PartnerConfig overrides rules and thresholds for one supplier.
type PartnerConfig struct {
	Rules      map[string]RuleSetting `yaml:"rules"`
	Thresholds Thresholds             `yaml:"thresholds"`
}

// Thresholds are the numbers and lists rules compare against. A nil field
// keeps the level above.
type Thresholds struct {
	// PriceTolerancePercent: how far a unit price may be from the price list (price_list).
	PriceTolerancePercent *yamlx.Decimal `yaml:"price_tolerance_percent"`
	// MaxPaymentDays: the longest credit period accepted (payment_terms_policy).
	MaxPaymentDays *int `yaml:"max_payment_days"`
	// AllowedPaymentMethods: tt, lc, dp, da, cad, open_account (payment_terms_policy).
	AllowedPaymentMethods []PaymentMethod `yaml:"allowed_payment_methods"`
	// MaxPrepaymentPercent: the most that may be paid before shipment, by supplier rating A, B, C (payment_terms_policy).
	MaxPrepaymentPercent map[catalog.Rating]yamlx.Decimal `yaml:"max_prepayment_percent"`
	// DuplicateWindowDays: how many days apart two order dates may be for the orders to be duplicates (duplicate_order).
	DuplicateWindowDays *int `yaml:"duplicate_window_days"`
	// MaxQuantity: the largest believable quantity of one line (absurd_quantity).
	MaxQuantity *yamlx.Decimal `yaml:"max_quantity"`
	// PriceExtraDecimals: decimals a unit price may have beyond the currency's (price_precision).
	PriceExtraDecimals *int `yaml:"price_extra_decimals"`
	// PastDateGraceDays: how many days in the past a requested delivery date may be (date_in_past).
	PastDateGraceDays *int `yaml:"past_date_grace_days"`
}

// UnmarshalYAML accepts only error and warning.
func (s *Severity) UnmarshalYAML(n *yaml.Node) error {
	v := Severity(n.Value)
	if n.Kind != yaml.ScalarNode || !v.Valid() {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: severity %q is not error or warning", n.Line, n.Value)}}
	}
	*s = v
	return nil
}

// limits are thresholds with every value set.
type limits struct {
	priceTolerancePercent decimal.Decimal
	maxPaymentDays        int
	allowedMethods        []PaymentMethod
	maxPrepayment         map[catalog.Rating]decimal.Decimal
	duplicateWindowDays   int
	maxQuantity           decimal.Decimal
	priceExtraDecimals    int
	pastDateGraceDays     int
}

// DefaultThresholds returns the thresholds a config starts from:
// price_tolerance_percent 2, max_payment_days 90, every payment method
// allowed, max_prepayment_percent A 50 / B 30 / C 0, duplicate_window_days
// 30, max_quantity 10000000, price_extra_decimals 2, past_date_grace_days 0.
func DefaultThresholds() Thresholds {
	d := func(s string) *yamlx.Decimal {
		return &yamlx.Decimal{Decimal: canonical.MustDecimal(s), Set: true}
	}
	i := func(n int) *int { return &n }
	return Thresholds{
		PriceTolerancePercent: d("2"),
		MaxPaymentDays:        i(90),
		AllowedPaymentMethods: PaymentMethods(),
		MaxPrepaymentPercent: map[catalog.Rating]yamlx.Decimal{
			catalog.RatingA: *d("50"), catalog.RatingB: *d("30"), catalog.RatingC: *d("0"),
		},
		DuplicateWindowDays: i(30),
		MaxQuantity:         d("10000000"),
		PriceExtraDecimals:  i(2),
		PastDateGraceDays:   i(0),
	}
}

// over returns t with the fields o sets replaced.
func (t Thresholds) over(o Thresholds) Thresholds {
	if o.PriceTolerancePercent != nil {
		t.PriceTolerancePercent = o.PriceTolerancePercent
	}
	if o.MaxPaymentDays != nil {
		t.MaxPaymentDays = o.MaxPaymentDays
	}
	if o.AllowedPaymentMethods != nil {
		t.AllowedPaymentMethods = o.AllowedPaymentMethods
	}
	if o.MaxPrepaymentPercent != nil {
		m := make(map[catalog.Rating]yamlx.Decimal, 3)
		for k, v := range t.MaxPrepaymentPercent {
			m[k] = v
		}
		for k, v := range o.MaxPrepaymentPercent {
			m[k] = v
		}
		t.MaxPrepaymentPercent = m
	}
	if o.DuplicateWindowDays != nil {
		t.DuplicateWindowDays = o.DuplicateWindowDays
	}
	if o.MaxQuantity != nil {
		t.MaxQuantity = o.MaxQuantity
	}
	if o.PriceExtraDecimals != nil {
		t.PriceExtraDecimals = o.PriceExtraDecimals
	}
	if o.PastDateGraceDays != nil {
		t.PastDateGraceDays = o.PastDateGraceDays
	}
	return t
}

func (t Thresholds) limits() limits {
	l := limits{
		priceTolerancePercent: t.PriceTolerancePercent.Decimal.Decimal,
		maxPaymentDays:        *t.MaxPaymentDays,
		allowedMethods:        t.AllowedPaymentMethods,
		maxPrepayment:         map[catalog.Rating]decimal.Decimal{},
		duplicateWindowDays:   *t.DuplicateWindowDays,
		maxQuantity:           t.MaxQuantity.Decimal.Decimal,
		priceExtraDecimals:    *t.PriceExtraDecimals,
		pastDateGraceDays:     *t.PastDateGraceDays,
	}
	for k, v := range t.MaxPrepaymentPercent {
		l.maxPrepayment[k] = v.Decimal.Decimal
	}
	return l
}

// problem is a config problem at a path of the YAML document.
type problem = yamlx.Problem

// Validate checks the config: known rule ids, valid severities, thresholds
// in range, known payment methods and ratings. The error lists every problem
// with its path ("partners.SUP-1.thresholds.max_payment_days: ...").
func (c *Config) Validate() error {
	probs := c.check()
	if len(probs) == 0 {
		return nil
	}
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = fmt.Errorf("rule config: %s: %s", yamlx.PathString(p.Path), p.Message)
	}
	return errors.Join(errs...)
}

func (c *Config) check() []problem {
	var probs []problem
	add := func(path yamlx.Path, key bool, format string, args ...any) {
		probs = append(probs, problem{Path: path, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	checkRules := func(base yamlx.Path, rs map[string]RuleSetting) {
		for _, id := range slices.Sorted(maps.Keys(rs)) {
			p := append(slices.Clone(base), id)
			if !KnownRule(id) {
				add(p, true, "unknown rule id %q%s", id, suggestRule(id))
				continue
			}
			if s := rs[id].Severity; s != "" && !s.Valid() {
				add(append(p, "severity"), false, "severity %q is not error or warning", s)
			}
		}
	}
	checkThresholds := func(base yamlx.Path, t Thresholds) {
		at := func(k string) yamlx.Path { return append(slices.Clone(base), k) }
		if t.PriceTolerancePercent != nil && t.PriceTolerancePercent.IsNegative() {
			add(at("price_tolerance_percent"), false, "price_tolerance_percent must not be negative, got %s", t.PriceTolerancePercent.Decimal)
		}
		for _, n := range []struct {
			key string
			v   *int
			max int
		}{
			{"max_payment_days", t.MaxPaymentDays, 3650},
			{"duplicate_window_days", t.DuplicateWindowDays, 3650},
			{"price_extra_decimals", t.PriceExtraDecimals, 10},
			{"past_date_grace_days", t.PastDateGraceDays, 3650},
		} {
			if n.v != nil && (*n.v < 0 || *n.v > n.max) {
				add(at(n.key), false, "%s must be from 0 to %d, got %d", n.key, n.max, *n.v)
			}
		}
		for i, m := range t.AllowedPaymentMethods {
			if !m.Valid() {
				add(append(at("allowed_payment_methods"), i), false, "unknown payment method %q (want one of tt, lc, dp, da, cad, open_account)", m)
			}
		}
		for _, r := range slices.Sorted(maps.Keys(t.MaxPrepaymentPercent)) {
			v := t.MaxPrepaymentPercent[r]
			switch {
			case !r.Valid():
				add(append(at("max_prepayment_percent"), string(r)), true, "rating %q is not A, B or C", r)
			case v.IsNegative() || v.GreaterThan(hundred):
				add(append(at("max_prepayment_percent"), string(r)), false, "max_prepayment_percent for rating %s must be from 0 to 100, got %s", r, v.Decimal)
			}
		}
		if t.MaxQuantity != nil && !t.MaxQuantity.IsPositive() {
			add(at("max_quantity"), false, "max_quantity must be above zero, got %s", t.MaxQuantity.Decimal)
		}
	}
	checkRules(yamlx.Path{"rules"}, c.Rules)
	checkThresholds(yamlx.Path{"thresholds"}, c.Thresholds)
	for _, id := range slices.Sorted(maps.Keys(c.Partners)) {
		p := c.Partners[id]
		if id == "" {
			add(yamlx.Path{"partners", id}, true, "a partner needs a supplier id")
		}
		checkRules(yamlx.Path{"partners", id, "rules"}, p.Rules)
		checkThresholds(yamlx.Path{"partners", id, "thresholds"}, p.Thresholds)
	}
	return probs
}

func suggestRule(id string) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return config.Suggest(id, ids, 3)
}

// LoadConfigFile reads a rule config file (see LoadConfig).
func LoadConfigFile(path string, env config.Env) (*Config, error) {
	return yamlx.LoadFile(path, env, configChecks)
}

// LoadConfig reads a rule config from YAML bytes named file, with ${VAR}
// interpolation from env (nil: the process environment). Decoding is strict;
// an unknown key, an unknown rule id, a severity other than error or warning
// and a threshold out of range are *config.Error values naming
// file:line:column, every one of them in a config.Errors.
func LoadConfig(file string, b []byte, env config.Env) (*Config, error) {
	return yamlx.LoadBytes(file, b, env, configChecks)
}

var configChecks = yamlx.Checks[Config]{Check: (*Config).check}
