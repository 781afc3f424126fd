package edifact_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
)

var testEnvelope = edifact.Envelope{
	SenderID: "4012345000009", SenderQualifier: "14",
	RecipientID: "4098765000002", RecipientQualifier: "14",
	ControlReference: "OUT0001",
	Prepared:         time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC),
}

func dec(s string) canonical.Decimal { return canonical.MustDecimal(s) }

func pdec(s string) *canonical.Decimal { d := dec(s); return &d }

// minimalOrder has only what Validate requires.
func minimalOrder(number string) *canonical.Order {
	return &canonical.Order{
		OrderNumber: number, Buyer: canonical.Party{ID: "4012345000009", Name: "Handelshaus Nord GmbH"}, Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "77001", Quantity: dec("6"), Unit: "H87", UnitPrice: dec("4.35")}},
	}
}

// fullOrder sets every field the ORDERS mapping reads.
func fullOrder() *canonical.Order {
	return &canonical.Order{
		OrderNumber: "PO-2026-0310", OrderDate: canonical.NewDate(2026, 3, 10),
		Buyer:    canonical.Party{ID: "4012345000009", Name: "Handelshaus Nord GmbH", Country: "DE"},
		Supplier: canonical.Party{ID: "SUP-77", Name: "Brunnen AG", Country: "AT"},
		Currency: "EUR", Incoterm: "FCA", IncotermPlace: "Hamburg", PaymentTerms: "30 days net",
		RequestedDeliveryDate: canonical.NewDate(2026, 3, 24), TransportMode: canonical.TransportRoad,
		ShipTo: &canonical.Address{Name: "Lager Süd", Street: "Am Hafen 5", City: "Hamburg", PostalCode: "20457", Country: "DE"},
		Lines: []canonical.OrderLine{
			{LineNumber: 1, GTIN: "4012345678901", SKU: "77001", BuyerSKU: "BV-1001", Description: "Mineralwasser 0,75 l", Quantity: dec("6"), Unit: "H87", UnitPrice: dec("4.35"), Amount: pdec("26.10")},
			{LineNumber: 2, SKU: "77002", Quantity: dec("12.5"), Unit: "LTR", UnitPrice: dec("1.20"), Amount: pdec("15.00")},
		},
		TotalAmount: pdec("41.10"),
	}
}

// roundTrip encodes with encode, decodes the result and returns the
// records as canonical JSON without their sources; it fails on any row
// error or warning, which catches wrong counts and references too.
func roundTrip(t *testing.T, content []byte) []string {
	t.Helper()
	rec, err := connectortest.DecodeBytes(edifact.NewDecoder(edifact.Options{}), "out.edi", content)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, content)
	}
	if len(rec.RowErrors) > 0 {
		t.Fatalf("row errors %+v\n%s", rec.RowErrors, content)
	}
	var out []string
	for _, r := range rec.Records {
		out = append(out, canonicalJSON(t, r.Value))
	}
	return out
}

