package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// obj is a small object schema with the given properties and required list.
func obj(props, required string) string {
	return `{"type":"object","properties":{` + props + `},"required":[` + required + `]}`
}

func TestCompare(t *testing.T) {
	party := `"$defs":{"Party":{"type":"object","properties":{"id":{"type":"string"},"country":{"type":"string","pattern":"^[A-Z]{2}$"}},"required":["id"]}}`
	tests := []struct {
		name       string
		base, cur  string
		wantBreaks []string // "path: what", in order
		wantAdded  []string
	}{
		{
			name: "an unchanged schema is compatible",
			base: obj(`"a":{"type":"string"}`, `"a"`),
			cur:  obj(`"a":{"type":"string"}`, `"a"`),
		},
		{
			name:       "a removed property breaks",
			base:       obj(`"a":{"type":"string"},"b":{"type":"integer"}`, `"a"`),
			cur:        obj(`"a":{"type":"string"}`, `"a"`),
			wantBreaks: []string{"/properties/b: property removed"},
		},
		{
			name:       "a type changed from string to number breaks",
			base:       obj(`"qty":{"type":"string"}`, ``),
			cur:        obj(`"qty":{"type":"number"}`, ``),
			wantBreaks: []string{`/properties/qty/type: type changed from string to number`},
		},
		{
			name:       "a changed format breaks",
			base:       obj(`"d":{"type":"string","format":"date"}`, ``),
			cur:        obj(`"d":{"type":"string","format":"date-time"}`, ``),
			wantBreaks: []string{`/properties/d/format: format changed from "date" to "date-time"`},
		},
		{
			name:       "a property newly required breaks",
			base:       obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"a"`),
			cur:        obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"a","b"`),
			wantBreaks: []string{`/required: property "b" newly required`},
		},
		{
			name:       "a new required property breaks",
			base:       obj(`"a":{"type":"string"}`, `"a"`),
			cur:        obj(`"a":{"type":"string"},"c":{"type":"string"}`, `"a","c"`),
			wantBreaks: []string{`/required: property "c" newly required`},
			wantAdded:  []string{"/properties/c"},
		},
		{
			name:      "an added optional property is compatible",
			base:      obj(`"a":{"type":"string"}`, `"a"`),
			cur:       obj(`"a":{"type":"string"},"note":{"type":"string"}`, `"a"`),
			wantAdded: []string{"/properties/note"},
		},
		{
			name: "a property no longer required is compatible",
			base: obj(`"a":{"type":"string"}`, `"a"`),
			cur:  obj(`"a":{"type":"string"}`, ``),
		},
		{
			name:       "a removed enum value breaks",
			base:       obj(`"s":{"type":"string","enum":["open","closed"]}`, ``),
			cur:        obj(`"s":{"type":"string","enum":["open"]}`, ``),
			wantBreaks: []string{`/properties/s/enum: enum value "closed" removed`},
		},
		{
			name: "an added enum value is compatible",
			base: obj(`"s":{"type":"string","enum":["open"]}`, ``),
			cur:  obj(`"s":{"type":"string","enum":["open","closed"]}`, ``),
		},
		{
			name:       "a changed items type is reported under items",
			base:       obj(`"tags":{"type":"array","items":{"type":"string"}}`, ``),
			cur:        obj(`"tags":{"type":"array","items":{"type":"integer"}}`, ``),
			wantBreaks: []string{"/properties/tags/items/type: type changed from string to integer"},
		},
		{
			name:       "a property removed from an object in an array is reported with its path",
			base:       obj(`"lines":{"type":"array","items":`+obj(`"sku":{"type":"string"},"qty":{"type":"string"}`, `"sku"`)+`}`, ``),
			cur:        obj(`"lines":{"type":"array","items":`+obj(`"sku":{"type":"string"}`, `"sku"`)+`}`, ``),
			wantBreaks: []string{"/properties/lines/items/properties/qty: property removed"},
		},
		{
			name: "a change inside a definition is reported under $defs",
			base: `{"type":"object","properties":{"buyer":{"$ref":"#/$defs/Party"}},` + party + `}`,
			cur: `{"type":"object","properties":{"buyer":{"$ref":"#/$defs/Party"}},` +
				`"$defs":{"Party":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}}}`,
			wantBreaks: []string{
				"/$defs/Party/properties/country: property removed",
				"/$defs/Party/properties/id/type: type changed from string to integer",
			},
		},
		{
			name: "a $ref replaced by an equal inline schema is compatible",
			base: `{"type":"object","properties":{"buyer":{"$ref":"#/$defs/Party"}},` + party + `}`,
			cur:  obj(`"buyer":{"type":"object","properties":{"id":{"type":"string"},"country":{"type":"string","pattern":"^[A-Z]{2}$"}},"required":["id"]}`, ``),
		},
		{
			name:       "a $ref to another definition is compared where it is used",
			base:       `{"type":"object","properties":{"buyer":{"$ref":"#/$defs/Party"}},` + party + `}`,
			cur:        `{"type":"object","properties":{"buyer":{"$ref":"#/$defs/Name"}},"$defs":{"Name":{"type":"string"}}}`,
			wantBreaks: []string{"/properties/buyer/type: type changed from object to string", "/properties/buyer/properties/country: property removed", "/properties/buyer/properties/id: property removed"},
		},
		{
			name:       "names with a slash or tilde are escaped in the pointer",
			base:       obj(`"a/b~c":{"type":"string"}`, ``),
			cur:        obj(``, ``),
			wantBreaks: []string{"/properties/a~1b~0c: property removed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			breaks, added, err := Compare([]byte(tt.base), []byte(tt.cur))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range breaks {
				got = append(got, b.String())
			}
			if !slices.Equal(got, tt.wantBreaks) {
				t.Errorf("breaks:\n got %q\nwant %q", got, tt.wantBreaks)
			}
			if !slices.Equal(added, tt.wantAdded) {
				t.Errorf("added: got %q, want %q", added, tt.wantAdded)
			}
		})
	}
}

