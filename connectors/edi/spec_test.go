package edi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi"
)

func TestSpecIsComplete(t *testing.T) {
	connectortest.CheckSpec(t, edi.Spec())
}

func TestNewBuildsEveryFormat(t *testing.T) {
	for _, f := range edi.Formats {
		entry := "name: p\nkind: edi\nsettings:\n  inbox: /tmp/in\n  format: " + f + "\n"
		c, err := edi.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
		if err != nil {
			t.Errorf("format %s: %v", f, err)
			continue
		}
		c.Source.Close()
	}
}

func TestNewReportsBadSettings(t *testing.T) {
	for _, tt := range []struct{ name, settings, want string }{
		{"an unknown format names the formats", "  inbox: /tmp/in\n  format: tradacoms\n", `format "tradacoms" is not an EDI format (use edifact, ubl, x12)`},
		{"qualifiers do not apply to ubl", "  inbox: /tmp/in\n  format: ubl\n  qualifiers: {buyer: BY}\n", "qualifiers apply to x12 and edifact"},
		{"a variant applies to ubl only", "  inbox: /tmp/in\n  format: x12\n  variant: peppol\n", "variant applies to ubl only"},
		{"an unknown acknowledgement names the choices", "  inbox: /tmp/in\n  format: x12\n  acknowledgement: ta1\n", `"ta1"`},
		{"ubl takes no acknowledgement", "  inbox: /tmp/in\n  format: ubl\n  acknowledgement: contrl\n", "acknowledgement applies to x12 and edifact"},
		{"an unknown qualifier key is named with its position", "  inbox: /tmp/in\n  format: x12\n  qualifiers: {byer: BY}\n", `example.yaml:6:`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entry := "name: p\nkind: edi\nsettings:\n" + tt.settings
			_, err := edi.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
