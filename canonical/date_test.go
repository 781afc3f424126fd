package canonical

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Date
		ok   bool
	}{
		{"an ordinary date is read", "2026-03-02", NewDate(2026, time.March, 2), true},
		{"29 February of a leap year is read", "2024-02-29", NewDate(2024, time.February, 29), true},
		{"30 February is refused", "2026-02-30", Date{}, false},
		{"29 February of a common year is refused", "2025-02-29", Date{}, false},
		{"month 13 is refused", "2026-13-01", Date{}, false},
		{"single-digit month and day are refused", "2026-3-2", Date{}, false},
		{"a day-first date is refused", "02.03.2026", Date{}, false},
		{"a timestamp is refused", "2026-03-02T00:00:00Z", Date{}, false},
		{"year zero is refused", "0000-01-01", Date{}, false},
		{"an empty string is refused", "", Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if !tt.ok {
				wantParseError(t, err, CodeInvalidDate)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestDateValid(t *testing.T) {
	tests := []struct {
		name string
		d    Date
		want bool
	}{
		{"a real date is valid", NewDate(2026, time.March, 2), true},
		{"a date built as 30 February is not", NewDate(2026, time.February, 30), false},
		{"month zero is not", NewDate(2026, 0, 1), false},
		{"the zero date is not", Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Valid(); got != tt.want {
				t.Errorf("%+v.Valid() = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestDateJSON(t *testing.T) {
	t.Run("a date is written as YYYY-MM-DD and read back", func(t *testing.T) {
		b, err := json.Marshal(NewDate(2026, time.April, 5))
		if err != nil || string(b) != `"2026-04-05"` {
			t.Fatalf("Marshal = %s, %v", b, err)
		}
		var d Date
		if err := json.Unmarshal(b, &d); err != nil || d != NewDate(2026, time.April, 5) {
			t.Errorf("Unmarshal = %v, %v", d, err)
		}
	})
	t.Run("null reads as the zero date", func(t *testing.T) {
		d := NewDate(2026, 1, 1)
		if err := json.Unmarshal([]byte(`null`), &d); err != nil || !d.IsZero() {
			t.Errorf("got %v, %v", d, err)
		}
	})
	t.Run("an impossible date in JSON is an error", func(t *testing.T) {
		var d Date
		if err := json.Unmarshal([]byte(`"2026-02-30"`), &d); err == nil {
			t.Errorf("got %v, want an error", d)
		}
	})
	t.Run("a number is not a date", func(t *testing.T) {
		var d Date
		wantParseError(t, json.Unmarshal([]byte(`20260302`), &d), CodeInvalidDate)
	})
}
