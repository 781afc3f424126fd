// Package config loads procurehub's YAML: strict decoding (an unknown key is
// an error), ${VAR} and ${VAR:-default} interpolation from the environment,
// and every error named file:line:column.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a config problem at a position in a file.
type Error struct {
	File    string
	Line    int
	Column  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Errors is every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Env looks up an environment variable; os.LookupEnv in production.
type Env func(name string) (string, bool)

// Document is a parsed YAML file whose ${VARS} are already interpolated.
type Document struct {
	File string
	Root *yaml.Node // the document's top node (a mapping for our files)
}

// ParseFile reads and parses a YAML file, interpolating ${VARS} from env.
func ParseFile(path string, env Env) (*Document, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, b, env)
}

// Parse parses YAML bytes named file, interpolating ${VARS} from env.
func Parse(file string, b []byte, env Env) (*Document, error) {
	if env == nil {
		env = os.LookupEnv
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Line: 1, Column: 1, Message: "empty document"}
		}
		return nil, yamlError(file, err)
	}
	doc := &Document{File: file, Root: &root}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		doc.Root = root.Content[0]
	}
	var errs Errors
	interpolate(file, doc.Root, env, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return doc, nil
}

var lineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into a positioned Error.
func yamlError(file string, err error) error {
	var line int
	msg := err.Error()
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = m[2]
	}
	if line == 0 {
		line = 1
	}
	return &Error{File: file, Line: line, Column: 1, Message: strings.TrimPrefix(msg, "yaml: ")}
}

// fromEnvMarker is added to the line comment of a scalar whose value came
// from ${VARS}, so that a Credential can tell it from a literal.
const fromEnvMarker = " #procurehub:from-env"

var varRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// interpolate replaces ${VAR} and ${VAR:-default} in every scalar value.
// An unset variable without a default is an error at its position; "$${"
// escapes a literal "${".
func interpolate(file string, n *yaml.Node, env Env, errs *Errors) {
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		const esc = "\x00ESC\x00"
		v := strings.ReplaceAll(n.Value, "$${", esc)
		fromEnv := varRe.MatchString(v)
		v = varRe.ReplaceAllStringFunc(v, func(m string) string {
			sub := varRe.FindStringSubmatch(m)
			if val, ok := env(sub[1]); ok && val != "" {
				return val
			}
			if sub[2] != "" {
				return sub[3]
			}
			*errs = append(*errs, &Error{File: file, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("environment variable %s is not set", sub[1])})
			return ""
		})
		n.Value = strings.ReplaceAll(v, esc, "${")
		if fromEnv {
			n.LineComment += fromEnvMarker
		}
		if n.Style == 0 {
			// A plain (unquoted, untagged) scalar is typed by its interpolated
			// value: "partitions: ${PARTS}" with PARTS=8 is the int 8.
			n.Tag = ""
		}
	}
	for _, c := range n.Content {
		interpolate(file, c, env, errs)
	}
}

// Decode decodes node into v strictly: every mapping key must match a yaml
// field of v's type, and every type error is reported with its position.
// All problems are returned, not just the first.
func Decode(file string, node *yaml.Node, v any) error {
	var errs Errors
	checkKeys(file, node, reflect.TypeOf(v), &errs)
	if len(errs) > 0 {
		return errs
	}
	if err := node.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				errs = append(errs, positioned(file, node, m))
			}
			return errs
		}
		return &Error{File: file, Line: node.Line, Column: node.Column, Message: err.Error()}
	}
	return nil
}

// DecodeFile parses path and decodes it strictly into v.
func DecodeFile(path string, env Env, v any) error {
	doc, err := ParseFile(path, env)
	if err != nil {
		return err
	}
	return Decode(doc.File, doc.Root, v)
}

var typeErrLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

func positioned(file string, node *yaml.Node, msg string) *Error {
	if m := typeErrLineRe.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &Error{File: file, Line: line, Column: columnOnLine(node, line), Message: m[2]}
	}
	return &Error{File: file, Line: node.Line, Column: node.Column, Message: msg}
}

// columnOnLine finds the column of the first value node on line (yaml.v3 type
// errors carry only a line).
func columnOnLine(n *yaml.Node, line int) int {
	best := 0
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Line == line && (best == 0 || n.Column > best) && n.Kind == yaml.ScalarNode {
			best = n.Column
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	if best == 0 {
		return 1
	}
	return best
}

var yamlNodeType = reflect.TypeOf(yaml.Node{})

// checkKeys walks node alongside t and reports every key t does not declare.
func checkKeys(file string, n *yaml.Node, t reflect.Type, errs *Errors) {
	if n == nil || t == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == yamlNodeType || implementsUnmarshaler(t) {
		return // the type decodes itself
	}
	if n.Kind == yaml.AliasNode {
		checkKeys(file, n.Alias, t, errs)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // node.Decode reports the type mismatch
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{File: file, Line: k.Line, Column: k.Column,
					Message: fmt.Sprintf("unknown key %q%s", k.Value, suggest(k.Value, fields))})
				continue
			}
			checkKeys(file, val, ft, errs)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				checkKeys(file, c, t.Elem(), errs)
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 1; i < len(n.Content); i += 2 {
				checkKeys(file, n.Content[i], t.Elem(), errs)
			}
		}
	}
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

func implementsUnmarshaler(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)
}

// yamlFields maps the YAML keys of a struct (inline fields included) to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// suggest proposes the closest known key for a misspelt one.
func suggest(key string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known) // the first of equally close names, whatever the map's order
	return Suggest(key, known, 2)
}

// Suggest proposes the known name closest to a misspelt one, at most
// maxEdits edits away: ` (did you mean "price_list"?)`, or "" when none is
// that close. Of equally close names the first in known wins.
func Suggest(name string, known []string, maxEdits int) string {
	best, bestD := "", maxEdits+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
