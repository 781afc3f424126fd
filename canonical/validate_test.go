package canonical

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// problem is the part of a FieldError a test pins: where and which code.
type problem struct{ path, code string }

// validationCase mutates a valid sample and lists the problems Validate must
// report, no more and no fewer.
type validationCase[T any] struct {
	name   string
	mutate func(*T)
	want   []problem
}

func runValidation[T any](t *testing.T, sample string, validate func(*T) error, cases []validationCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := load[T](t, sample)
			tc.mutate(v)
			assertProblems(t, validate(v), tc.want)
		})
	}
}

func assertProblems(t *testing.T, err error, want []problem) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("want no problems, got %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	var got []problem
	for _, p := range ve.Problems {
		got = append(got, problem{p.Path, p.Code})
		if p.Message == "" {
			t.Errorf("%s (%s) has no message", p.Path, p.Code)
		}
	}
	sortProblems := func(ps []problem) {
		slices.SortFunc(ps, func(a, b problem) int { return strings.Compare(a.path+" "+a.code, b.path+" "+b.code) })
	}
	sortProblems(got)
	want = slices.Clone(want)
	sortProblems(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems differ\n got: %v\nwant: %v\nerror: %v", got, want, err)
	}
}

func dec(s string) *Decimal { d := MustDecimal(s); return &d }

