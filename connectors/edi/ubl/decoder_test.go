package ubl_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit replaces old by new in doc and fails when old is not there, so that
// a test cannot pass on an edit that did nothing.
func edit(t *testing.T, doc, old, new string) string {
	t.Helper()
	if !strings.Contains(doc, old) {
		t.Fatalf("%q is not in the document", old)
	}
	return strings.Replace(doc, old, new, 1)
}

func decode(t *testing.T, opt ubl.Options, doc string) (*connectortest.Recorder, error) {
	t.Helper()
	return connectortest.DecodeBytes(ubl.NewDecoder(opt), "doc.xml", []byte(doc))
}

func oneInvoice(t *testing.T, opt ubl.Options, doc string) *canonical.Invoice {
	t.Helper()
	rec, err := decode(t, opt, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Records) != 1 {
		t.Fatalf("%d records, row errors %+v", len(rec.Records), rec.RowErrors)
	}
	return rec.Records[0].Value.(*canonical.Invoice)
}

func TestAnInvoiceWithTypeCode381IsReadAsACreditNote(t *testing.T) {
	doc := readTestdata(t, "xrechnung_3_invoice_leitweg_id.xml")
	doc = edit(t, doc, "<cbc:InvoiceTypeCode>380<", "<cbc:InvoiceTypeCode>381<")
	inv := oneInvoice(t, ubl.Options{}, doc)
	if got := inv.TotalAmount.String(); got != "-285.60" {
		t.Errorf("total_amount = %s, want -285.60", got)
	}
	if l := inv.Lines[0]; l.Quantity.String() != "-3" || l.UnitPrice.String() != "80.00" || l.Amount.String() != "-240.00" {
		t.Errorf("line = %s × %s = %s, want -3 × 80.00 = -240.00", l.Quantity, l.UnitPrice, l.Amount)
	}
}

func TestTheVariantOptionOverridesTheCustomizationID(t *testing.T) {
	// A PEPPOL invoice without BuyerReference passes as PEPPOL (it has an
	// OrderReference) but not when the partner is configured as XRechnung.
	doc := readTestdata(t, "peppol_bis3_invoice_nl_line_allowance.xml")
	doc = edit(t, doc, "<cbc:BuyerReference>AFD-INKOOP-12</cbc:BuyerReference>", "")
	oneInvoice(t, ubl.Options{}, doc)

	rec, err := decode(t, ubl.Options{Variant: ubl.VariantXRechnung}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Records) != 0 || len(rec.RowErrors) != 1 || rec.RowErrors[0].Field != "Invoice/cbc:BuyerReference" {
		t.Fatalf("records %d, row errors %+v; want one row error at Invoice/cbc:BuyerReference", len(rec.Records), rec.RowErrors)
	}
}

func TestAPEPPOLInvoiceNeedsABuyerReferenceOrAnOrderReference(t *testing.T) {
	doc := readTestdata(t, "peppol_bis3_invoice_nl_line_allowance.xml")
	doc = edit(t, doc, "<cbc:BuyerReference>AFD-INKOOP-12</cbc:BuyerReference>", "")
	doc = edit(t, doc, "<cac:OrderReference>\n    <cbc:ID>PO-2026-0417</cbc:ID>\n  </cac:OrderReference>", "")
	rec, err := decode(t, ubl.Options{}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Records) != 0 || len(rec.RowErrors) != 1 || rec.RowErrors[0].Code != canonical.CodeRequired {
		t.Fatalf("records %d, row errors %+v", len(rec.Records), rec.RowErrors)
	}
}

func TestBuyerReferenceIsNeverAnOrderNumber(t *testing.T) {
	inv := oneInvoice(t, ubl.Options{}, readTestdata(t, "xrechnung_3_invoice_leitweg_id.xml"))
	if len(inv.OrderNumbers) != 0 {
		t.Errorf("order_numbers = %q, want none: the Leitweg-ID is not an order", inv.OrderNumbers)
	}
}

func TestOIOUBLTaxExclusiveAmountIsNotTheNetTotal(t *testing.T) {
	// A document-level charge makes line_total the net total; OIOUBL's
	// TaxExclusiveAmount (the tax) must not be taken for it.
	doc := readTestdata(t, "oioubl_invoice_dkk_gln.xml")
	doc = edit(t, doc, "  <cac:TaxTotal>", `  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>true</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReason>Fragt</cbc:AllowanceChargeReason>
    <cbc:Amount currencyID="DKK">50.00</cbc:Amount>
  </cac:AllowanceCharge>
  <cac:TaxTotal>`)
	doc = edit(t, doc, `<cbc:TaxAmount currencyID="DKK">112.50</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="DKK">125.00</cbc:TaxAmount>`)
	doc = edit(t, doc, `<cbc:TaxInclusiveAmount currencyID="DKK">562.50<`, `<cbc:TaxInclusiveAmount currencyID="DKK">625.00<`)
	doc = edit(t, doc, `<cbc:PayableAmount currencyID="DKK">562.50<`, `<cbc:PayableAmount currencyID="DKK">625.00<`)
	inv := oneInvoice(t, ubl.Options{}, doc)
	if inv.LineTotal.String() != "500.00" || len(inv.Lines) != 2 || inv.Lines[1].Description != "Charge: Fragt" {
		t.Errorf("line_total %s, lines %+v; want 500.00 with a charge line", inv.LineTotal, inv.Lines)
	}
}

