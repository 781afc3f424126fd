package warnings

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/validation/yamlx"
)

// The rule ids. Each is also the kind of the alerts the rule raises on
// procurehub.alerts.v1.
const (
	RuleNoConfirmation        = "no_confirmation"
	RuleProductionBehind      = "production_behind"
	RuleETAAfterPromised      = "eta_after_promised"
	RuleTrackingSilent        = "tracking_silent"
	RuleCustomsHold           = "customs_hold"
	RuleDocumentsMissing      = "documents_missing"
	RuleInvoiceBeforeDelivery = "invoice_before_delivery"

	// KindEscalated is the kind of the alert raised once when an early
	// warning stays unresolved longer than its rule's escalate_after.
	KindEscalated = "warning_escalated"
)

// Unit is what a rule's threshold counts.
type Unit string

const (
	UnitHours   Unit = "hours"
	UnitPercent Unit = "percent" // percentage points
	UnitDays    Unit = "days"
	UnitNone    Unit = "" // the rule takes no threshold
)

// Spec describes one rule: its id, what its threshold counts, and its
// defaults.
type Spec struct {
	ID      string
	Summary string
	Unit    Unit
	Default Rule
}

var specs = []Spec{
	{RuleNoConfirmation, "the supplier has not confirmed the order threshold hours after it was submitted", UnitHours,
		Rule{Enabled: true, Severity: SeverityWarning, Threshold: dec(48), EscalateAfter: 24 * time.Hour}},
	{RuleProductionBehind, "reported production progress is threshold percentage points or more behind the straight-line plan from confirmation to the ready date", UnitPercent,
		Rule{Enabled: true, Severity: SeverityWarning, Threshold: dec(15), EscalateAfter: 48 * time.Hour}},
	{RuleETAAfterPromised, "the carrier's ETA (or, without one, the lead-time estimate) is more than threshold hours after the end of the promised date", UnitHours,
		Rule{Enabled: true, Severity: SeverityCritical, Threshold: dec(0), EscalateAfter: 24 * time.Hour}},
	{RuleTrackingSilent, "no carrier update for threshold hours while the order is shipped or in transit", UnitHours,
		Rule{Enabled: true, Severity: SeverityWarning, Threshold: dec(72), EscalateAfter: 24 * time.Hour}},
	{RuleCustomsHold, "the goods are held at customs for threshold hours or more", UnitHours,
		Rule{Enabled: true, Severity: SeverityWarning, Threshold: dec(48), EscalateAfter: 24 * time.Hour}},
	{RuleDocumentsMissing, "threshold days or less before departure, a required document has not been received", UnitDays,
		Rule{Enabled: true, Severity: SeverityWarning, Threshold: dec(3), EscalateAfter: 24 * time.Hour}},
	{RuleInvoiceBeforeDelivery, "the supplier invoiced before the goods were delivered", UnitNone,
		Rule{Enabled: true, Severity: SeverityWarning}},
}

// Specs lists the rules in a stable order, with their defaults.
func Specs() []Spec {
	out := slices.Clone(specs)
	for i := range out {
		out[i].Default.Documents = slices.Clone(out[i].Default.Documents)
	}
	return out
}

func specOf(id string) (Spec, bool) {
	for _, s := range specs {
		if s.ID == id {
			return s, true
		}
	}
	return Spec{}, false
}

