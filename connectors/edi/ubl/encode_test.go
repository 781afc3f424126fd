package ubl_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

// TestEncodeOrderRoundTrips encodes the decoded PEPPOL order and decodes
// the output: the same order comes back, but for its source.
func TestEncodeOrderRoundTrips(t *testing.T) {
	d := ubl.NewDecoder(ubl.Options{})
	rec, err := connectortest.DecodeFile(t, d, "testdata/peppol_bis_order.xml")
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("decode: %v, %d records", err, len(rec.Records))
	}
	want := rec.Records[0].Value.(*canonical.Order)
	var buf bytes.Buffer
	if err := ubl.EncodeOrder(&buf, want); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{
		"<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>",
		`<cbc:EndpointID schemeID="0088">4012345000009</cbc:EndpointID>`,
		`<cbc:Quantity unitCode="H87">20</cbc:Quantity>`,
		"Hafenstraße 3, Tor 4",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %s", s)
		}
	}
	back, err := connectortest.DecodeBytes(d, "out.xml", buf.Bytes())
	if err != nil || len(back.Records) != 1 {
		t.Fatalf("decode the output: %v, %d records, row errors %+v\n%s", err, len(back.Records), back.RowErrors, out)
	}
	got := back.Records[0].Value.(*canonical.Order)
	got.Source, want.Source = nil, nil
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("round trip differs:\n got %s\nwant %s", g, w)
	}
}

func TestEncodeOrderRefusesAnInvalidOrder(t *testing.T) {
	o := &canonical.Order{OrderNumber: "PO-1", Currency: "EUR"}
	var buf bytes.Buffer
	if err := ubl.EncodeOrder(&buf, o); err == nil || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written; want an error and nothing written", err, buf.Len())
	}
}
