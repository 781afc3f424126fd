package tracking

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled JSON path of the small subset profiles use, evaluated
// over values decoded by encoding/json (with UseNumber):
//
//	tracking_number          a key
//	data.trackings           keys, dotted
//	checkpoints[0]           an array index (0-based)
//	data[*].checkpoints      every element of an array
//	["dotted.key"].city      a quoted key, which may hold dots ('single' quotes too)
//	$                        the value itself; "$.a" is "a"
//
// Nothing else (filters, slices, recursive descent) is supported.
type Path struct {
	src   string
	steps []step
}

type stepKind int

const (
	stepKey stepKind = iota
	stepIndex
	stepAll
)

type step struct {
	kind  stepKind
	key   string
	index int
}

// ParsePath compiles a path; an error says what is wrong and at which byte.
func ParsePath(src string) (Path, error) {
	p := Path{src: src}
	s := strings.TrimSpace(src)
	if s == "" {
		return p, fmt.Errorf("path is empty")
	}
	i := 0
	if s[0] == '$' {
		i = 1
		if i < len(s) && s[i] == '.' {
			i++
			if i == len(s) {
				return p, fmt.Errorf("path %q: nothing after the dot", src)
			}
		}
	}
	expectKey := i > 0 && s[i-1] == '.' || i == 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\'') {
				q := s[i+1]
				close := strings.IndexByte(s[i+2:], q)
				if close < 0 {
					return p, fmt.Errorf("path %q: quoted key at byte %d has no closing %c", src, i+1, q)
				}
				key := s[i+2 : i+2+close]
				j := i + 2 + close + 1
				if j >= len(s) || s[j] != ']' {
					return p, fmt.Errorf("path %q: quoted key at byte %d is not followed by ]", src, i+1)
				}
				if key == "" {
					return p, fmt.Errorf("path %q: empty quoted key at byte %d", src, i+1)
				}
				p.steps = append(p.steps, step{kind: stepKey, key: key})
				i = j + 1
			} else {
				if end < 0 {
					return p, fmt.Errorf("path %q: [ at byte %d has no closing ]", src, i)
				}
				inner := s[i+1 : i+end]
				if inner == "*" {
					p.steps = append(p.steps, step{kind: stepAll})
				} else {
					n, err := strconv.Atoi(inner)
					if err != nil || n < 0 || strings.HasPrefix(inner, "+") {
						return p, fmt.Errorf("path %q: [%s] at byte %d is not an index (a number from 0, or *)", src, inner, i)
					}
					p.steps = append(p.steps, step{kind: stepIndex, index: n})
				}
				i += end + 1
			}
			expectKey = false
			if i < len(s) {
				switch s[i] {
				case '.':
					i++
					if i == len(s) {
						return p, fmt.Errorf("path %q: nothing after the dot at byte %d", src, i-1)
					}
					expectKey = true
				case '[':
				default:
					return p, fmt.Errorf("path %q: unexpected %q at byte %d (want . or [)", src, s[i], i)
				}
			}
		case c == '.':
			return p, fmt.Errorf("path %q: empty key at byte %d", src, i)
		default:
			if !expectKey {
				return p, fmt.Errorf("path %q: unexpected %q at byte %d (want . or [)", src, c, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				if s[j] == ']' || s[j] == '"' || s[j] == '\'' || s[j] == ' ' || s[j] == '$' || s[j] == '*' {
					return p, fmt.Errorf("path %q: unexpected %q at byte %d (quote a key that holds it: [\"...\"])", src, s[j], j)
				}
				j++
			}
			p.steps = append(p.steps, step{kind: stepKey, key: s[i:j]})
			i = j
			expectKey = false
			if i < len(s) && s[i] == '.' {
				i++
				if i == len(s) {
					return p, fmt.Errorf("path %q: nothing after the dot at byte %d", src, i-1)
				}
				expectKey = true
			}
		}
	}
	return p, nil
}

// String returns the path as written.
func (p Path) String() string { return p.src }

// IsZero reports whether the path was never set.
func (p Path) IsZero() bool { return p.src == "" }

// wildcard reports whether the path has a [*] step.
func (p Path) wildcard() bool {
	for _, s := range p.steps {
		if s.kind == stepAll {
			return true
		}
	}
	return false
}

// found is one value a path reached, with its concrete location
// ("data.trackings[0].checkpoints[2]").
type found struct {
	value any
	at    string
}

// typeError is a value of the wrong JSON type met on a path.
type typeError struct {
	at   string // concrete location of the offending value
	want string
	got  string
}

func (e *typeError) Error() string {
	return fmt.Sprintf("%s is %s, not %s", e.at, e.got, e.want)
}

// jsonType names the JSON type of a decoded value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// join appends a step to a concrete location.
func join(at string, s step) string {
	switch s.kind {
	case stepIndex:
		return fmt.Sprintf("%s[%d]", at, s.index)
	case stepKey:
		k := s.key
		if strings.ContainsAny(k, ".[]\"' $*") {
			k = strconv.Quote(k)
			if at == "" {
				return "[" + k + "]"
			}
			return at + "[" + k + "]"
		}
		if at == "" {
			return k
		}
		return at + "." + k
	}
	return at + "[*]"
}

// eval evaluates the path from v, whose location is at. Missing keys,
// indexes past the end and nulls reach nothing (no error); stepping into
// a value of the wrong type (a key of an array, an index of a string) is a
// *typeError naming where. A [*] step fans out over every element.
func (p Path) eval(v any, at string) ([]found, error) {
	cur := []found{{value: v, at: at}}
	for _, s := range p.steps {
		var next []found
		for _, f := range cur {
			if f.value == nil {
				continue
			}
			switch s.kind {
			case stepKey:
				m, ok := f.value.(map[string]any)
				if !ok {
					return nil, &typeError{at: f.at, want: "an object", got: jsonType(f.value)}
				}
				if x, ok := m[s.key]; ok && x != nil {
					next = append(next, found{value: x, at: join(f.at, s)})
				}
			case stepIndex:
				a, ok := f.value.([]any)
				if !ok {
					return nil, &typeError{at: f.at, want: "an array", got: jsonType(f.value)}
				}
				if s.index < len(a) && a[s.index] != nil {
					next = append(next, found{value: a[s.index], at: join(f.at, s)})
				}
			case stepAll:
				a, ok := f.value.([]any)
				if !ok {
					return nil, &typeError{at: f.at, want: "an array", got: jsonType(f.value)}
				}
				for i, x := range a {
					if x != nil {
						next = append(next, found{value: x, at: join(f.at, step{kind: stepIndex, index: i})})
					}
				}
			}
		}
		cur = next
	}
	return cur, nil
}

// one evaluates a path without [*] and returns what it reached, if anything.
func (p Path) one(v any, at string) (found, bool, error) {
	fs, err := p.eval(v, at)
	if err != nil || len(fs) == 0 {
		return found{}, false, err
	}
	return fs[0], true, nil
}
