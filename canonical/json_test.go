package canonical

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// samples are the testdata records, one per canonical type, each filling
// every field so that round trips and schema checks see all of them.
var samples = []struct {
	typeName string
	file     string
	newValue func() any // a pointer to a zero record of the type
}{
	{TypeOrder, "order.json", func() any { return new(Order) }},
	{TypeOrderResponse, "order_response.json", func() any { return new(OrderResponse) }},
	{TypeShipment, "shipment.json", func() any { return new(Shipment) }},
	{TypeTrackingEvent, "tracking_event.json", func() any { return new(TrackingEvent) }},
	{TypeInvoice, "invoice.json", func() any { return new(Invoice) }},
	{TypeBankStatement, "bank_statement.json", func() any { return new(BankStatement) }},
	{TypeOrderEvent, "order_event.json", func() any { return new(OrderEvent) }},
}

// readCompact reads a testdata file and returns it compacted.
func readCompact(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.Bytes()
}

// decodeStrict decodes data into v, failing on fields v does not have.
func decodeStrict(t testing.TB, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
}

// load decodes a testdata sample into a new T.
func load[T any](t testing.TB, name string) *T {
	t.Helper()
	v := new(T)
	decodeStrict(t, readCompact(t, name), v)
	return v
}

func TestEveryRecordTypeRoundTripsThroughJSONUnchanged(t *testing.T) {
	for _, s := range samples {
		t.Run(s.typeName+" from "+s.file+" is written back byte for byte", func(t *testing.T) {
			in := readCompact(t, s.file)
			v := s.newValue()
			decodeStrict(t, in, v)
			if err := Validate(v); err != nil {
				t.Fatalf("the sample should be valid: %v", err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("round trip changed the record\n got: %s\nwant: %s", out, in)
			}
			again := s.newValue()
			decodeStrict(t, out, again)
			if !reflect.DeepEqual(v, again) {
				t.Errorf("decoding the output gives a different record")
			}
		})
	}
}

func TestWrapNamesEachRecordWithItsCanonicalType(t *testing.T) {
	for _, s := range samples {
		t.Run(s.typeName+" is wrapped as "+s.typeName, func(t *testing.T) {
			v := s.newValue()
			decodeStrict(t, readCompact(t, s.file), v)
			env, err := Wrap(v)
			if err != nil {
				t.Fatal(err)
			}
			if env.Type != s.typeName {
				t.Errorf("type = %q, want %q", env.Type, s.typeName)
			}
			if !bytes.Equal(env.Data, readCompact(t, s.file)) {
				t.Errorf("data = %s", env.Data)
			}
		})
	}
	t.Run("a value that is not a record is refused", func(t *testing.T) {
		if _, err := Wrap(Party{ID: "x"}); err == nil {
			t.Error("Wrap(Party) succeeded")
		}
	})
}

func TestOptionalFieldsAreLeftOutOfJSON(t *testing.T) {
	o := Order{OrderNumber: "PO-1", Buyer: Party{ID: "B"}, Currency: "EUR",
		Lines: []OrderLine{{LineNumber: 1, Quantity: MustDecimal("1"), Unit: "EA", UnitPrice: MustDecimal("0")}}}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"order_date", "requested_delivery_date", "total_amount", "ship_to", "amount", "source", "null"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("%s should be left out: %s", absent, b)
		}
	}
}

func TestBankStatementWithoutEntriesWritesAnEmptyArray(t *testing.T) {
	s := BankStatement{StatementID: "S1", Account: BankAccount{Number: "123456789"}}
	for _, v := range []any{s, &s} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"entries":[]`) {
			t.Errorf("%T: want \"entries\":[], got %s", v, b)
		}
	}
}
