package infer

import (
	"strconv"
	"strings"
	"time"
)

// tformat is one way a carrier writes times, in the profile's time_format
// notation (name): rfc3339, unix, unix_ms or a Go layout.
type tformat struct {
	name    string
	layouts []string // what time.Parse tries; empty for epochs
	zoned   bool     // the value carries its offset
	epoch   bool
}

func (f tformat) describe() string {
	switch {
	case f.name == "rfc3339" && f.zoned:
		return "RFC 3339 times"
	case f.name == "rfc3339":
		return "RFC 3339 times without an offset"
	case f.name == "unix":
		return "epoch seconds"
	case f.name == "unix_ms":
		return "epoch milliseconds"
	case f.zoned:
		return "times of layout " + strconv.Quote(f.name)
	}
	return "times of layout " + strconv.Quote(f.name) + " without an offset"
}

// timeFormats are tried in this order; a column takes the first that reads
// all its values. The rfc3339 layouts are those the tracking decoder reads.
var timeFormats = []tformat{
	{name: "rfc3339", zoned: true, layouts: []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700"}},
	{name: "rfc3339", layouts: []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}},
	{name: "2006-01-02 15:04:05 -0700", zoned: true},
	{name: "2006-01-02 15:04:05 Z07:00", zoned: true},
	{name: time.RFC1123Z, zoned: true},
	{name: time.RFC1123, zoned: true},
	{name: "2006-01-02 15:04:05"},
	{name: "2006-01-02 15:04"},
	{name: "2006/01/02 15:04:05"},
	{name: "2006/01/02 15:04"},
	{name: "02.01.2006 15:04:05"},
	{name: "02.01.2006 15:04"},
	{name: "02/01/2006 15:04:05"},
	{name: "01/02/2006 15:04:05"},
	{name: "02/01/2006 15:04"},
	{name: "01/02/2006 15:04"},
	{name: "01/02/2006 3:04 PM"},
	{name: "02-01-2006 15:04:05"},
	{name: "02-01-2006 15:04"},
	{name: "Jan 2, 2006 3:04 PM"},
	{name: "Jan 2, 2006 15:04"},
	{name: "2 Jan 2006 15:04"},
	{name: "20060102150405"},
	{name: "2006-01-02"},
	{name: "02.01.2006"},
	{name: "unix", epoch: true},
	{name: "unix_ms", epoch: true},
}

func (f tformat) reads(s string) bool {
	if f.epoch {
		return epochOf(s) == f.name
	}
	layouts := f.layouts
	if layouts == nil {
		layouts = []string{f.name}
	}
	for _, l := range layouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// epochOf says whether s is a whole number of seconds ("unix") or
// milliseconds ("unix_ms") between 2000 and 2100, or neither ("").
func epochOf(s string) string {
	if len(s) < 9 || len(s) > 13 || strings.TrimLeft(s, "0123456789") != "" {
		return ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return ""
	}
	const lo, hi = 946684800, 4102444800 // 2000-01-01, 2100-01-01
	switch {
	case n >= lo && n < hi:
		return "unix"
	case n >= lo*1000 && n < hi*1000:
		return "unix_ms"
	}
	return ""
}

// timeFormatOf returns the first format that reads s.
func timeFormatOf(s string) (tformat, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 8 || len(s) > 64 {
		return tformat{}, false
	}
	for _, f := range timeFormats {
		if f.reads(s) {
			return f, true
		}
	}
	return tformat{}, false
}

// timeFormatOfColumn returns the first format that reads every value of
// the column, else the one that reads most, with the share it reads.
func timeFormatOfColumn(c *column) (tformat, float64) {
	if len(c.values) == 0 {
		return tformat{}, 0
	}
	var best tformat
	bestN := 0
	for _, f := range timeFormats {
		n := 0
		for _, v := range c.values {
			if len(v) <= 64 && f.reads(v) {
				n++
			}
		}
		if n == len(c.values) {
			return f, 1
		}
		if n > bestN {
			best, bestN = f, n
		}
	}
	return best, float64(bestN) / float64(len(c.values))
}

// isTimeLike reports whether a value at path looks like a time: a time
// string, or an epoch number under a time-like key.
func isTimeLike(p jpath, v any) bool {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case interface{ String() string }:
		s = x.String()
	default:
		return false
	}
	f, ok := timeFormatOf(s)
	if !ok {
		return false
	}
	if f.epoch {
		return nameScore(FieldOccurredAt, p) > 0
	}
	return true
}
