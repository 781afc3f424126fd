package edifact_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
)

func sourceOf(t testing.TB, v any) *canonical.Source {
	switch r := v.(type) {
	case *canonical.Order:
		return r.Source
	case *canonical.OrderResponse:
		return r.Source
	case *canonical.Shipment:
		return r.Source
	case *canonical.Invoice:
		return r.Source
	}
	t.Fatalf("unexpected record %T", v)
	return nil
}

func decode(t *testing.T, opt edifact.Options, path string) *connectortest.Recorder {
	t.Helper()
	rec, err := connectortest.DecodeFile(t, edifact.NewDecoder(opt), path)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return rec
}

func codes(rec *connectortest.Recorder) (errs, warnings []string) {
	for _, e := range rec.RowErrors {
		if e.Warning {
			warnings = append(warnings, e.Code)
		} else {
			errs = append(errs, e.Code)
		}
	}
	return errs, warnings
}

func TestTheEANCOMOrderReadsDecimalCommasReleaseCharactersAndPriceBasis(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/orders_eancom_una_decimal_comma.edi")
	if len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("%d records, row errors %+v", len(rec.Records), rec.RowErrors)
	}
	o := rec.Records[0].Value.(*canonical.Order)
	if o.OrderNumber != "PO-2026-0310" || o.Buyer.ID != "4012345000009" || o.Currency != "EUR" || o.Incoterm != "FCA" || o.IncotermPlace != "Hamburg" {
		t.Errorf("header %+v", o)
	}
	if got := o.Lines[0].UnitPrice.String(); got != "4.35" {
		t.Errorf("decimal comma price = %s, want 4.35", got)
	}
	if got := o.Lines[2].UnitPrice.String(); got != "11.95" {
		t.Errorf("price per 100 = %s, want 11.95", got)
	}
	if want := "Kiste 6+6 Flaschen: Glas 'Premium' 100? Mehrweg"; o.Lines[2].Description != want {
		t.Errorf("released description = %q, want %q", o.Lines[2].Description, want)
	}
	if o.Lines[1].Unit != "LTR" || o.Lines[0].Unit != "H87" {
		t.Errorf("units %s %s: want the MEA's LTR and PCE as H87", o.Lines[1].Unit, o.Lines[0].Unit)
	}
	if o.PaymentTerms != "30 days net" || o.RequestedDeliveryDate.String() != "2026-03-24" {
		t.Errorf("terms %q, delivery %s", o.PaymentTerms, o.RequestedDeliveryDate)
	}
}

func TestUNOCIsConvertedFromLatin1ToUTF8(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/orders_unoc_umlauts.edi")
	o := rec.Records[0].Value.(*canonical.Order)
	if o.Buyer.Name != "Getränkemarkt Müller e.K." || o.ShipTo != nil || o.OrderNumber != "4711-KÖ" {
		t.Errorf("buyer %q, order %q", o.Buyer.Name, o.OrderNumber)
	}
}

func TestACreditNoteHasNegativeQuantitiesAndAmounts(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/invoic_credit_note.edi")
	inv := rec.Records[0].Value.(*canonical.Invoice)
	if inv.TotalAmount.String() != "-142.21" || inv.Lines[0].Quantity.String() != "-10" || inv.Lines[0].UnitPrice.String() != "11.95" || inv.TaxAmount.String() != "-22.71" {
		t.Errorf("credit note total %s, qty %s, price %s, tax %s", inv.TotalAmount, inv.Lines[0].Quantity, inv.Lines[0].UnitPrice, inv.TaxAmount)
	}
}

func TestTheOrderResponseMapsActionCodes(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/ordrsp_changed_line.edi")
	r := rec.Records[0].Value.(*canonical.OrderResponse)
	if r.Status != canonical.ResponseChanged || rec.Records[0].Key != "PO-2026-0310" {
		t.Fatalf("status %s key %s", r.Status, rec.Records[0].Key)
	}
	want := []canonical.ResponseStatus{canonical.ResponseAccepted, canonical.ResponseChanged, canonical.ResponseRejected}
	for i, l := range r.Lines {
		if l.Status != want[i] {
			t.Errorf("line %d status %s, want %s", l.LineNumber, l.Status, want[i])
		}
	}
	if r.Lines[1].Quantity.String() != "400" || r.Lines[1].DeliveryDate.String() != "2026-03-26" {
		t.Errorf("changed line %+v", r.Lines[1])
	}
}

func TestTheDespatchAdviceListsSSCCsApartFromTheCarriersTrackingNumber(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/desadv_cps_sscc.edi")
	if len(rec.RowErrors) != 0 {
		t.Fatalf("row errors %+v", rec.RowErrors)
	}
	s := rec.Records[0].Value.(*canonical.Shipment)
	if got, want := strings.Join(s.SSCCs, ","), "340123450000000017,340123450000000024"; got != want {
		t.Errorf("ssccs %s, want %s", got, want)
	}
	if got, want := strings.Join(s.TrackingNumbers, ","), "JJD000390007845521"; got != want {
		t.Errorf("tracking numbers %s, want only the carrier's RFF+CN %s", got, want)
	}
	if s.Packages != 2 || s.GrossWeight == nil || s.GrossWeight.Value.String() != "512.4" || s.Carrier != "DHL Freight" {
		t.Errorf("shipment %+v", s)
	}
	if s.Lines[1].LineNumber != 2 || s.Lines[1].OrderNumber != "PO-2026-0310" {
		t.Errorf("line %+v", s.Lines[1])
	}
}

