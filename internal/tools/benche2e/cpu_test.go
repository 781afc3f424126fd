package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name                   string
		file                   string
		wantComm               string
		wantSelf, wantChildren time.Duration
		wantErr                bool
	}{
		{"a postmaster's own time and its exited backends' time are apart", "proc-stat-postmaster.txt",
			"postgres", 405 * clockTick, 8018 * clockTick, false},
		{"a name with spaces and parentheses does not shift the fields", "proc-stat-comm-with-spaces.txt",
			"hub (worker) 1", 1750 * clockTick, 0, false},
		{"a line cut short is an error", "proc-stat-truncated.txt", "", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readProcStat(filepath.Join("testdata", tt.file))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got.comm != tt.wantComm || got.self != tt.wantSelf || got.children != tt.wantChildren {
				t.Errorf("got %+v, want comm %q self %s children %s", got, tt.wantComm, tt.wantSelf, tt.wantChildren)
			}
		})
	}
}

func TestPostgresCPUAddsEveryPostgresProcessWithItsExitedChildren(t *testing.T) {
	// testdata/proc: a postmaster (812: 405 ticks, 8018 of exited
	// children), a backend (913: 300 ticks), a hub (4242) and a directory
	// that is not a process.
	got, err := postgresCPU(filepath.Join("testdata", "proc"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (405 + 8018 + 300) * clockTick; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMachineCPUSplitsBusyFromIdle(t *testing.T) {
	busy, idle, err := machineCPU(filepath.Join("testdata", "stat-machine.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// user+nice+system+irq+softirq+steal, and idle+iowait, of the "cpu" line.
	if want := (277670 + 10 + 52822 + 0 + 2567 + 83) * clockTick; busy != want {
		t.Errorf("busy %s, want %s", busy, want)
	}
	if want := (309926 + 1436) * clockTick; idle != want {
		t.Errorf("idle %s, want %s", idle, want)
	}
}

func TestSampleCPUOfThisProcessGrowsWithWork(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc here")
	}
	before, err := sampleCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the kernel has charged this process a few ticks; the
	// machine's busy time must have grown too (the two are sampled by
	// different counters, so only roughly alike).
	for {
		now, err := sampleCPU(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if d := now.sub(before); d.Hub >= 5*clockTick {
			if d.Busy <= 0 {
				t.Errorf("this process used %s but the machine's busy time did not grow", d.Hub)
			}
			return
		}
	}
}
