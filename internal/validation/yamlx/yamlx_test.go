package yamlx_test

import (
	"testing"

	"github.com/procurehub/procurehub/internal/validation/yamlx"
	"gopkg.in/yaml.v3"
)

func TestAProblemFoundAfterDecodingPointsAtItsKeyOrValue(t *testing.T) {
	var root yaml.Node
	src := "items:\n  - sku: A\n    moq: -5\n"
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path      yamlx.Path
		key       bool
		line, col int
	}{
		{yamlx.Path{"items", 0, "moq"}, false, 3, 10},
		{yamlx.Path{"items", 0, "moq"}, true, 3, 5},
		{yamlx.Path{"items", 0, "nope"}, false, 2, 5}, // the nearest node found
		{yamlx.Path{"items", 7}, false, 2, 3},
	}
	for _, tt := range tests {
		e := yamlx.Errorf("c.yaml", &root, tt.path, tt.key, "%s", "bad")
		if e.Line != tt.line || e.Column != tt.col {
			t.Errorf("%s (key %v) at %d:%d, want %d:%d", yamlx.PathString(tt.path), tt.key, e.Line, e.Column, tt.line, tt.col)
		}
	}
	if got := yamlx.PathString(yamlx.Path{"items", 3, "prices", 0, "currency"}); got != "items[3].prices[0].currency" {
		t.Errorf("PathString = %q", got)
	}
}
