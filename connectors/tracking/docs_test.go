package tracking_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/tracking"
)

const docPath = "../../docs/tracking-statuses.md"

// profileTable is the generated status table of one built-in profile.
func profileTable(p *tracking.Profile) string {
	var b strings.Builder
	b.WriteString("\n| carrier code | normalized status |\n|---|---|\n")
	for _, m := range p.Mappings() {
		code := "`" + m.Code + "`"
		if m.Prefix {
			code = "`" + m.Code + "…` (prefix)"
		}
		fmt.Fprintf(&b, "| %s | `%s` |\n", code, m.Status)
	}
	b.WriteString("\n")
	return b.String()
}

var generated = regexp.MustCompile(`(?s)<!-- BEGIN GENERATED: ([a-z0-9_]+) -->\n(.*?)<!-- END GENERATED: ([a-z0-9_]+) -->\n`)

// TestDocTablesMatchTheProfiles fails when a status table in
// docs/tracking-statuses.md disagrees with the embedded profile it shows;
// `go test -update` rewrites the tables (review the diff).
func TestDocTablesMatchTheProfiles(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	update := flag.Lookup("update") != nil && flag.Lookup("update").Value.String() == "true"
	want := map[string]string{}
	for _, name := range tracking.BuiltinNames() {
		p, err := tracking.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		want[name] = profileTable(p)
	}
	seen := map[string]bool{}
	out := generated.ReplaceAllStringFunc(doc, func(block string) string {
		m := generated.FindStringSubmatch(block)
		name, body := m[1], m[2]
		if m[3] != name {
			t.Errorf("generated block %s ends as %s", name, m[3])
		}
		seen[name] = true
		w, ok := want[name]
		if !ok {
			t.Errorf("the doc has a table for %q, which is no built-in profile", name)
			return block
		}
		if body != w && !update {
			t.Errorf("the doc's table for %s disagrees with profiles/%s.yaml (run go test -update):\n%s", name, name, firstDiff(w, body))
		}
		return "<!-- BEGIN GENERATED: " + name + " -->\n" + w + "<!-- END GENERATED: " + name + " -->\n"
	})
	for name := range want {
		if !seen[name] {
			t.Errorf("the doc has no table for profile %s: add <!-- BEGIN GENERATED: %s --> and <!-- END GENERATED: %s --> lines", name, name, name)
		}
	}
	if update && out != doc {
		if err := os.WriteFile(docPath, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDocExplainsEveryStatus: the doc's table of the normalized set
// names every status, with a meaning.
func TestDocExplainsEveryStatus(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range canonical.TrackingStatuses() {
		re := regexp.MustCompile("(?m)^\\| `" + string(s) + "` \\| [^|]*[a-z][^|]* \\| [0-9]+ \\|$")
		if !re.Match(b) {
			t.Errorf("the doc's table of statuses has no row `| `%s` | meaning | %d |`", s, tracking.Rank(s))
			continue
		}
		row := re.Find(b)
		if !strings.HasSuffix(string(row), fmt.Sprintf("| %d |", tracking.Rank(s))) {
			t.Errorf("row %q: rank is not Rank(%s) = %d", row, s, tracking.Rank(s))
		}
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %s\n   got %s", i+1, wl, gl)
		}
	}
	return ""
}