// canonicalJSON is v as JSON with its Source cleared (on a copy).
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	switch r := v.(type) {
	case *canonical.Order:
		c := *r
		c.Source = nil
		v = &c
	case *canonical.OrderResponse:
		c := *r
		c.Source = nil
		v = &c
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOrdersSurviveEncodeAndDecode(t *testing.T) {
	delimiters := minimalOrder("PO+:'?1")
	delimiters.Lines[0].Description = `Kiste 6+6: Glas 'Premium' 100? Mehrweg`
	delimiters.Buyer.Name = "A+B:C'D?E"
	tests := []struct {
		name   string
		env    func(*edifact.Envelope)
		orders []*canonical.Order
	}{
		{"a minimal order", nil, []*canonical.Order{minimalOrder("PO-1")}},
		{"an order with every mapped field", nil, []*canonical.Order{fullOrder()}},
		{"several orders in one interchange", nil, []*canonical.Order{minimalOrder("PO-1"), fullOrder(), minimalOrder("PO-3")}},
		{"delimiters in text are released", nil, []*canonical.Order{delimiters}},
		{"an EANCOM order in UNOB", func(e *edifact.Envelope) { e.SyntaxIdentifier = "UNOB:3"; e.AssociationCode = "EAN008" }, []*canonical.Order{minimalOrder("PO-1")}},
		{"a UTF-8 order in syntax version 4", func(e *edifact.Envelope) { e.SyntaxIdentifier = "UNOW:4" }, []*canonical.Order{{
			OrderNumber: "ZAM-1", Buyer: canonical.Party{ID: "5901234000004", Name: "Żabka Łódź"}, Currency: "PLN",
			Lines: []canonical.OrderLine{{LineNumber: 1, Description: "Woda źródlana", Quantity: dec("1"), Unit: "H87", UnitPrice: dec("2")}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnvelope
			if tt.env != nil {
				tt.env(&env)
			}
			var buf bytes.Buffer
			if err := edifact.EncodeOrder(&buf, env, tt.orders...); err != nil {
				t.Fatalf("encode: %v", err)
			}
			got := roundTrip(t, buf.Bytes())
			if len(got) != len(tt.orders) {
				t.Fatalf("%d records back, want %d\n%s", len(got), len(tt.orders), buf.Bytes())
			}
			for i, o := range tt.orders {
				if want := canonicalJSON(t, o); got[i] != want {
					t.Errorf("order %d came back as\n%s\nwant\n%s\nfrom\n%s", i+1, got[i], want, buf.Bytes())
				}
			}
		})
	}
}

func TestADescriptionWithDelimitersIsWrittenWithReleaseCharacters(t *testing.T) {
	o := minimalOrder("PO-1")
	o.Lines[0].Description = "+:'?"
	var buf bytes.Buffer
	if err := edifact.EncodeOrder(&buf, testEnvelope, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("IMD+F++:::?+?:?'??'\n")) {
		t.Errorf("IMD not released:\n%s", buf.Bytes())
	}
	back := roundTrip(t, buf.Bytes())
	if !strings.Contains(back[0], `"description":"+:'?"`) {
		t.Errorf("description came back as %s", back[0])
	}
}

func TestOrderResponsesSurviveEncodeAndDecode(t *testing.T) {
	tests := []struct {
		name string
		r    *canonical.OrderResponse
	}{
		{"an acceptance without lines", &canonical.OrderResponse{OrderNumber: "PO-1", Status: canonical.ResponseAccepted}},
		{"a rejection with its lines", &canonical.OrderResponse{
			OrderNumber: "PO-2", ResponseNumber: "OR-2", ResponseDate: canonical.NewDate(2026, 3, 11), Status: canonical.ResponseRejected,
			Buyer: canonical.Party{ID: "4012345000009", Name: "Nord"}, Supplier: canonical.Party{ID: "4098765000002", Name: "Brunnen"},
			Lines: []canonical.OrderResponseLine{{LineNumber: 1, SKU: "77001", Status: canonical.ResponseRejected}},
		}},
		{"a change with accepted, changed and rejected lines", &canonical.OrderResponse{
			OrderNumber: "PO-3", ResponseNumber: "OR-3", Status: canonical.ResponseChanged,
			Lines: []canonical.OrderResponseLine{
				{LineNumber: 1, SKU: "A", Status: canonical.ResponseAccepted, Quantity: pdec("120"), DeliveryDate: canonical.NewDate(2026, 3, 24)},
				{LineNumber: 2, SKU: "B?+", Status: canonical.ResponseChanged, Quantity: pdec("400"), UnitPrice: pdec("1.25"), DeliveryDate: canonical.NewDate(2026, 3, 26)},
				{LineNumber: 3, Status: canonical.ResponseRejected, Quantity: pdec("0")},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := edifact.EncodeOrderResponse(&buf, testEnvelope, tt.r); err != nil {
				t.Fatalf("encode: %v", err)
			}
			got := roundTrip(t, buf.Bytes())
			if want := canonicalJSON(t, tt.r); len(got) != 1 || got[0] != want {
				t.Errorf("came back as\n%v\nwant\n%s\nfrom\n%s", got, want, buf.Bytes())
			}
		})
	}
}

func TestCommittedInterchangesDecodeTheSameAfterAReEncode(t *testing.T) {
	for _, tt := range []struct{ file, syntax string }{
		{"orders_eancom_una_decimal_comma.edi", "UNOB:3"},
		{"orders_unoc_umlauts.edi", "UNOC:3"},
		{"ordrsp_changed_line.edi", "UNOB:3"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			rec := decode(t, edifact.Options{}, "testdata/"+tt.file)
			if len(rec.Records) == 0 {
				t.Fatal("no records")
			}
			env := testEnvelope
			env.SyntaxIdentifier = tt.syntax
			var buf bytes.Buffer
			var err error
			var want []string
			switch rec.Records[0].Value.(type) {
			case *canonical.Order:
				var orders []*canonical.Order
				for _, r := range rec.Records {
					orders = append(orders, r.Value.(*canonical.Order))
					want = append(want, canonicalJSON(t, r.Value))
				}
				err = edifact.EncodeOrder(&buf, env, orders...)
			case *canonical.OrderResponse:
				var rs []*canonical.OrderResponse
				for _, r := range rec.Records {
					rs = append(rs, r.Value.(*canonical.OrderResponse))
					want = append(want, canonicalJSON(t, r.Value))
				}
				err = edifact.EncodeOrderResponse(&buf, env, rs...)
			}
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			got := roundTrip(t, buf.Bytes())
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("decoded again:\n%s\nfirst decode:\n%s\nencoded:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), buf.Bytes())
			}
		})
	}
}

func TestTheEnvelopeIsWrittenWithItsCountsAndDefaults(t *testing.T) {
	env := testEnvelope
	env.Test = true
	env.AssociationCode = "EAN008"
	var buf bytes.Buffer
	if err := edifact.EncodeOrder(&buf, env, minimalOrder("PO-1"), minimalOrder("PO-2")); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"UNA:+.? '\nUNB+UNOC:3+4012345000009:14+4098765000002:14+260310:0830+OUT0001++++++1'\n",
		"UNH+1+ORDERS:D:96A:UN:EAN008'\n", "UNH+2+ORDERS:D:96A:UN:EAN008'\n",
		"UNT+11+1'\n", "UNT+11+2'\n", "UNZ+2+OUT0001'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "UNA") != 1 || strings.Count(out, "UNB") != 1 {
		t.Errorf("want one interchange:\n%s", out)
	}
}

func TestRecordsThatCannotBeWrittenAreRefusedAndNothingIsWritten(t *testing.T) {
	noLines := minimalOrder("PO-2")
	noLines.Lines = nil
	bell := minimalOrder("PO-3")
	bell.Lines[0].Description = "Glocke \a"
	euro := minimalOrder("PO-4")
	euro.Lines[0].Description = "5 €"
	badEnv := testEnvelope
	badEnv.ControlReference = "MORE-THAN-14-CHARS"
	tests := []struct {
		name  string
		env   edifact.Envelope
		order *canonical.Order
		want  []string
	}{
		{"an order that does not validate", testEnvelope, noLines, []string{`order "PO-2"`, "lines"}},
		{"a control character", testEnvelope, bell, []string{`order "PO-3"`, "lines[0].description", "control character U+0007"}},
		{"a character outside the character set", testEnvelope, euro, []string{`order "PO-4"`, "IMD", "U+20AC", "UNOC"}},
		{"a control reference that is too long", badEnv, minimalOrder("PO-5"), []string{"control reference", "14"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := edifact.EncodeOrder(&buf, tt.env, minimalOrder("PO-1"), tt.order)
			if err == nil {
				t.Fatalf("no error; wrote\n%s", buf.Bytes())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written", buf.Len())
			}
		})
	}
	var buf bytes.Buffer
	if err := edifact.EncodeOrder(&buf, testEnvelope); err == nil || buf.Len() != 0 {
		t.Errorf("no orders: %v, %d bytes written; want an error and nothing", err, buf.Len())
	}
	r := &canonical.OrderResponse{OrderNumber: "PO-1"} // no status
	if err := edifact.EncodeOrderResponse(&buf, testEnvelope, r); err == nil || !strings.Contains(err.Error(), "status") || buf.Len() != 0 {
		t.Errorf("a response without status: %v, %d bytes written", err, buf.Len())
	}
}

// FuzzEncodeText writes an order whose description and SKU are arbitrary
// text: either the encoder refuses it, or the decoder reads back the same
// text (the description without its outer blanks, as IMD is read).
func FuzzEncodeText(f *testing.F) {
	for _, s := range []string{"+:'?", "??''", "a?", "'", "Kiste 6+6: Glas 'Premium' 100? Mehrweg", "Żabka", " x "} {
		f.Add(s, s)
	}
	env := testEnvelope
	env.SyntaxIdentifier = "UNOW:4"
	f.Fuzz(func(t *testing.T, desc, sku string) {
		o := minimalOrder("PO-1")
		o.Lines[0].Description, o.Lines[0].SKU = desc, sku
		var buf bytes.Buffer
		if err := edifact.EncodeOrder(&buf, env, o); err != nil {
			if buf.Len() != 0 {
				t.Fatalf("refused (%v) but wrote %d bytes", err, buf.Len())
			}
			return
		}
		rec, err := connectortest.DecodeBytes(edifact.NewDecoder(edifact.Options{}), "out.edi", buf.Bytes())
		if err != nil || len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
			t.Fatalf("err %v, %d records, row errors %+v\n%s", err, len(rec.Records), rec.RowErrors, buf.Bytes())
		}
		l := rec.Records[0].Value.(*canonical.Order).Lines[0]
		if l.Description != strings.TrimSpace(desc) || l.SKU != sku {
			t.Fatalf("description %q sku %q came back as %q, %q\n%s", desc, sku, l.Description, l.SKU, buf.Bytes())
		}
	})
}

func TestAModeOfTransportOutsideRec19IsAWarningAndTheOrderIsTakenWithoutAMode(t *testing.T) {
	var buf bytes.Buffer
	if err := edifact.EncodeOrder(&buf, testEnvelope, fullOrder()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("TDT+20++3'")) {
		t.Fatalf("a road order is written with TDT+20++3:\n%s", buf.Bytes())
	}
	content := bytes.Replace(buf.Bytes(), []byte("TDT+20++3'"), []byte("TDT+20++9'"), 1)
	rec, err := connectortest.DecodeBytes(edifact.NewDecoder(edifact.Options{}), "orders.edi", content)
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("err %v, records %d", err, len(rec.Records))
	}
	if m := rec.Records[0].Value.(*canonical.Order).TransportMode; m != "" {
		t.Errorf("transport mode %q, want none", m)
	}
	if len(rec.RowErrors) != 1 || !rec.RowErrors[0].Warning || rec.RowErrors[0].Code != edifact.CodeInvalidValue {
		t.Errorf("row errors %+v, want one invalid_value warning", rec.RowErrors)
	}
}
