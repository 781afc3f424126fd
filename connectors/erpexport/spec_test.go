package erpexport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
)

func TestNewBuildsFromAMappingFileBesideTheConfig(t *testing.T) {
	dir := t.TempDir()
	mappingText, err := os.ReadFile("testdata/orders.mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "partners"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "partners", "acme.mapping.yaml"), mappingText, 0o644); err != nil {
		t.Fatal(err)
	}
	inbox := t.TempDir()
	entry := "name: acme\nkind: erp_export\nsettings:\n  inbox: " + inbox + "\n  mapping: partners/acme.mapping.yaml\n"
	c, err := erpexport.New(context.Background(), connectortest.Config(t, entry, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Source.Close()
	if c.PollInterval != time.Second {
		t.Errorf("poll interval = %s, want the 1s default", c.PollInterval)
	}
	// The default settle time holds a new file back on the first poll.
	if err := os.WriteFile(filepath.Join(inbox, "orders.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ins, err := c.Source.Poll(context.Background()); err != nil || len(ins) != 0 {
		t.Errorf("first poll = %d inputs, %v; want none until the file has settled", len(ins), err)
	}
}

func TestNewReportsBadSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		want     string
	}{
		{"an unknown key is named with its position and a suggestion",
			"  inboxx: /tmp/in\n  mapping: m.yaml\n",
			`example.yaml:4:3: unknown key "inboxx" (did you mean "inbox"?)`},
		{"a missing inbox is reported",
			"  mapping: m.yaml\n",
			"erp_export acme: inbox is required"},
		{"every problem is reported, not just the first",
			"  inbox: /tmp/in\n  format: xls\n  settle_time: -1s\n",
			`format "xls" is not supported (use erp_csv or xlsx)`},
		{"an sftp transport without known_hosts is refused before any connection",
			"  transport: {type: sftp, address: 127.0.0.1:1, user: me, password: \"${PROCUREHUB_TEST_PW:-x}\"}\n  inbox: /in\n  mapping: m.yaml\n",
			"sftp needs known_hosts"},
		{"a password written in the config is refused at its position",
			"  transport: {type: ftp, address: 127.0.0.1:1, user: me, password: hunter2}\n  inbox: /in\n  mapping: m.yaml\n",
			"example.yaml:4:68: credentials come from the environment"},
		{"a duration written as a number is a type error at its position",
			"  inbox: /tmp/in\n  poll_interval: 5\n  mapping: m.yaml\n",
			"example.yaml:5:18:"},
		{"an inline mapping's unknown field is reported at its line in the config",
			"  inbox: /tmp/in\n  mapping:\n    columns:\n      order_number: Nr\n      lines.qty: Menge\n",
			`example.yaml:8:18: mapping: columns: lines.qty: "lines.qty" is not a canonical field (did you mean "lines.quantity"?)`},
		{"an inline mapping's unknown key is reported at its line in the config",
			"  inbox: /tmp/in\n  mapping:\n    colums:\n      order_number: Nr\n",
			`example.yaml:6:5: mapping: unknown key "colums" (did you mean "columns"?)`},
		{"a bad pattern in a list is named",
			"  inbox: /tmp/in\n  pattern: [\"*.csv\", \"[x\"]\n  mapping: m.yaml\n",
			`pattern "[x": syntax error in pattern`},
		{"a missing mapping file is named",
			"  inbox: /tmp/in\n  mapping: nowhere.mapping.yaml\n",
			"nowhere.mapping.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := "name: acme\nkind: erp_export\nsettings:\n" + tt.settings
			_, err := erpexport.New(context.Background(), connectortest.Config(t, entry, t.TempDir()))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSpecDocumentsEveryMappingKey(t *testing.T) {
	var names []string
	for _, f := range erpexport.Spec().Fields {
		names = append(names, f.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"inbox", "settle_time", "done_marker", "mapping.columns", "mapping.date_formats", "mapping.values"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("spec fields %s lack %s", got, want)
		}
	}
}
