// Command fuzzall runs every fuzz target of the module for a fixed time
// each and reports, per target, the package, the target, how long it ran
// and its result (ok, or FAIL with the crasher's path under testdata/fuzz),
// then a summary line. It exits 1 when a target fails. `make fuzz` runs it:
//
//	go run ./internal/tools/fuzzall -fuzztime 30s ./...
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Target is one fuzz test of one package.
type Target struct {
	Pkg  string // import path
	Name string // FuzzXxx
}

// Result is how one target's run ended.
type Result struct {
	Target
	Elapsed time.Duration
	OK      bool
	// Crasher is the failing input's path (relative to the module root when
	// known), "" when the run failed without one (a build error, a seed
	// corpus entry that fails); Reason is the first line saying why.
	Crasher string
	Reason  string
}

func main() {
	fuzztime := flag.String("fuzztime", envOr("FUZZTIME", "30s"), "time per fuzz target (go test -fuzztime)")
	minimize := flag.String("fuzzminimizetime", "3s", "time to minimise a crasher (go test -fuzzminimizetime)")
	goBin := flag.String("go", envOr("GO", "go"), "the go command")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	findings, err := run(ctx, os.Stdout, *goBin, *fuzztime, *minimize, pkgs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fuzzall:", err)
		os.Exit(2)
	}
	if findings > 0 {
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// run lists the targets of pkgs, runs each and prints its line and the
// summary to out; it returns the number of failed targets.
func run(ctx context.Context, out io.Writer, goBin, fuzztime, minimize string, pkgs []string) (int, error) {
	list, listErr := exec.CommandContext(ctx, goBin, append([]string{"test", "-list", "^Fuzz"}, pkgs...)...).CombinedOutput()
	targets := ParseList(string(list))
	if listErr != nil {
		// A package that does not build: its targets cannot run; the
		// others still do, and the run fails at the end.
		listErr = fmt.Errorf("go test -list: %w\n%s", listErr, indent(tail(string(list), 30)))
		if len(targets) == 0 {
			return 0, listErr
		}
		fmt.Fprintln(out, "fuzz: warning:", listErr)
	}
	if len(targets) == 0 {
		return 0, errors.New("no fuzz targets found")
	}
	fmt.Fprintf(out, "fuzz: %d targets, %s each\n", len(targets), fuzztime)
	var total time.Duration
	findings := 0
	for _, t := range targets {
		cmd := exec.CommandContext(ctx, goBin, "test", "-run", "^$", "-fuzz", "^"+t.Name+"$",
			"-fuzztime", fuzztime, "-fuzzminimizetime", minimize, t.Pkg)
		start := time.Now()
		b, runErr := cmd.CombinedOutput()
		r := Result{Target: t, Elapsed: time.Since(start)}
		if ctx.Err() != nil {
			return findings, ctx.Err()
		}
		r.OK, r.Crasher, r.Reason = ParseOutcome(string(b), runErr == nil)
		if r.Crasher != "" {
			r.Crasher = filepath.Join(pkgDir(ctx, goBin, t.Pkg), r.Crasher)
		}
		total += r.Elapsed
		fmt.Fprintln(out, r.Line())
		if !r.OK {
			findings++
			fmt.Fprintf(out, "%s\n", indent(tail(string(b), 30)))
		}
	}
	fmt.Fprintf(out, "fuzz: %d targets, %s total, %d findings\n", len(targets), total.Round(100*time.Millisecond), findings)
	return findings, listErr
}

// Line is the report line of one target.
func (r Result) Line() string {
	s := fmt.Sprintf("%-4s %-64s %-24s %7s", "ok", r.Pkg, r.Name, r.Elapsed.Round(100*time.Millisecond))
	if r.OK {
		return s
	}
	s = "FAIL" + s[4:]
	if r.Crasher != "" {
		return s + "  crasher: " + r.Crasher
	}
	return s + "  " + r.Reason
}

// ParseList reads `go test -list '^Fuzz' pkgs...`: each package's test
// names come before its "ok  <import path>  <time>" line.
func ParseList(out string) []Target {
	var targets []Target
	var names []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "Fuzz"):
			names = append(names, f[0])
		case len(f) >= 2 && f[0] == "ok":
			for _, n := range names {
				targets = append(targets, Target{Pkg: f[1], Name: n})
			}
			names = nil
		}
	}
	return targets
}

var (
	crasherRE = regexp.MustCompile(`Failing input written to (\S+)`)
	// A seed corpus entry (testdata/fuzz/FuzzX/name) that fails is named
	// in the subtest's failure line.
	seedRE = regexp.MustCompile(`--- FAIL: (Fuzz\w+)/(\S+)`)
	// The test's own words: t.Error/t.Fatal's "file_test.go:12: ..." or a panic.
	failRE = regexp.MustCompile(`(?m)^\s*([\w./-]+\.go:\d+(?::\d+)?: .*|panic: .*)$`)
)

// ParseOutcome reads one `go test -fuzz` run's output and whether it
// exited 0: ok, or the crasher's path relative to the package directory
// (testdata/fuzz/FuzzX/<hash>) and the first line that says what failed.
func ParseOutcome(out string, exitedZero bool) (ok bool, crasher, reason string) {
	if exitedZero && !strings.Contains(out, "\nFAIL") && !strings.HasPrefix(out, "FAIL") {
		return true, "", ""
	}
	if m := crasherRE.FindStringSubmatch(out); m != nil {
		crasher = m[1]
	} else if m := seedRE.FindStringSubmatch(out); m != nil && !strings.HasPrefix(m[2], "seed#") {
		crasher = filepath.Join("testdata", "fuzz", m[1], m[2])
	}
	if m := failRE.FindString(out); m != "" {
		return false, crasher, strings.TrimSpace(m)
	}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "fuzz: elapsed") || strings.HasPrefix(l, "warning:") ||
			strings.HasPrefix(l, "--- FAIL") || l == "FAIL" || strings.HasPrefix(l, "exit status") {
			continue
		}
		reason = l
		break
	}
	if reason == "" {
		reason = "failed without output"
	}
	return false, crasher, reason
}

func pkgDir(ctx context.Context, goBin, pkg string) string {
	b, err := exec.CommandContext(ctx, goBin, "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return ""
	}
	dir := strings.TrimSpace(string(b))
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return dir
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
