package canonical

import (
	"fmt"
	"strconv"
	"time"
)

// Date is a calendar date without a time zone, encoded as "YYYY-MM-DD".
// The zero Date means "not given" and is left out of JSON.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate builds a Date; it does not normalize (use ParseDate for checked input).
func NewDate(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYY-MM-DD" and rejects impossible dates such as
// 2026-02-30. The error is a *ParseError with code invalid_date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, parseError(CodeInvalidDate, "%s is not a date (YYYY-MM-DD)", clip(s))
	}
	if t.Year() < 1 {
		return Date{}, parseError(CodeInvalidDate, "%s is not a date: there is no year 0", clip(s))
	}
	return DateOf(t), nil
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar date between the years 1 and
// 9999 (NewDate(2026, 2, 30) is not). The zero Date is not valid; callers
// that treat it as "not given" check IsZero first.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return DateOf(d.Time()) == d
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String prints "YYYY-MM-DD", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return parseError(CodeInvalidDate, "%s is not a date string (\"YYYY-MM-DD\")", clip(string(b)))
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