func TestOrderValidate(t *testing.T) {
	runValidation(t, "order.json", (*Order).Validate, []validationCase[Order]{
		{name: "the sample order is valid", mutate: func(o *Order) {}},
		{name: "order number, buyer id, currency and lines are required", mutate: func(o *Order) {
			o.OrderNumber, o.Buyer.ID, o.Currency, o.Lines, o.TotalAmount = " ", "", "", nil, nil
		}, want: []problem{{"order_number", CodeRequired}, {"buyer.id", CodeRequired}, {"currency", CodeRequired}, {"lines", CodeRequired}}},
		{name: "codes are checked wherever they appear", mutate: func(o *Order) {
			o.Currency = "EURO"
			o.Incoterm = "DAT"
			o.Buyer.Country = "UK"
			o.ShipTo.Country = "DEU"
			o.Lines[0].Unit = "pcs"
			o.Lines[0].HSCode = "8544.42"
			o.Lines[0].OriginCountry = "ZZ"
			o.Lines[0].GTIN = "4006381333932"
		}, want: []problem{
			{"currency", CodeInvalidCurrency}, {"incoterm", CodeInvalidIncoterm}, {"buyer.country", CodeInvalidCountry},
			{"ship_to.country", CodeInvalidCountry}, {"lines[0].unit", CodeInvalidUnit}, {"lines[0].hs_code", CodeInvalidHSCode},
			{"lines[0].origin_country", CodeInvalidCountry}, {"lines[0].gtin", CodeInvalidGTIN},
		}},
		{name: "codes in the wrong case are reported with their canonical form", mutate: func(o *Order) {
			o.Currency = "eur"
			o.Lines[0].Unit = "PCE"
		}, want: []problem{{"currency", CodeInvalidCurrency}, {"lines[0].unit", CodeInvalidUnit}}},
		{name: "XXX is not the currency of an order", mutate: func(o *Order) { o.Currency = "XXX" },
			want: []problem{{"currency", CodePlaceholder}}},
		{name: "line numbers are positive and unique", mutate: func(o *Order) {
			o.Lines = append(o.Lines, o.Lines[0])
			o.Lines[1].LineNumber = 0
			o.TotalAmount = nil
		}, want: []problem{{"lines[1].line_number", CodeNotPositive}, {"lines[2].line_number", CodeDuplicate}}},
		{name: "quantity must be above zero and unit price not negative", mutate: func(o *Order) {
			o.Lines[0].Quantity = MustDecimal("0")
			o.Lines[0].Amount = nil
			o.Lines[1].UnitPrice = MustDecimal("-1")
			o.Lines[1].Amount = nil
			o.TotalAmount = nil
		}, want: []problem{{"lines[0].quantity", CodeNotPositive}, {"lines[1].unit_price", CodeNegative}}},
		{name: "a line amount may differ from quantity × unit price by rounding only", mutate: func(o *Order) {
			o.Lines[1].Amount = dec("49.98") // 12.5 × 3.999 = 49.9875
			o.TotalAmount = dec("299.98")
		}, want: []problem{{"lines[1].amount", CodeAmountMismatch}}},
		{name: "a line amount rounded either way is accepted", mutate: func(o *Order) {
			o.Lines[0].Quantity, o.Lines[0].UnitPrice, o.Lines[0].Amount = MustDecimal("1"), MustDecimal("0.125"), dec("0.12")
			o.Lines[1].Quantity, o.Lines[1].UnitPrice, o.Lines[1].Amount = MustDecimal("1"), MustDecimal("0.125"), dec("0.13")
			o.TotalAmount = dec("0.25")
		}},
		{name: "yen amounts are rounded to whole yen", mutate: func(o *Order) {
			o.Currency = "JPY"
			o.Lines[0].Quantity, o.Lines[0].UnitPrice, o.Lines[0].Amount = MustDecimal("3"), MustDecimal("33.3"), dec("100")
			o.Lines[1].Quantity, o.Lines[1].UnitPrice, o.Lines[1].Amount = MustDecimal("3"), MustDecimal("33.3"), dec("99")
			o.TotalAmount = dec("199")
		}, want: []problem{{"lines[1].amount", CodeAmountMismatch}}},
		{name: "the total must be the sum of the line amounts", mutate: func(o *Order) { o.TotalAmount = dec("300.00") },
			want: []problem{{"total_amount", CodeTotalMismatch}}},
		{name: "the total is not checked when a line has no amount", mutate: func(o *Order) {
			o.Lines[1].Amount = nil
			o.TotalAmount = dec("300.00")
		}},
		{name: "the requested delivery date may not be before the order date", mutate: func(o *Order) {
			o.RequestedDeliveryDate = NewDate(2026, time.March, 1)
		}, want: []problem{{"requested_delivery_date", CodeDateOrder}}},
		{name: "an impossible date built in code is caught", mutate: func(o *Order) {
			o.OrderDate = NewDate(2026, time.February, 30)
		}, want: []problem{{"order_date", CodeInvalidDate}}},
		{name: "an incoterm place needs an incoterm", mutate: func(o *Order) { o.Incoterm = "" },
			want: []problem{{"incoterm", CodeRequired}}},
		{name: "a negative source line is refused", mutate: func(o *Order) { o.Lines[0].Source.Line = -1 },
			want: []problem{{"lines[0].source.line", CodeNegative}}},
		{name: "every problem is reported at once", mutate: func(o *Order) {
			o.OrderNumber = ""
			o.Currency = "ABC"
			o.RequestedDeliveryDate = NewDate(2026, time.January, 1)
			o.Lines[0].Quantity = MustDecimal("-1")
			o.Lines[1].UnitPrice = MustDecimal("-3.999")
			o.Lines[1].Unit = ""
		}, want: []problem{
			{"order_number", CodeRequired}, {"currency", CodeInvalidCurrency}, {"requested_delivery_date", CodeDateOrder},
			{"lines[0].quantity", CodeNotPositive}, {"lines[0].amount", CodeAmountMismatch},
			{"lines[1].unit", CodeRequired}, {"lines[1].unit_price", CodeNegative}, {"lines[1].amount", CodeAmountMismatch},
		}},
	})
}