func dec(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// Severities of an early warning.
const (
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Rule is the resolved setting of one rule for one order: every field set.
type Rule struct {
	Enabled  bool
	Severity string
	// Threshold counts the rule's Unit (see Specs).
	Threshold decimal.Decimal
	// EscalateAfter is how long an alert of the rule may stay unresolved
	// before it is escalated; zero never escalates.
	EscalateAfter time.Duration
	// Documents are the document types required before departure
	// (documents_missing); none by default: a lane or partner lists them.
	Documents []string
	// LeadTimes estimate the delivery when the carrier gives no ETA
	// (eta_after_promised) and the ready date when the supplier reports none
	// (production_behind); nil: no estimate.
	LeadTimes *lifecycle.LeadTimes
}

// thresholdDuration is the threshold as a duration, for rules in hours or days.
func (r Rule) thresholdDuration(u Unit) time.Duration {
	unit := time.Hour
	if u == UnitDays {
		unit = 24 * time.Hour
	}
	return time.Duration(r.Threshold.Mul(decimal.NewFromInt(int64(unit))).IntPart())
}

// Config is the early-warning configuration, usually configs/warnings.yaml:
// settings per rule for every order, and overrides per lane (origin country
// -> destination country), per partner (the supplier id) and per partner
// and lane. For each order, every field of a rule comes from the most
// specific level that sets it: partner+lane, partner, lane, the rules of
// every order, the built-in default (Specs).
//
//	rules:
//	  no_confirmation: {severity: warning, threshold: 48, escalate_after: 24h}
//	lanes:
//	  CN->DE:
//	    rules:
//	      documents_missing: {threshold: 5, documents: [commercial_invoice, packing_list, certificate_of_origin]}
//	partners:
//	  SUP-CN-1:
//	    rules:
//	      no_confirmation: {threshold: 72}
//	    lanes:
//	      CN->DE:
//	        rules:
//	          tracking_silent: {threshold: 120}
type Config struct {
	Rules    map[string]RuleSetting   `yaml:"rules"`
	Lanes    map[string]LaneConfig    `yaml:"lanes"`
	Partners map[string]PartnerConfig `yaml:"partners"`
}

// LaneConfig overrides rules on one lane.
type LaneConfig struct {
	Rules map[string]RuleSetting `yaml:"rules"`
}

// PartnerConfig overrides rules for one supplier, on every lane or on one.
type PartnerConfig struct {
	Rules map[string]RuleSetting `yaml:"rules"`
	Lanes map[string]LaneConfig  `yaml:"lanes"`
}

// RuleSetting is a rule as written in the file; an empty field keeps what
// the level above says.
type RuleSetting struct {
	Enabled  *bool  `yaml:"enabled"`
	Severity string `yaml:"severity"`
	// Threshold is a number in the rule's unit (hours, percent or days).
	Threshold     *yamlx.Decimal `yaml:"threshold"`
	EscalateAfter *Duration      `yaml:"escalate_after"`
	Documents     []string       `yaml:"documents"`
	LeadTimes     *LeadTimes     `yaml:"lead_times"`
}

// LeadTimes are the expected durations of an order's stages (see
// lifecycle.LeadTimes); a stage left out takes no time.
type LeadTimes struct {
	Confirmation Duration `yaml:"confirmation"`
	Production   Duration `yaml:"production"`
	Handover     Duration `yaml:"handover"`
	Transit      Duration `yaml:"transit"`
	Customs      Duration `yaml:"customs"`
	Delivery     Duration `yaml:"delivery"`
}

func (l LeadTimes) lifecycle() *lifecycle.LeadTimes {
	return &lifecycle.LeadTimes{Confirmation: l.Confirmation.D, Production: l.Production.D, Handover: l.Handover.D,
		Transit: l.Transit.D, Customs: l.Customs.D, Delivery: l.Delivery.D}
}

// Duration is a span written as a Go duration ("36h", "90m") or in whole
// days ("3d"). It is never negative.
type Duration struct {
	D time.Duration
}

var daysRe = regexp.MustCompile(`^(\d+)d$`)

// UnmarshalYAML parses "36h", "1h30m" or "3d" and refuses a negative span.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	fail := func(format string, args ...any) error {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, args...))}}
	}
	if n.Kind != yaml.ScalarNode {
		return fail("want a duration such as 24h or 3d")
	}
	v := strings.TrimSpace(n.Value)
	if m := daysRe.FindStringSubmatch(v); m != nil {
		days, err := strconv.Atoi(m[1])
		if err != nil || days > 3650 {
			return fail("%q is too long (at most 3650d)", v)
		}
		d.D = time.Duration(days) * 24 * time.Hour
		return nil
	}
	p, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return fail("%q is not a duration such as 24h or 3d", v)
	case p < 0:
		return fail("duration %q must not be negative", v)
	}
	d.D = p
	return nil
}

