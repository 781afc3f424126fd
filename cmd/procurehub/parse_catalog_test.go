package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCatalog(t *testing.T) {
	mappingFile := "../../configs/partners/catalog-example.mapping.yaml"
	dir := "../../connectors/erpexport/testdata/supplier/"

	t.Run("a supplier price list prints one catalog item per line, its price periods inside", func(t *testing.T) {
		out, errOut, code := runCLI(t, "parse", "--format", "erp_csv", "--mapping", mappingFile, dir+"catalog_de_price_list.csv")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines, want 3 catalog items:\n%s", len(lines), out)
		}
		var rec struct {
			Type string `json:"type"`
			Data struct {
				Supplier struct {
					ID string `json:"id"`
				} `json:"supplier"`
				SKU    string `json:"sku"`
				Prices []struct {
					ValidFrom string `json:"valid_from"`
					UnitPrice string `json:"unit_price"`
				} `json:"prices"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type != "catalog_item" || rec.Data.Supplier.ID != "DE-KLEMMTECHNIK" || rec.Data.SKU != "KT-RK-2.5" ||
			len(rec.Data.Prices) != 2 || rec.Data.Prices[1].ValidFrom != "2026-07-01" || rec.Data.Prices[1].UnitPrice != "0.45" {
			t.Errorf("first record = %+v, want KT-RK-2.5 with a second price of 0.45 from 2026-07-01", rec)
		}
	})

	t.Run("a bad price and a conflicting unit go to stderr with file and line, and the exit status is 1", func(t *testing.T) {
		out, errOut, code := runCLI(t, "parse", "--format", "erp_csv", "--mapping", mappingFile, dir+"catalog_de_bad_price_and_unit.csv")
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		for _, want := range []string{
			`catalog_de_bad_price_and_unit.csv:3: unit: "kg" differs from "Stk"`,
			`catalog_de_bad_price_and_unit.csv:4: prices.unit_price: "3,8O" is not a decimal`,
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, `"sku":"KT-CU-30"`) {
			t.Errorf("stdout = %q, want the one good item KT-CU-30", out)
		}
	})
}
