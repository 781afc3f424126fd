package validation_test

import (
	"os"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/validation"
)

func TestAConfigMistakeIsReportedAtItsPosition(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"an unknown rule id", "rules:\n  price_lsit: {severity: warning}\n", `rules.yaml:2:3: unknown rule id "price_lsit" (did you mean "price_list"?)`},
		{"an unknown rule id of a partner", "partners:\n  SUP-1:\n    rules:\n      moq: {enabled: false}\n      teleport: {enabled: true}\n", `rules.yaml:5:7: unknown rule id "teleport"`},
		{"severity fatal", "rules:\n  moq:\n    severity: fatal\n", `rules.yaml:3:15: severity "fatal" is not error or warning`},
		{"a negative percent", "thresholds:\n  price_tolerance_percent: -2\n", "rules.yaml:2:28: price_tolerance_percent must not be negative, got -2"},
		{"a percent that is not a number", "thresholds:\n  price_tolerance_percent: two\n", `rules.yaml:2:28: "two" is not a decimal`},
		{"negative days", "partners:\n  SUP-1:\n    thresholds:\n      max_payment_days: -30\n", "rules.yaml:4:25: max_payment_days must be from 0 to 3650, got -30"},
		{"an unknown payment method", "thresholds:\n  allowed_payment_methods: [tt, bitcoin]\n", `rules.yaml:2:33: unknown payment method "bitcoin"`},
		{"a prepayment over 100%", "thresholds:\n  max_prepayment_percent: {A: 150}\n", "rules.yaml:2:31: max_prepayment_percent for rating A must be from 0 to 100, got 150"},
		{"an unknown rating", "thresholds:\n  max_prepayment_percent:\n    D: 10\n", `rules.yaml:3:5: rating "D" is not A, B or C`},
		{"a zero max quantity", "thresholds:\n  max_quantity: 0\n", "rules.yaml:2:17: max_quantity must be above zero, got 0"},
		{"an unknown key", "rules:\n  moq: {enabeld: false}\n", `rules.yaml:2:9: unknown key "enabeld" (did you mean "enabled"?)`},
		{"an unknown threshold", "thresholds:\n  price_tolerance: 5\n", `rules.yaml:2:3: unknown key "price_tolerance"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validation.LoadConfig("rules.yaml", []byte(tt.yaml), nil)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
		})
	}
}

func TestEveryConfigProblemIsReportedNotJustTheFirst(t *testing.T) {
	_, err := validation.LoadConfig("rules.yaml", []byte("rules:\n  nope: {}\n  also_nope: {}\nthresholds:\n  max_payment_days: -1\n"), nil)
	if err == nil || strings.Count(err.Error(), "rules.yaml:") != 3 {
		t.Errorf("want three positioned errors, got %v", err)
	}
}

func TestTheDocumentedConfigLoads(t *testing.T) {
	cfg, err := validation.LoadConfigFile("testdata/rules-example.yaml", func(name string) (string, bool) {
		if name == "PRICE_TOLERANCE" {
			return "3", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Thresholds.PriceTolerancePercent.String(); got != "3" {
		t.Errorf("price_tolerance_percent from ${PRICE_TOLERANCE} = %s, want 3", got)
	}
	if _, err := validation.New(cfg, validation.Options{}); err != nil {
		t.Error(err)
	}
}

func TestEveryRuleHasAnIDASeverityAndASummary(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range validation.Rules() {
		if r.ID == "" || !r.Severity.Valid() || r.Summary == "" || seen[r.ID] || !validation.KnownRule(r.ID) {
			t.Errorf("rule %+v", r)
		}
		seen[r.ID] = true
	}
	if validation.KnownRule("fatal") {
		t.Error("KnownRule accepts an unknown id")
	}
}

func FuzzLoadConfig(f *testing.F) {
	for _, name := range []string{"testdata/rules-example.yaml", "testdata/rules-lenient-shenzhen.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("partners:\n  \"\": {rules: {x: {severity: [1]}}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := validation.LoadConfig("fuzz.yaml", b, func(string) (string, bool) { return "", false })
		if err != nil {
			return
		}
		if _, err := validation.New(cfg, validation.Options{}); err != nil {
			t.Errorf("a config that loads is refused by New: %v", err)
		}
	})
}
