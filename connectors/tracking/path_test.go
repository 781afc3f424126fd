package tracking

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPathReachesValues(t *testing.T) {
	doc := decodeJSON(t, `{
		"data": {"trackings": [{"n": "A", "cp": [{"c": "x"}, {"c": "y"}]}, {"n": "B", "cp": [{"c": "z"}]}]},
		"a.b": {"c": 7},
		"it's": "quoted",
		"nul": null
	}`)
	tests := []struct {
		name, path string
		want       []string // "at=value"
	}{
		{"a dotted path reaches a nested value", "data.trackings[1].n", []string{"$.data.trackings[1].n=B"}},
		{"$ is the value itself", "$", []string{"$=map"}},
		{"$. is optional", "$.data.trackings[0].n", []string{"$.data.trackings[0].n=A"}},
		{"[*] fans out over every element", "data.trackings[*].cp[*].c", []string{
			"$.data.trackings[0].cp[0].c=x", "$.data.trackings[0].cp[1].c=y", "$.data.trackings[1].cp[0].c=z"}},
		{"a quoted key may hold dots", `["a.b"].c`, []string{`$["a.b"].c=7`}},
		{"single quotes quote too", `['a.b'].c`, []string{`$["a.b"].c=7`}},
		{"a quoted key may hold the other quote", `["it's"]`, []string{`$["it's"]=quoted`}},
		{"a missing key reaches nothing", "data.nope.deeper", nil},
		{"an index past the end reaches nothing", "data.trackings[5].n", nil},
		{"null reaches nothing", "nul", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := p.eval(doc, "$")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				v := f.value
				if _, ok := v.(map[string]any); ok {
					v = "map"
				}
				got = append(got, f.at+"="+strings.TrimSpace(toString(v)))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func TestPathOfTheWrongTypeNamesWhere(t *testing.T) {
	doc := decodeJSON(t, `{"data": {"trackings": "none"}, "list": [1]}`)
	for _, tt := range []struct{ path, want string }{
		{"data.trackings[0]", "$.data.trackings is a string, not an array"},
		{"data.trackings.n", "$.data.trackings is a string, not an object"},
		{"list.n", "$.list is an array, not an object"},
		{"list[*].n", "$.list[0] is a number, not an object"},
	} {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.eval(doc, "$")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.path, err, tt.want)
		}
	}
}

func TestPathThatDoesNotCompileSaysWhy(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"", "empty"},
		{"a..b", "empty key at byte 2"},
		{"a.", "nothing after the dot"},
		{"$.", "nothing after the dot"},
		{".a", "empty key at byte 0"},
		{"a[", "has no closing ]"},
		{"a[x]", "[x] at byte 1 is not an index"},
		{"a[-1]", "is not an index"},
		{`a["b]`, "has no closing"},
		{`a["b"`, "is not followed by ]"},
		{`a[""]`, "empty quoted key"},
		{"a[0]b", `unexpected 'b' at byte 4`},
		{"a b", `unexpected ' ' at byte 1`},
		{"a.*", `unexpected '*'`},
		{"$a", `unexpected 'a' at byte 1`},
	} {
		_, err := ParsePath(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePath(%q) = %v, want an error with %q", tt.path, err, tt.want)
		}
	}
}
