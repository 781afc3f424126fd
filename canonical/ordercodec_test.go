package canonical

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// decOf is a Decimal with coefficient c and exponent exp, for the shapes
// ParseDecimal never builds (a positive exponent, a huge scale).
func decOf(c int64, exp int32) Decimal { return Decimal{decimal.New(c, exp)} }

func decPtr(d Decimal) *Decimal { return &d }

// realisticOrder is order number i of n lines, shaped like the orders of the
// end-to-end benchmark (internal/store/storetest.Orders): every header field
// set, a ship-to address, lineage on the order and on each line.
func realisticOrder(i, n int) *Order {
	buyer := fmt.Sprintf("buyer-%02d", i%10)
	file := fmt.Sprintf("orders-%04d.csv", i/1000)
	o := &Order{
		OrderNumber:           fmt.Sprintf("PO-%08d", i),
		OrderDate:             NewDate(2026, 3, 1+i%28),
		Buyer:                 Party{ID: buyer, Name: "Buyer " + buyer, Country: "DE"},
		Supplier:              Party{ID: fmt.Sprintf("supplier-%02d", i%50), Country: "CN"},
		Currency:              "EUR",
		Incoterm:              "FOB",
		IncotermPlace:         "Shenzhen",
		TransportMode:         TransportSea,
		PaymentTerms:          "NET30",
		RequestedDeliveryDate: NewDate(2026, 5, 1+i%28),
		ShipTo:                &Address{Name: "Warehouse Hamburg", City: "Hamburg", Country: "DE"},
		Source:                &Source{Connector: "erp_export", Partner: buyer, File: file, Line: 2 + i*n},
	}
	total := decimal.Zero
	for j := range n {
		qty := decimal.New(int64(1+(i+j)%200), 0)
		price := decimal.New(int64(125+(i*7+j*13)%10000), -2)
		amount := Decimal{qty.Mul(price)}
		total = total.Add(amount.Decimal)
		o.Lines = append(o.Lines, OrderLine{
			LineNumber:    j + 1,
			SKU:           fmt.Sprintf("SKU-%05d", (i+j)%5000),
			Description:   "Brake pad, ceramic, front axle",
			Quantity:      Decimal{qty},
			Unit:          "EA",
			UnitPrice:     Decimal{price},
			Amount:        &amount,
			HSCode:        "870830",
			OriginCountry: "CN",
			Source:        &Source{File: file, Line: 2 + i*n + j},
		})
	}
	o.TotalAmount = &Decimal{total}
	return o
}

