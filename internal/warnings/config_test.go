package warnings

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/config"
)

func noEnv(string) (string, bool) { return "", false }

func TestABadConfigIsRefusedWithItsFileLineAndColumn(t *testing.T) {
	cases := []struct {
		name, file string
		want       []string // file:line:column: message fragments, in order
	}{
		{"an unknown rule id names its line and suggests the rule meant", "unknown-rule.yaml",
			[]string{`unknown-rule.yaml:4:3: unknown rule id "no_confirmaton" (did you mean "no_confirmation"?)`}},
		{"a negative threshold in hours names the value's position", "negative-hours.yaml",
			[]string{"negative-hours.yaml:6:20: threshold of customs_hold must not be negative, got -12 hours"}},
		{"a lane that is not ORIGIN->DESTINATION names the lane", "bad-lane.yaml",
			[]string{`bad-lane.yaml:3:3: lane "China->DE": origin:`}},
		{"a threshold on a rule without one and an unknown severity are both reported", "threshold-on-invoice-rule.yaml",
			[]string{"threshold-on-invoice-rule.yaml:6:15: severity \"error\" is not warning or critical",
				"threshold-on-invoice-rule.yaml:4:16: invoice_before_delivery takes no threshold"}},
		{"an escalate_after that is not a duration is refused", "bad-escalate-after.yaml",
			[]string{`bad-escalate-after.yaml:3:21: "soon" is not a duration such as 24h or 3d`}},
		{"an unknown key is refused with a suggestion", "unknown-key.yaml",
			[]string{`unknown-key.yaml:3:5: unknown key "treshold" (did you mean "threshold"?)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfigFile(filepath.Join("testdata", c.file), noEnv)
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T); want config.Errors", err, err)
			}
			if len(errs) != len(c.want) {
				t.Fatalf("%d errors; want %d:\n%v", len(errs), len(c.want), err)
			}
			for i, w := range c.want {
				if got := strings.TrimPrefix(errs[i].Error(), "testdata"+string(filepath.Separator)); !strings.HasPrefix(got, w) {
					t.Errorf("error %d = %q; want it to start %q", i, got, w)
				}
			}
		})
	}
}

func TestTheExampleConfigLoadsAndEveryRuleIsInIt(t *testing.T) {
	c, err := LoadConfigFile(filepath.Join("..", "..", "configs", "warnings.yaml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Specs() {
		if _, ok := c.Rules[s.ID]; !ok {
			t.Errorf("configs/warnings.yaml does not document %s", s.ID)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestTheMostSpecificSettingWins(t *testing.T) {
	c, err := LoadConfigFile(filepath.Join("testdata", "overrides.yaml"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cnde, usde := Lane{"CN", "DE"}, Lane{"US", "DE"}
	cases := []struct {
		name      string
		partner   string
		lane      Lane
		threshold string
		severity  string
		enabled   bool
	}{
		{"the partner on its lane takes the partner+lane threshold and the partner's severity", "SUP-CN", cnde, "12", "critical", true},
		{"the partner on another lane takes the partner's threshold", "SUP-CN", usde, "36", "critical", true},
		{"another partner on the lane takes the lane's threshold and the default severity", "SUP-OTHER", cnde, "24", "warning", true},
		{"another partner on another lane takes the rules of every order", "SUP-OTHER", usde, "48", "warning", true},
		{"an unknown lane side takes the rules of every order", "SUP-OTHER", Lane{"", "DE"}, "48", "warning", true},
		{"a partner can turn a rule off and keep the threshold of the level above", "SUP-OFF", cnde, "24", "warning", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Resolve(tc.partner, tc.lane)[RuleNoConfirmation]
			if r.Threshold.String() != tc.threshold || r.Severity != tc.severity || r.Enabled != tc.enabled {
				t.Errorf("no_confirmation = threshold %s, severity %s, enabled %v; want %s, %s, %v",
					r.Threshold, r.Severity, r.Enabled, tc.threshold, tc.severity, tc.enabled)
			}
			if r.EscalateAfter != 24*time.Hour {
				t.Errorf("escalate_after = %s; want the default 24h kept", r.EscalateAfter)
			}
		})
	}
	if docs := c.Resolve("SUP-OTHER", cnde)[RuleDocumentsMissing].Documents; strings.Join(docs, ",") != "commercial_invoice,packing_list,certificate_of_origin" {
		t.Errorf("documents on CN->DE = %v; want the lane's list", docs)
	}
	if docs := c.Resolve("SUP-OTHER", usde)[RuleDocumentsMissing].Documents; len(docs) != 0 {
		t.Errorf("documents on US->DE = %v; want none, the default", docs)
	}
}

func TestDurationsAreWrittenInHoursMinutesOrDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"36h": 36 * time.Hour, "90m": 90 * time.Minute, "3d": 72 * time.Hour, "0": 0} {
		c, err := LoadConfig("d.yaml", []byte("rules:\n  customs_hold: {escalate_after: "+in+"}\n"), noEnv)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := c.Rules[RuleCustomsHold].EscalateAfter.D; got != want {
			t.Errorf("escalate_after %s = %s; want %s", in, got, want)
		}
	}
	if _, err := LoadConfig("d.yaml", []byte("rules:\n  customs_hold: {escalate_after: -2h}\n"), noEnv); err == nil ||
		!strings.Contains(err.Error(), "d.yaml:2:34: duration \"-2h\" must not be negative") {
		t.Errorf("err = %v; want the negative duration refused at 2:34", err)
	}
}
