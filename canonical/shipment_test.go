package canonical

import "testing"

func TestSSCC(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"an SSCC with a right check digit is valid", "340123450000000017", true},
		{"an SSCC starting with extension digit 0 is valid", "069012340000000016", true},
		{"a wrong check digit is refused", "340123450000000018", false},
		{"two swapped digits are caught", "340123450000000107", false},
		{"seventeen digits are refused", "34012345000000001", false},
		{"the GS1-128 application identifier 00 is not part of the SSCC", "00340123450000000017", false},
		{"letters are refused", "34012345000000001X", false},
		{"an all-zero placeholder is refused", "000000000000000000", false},
		{"spaces are not part of a stored SSCC", " 340123450000000017", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidSSCC(tt.in); got != tt.valid {
				t.Errorf("ValidSSCC(%q) = %v, want %v", tt.in, got, tt.valid)
			}
		})
	}
	t.Run("ParseSSCC trims and says which check digit was expected", func(t *testing.T) {
		if s, err := ParseSSCC(" 340123450000000017 "); err != nil || s != "340123450000000017" {
			t.Errorf("ParseSSCC = %q, %v", s, err)
		}
		_, err := ParseSSCC("340123450000000018")
		wantParseError(t, err, CodeInvalidSSCC, "check digit 8, want 7")
	})
}
