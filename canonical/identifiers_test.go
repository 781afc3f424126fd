package canonical

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestGTIN(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"a GTIN-13 (EAN-13) with a right check digit is valid", "4006381333931", true},
		{"a GTIN-12 (UPC-A) is valid", "036000291452", true},
		{"a GTIN-8 (EAN-8) is valid", "96385074", true},
		{"a GTIN-14 is valid", "10012345678902", true},
		{"a wrong check digit is refused", "4006381333932", false},
		{"two swapped digits are caught", "4003681333931", false},
		{"eleven digits are refused", "40063813339", false},
		{"letters are refused", "400638133393A", false},
		{"an all-zero placeholder is refused", "0000000000000", false},
		{"spaces are not part of a stored GTIN", " 4006381333931", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidGTIN(tt.in); got != tt.valid {
				t.Errorf("ValidGTIN(%q) = %v, want %v", tt.in, got, tt.valid)
			}
		})
	}
	t.Run("ParseGTIN trims and says which check digit was expected", func(t *testing.T) {
		if g, err := ParseGTIN(" 4006381333931 "); err != nil || g != "4006381333931" {
			t.Errorf("ParseGTIN = %q, %v", g, err)
		}
		_, err := ParseGTIN("4006381333932")
		wantParseError(t, err, CodeInvalidGTIN, "check digit 2, want 1")
	})
}

func TestIBAN(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"a German IBAN is valid", "DE89370400440532013000", true},
		{"a British IBAN with letters is valid", "GB82WEST12345698765432", true},
		{"a French IBAN with a letter in the account is valid", "FR1420041010050500013M02606", true},
		{"the shortest (Norway, 15) is valid", "NO9386011117947", true},
		{"a Kosovo IBAN is valid", "XK051212012345678906", true},
		{"a wrong check digit is refused", "DE88370400440532013000", false},
		{"a changed account digit is refused", "DE89370400440532013001", false},
		{"the print format with spaces is not a stored IBAN", "DE89 3704 0044 0532 0130 00", false},
		{"lower case is not a stored IBAN", "de89370400440532013000", false},
		{"an unknown country is refused", "ZZ89370400440532013000", false},
		{"too short is refused", "DE8937040044", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidIBAN(tt.in); got != tt.valid {
				t.Errorf("ValidIBAN(%q) = %v, want %v", tt.in, got, tt.valid)
			}
		})
	}
	t.Run("ParseIBAN turns the print format into the electronic format", func(t *testing.T) {
		got, err := ParseIBAN(" de89 3704 0044 0532 0130 00 ")
		if err != nil || got != "DE89370400440532013000" {
			t.Errorf("ParseIBAN = %q, %v", got, err)
		}
	})
	t.Run("ParseIBAN errors show the IBAN masked, never in full", func(t *testing.T) {
		_, err := ParseIBAN("DE88370400440532013000")
		wantParseError(t, err, CodeInvalidIBAN, "DE88********3000", "mod-97")
		if strings.Contains(err.Error(), "0532013") {
			t.Errorf("error leaks the account number: %v", err)
		}
	})
}

func TestBIC(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"an eight-character BIC is valid", "DEUTDEFF", true},
		{"an eleven-character BIC with a branch is valid", "COBADEFFXXX", true},
		{"digits in the location are valid", "NWBKGB2L", true},
		{"nine characters are refused", "DEUTDEFF5", false},
		{"an unknown country is refused", "DEUTZZFF", false},
		{"digits in the institution are refused", "DEU1DEFF", false},
		{"lower case is not a stored BIC", "deutdeff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidBIC(tt.in); got != tt.valid {
				t.Errorf("ValidBIC(%q) = %v, want %v", tt.in, got, tt.valid)
			}
		})
	}
	t.Run("ParseBIC upper-cases", func(t *testing.T) {
		if b, err := ParseBIC(" deutdeff "); err != nil || b != "DEUTDEFF" {
			t.Errorf("ParseBIC = %q, %v", b, err)
		}
	})
}

func TestMasks(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"an IBAN keeps country, check digits and last four", MaskIBAN("DE89370400440532013000"), "DE89********3000"},
		{"the print format masks the same way", MaskIBAN("DE89 3704 0044 0532 0130 00"), "DE89********3000"},
		{"a long IBAN has the same eight stars", MaskIBAN("MT84MALT011000012345MTLCAST001S"), "MT84********001S"},
		{"something too short to mask partly is all stars", MaskIBAN("DE8937"), "********"},
		{"an account number keeps its last four", MaskAccount("0532013000"), "****3000"},
		{"a short account number is all stars", MaskAccount("12345"), "********"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestAccountsLogMasked(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("statement",
		"account", BankAccount{IBAN: "DE89370400440532013000", Number: "0532013000", BIC: "COBADEFFXXX", Currency: "EUR"},
		"counterparty", Counterparty{Name: "Jane Doe", IBAN: "GB82WEST12345698765432", Account: "98765432"})
	out := buf.String()
	for _, secret := range []string{"370400440532013000", "0532013000", "12345698765432", "Jane Doe"} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q: %s", secret, out)
		}
	}
	for _, shown := range []string{"DE89********3000", "****3000", "COBADEFFXXX", "GB82********5432"} {
		if !strings.Contains(out, shown) {
			t.Errorf("log should show %q: %s", shown, out)
		}
	}
}
