package x12_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

func dec(s string) canonical.Decimal                { return canonical.MustDecimal(s) }
func decp(s string) *canonical.Decimal              { d := canonical.MustDecimal(s); return &d }
func day(y int, m time.Month, d int) canonical.Date { return canonical.NewDate(y, m, d) }

// testEnvelope is a buyer's interchange to its supplier.
func testEnvelope() x12.Envelope {
	return x12.Envelope{SenderID: "ACMERETAIL", ReceiverID: "SZHOMEGOODS", ControlNumber: 4711,
		Date: time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC)}
}

var (
	acme    = canonical.Party{ID: "ACME-US", Name: "ACME RETAIL INC", Country: "US"}
	shenzen = canonical.Party{ID: "CN-SZHG", Name: "SHENZHEN HOMEGOODS CO LTD", Country: "CN"}
)

// orderWithEverythingMapped has a value in every field the decoder reads.
func orderWithEverythingMapped() *canonical.Order {
	return &canonical.Order{
		OrderNumber: "4500012345", OrderDate: day(2026, 12, 1), Buyer: acme, Supplier: shenzen,
		Currency: "USD", Incoterm: "FOB", IncotermPlace: "Yantian Shenzhen", PaymentTerms: "2% 10 days, net 30",
		RequestedDeliveryDate: day(2027, 2, 15), TransportMode: canonical.TransportSea,
		ShipTo: &canonical.Address{Name: "ACME DC DALLAS", Street: "4500 LOGISTICS PKWY", City: "DALLAS", PostalCode: "75241", Country: "US"},
		Lines: []canonical.OrderLine{
			{LineNumber: 1, SKU: "SZ-LMP-220", BuyerSKU: "ACME-100045", GTIN: "012345678905", Description: "LED DESK LAMP WHITE", Quantity: dec("1200"), Unit: "EA", UnitPrice: dec("4.35")},
			{LineNumber: 2, SKU: "SZ-GLV-M", GTIN: "4006381333931", Description: "NITRILE WORK GLOVES SIZE M", Quantity: dec("300"), Unit: "PR", UnitPrice: dec("1.20")},
			{LineNumber: 3, BuyerSKU: "ACME-RES", GTIN: "10012345678902", Quantity: dec("250.5"), Unit: "KGM", UnitPrice: dec("2.8")},
			{LineNumber: 4, SKU: "SZ-HOOK-3", Quantity: dec("5000"), Unit: "H87", UnitPrice: dec("0")},
		},
	}
}

// orderWithOnlyWhatIsRequired has a number, the parties, a currency and one line.
func orderWithOnlyWhatIsRequired() *canonical.Order {
	return &canonical.Order{
		OrderNumber: "PO-1", Buyer: canonical.Party{ID: "B-1"}, Supplier: canonical.Party{ID: "S-1"}, Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 10, Quantity: dec("1"), Unit: "EA", UnitPrice: dec("9.99")}},
	}
}

func responseAcceptedWithDates() *canonical.OrderResponse {
	return &canonical.OrderResponse{
		OrderNumber: "4500012345", ResponseNumber: "SO-88812", ResponseDate: day(2026, 12, 3), Buyer: acme, Supplier: shenzen,
		Status: canonical.ResponseAccepted,
		Lines: []canonical.OrderResponseLine{
			{LineNumber: 1, SKU: "SZ-LMP-220", Status: canonical.ResponseAccepted, Quantity: decp("1200"), UnitPrice: decp("4.35"), DeliveryDate: day(2027, 2, 15)},
			{LineNumber: 2, Status: canonical.ResponseAccepted},
		},
	}
}

func responseChangedWithARejectedLine() *canonical.OrderResponse {
	return &canonical.OrderResponse{
		OrderNumber: "4500012346", ResponseDate: day(2026, 12, 4), Buyer: acme, Supplier: shenzen,
		Status: canonical.ResponseChanged,
		Lines: []canonical.OrderResponseLine{
			{LineNumber: 1, SKU: "SZ-GLV-M", Status: canonical.ResponseChanged, Quantity: decp("250"), DeliveryDate: day(2027, 3, 1)},
			{LineNumber: 2, SKU: "SZ-RES-01", Status: canonical.ResponseRejected, Quantity: decp("50"), UnitPrice: decp("2.80")},
		},
	}
}

func responseRejectedWithoutLines() *canonical.OrderResponse {
	return &canonical.OrderResponse{OrderNumber: "4500012347", ResponseDate: day(2026, 12, 4), Buyer: acme, Supplier: shenzen, Status: canonical.ResponseRejected}
}

// decodeWritten decodes what an encoder wrote and returns its records'
// values as canonical JSON without their sources; it fails t on any row
// error or warning.
func decodeWritten(t *testing.T, content []byte) []string {
	t.Helper()
	rec, err := connectortest.DecodeBytes(x12.NewDecoder(x12.Options{}), "written.x12", content)
	if err != nil {
		t.Fatalf("decode what was written: %v\n%s", err, content)
	}
	for _, e := range rec.RowErrors {
		t.Errorf("what was written reads with %v\n%s", e, content)
	}
	return canonicalJSON(t, rec.Records)
}