func TestOrderResponseValidate(t *testing.T) {
	runValidation(t, "order_response.json", (*OrderResponse).Validate, []validationCase[OrderResponse]{
		{name: "the sample response is valid", mutate: func(r *OrderResponse) {}},
		{name: "order number and status are required", mutate: func(r *OrderResponse) {
			r.OrderNumber, r.Status, r.Lines[0].Status = "", "", ""
		}, want: []problem{{"order_number", CodeRequired}, {"status", CodeRequired}, {"lines[0].status", CodeRequired}}},
		{name: "statuses outside the set are refused", mutate: func(r *OrderResponse) {
			r.Status, r.Lines[1].Status = "confirmed", "ok"
		}, want: []problem{{"status", CodeInvalidStatus}, {"lines[1].status", CodeInvalidStatus}}},
		{name: "an accepted response may not have a changed line", mutate: func(r *OrderResponse) { r.Status = ResponseAccepted },
			want: []problem{{"lines[1].status", CodeStatusConflict}}},
		{name: "a rejected response may not have accepted lines", mutate: func(r *OrderResponse) {
			r.Status = ResponseRejected
			r.Lines[1].Status = ResponseRejected
		}, want: []problem{{"lines[0].status", CodeStatusConflict}}},
		{name: "line numbers are unique and quantities and prices not negative", mutate: func(r *OrderResponse) {
			r.Lines[1].LineNumber = 1
			r.Lines[0].Quantity = dec("-1")
			r.Lines[1].UnitPrice = dec("-0.01")
		}, want: []problem{{"lines[1].line_number", CodeDuplicate}, {"lines[0].quantity", CodeNegative}, {"lines[1].unit_price", CodeNegative}}},
	})
}

func TestShipmentValidate(t *testing.T) {
	runValidation(t, "shipment.json", (*Shipment).Validate, []validationCase[Shipment]{
		{name: "the sample shipment is valid", mutate: func(s *Shipment) {}},
		{name: "shipment id and an order number are required", mutate: func(s *Shipment) {
			s.ShipmentID, s.OrderNumbers = "", nil
		}, want: []problem{{"shipment_id", CodeRequired}, {"order_numbers", CodeRequired}}},
		{name: "order and tracking numbers are not blank or repeated", mutate: func(s *Shipment) {
			s.OrderNumbers = append(s.OrderNumbers, " ", "PO-2026-0001")
			s.TrackingNumbers = append(s.TrackingNumbers, "MAEU1234567")
		}, want: []problem{{"order_numbers[1]", CodeRequired}, {"order_numbers[2]", CodeDuplicate}, {"tracking_numbers[1]", CodeDuplicate}}},
		{name: "SSCCs with a correct GS1 check digit are accepted", mutate: func(s *Shipment) {
			s.SSCCs = []string{"069012340000000016", "069012340000000023"}
		}},
		{name: "an SSCC with a wrong check digit, a wrong length or letters is rejected", mutate: func(s *Shipment) {
			s.SSCCs = []string{"340123450000000018", "34012345000000001", "00340123450000000017", "34012345000000001X", "000000000000000000"}
		}, want: []problem{{"ssccs[0]", CodeInvalidSSCC}, {"ssccs[1]", CodeInvalidSSCC}, {"ssccs[2]", CodeInvalidSSCC},
			{"ssccs[3]", CodeInvalidSSCC}, {"ssccs[4]", CodeInvalidSSCC}}},
		{name: "an SSCC names one package, so it is not repeated", mutate: func(s *Shipment) {
			s.SSCCs = []string{"340123450000000017", "340123450000000024", "340123450000000017"}
		}, want: []problem{{"ssccs[2]", CodeDuplicate}}},
		{name: "a line must belong to one of the shipment's orders", mutate: func(s *Shipment) { s.Lines[0].OrderNumber = "PO-OTHER" },
			want: []problem{{"lines[0].order_number", CodeUnknownOrder}}},
		{name: "gross weight is positive and in a unit of mass", mutate: func(s *Shipment) {
			s.GrossWeight = &Weight{Value: MustDecimal("0"), Unit: "MTR"}
		}, want: []problem{{"gross_weight.value", CodeNotPositive}, {"gross_weight.unit", CodeInvalidUnit}}},
		{name: "arrival may not be before shipping and packages not negative", mutate: func(s *Shipment) {
			s.EstimatedArrival = NewDate(2026, time.March, 31)
			s.Packages = -1
		}, want: []problem{{"estimated_arrival", CodeDateOrder}, {"packages", CodeNegative}}},
		{name: "line fields are checked", mutate: func(s *Shipment) {
			s.Lines[0].LineNumber, s.Lines[0].Quantity, s.Lines[0].Unit, s.Lines[0].GTIN = 0, MustDecimal("0"), "", "123"
		}, want: []problem{{"lines[0].line_number", CodeNotPositive}, {"lines[0].quantity", CodeNotPositive},
			{"lines[0].unit", CodeRequired}, {"lines[0].gtin", CodeInvalidGTIN}}},
	})
}

