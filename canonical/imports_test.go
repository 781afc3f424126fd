package canonical

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImportsOnlyTheStandardLibraryAndDecimal keeps the package's promise to
// its users outside procurehub: depending on canonical costs nothing else.
func TestImportsOnlyTheStandardLibraryAndDecimal(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if path != "github.com/shopspring/decimal" && strings.Contains(first, ".") {
				t.Errorf("%s imports %s; canonical may import only the standard library and shopspring/decimal", name, path)
			}
		}
	}
}
