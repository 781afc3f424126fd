package erpexport_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/connectortest"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
)

// catalogExample is the commented example mapping shipped in configs; the
// tests below prove it reads the price list it describes.
const catalogExample = "../../configs/partners/catalog-example.mapping.yaml"

// catalogDecoder builds the CSV decoder of the example catalog mapping.
func catalogDecoder(t *testing.T) *erpexport.Decoder {
	t.Helper()
	m, err := mapping.Load(catalogExample)
	if err != nil {
		t.Fatal(err)
	}
	d, err := erpexport.NewDecoder(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// catalogItems returns the records as catalog items, checking their type,
// key and validity.
func catalogItems(t *testing.T, rec *connectortest.Recorder) []*canonical.CatalogItem {
	t.Helper()
	var out []*canonical.CatalogItem
	for _, r := range rec.Records {
		it, ok := r.Value.(*canonical.CatalogItem)
		if !ok || r.Type != canonical.TypeCatalogItem || r.Key != it.Supplier.ID+"/"+it.SKU {
			t.Fatalf("record %s %q is a %T, want a catalog item keyed supplier/sku", r.Type, r.Key, r.Value)
		}
		if err := canonical.Validate(it); err != nil {
			t.Errorf("emitted item %s does not validate: %v", r.Key, err)
		}
		out = append(out, it)
	}
	return out
}

func TestCatalogPriceLists(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		wantKeys   []string
		wantErrors []string // "line code field"
	}{
		{"a German supplier's price list: semicolons, decimal commas, day-first dates, two price periods for one article",
			"catalog_de_price_list.csv",
			[]string{"DE-KLEMMTECHNIK/KT-RK-2.5", "DE-KLEMMTECHNIK/KT-TS-35", "DE-KLEMMTECHNIK/KT-CU-30"}, []string{}},
		{"a unit that changes between an article's rows and a bad price reject those articles only",
			"catalog_de_bad_price_and_unit.csv",
			[]string{"DE-KLEMMTECHNIK/KT-CU-30"},
			[]string{"2 order_rejected", "3 order_mismatch unit", "4 invalid_decimal prices.unit_price", "5 order_rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := catalogDecoder(t)
			path := filepath.Join("testdata", "supplier", tt.file)
			connectortest.CheckGolden(t, d, path)
			rec, err := connectortest.DecodeFile(t, d, path)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			catalogItems(t, rec)
			if got := keys(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantKeys) {
				t.Errorf("record keys = %v, want %v", got, tt.wantKeys)
			}
			if got := rowErrors(rec); fmt.Sprint(got) != fmt.Sprint(tt.wantErrors) {
				t.Errorf("row errors = %q, want %q", got, tt.wantErrors)
			}
			for _, e := range rec.RowErrors {
				if e.File != tt.file || e.Line < 2 || e.Message == "" {
					t.Errorf("row error without its position: %+v", e)
				}
			}
		})
	}

	t.Run("the two price periods of one article and its article data", func(t *testing.T) {
		rec, err := connectortest.DecodeFile(t, catalogDecoder(t), filepath.Join("testdata", "supplier", "catalog_de_price_list.csv"))
		if err != nil || len(rec.RowErrors) > 0 {
			t.Fatalf("Decode = %v, row errors %v", err, rec.RowErrors)
		}
		items := catalogItems(t, rec)
		if len(items) != 3 {
			t.Fatalf("%d items, want 3", len(items))
		}
		klemme, cu := items[0], items[2]
		if got := sprint(klemme.Supplier.Name, klemme.BuyerSKU, klemme.Unit, klemme.PackSize, klemme.MOQ, klemme.CapacityPerWeek,
			klemme.CapacityPerMonth, klemme.LeadTimeDays, klemme.HSCode, klemme.OriginCountry, klemme.Incoterm, klemme.IncotermPlace, klemme.PaymentTerms); got != "Klemmtechnik Nürnberg GmbH 100-2001 H87 50 1000 20000 80000 14 85369010 DE FCA Nürnberg 30 Tage netto" {
			t.Errorf("article data = %s", got)
		}
		var prices []string
		for _, p := range klemme.Prices {
			prices = append(prices, sprint(p.ValidFrom, p.ValidTo, p.Currency, p.UnitPrice))
		}
		if got := strings.Join(prices, " | "); got != "2026-01-01 2026-06-30 EUR 0.42 | 2026-07-01 2026-12-31 EUR 0.45" {
			t.Errorf("prices = %s", got)
		}
		if cu.Unit != "KGM" || cu.CapacityPerWeek != nil || len(cu.Prices) != 1 || cu.Prices[0].UnitPrice.String() != "1012.50" || !cu.Prices[0].ValidTo.IsZero() {
			t.Errorf("copper bar = %s", jsonOf(t, cu))
		}
		if klemme.Source == nil || klemme.Source.File != "catalog_de_price_list.csv" || klemme.Source.Line != 2 || cu.Source.Line != 5 {
			t.Errorf("lineage = %+v, %+v", klemme.Source, cu.Source)
		}
	})
}

// chineseCatalogMapping reads a Shenzhen supplier's catalog workbook:
// bilingual headers, numbers and dates stored as numbers, Chinese unit
// words, the Incoterm with its port in one cell, a price per currency.
const chineseCatalogMapping = `
document: catalog_item
date_formats: [YYYY-MM-DD, YYYY/MM/DD]
columns:
  sku: 物料编码 Part No
  description: 品名规格 Description
  unit: 单位 Unit
  pack_size: 包装数量 Pack
  moq: 最小起订量 MOQ
  capacity_per_month: 月产能 Capacity/Month
  lead_time_days: 交期(天) Lead Time
  hs_code: 海关编码 HS Code
  origin_country: 原产国 Origin
  incoterm: 贸易条款 Incoterm
  payment_terms: 付款方式 Payment
  prices.currency: 币种 Currency
  prices.unit_price: 单价 Unit Price
  prices.valid_from: 生效日期 Valid From
  prices.valid_to: 失效日期 Valid To
constants:
  supplier.id: SUP-CN-SZP
values:
  unit: {个: H87, 套: SET, 米: MTR}
  prices.currency: {美元: USD, 人民币: CNY}
`

func TestCatalogXLSX(t *testing.T) {
	f := excelize.NewFile()
	const sheet = "Sheet1"
	date := newStyle(t, f, &excelize.Style{NumFmt: 14})
	fill(t, f, sheet, 1,
		[]any{"物料编码 Part No", "品名规格 Description", "单位 Unit", "包装数量 Pack", "最小起订量 MOQ", "月产能 Capacity/Month", "交期(天) Lead Time",
			"海关编码 HS Code", "原产国 Origin", "贸易条款 Incoterm", "付款方式 Payment", "币种 Currency", "单价 Unit Price", "生效日期 Valid From", "失效日期 Valid To"},
		[]any{"SZP-SRV-750B", "伺服电机 Servo motor 750 W with brake", "个", 1, 10, 1600, 35, "8501.52.20", "CN", "FOB Shenzhen", "T/T 30% deposit", "美元", 182.5, 46023, 46203},
		[]any{"SZP-SRV-750B", "伺服电机 Servo motor 750 W with brake", "个", 1, 10, 1600, 35, "8501.52.20", "CN", "FOB Shenzhen", "T/T 30% deposit", "人民币", 1290, 46023, 46203},
		[]any{"SZP-CBL-5M", "编码器电缆 Encoder cable 5 m", "套", 10, 100, 20000, 14, "8544.42.90", "CN", "FOB Shenzhen", "T/T 30% deposit", "美元", 6.35, 46023, nil},
	)
	for _, c := range []string{"N2", "O2", "N3", "O3", "N4"} {
		must(t, f.SetCellStyle(sheet, c, c, date))
	}
	d, err := erpexport.NewXLSXDecoder(mustMapping(t, chineseCatalogMapping))
	if err != nil {
		t.Fatal(err)
	}
	rec := mustDecodeXLSX(t, d, saved(t, f))
	if len(rec.RowErrors) > 0 {
		t.Fatalf("row errors %v", rec.RowErrors)
	}
	items := catalogItems(t, rec)
	if got := keys(rec); fmt.Sprint(got) != "[SUP-CN-SZP/SZP-SRV-750B SUP-CN-SZP/SZP-CBL-5M]" {
		t.Fatalf("keys = %v", got)
	}
	servo, cable := items[0], items[1]
	if got := sprint(servo.Unit, servo.PackSize, servo.MOQ, servo.CapacityPerMonth, servo.LeadTimeDays, servo.HSCode, servo.Incoterm, servo.IncotermPlace); got != "H87 1 10 1600 35 85015220 FOB Shenzhen" {
		t.Errorf("servo = %s", got)
	}
	var prices []string
	for _, p := range servo.Prices {
		prices = append(prices, sprint(p.Currency, p.UnitPrice, p.ValidFrom, p.ValidTo))
	}
	if got := strings.Join(prices, " | "); got != "USD 182.5 2026-01-01 2026-06-30 | CNY 1290 2026-01-01 2026-06-30" {
		t.Errorf("servo prices = %s (one per currency, dates from serial numbers)", got)
	}
	if cable.Unit != "SET" || cable.Prices[0].UnitPrice.String() != "6.35" || !cable.Prices[0].ValidTo.IsZero() || cable.Source.Sheet != sheet || cable.Source.Line != 4 {
		t.Errorf("cable = %s, source %+v", jsonOf(t, cable), cable.Source)
	}
}

func mustMapping(t *testing.T, yamlText string) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse("catalog.mapping.yaml", []byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// FuzzCatalogDecode feeds arbitrary bytes to the decoder of the example
// catalog mapping, seeded with the price lists in testdata/supplier:
// whatever comes in, it keeps connectortest.CheckDecodeInvariants.
func FuzzCatalogDecode(f *testing.F) {
	connectortest.AddSeeds(f, "testdata/supplier/catalog_*.csv")
	m, err := mapping.Load(catalogExample)
	if err != nil {
		f.Fatal(err)
	}
	d, err := erpexport.NewDecoder(m)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		connectortest.CheckDecodeInvariants(t, d, "fuzz.csv", content)
	})
}