func TestTrackingEventValidate(t *testing.T) {
	runValidation(t, "tracking_event.json", (*TrackingEvent).Validate, []validationCase[TrackingEvent]{
		{name: "the sample event is valid", mutate: func(e *TrackingEvent) {}},
		{name: "tracking number, carrier, status and time are required", mutate: func(e *TrackingEvent) {
			e.TrackingNumber, e.Carrier, e.Status, e.OccurredAt = "", "", "", time.Time{}
		}, want: []problem{{"tracking_number", CodeRequired}, {"carrier", CodeRequired}, {"status", CodeRequired}, {"occurred_at", CodeRequired}}},
		{name: "a carrier's own status is not a normalized status", mutate: func(e *TrackingEvent) { e.Status = "VESSEL DEPARTURE" },
			want: []problem{{"status", CodeInvalidStatus}}},
		{name: "every normalized status is accepted", mutate: func(e *TrackingEvent) { e.Status = TrackingAvailableForPickup }},
		{name: "the location country is checked", mutate: func(e *TrackingEvent) { e.Location.Country = "China" },
			want: []problem{{"location.country", CodeInvalidCountry}}},
	})
}

func TestInvoiceValidate(t *testing.T) {
	runValidation(t, "invoice.json", (*Invoice).Validate, []validationCase[Invoice]{
		{name: "the sample invoice is valid", mutate: func(inv *Invoice) {}},
		{name: "invoice number and currency are required", mutate: func(inv *Invoice) { inv.InvoiceNumber, inv.Currency = "", "" },
			want: []problem{{"invoice_number", CodeRequired}, {"currency", CodeRequired}}},
		{name: "line total must be the sum of the lines", mutate: func(inv *Invoice) { inv.LineTotal = dec("260.00") },
			want: []problem{{"line_total", CodeTotalMismatch}, {"total_amount", CodeTotalMismatch}}},
		{name: "total must be line total plus tax", mutate: func(inv *Invoice) {
			inv.TotalAmount = MustDecimal("300.00")
			inv.PayableAmount = dec("300.00")
		}, want: []problem{{"total_amount", CodeTotalMismatch}}},
		{name: "without a line total the lines plus tax must make the total", mutate: func(inv *Invoice) {
			inv.LineTotal = nil
			inv.TaxAmount = dec("40.00")
		}, want: []problem{{"total_amount", CodeTotalMismatch}}},
		{name: "payable may not exceed the total", mutate: func(inv *Invoice) { inv.PayableAmount = dec("297.51") },
			want: []problem{{"payable_amount", CodePayable}}},
		{name: "payable below the total after a prepayment is fine", mutate: func(inv *Invoice) { inv.PayableAmount = dec("197.50") }},
		{name: "a credit note with negative quantity and amounts is valid", mutate: func(inv *Invoice) {
			inv.Lines[0].Quantity = MustDecimal("-100")
			inv.Lines[0].Amount = dec("-250.00")
			inv.LineTotal, inv.TaxAmount, inv.TotalAmount, inv.PayableAmount = dec("-250.00"), dec("-47.50"), MustDecimal("-297.50"), dec("-297.50")
		}},
		{name: "a credit note may not pay out more than its total", mutate: func(inv *Invoice) {
			inv.Lines[0].Quantity = MustDecimal("-100")
			inv.Lines[0].Amount = dec("-250.00")
			inv.LineTotal, inv.TaxAmount, inv.TotalAmount, inv.PayableAmount = dec("-250.00"), dec("-47.50"), MustDecimal("-297.50"), dec("-300.00")
		}, want: []problem{{"payable_amount", CodePayable}}},
		{name: "document totals have no more decimals than the currency", mutate: func(inv *Invoice) {
			inv.TaxAmount = dec("47.499")
			inv.TotalAmount = MustDecimal("297.499")
			inv.PayableAmount = dec("297.499")
		}, want: []problem{{"tax_amount", CodeTooPrecise}, {"total_amount", CodeTooPrecise}, {"payable_amount", CodeTooPrecise}}},
		{name: "trailing zeros beyond the minor unit are fine", mutate: func(inv *Invoice) { inv.TaxAmount = dec("47.500") }},
		{name: "lines are checked", mutate: func(inv *Invoice) {
			inv.Lines[0].Quantity = MustDecimal("0")
			inv.Lines[0].UnitPrice = MustDecimal("-2.50")
			inv.Lines[0].OrderNumber = "PO-OTHER"
			inv.Lines[0].Unit = "XYZ"
		}, want: []problem{{"lines[0].quantity", CodeZero}, {"lines[0].unit_price", CodeNegative}, {"lines[0].amount", CodeAmountMismatch},
			{"lines[0].order_number", CodeUnknownOrder}, {"lines[0].unit", CodeInvalidUnit}}},
		{name: "the due date may not be before the invoice date", mutate: func(inv *Invoice) { inv.DueDate = NewDate(2026, time.April, 1) },
			want: []problem{{"due_date", CodeDateOrder}}},
	})
}

