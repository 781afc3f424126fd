package edi_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi"
)

func amendedOrder() *canonical.Order {
	return &canonical.Order{OrderNumber: "4500012351", OrderDate: canonical.NewDate(2026, 3, 4),
		Buyer: canonical.Party{ID: "ACME-DE"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"}, Currency: "USD",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SZP-SRV-750B", Quantity: canonical.MustDecimal("60"), Unit: "H87", UnitPrice: canonical.MustDecimal("186.40")}}}
}

func TestAnAmendedOrderIsWrittenAsAReplacementAndStillReadsAsTheOrder(t *testing.T) {
	env := edi.Envelope{Sender: edi.Party{ID: "ACME"}, Receiver: edi.Party{ID: "SZP"}, ControlNumber: 7,
		Date: time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC), Replace: true}
	for format, mark := range map[string]string{"x12": "BEG*05*SA*4500012351", "edifact": "BGM+220+4500012351+5'"} {
		var b bytes.Buffer
		if _, err := edi.Encode(&b, format, env, []*canonical.Order{amendedOrder()}, nil); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !strings.Contains(b.String(), mark) {
			t.Errorf("%s: no %q in\n%s", format, mark, b.String())
		}
		dec, err := edi.NewDecoder(format, edi.DecoderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := connectortest.DecodeBytes(dec, "amended."+format, b.Bytes())
		if err != nil || len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
			t.Fatalf("%s: read back %d records, %v, %v", format, len(rec.Records), rec.RowErrors, err)
		}
		if o := rec.Records[0].Value.(*canonical.Order); o.Lines[0].Quantity.String() != "60" {
			t.Errorf("%s: the replacement reads back with quantity %s", format, o.Lines[0].Quantity)
		}
	}
	var b bytes.Buffer
	if _, err := edi.Encode(&b, "ubl", env, []*canonical.Order{amendedOrder()}, nil); err == nil || b.Len() > 0 {
		t.Errorf("ubl wrote a replacement it cannot mark: %v, %d bytes", err, b.Len())
	}
}
