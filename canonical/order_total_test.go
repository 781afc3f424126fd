package canonical

import "testing"

func TestAnOrdersTotalIsItsTotalAmountElseTheSumOfItsLines(t *testing.T) {
	lines := []OrderLine{
		{LineNumber: 1, Quantity: MustDecimal("3"), UnitPrice: MustDecimal("2.50")},                          // 7.50
		{LineNumber: 2, Quantity: MustDecimal("1"), UnitPrice: MustDecimal("9.99"), Amount: ptrDec("10.00")}, // its amount
	}
	if got := (&Order{Lines: lines}).Total(); got.String() != "17.50" {
		t.Errorf("from the lines: %s; want 17.50", got)
	}
	if got := (&Order{Lines: lines, TotalAmount: ptrDec("20.00")}).Total(); got.String() != "20.00" {
		t.Errorf("with total_amount: %s; want 20.00", got)
	}
	if got := (&Order{}).Total(); !got.IsZero() {
		t.Errorf("no lines: %s; want 0", got)
	}
}

func ptrDec(s string) *Decimal { d := MustDecimal(s); return &d }
