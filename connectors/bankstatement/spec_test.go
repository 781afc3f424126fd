package bankstatement_test

import (
	"context"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/bankstatement"
	"github.com/procurehub/procurehub/connectors/connectortest"
)

func TestSpecIsComplete(t *testing.T) {
	connectortest.CheckSpec(t, bankstatement.Spec())
}

func TestNewBuildsEveryFormat(t *testing.T) {
	for _, f := range bankstatement.Formats() {
		entry := "name: bank\nkind: bank_statement\nsettings:\n  inbox: /tmp/in\n  format: " + f + "\n"
		c, err := bankstatement.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
		if err != nil {
			t.Errorf("format %s: %v", f, err)
			continue
		}
		c.Source.Close()
		if c.Decoder == nil {
			t.Errorf("format %s: no decoder", f)
		}
	}
}

func TestNewReportsBadSettings(t *testing.T) {
	for _, tt := range []struct{ name, settings, want string }{
		{"a missing format names the formats", "  inbox: /tmp/in\n", "format is required (one of bai2, camt052, camt053, camt054, mt940, mt942)"},
		{"an unknown format is named", "  inbox: /tmp/in\n  format: mt950\n", `format "mt950" is not a statement format`},
		{"every problem is reported", "  format: csv\n  poll_interval: -1s\n", "inbox is required"},
		{"an unknown key is named with its position", "  inbox: /tmp/in\n  format: bai2\n  formt: x\n", `example.yaml:6:3: unknown key "formt"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entry := "name: bank\nkind: bank_statement\nsettings:\n" + tt.settings
			_, err := bankstatement.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewDecoderRefusesAnUnknownFormat(t *testing.T) {
	if _, err := bankstatement.NewDecoder("csv"); err == nil || !strings.Contains(err.Error(), "camt053") {
		t.Errorf("NewDecoder(csv) = %v; want an error listing the formats", err)
	}
}
