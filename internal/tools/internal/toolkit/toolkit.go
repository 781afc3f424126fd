// Package toolkit holds what the measuring tools under internal/tools share
// to drive a hub from outside: reading its /metrics, picking a free port,
// pointing it at a PostgreSQL schema of its own.
package toolkit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Sample is one series of the Prometheus text format: `name{labels} value`.
type Sample struct {
	Name   string // metric name
	Series string // name with its labels, as written
	Value  float64
}

// Samples are a scrape's series in exposition order.
type Samples []Sample

// ParseMetrics reads the Prometheus text exposition format; comments and
// blank lines are skipped, a malformed sample line is an error naming it.
func ParseMetrics(r io.Reader) (Samples, error) {
	var out Samples
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		var s Sample
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

// Sum adds the series of metric name whose labels contain every one of
// labels (`result="error"`); 0 when there is none, as a counter vector
// that was never incremented has none.
func (ss Samples) Sum(name string, labels ...string) float64 {
	var t float64
next:
	for _, s := range ss {
		if s.Name != name {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(s.Series, l) {
				continue next
			}
		}
		t += s.Value
	}
	return t
}

// Named returns the series of the given metrics, in exposition order.
func (ss Samples) Named(names ...string) Samples {
	var out Samples
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

// FreeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// WithSearchPath adds search_path=schema to a postgres:// URL or a
// keyword/value DSN. Its errors never show the DSN: it may hold a password.
func WithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("postgres: the DSN is not a valid URL (not shown: it may hold a password)")
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " search_path=" + schema, nil
}