func TestBankStatementValidate(t *testing.T) {
	runValidation(t, "bank_statement.json", (*BankStatement).Validate, []validationCase[BankStatement]{
		{name: "the sample statement is valid", mutate: func(s *BankStatement) {}},
		{name: "statement id and an account are required", mutate: func(s *BankStatement) {
			s.StatementID = ""
			s.Account.IBAN, s.Account.Number = "", ""
		}, want: []problem{{"statement_id", CodeRequired}, {"account", CodeRequired}}},
		{name: "a national account number without an IBAN is enough", mutate: func(s *BankStatement) { s.Account.IBAN = "" }},
		{name: "IBANs and BICs are checked", mutate: func(s *BankStatement) {
			s.Account.IBAN = "DE88370400440532013000"
			s.Account.BIC = "COBADEFF1"
			s.Entries[0].Counterparty.IBAN = "gb82 west 1234 5698 7654 32"
		}, want: []problem{{"account.iban", CodeInvalidIBAN}, {"account.bic", CodeInvalidBIC}, {"entries[0].counterparty.iban", CodeInvalidIBAN}}},
		{name: "entries are in the account's currency", mutate: func(s *BankStatement) { s.Entries[1].Currency = "USD" },
			want: []problem{{"entries[1].currency", CodeCurrency}}},
		{name: "amounts have no more decimals than the currency", mutate: func(s *BankStatement) {
			s.Entries[1].Amount = MustDecimal("-50.005")
			s.ClosingBalance = dec("1247.495")
		}, want: []problem{{"entries[1].amount", CodeTooPrecise}, {"closing_balance", CodeTooPrecise}}},
		{name: "an unflagged balance that does not add up is refused", mutate: func(s *BankStatement) {
			s.ClosingBalance, s.BalanceDifference = dec("1250.00"), nil
			s.BalanceCheck = ""
		}, want: []problem{{"closing_balance", CodeBalanceMismatch}}},
		{name: "a flagged mismatch is a faithful record and passes", mutate: func(s *BankStatement) {
			s.ClosingBalance, s.BalanceDifference = dec("1250.00"), dec("2.50")
			s.BalanceCheck = BalanceMismatch
		}},
		{name: "ok is refused when the figures do not add up", mutate: func(s *BankStatement) { s.ClosingBalance = dec("1250.00") },
			want: []problem{{"balance_check", CodeBalanceCheck}, {"balance_difference", CodeBalanceCheck}}},
		{name: "mismatch is refused when the figures add up", mutate: func(s *BankStatement) { s.BalanceCheck = BalanceMismatch },
			want: []problem{{"balance_check", CodeBalanceCheck}}},
		{name: "ok is refused without both balances", mutate: func(s *BankStatement) { s.OpeningBalance, s.BalanceDifference = nil, nil },
			want: []problem{{"balance_check", CodeBalanceCheck}}},
		{name: "a balance difference that is not closing minus opening and entries is refused",
			mutate: func(s *BankStatement) { d := MustDecimal("1.00"); s.BalanceDifference = &d },
			want:   []problem{{"balance_difference", CodeBalanceCheck}}},
		{name: "an unknown statement type and entry status are refused",
			mutate: func(s *BankStatement) { s.StatementType = "weekly"; s.Entries[0].Status = "maybe" },
			want:   []problem{{"entries[0].status", CodeInvalidStatus}, {"statement_type", CodeInvalidStatus}}},
		{name: "an original amount needs its currency",
			mutate: func(s *BankStatement) { s.Entries[0].OriginalCurrency = "" },
			want:   []problem{{"entries[0].original_currency", CodeRequired}}},
		{name: "an unknown balance check is refused", mutate: func(s *BankStatement) { s.BalanceCheck = "fine" },
			want: []problem{{"balance_check", CodeInvalidStatus}}},
		{name: "the closing date may not be before the opening date", mutate: func(s *BankStatement) { s.ClosingDate = NewDate(2026, time.March, 31) },
			want: []problem{{"closing_date", CodeDateOrder}}},
		{name: "entries need a currency", mutate: func(s *BankStatement) { s.Entries[0].Currency = "" },
			want: []problem{{"entries[0].currency", CodeRequired}}},
	})
}

