package canonical

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden schema files in testdata/schemas")

func parseSchema(t *testing.T, typeName string) map[string]any {
	t.Helper()
	b, err := Schema(typeName)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("schema of %s is not JSON: %v", typeName, err)
	}
	return s
}

// resolve follows a "#/$defs/Name" reference; it returns the schema and
// the name of the definition ("" for an inline schema).
func resolve(t *testing.T, root, s map[string]any) (map[string]any, string) {
	t.Helper()
	ref, ok := s["$ref"].(string)
	if !ok {
		return s, ""
	}
	name := strings.TrimPrefix(ref, "#/$defs/")
	defs, _ := root["$defs"].(map[string]any)
	def, ok := defs[name].(map[string]any)
	if !ok {
		t.Fatalf("dangling $ref %q", ref)
	}
	return def, name
}

func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func stringList(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	sort.Strings(out)
	return out
}

func TestSchemaPropertiesAreTheJSONTagsOfTheGoTypes(t *testing.T) {
	for _, rt := range recordTypes {
		t.Run(rt.name+" lists exactly the struct's json names and required fields", func(t *testing.T) {
			root := parseSchema(t, rt.name)
			var walk func(path string, typ reflect.Type, s map[string]any)
			walk = func(path string, typ reflect.Type, s map[string]any) {
				for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
					typ = typ.Elem()
					if items, ok := s["items"].(map[string]any); ok {
						s = items
					}
				}
				if typ.Kind() != reflect.Struct || typeSchemas[typ] != nil {
					return
				}
				s, _ = resolve(t, root, s)
				props, _ := s["properties"].(map[string]any)
				var tags, required []string
				for i := 0; i < typ.NumField(); i++ {
					f := typ.Field(i)
					tag := f.Tag.Get("json")
					name, opts, _ := strings.Cut(tag, ",")
					if !f.IsExported() || name == "-" {
						continue
					}
					tags = append(tags, name)
					if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
						required = append(required, name)
					}
					if ps, ok := props[name].(map[string]any); ok {
						walk(path+"."+name, f.Type, ps)
					}
				}
				sort.Strings(tags)
				sort.Strings(required)
				if got := keys(props); !slices.Equal(got, tags) {
					t.Errorf("%s (%s): properties %v, json tags %v", path, typ.Name(), got, tags)
				}
				if got := stringList(s["required"]); !slices.Equal(got, required) {
					t.Errorf("%s (%s): required %v, want %v", path, typ.Name(), got, required)
				}
			}
			walk(rt.name, rt.typ, root)
		})
	}
}

// schemaChecker is a tiny JSON Schema checker for what these schemas use:
// $ref, type, properties, required, items, enum, pattern, minItems and
// minimum. It records which properties it saw a value for.
type schemaChecker struct {
	t        *testing.T
	root     map[string]any
	problems []string
	seen     map[string]bool // "Def.property" ("#" is the root)
}

func (c *schemaChecker) check(path string, s map[string]any, v any) {
	s, _ = resolve(c.t, c.root, s)
	if want, ok := s["type"].(string); ok && !jsonTypeIs(v, want) {
		c.fail(path, "is %T, schema says %s", v, want)
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		c.fail(path, "%v is not in the enum %v", v, enum)
	}
	if pat, ok := s["pattern"].(string); ok {
		if str, _ := v.(string); !regexp.MustCompile(pat).MatchString(str) {
			c.fail(path, "%q does not match %s", str, pat)
		}
	}
	if min, ok := s["minimum"].(float64); ok {
		if n, _ := v.(float64); n < min {
			c.fail(path, "%v is below the minimum %v", n, min)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return // any object
		}
		for _, req := range stringList(s["required"]) {
			if _, ok := v[req]; !ok {
				c.fail(path, "required property %q is missing", req)
			}
		}
		for _, k := range keys(v) {
			ps, ok := props[k].(map[string]any)
			if !ok {
				c.fail(path, "property %q is not in the schema", k)
				continue
			}
			c.seen[c.owner(s)+"."+k] = true
			c.check(path+"."+k, ps, v[k])
		}
	case []any:
		if min, ok := s["minItems"].(float64); ok && float64(len(v)) < min {
			c.fail(path, "has %d items, schema wants at least %v", len(v), min)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				c.check(fmt.Sprintf("%s[%d]", path, i), items, x)
			}
		}
	}
}