func TestAnOrderKeepsItsRecordAndWarnsOfADocumentAllowance(t *testing.T) {
	doc := readTestdata(t, "peppol_bis_order.xml")
	doc = edit(t, doc, "  <cac:AnticipatedMonetaryTotal>", `  <cac:AllowanceCharge>
    <cbc:ChargeIndicator>false</cbc:ChargeIndicator>
    <cbc:Amount currencyID="EUR">10.00</cbc:Amount>
  </cac:AllowanceCharge>
  <cac:AnticipatedMonetaryTotal>`)
	rec, err := decode(t, ubl.Options{}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Records) != 1 || len(rec.RowErrors) != 1 || !rec.RowErrors[0].Warning || rec.RowErrors[0].Code != ubl.CodeNotCarried {
		t.Fatalf("records %d, row errors %+v; want the order and one not_carried warning", len(rec.Records), rec.RowErrors)
	}
}

func TestOrderResponseSimple(t *testing.T) {
	for _, tc := range []struct {
		indicator string
		want      canonical.ResponseStatus
	}{{"true", canonical.ResponseAccepted}, {"false", canonical.ResponseRejected}} {
		t.Run("AcceptedIndicator "+tc.indicator+" is "+string(tc.want), func(t *testing.T) {
			doc := `<?xml version="1.0"?>
<OrderResponseSimple xmlns="urn:oasis:names:specification:ubl:schema:xsd:OrderResponseSimple-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:ID>ORS-1</cbc:ID>
  <cbc:IssueDate>2026-11-03</cbc:IssueDate>
  <cbc:AcceptedIndicator>` + tc.indicator + `</cbc:AcceptedIndicator>
  <cac:OrderReference><cbc:ID>PO-77</cbc:ID></cac:OrderReference>
</OrderResponseSimple>`
			rec, err := decode(t, ubl.Options{}, doc)
			if err != nil || len(rec.Records) != 1 {
				t.Fatalf("err %v, records %d, row errors %+v", err, len(rec.Records), rec.RowErrors)
			}
			r := rec.Records[0].Value.(*canonical.OrderResponse)
			if r.Status != tc.want || r.OrderNumber != "PO-77" || rec.Records[0].Key != "PO-77" {
				t.Errorf("got %s for order %s (key %s)", r.Status, r.OrderNumber, rec.Records[0].Key)
			}
		})
	}
}

func TestADespatchAdvicesSSCCsAreListedApartFromTheCarriersTrackingNumber(t *testing.T) {
	doc := readTestdata(t, "peppol_despatch_advice_ssccs.xml")
	t.Run("the lines' SSCCs in document order, each once", func(t *testing.T) {
		s := onlyShipment(t, doc)
		if got, want := strings.Join(s.SSCCs, ","), "087123450000000011,087123450000000028,087123450000000035"; got != want {
			t.Errorf("ssccs %s, want %s", got, want)
		}
		if got, want := strings.Join(s.TrackingNumbers, ","), "NL-DSV-7781234"; got != want {
			t.Errorf("tracking numbers %s, want only the CarrierAssignedID %s", got, want)
		}
		if s.Packages != 3 {
			t.Errorf("packages %d, want the 3 distinct SSCCs", s.Packages)
		}
	})
	t.Run("the header's pallet and its packages come before the lines'", func(t *testing.T) {
		withPallet := edit(t, doc, "    </cac:Delivery>\n  </cac:Shipment>", `    </cac:Delivery>
    <cac:TransportHandlingUnit>
      <cbc:ID schemeID="SSCC">087123450000000042</cbc:ID>
      <cac:Package>
        <cbc:ID schemeID="SSCC">087123450000000028</cbc:ID>
      </cac:Package>
    </cac:TransportHandlingUnit>
  </cac:Shipment>`)
		s := onlyShipment(t, withPallet)
		if got, want := strings.Join(s.SSCCs, ","), "087123450000000042,087123450000000028,087123450000000011,087123450000000035"; got != want {
			t.Errorf("ssccs %s, want %s", got, want)
		}
	})
}

