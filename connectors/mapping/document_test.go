package mapping_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// build runs rows (the first on line 2) through the builder of a mapping
// written in the test, with the source of a sheet named Sheet1 of s.xlsx.
func build(t *testing.T, yamlText string, header []string, cells ...[]string) *connectortest.Recorder {
	t.Helper()
	m, err := mapping.Parse("test.yaml", []byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var rec connectortest.Recorder
	b, err := r.NewBuilder(canonical.Source{Connector: "erp_export", Partner: "p", File: "s.xlsx", Sheet: "Sheet1", Line: 1}, header, &rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, c := range cells {
		if err := b.Row(ctx, i+2, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	return &rec
}

// errs prints row errors as "line:column code field" for comparison.
func errs(rec *connectortest.Recorder) string {
	out := []string{}
	for _, e := range rec.RowErrors {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%d:%d %s %s", e.Line, e.Column, e.Code, e.Field)))
	}
	return strings.Join(out, ", ")
}

// recordsOf checks that every record has type typ and a key, and validates.
func recordsOf[T any](t *testing.T, rec *connectortest.Recorder, typ string) []*T {
	t.Helper()
	var out []*T
	for _, r := range rec.Records {
		v, ok := r.Value.(*T)
		if !ok || r.Type != typ || r.Key == "" {
			t.Fatalf("record %s %q is a %T, want a %s with a key", r.Type, r.Key, r.Value, typ)
		}
		if err := canonical.Validate(v); err != nil {
			t.Errorf("emitted record %s does not validate: %v", r.Key, err)
		}
		out = append(out, v)
	}
	return out
}

func recordKeys(rec *connectortest.Recorder) string {
	var keys []string
	for _, r := range rec.Records {
		keys = append(keys, r.Key)
	}
	return strings.Join(keys, " ")
}

const responseMapping = `
document: order_response
decimal_mark: ","
date_formats: [DD.MM.YYYY]
columns:
  order_number: Bestellnummer
  response_number: AB-Nr
  response_date: AB-Datum
  lines.line_number: Pos
  lines.sku: Artikel
  lines.status: Status
  lines.quantity: Menge
  lines.unit_price: Preis
  lines.delivery_date: Liefertermin
optional_columns: [response_number]
constants:
  supplier.id: SZ-LED-01
values:
  lines.status: {Bestätigt: accepted, Geändert: changed, Abgelehnt: rejected}
`

var responseHeader = []string{"Bestellnummer", "AB-Nr", "AB-Datum", "Pos", "Artikel", "Status", "Menge", "Preis", "Liefertermin"}

func TestOrderResponses(t *testing.T) {
	t.Run("rows group by response number; status words map through values; the response status follows its lines", func(t *testing.T) {
		rec := build(t, responseMapping, responseHeader,
			[]string{"4500012345", "AB-778", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", "20.04.2026"},
			[]string{"4500012345", "AB-778", "", "20", "DRV-40", "Bestätigt", "200", "4,10", "20.04.2026"},
			[]string{"4500012346", "AB-779", "03.03.2026", "10", "LED-300", "Geändert", "150", "9,80", "27.04.2026"},
			[]string{"4500012346", "AB-779", "03.03.2026", "20", "CLIP-5", "Abgelehnt", "", "", ""},
		)
		rs := recordsOf[canonical.OrderResponse](t, rec, canonical.TypeOrderResponse)
		if errs(rec) != "" || len(rs) != 2 {
			t.Fatalf("row errors %s, %d responses", errs(rec), len(rs))
		}
		if recordKeys(rec) != "4500012345 4500012346" {
			t.Errorf("keys = %s, want the order numbers (a response lands on its order's partition)", recordKeys(rec))
		}
		a, c := rs[0], rs[1]
		if a.ResponseNumber != "AB-778" || a.Status != canonical.ResponseAccepted || a.ResponseDate.String() != "2026-03-03" || a.Supplier.ID != "SZ-LED-01" {
			t.Errorf("first response = %+v", a)
		}
		if l := a.Lines[0]; l.LineNumber != 10 || l.Status != canonical.ResponseAccepted || l.Quantity.String() != "200" || l.UnitPrice.String() != "18.40" || l.DeliveryDate.String() != "2026-04-20" {
			t.Errorf("first line = %+v", l)
		}
		if c.Status != canonical.ResponseChanged || c.Lines[1].Status != canonical.ResponseRejected || c.Lines[1].Quantity != nil {
			t.Errorf("second response: status %s, line 20 %+v", c.Status, c.Lines[1])
		}
		if a.Source == nil || a.Source.Line != 2 || c.Source.Line != 4 || c.Source.Sheet != "Sheet1" {
			t.Errorf("lineage = %+v / %+v", a.Source, c.Source)
		}
	})
	t.Run("without a response number column, rows group by order number", func(t *testing.T) {
		header := []string{"Bestellnummer", "AB-Datum", "Pos", "Artikel", "Status", "Menge", "Preis", "Liefertermin"}
		rec := build(t, responseMapping, header,
			[]string{"4500012345", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", ""},
			[]string{"4500012345", "03.03.2026", "20", "DRV-40", "Bestätigt", "200", "4,10", ""},
			[]string{"4500012346", "03.03.2026", "10", "LED-300", "Bestätigt", "150", "9,80", ""},
		)
		if rs := recordsOf[canonical.OrderResponse](t, rec, canonical.TypeOrderResponse); len(rs) != 2 || len(rs[0].Lines) != 2 || rs[0].ResponseNumber != "" {
			t.Fatalf("responses = %d, row errors %s", len(rs), errs(rec))
		}
	})
	t.Run("a bad cell rejects its response: the row names its column, the others the bad line", func(t *testing.T) {
		rec := build(t, responseMapping, responseHeader,
			[]string{"4500012345", "AB-778", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", "20.04.2026"},
			[]string{"4500012345", "AB-778", "", "20", "DRV-40", "Bestätigt", "200", "4,10", "31.04.2026"},
			[]string{"4500012346", "AB-779", "03.03.2026", "10", "LED-300", "Storniert", "150", "9,80", ""},
			[]string{"4500012347", "AB-780", "04.03.2026", "10", "LED-300", "Bestätigt", "50", "9,80", ""},
		)
		if got, want := errs(rec), "2:0 order_rejected, 3:9 invalid_date lines.delivery_date, 4:6 invalid_status lines.status"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
		if recordKeys(rec) != "4500012347" {
			t.Errorf("records = %s, want only the good response", recordKeys(rec))
		}
		for _, e := range rec.RowErrors {
			switch e.Line {
			case 2:
				if e.Message != `order response "AB-778" is not accepted because of line 3` {
					t.Errorf("message = %q", e.Message)
				}
			case 4:
				if !strings.Contains(e.Message, `"Storniert" is not a response status`) || !strings.Contains(e.Message, "values: lines.status") {
					t.Errorf("message = %q, want the status and the hint to map it", e.Message)
				}
			}
			if e.File != "s.xlsx" || e.Sheet != "Sheet1" {
				t.Errorf("row error %v lacks its file and sheet", e)
			}
		}
	})
	t.Run("canonical validation lands on the row and column it comes from", func(t *testing.T) {
		yamlText := responseMapping + "  status: {Bestätigt: accepted}\n"
		yamlText = strings.Replace(yamlText, "  lines.delivery_date: Liefertermin\n", "  lines.delivery_date: Liefertermin\n  status: Gesamt\n", 1)
		header := append(append([]string{}, responseHeader...), "Gesamt")
		rec := build(t, yamlText, header,
			[]string{"4500012345", "AB-778", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", "", "Bestätigt"},
			[]string{"4500012345", "AB-778", "03.03.2026", "20", "DRV-40", "Abgelehnt", "200", "4,10", "", "Bestätigt"},
		)
		if got, want := errs(rec), "2:0 order_rejected, 3:6 status_conflict lines.status"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
	t.Run("a response whose rows are not together is rejected, never merged", func(t *testing.T) {
		rec := build(t, responseMapping, responseHeader,
			[]string{"4500012345", "AB-778", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", ""},
			[]string{"4500012346", "AB-779", "03.03.2026", "10", "LED-300", "Bestätigt", "150", "9,80", ""},
			[]string{"4500012345", "AB-778", "03.03.2026", "20", "DRV-40", "Bestätigt", "200", "4,10", ""},
		)
		if got, want := errs(rec), "4:2 order_split response_number"; got != want || recordKeys(rec) != "4500012345 4500012346" {
			t.Errorf("row errors = %s (want %s), records %s", got, want, recordKeys(rec))
		}
		if m := rec.RowErrors[0].Message; !strings.HasPrefix(m, `order response "AB-778" reappears: its rows began on line 2`) {
			t.Errorf("message = %q", m)
		}
	})
	t.Run("an order number that changes within a response is a mismatch", func(t *testing.T) {
		rec := build(t, responseMapping, responseHeader,
			[]string{"4500012345", "AB-778", "03.03.2026", "10", "LED-600", "Bestätigt", "200", "18,40", ""},
			[]string{"4500012399", "AB-778", "03.03.2026", "20", "DRV-40", "Bestätigt", "200", "4,10", ""},
		)
		if got, want := errs(rec), "2:0 order_rejected, 3:1 order_mismatch order_number"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
}

const shipmentMapping = `
document: shipment
date_formats: [YYYY-MM-DD]
columns:
  shipment_id: ASN
  order_numbers: PO
  ship_date: ETD
  carrier: Carrier
  tracking_numbers: AWB
  packages: Cartons
  gross_weight.value: GW
  gross_weight.unit: GW Unit
  lines.order_number: Line PO
  lines.line_number: PO Line
  lines.sku: SKU
  lines.gtin: EAN
  lines.quantity: Qty
  lines.unit: UoM
optional_columns: [lines.order_number, lines.gtin]
values:
  gross_weight.unit: {kg: KGM}
  lines.unit: {pcs: C62}
`

var shipmentHeader = []string{"ASN", "PO", "ETD", "Carrier", "AWB", "Cartons", "GW", "GW Unit", "Line PO", "PO Line", "SKU", "EAN", "Qty", "UoM"}

func TestShipments(t *testing.T) {
	t.Run("a cell may list several orders and tracking numbers; line orders join the list", func(t *testing.T) {
		rec := build(t, shipmentMapping, shipmentHeader,
			[]string{"ASN-2026-0311", "4500012345; 4500012346", "2026-03-11", "COSCO", "COSU6311, COSU6312", "42", "1.250,5", "kg", "4500012345", "10", "LED-600", "4006381333931", "200", "pcs"},
			[]string{"ASN-2026-0311", "4500012345; 4500012346", "", "", "", "", "", "", "4500012346", "10", "LED-300", "", "150", "pcs"},
			[]string{"ASN-2026-0311", "", "", "", "", "", "", "", "4500012347", "10", "CLIP-5", "", "1000", "pcs"},
		)
		ss := recordsOf[canonical.Shipment](t, rec, canonical.TypeShipment)
		if len(ss) != 0 || !strings.Contains(errs(rec), "invalid_decimal gross_weight.value") {
			t.Fatalf("a decimal point file read 1.250,5: row errors %s", errs(rec))
		}
		fixed := strings.Replace(shipmentMapping, "document: shipment", "document: shipment\ndecimal_mark: \",\"\nthousands_separator: \".\"", 1)
		rec = build(t, fixed, shipmentHeader,
			[]string{"ASN-2026-0311", "4500012345; 4500012346", "2026-03-11", "COSCO", "COSU6311, COSU6312", "42", "1.250,5", "kg", "4500012345", "10", "LED-600", "4006381333931", "200", "pcs"},
			[]string{"ASN-2026-0311", "4500012345; 4500012346", "", "", "", "", "", "", "4500012346", "10", "LED-300", "", "150", "pcs"},
			[]string{"ASN-2026-0311", "", "", "", "", "", "", "", "4500012347", "10", "CLIP-5", "", "1000", "pcs"},
		)
		ss = recordsOf[canonical.Shipment](t, rec, canonical.TypeShipment)
		if len(ss) != 1 || errs(rec) != "" {
			t.Fatalf("%d shipments, row errors %s", len(ss), errs(rec))
		}
		s := ss[0]
		if rec.Records[0].Key != "ASN-2026-0311" {
			t.Errorf("key = %s, want the shipment id", rec.Records[0].Key)
		}
		checks := []struct{ what, got, want string }{
			{"orders: the cell's, then the lines'", fmt.Sprint(s.OrderNumbers), "[4500012345 4500012346 4500012347]"},
			{"tracking numbers", fmt.Sprint(s.TrackingNumbers), "[COSU6311 COSU6312]"},
			{"gross weight", fmt.Sprint(s.GrossWeight.Value, " ", s.GrossWeight.Unit), "1250.5 KGM"},
			{"packages", fmt.Sprint(s.Packages), "42"},
			{"the same line number of two orders", fmt.Sprint(s.Lines[0].LineNumber, s.Lines[1].LineNumber), "10 10"},
			{"units", string(s.Lines[2].Unit), "C62"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
			}
		}
	})
	t.Run("lines without an order number ship against the shipment's only order", func(t *testing.T) {
		header := []string{"ASN", "PO", "ETD", "Carrier", "AWB", "Cartons", "GW", "GW Unit", "PO Line", "SKU", "Qty", "UoM"}
		rec := build(t, shipmentMapping, header,
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3", "40", "kg", "10", "LED-600", "20", "pcs"},
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3", "40", "kg", "20", "DRV-40", "20", "pcs"},
		)
		ss := recordsOf[canonical.Shipment](t, rec, canonical.TypeShipment)
		if len(ss) != 1 || ss[0].Lines[1].OrderNumber != "4500012345" || len(ss[0].OrderNumbers) != 1 {
			t.Fatalf("shipments %+v, row errors %s", ss, errs(rec))
		}
	})
	t.Run("a weight in pieces rejects the shipment on its first row, at the unit's column", func(t *testing.T) {
		rec := build(t, shipmentMapping, shipmentHeader,
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3", "40", "pcs", "", "10", "LED-600", "", "20", "pcs"},
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3", "40", "pcs", "", "20", "DRV-40", "", "20", "pcs"},
			[]string{"ASN-2", "4500012346", "2026-03-12", "DHL", "1234567891", "1", "4", "kg", "", "10", "LED-300", "", "5", "pcs"},
		)
		if got, want := errs(rec), "2:8 invalid_unit gross_weight.unit, 3:0 order_rejected"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
		if recordKeys(rec) != "ASN-2" || !strings.Contains(rec.RowErrors[1].Message, `shipment "ASN-1" is not accepted because of line 2`) {
			t.Errorf("records %s, messages %v", recordKeys(rec), rec.RowErrors)
		}
	})
	t.Run("a line without a line number is a row error", func(t *testing.T) {
		rec := build(t, shipmentMapping, shipmentHeader,
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3", "40", "kg", "", "", "LED-600", "", "20", "pcs"},
		)
		if got, want := errs(rec), "2:10 required lines.line_number"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
	t.Run("a count of packages is a whole number", func(t *testing.T) {
		rec := build(t, shipmentMapping, shipmentHeader,
			[]string{"ASN-1", "4500012345", "2026-03-11", "DHL", "1234567890", "3.5", "40", "kg", "", "10", "LED-600", "", "20", "pcs"},
		)
		if got, want := errs(rec), "2:6 invalid_number packages"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
}

const invoiceMapping = `
document: invoice
columns:
  invoice_number: Invoice No
  invoice_date: Date
  order_numbers: PO
  currency: Cur
  lines.sku: Item
  lines.quantity: Qty
  lines.unit_price: Price
  lines.amount: Amount
  line_total: Net
  tax_amount: VAT
  total_amount: Total
constants:
  supplier.id: SZ-LED-01
  buyer.id: ACME-DE
`

var invoiceHeader = []string{"Invoice No", "Date", "PO", "Cur", "Item", "Qty", "Price", "Amount", "Net", "VAT", "Total"}

func TestInvoices(t *testing.T) {
	t.Run("rows group by invoice number; lines are numbered; totals are checked by canonical", func(t *testing.T) {
		rec := build(t, invoiceMapping, invoiceHeader,
			[]string{"INV-26-0042", "2026-03-12", "4500012345", "USD", "LED-600", "200", "18.40", "3680.00", "4500.00", "0.00", "4500.00"},
			[]string{"INV-26-0042", "2026-03-12", "4500012345", "USD", "DRV-40", "200", "4.10", "820.00", "4500.00", "0.00", "4500.00"},
			[]string{"INV-26-0043", "2026-03-12", "4500012346", "USD", "LED-300", "150", "9.80", "1470.00", "1470.00", "0", "1470.00"},
		)
		invs := recordsOf[canonical.Invoice](t, rec, canonical.TypeInvoice)
		if len(invs) != 2 || errs(rec) != "" || recordKeys(rec) != "INV-26-0042 INV-26-0043" {
			t.Fatalf("%d invoices %s, row errors %s", len(invs), recordKeys(rec), errs(rec))
		}
		inv := invs[0]
		if inv.Lines[1].LineNumber != 2 || inv.TotalAmount.String() != "4500.00" || inv.TaxAmount.String() != "0.00" || inv.Supplier.ID != "SZ-LED-01" || fmt.Sprint(inv.OrderNumbers) != "[4500012345]" {
			t.Errorf("invoice = %+v", inv)
		}
	})
	t.Run("a line amount that is not quantity × price rejects the invoice, naming the line and column", func(t *testing.T) {
		rec := build(t, invoiceMapping, invoiceHeader,
			[]string{"INV-26-0042", "2026-03-12", "4500012345", "USD", "LED-600", "200", "18.40", "3680.00", "4500.00", "0", "4500.00"},
			[]string{"INV-26-0042", "2026-03-12", "4500012345", "USD", "DRV-40", "200", "4.10", "802.00", "4500.00", "0", "4500.00"},
		)
		if got, want := errs(rec), "2:9 total_mismatch line_total, 3:8 amount_mismatch lines.amount"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
	t.Run("amounts with more decimals than the currency are rejected", func(t *testing.T) {
		rec := build(t, invoiceMapping, invoiceHeader,
			[]string{"INV-1", "2026-03-12", "4500012345", "JPY", "LED-600", "2", "1000", "2000", "2000", "0", "2000.5"},
		)
		if got, want := errs(rec), "2:11 too_precise total_amount"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
	})
}

func TestInvoicePayeeAccount(t *testing.T) {
	mapping := invoiceMapping + "optional_columns: [payee_account, payee_account.bic]\n"
	mapping = strings.Replace(mapping, "  total_amount: Total\n", "  total_amount: Total\n  payee_account: Bank Account\n  payee_account.bic: BIC\n", 1)
	header := append(slices.Clone(invoiceHeader), "Bank Account", "BIC")
	row := func(number, account, bic string) []string {
		return []string{number, "2026-03-12", "4500012345", "USD", "LED-600", "200", "18.40", "3680.00", "3680.00", "0.00", "3680.00", account, bic}
	}
	rec := build(t, mapping, header,
		row("INV-IBAN", "gb82 west 1234 5698 7654 32", "NWBKGB2L"),
		row("INV-DOMESTIC", "0012345678", ""),
		row("INV-NONE", "", ""),
		row("INV-BAD", "GB83WEST12345698765432", ""),
	)
	invs := recordsOf[canonical.Invoice](t, rec, canonical.TypeInvoice)
	if got, want := errs(rec), "5:12 invalid_iban payee_account"; got != want {
		t.Errorf("row errors = %s, want %s", got, want)
	}
	if len(invs) != 3 {
		t.Fatalf("%d invoices, want 3", len(invs))
	}
	if a := invs[0].PayeeAccount; a == nil || *a != (canonical.Counterparty{IBAN: "GB82WEST12345698765432", BIC: "NWBKGB2L"}) {
		t.Errorf("an IBAN with spaces and lower case: payee_account = %+v", a)
	}
	if a := invs[1].PayeeAccount; a == nil || *a != (canonical.Counterparty{Account: "0012345678"}) {
		t.Errorf("a domestic account: payee_account = %+v", a)
	}
	if a := invs[2].PayeeAccount; a != nil {
		t.Errorf("empty cells: payee_account = %+v, want none", a)
	}
}

const progressMapping = `
document: production_progress
date_formats: [DD/MM/YYYY]
decimal_mark: ","
columns:
  order_number: PO
  lines.line_number: Line
  lines.sku: Item
  report_date: Report Date
  percent_complete: Progress
  expected_ready_date: Ready
  note: Remark
optional_columns: [lines.line_number, lines.sku]
constants:
  buyer.id: ACME-DE
`

var progressHeader = []string{"PO", "Line", "Item", "Report Date", "Progress", "Ready", "Remark"}

func TestProductionProgress(t *testing.T) {
	rec := build(t, progressMapping, progressHeader,
		[]string{"4500012345", "10", "LED-600", "20/02/2026", "45%", "01/03/2026", "SMT done, aging test next"},
		[]string{"4500012345", "20", "DRV-40", "20/02/2026", "100 %", "", ""},
		[]string{"4500012346", "", "", "20/02/2026", "", "15/03/2026", "waiting for housings"},
		[]string{"4500012347", "", "", "20/02/2026", "120%", "", ""},
		[]string{"", "", "", "20/02/2026", "10", "", ""},
		[]string{"4500012348", "", "", "20/02/2026", "", "", "no news"},
		[]string{"4500012349", "", "", "", "30", "", ""},
	)
	t.Run("each good row is an event; bad rows are row errors alone", func(t *testing.T) {
		if got, want := errs(rec), "5:5 out_of_range percent_complete, 6:1 required order_number, 7:5 required percent_complete, 8:4 required report_date"; got != want {
			t.Errorf("row errors = %s, want %s", got, want)
		}
		if recordKeys(rec) != "4500012345 4500012345 4500012346" {
			t.Errorf("keys = %s, want the order numbers", recordKeys(rec))
		}
	})
	es := recordsOf[canonical.OrderEvent](t, rec, canonical.TypeOrderEvent)
	if len(es) != 3 {
		t.Fatalf("%d events", len(es))
	}
	t.Run("an event carries the report in data, a summary, the report date at midnight UTC", func(t *testing.T) {
		e := es[0]
		if e.Type != canonical.EventProductionProgress || e.BuyerID != "ACME-DE" || e.OrderNumber != "4500012345" {
			t.Errorf("event = %+v", e)
		}
		if !e.OccurredAt.Equal(time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)) || e.OccurredAt.Location() != time.UTC {
			t.Errorf("occurred_at = %v", e.OccurredAt)
		}
		if e.Summary != "line 10: 45% complete, ready 2026-03-01" || es[2].Summary != "ready 2026-03-15" || es[1].Summary != "line 20: 100% complete" {
			t.Errorf("summaries = %q, %q, %q", e.Summary, es[1].Summary, es[2].Summary)
		}
		want := `{"percent_complete":"45","expected_ready_date":"2026-03-01","line_number":10,"sku":"LED-600","note":"SMT done, aging test next"}`
		if string(e.Data) != want {
			t.Errorf("data = %s\nwant   %s", e.Data, want)
		}
		var p canonical.ProductionProgress
		if err := json.Unmarshal(es[2].Data, &p); err != nil || p.PercentComplete != nil || p.Note != "waiting for housings" {
			t.Errorf("data of the order-level report = %s (%v)", es[2].Data, err)
		}
		if e.Source.Line != 2 || es[2].Source.Line != 4 || e.Actor != "p" {
			t.Errorf("source %+v, actor %q", e.Source, e.Actor)
		}
	})
	t.Run("the event id comes from the report, not from who sent it or where", func(t *testing.T) {
		again := build(t, strings.Replace(progressMapping, "decimal_mark: \",\"", "decimal_mark: \",\"\ntrim: false", 1), progressHeader,
			[]string{"4500012345", "10", "LED-600", "20/02/2026", "45,0", "01/03/2026", "another remark"},
			[]string{"4500012345", "10", "LED-600", "21/02/2026", "45", "01/03/2026", ""},
			[]string{"4500012345", "10", "LED-600", "20/02/2026", "50", "01/03/2026", ""},
		)
		ids := recordsOf[canonical.OrderEvent](t, again, canonical.TypeOrderEvent)
		if len(ids) != 3 {
			t.Fatalf("row errors %s", errs(again))
		}
		if ids[0].EventID != es[0].EventID || len(es[0].EventID) != 40 {
			t.Errorf("the same report gave ids %s and %s", ids[0].EventID, es[0].EventID)
		}
		if ids[1].EventID == es[0].EventID || ids[2].EventID == es[0].EventID || es[0].EventID == es[1].EventID {
			t.Error("different reports share an id")
		}
	})
	t.Run("a row the decoder could not read does not touch its neighbours", func(t *testing.T) {
		m, err := mapping.Parse("test.yaml", []byte(progressMapping))
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Compile()
		if err != nil {
			t.Fatal(err)
		}
		var rec connectortest.Recorder
		b, err := r.NewBuilder(canonical.Source{File: "p.csv", Line: 1}, progressHeader, &rec)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		_ = b.Row(ctx, 2, []string{"4500012345", "", "", "20/02/2026", "45", "", ""})
		_ = b.BadRow(ctx, 3, nil, connectors.RowError{Code: "field_count", Message: "has 9 fields, the header has 7"})
		_ = b.Row(ctx, 4, []string{"4500012346", "", "", "20/02/2026", "50", "", ""})
		_ = b.Finish(ctx)
		if errs(&rec) != "3:0 field_count" || recordKeys(&rec) != "4500012345 4500012346" {
			t.Errorf("row errors %s, records %s", errs(&rec), recordKeys(&rec))
		}
	})
}

func TestDocumentCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"an unknown document type, at its value",
			"document: asn\ncolumns: {shipment_id: ASN}\n",
			[]string{`test.yaml:1:11: document: "asn" is not a document type (use order, order_response, shipment, invoice, production_progress, catalog_item)`}},
		{"a field of another document type, with file:line:column",
			"document: invoice\ncolumns:\n  invoice_number: Nr\n  total_amount: Total\n  lines.gtin: EAN\n",
			[]string{`test.yaml:5:3: columns: lines.gtin: "lines.gtin" is not a field of document invoice (only of order, shipment); the fields are buyer.id,`}},
		{"an order's order_number in a shipment, with a suggestion",
			"document: shipment\ncolumns:\n  shipment_id: ASN\n  order_number: PO\n",
			[]string{`test.yaml:4:3: columns: order_number: "order_number" is not a field of document shipment (only of order, order_response, production_progress) (did you mean "order_numbers"?)`}},
		{"a field of another document type under values and constants",
			"document: order_response\ncolumns: {order_number: PO, status: S}\nconstants: {currency: EUR}\nvalues:\n  lines.unit: {Stk: EA}\n",
			[]string{`test.yaml:3:13: constants: currency: "currency" is not a field of document order_response`, `test.yaml:5:3: values: lines.unit: "lines.unit" is not a field of document order_response`}},
		{"a status value map to something that is not a status",
			"document: order_response\ncolumns: {order_number: PO, status: S}\nvalues:\n  status: {Bestätigt: acepted}\n",
			[]string{`test.yaml:4:23: values: status: Bestätigt: maps to "acepted" is not a response status`}},
		{"a response without any status",
			"document: order_response\ncolumns: {order_number: PO, response_number: AB}\n",
			[]string{`test.yaml:2:1: columns: map status or lines.status to a column or a constant: an order response has a status`}},
		{"a shipment without orders",
			"document: shipment\ncolumns: {shipment_id: ASN}\n",
			[]string{`columns: map order_numbers or lines.order_number to a column or a constant`}},
		{"shipment lines without line numbers",
			"document: shipment\ncolumns: {shipment_id: ASN, order_numbers: PO, lines.quantity: Qty}\n",
			[]string{`columns: lines.line_number needs a column when lines.quantity is mapped: the lines of a shipment name the order line they are about`}},
		{"a shipment id constant",
			"document: shipment\ncolumns: {order_numbers: PO}\nconstants: {shipment_id: X}\n",
			[]string{`columns: shipment_id needs a column: it is what groups rows into shipments`, `test.yaml:3:13: constants: shipment_id: shipment_id cannot be a constant: it groups rows into shipments`}},
		{"a response number constant",
			"document: order_response\ncolumns: {order_number: PO, status: S}\nconstants: {response_number: AB-1}\n",
			[]string{`constants: response_number: response_number cannot be a constant: each order response has its own`}},
		{"a progress report without buyer and date",
			"document: production_progress\ncolumns: {order_number: PO, percent_complete: Pct}\n",
			[]string{`columns: buyer.id needs a column or a constant: every progress report has one`, `columns: report_date needs a column or a constant`}},
		{"an invoice without a total",
			"document: invoice\ncolumns: {invoice_number: Nr}\n",
			[]string{`columns: total_amount needs a column or a constant: every invoice has one`}},
		{"an order mapping that cannot fill what every order needs",
			"columns: {order_number: PO, lines.sku: SKU, lines.unit_price: Price}\n",
			[]string{`columns: buyer.id needs a column or a constant: every order has one`, `columns: currency needs a column or a constant`,
				`columns: lines.quantity needs a column or a constant`, `columns: lines.unit needs a column or a constant`}},
		{"an order mapping still speaks of orders",
			"columns: {lines.sku: SKU}\nconstants: {order_number: \"1\"}\n",
			[]string{`columns: order_number needs a column: it is what groups rows into orders`, `order_number cannot be a constant: it groups rows into orders`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mapping.Parse("test.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse accepted the mapping")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestDocumentTypes(t *testing.T) {
	t.Run("Rules name their document; order is the default", func(t *testing.T) {
		for yamlText, want := range map[string]string{
			base:            mapping.DocumentOrder,
			responseMapping: mapping.DocumentOrderResponse,
			shipmentMapping: mapping.DocumentShipment,
			invoiceMapping:  mapping.DocumentInvoice,
			progressMapping: mapping.DocumentProductionProgress,
			"document: Shipment\n" + "columns: {shipment_id: A, order_numbers: B}\n": mapping.DocumentShipment,
		} {
			m, err := mapping.Parse("t.yaml", []byte(yamlText))
			if err != nil {
				t.Fatal(err)
			}
			r, err := m.Compile()
			if err != nil {
				t.Fatal(err)
			}
			if r.Document() != want {
				t.Errorf("Document() = %s, want %s", r.Document(), want)
			}
		}
	})
	t.Run("the columns key documents the fields of every document type", func(t *testing.T) {
		var columns string
		for _, k := range mapping.Keys() {
			if k.Name == "columns" {
				columns = k.Description
			}
		}
		for _, doc := range mapping.Documents() {
			fields := mapping.DocumentFields(doc)
			if len(fields) < 5 {
				t.Errorf("%s has fields %v", doc, fields)
			}
			if !strings.Contains(columns, doc+": ") {
				t.Errorf("columns does not list the fields of %s", doc)
			}
			for _, f := range fields {
				if !strings.Contains(columns, f) {
					t.Errorf("columns does not mention %s of %s", f, doc)
				}
			}
		}
	})
	t.Run("NewOrderBuilder refuses a mapping of another document", func(t *testing.T) {
		m, err := mapping.Parse("t.yaml", []byte(invoiceMapping))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := m.Compile()
		if _, err := r.NewOrderBuilder(canonical.Source{}, invoiceHeader, &connectortest.Recorder{}); err == nil || !strings.Contains(err.Error(), "invoice") {
			t.Errorf("NewOrderBuilder = %v", err)
		}
	})
}
