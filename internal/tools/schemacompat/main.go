// Command schemacompat fails when a canonical topic's JSON Schema changes in
// a way that breaks its consumers (see Compare for what breaks). Within
// procurehub.<entity>.v1 a payload may only gain optional properties and
// enum values; anything else needs a new version (.v2, a new topic).
//
// It compares the schemas the code generates (canonical.Schemas, what
// `make docs` writes to docs/schemas/) with a reviewed baseline:
//
//   - by default the committed copies in docs/schemas/baseline/. CI runs on
//     a fresh clone, where comparing with the clone's own HEAD would find
//     nothing, so the baseline lives in the repository and changes only
//     through review;
//   - with -base REF, the docs/schemas/ files of that git ref instead
//     (`-base origin/main` on a branch).
//
// `go run ./internal/tools/schemacompat -write-baseline` copies the current
// schemas into the baseline, recording additions once they are reviewed.
// It refuses while there are breaks: a break is a new version, not a new
// baseline. Deleting a baseline file by hand is the deliberate way around.
//
// Exit status: 0 compatible, 1 breaking changes (each printed with its JSON
// pointer), 2 the check could not run.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/procurehub/procurehub/canonical"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemacompat:", err)
	}
	os.Exit(code)
}

// errNoBaseline marks a schema that has no baseline yet.
var errNoBaseline = errors.New("no baseline")

func run(args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("schemacompat", flag.ContinueOnError)
	dir := fs.String("baseline", "docs/schemas/baseline", "the baseline `DIR` of reviewed schemas")
	ref := fs.String("base", "", "compare with docs/schemas/ at this git `REF` instead of the baseline dir")
	write := fs.Bool("write-baseline", false, "copy the current schemas into the baseline dir (refused while there are breaks)")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	baseline := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(*dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, errNoBaseline
		}
		return b, err
	}
	if *ref != "" {
		baseline = func(name string) ([]byte, error) { return gitShow(*ref, "docs/schemas/"+name) }
	}

	var breaks, added, missing int
	for _, s := range canonical.Schemas() {
		name := fmt.Sprintf("%s.v%d.json", s.Type, s.Version)
		base, err := baseline(name)
		if errors.Is(err, errNoBaseline) {
			missing++
			fmt.Fprintf(out, "%s: no baseline yet\n", name)
			continue
		}
		if err != nil {
			return 2, fmt.Errorf("%s: %w", name, err)
		}
		bs, adds, err := Compare(base, s.JSON)
		if err != nil {
			return 2, fmt.Errorf("%s: %w", name, err)
		}
		for _, b := range bs {
			fmt.Fprintf(out, "%s#%s\n", name, b)
		}
		for _, a := range adds {
			fmt.Fprintf(out, "%s#%s: added (compatible)\n", name, a)
		}
		breaks += len(bs)
		added += len(adds)
	}

	switch {
	case breaks > 0:
		fmt.Fprintf(out, "%d breaking changes: keep the .v1 schemas compatible, or publish a new version (.v2) on a new topic\n", breaks)
		return 1, nil
	case *write:
		if err := writeBaseline(*dir); err != nil {
			return 2, err
		}
		fmt.Fprintf(out, "baseline written to %s; review and commit it\n", *dir)
		return 0, nil
	case missing > 0 && *ref == "":
		// Without a baseline a schema is not protected; make that a failure
		// so that a new record type gets one in the change that adds it.
		fmt.Fprintf(out, "%d schemas without a baseline: run `go run ./internal/tools/schemacompat -write-baseline` and commit %s\n", missing, *dir)
		return 1, nil
	case added > 0:
		fmt.Fprintf(out, "compatible; %d additions are not in the baseline yet (-write-baseline after review)\n", added)
	default:
		fmt.Fprintln(out, "compatible")
	}
	return 0, nil
}

// writeBaseline replaces the baseline files with the current schemas.
func writeBaseline(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range canonical.Schemas() {
		name := fmt.Sprintf("%s.v%d.json", s.Type, s.Version)
		if err := os.WriteFile(filepath.Join(dir, name), s.JSON, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// gitShow returns a file as it is at ref; a file the ref does not have is
// errNoBaseline (a schema added since).
func gitShow(ref, path string) ([]byte, error) {
	if err := exec.Command("git", "rev-parse", "--verify", "--quiet", ref+"^{commit}").Run(); err != nil {
		return nil, fmt.Errorf("git ref %q is not available: %w", ref, err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", "show", ref+":"+path)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		if exec.Command("git", "cat-file", "-e", ref+":"+path).Run() != nil {
			return nil, errNoBaseline
		}
		return nil, fmt.Errorf("git show %s:%s: %w: %s", ref, path, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return b, nil
}
