package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// sample is one series of the Prometheus text format: `name{labels} value`.
type sample struct {
	Name   string // metric name
	Series string // name with its labels, as written
	Value  float64
}

type samples []sample

// parseMetrics reads the Prometheus text exposition format; comments and
// blank lines are skipped, a malformed sample line is an error.
func parseMetrics(r io.Reader) (samples, error) {
	var out samples
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		var s sample
		rest := ""
		if i := strings.LastIndexByte(line, '}'); i >= 0 && strings.IndexByte(line, '{') >= 0 {
			s.Series, rest = line[:i+1], line[i+1:]
			s.Name = line[:strings.IndexByte(line, '{')]
		} else {
			s.Name, rest, _ = strings.Cut(line, " ")
			s.Series = s.Name
		}
		fields := strings.Fields(rest) // value [timestamp]
		if s.Name == "" || len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("metrics line %d: not a sample: %q", n, line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: value: %w", n, err)
		}
		s.Value = v
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return out, nil
}

// sum adds the values of every series of metric name (0 when it has none,
// as a counter vector that was never incremented has none).
func (ss samples) sum(name string) float64 {
	var t float64
	for _, s := range ss {
		if s.Name == name {
			t += s.Value
		}
	}
	return t
}

// named returns the series of the given metrics, in exposition order.
func (ss samples) named(names ...string) samples {
	var out samples
	for _, s := range ss {
		for _, n := range names {
			if s.Name == n {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