func TestBankStatementCheckBalance(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*BankStatement)
		want   BalanceCheck
	}{
		{"balances that add up are ok", func(s *BankStatement) {}, BalanceOK},
		{"balances that do not add up are a mismatch", func(s *BankStatement) { s.ClosingBalance = dec("1247.51") }, BalanceMismatch},
		{"without an opening balance nothing is known", func(s *BankStatement) { s.OpeningBalance = nil }, ""},
		{"no entries and equal balances are ok", func(s *BankStatement) { s.Entries = nil; s.ClosingBalance = dec("1000") }, BalanceOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := load[BankStatement](t, "bank_statement.json")
			tt.mutate(s)
			if got := s.CheckBalance(); got != tt.want {
				t.Errorf("CheckBalance() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrderEventValidate(t *testing.T) {
	runValidation(t, "order_event.json", (*OrderEvent).Validate, []validationCase[OrderEvent]{
		{name: "the sample event is valid", mutate: func(e *OrderEvent) {}},
		{name: "ids, type and time are required", mutate: func(e *OrderEvent) {
			e.EventID, e.OrderNumber, e.BuyerID, e.Type, e.OccurredAt = "", "", "", "", time.Time{}
		}, want: []problem{{"event_id", CodeRequired}, {"order_number", CodeRequired}, {"buyer_id", CodeRequired},
			{"type", CodeRequired}, {"occurred_at", CodeRequired}}},
		{name: "the type is snake_case", mutate: func(e *OrderEvent) { e.Type = "Order Created" },
			want: []problem{{"type", CodeInvalidFormat}}},
		{name: "a new snake_case type is accepted", mutate: func(e *OrderEvent) { e.Type = "shipment_delayed" }},
		{name: "data must be JSON", mutate: func(e *OrderEvent) { e.Data = json.RawMessage(`{"lines":`) },
			want: []problem{{"data", CodeInvalidFormat}}},
	})
}

func TestValidationErrorMessages(t *testing.T) {
	o := load[Order](t, "order.json")
	o.Lines[1].UnitPrice = MustDecimal("-1")
	o.Lines[1].Amount = nil
	o.TotalAmount = nil
	err := Validate(o)

	t.Run("the message names the path and the value", func(t *testing.T) {
		if want := "invalid: lines[1].unit_price: must not be negative, got -1"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("errors.As finds the FieldError inside", func(t *testing.T) {
		var fe FieldError
		if !errors.As(err, &fe) || fe.Path != "lines[1].unit_price" || fe.Code != CodeNegative {
			t.Errorf("errors.As gave %+v", fe)
		}
	})
	t.Run("Has and AsValidationError find problems by path and code", func(t *testing.T) {
		ve := AsValidationError(err)
		if ve == nil || !ve.Has("lines[1].unit_price", CodeNegative) || ve.Has("lines[0].unit_price", CodeNegative) {
			t.Errorf("got %v", ve)
		}
	})
	t.Run("a value record validates like a pointer", func(t *testing.T) {
		if AsValidationError(Validate(*o)) == nil {
			t.Error("Validate(Order) did not report the problem")
		}
	})
	t.Run("a non-record is an error, not a validation error", func(t *testing.T) {
		err := Validate(Party{})
		if err == nil || AsValidationError(err) != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an invalid IBAN is reported masked", func(t *testing.T) {
		s := load[BankStatement](t, "bank_statement.json")
		s.Account.IBAN = "DE88370400440532013000"
		msg := Validate(s).Error()
		if strings.Contains(msg, "0440532013") || !strings.Contains(msg, "DE88********3000") {
			t.Errorf("message should show the IBAN masked: %s", msg)
		}
	})
}

func TestSetBalanceCheckRecordsTheDifference(t *testing.T) {
	open, closing := MustDecimal("1000.00"), MustDecimal("1250.00")
	s := BankStatement{OpeningBalance: &open, ClosingBalance: &closing,
		Entries: []BankTransaction{{Amount: MustDecimal("297.50")}, {Amount: MustDecimal("-50.00")}}}
	s.SetBalanceCheck()
	if s.BalanceCheck != BalanceMismatch || s.BalanceDifference == nil || s.BalanceDifference.String() != "2.50" {
		t.Errorf("check %q difference %v; want mismatch by 2.50", s.BalanceCheck, s.BalanceDifference)
	}
	closing = MustDecimal("1247.50")
	s.SetBalanceCheck()
	if s.BalanceCheck != BalanceOK || s.BalanceDifference.String() != "0.00" {
		t.Errorf("check %q difference %v; want ok with 0.00", s.BalanceCheck, s.BalanceDifference)
	}
	s.OpeningBalance = nil
	s.SetBalanceCheck()
	if s.BalanceCheck != "" || s.BalanceDifference != nil {
		t.Errorf("without an opening balance: check %q difference %v; want neither", s.BalanceCheck, s.BalanceDifference)
	}
}

func TestStatementSplitGivesOneValidMessagePerEntry(t *testing.T) {
	var s BankStatement
	b, err := os.ReadFile("testdata/bank_statement.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	entries := s.Split()
	if len(entries) != len(s.Entries) {
		t.Fatalf("%d messages for %d entries", len(entries), len(s.Entries))
	}
	for i, e := range entries {
		if e.EntryIndex != i+1 || e.EntryCount != len(s.Entries) || e.StatementID != s.StatementID ||
			e.Account.AccountKey() != "DE89370400440532013000" || !e.Entry.Amount.Equal(s.Entries[i].Amount) {
			t.Errorf("message %d = %+v", i, e)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	bad := entries[0]
	bad.EntryIndex, bad.Entry.Currency = 0, "USD"
	ve := AsValidationError(bad.Validate())
	if ve == nil || len(ve.Problems) != 2 {
		t.Fatalf("a message with index 0 and another currency than the account: %v; want 2 problems", bad.Validate())
	}
	if got := ve.Problems[0].Path + " " + ve.Problems[1].Path; !strings.Contains(got, "entry.currency") || !strings.Contains(got, "entry_index") {
		t.Errorf("problems name %q; want entry.currency and entry_index", got)
	}
}
