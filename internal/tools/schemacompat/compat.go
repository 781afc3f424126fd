package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Break is one breaking change between a baseline schema and the current
// one: where (a JSON pointer into the schema document) and what.
type Break struct {
	Path string
	What string
}

func (b Break) String() string { return b.Path + ": " + b.What }

// Compare returns the breaking changes from base to cur, two JSON Schema
// documents (draft 2020-12, as canonical.Schemas writes them), and the
// paths of the properties cur adds (allowed, but not yet in the baseline).
//
// Breaking, for a consumer that was written against base:
//   - a property removed;
//   - a type changed, including its format, pattern, $ref, array items or
//     map values;
//   - a property newly required (old messages lack it);
//   - an enum value removed, or an enum put on a value that had none.
//
// Allowed: a new optional property, a new enum value, a property no
// longer required. The schemas keep additionalProperties open, so
// consumers must ignore properties they do not know.
func Compare(base, cur []byte) (breaks []Break, added []string, err error) {
	var b, c map[string]any
	if err := json.Unmarshal(base, &b); err != nil {
		return nil, nil, fmt.Errorf("baseline: %w", err)
	}
	if err := json.Unmarshal(cur, &c); err != nil {
		return nil, nil, fmt.Errorf("current: %w", err)
	}
	w := &walker{baseRoot: b, curRoot: c}
	w.node("", b, c)
	// Definitions are compared on their own, once, under their own path:
	// where both sides refer to the same $ref, node does not follow it.
	bd, _ := b["$defs"].(map[string]any)
	cd, _ := c["$defs"].(map[string]any)
	for _, name := range sortedKeys(bd) {
		bs, _ := bd[name].(map[string]any)
		cs, ok := cd[name].(map[string]any)
		if !ok {
			// Whatever referred to it changed its $ref or went away, and
			// that is reported there; a definition nothing uses can go.
			continue
		}
		w.node("/$defs/"+escape(name), bs, cs)
	}
	return w.breaks, w.added, nil
}

type walker struct {
	baseRoot, curRoot map[string]any
	breaks            []Break
	added             []string
	depth             int // bounds following $refs, against cycles
}

func (w *walker) report(path, format string, args ...any) {
	w.breaks = append(w.breaks, Break{Path: path, What: fmt.Sprintf(format, args...)})
}

// node compares the subschemas b and c found at path.
func (w *walker) node(path string, b, c map[string]any) {
	bref, _ := b["$ref"].(string)
	cref, _ := c["$ref"].(string)
	if bref != "" && bref == cref {
		return // the same definition: compared under /$defs
	}
	if bref != "" || cref != "" {
		// Inline on one side, or different definitions: compare what they
		// stand for, here.
		if w.depth > 32 {
			return
		}
		w.depth++
		defer func() { w.depth-- }()
		b, c = resolve(w.baseRoot, b), resolve(w.curRoot, c)
		if b == nil || c == nil {
			w.report(path, "$ref changed from %q to %q", bref, cref)
			return
		}
	}

	if bt, ct := types(b), types(c); !slices.Equal(bt, ct) {
		w.report(path+"/type", "type changed from %s to %s", show(bt), show(ct))
	}
	for _, kw := range []string{"format", "pattern"} {
		bv, _ := b[kw].(string)
		cv, _ := c[kw].(string)
		if bv != cv {
			w.report(path+"/"+kw, "%s changed from %q to %q", kw, bv, cv)
		}
	}

	bp, _ := b["properties"].(map[string]any)
	cp, _ := c["properties"].(map[string]any)
	for _, name := range sortedKeys(bp) {
		p := path + "/properties/" + escape(name)
		cs, ok := cp[name].(map[string]any)
		if !ok {
			w.report(p, "property removed")
			continue
		}
		bs, _ := bp[name].(map[string]any)
		w.node(p, bs, cs)
	}
	for _, name := range sortedKeys(cp) {
		if _, ok := bp[name]; !ok {
			w.added = append(w.added, path+"/properties/"+escape(name))
		}
	}

	breq := stringSet(b["required"])
	for _, name := range sortedKeys(stringSet(c["required"])) {
		if !breq[name] {
			w.report(path+"/required", "property %q newly required", name)
		}
	}

	if ce, ok := c["enum"].([]any); ok {
		be, had := b["enum"].([]any)
		if !had {
			w.report(path+"/enum", "an enum now restricts a value that had none")
		}
		for _, v := range be {
			if !slices.ContainsFunc(ce, func(x any) bool { return jsonEqual(x, v) }) {
				w.report(path+"/enum", "enum value %s removed", jsonText(v))
			}
		}
	}

	for _, kw := range []string{"items", "additionalProperties"} {
		bs, bok := b[kw].(map[string]any)
		cs, cok := c[kw].(map[string]any)
		switch {
		case bok && cok:
			w.node(path+"/"+kw, bs, cs)
		case bok && kw == "items":
			w.report(path+"/items", "items schema removed")
		case bok:
			w.report(path+"/"+kw, "map value schema removed")
		}
	}
}

// resolve follows a local $ref ("#/$defs/Party") in root; a schema
// without one is returned as it is, an unresolvable one as nil.
func resolve(root, s map[string]any) map[string]any {
	ref, _ := s["$ref"].(string)
	if ref == "" {
		return s
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	defs, _ := root["$defs"].(map[string]any)
	d, _ := defs[unescape(name)].(map[string]any)
	return d
}

// types is the sorted list of a schema's "type" (a string or an array).
func types(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, v := range t {
			if v, ok := v.(string); ok {
				out = append(out, v)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func show(ts []string) string {
	if len(ts) == 0 {
		return "any"
	}
	return strings.Join(ts, "|")
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out[s] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonEqual(a, b any) bool { return jsonText(a) == jsonText(b) }

// escape and unescape a JSON pointer reference token (RFC 6901).
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescape(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