// encodeCases are orders whose encoding must be byte for byte encoding/json's.
func encodeCases(t testing.TB) []struct {
	name  string
	order *Order
} {
	minimal := func() *Order {
		return &Order{OrderNumber: "PO-1", Buyer: Party{ID: "B"}, Currency: "EUR",
			Lines: []OrderLine{{LineNumber: 1, Quantity: MustDecimal("1"), Unit: "EA", UnitPrice: MustDecimal("0")}}}
	}
	withText := func(s string) *Order {
		o := realisticOrder(1, 1)
		o.OrderNumber, o.Buyer.Name, o.PaymentTerms = s, s, s
		o.ShipTo.Street, o.Lines[0].Description, o.Source.Sheet = s, s, s
		return o
	}
	withDecimals := func(ds ...Decimal) *Order {
		o := minimal()
		o.TotalAmount = decPtr(ds[0])
		for i, d := range ds {
			o.Lines = append(o.Lines, OrderLine{LineNumber: i + 2, Quantity: d, UnitPrice: d, Amount: decPtr(d)})
		}
		return o
	}
	withDates := func(order, delivery Date) *Order {
		o := minimal()
		o.OrderDate, o.RequestedDeliveryDate = order, delivery
		return o
	}
	var all []byte
	for c := range 128 {
		all = append(all, byte(c))
	}
	return []struct {
		name  string
		order *Order
	}{
		{"the sample order from testdata", load[Order](t, "order.json")},
		{"a realistic ten-line order", realisticOrder(42, 10)},
		{"an order with only the required fields", minimal()},
		{"an order without lines writes lines as null", &Order{OrderNumber: "PO-1"}},
		{"an order with an empty list of lines writes []", &Order{OrderNumber: "PO-1", Lines: []OrderLine{}}},
		{"the zero order", &Order{}},
		{"every optional field present", &Order{
			OrderNumber: "PO-9", OrderDate: NewDate(2026, 1, 31),
			Buyer: Party{ID: "B", Name: "Buyer", Country: "DE"}, Supplier: Party{ID: "S", Name: "Supplier", Country: "CN"},
			Currency: "USD", Incoterm: "CIF", IncotermPlace: "Rotterdam", PaymentTerms: "60 days",
			RequestedDeliveryDate: NewDate(2026, 12, 1),
			ShipTo:                &Address{Name: "N", Street: "S", City: "C", PostalCode: "P", Country: "NL"},
			Lines: []OrderLine{{LineNumber: 7, SKU: "A", BuyerSKU: "B", GTIN: "4006381333931", Description: "D",
				Quantity: MustDecimal("1.000"), Unit: "KGM", UnitPrice: MustDecimal("9.99"), Amount: decPtr(MustDecimal("9.99")),
				HSCode: "850440", OriginCountry: "VN",
				Source: &Source{Connector: "c", Partner: "p", File: "f", Sheet: "s", Line: 3, Segment: "LIN"}}},
			TotalAmount: decPtr(MustDecimal("9.99")),
			Source:      &Source{Connector: "c", Partner: "p", File: "f", Sheet: "s", Line: 1, Segment: "BGM"},
		}},
		{"an address and a source without fields write {}", &Order{ShipTo: &Address{}, Source: &Source{},
			Lines: []OrderLine{{Source: &Source{}}}}},
		{"a source with only a line number", &Order{Source: &Source{Line: -3}}},
		{"every ASCII byte in a string", withText(string(all))},
		{"HTML characters are escaped", withText(`<script>alert("x&y")</script>`)},
		{"unicode text is written as it is", withText("Hafenstraße 1, 中国, 😀, \u00a0, \ufffd")},
		{"line and paragraph separators are escaped", withText("a\u2028b\u2029c\u202a")},
		{"invalid UTF-8 becomes U+FFFD", withText("a\xffb\xc3(\xe2\x80\xed\xa0\x80\xf4\x90\x80\x80z\xc3")},
		{"negative, zero and scaled decimals", withDecimals(MustDecimal("-0.125"), MustDecimal("0.000"), MustDecimal("-12.50"),
			MustDecimal("0"), MustDecimal("-0"), MustDecimal("100"), MustDecimal("0.0001"), MustDecimal("-7"), Decimal{})},
		{"decimals with a positive exponent", withDecimals(decOf(15, 2), decOf(-3, 1), decOf(0, 5), decOf(1, 64))},
		{"decimals with the largest coefficients", withDecimals(MustDecimal("999999999999999999"), MustDecimal("-99999999999999999.9"),
			decOf(math.MaxInt64, -3), decOf(math.MinInt64, 0), decOf(math.MinInt64, 2))},
		{"decimals beyond int64", withDecimals(MustDecimal("123456789012345678901234567890.12"),
			MustDecimal("-0.0000000000000000000000000000000000000000000000000000000000000001"))},
		{"decimals with scales beyond 64 digits", withDecimals(decOf(1, -70), decOf(-123, -65), decOf(7, 65), decOf(0, -80))},
		{"dates at the ends of the four-digit years", withDates(NewDate(1, 1, 1), NewDate(9999, 12, 31))},
		{"odd dates are written as Date.String prints them", withDates(NewDate(0, 1, 0), NewDate(12345, 13, 100))},
		{"negative dates", withDates(NewDate(-1, -1, -1), NewDate(2026, 0, 5))},
		{"line numbers of every size", &Order{Lines: []OrderLine{{LineNumber: -1}, {LineNumber: 0}, {LineNumber: math.MaxInt}, {LineNumber: math.MinInt}}}},
	}
}

func TestAppendOrderJSONWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, tt := range encodeCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.order)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MarshalOrder(tt.order)
			if err != nil {
				t.Fatalf("MarshalOrder: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("MarshalOrder differs from json.Marshal\n got: %s\nwant: %s", got, want)
			}
			appended := AppendOrderJSON([]byte("prefix "), tt.order)
			if string(appended) != "prefix "+string(want) {
				t.Errorf("AppendOrderJSON does not append after the prefix: %s", appended)
			}
		})
	}
	t.Run("a nil order is written as null", func(t *testing.T) {
		want, _ := json.Marshal((*Order)(nil))
		if got, _ := MarshalOrder(nil); !bytes.Equal(got, want) {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// fillEveryField sets every field reachable from v to a non-zero value:
// strings, ints, decimals, dates, pointers and one element of each slice.
func fillEveryField(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Interface().(type) {
	case Decimal:
		v.Set(reflect.ValueOf(MustDecimal("-1.50")))
		return
	case Date:
		v.Set(reflect.ValueOf(NewDate(2026, 2, 3)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("<" + v.Type().Name() + ">")
	case reflect.Int:
		v.SetInt(42)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillEveryField(t, v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillEveryField(t, v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			fillEveryField(t, v.Field(i))
		}
	default:
		t.Fatalf("fillEveryField does not know %s", v.Type())
	}
}

func TestTheCodecCoversEveryFieldOfAnOrder(t *testing.T) {
	var o Order
	fillEveryField(t, reflect.ValueOf(&o).Elem())
	checkEncodeParity(t, &o)
	in, err := json.Marshal(&o)
	if err != nil {
		t.Fatal(err)
	}
	checkDecodeParity(t, in, func() *Order { return new(Order) })
	var got Order
	if err := UnmarshalOrder(in, &got); err != nil || !reflect.DeepEqual(got, o) {
		t.Errorf("an order with every field set does not read back: %v", err)
	}
}

// decodeCases are JSON documents whose decoding must be encoding/json's.
// fast says whether the fast decoder reads the document on its own (it
// hands unusual decimal and date forms to the types' own UnmarshalJSON);
// the others (errors, duplicate keys, numbers it leaves alone) go through
// json.Unmarshal.
var decodeCases = []struct {
	name string
	in   string
	fast bool
}{
	{"a minimal order", `{"order_number":"PO-1","buyer":{"id":"B"},"supplier":{"id":""},"currency":"EUR","lines":[{"line_number":1,"quantity":"1","unit":"EA","unit_price":"0"}]}`, true},
	{"an empty object", `{}`, true},
	{"null leaves the order as it is", ` null `, true},
	{"white space everywhere", " \t\n{ \"order_number\" : \"PO-1\" ,\r\n \"lines\" : [ { \"line_number\" : 1 , \"source\" : { } } , null ] , \"buyer\" : { } } \n", true},
	{"fields in any order", `{"lines":[{"unit_price":"2","quantity":"1","line_number":3}],"currency":"EUR","order_number":"PO-2"}`, true},
	{"keys in other cases", `{"ORDER_NUMBER":"PO-1","Buyer":{"ID":"B","NaMe":"n"},"Ship_To":{"POSTAL_CODE":"1"},"LINES":[{"SKU":"x","Line_Number":2,"Source":{"LINE":4}}]}`, true},
	{"a key with a long s names sku", `{"lines":[{"ſku":"x"}]}`, true},
	{"a key with the Kelvin sign names sku", `{"lines":[{"sKu":"x"}]}`, true},
	{"a key with an escaped Kelvin sign names sku", `{"lines":[{"s\u212au":"x"}]}`, true},
	{"an escaped key", `{"order\u005fnumber":"PO-1","\u0063urrency":"EUR"}`, true},
	{"a key that is close but not equal is ignored", `{"order_numbers":"x","ordernumber":"y","order_number ":"z"}`, true},
	{"unknown keys with every kind of value are ignored", `{"x":{"a":[1,2,{"b":null}],"c":"\u00e9\""},"order_number":"PO-1","y":-1.5e-3,"z":true,"w":false,"v":[],"u":{},"t":0,"s":"","r":1E+2,"q":-0.0e0}`, true},
	{"null for every field", `{"order_number":null,"order_date":null,"buyer":null,"supplier":null,"currency":null,"incoterm":null,"incoterm_place":null,"payment_terms":null,"requested_delivery_date":null,"ship_to":null,"lines":null,"total_amount":null,"source":null}`, true},
	{"null inside a line, a party, an address and a source", `{"buyer":{"id":null,"name":null,"country":null},"ship_to":{"name":null,"street":null,"city":null,"postal_code":null,"country":null},"lines":[{"line_number":null,"sku":null,"buyer_sku":null,"gtin":null,"description":null,"quantity":null,"unit":null,"unit_price":null,"amount":null,"hs_code":null,"origin_country":null,"source":{"connector":null,"partner":null,"file":null,"sheet":null,"line":null,"segment":null}}]}`, true},
	{"null elements of lines are zero lines", `{"lines":[null,{"line_number":2},null]}`, true},
	{"empty lines are empty, not nil", `{"lines":[]}`, true},
	{"many lines", `{"lines":[` + strings.Repeat(`{"line_number":1,"quantity":"1.5"},`, 300) + `{}]}`, true},
	{"decimals as numbers", `{"total_amount":12.50,"lines":[{"quantity":3,"unit_price":-0.125,"amount":0}]}`, true},
	{"decimals with exponents", `{"total_amount":1.5e3,"lines":[{"quantity":"2.5E-3","unit_price":1E+2,"amount":-0e0}]}`, true},
	{"a negative zero decimal", `{"total_amount":"-0.00","lines":[{"quantity":-0}]}`, true},
	{"decimals with leading zeros in strings", `{"total_amount":"007.50","lines":[{"quantity":"-00"}]}`, true},
	{"a decimal of 18 characters", `{"total_amount":"-1234567890123456.7","lines":[{"quantity":"123456789012345678"}]}`, true},
	{"a decimal of 19 characters", `{"total_amount":"-12345678901234567.8","lines":[{"quantity":"1234567890123456789"}]}`, true},
	{"decimals beyond int64", `{"total_amount":"123456789012345678901234567890.12","lines":[{"quantity":-99999999999999999999}]}`, true},
	{"a decimal with escapes in its string", `{"total_amount":"\u0031\u0032.5"}`, true},
	{"decimals in forms the plain parser leaves alone", `{"total_amount":"+12","lines":[{"quantity":".5","unit_price":"5."}]}`, true},
	{"a decimal with a Unicode minus", `{"total_amount":"−12.5"}`, true},
	{"unicode strings", `{"order_number":"PO-ü-中-😀","ship_to":{"street":"Hafenstraße 1"}}`, true},
	{"every escape in a string", `{"order_number":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00\u0000"}`, true},
	{"a lone high surrogate becomes U+FFFD", `{"order_number":"\ud800x","currency":"\ud800"}`, true},
	{"a lone low surrogate becomes U+FFFD", `{"order_number":"\udc00\udc00"}`, true},
	{"a high surrogate before a non-surrogate escape", `{"order_number":"\ud800\u0041"}`, true},
	{"two high surrogates then a low one", `{"order_number":"\ud800\ud800\udc00"}`, true},
	{"invalid UTF-8 becomes U+FFFD", "{\"order_number\":\"a\xffb\xc3\",\"currency\":\"\xed\xa0\x80\",\"incoterm\":\"\\n\xff\"}", true},
	{"invalid UTF-8 in an unknown key and value", "{\"\xff\":\"\xfe\"}", true},
	{"separators and HTML characters", `{"order_number":"a` + "\u2028\u2029" + `<>&"}`, true},
	{"DEL in a string", "{\"order_number\":\"\x7f\"}", true},
	{"dates and a leap day", `{"order_date":"2024-02-29","requested_delivery_date":"0001-01-01","lines":[]}`, true},
	{"the leap day of a century that is a leap year", `{"order_date":"2000-02-29","requested_delivery_date":"9999-12-31"}`, true},
	{"a date given with escapes", `{"order_date":"2026\u002d03-02"}`, true},
	{"a negative zero line number", `{"lines":[{"line_number":-0,"source":{"line":-12}}]}`, true},
	{"the largest line number", `{"lines":[{"line_number":9223372036854775807}]}`, false},
	{"a duplicate key: the last wins", `{"order_number":"a","order_number":"b","order_date":"2026-01-01","order_date":null}`, false},
	{"duplicate keys that differ in case", `{"order_number":"a","ORDER_NUMBER":"b"}`, false},
	{"duplicate objects are merged", `{"buyer":{"id":"A"},"buyer":{"name":"N"},"ship_to":{"city":"C"},"ship_to":{"name":"N"}}`, false},
	{"duplicate lines are merged element by element", `{"lines":[{"sku":"a"},{"sku":"b"},{"sku":"c"}],"lines":[{"gtin":"g"}],"lines":[{},{},{}]}`, false},
	{"a duplicate decimal with null keeps the first", `{"lines":[{"quantity":"1","quantity":null,"amount":"2","amount":null}]}`, false},
	{"nesting of 10000 levels in an unknown field", `{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, true},

	// Errors: the same error as json.Unmarshal, whatever came before it.
	{"nesting of 10001 levels", `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, false},
	{"nesting of 10001 objects", strings.Repeat(`{"x":`, 10001) + "1" + strings.Repeat("}", 10001), false},
	{"empty input", ``, false},
	{"only white space", " \n", false},
	{"a trailing comma in an object", `{"order_number":"PO-1",}`, false},
	{"a trailing comma in lines", `{"lines":[{},]}`, false},
	{"garbage after the object", `{"order_number":"PO-1"} x`, false},
	{"two objects", `{}{}`, false},
	{"an unterminated string", `{"order_number":"PO-1}`, false},
	{"an unterminated object", `{"order_number":"PO-1"`, false},
	{"a control character in a string", "{\"order_number\":\"a\tb\"}", false},
	{"an unknown escape", `{"order_number":"\x41"}`, false},
	{"a short unicode escape", `{"order_number":"\u12"}`, false},
	{"a bad unicode escape after a high surrogate", `{"order_number":"\ud800\uzzzz"}`, false},
	{"a number with a leading zero", `{"x":01}`, false},
	{"a number ending in a point", `{"x":1.}`, false},
	{"a lone minus", `{"x":-}`, false},
	{"an exponent without digits", `{"x":1e}`, false},
	{"a truncated literal", `{"x":tru}`, false},
	{"a literal with extra letters", `{"x":nulls}`, false},
	{"a missing colon", `{"order_number" "PO-1"}`, false},
	{"a missing value", `{"order_number":}`, false},
	{"single quotes", `{'order_number':'PO-1'}`, false},
	{"a byte order mark", "\xef\xbb\xbf{}", false},
	{"an array at the top", `[{}]`, false},
	{"a string at the top", `"PO-1"`, false},
	{"a number for a string field", `{"order_number":1}`, false},
	{"true for a string field", `{"currency":true}`, false},
	{"a string for the line number", `{"lines":[{"line_number":"1"}]}`, false},
	{"a fractional line number", `{"lines":[{"line_number":1.5}]}`, false},
	{"a line number beyond int64", `{"lines":[{"line_number":99999999999999999999}]}`, false},
	{"an object for the currency", `{"currency":{}}`, false},
	{"an array for the buyer", `{"buyer":[]}`, false},
	{"a string for the lines", `{"lines":"none"}`, false},
	{"a string for a line", `{"lines":["x"]}`, false},
	{"a number for the ship-to address", `{"ship_to":1}`, false},
	{"a boolean for a decimal", `{"total_amount":true}`, false},
	{"an object for a decimal", `{"lines":[{"quantity":{"value":"1"}}]}`, false},
	{"a decimal comma", `{"lines":[{"unit_price":"12,50"}]}`, false},
	{"a decimal with space inside its string", `{"lines":[{"unit_price":" 12.50"}]}`, false},
	{"a decimal with 65 decimals", `{"total_amount":"0.` + strings.Repeat("0", 64) + `1"}`, false},
	{"a decimal with an escape strconv does not know", `{"total_amount":"1\/2"}`, false},
	{"a number for a date", `{"order_date":20260302}`, false},
	{"an impossible date", `{"order_date":"2026-02-30"}`, false},
	{"the 31st of a 30-day month", `{"order_date":"2026-04-31"}`, false},
	{"the 29th of February of a common year", `{"order_date":"2023-02-29"}`, false},
	{"the 29th of February of a century that is not a leap year", `{"order_date":"1900-02-29"}`, false},
	{"the month 13", `{"order_date":"2026-13-01"}`, false},
	{"the day 0", `{"order_date":"2026-01-00"}`, false},
	{"the year zero", `{"order_date":"0000-01-01"}`, false},
	{"a date with a time", `{"order_date":"2026-03-02T10:00:00Z"}`, false},
	{"an object for a date", `{"order_date":{}}`, false},
	{"a type error followed by a syntax error", `{"order_number":1,"currency":}`, false},
	{"a bad decimal followed by a syntax error", `{"total_amount":"x","currency":}`, false},
	{"a type error followed by good fields", `{"order_number":1,"currency":"EUR","lines":[{"sku":"x"}]}`, false},
}

// checkDecodeParity decodes in with json.Unmarshal and with UnmarshalOrder,
// each into its own copy of start, and fails unless both give the same
// error text (or none) and the same Order.
func checkDecodeParity(t *testing.T, in []byte, start func() *Order) {
	t.Helper()
	want, got := start(), start()
	wantErr := json.Unmarshal(in, want)
	gotErr := UnmarshalOrder(in, got)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("UnmarshalOrder(%q) error = %v, json.Unmarshal error = %v", in, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("UnmarshalOrder(%q) differs from json.Unmarshal\n got: %s\nwant: %s", in, g, w)
	}
}

func TestUnmarshalOrderGivesWhatEncodingJSONGives(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			checkDecodeParity(t, []byte(tt.in), func() *Order { return new(Order) })
			d := orderDecoder{data: []byte(tt.in)}
			if fast := d.document(new(Order)); fast != tt.fast {
				t.Errorf("the fast decoder read it on its own: %v, want %v", fast, tt.fast)
			}
		})
	}
	for _, tt := range encodeCases(t) {
		t.Run(tt.name+" reads back", func(t *testing.T) {
			in, err := json.Marshal(tt.order)
			if err != nil {
				t.Fatal(err)
			}
			checkDecodeParity(t, in, func() *Order { return new(Order) })
		})
	}
	t.Run("a nil order is refused like encoding/json refuses it", func(t *testing.T) {
		wantErr := json.Unmarshal([]byte(`{}`), (*Order)(nil))
		if err := UnmarshalOrder([]byte(`{}`), nil); err == nil || err.Error() != wantErr.Error() {
			t.Errorf("error = %v, want %v", err, wantErr)
		}
	})
}

func TestUnmarshalOrderIntoAFilledOrderMergesLikeEncodingJSON(t *testing.T) {
	filled := func() *Order {
		o := realisticOrder(7, 3)
		o.Lines = o.Lines[:2] // a spare element in the backing array
		return o
	}
	for _, in := range []string{
		`{"order_number":"PO-NEW","lines":[{"sku":"changed"}]}`,
		`{"lines":[{},{},{"gtin":"g"}],"ship_to":null,"buyer":{"name":"Renamed"}}`,
		`{"lines":[],"total_amount":null,"order_date":null}`,
		`{"lines":null}`,
		`null`,
		`{"order_number":1}`,
		`{"order_number":"PO-NEW",`,
	} {
		t.Run(in, func(t *testing.T) {
			checkDecodeParity(t, []byte(in), filled)
		})
	}
}

func TestDecimalFormattingMatchesShopspring(t *testing.T) {
	tests := []struct {
		name string
		d    Decimal
	}{
		{"a scaled amount", MustDecimal("12.50")},
		{"a negative amount with leading zeros after the point", MustDecimal("-0.005")},
		{"zero with three decimals", MustDecimal("0.000")},
		{"the zero Decimal", Decimal{}},
		{"an integer", MustDecimal("-42")},
		{"a positive exponent", decOf(-15, 3)},
		{"zero with a positive exponent", decOf(0, 3)},
		{"18 digits", MustDecimal("-123456789.123456789")},
		{"the largest int64 coefficient", decOf(math.MaxInt64, -10)},
		{"the smallest int64 coefficient", decOf(math.MinInt64, -1)},
		{"a coefficient beyond int64", MustDecimal("-12345678901234567890.5")},
		{"a scale of 64", decOf(5, -64)},
		{"a scale of 65", decOf(5, -65)},
		{"an exponent of 65", decOf(5, 65)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" prints as StringFixed(Scale())", func(t *testing.T) {
			want := tt.d.Decimal.StringFixed(tt.d.Scale())
			if got := tt.d.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			b, err := tt.d.MarshalJSON()
			if err != nil || string(b) != `"`+want+`"` {
				t.Errorf("MarshalJSON() = %s, %v; want %q", b, err, want)
			}
		})
	}
}

func TestPlainDecimalParsingMatchesParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "-0", "12.50", "-0.125", "007.50", "123456789012345678", "-12345678901234567",
		"1234567890123456.78", "99999999999999999.9", "-0.0000000000000001", "1", "9.999999999999999"} {
		t.Run(s+" gives the same Decimal", func(t *testing.T) {
			got, ok := parsePlainDecimal([]byte(s))
			want, err := ParseDecimal(s)
			if !ok || err != nil {
				t.Fatalf("plain parser ok = %v, ParseDecimal error = %v", ok, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got.Decimal, want.Decimal)
			}
		})
	}
	for _, s := range []string{"", "-", ".5", "5.", "+5", "1e3", "1.2.3", "12,5", " 1", "1234567890123456789", "-123456789012345678",
		"0.000000000000000001", "１"} {
		t.Run(fmt.Sprintf("%q is left to ParseDecimal", s), func(t *testing.T) {
			if d, ok := parsePlainDecimal([]byte(s)); ok {
				t.Errorf("the plain parser read it as %s", d)
			}
		})
	}
}

// FuzzOrderCodec checks both directions against encoding/json: data is
// decoded by both decoders (same error or same Order, re-encoded to the
// same bytes), and an order built from the other arguments, whose strings
// need not be valid UTF-8 and whose decimals and dates need not be
// well-formed, is encoded by both encoders.
func FuzzOrderCodec(f *testing.F) {
	for i, tt := range decodeCases {
		if len(tt.in) > 4096 {
			continue
		}
		f.Add([]byte(tt.in), tt.name, int64(i*1237-5000), int8(i%7-4), int16(2000+i), int8(i%14), int8(i%33))
	}
	for i, tt := range encodeCases(f) {
		b, err := json.Marshal(tt.order)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, tt.order.OrderNumber, int64(-i), int8(-i), int16(i), int8(i), int8(i))
	}
	f.Add([]byte(`{}`), "\xff\u2028<&>\"\\\x00", int64(math.MinInt64), int8(math.MinInt8), int16(math.MinInt16), int8(-1), int8(-1))
	f.Fuzz(func(t *testing.T, data []byte, text string, coef int64, exp int8, year int16, month, day int8) {
		var want, got Order
		wantErr := json.Unmarshal(data, &want)
		gotErr := UnmarshalOrder(data, &got)
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("UnmarshalOrder(%q) error = %v, json.Unmarshal error = %v", data, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("UnmarshalOrder(%q) differs from json.Unmarshal:\n got %#v\nwant %#v", data, got, want)
		}
		checkEncodeParity(t, &got)

		d := decOf(coef, int32(exp))
		o := &Order{
			OrderNumber: text, OrderDate: NewDate(int(year), 0, 0), RequestedDeliveryDate: NewDate(int(year), time.Month(month), int(day)),
			Buyer: Party{ID: text, Name: text, Country: Country(text)}, Currency: Currency(text), Incoterm: Incoterm(text),
			ShipTo: &Address{Street: text}, TotalAmount: &d, Source: &Source{Line: int(coef), Segment: text},
			Lines: []OrderLine{{LineNumber: int(coef), SKU: text, Quantity: d, UnitPrice: decOf(coef, -int32(exp)),
				Unit: Unit(text), HSCode: HSCode(text), Source: &Source{Sheet: text}}},
		}
		checkEncodeParity(t, o)

		if v, ok := parsePlainDecimal([]byte(text)); ok {
			w, err := ParseDecimal(text)
			if err != nil || !reflect.DeepEqual(v, w) {
				t.Fatalf("plain parser read %q as %#v; ParseDecimal gives %#v, %v", text, v.Decimal, w.Decimal, err)
			}
		}
	})
}

