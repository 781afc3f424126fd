package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc (USER_HZ): 100 per second on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// cpuSample is the CPU time used up to one moment: by the hub, by
// PostgreSQL, and by the whole machine. The difference of two samples says
// who used the cores in between; on a shared machine, "others" is what
// other users took from the benchmark.
type cpuSample struct {
	Hub      time.Duration // the hub process (every thread)
	Postgres time.Duration // every postgres process, with the backends that have exited
	Busy     time.Duration // the machine, all cores, not idle
	Idle     time.Duration // the machine, all cores, idle or waiting for I/O
}

// sub returns s - o, field by field.
func (s cpuSample) sub(o cpuSample) cpuSample {
	return cpuSample{Hub: s.Hub - o.Hub, Postgres: s.Postgres - o.Postgres, Busy: s.Busy - o.Busy, Idle: s.Idle - o.Idle}
}

// sampleCPU reads /proc. hubPID 0 means no hub.
func sampleCPU(hubPID int) (cpuSample, error) {
	var s cpuSample
	var err error
	if s.Busy, s.Idle, err = machineCPU("/proc/stat"); err != nil {
		return s, err
	}
	if hubPID > 0 {
		st, err := readProcStat(filepath.Join("/proc", strconv.Itoa(hubPID), "stat"))
		if err != nil {
			return s, err
		}
		s.Hub = st.self
	}
	s.Postgres, err = postgresCPU("/proc")
	return s, err
}

// procStat is what this tool reads of a /proc/<pid>/stat.
type procStat struct {
	comm     string
	self     time.Duration // utime + stime
	children time.Duration // cutime + cstime: children it has waited for
}

func readProcStat(path string) (procStat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, fmt.Errorf("cpu: %w", err)
	}
	return parseProcStat(b)
}

// parseProcStat parses one /proc/<pid>/stat line: `pid (comm) state ppid …`,
// where comm may hold spaces and parentheses; utime, stime, cutime and
// cstime are fields 14 to 17.
func parseProcStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("cpu: /proc stat: no (comm)")
	}
	f := strings.Fields(string(b[end+1:])) // f[0] is field 3 (state)
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("cpu: /proc stat: %d fields after comm, want at least 15", len(f))
	}
	var t [4]int64
	for i := range t {
		v, err := strconv.ParseInt(f[11+i], 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("cpu: /proc stat: field %d: %w", 14+i, err)
		}
		t[i] = v
	}
	return procStat{
		comm:     string(b[open+1 : end]),
		self:     time.Duration(t[0]+t[1]) * clockTick,
		children: time.Duration(t[2]+t[3]) * clockTick,
	}, nil
}

// postgresCPU adds the CPU time of every process named postgres under
// procDir, and of their children that have exited (a backend's time moves
// to the postmaster's children time when it ends, so the sum never drops).
// It counts every session of the cluster, not only the benchmark's.
func postgresCPU(procDir string) (time.Duration, error) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return 0, fmt.Errorf("cpu: %w", err)
	}
	var total time.Duration
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		st, err := readProcStat(filepath.Join(procDir, e.Name(), "stat"))
		if err != nil {
			continue // the process has ended meanwhile
		}
		if st.comm == "postgres" {
			total += st.self + st.children
		}
	}
	return total, nil
}

// machineCPU reads the first line of /proc/stat: all cores' busy time
// (user, nice, system, irq, softirq, steal) and idle time (idle, iowait).
func machineCPU(path string) (busy, idle time.Duration, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("cpu: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, fmt.Errorf("cpu: %s is empty", path)
	}
	f0 := strings.Fields(sc.Text())
	if len(f0) < 9 || f0[0] != "cpu" {
		return 0, 0, fmt.Errorf("cpu: %s: unexpected first line %q", path, sc.Text())
	}
	var v [8]int64
	for i := range v {
		if v[i], err = strconv.ParseInt(f0[1+i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("cpu: %s: %w", path, err)
		}
	}
	user, nice, system, idl, iowait, irq, softirq, steal := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	return time.Duration(user+nice+system+irq+softirq+steal) * clockTick, time.Duration(idl+iowait) * clockTick, nil
}
