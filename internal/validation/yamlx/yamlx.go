// Package yamlx holds the YAML pieces the catalog and the rule config share:
// scalar types that parse themselves and report a bad value at its line, and
// a way to find the position of a key for checks made after decoding.
package yamlx

import (
	"fmt"
	"strconv"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/config"
	"gopkg.in/yaml.v3"
)

// typeError reports a bad scalar the way yaml.v3 reports its own type errors,
// so that config.Decode turns it into file:line:column.
func typeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, args...))}}
}

// Decimal is a decimal written as a YAML number or string ("12.40").
type Decimal struct {
	canonical.Decimal
	Set bool
}

// UnmarshalYAML parses the scalar exactly, without going through a float.
func (d *Decimal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "want a decimal number")
	}
	v, err := canonical.ParseDecimal(n.Value)
	if err != nil {
		return typeError(n, "%s", err.Error())
	}
	d.Decimal, d.Set = v, true
	return nil
}

// Date is a YYYY-MM-DD date.
type Date struct {
	canonical.Date
}

// UnmarshalYAML parses YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "want a date (YYYY-MM-DD)")
	}
	v, err := canonical.ParseDate(n.Value)
	if err != nil {
		return typeError(n, "%s", err.Error())
	}
	d.Date = v
	return nil
}

// Path locates a node: string elements are mapping keys, int elements are
// sequence indexes.
type Path []any

// At returns the node at path below root, or the deepest node found on the
// way (so an error still points near the problem). With key set, it returns
// the key node of the last mapping step instead of its value.
func At(root *yaml.Node, path Path, key bool) *yaml.Node {
	n := root
	for i, step := range path {
		if n == nil {
			return root
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		last := i == len(path)-1
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == s {
						next = n.Content[j+1]
						if last && key {
							next = n.Content[j]
						}
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// Errorf makes a config error at the node found by At.
func Errorf(file string, root *yaml.Node, path Path, key bool, format string, args ...any) *config.Error {
	n := At(root, path, key)
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	return &config.Error{File: file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)}
}

// PathString renders a path as "items[3].currency" for messages.
func PathString(path Path) string {
	s := ""
	for _, step := range path {
		switch v := step.(type) {
		case string:
			if s != "" {
				s += "."
			}
			s += v
		case int:
			s += "[" + strconv.Itoa(v) + "]"
		}
	}
	return s
}
