package canonical

import (
	"encoding/json"
	"testing"
)

func TestDecimalJSONKeepsScale(t *testing.T) {
	tests := []struct {
		name string
		in   string // JSON
		want string // JSON written back
	}{
		{"a string keeps its trailing zero", `"12.50"`, `"12.50"`},
		{"a JSON number is accepted and keeps its scale", `12.50`, `"12.50"`},
		{"an integer stays an integer", `"100"`, `"100"`},
		{"zero keeps three decimals", `"0.000"`, `"0.000"`},
		{"a negative amount keeps its sign", `"-0.125"`, `"-0.125"`},
		{"exponent notation is written out", `1.5e2`, `"150"`},
		{"a small exponent is written with its decimals", `"2.5E-3"`, `"0.0025"`},
		{"space around a number is ignored", ` 7.10 `, `"7.10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decimal
			if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("%s came back as %s, want %s", tt.in, out, tt.want)
			}
		})
	}
}

func TestDecimalJSONRejectsWhatIsNotADecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"a decimal comma", `"12,50"`},
		{"a word", `"twelve"`},
		{"an empty string", `""`},
		{"a boolean", `true`},
		{"an object", `{"value":"1"}`},
		{"an exponent that would print a gigabyte of zeros", `"1e999999999"`},
		{"more than 64 decimals", `"0.` + "00000000000000000000000000000000000000000000000000000000000000001" + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			var d Decimal
			err := json.Unmarshal([]byte(tt.in), &d)
			if err == nil {
				t.Fatalf("Unmarshal(%s) = %s, want an error", tt.in, d)
			}
		})
	}
	t.Run("the error carries the invalid_decimal code", func(t *testing.T) {
		_, err := ParseDecimal("12,5O")
		wantParseError(t, err, CodeInvalidDecimal, `"12,5O" is not a decimal`)
	})
}

func TestDecimalInsideARecordAcceptsNumbersAndNull(t *testing.T) {
	var l InvoiceLine
	if err := json.Unmarshal([]byte(`{"line_number":1,"quantity":3,"unit_price":"2.50","amount":null}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Quantity.String() != "3" || l.UnitPrice.String() != "2.50" || l.Amount != nil {
		t.Errorf("got quantity %s, unit price %s, amount %v", l.Quantity, l.UnitPrice, l.Amount)
	}
}

func TestMoneyRound(t *testing.T) {
	tests := []struct {
		name   string
		amount string
		cur    Currency
		want   string
	}{
		{"a half cent rounds away from zero", "0.125", "EUR", "0.13"},
		{"a negative half cent rounds away from zero", "-0.125", "EUR", "-0.13"},
		{"a short amount is padded to cents", "12.5", "EUR", "12.50"},
		{"yen have no decimals", "1234.5", "JPY", "1235"},
		{"Kuwaiti dinar keep three decimals", "1.2345", "KWD", "1.235"},
		{"an unknown currency rounds to two decimals", "1.005", "ABC", "1.01"},
		{"gold has no minor unit and is left as it is", "1.23456", "XAU", "1.23456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Money{Amount: MustDecimal(tt.amount), Currency: tt.cur}.Round()
			if got := m.Amount.String(); got != tt.want {
				t.Errorf("Round(%s %s) = %s, want %s", tt.amount, tt.cur, got, tt.want)
			}
			if m.Currency != tt.cur {
				t.Errorf("currency changed to %s", m.Currency)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		name string
		m    Money
		want string
	}{
		{"euros print with cents", Money{MustDecimal("1234.5"), "EUR"}, "1234.50 EUR"},
		{"yen print without decimals", Money{MustDecimal("1234"), "JPY"}, "1234 JPY"},
		{"dinar print with three decimals", Money{MustDecimal("1.2"), "BHD"}, "1.200 BHD"},
		{"gold prints with its own scale", Money{MustDecimal("0.5"), "XAU"}, "0.5 XAU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
