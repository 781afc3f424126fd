package mapping_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// catalogMapping reads a German supplier's price list: one row per price
// period, the article's data repeated on each.
const catalogMapping = `
document: catalog_item
decimal_mark: ","
thousands_separator: "."
date_formats: [DD.MM.YYYY]
columns:
  supplier.id: Lieferant
  sku: Artikelnummer
  description: Bezeichnung
  unit: Einheit
  pack_size: VE
  moq: Mindestmenge
  lead_time_days: Lieferzeit
  incoterm: Lieferbedingung
  prices.valid_from: Gültig ab
  prices.valid_to: Gültig bis
  prices.unit_price: Preis
constants:
  prices.currency: EUR
values:
  unit: {Stk: EA, kg: KGM}
`

var catalogHeader = []string{"Lieferant", "Artikelnummer", "Bezeichnung", "Einheit", "VE", "Mindestmenge", "Lieferzeit", "Lieferbedingung", "Gültig ab", "Gültig bis", "Preis"}

func TestCatalogItems(t *testing.T) {
	t.Run("the rows of one SKU are one item; each row is a price period", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "Reihenklemme 2,5 mm²", "Stk", "50", "1.000", "14", "FCA Nürnberg", "01.01.2026", "30.06.2026", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "1.000", "", "", "01.07.2026", "", "0,45"},
			[]string{"DE-KLEMM", "KL-4000", "Reihenklemme 4 mm²", "Stk", "25", "", "21", "FCA Nürnberg", "01.01.2026", "", "1.234,50"},
		)
		items := recordsOf[canonical.CatalogItem](t, rec, canonical.TypeCatalogItem)
		if errs(rec) != "" || len(items) != 2 {
			t.Fatalf("row errors %s, %d items", errs(rec), len(items))
		}
		if recordKeys(rec) != "DE-KLEMM/KL-2500 DE-KLEMM/KL-4000" {
			t.Errorf("keys = %s, want supplier/sku", recordKeys(rec))
		}
		a := items[0]
		if a.Supplier.ID != "DE-KLEMM" || a.SKU != "KL-2500" || a.Description != "Reihenklemme 2,5 mm²" || a.Unit != "EA" ||
			a.PackSize.String() != "50" || a.MOQ.String() != "1000" || a.LeadTimeDays != 14 ||
			a.Incoterm != canonical.Incoterm("FCA") || a.IncotermPlace != "Nürnberg" {
			t.Errorf("item = %s", jsonText(t, a))
		}
		if len(a.Prices) != 2 {
			t.Fatalf("prices = %+v, want two periods", a.Prices)
		}
		p0, p1 := a.Prices[0], a.Prices[1]
		if p0.ValidFrom.String() != "2026-01-01" || p0.ValidTo.String() != "2026-06-30" || p0.Currency != "EUR" || p0.UnitPrice.String() != "0.42" {
			t.Errorf("first price = %+v", p0)
		}
		if p1.ValidFrom.String() != "2026-07-01" || !p1.ValidTo.IsZero() || p1.UnitPrice.String() != "0.45" {
			t.Errorf("second price = %+v", p1)
		}
		if b := items[1]; len(b.Prices) != 1 || b.Prices[0].UnitPrice.String() != "1234.50" || b.MOQ != nil {
			t.Errorf("second item = %s", jsonText(t, b))
		}
		if a.Source == nil || a.Source.Line != 2 || items[1].Source.Line != 4 || a.Source.File != "s.xlsx" {
			t.Errorf("lineage = %+v / %+v", a.Source, items[1].Source)
		}
	})
	t.Run("a unit that differs between two rows of one SKU rejects that item only", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "kg", "", "", "", "", "01.07.2026", "", "0,45"},
			[]string{"DE-KLEMM", "KL-4000", "", "Stk", "", "", "", "", "01.01.2026", "", "0,80"},
		)
		if errs(rec) != "2:0 order_rejected, 3:4 order_mismatch unit" || recordKeys(rec) != "DE-KLEMM/KL-4000" {
			t.Errorf("row errors %s, records %s", errs(rec), recordKeys(rec))
		}
		if msg := rec.RowErrors[1].Message; !strings.Contains(msg, `"kg" differs from "Stk"`) {
			t.Errorf("mismatch message = %q", msg)
		}
		if msg := rec.RowErrors[0].Message; !strings.Contains(msg, `catalog item "KL-2500" is not accepted because of line 3`) {
			t.Errorf("rejection message = %q", msg)
		}
	})
	t.Run("a bad price is a row error of its own and rejects its item; the next item arrives", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.07.2026", "", "0,4S"},
			[]string{"DE-KLEMM", "KL-4000", "", "Stk", "", "", "", "", "01.01.2026", "", "0,80"},
		)
		if errs(rec) != "2:0 order_rejected, 3:11 invalid_decimal prices.unit_price" || recordKeys(rec) != "DE-KLEMM/KL-4000" {
			t.Errorf("row errors %s, records %s", errs(rec), recordKeys(rec))
		}
	})
	t.Run("canonical validation problems name the mapping's fields and the rows they come from", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "0", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.07.2026", "30.06.2026", "-0,45"},
		)
		if got := errs(rec); got != "2:5 not_positive pack_size, 3:10 date_order prices.valid_to" {
			t.Errorf("row errors = %s", got)
		}
		if len(rec.RowErrors) == 2 && !strings.Contains(rec.RowErrors[1].Message, "also prices.unit_price: must not be negative") {
			t.Errorf("second row's message = %q", rec.RowErrors[1].Message)
		}
	})
	t.Run("an empty price among priced rows is required, never zero", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.07.2026", "", ""},
		)
		if got := errs(rec); got != "2:0 order_rejected, 3:11 required prices.unit_price" {
			t.Errorf("row errors = %s", got)
		}
	})
	t.Run("an item without any price has no price list, even with a currency constant", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "Reihenklemme", "Stk", "50", "", "", "", "", "", ""},
		)
		items := recordsOf[canonical.CatalogItem](t, rec, canonical.TypeCatalogItem)
		if len(items) != 1 || items[0].Prices != nil {
			t.Fatalf("row errors %s, items %d", errs(rec), len(items))
		}
	})
	t.Run("two prices in one currency from the same day are a row error", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,40"},
		)
		if got := errs(rec); got != "2:0 order_rejected, 3:9 duplicate_price prices.valid_from" {
			t.Fatalf("row errors = %s", got)
		}
		if msg := rec.RowErrors[1].Message; !strings.Contains(msg, "a EUR price from 2026-01-01 is already given on line 2") {
			t.Errorf("message = %q", msg)
		}
	})
	t.Run("a place written with the incoterm must agree with incoterm_place", func(t *testing.T) {
		yamlText := catalogMapping + "optional_columns: [incoterm_place]\n"
		yamlText = strings.Replace(yamlText, "  incoterm: Lieferbedingung\n", "  incoterm: Lieferbedingung\n  incoterm_place: Ort\n", 1)
		header := append(append([]string{}, catalogHeader...), "Ort")
		rec := build(t, yamlText, header,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "FCA Nürnberg", "", "", "", "nürnberg"},
			[]string{"DE-KLEMM", "KL-4000", "", "Stk", "", "", "", "FCA", "", "", "", "Fürth"},
			[]string{"DE-KLEMM", "KL-6000", "", "Stk", "", "", "", "FCA Nürnberg", "", "", "", "Fürth"},
		)
		if got := errs(rec); got != "4:12 order_mismatch incoterm_place" || recordKeys(rec) != "DE-KLEMM/KL-2500 DE-KLEMM/KL-4000" {
			t.Fatalf("row errors %s, records %s", got, recordKeys(rec))
		}
		items := recordsOf[canonical.CatalogItem](t, rec, canonical.TypeCatalogItem)
		if items[0].IncotermPlace != "nürnberg" || items[1].IncotermPlace != "Fürth" || items[1].Incoterm != canonical.Incoterm("FCA") {
			t.Errorf("places = %q, %q", items[0].IncotermPlace, items[1].IncotermPlace)
		}
	})
	t.Run("the rows of an item agree on the incoterm's place in any case, and another port is a mismatch", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"CN-SZ", "LED-600", "", "Stk", "", "", "", "FOB Shenzhen", "01.01.2026", "", "18,40"},
			[]string{"CN-SZ", "LED-600", "", "Stk", "", "", "", "fob SHENZHEN", "01.07.2026", "", "18,90"},
			[]string{"CN-SZ", "LED-300", "", "Stk", "", "", "", "FOB Shenzhen", "01.01.2026", "", "9,80"},
			[]string{"CN-SZ", "LED-300", "", "Stk", "", "", "", "FOB Ningbo", "01.07.2026", "", "9,90"},
		)
		if got := errs(rec); got != "4:0 order_rejected, 5:8 order_mismatch incoterm" || recordKeys(rec) != "CN-SZ/LED-600" {
			t.Errorf("row errors %s, records %s", got, recordKeys(rec))
		}
	})
	t.Run("an incoterm with its place may be a constant", func(t *testing.T) {
		yamlText := strings.Replace(catalogMapping, "  incoterm: Lieferbedingung\n", "", 1)
		yamlText = strings.Replace(yamlText, "constants:\n", "constants:\n  incoterm: FOB Shenzhen\n", 1)
		rec := build(t, yamlText, catalogHeader,
			[]string{"CN-SZ", "LED-600", "", "Stk", "", "", "", "ignored", "", "", ""},
		)
		items := recordsOf[canonical.CatalogItem](t, rec, canonical.TypeCatalogItem)
		if len(items) != 1 || items[0].Incoterm != canonical.Incoterm("FOB") || items[0].IncotermPlace != "Shenzhen" {
			t.Fatalf("row errors %s, items %v", errs(rec), recordKeys(rec))
		}
	})
	t.Run("an order's incoterm cell still takes the rule alone", func(t *testing.T) {
		yamlText := "columns: {order_number: PO, incoterm: Terms, lines.sku: SKU, lines.quantity: Qty, lines.unit: Unit, lines.unit_price: Price}\nconstants: {buyer.id: B, supplier.id: S, currency: EUR, order_date: 2026-03-01}\n"
		rec := build(t, yamlText, []string{"PO", "Terms", "SKU", "Qty", "Unit", "Price"},
			[]string{"4500012345", "FOB Shenzhen", "LED-600", "10", "EA", "1.00"},
		)
		if got := errs(rec); got != "2:2 invalid_incoterm incoterm" {
			t.Errorf("row errors = %s", got)
		}
	})
	t.Run("rows of an item from two suppliers are a mismatch, never a merge", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-WAGO", "KL-2500", "", "Stk", "", "", "", "", "01.07.2026", "", "0,45"},
		)
		if got := errs(rec); got != "2:0 order_rejected, 3:1 order_mismatch supplier.id" || len(rec.Records) != 0 {
			t.Errorf("row errors %s, records %s", got, recordKeys(rec))
		}
	})
	t.Run("a SKU that comes back further down is a split, never a merge", func(t *testing.T) {
		rec := build(t, catalogMapping, catalogHeader,
			[]string{"DE-KLEMM", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,42"},
			[]string{"DE-KLEMM", "KL-4000", "", "Stk", "", "", "", "", "01.01.2026", "", "0,80"},
			[]string{"DE-WAGO", "KL-2500", "", "Stk", "", "", "", "", "01.01.2026", "", "0,39"},
		)
		if got := errs(rec); got != "4:2 order_split sku" || recordKeys(rec) != "DE-KLEMM/KL-2500 DE-KLEMM/KL-4000" {
			t.Errorf("row errors %s, records %s", got, recordKeys(rec))
		}
	})
}

func TestCatalogCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"a catalog without supplier and unit",
			"document: catalog_item\ncolumns: {sku: Artikel, prices.unit_price: Preis}\n",
			[]string{`columns: supplier.id needs a column or a constant: every catalog item has one`, `columns: unit needs a column or a constant: every catalog item has one`}},
		{"a SKU constant",
			"document: catalog_item\ncolumns: {supplier.id: L, unit: E}\nconstants: {sku: X}\n",
			[]string{`columns: sku needs a column: it is what groups rows into catalog items`, `constants: sku: sku cannot be a constant: it groups rows into catalog items`}},
		{"an order's line field in a catalog, with a suggestion",
			"document: catalog_item\ncolumns: {sku: A, supplier.id: L, unit: E, lines.unit_price: Preis}\n",
			[]string{`test.yaml:2:44: columns: lines.unit_price: "lines.unit_price" is not a field of document catalog_item (only of order, order_response, invoice) (did you mean "prices.unit_price"?)`}},
		{"an order's lines.sku in a catalog, with a suggestion",
			"document: catalog_item\ncolumns: {lines.sku: A, supplier.id: L, unit: E}\n",
			[]string{`columns: lines.sku: "lines.sku" is not a field of document catalog_item (only of order, order_response, shipment, invoice, production_progress) (did you mean "sku"?)`}},
		{"a spec column, which the mapping cannot name",
			"document: catalog_item\ncolumns: {sku: A, supplier.id: L, unit: E, specs.voltage: Spannung}\n",
			[]string{`"specs.voltage" is not a canonical field`}},
		{"a currency value map to something that is not a currency",
			"document: catalog_item\ncolumns: {sku: A, supplier.id: L, unit: E, prices.currency: W}\nvalues:\n  prices.currency: {Euro: EURO}\n",
			[]string{`values: prices.currency: Euro: maps to`}},
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
	t.Run("the catalog's fields are listed for its document", func(t *testing.T) {
		got := strings.Join(mapping.DocumentFields(mapping.DocumentCatalogItem), " ")
		want := "buyer_sku capacity_per_month capacity_per_week category description hs_code incoterm incoterm_place lead_time_days moq origin_country pack_size payment_terms prices.currency prices.unit_price prices.valid_from prices.valid_to sku supplier.id supplier.name unit"
		if got != want {
			t.Errorf("DocumentFields(catalog_item) = %s", got)
		}
	})
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