// owner names a resolved object schema: its $defs key, or "#" for the root.
func (c *schemaChecker) owner(s map[string]any) string {
	defs, _ := c.root["$defs"].(map[string]any)
	for name, d := range defs {
		if reflect.ValueOf(d).Pointer() == reflect.ValueOf(s).Pointer() {
			return name
		}
	}
	return "#"
}

func (c *schemaChecker) fail(path, format string, args ...any) {
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

func jsonTypeIs(v any, want string) bool {
	switch v := v.(type) {
	case nil:
		return want == "null"
	case bool:
		return want == "boolean"
	case float64:
		return want == "number" || (want == "integer" && v == math.Trunc(v))
	case string:
		return want == "string"
	case []any:
		return want == "array"
	case map[string]any:
		return want == "object"
	}
	return false
}

// allProperties lists "Def.property" for every property of the root and
// of every definition.
func allProperties(root map[string]any) []string {
	var out []string
	add := func(owner string, s map[string]any) {
		props, _ := s["properties"].(map[string]any)
		for k := range props {
			out = append(out, owner+"."+k)
		}
	}
	add("#", root)
	defs, _ := root["$defs"].(map[string]any)
	for name, d := range defs {
		add(name, d.(map[string]any))
	}
	sort.Strings(out)
	return out
}

func checkAgainstSchema(t *testing.T, typeName string, record []byte) *schemaChecker {
	t.Helper()
	var doc any
	if err := json.Unmarshal(record, &doc); err != nil {
		t.Fatal(err)
	}
	root := parseSchema(t, typeName)
	c := &schemaChecker{t: t, root: root, seen: map[string]bool{}}
	c.check(typeName, root, doc)
	return c
}

func TestSampleRecordsConformToTheirSchemas(t *testing.T) {
	for _, s := range samples {
		t.Run("a marshalled "+s.typeName+" has only properties its schema knows", func(t *testing.T) {
			v := s.newValue()
			decodeStrict(t, readCompact(t, s.file), v)
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			c := checkAgainstSchema(t, s.typeName, out)
			for _, p := range c.problems {
				t.Error(p)
			}
			// The check means little if the sample leaves fields out.
			for _, p := range allProperties(c.root) {
				if !c.seen[p] {
					t.Errorf("the sample %s never fills %s; add it so the schema check covers it", s.file, p)
				}
			}
		})
	}
}

func TestSchemaCheckerCatchesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name   string
		record string
		want   string
	}{
		{"an unknown property", `{"tracking_number":"1","carrier":"c","status":"delivered","occurred_at":"2026-01-01T00:00:00Z","colour":"red"}`, `"colour" is not in the schema`},
		{"a missing required property", `{"tracking_number":"1","carrier":"c","status":"delivered"}`, `"occurred_at" is missing`},
		{"a status outside the enum", `{"tracking_number":"1","carrier":"c","status":"lost","occurred_at":"2026-01-01T00:00:00Z"}`, "not in the enum"},
		{"a number where a string belongs", `{"tracking_number":1,"carrier":"c","status":"delivered","occurred_at":"2026-01-01T00:00:00Z"}`, "schema says string"},
		{"a country that breaks the pattern", `{"tracking_number":"1","carrier":"c","status":"delivered","occurred_at":"2026-01-01T00:00:00Z","location":{"country":"deu"}}`, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is reported", func(t *testing.T) {
			c := checkAgainstSchema(t, TypeTrackingEvent, []byte(tt.record))
			if !strings.Contains(strings.Join(c.problems, "\n"), tt.want) {
				t.Errorf("want a problem containing %q, got %v", tt.want, c.problems)
			}
		})
	}
}