func onlyShipment(t *testing.T, doc string) *canonical.Shipment {
	t.Helper()
	rec, err := decode(t, ubl.Options{}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.RowErrors) != 0 || len(rec.Records) != 1 {
		t.Fatalf("row errors %+v, %d records; want one shipment", rec.RowErrors, len(rec.Records))
	}
	return rec.Records[0].Value.(*canonical.Shipment)
}

func TestAnInvalidRecordIsOneRowErrorAtItsXMLPath(t *testing.T) {
	doc := readTestdata(t, "peppol_bis_order.xml")
	doc = edit(t, doc, `<cbc:ID schemeID="0160">4006381333931</cbc:ID>`, `<cbc:ID schemeID="0160">4006381333932</cbc:ID>`)
	rec, err := decode(t, ubl.Options{}, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := "Order/cac:OrderLine[2]/cac:LineItem/cac:Item/cac:StandardItemIdentification/cbc:ID"
	if len(rec.Records) != 0 || len(rec.RowErrors) != 1 || rec.RowErrors[0].Field != want || rec.RowErrors[0].Code != canonical.CodeInvalidGTIN {
		t.Fatalf("records %d, row errors %+v; want one invalid_gtin at %s", len(rec.Records), rec.RowErrors, want)
	}
	if rec.RowErrors[0].Line < 100 {
		t.Errorf("line %d, want the line of the second order line", rec.RowErrors[0].Line)
	}
}

func TestAnUnknownVariantIsAConfigurationError(t *testing.T) {
	_, err := decode(t, ubl.Options{Variant: "ehf"}, readTestdata(t, "peppol_bis_order.xml"))
	var fe *connectors.FileError
	if err == nil || errors.As(err, &fe) {
		t.Fatalf("err = %v, want a plain error (not a file error)", err)
	}
}

func TestDecodeReturnsPromptlyWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	doc := generatedInvoice(5000)
	var rec connectortest.Recorder
	err := ubl.NewDecoder(ubl.Options{}).Decode(ctx, connectors.Input{Name: "big.xml"}, bytes.NewReader(doc), &rec)
	if !errors.Is(err, context.Canceled) || len(rec.Records) != 0 {
		t.Fatalf("err %v, %d records; want context.Canceled and nothing", err, len(rec.Records))
	}
}

func TestCancellationDuringTheLinesStopsTheDecode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	doc := generatedInvoice(5000)
	r := &cancelAfter{r: bytes.NewReader(doc), n: len(doc) / 2, cancel: cancel}
	var rec connectortest.Recorder
	err := ubl.NewDecoder(ubl.Options{}).Decode(ctx, connectors.Input{Name: "big.xml"}, r, &rec)
	if !errors.Is(err, context.Canceled) || len(rec.Records)+len(rec.RowErrors) != 0 {
		t.Fatalf("err %v, %d records, %d row errors; want context.Canceled and nothing", err, len(rec.Records), len(rec.RowErrors))
	}
}

// cancelAfter cancels once n bytes have been read.
type cancelAfter struct {
	r      *bytes.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= n
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestThePayeeAccountIsReadWithItsBankAndAWrongIBANIsARowError(t *testing.T) {
	doc := readTestdata(t, "xrechnung_3_invoice_leitweg_id.xml")
	withBank := edit(t, doc, `<cbc:ID>DE02120300000000202051</cbc:ID>
    </cac:PayeeFinancialAccount>`, `<cbc:ID>DE02 1203 0000 0000 2020 51</cbc:ID>
      <cbc:Name>Muster GmbH</cbc:Name>
      <cac:FinancialInstitutionBranch><cbc:ID>BYLADEM1001</cbc:ID></cac:FinancialInstitutionBranch>
    </cac:PayeeFinancialAccount>`)
	inv := oneInvoice(t, ubl.Options{}, withBank)
	want := canonical.Counterparty{Name: "Muster GmbH", IBAN: "DE02120300000000202051", BIC: "BYLADEM1001"}
	if inv.PayeeAccount == nil || *inv.PayeeAccount != want {
		t.Errorf("payee_account = %+v, want %+v", inv.PayeeAccount, want)
	}

	badCheck := edit(t, doc, `<cbc:ID>DE02120300000000202051</cbc:ID>`, `<cbc:ID>DE03120300000000202051</cbc:ID>`)
	rec, err := decode(t, ubl.Options{}, badCheck)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := "Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"
	if len(rec.Records) != 0 || len(rec.RowErrors) != 1 || rec.RowErrors[0].Field != wantPath || rec.RowErrors[0].Code != canonical.CodeInvalidIBAN {
		t.Fatalf("records %d, row errors %+v; want one invalid_iban at %s", len(rec.Records), rec.RowErrors, wantPath)
	}
	if strings.Contains(rec.RowErrors[0].Message, "DE03120300000000202051") {
		t.Errorf("the row error shows the full IBAN: %s", rec.RowErrors[0].Message)
	}
}