func checkEncodeParity(t *testing.T, o *Order) {
	t.Helper()
	want, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendOrderJSON(nil, o); !bytes.Equal(got, want) {
		t.Fatalf("AppendOrderJSON differs from json.Marshal\n got: %s\nwant: %s", got, want)
	}
}

// BenchmarkOrderCodec compares encoding/json with this codec on a realistic
// ten-line order (and a hundred-line one), both ways.
func BenchmarkOrderCodec(b *testing.B) {
	for _, n := range []int{10, 100} {
		o := realisticOrder(12345, n)
		data, err := json.Marshal(o)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("encode %d lines/encoding_json", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := json.Marshal(o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("encode %d lines/MarshalOrder", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := MarshalOrder(o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("encode %d lines/AppendOrderJSON reusing a buffer", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var buf []byte
			for b.Loop() {
				buf = AppendOrderJSON(buf[:0], o)
			}
		})
		b.Run(fmt.Sprintf("decode %d lines/encoding_json", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var v Order
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("decode %d lines/UnmarshalOrder", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var v Order
				if err := UnmarshalOrder(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// orderDocGenerator writes random Order-shaped JSON documents: the right
// keys in any case and order, unknown and duplicate keys, values of the
// right and of wrong types, null, escapes, odd numbers, white space, and
// now and then a syntax error. Byte-level fuzzing rarely keeps a document
// this close to an Order; this explores that neighbourhood on every run.
type orderDocGenerator struct {
	r   *rand.Rand
	buf []byte
}

var (
	genStrings = []string{`""`, `"PO-1"`, `"EUR"`, `"é中😀"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\udc00x"`, "\"a\xffb\"",
		`"<&>\u2028"`, `"a\"b\\c\/\b\f\n\r\t"`, `"\u0000"`, `"` + strings.Repeat("x", 40) + `"`}
	genDecimals = []string{`"12.50"`, `12.50`, `"-0"`, `-0`, `"0.000"`, `1e3`, `"2.5E-3"`, `"+1"`, `".5"`, `"5."`, `"−1"`,
		`"123456789012345678901"`, `123456789012345678`, `"-1234567890123456.7"`, `"\u0031"`}
	genBadDecimals = []string{`"abc"`, `"12,5"`, `"1\/2"`, `" 1"`, `"1e99999"`, `""`}
	genDates       = []string{`"2026-03-02"`, `"2024-02-29"`, `"2026\u002d03-02"`, `"9999-12-31"`}
	genBadDates    = []string{`"2026-02-30"`, `"0000-01-01"`, `"2026-3-2"`, `20260302`, `"2026-03-02T00:00:00Z"`, `""`}
	genInts        = []string{`1`, `-0`, `0`, `-42`, `9223372036854775807`, `123456789012345678`}
	genBadInts     = []string{`1.5`, `1e2`, `"1"`, `99999999999999999999`}
	genOthers      = []string{`null`, `true`, `false`, `{}`, `[]`, `{"a":[1,{"b":null}]}`, `[null,"x",-1.5e-7]`, `0`}
)

func (g *orderDocGenerator) pick(pool []string) string { return pool[g.r.IntN(len(pool))] }

func (g *orderDocGenerator) pickEither(good, bad []string, useBad bool) string {
	if useBad {
		return g.pick(bad)
	}
	return g.pick(good)
}

func (g *orderDocGenerator) space() {
	if g.r.IntN(8) == 0 {
		g.buf = append(g.buf, g.pick([]string{" ", "\n", "\t", "\r\n  "})...)
	}
}

// key writes a field name, sometimes in other cases, escaped or unknown.
func (g *orderDocGenerator) key(name string) {
	switch g.r.IntN(12) {
	case 0:
		name = strings.ToUpper(name)
	case 1:
		name = strings.Replace(name, "s", "ſ", 1)
	case 2:
		name = strings.Replace(name, "_", `\u005f`, 1)
	case 3:
		name += "x"
	}
	g.space()
	g.buf = strconv.AppendQuote(g.buf, name)
	if strings.Contains(name, `\u`) { // keep the JSON escape, not Go's quoting of it
		g.buf = g.buf[:len(g.buf)-len(strconv.Quote(name))]
		g.buf = append(g.buf, `"`+name+`"`...)
	}
	g.space()
	g.buf = append(g.buf, ':')
	g.space()
}

// value writes a value of the given kind, or now and then a bad one.
func (g *orderDocGenerator) value(kind string, depth int) {
	bad := g.r.IntN(60) == 0
	if kind == "other" || g.r.IntN(60) == 0 {
		g.buf = append(g.buf, g.pick(genOthers)...)
		return
	}
	switch kind {
	case "string":
		g.buf = append(g.buf, g.pick(genStrings)...)
	case "decimal":
		g.buf = append(g.buf, g.pickEither(genDecimals, genBadDecimals, bad)...)
	case "date":
		g.buf = append(g.buf, g.pickEither(genDates, genBadDates, bad)...)
	case "int":
		g.buf = append(g.buf, g.pickEither(genInts, genBadInts, bad)...)
	case "lines":
		g.buf = append(g.buf, '[')
		for i := range g.r.IntN(4) {
			if i > 0 {
				g.buf = append(g.buf, ',')
			}
			g.space()
			g.object(orderLineDocFields, depth+1)
		}
		g.buf = append(g.buf, ']')
	case "party":
		g.object(partyDocFields, depth+1)
	case "address":
		g.object(addressDocFields, depth+1)
	case "source":
		g.object(sourceDocFields, depth+1)
	}
}

type docField struct{ name, kind string }

var (
	partyDocFields     = []docField{{"id", "string"}, {"name", "string"}, {"country", "string"}}
	addressDocFields   = []docField{{"name", "string"}, {"street", "string"}, {"city", "string"}, {"postal_code", "string"}, {"country", "string"}}
	sourceDocFields    = []docField{{"connector", "string"}, {"partner", "string"}, {"file", "string"}, {"sheet", "string"}, {"line", "int"}, {"segment", "string"}}
	orderLineDocFields = []docField{{"line_number", "int"}, {"sku", "string"}, {"buyer_sku", "string"}, {"gtin", "string"},
		{"description", "string"}, {"quantity", "decimal"}, {"unit", "string"}, {"unit_price", "decimal"}, {"amount", "decimal"},
		{"hs_code", "string"}, {"origin_country", "string"}, {"source", "source"}}
	orderDocFields = []docField{{"order_number", "string"}, {"order_date", "date"}, {"buyer", "party"}, {"supplier", "party"},
		{"currency", "string"}, {"incoterm", "string"}, {"incoterm_place", "string"}, {"payment_terms", "string"},
		{"requested_delivery_date", "date"}, {"ship_to", "address"}, {"lines", "lines"}, {"total_amount", "decimal"}, {"source", "source"}}
)

// object writes an object with a random choice of the fields, in a random
// order, sometimes with one of them twice or an unknown one.
func (g *orderDocGenerator) object(fields []docField, depth int) {
	g.buf = append(g.buf, '{')
	n := 0
	for _, i := range g.r.Perm(len(fields)) {
		if g.r.IntN(3) == 0 {
			continue
		}
		f := fields[i]
		if g.r.IntN(40) == 0 {
			f = docField{"unknown", "other"}
		}
		for range 1 + btoi(g.r.IntN(150) == 0) { // now and then a duplicate
			if n > 0 {
				g.buf = append(g.buf, ',')
			}
			n++
			g.key(f.name)
			g.value(f.kind, depth)
			g.space()
		}
	}
	g.buf = append(g.buf, '}')
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// document returns a new document, now and then broken by one byte.
func (g *orderDocGenerator) document() []byte {
	g.buf = g.buf[:0]
	g.space()
	g.object(orderDocFields, 1)
	g.space()
	if g.r.IntN(20) == 0 && len(g.buf) > 0 {
		i := g.r.IntN(len(g.buf))
		switch g.r.IntN(3) {
		case 0:
			g.buf = g.buf[:i]
		case 1:
			g.buf[i] = `",:{}[]\x`[g.r.IntN(9)]
		default:
			g.buf = append(g.buf[:i:i], append([]byte{'\\'}, g.buf[i:]...)...)
		}
	}
	return g.buf
}

func TestUnmarshalOrderMatchesEncodingJSONOnGeneratedDocuments(t *testing.T) {
	g := orderDocGenerator{r: rand.New(rand.NewPCG(1, 2))}
	fast := 0
	const n = 2000
	for range n {
		doc := g.document()
		checkDecodeParity(t, doc, func() *Order { return new(Order) })
		d := orderDecoder{data: doc}
		if d.document(new(Order)) {
			fast++
		}
	}
	// The generator must reach both paths, or it tests less than it claims.
	t.Logf("the fast decoder read %d of %d generated documents on its own", fast, n)
	if fast < n/10 || fast > n*9/10 {
		t.Errorf("the fast decoder read %d of %d generated documents on its own", fast, n)
	}
}
