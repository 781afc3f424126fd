package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseListAssignsEachTargetToThePackageAfterIt(t *testing.T) {
	out := "FuzzParseDate\nFuzzParseCodes\nok  \tgithub.com/x/canonical\t0.005s\n" +
		"ok  \tgithub.com/x/cmd/hub\t0.016s\n" +
		"?   \tgithub.com/x/internal/tools\t[no test files]\n" +
		"FuzzDecode\nok  \tgithub.com/x/camt\t0.007s\n"
	got := ParseList(out)
	want := []Target{{"github.com/x/canonical", "FuzzParseDate"}, {"github.com/x/canonical", "FuzzParseCodes"}, {"github.com/x/camt", "FuzzDecode"}}
	if !slices.Equal(got, want) {
		t.Fatalf("ParseList = %v, want %v", got, want)
	}
}

func TestParseOutcome(t *testing.T) {
	for _, tc := range []struct {
		name         string
		out          string
		exitedZero   bool
		ok           bool
		crasher, why string
	}{
		{"a run that passes is ok",
			"fuzz: elapsed: 0s, gathering baseline coverage: 0/12 completed\nfuzz: elapsed: 2s, execs: 4417 (2207/sec), new interesting: 3 (total: 15)\nPASS\nok  \tgithub.com/x/camt\t2.081s\n",
			true, true, "", ""},
		{"a new crasher is reported with its path and the test's message",
			"fuzz: minimizing 41-byte failing input file\n--- FAIL: FuzzBoom (0.02s)\n    --- FAIL: FuzzBoom (0.00s)\n        a_test.go:14: boom on \"z000\"\n    \n    Failing input written to testdata/fuzz/FuzzBoom/310637d0c4244160\n    To re-run:\n    go test -run=FuzzBoom/310637d0c4244160\nFAIL\nexit status 1\nFAIL\texample.com/fz/a\t0.024s\n",
			false, false, "testdata/fuzz/FuzzBoom/310637d0c4244160", `a_test.go:14: boom on "z000"`},
		{"a committed crasher that fails again is named by its file",
			"failure while testing seed corpus entry: FuzzDecode/582528ddfad69eb5\n--- FAIL: FuzzDecode (0.01s)\n    --- FAIL: FuzzDecode/582528ddfad69eb5 (0.00s)\n panic: runtime error: index out of range [3] with length 3\nFAIL\n",
			false, false, "testdata/fuzz/FuzzDecode/582528ddfad69eb5", "panic: runtime error: index out of range [3] with length 3"},
		{"a failing f.Add seed has no crasher file",
			"failure while testing seed corpus entry: FuzzSeedFails/seed#0\n--- FAIL: FuzzSeedFails (0.01s)\n    --- FAIL: FuzzSeedFails (0.00s)\n        b_test.go:9: seed is bad\nFAIL\n",
			false, false, "", "b_test.go:9: seed is bad"},
		{"a package that does not build fails with the compiler's words",
			"# github.com/x/camt [github.com/x/camt.test]\n./camt.go:10:2: undefined: foo\nFAIL\tgithub.com/x/camt [build failed]\n",
			false, false, "", "./camt.go:10:2: undefined: foo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, crasher, why := ParseOutcome(tc.out, tc.exitedZero)
			if ok != tc.ok || crasher != tc.crasher || why != tc.why {
				t.Errorf("ParseOutcome = %v, %q, %q; want %v, %q, %q", ok, crasher, why, tc.ok, tc.crasher, tc.why)
			}
		})
	}
}

func TestLineNamesTheCrasher(t *testing.T) {
	r := Result{Target: Target{"github.com/x/camt", "FuzzDecode"}, Elapsed: 2049 * time.Millisecond,
		Crasher: "connectors/camt/testdata/fuzz/FuzzDecode/abc"}
	if got := r.Line(); !strings.HasPrefix(got, "FAIL github.com/x/camt ") || !strings.Contains(got, "FuzzDecode") ||
		!strings.Contains(got, " 2s ") || !strings.HasSuffix(got, "crasher: connectors/camt/testdata/fuzz/FuzzDecode/abc") {
		t.Errorf("Line = %q", got)
	}
	r.OK = true
	if got := r.Line(); !strings.HasPrefix(got, "ok ") || strings.Contains(got, "crasher") {
		t.Errorf("Line of a pass = %q", got)
	}
}
