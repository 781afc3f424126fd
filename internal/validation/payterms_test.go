package validation

import (
	"testing"
)

func TestPaymentTermsAreReadAsContractsWriteThem(t *testing.T) {
	tests := []struct {
		in         string
		method     PaymentMethod
		days       int
		prepayment string
	}{
		{"NET 30", MethodOpenAccount, 30, "0"},
		{"net30", MethodOpenAccount, 30, "0"},
		{"30 days net", MethodOpenAccount, 30, "0"},
		{"60 days", MethodOpenAccount, 60, "0"},
		{"T/T 30% deposit 70% against B/L copy", MethodTT, 0, "30"},
		{"TT 50% advance, balance before shipment", MethodTT, 0, "50"},
		{"100% T/T in advance", MethodTT, 0, "100"},
		{"T/T 30 days after B/L date", MethodTT, 30, "0"},
		{"L/C at sight", MethodLC, 0, "0"},
		{"L/C 90 days", MethodLC, 90, "0"},
		{"irrevocable letter of credit at sight", MethodLC, 0, "0"},
		{"D/P", MethodDP, 0, "0"},
		{"D/A 60 days", MethodDA, 60, "0"},
		{"CAD", MethodCAD, 0, "0"},
		{"cash against documents", MethodCAD, 0, "0"},
		{"open account 60 days", MethodOpenAccount, 60, "0"},
		{"Open Account", MethodOpenAccount, 0, "0"},
		// As German, French, Spanish and Chinese ERPs write them.
		{"60 Tage netto", MethodOpenAccount, 60, "0"},
		{"14 Tage 2 % Skonto, 30 Tage netto", MethodOpenAccount, 30, "0"},
		{"30 % Anzahlung, 70 % gegen B/L-Kopie", MethodTT, 0, "30"},
		{"Zahlbar innerhalb 45 Tagen netto", MethodOpenAccount, 45, "0"},
		{"100 % Vorkasse", MethodTT, 0, "100"},
		{"Akkreditiv bei Sicht", MethodLC, 0, "0"},
		{"30 jours net", MethodOpenAccount, 30, "0"},
		{"crédit documentaire à vue", MethodLC, 0, "0"},
		{"acompte 30 % par virement", MethodTT, 0, "30"},
		{"60 días neto", MethodOpenAccount, 60, "0"},
		{"carta de crédito a la vista", MethodLC, 0, "0"},
		{"30%定金，70%见提单复印件电汇", MethodTT, 0, "30"},
		{"即期信用证", MethodLC, 0, "0"},
		{"月结60天", MethodOpenAccount, 60, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePaymentTerms(tt.in)
			if err != nil {
				t.Fatalf("ParsePaymentTerms(%q): %v", tt.in, err)
			}
			if got.Method != tt.method || got.Days != tt.days || got.PrepaymentPercent.String() != tt.prepayment {
				t.Errorf("ParsePaymentTerms(%q) = %s (method %s, days %d, prepaid %s), want %s %d %s",
					tt.in, got, got.Method, got.Days, got.PrepaymentPercent, tt.method, tt.days, tt.prepayment)
			}
		})
	}
}

func TestUnreadablePaymentTermsAreAnErrorNotAGuess(t *testing.T) {
	for _, in := range []string{"", "   ", "whenever convenient", "NET", "barter 3 goats", "T/T 150% deposit"} {
		if got, err := ParsePaymentTerms(in); err == nil {
			t.Errorf("ParsePaymentTerms(%q) = %s, want an error", in, got)
		}
	}
}

func FuzzParsePaymentTerms(f *testing.F) {
	for _, s := range []string{"NET 30", "T/T 30% deposit 70% against B/L copy", "L/C at sight", "D/P", "CAD", "open account 60 days", "99999 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePaymentTerms(s)
		if err != nil {
			return
		}
		if !got.Method.Valid() || got.Days < 0 || got.PrepaymentPercent.IsNegative() || got.PrepaymentPercent.GreaterThan(hundred) {
			t.Errorf("ParsePaymentTerms(%q) = %+v", s, got)
		}
	})
}