func TestAnSSCCWithAWrongCheckDigitRejectsItsDespatchAdviceAtTheGIN(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/desadv_sscc_bad_check_digit.edi")
	if len(rec.RowErrors) != 1 {
		t.Fatalf("row errors %+v, want one", rec.RowErrors)
	}
	e := rec.RowErrors[0]
	if e.Code != canonical.CodeInvalidSSCC || e.Line != 9 || e.Field != "GIN02" {
		t.Errorf("row error %+v, want %s at line 9, GIN02", e, canonical.CodeInvalidSSCC)
	}
	if len(rec.Records) != 1 || rec.Records[0].Key != "DA-77003" {
		t.Fatalf("records %+v, want the next message DA-77003", rec.Records)
	}
	if s := rec.Records[0].Value.(*canonical.Shipment); len(s.SSCCs) != 1 || s.SSCCs[0] != "340123450000000024" || s.Packages != 1 {
		t.Errorf("shipment %+v", s)
	}
}

func TestOptionsChooseTheQualifiers(t *testing.T) {
	rec := decode(t, edifact.Options{SKUQualifier: "IN", BuyerSKUQualifier: "SA"}, "testdata/orders_eancom_una_decimal_comma.edi")
	l := rec.Records[0].Value.(*canonical.Order).Lines[0]
	if l.SKU != "77001" || l.BuyerSKU != "BV-1001" {
		t.Errorf("sku %q buyer sku %q", l.SKU, l.BuyerSKU)
	}
	rec, _ = connectortest.DecodeFile(t, edifact.NewDecoder(edifact.Options{BuyerQualifier: "DP"}), "testdata/orders_eancom_una_decimal_comma.edi")
	if b := rec.Records[0].Value.(*canonical.Order).Buyer.ID; b != "4012345000016" {
		t.Errorf("buyer with qualifier DP = %q", b)
	}
}

func TestMalformedInputs(t *testing.T) {
	tests := []struct {
		file            string
		records         int
		errors, warning []string
	}{
		{"truncated_interchange.edi", 1, []string{edifact.CodeTruncated}, []string{edifact.CodeUnterminated, edifact.CodeMissingTrailer}},
		{"wrong_unt_count.edi", 2, nil, []string{edifact.CodeCountMismatch, edifact.CodeReferenceMismatch, edifact.CodeCountMismatch}},
		{"unknown_segment.edi", 1, []string{edifact.CodeInvalidSegment, edifact.CodeUnsupportedMessage, edifact.CodeUnsupportedVersion}, []string{edifact.CodeUnknownSegment}},
		{"illegal_characters_unoa.edi", 1, []string{edifact.CodeIllegalCharacter, edifact.CodeIllegalCharacter}, nil},
		{"release_at_end.edi", 1, []string{edifact.CodeReleaseAtEnd}, []string{edifact.CodeMissingTrailer}},
		{"missing_unt_between_messages.edi", 3, nil, []string{edifact.CodeMissingTrailer}},
		{"bad_values.edi", 1, []string{canonical.CodeInvalidDate, canonical.CodeInvalidCurrency, canonical.CodeAmountMismatch, canonical.CodeInvalidUnit}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec := decode(t, edifact.Options{}, "testdata/"+tt.file)
			errs, warns := codes(rec)
			if len(rec.Records) != tt.records || strings.Join(errs, ",") != strings.Join(tt.errors, ",") || strings.Join(warns, ",") != strings.Join(tt.warning, ",") {
				t.Errorf("%d records, errors %v, warnings %v; want %d, %v, %v", len(rec.Records), errs, warns, tt.records, tt.errors, tt.warning)
			}
		})
	}
}

func TestInputsThatAreNotEDIFACTAreFileErrors(t *testing.T) {
	for file, code := range map[string]string{
		"not_edifact.csv":          edifact.CodeNotEDIFACT,
		"empty.edi":                edifact.CodeEmpty,
		"una_bad_decimal_mark.edi": edifact.CodeInvalidUNA,
		"unsupported_charset.edi":  edifact.CodeUnsupportedCharset,
	} {
		_, err := connectortest.DecodeFile(t, edifact.NewDecoder(edifact.Options{}), "testdata/"+file)
		var fe *connectors.FileError
		if !errors.As(err, &fe) || fe.Code != code {
			t.Errorf("%s: %v, want a file error %s", file, err, code)
		}
	}
}

func TestDecodeStopsWhenTheContextIsCancelled(t *testing.T) {
	content := generate(1<<20, 10)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	rec := &connectortest.Recorder{OnRecord: func(connectors.Record) {
		if n++; n == 5 {
			cancel()
		}
	}}
	err := edifact.NewDecoder(edifact.Options{}).Decode(ctx, connectortest.InputOf("big.edi", content), bytes.NewReader(content), rec)
	if !errors.Is(err, context.Canceled) || len(rec.Records) > 5+256 {
		t.Fatalf("err %v after %d records", err, len(rec.Records))
	}
}

func TestTheBeneficiaryAccountOfAnInvoiceIsItsPayeeAccount(t *testing.T) {
	rec := decode(t, edifact.Options{}, "testdata/invoic_beneficiary_account.edi")
	if len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("records %d, row errors %+v; want the invoice", len(rec.Records), rec.RowErrors)
	}
	inv := rec.Records[0].Value.(*canonical.Invoice)
	want := canonical.Counterparty{Name: "BRUNNEN GETRAENKE AG", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}
	if inv.PayeeAccount == nil || *inv.PayeeAccount != want {
		t.Errorf("payee_account = %+v, want %+v", inv.PayeeAccount, want)
	}
}