func TestSchemaShapes(t *testing.T) {
	t.Run("each type has a versioned $id, a title and a description", func(t *testing.T) {
		for _, doc := range Schemas() {
			var s map[string]any
			if err := json.Unmarshal(doc.JSON, &s); err != nil {
				t.Fatal(err)
			}
			if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("%s: $schema = %v", doc.Type, s["$schema"])
			}
			if want := "https://procurehub.dev/schemas/" + doc.Type + ".v1.json"; s["$id"] != want || doc.Version != 1 {
				t.Errorf("%s: $id = %v, version %d", doc.Type, s["$id"], doc.Version)
			}
			if s["title"] == "" || s["description"] == "" {
				t.Errorf("%s: title %q, description %q", doc.Type, s["title"], s["description"])
			}
			defs, _ := s["$defs"].(map[string]any)
			for name, d := range defs {
				if d.(map[string]any)["description"] == "" {
					t.Errorf("%s: $defs/%s has no description", doc.Type, name)
				}
			}
		}
	})
	t.Run("Schemas lists the nine record types in a fixed order", func(t *testing.T) {
		var got []string
		for _, d := range Schemas() {
			got = append(got, d.Type)
		}
		want := []string{"order", "order_response", "shipment", "tracking_event", "invoice", "bank_statement", "bank_transaction", "order_event", "catalog_item"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("the output is identical on every call, indented and ends in a newline", func(t *testing.T) {
		a, b := Schemas(), Schemas()
		for i := range a {
			if !bytes.Equal(a[i].JSON, b[i].JSON) {
				t.Errorf("%s differs between calls", a[i].Type)
			}
			if !bytes.HasPrefix(a[i].JSON, []byte("{\n  \"$schema\"")) || !bytes.HasSuffix(a[i].JSON, []byte("}\n")) {
				t.Errorf("%s is not indented with a final newline", a[i].Type)
			}
		}
	})
	t.Run("an unknown type name is an error", func(t *testing.T) {
		if _, err := Schema("purchase_order"); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("decimals, dates and times have their formats", func(t *testing.T) {
		root := parseSchema(t, TypeInvoice)
		props := root["properties"].(map[string]any)
		if p := props["total_amount"].(map[string]any); p["type"] != "string" || p["pattern"] != decimalPattern {
			t.Errorf("total_amount = %v", p)
		}
		if p := props["invoice_date"].(map[string]any); p["format"] != "date" {
			t.Errorf("invoice_date = %v", p)
		}
		ev := parseSchema(t, TypeTrackingEvent)["properties"].(map[string]any)
		if p := ev["occurred_at"].(map[string]any); p["format"] != "date-time" {
			t.Errorf("occurred_at = %v", p)
		}
		if got := stringList(ev["status"].(map[string]any)["enum"]); len(got) != len(TrackingStatuses()) {
			t.Errorf("status enum has %d values, want %d", len(got), len(TrackingStatuses()))
		}
	})
	t.Run("only order_event.data accepts any JSON value", func(t *testing.T) {
		for _, doc := range Schemas() {
			var s any
			_ = json.Unmarshal(doc.JSON, &s)
			var walk func(path string, v any)
			walk = func(path string, v any) {
				m, ok := v.(map[string]any)
				if !ok {
					return
				}
				if props, ok := m["properties"].(map[string]any); ok {
					for k, p := range props {
						pm := p.(map[string]any)
						_, typed := pm["type"]
						_, ref := pm["$ref"]
						if !typed && !ref && path+"."+k != "order_event.data" {
							t.Errorf("%s.%s has no type", path, k)
						}
					}
				}
				for _, x := range m {
					walk(path, x)
				}
			}
			walk(doc.Type, s)
		}
	})
}

func TestSchemasMatchGoldenFiles(t *testing.T) {
	for _, doc := range Schemas() {
		name := filepath.Join("testdata", "schemas", fmt.Sprintf("%s.v%d.golden.json", doc.Type, doc.Version))
		t.Run(doc.Type+" has not changed without review", func(t *testing.T) {
			if *update {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, doc.JSON, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go test ./canonical -run TestSchemasMatchGoldenFiles -update)", err)
			}
			if !bytes.Equal(doc.JSON, want) {
				t.Errorf("schema of %s differs from %s; if the change is intended, rerun with -update and review the diff", doc.Type, name)
			}
		})
	}
}