// Lane is the route of an order: from the supplier's country to the
// delivery country, written "CN->DE".
type Lane struct {
	Origin, Destination canonical.Country
}

// String is "CN->DE", or "" when a side is unknown.
func (l Lane) String() string {
	if l.Origin == "" || l.Destination == "" {
		return ""
	}
	return string(l.Origin) + "->" + string(l.Destination)
}

// ParseLane reads "CN->DE": two ISO 3166 alpha-2 codes.
func ParseLane(s string) (Lane, error) {
	from, to, ok := strings.Cut(s, "->")
	if !ok {
		return Lane{}, fmt.Errorf("lane %q is not ORIGIN->DESTINATION (such as CN->DE)", s)
	}
	o, err := canonical.ParseCountry(strings.TrimSpace(from))
	if err != nil {
		return Lane{}, fmt.Errorf("lane %q: origin: %v", s, err)
	}
	d, err := canonical.ParseCountry(strings.TrimSpace(to))
	if err != nil {
		return Lane{}, fmt.Errorf("lane %q: destination: %v", s, err)
	}
	return Lane{o, d}, nil
}

// Resolve returns the rules that apply to an order of partner (the
// supplier id) on lane: for every rule id, the fields set by the most
// specific level (see Config).
func (c *Config) Resolve(partner string, lane Lane) map[string]Rule {
	laneKey := lane.String()
	levels := make([]map[string]RuleSetting, 0, 4)
	if c != nil {
		levels = append(levels, c.Rules)
		if l, ok := c.laneConfig(c.Lanes, laneKey); ok {
			levels = append(levels, l.Rules)
		}
		if p, ok := c.Partners[partner]; ok && partner != "" {
			levels = append(levels, p.Rules)
			if l, ok := c.laneConfig(p.Lanes, laneKey); ok {
				levels = append(levels, l.Rules)
			}
		}
	}
	out := make(map[string]Rule, len(specs))
	for _, s := range specs {
		r := s.Default
		r.Documents = slices.Clone(r.Documents)
		for _, lvl := range levels {
			r = r.over(lvl[s.ID])
		}
		out[s.ID] = r
	}
	return out
}

// laneConfig finds a lane's settings, its key written in any spacing or case.
func (c *Config) laneConfig(lanes map[string]LaneConfig, key string) (LaneConfig, bool) {
	if key == "" {
		return LaneConfig{}, false
	}
	if l, ok := lanes[key]; ok {
		return l, true
	}
	for k, l := range lanes {
		if parsed, err := ParseLane(k); err == nil && parsed.String() == key {
			return l, true
		}
	}
	return LaneConfig{}, false
}

// over returns r with the fields s sets replaced.
func (r Rule) over(s RuleSetting) Rule {
	if s.Enabled != nil {
		r.Enabled = *s.Enabled
	}
	if s.Severity != "" {
		r.Severity = s.Severity
	}
	if s.Threshold != nil {
		r.Threshold = s.Threshold.Decimal.Decimal
	}
	if s.EscalateAfter != nil {
		r.EscalateAfter = s.EscalateAfter.D
	}
	if s.Documents != nil {
		r.Documents = slices.Clone(s.Documents)
	}
	if s.LeadTimes != nil {
		r.LeadTimes = s.LeadTimes.lifecycle()
	}
	return r
}

// problem is a config problem at a path of the YAML document.
type problem = yamlx.Problem

// Validate checks the config: known rule ids, severities warning or
// critical, thresholds in range and only on rules that take one, documents
// only on documents_missing, lead times only where they are used, lanes
// written ORIGIN->DESTINATION. The error lists every problem with its path.
func (c *Config) Validate() error {
	probs := c.check()
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = fmt.Errorf("warnings config: %s: %s", yamlx.PathString(p.Path), p.Message)
	}
	return errors.Join(errs...)
}