func canonicalJSON(t *testing.T, recs []connectors.Record) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		switch v := r.Value.(type) {
		case *canonical.Order:
			v.Source = nil
		case *canonical.OrderResponse:
			v.Source = nil
		}
		out = append(out, marshal(t, r.Value))
	}
	return out
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameRecords(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records read back, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d reads back as\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
}

func TestWrittenOrdersReadBackAsTheyWere(t *testing.T) {
	for name, orders := range map[string][]*canonical.Order{
		"an order with every mapped field":          {orderWithEverythingMapped()},
		"an order with only what is required":       {orderWithOnlyWhatIsRequired()},
		"two orders in one interchange":             {orderWithEverythingMapped(), orderWithOnlyWhatIsRequired()},
		"an order in version 005010 (^ repetition)": {orderWithOnlyWhatIsRequired()},
	} {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, o := range orders {
				if err := o.Validate(); err != nil {
					t.Fatalf("test order does not validate: %v", err)
				}
				want = append(want, marshal(t, o))
			}
			env := testEnvelope()
			if strings.Contains(name, "005010") {
				env.Version = "005010"
			}
			var b bytes.Buffer
			if err := x12.EncodeOrder(&b, env, orders...); err != nil {
				t.Fatal(err)
			}
			sameRecords(t, decodeWritten(t, b.Bytes()), want)
		})
	}
}

func TestWrittenOrderResponsesReadBackAsTheyWere(t *testing.T) {
	for name, responses := range map[string][]*canonical.OrderResponse{
		"an accepted response with quantities, prices and dates": {responseAcceptedWithDates()},
		"a changed response with a rejected line":                {responseChangedWithARejectedLine()},
		"a rejected response without lines":                      {responseRejectedWithoutLines()},
		"three responses in one interchange":                     {responseAcceptedWithDates(), responseChangedWithARejectedLine(), responseRejectedWithoutLines()},
	} {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, r := range responses {
				if err := r.Validate(); err != nil {
					t.Fatalf("test response does not validate: %v", err)
				}
				want = append(want, marshal(t, r))
			}
			var b bytes.Buffer
			if err := x12.EncodeOrderResponse(&b, testEnvelope(), responses...); err != nil {
				t.Fatal(err)
			}
			sameRecords(t, decodeWritten(t, b.Bytes()), want)
		})
	}
}

// TestPartnerFilesSurviveAWriteAndARead decodes committed partner files,
// writes their records and reads them again.
func TestPartnerFilesSurviveAWriteAndARead(t *testing.T) {
	for _, c := range []struct {
		path   string
		encode func(*bytes.Buffer, []connectors.Record) error
	}{
		{"testdata/850_retailer_to_shenzhen_supplier.x12", func(b *bytes.Buffer, recs []connectors.Record) error {
			var orders []*canonical.Order
			for _, r := range recs {
				orders = append(orders, r.Value.(*canonical.Order))
			}
			return x12.EncodeOrder(b, testEnvelope(), orders...)
		}},
		{"testdata/855_changed_lines.x12", func(b *bytes.Buffer, recs []connectors.Record) error {
			var responses []*canonical.OrderResponse
			for _, r := range recs {
				responses = append(responses, r.Value.(*canonical.OrderResponse))
			}
			return x12.EncodeOrderResponse(b, testEnvelope(), responses...)
		}},
	} {
		t.Run(c.path, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), c.path)
			if err != nil || len(rec.Records) == 0 {
				t.Fatalf("decode: %v, %d records", err, len(rec.Records))
			}
			want := canonicalJSON(t, rec.Records)
			var b bytes.Buffer
			if err := c.encode(&b, rec.Records); err != nil {
				t.Fatal(err)
			}
			sameRecords(t, decodeWritten(t, b.Bytes()), want)
		})
	}
}

func TestWrittenEnvelopeCountsAndControlNumbers(t *testing.T) {
	var b bytes.Buffer
	env := testEnvelope()
	env.Usage = "T"
	if err := x12.EncodeOrder(&b, env, orderWithEverythingMapped(), orderWithOnlyWhatIsRequired()); err != nil {
		t.Fatal(err)
	}
	segs := ackSegments(t, b.Bytes()) // checks SE, GE and IEA against what is there
	wantLines(t, segs, []string{
		"ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*SZHOMEGOODS    *261204*1030*U*00401*000004711*0*T*:",
		"GS*PO*ACMERETAIL*SZHOMEGOODS*20261204*1030*4711*X*004010",
		"ST*850*0001", "ST*850*0002", "GE*2*4711", "IEA*1*000004711",
	}, "ISA", "GS", "ST", "GE", "IEA")
}