// TestRunAgainstBaselineDir runs the command as CI does, on a copy of the
// committed baseline.
func TestRunAgainstBaselineDir(t *testing.T) {
	t.Run("the committed baseline matches the code", func(t *testing.T) {
		var out bytes.Buffer
		code, err := run([]string{"-baseline", "../../../docs/schemas/baseline"}, &out)
		if err != nil || code != 0 {
			t.Fatalf("exit %d, err %v, output:\n%s", code, err, &out)
		}
	})
	t.Run("a property the code no longer has fails with its path", func(t *testing.T) {
		dir := t.TempDir()
		if err := writeBaseline(dir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "order.v1.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte(`"properties": {`), []byte(`"properties": {"legacy_code": {"type": "string"},`), 1)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		code, err := run([]string{"-baseline", dir}, &out)
		if err != nil || code != 1 {
			t.Fatalf("exit %d, err %v; want 1", code, err)
		}
		if !strings.Contains(out.String(), "order.v1.json#/properties/legacy_code: property removed") {
			t.Errorf("output does not name the break:\n%s", &out)
		}
		// And -write-baseline refuses to record it.
		out.Reset()
		if code, _ := run([]string{"-baseline", dir, "-write-baseline"}, &out); code != 1 {
			t.Errorf("-write-baseline with a break: exit %d, want 1", code)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
			t.Error("-write-baseline overwrote a baseline with a break")
		}
	})
	t.Run("a schema without a baseline fails", func(t *testing.T) {
		var out bytes.Buffer
		code, _ := run([]string{"-baseline", t.TempDir()}, &out)
		if code != 1 || !strings.Contains(out.String(), "order.v1.json: no baseline yet") {
			t.Errorf("exit %d, output:\n%s", code, &out)
		}
	})
}
