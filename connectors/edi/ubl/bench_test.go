package ubl_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
)

// generatedInvoice is a PEPPOL BIS Billing 3.0 invoice of n lines, each
// 3 × 12.50 EUR with a 1.50 allowance (so every line goes through the net
// price), and totals that add up.
func generatedInvoice(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
<cbc:ID>BIG-1</cbc:ID><cbc:IssueDate>2026-11-20</cbc:IssueDate><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
<cbc:BuyerReference>REF</cbc:BuyerReference>
<cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="0106">34567890</cbc:EndpointID><cac:PartyName><cbc:Name>Supplier B.V.</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
<cac:AccountingCustomerParty><cac:Party><cbc:EndpointID schemeID="0088">4012345000009</cbc:EndpointID></cac:Party></cac:AccountingCustomerParty>
`)
	total := canonical.MustDecimal("36.00").Mul(canonical.MustDecimal(fmt.Sprint(n)).Decimal)
	tax := total.Mul(canonical.MustDecimal("0.21").Decimal).Round(2)
	fmt.Fprintf(&b, `<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">%s</cbc:TaxAmount></cac:TaxTotal>
<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">%s</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID="EUR">%s</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="EUR">%s</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="EUR">%s</cbc:PayableAmount></cac:LegalMonetaryTotal>
`, tax.StringFixed(2), total.StringFixed(2), total.StringFixed(2), total.Add(tax).StringFixed(2), total.Add(tax).StringFixed(2))
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<cac:InvoiceLine><cbc:ID>%d</cbc:ID><cbc:InvoicedQuantity unitCode="H87">3</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">36.00</cbc:LineExtensionAmount>
<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason><cbc:Amount currencyID="EUR">1.50</cbc:Amount></cac:AllowanceCharge>
<cac:Item><cbc:Name>Article %d</cbc:Name><cac:SellersItemIdentification><cbc:ID>SKU-%07d</cbc:ID></cac:SellersItemIdentification><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
<cac:Price><cbc:PriceAmount currencyID="EUR">12.50</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
`, i, i, i)
	}
	b.WriteString("</Invoice>\n")
	return b.Bytes()
}

// countSink counts what it is given and keeps nothing.
type countSink struct {
	records, rowErrors int
	lines              int
	first              *connectors.RowError
}

func (s *countSink) Record(_ context.Context, r connectors.Record) error {
	s.records++
	s.lines = len(r.Value.(*canonical.Invoice).Lines)
	return nil
}

func (s *countSink) RowError(_ context.Context, e connectors.RowError) error {
	s.rowErrors++
	if s.first == nil {
		s.first = &e
	}
	return nil
}

const benchLines = 100_000

// BenchmarkDecode decodes a generated invoice of 100,000 lines and reports MB/s.
func BenchmarkDecode(b *testing.B) {
	doc := generatedInvoice(benchLines)
	d := ubl.NewDecoder(ubl.Options{})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var sink countSink
		if err := d.Decode(context.Background(), connectors.Input{Name: "big.xml"}, bytes.NewReader(doc), &sink); err != nil {
			b.Fatal(err)
		}
		if sink.records != 1 || sink.rowErrors != 0 || sink.lines != benchLines {
			b.Fatalf("%d records of %d lines, %d row errors (%+v)", sink.records, sink.lines, sink.rowErrors, sink.first)
		}
	}
}

// BenchmarkPlainRead reads the same bytes through bufio line by line: the
// floor that BenchmarkDecode is measured against.
func BenchmarkPlainRead(b *testing.B) {
	doc := generatedInvoice(benchLines)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		br := bufio.NewReaderSize(bytes.NewReader(doc), 64<<10)
		n := 0
		for {
			line, err := br.ReadSlice('\n')
			n += len(line)
			if err == io.EOF {
				break
			}
			if err != nil && err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
		}
		if n != len(doc) {
			b.Fatalf("read %d of %d bytes", n, len(doc))
		}
	}
}

// TestMemoryDoesNotGrowBeyondTheRecord decodes invoices of 10,000 and
// 40,000 lines and checks that the heap in use after decoding (with the
// record still held) grows no faster than the record: about the size of
// the canonical lines, not of the XML.
func TestMemoryDoesNotGrowBeyondTheRecord(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("decodes 50,000 lines and measures the heap: not under -short or -race")
	}
	d := ubl.NewDecoder(ubl.Options{})
	perLine := func(n int) (heapPerLine, xmlPerLine float64) {
		doc := generatedInvoice(n)
		var rec *canonical.Invoice
		sink := &recordKeeper{keep: func(v any) { rec = v.(*canonical.Invoice) }}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := d.Decode(context.Background(), connectors.Input{Name: "big.xml"}, bytes.NewReader(doc), sink); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if rec == nil || len(rec.Lines) != n {
			t.Fatalf("no record of %d lines", n)
		}
		runtime.KeepAlive(rec)
		runtime.KeepAlive(doc)
		return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n), float64(len(doc)) / float64(n)
	}
	small, _ := perLine(10_000)
	large, xmlLine := perLine(40_000)
	// A canonical line with its decimals is a few hundred bytes; the XML
	// line is about 700. What is retained per line must stay below the
	// XML per line and must not rise with the number of lines.
	if large > xmlLine || large > small*1.5+64 {
		t.Errorf("heap retained per line: %.0f B at 10k lines, %.0f B at 40k lines (XML %.0f B per line)", small, large, xmlLine)
	}
	t.Logf("heap retained per line: %.0f B at 10k lines, %.0f B at 40k lines (XML %.0f B per line)", small, large, xmlLine)
}

type recordKeeper struct{ keep func(any) }

func (r *recordKeeper) Record(_ context.Context, rec connectors.Record) error {
	r.keep(rec.Value)
	return nil
}

func (r *recordKeeper) RowError(_ context.Context, e connectors.RowError) error {
	return fmt.Errorf("row error: %v", e)
}
