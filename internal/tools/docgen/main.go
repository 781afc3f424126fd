// Command docgen writes the generated documentation under docs/: the JSON
// Schemas of the canonical types (docs/schemas/), the OpenAPI document of
// the HTTP API (docs/openapi.json) from its route table, and the connector
// reference (docs/connectors.md) from the connector specs. With -check it writes
// nothing and fails when a file on disk differs, so CI catches stale docs.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/app"
)

func main() {
	out := flag.String("out", "docs", "output `DIR`")
	check := flag.Bool("check", false, "compare with the files on disk instead of writing them")
	flag.Parse()
	files, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	stale := 0
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(*out, name)
		want := files[name]
		if *check {
			have, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(have, want) {
				fmt.Fprintf(os.Stderr, "docgen: %s is stale; run `make docs` and commit it\n", path)
				stale++
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			fail(err)
		}
	}
	if stale > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docgen:", err)
	os.Exit(1)
}

// generate returns every generated file by its path under the docs dir.
func generate() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, s := range canonical.Schemas() {
		files[fmt.Sprintf("schemas/%s.v%d.json", s.Type, s.Version)] = s.JSON
	}
	openapi, err := api.OpenAPI()
	if err != nil {
		return nil, err
	}
	files["openapi.json"] = openapi
	reg, err := app.Builtins()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# Connector reference\n\nGenerated from the connector specs by `make docs`; do not edit.\n")
	b.WriteString("Partners are configured under `partners:` with `name`, `kind` and `settings`; `procurehub connectors` prints the same list.\n")
	for _, s := range reg.Specs() {
		fmt.Fprintf(&b, "\n## `%s`\n\n%s\n\nFormats: %s\n\n", s.Kind, s.Summary, "`"+strings.Join(s.Formats, "`, `")+"`")
		b.WriteString("| setting | type | required | default | description |\n|---|---|---|---|---|\n")
		for _, f := range s.Fields {
			req := ""
			if f.Required {
				req = "yes"
			}
			desc := f.Description
			if f.Secret {
				desc += " **Secret**: give it as `${ENV_VAR}`."
			}
			if f.Example != "" {
				desc += " Example: `" + f.Example + "`."
			}
			def := ""
			if f.Default != "" {
				def = "`" + f.Default + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, f.Type, req, def, strings.ReplaceAll(desc, "|", `\|`))
		}
		if s.Example != "" {
			fmt.Fprintf(&b, "\nExample:\n\n```yaml\n%s\n```\n", strings.TrimRight(s.Example, "\n"))
		}
	}
	files["connectors.md"] = []byte(b.String())
	if files["topics.md"], err = topicsDoc(); err != nil {
		return nil, err
	}
	return files, nil
}
