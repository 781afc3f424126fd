package x12_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/edi/x12"
)

// TestMalformedInputsKeepTheirGoodSets checks what the conformance kit
// checks of malformed inputs: decoding goes on, every row error has a
// file, a segment position, a code and a message, and the good sets arrive.
func TestMalformedInputsKeepTheirGoodSets(t *testing.T) {
	paths, err := filepath.Glob("testdata/malformed_*.x12")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no malformed testdata: %v", err)
	}
	d := x12.NewDecoder(x12.Options{})
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, d, path)
			if err != nil {
				t.Fatalf("decode: %v (a malformed set must be a row error, not end the input)", err)
			}
			if len(rec.RowErrors) == 0 {
				t.Fatal("no row errors")
			}
			for _, e := range rec.RowErrors {
				if e.Line <= 0 || e.File == "" || e.Code == "" || e.Message == "" {
					t.Errorf("row error without file, line, code or message: %+v", e)
				}
			}
			if len(rec.Records) == 0 {
				t.Error("no records: the good sets did not arrive")
			}
		})
	}
}

func TestEnvelopeProblemsThatLoseNothingAreWarnings(t *testing.T) {
	for _, name := range []string{"malformed_wrong_se_count.x12", "malformed_control_numbers.x12", "malformed_ctt_count.x12", "malformed_unknown_segment.x12"} {
		t.Run(name, func(t *testing.T) {
			rec, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range rec.RowErrors {
				if !e.Warning {
					t.Errorf("%v is not a warning", e)
				}
			}
			if len(rec.Records) != 1 {
				t.Errorf("%d records, want the one order taken", len(rec.Records))
			}
		})
	}
}

func TestNotX12IsAFileError(t *testing.T) {
	for _, name := range []string{"not_x12.csv", "not_x12_short_isa.x12", "empty.x12"} {
		_, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), filepath.Join("testdata", name))
		var fe *connectors.FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: Decode = %v, want a *connectors.FileError", name, err)
		}
	}
}

func TestQualifiersComeFromOptions(t *testing.T) {
	content := []byte("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261201*1030*U*00401*000000001*0*P*>~" +
		"GS*PO*BUYER*SELLER*20261201*1030*1*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261201~CUR*BY*EUR~" +
		"N1*OB*ORDERING GMBH*92*DE-ORD~N1*SU*SUPPLIER LTD*92*SUP-9~" +
		"PO1*1*2*EA*10*PE*SK*ABC-1*CB*B-77~SE*7*0001~GE*1*1~IEA*1*000000001~")
	d := x12.NewDecoder(x12.Options{BuyerQualifier: "OB", SupplierQualifier: "SU", SKUQualifier: "SK", BuyerSKUQualifier: "CB"})
	rec, err := connectortest.DecodeBytes(d, "q.x12", content)
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("err %v, %d records, row errors %v", err, len(rec.Records), rec.RowErrors)
	}
	o := rec.Records[0].Value.(*canonical.Order)
	if o.Buyer.ID != "DE-ORD" || o.Supplier.ID != "SUP-9" || o.Lines[0].SKU != "ABC-1" || o.Lines[0].BuyerSKU != "B-77" {
		t.Errorf("buyer %q supplier %q sku %q buyer sku %q", o.Buyer.ID, o.Supplier.ID, o.Lines[0].SKU, o.Lines[0].BuyerSKU)
	}
	if len(rec.RowErrors) != 0 {
		t.Errorf("row errors: %v", rec.RowErrors)
	}
}

func TestTDSHasTwoImpliedDecimals(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), "testdata/810_invoice.x12")
	if err != nil || len(rec.Records) != 1 {
		t.Fatalf("err %v, records %d, row errors %v", err, len(rec.Records), rec.RowErrors)
	}
	inv := rec.Records[0].Value.(*canonical.Invoice)
	if got := inv.TotalAmount.String(); got != "5576.25" {
		t.Errorf("TDS*557625 gave total %s, want 5576.25", got)
	}
}

func TestAn856ListsThePacksSSCCsApartFromTheCarriersTrackingNumber(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), "testdata/856_pack_ssccs_from_man_gm.x12")
	if err != nil || len(rec.Records) != 1 || len(rec.RowErrors) != 0 {
		t.Fatalf("err %v, records %d, row errors %v", err, len(rec.Records), rec.RowErrors)
	}
	sh := rec.Records[0].Value.(*canonical.Shipment)
	// The second MAN*GM has the GS1-128 application identifier 00 in front.
	if got, want := strings.Join(sh.SSCCs, ","), "069012340000000047,069012340000000054"; got != want {
		t.Errorf("ssccs %s, want %s", got, want)
	}
	if got, want := strings.Join(sh.TrackingNumbers, ","), "1Z999AA10123456784"; got != want {
		t.Errorf("tracking numbers %s, want only the REF*2I %s", got, want)
	}
}

func TestAnSSCCWithAWrongCheckDigitRejectsIts856AtTheMANSegment(t *testing.T) {
	rec, err := connectortest.DecodeFile(t, x12.NewDecoder(x12.Options{}), "testdata/malformed_856_sscc_check_digit.x12")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.RowErrors) != 1 {
		t.Fatalf("row errors %v, want one", rec.RowErrors)
	}
	if e := rec.RowErrors[0]; e.Code != canonical.CodeInvalidSSCC || e.Line != 9 || e.Field != "MAN02" || e.Warning {
		t.Errorf("row error %+v, want %s at segment 9, MAN02", e, canonical.CodeInvalidSSCC)
	}
	if len(rec.Records) != 1 || rec.Records[0].Key != "SZHG-SHP-7792" {
		t.Fatalf("records %+v, want the next set's shipment SZHG-SHP-7792", rec.Records)
	}
	if sh := rec.Records[0].Value.(*canonical.Shipment); strings.Join(sh.SSCCs, ",") != "069012340000000061" {
		t.Errorf("ssccs %v, want 069012340000000061", sh.SSCCs)
	}
}

func TestDecodeStopsWhenCancelled(t *testing.T) {
	content, n := generate(1<<20, 5)
	ctx, cancel := context.WithCancel(context.Background())
	seen := 0
	sink := &connectortest.Recorder{OnRecord: func(connectors.Record) {
		seen++
		if seen == 10 {
			cancel()
		}
	}}
	err := x12.NewDecoder(x12.Options{}).Decode(ctx, connectortest.InputOf("large.x12", content), bytes.NewReader(content), sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Decode = %v, want context.Canceled", err)
	}
	if seen >= n {
		t.Errorf("decoded all %d orders after cancellation", seen)
	}
}