func TestInvalidRecordsAreRefusedAndNothingIsWritten(t *testing.T) {
	starred := orderWithOnlyWhatIsRequired()
	starred.Lines[0].SKU = "A*B"
	tilde := responseAcceptedWithDates()
	tilde.ResponseNumber = "SO~1"
	control := orderWithOnlyWhatIsRequired()
	control.Lines[0].Description = "two\nlines"
	invalid := orderWithOnlyWhatIsRequired()
	invalid.Lines = nil
	noX12Unit := orderWithOnlyWhatIsRequired()
	noX12Unit.Lines[0].Unit = "XPK"
	badEnvelope := testEnvelope()
	badEnvelope.SenderID = "A:B"
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  []string // in the error
	}{
		{"a sku with the element separator", func(b *bytes.Buffer) error { return x12.EncodeOrder(b, testEnvelope(), starred) }, []string{`"PO-1"`, "lines[0].sku", "'*'"}},
		{"a response number with the segment terminator", func(b *bytes.Buffer) error {
			return x12.EncodeOrderResponse(b, testEnvelope(), tilde)
		}, []string{`"4500012345"`, "response_number", "'~'"}},
		{"a description with a line break", func(b *bytes.Buffer) error { return x12.EncodeOrder(b, testEnvelope(), control) }, []string{"lines[0].description", "control character"}},
		{"an order without lines (Validate)", func(b *bytes.Buffer) error { return x12.EncodeOrder(b, testEnvelope(), invalid) }, []string{`"PO-1"`, "lines"}},
		{"a unit without an X12 code", func(b *bytes.Buffer) error { return x12.EncodeOrder(b, testEnvelope(), noX12Unit) }, []string{"lines[0].unit", "XPK"}},
		{"a sender id with the sub-element separator", func(b *bytes.Buffer) error {
			return x12.EncodeOrder(b, badEnvelope, orderWithOnlyWhatIsRequired())
		}, []string{"sender id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			err := c.write(&b)
			if err == nil {
				t.Fatalf("written:\n%s", b.String())
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if b.Len() != 0 {
				t.Errorf("%d bytes written before the error", b.Len())
			}
		})
	}
}

func TestWritingNothingIsAnError(t *testing.T) {
	var b bytes.Buffer
	if err := x12.EncodeOrder(&b, testEnvelope()); err == nil || b.Len() != 0 {
		t.Errorf("EncodeOrder without orders = %v, wrote %d bytes", err, b.Len())
	}
	if err := x12.EncodeOrderResponse(&b, testEnvelope()); err == nil || b.Len() != 0 {
		t.Errorf("EncodeOrderResponse without responses = %v, wrote %d bytes", err, b.Len())
	}
}

func ExampleEncodeOrder() {
	order := &canonical.Order{
		OrderNumber: "PO-1", OrderDate: canonical.NewDate(2026, 12, 1),
		Buyer: canonical.Party{ID: "ACME-US"}, Supplier: canonical.Party{ID: "CN-SZHG"}, Currency: "USD",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SZ-LMP-220", Quantity: canonical.MustDecimal("12"), Unit: "EA", UnitPrice: canonical.MustDecimal("4.35")}},
	}
	env := x12.Envelope{SenderID: "ACMERETAIL", ReceiverID: "SZHOMEGOODS", ControlNumber: 17, Date: time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)}
	if err := x12.EncodeOrder(os.Stdout, env, order); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*SZHOMEGOODS    *261201*1030*U*00401*000000017*0*P*:~
	// GS*PO*ACMERETAIL*SZHOMEGOODS*20261201*1030*17*X*004010~
	// ST*850*0001~
	// BEG*00*SA*PO-1**20261201~
	// CUR*BY*USD~
	// N1*BY**92*ACME-US~
	// N1*SE**92*CN-SZHG~
	// PO1*1*12*EA*4.35*PE*VP*SZ-LMP-220~
	// CTT*1~
	// SE*8*0001~
	// GE*1*17~
	// IEA*1*000000017~
}

func TestAnUnknownTransportationMethodIsAWarningAndTheOrderIsTakenWithoutAMode(t *testing.T) {
	var b bytes.Buffer
	if err := x12.EncodeOrder(&b, testEnvelope(), orderWithEverythingMapped()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("TD5****S~")) {
		t.Fatalf("a sea order is written with TD5****S:\n%s", b.Bytes())
	}
	content := bytes.Replace(b.Bytes(), []byte("TD5****S~"), []byte("TD5****ZZ~"), 1)
	rec, err := connectortest.DecodeBytes(x12.NewDecoder(x12.Options{}), "po.x12", content)
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("err %v, records %d", err, len(rec.Records))
	}
	if m := rec.Records[0].Value.(*canonical.Order).TransportMode; m != "" {
		t.Errorf("transport mode %q, want none", m)
	}
	if len(rec.RowErrors) != 1 || !rec.RowErrors[0].Warning || rec.RowErrors[0].Code != x12.CodeUnknownCode || rec.RowErrors[0].Field != "TD504" {
		t.Errorf("row errors %+v, want one unknown_code warning at TD504", rec.RowErrors)
	}
}