func (c *Config) check() []problem {
	var probs []problem
	add := func(path yamlx.Path, key bool, format string, args ...any) {
		probs = append(probs, problem{Path: path, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	at := func(base yamlx.Path, steps ...any) yamlx.Path { return append(slices.Clone(base), steps...) }
	checkRules := func(base yamlx.Path, rs map[string]RuleSetting) {
		for _, id := range slices.Sorted(maps.Keys(rs)) {
			p := at(base, id)
			spec, ok := specOf(id)
			if !ok {
				add(p, true, "unknown rule id %q%s", id, suggestRule(id))
				continue
			}
			s := rs[id]
			if s.Severity != "" && s.Severity != SeverityWarning && s.Severity != SeverityCritical {
				add(at(p, "severity"), false, "severity %q is not warning or critical", s.Severity)
			}
			if t := s.Threshold; t != nil {
				switch {
				case spec.Unit == UnitNone:
					add(at(p, "threshold"), false, "%s takes no threshold", id)
				case t.IsNegative():
					add(at(p, "threshold"), false, "threshold of %s must not be negative, got %s %s", id, t.Decimal, spec.Unit)
				case spec.Unit == UnitPercent && t.GreaterThan(decimal.NewFromInt(100)):
					add(at(p, "threshold"), false, "threshold of %s is in percentage points, from 0 to 100, got %s", id, t.Decimal)
				case spec.Unit != UnitPercent && t.GreaterThan(decimal.NewFromInt(87600)):
					add(at(p, "threshold"), false, "threshold of %s is too large: %s %s", id, t.Decimal, spec.Unit)
				}
			}
			if s.Documents != nil && id != RuleDocumentsMissing {
				add(at(p, "documents"), true, "documents belong to %s, not %s", RuleDocumentsMissing, id)
			}
			for i, d := range s.Documents {
				if !documentTypeRe.MatchString(d) {
					add(at(p, "documents", i), false, "document type %q is not snake_case (such as commercial_invoice)", d)
				}
			}
			if s.LeadTimes != nil && id != RuleETAAfterPromised && id != RuleProductionBehind {
				add(at(p, "lead_times"), true, "lead_times belong to %s or %s, not %s", RuleETAAfterPromised, RuleProductionBehind, id)
			}
		}
	}
	checkLanes := func(base yamlx.Path, lanes map[string]LaneConfig) {
		for _, k := range slices.Sorted(maps.Keys(lanes)) {
			if _, err := ParseLane(k); err != nil {
				add(at(base, k), true, "%v", err)
				continue
			}
			checkRules(at(base, k, "rules"), lanes[k].Rules)
		}
	}
	checkRules(yamlx.Path{"rules"}, c.Rules)
	checkLanes(yamlx.Path{"lanes"}, c.Lanes)
	for _, id := range slices.Sorted(maps.Keys(c.Partners)) {
		p := c.Partners[id]
		if id == "" {
			add(yamlx.Path{"partners", id}, true, "a partner needs a supplier id")
		}
		checkRules(yamlx.Path{"partners", id, "rules"}, p.Rules)
		checkLanes(yamlx.Path{"partners", id, "lanes"}, p.Lanes)
	}
	return probs
}

var documentTypeRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func suggestRule(id string) string {
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.ID
	}
	return config.Suggest(id, ids, 3)
}

// LoadConfigFile reads an early-warning config file (see LoadConfig).
func LoadConfigFile(path string, env config.Env) (*Config, error) {
	return yamlx.LoadFile(path, env, configChecks)
}

// LoadConfig reads an early-warning config from YAML bytes named file, with
// ${VAR} interpolation from env (nil: the process environment). Decoding is
// strict: an unknown key, an unknown rule id, a severity other than warning
// or critical, a negative or out-of-range threshold, a bad duration and a
// lane not written ORIGIN->DESTINATION are *config.Error values naming
// file:line:column, every one of them in a config.Errors.
func LoadConfig(file string, b []byte, env config.Env) (*Config, error) {
	return yamlx.LoadBytes(file, b, env, configChecks)
}

var configChecks = yamlx.Checks[Config]{Check: (*Config).check}
