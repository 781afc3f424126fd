package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// storeImporter stands in for the topic and sink: it stores the items as
// partner "api" and reports them applied (or not, when late).
type storeImporter struct {
	st    *sqlite.Store
	late  bool
	calls int
}

func (i *storeImporter) ImportCatalogItems(ctx context.Context, items []canonical.CatalogItem) (bool, error) {
	i.calls++
	ptrs := make([]*canonical.CatalogItem, len(items))
	for k := range items {
		ptrs[k] = &items[k]
	}
	_, err := i.st.UpsertCatalogItems(ctx, "api", ptrs)
	return !i.late && err == nil, err
}

func catalogServer(t *testing.T) (http.Handler, *storeImporter) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	imp := &storeImporter{st: st}
	return Handler(Config{Catalog: st, CatalogImport: imp}), imp
}

func post(t *testing.T, h http.Handler, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("POST %s: body is not JSON: %v\n%s", path, err, rec.Body)
	}
	return rec, out
}

// lampItem is a valid item of a supplier's price list as JSON.
func lampItem(sku, price string) string {
	return `{"supplier": {"id": "SUP-VN-LAMP", "name": "Hanoi Lamps JSC"}, "sku": "` + sku + `", "unit": "H87",
		"prices": [{"valid_from": "2026-01-01", "currency": "USD", "unit_price": "` + price + `"}]}`
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestABadCatalogRequestIsAnsweredWithWhatIsWrong(t *testing.T) {
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"a body that is not JSON", "/api/v1/catalog/items", `{"items": [`, 400, "bad_body"},
		{"an empty body", "/api/v1/catalog/items", ``, 400, "bad_body"},
		{"a field the request does not have", "/api/v1/catalog/items", `{"item": []}`, 400, "bad_body"},
		{"a price that is not a decimal", "/api/v1/catalog/items", `{"items": [` + lampItem("LAMP-1", "12,5O") + `]}`, 400, "bad_body"},
		{"no items", "/api/v1/catalog/items", `{"items": []}`, 400, "no_items"},
		{"a dry_run that is not a boolean", "/api/v1/catalog/items?dry_run=perhaps", `{"items": [` + lampItem("LAMP-1", "12.50") + `]}`, 400, "bad_dry_run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, imp := catalogServer(t)
			rec, body := post(t, h, tt.path, tt.body)
			if rec.Code != tt.status || errorCode(body) != tt.code {
				t.Errorf("%d %s, want %d %s\n%s", rec.Code, errorCode(body), tt.status, tt.code, rec.Body)
			}
			if imp.calls != 0 {
				t.Errorf("a bad request was imported")
			}
		})
	}
}

func TestInvalidCatalogItemsAreNamedByIndexAndFieldAndNothingIsTaken(t *testing.T) {
	for _, dry := range []string{"", "?dry_run=true"} {
		t.Run("dry run "+dry, func(t *testing.T) {
			h, imp := catalogServer(t)
			body := `{"items": [` + lampItem("LAMP-1", "12.50") + `,
				{"supplier": {"id": "SUP-VN-LAMP"}, "sku": "LAMP-2", "unit": "H87", "moq": "-1",
				 "prices": [{"currency": "USDX", "unit_price": "3.00"}]},
				` + lampItem("LAMP-3", "9.00") + `,
				{"supplier": {"id": "SUP-VN-LAMP"}, "unit": "H87"}]}`
			rec, out := post(t, h, "/api/v1/catalog/items"+dry, body)
			if rec.Code != http.StatusUnprocessableEntity || errorCode(out) != "invalid_items" {
				t.Fatalf("%d %s, want 422 invalid_items\n%s", rec.Code, errorCode(out), rec.Body)
			}
			var resp CatalogImportResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			got := map[int][]string{}
			for _, bad := range resp.Invalid {
				for _, p := range bad.Problems {
					got[bad.Index] = append(got[bad.Index], p.Path)
				}
			}
			if len(got) != 2 || strings.Join(got[1], " ") != "items[1].moq items[1].prices[0].currency" || strings.Join(got[3], " ") != "items[3].sku" {
				t.Errorf("invalid items %v; want items 1 (moq, prices[0].currency) and 3 (sku)", got)
			}
			if imp.calls != 0 || resp.Accepted != 0 {
				t.Errorf("%d imports, %d accepted; want nothing taken when an item is invalid", imp.calls, resp.Accepted)
			}
			if rec, _ := get(t, h, "/api/v1/catalog/items/SUP-VN-LAMP/LAMP-1"); rec.Code != http.StatusNotFound {
				t.Errorf("the valid item of a refused request is stored: %d", rec.Code)
			}
		})
	}
}

func TestPostedCatalogItemsAreReadBackAndListedPageByPage(t *testing.T) {
	h, imp := catalogServer(t)

	rec, out := post(t, h, "/api/v1/catalog/items?dry_run=true", `{"items": [`+lampItem("LAMP-1", "12.50")+`]}`)
	if rec.Code != http.StatusOK || out["accepted"] != 1.0 || out["dry_run"] != true || imp.calls != 0 {
		t.Fatalf("dry run: %d %v (%d imports); want 200, 1 accepted, nothing imported", rec.Code, out, imp.calls)
	}

	items := []string{lampItem("LAMP-1", "12.50"), lampItem("LAMP-2", "8.00"), lampItem("LAMP/3", "4.25"),
		`{"supplier": {"id": "SUP-PL-BOX"}, "sku": "LAMP-1", "unit": "H87"}`}
	rec, out = post(t, h, "/api/v1/catalog/items", `{"items": [`+strings.Join(items, ",")+`]}`)
	if rec.Code != http.StatusCreated || out["applied"] != true || out["accepted"] != 4.0 {
		t.Fatalf("import: %d %v; want 201, applied, 4 accepted", rec.Code, out)
	}

	rec, one := get(t, h, "/api/v1/catalog/items/SUP-VN-LAMP/LAMP%2F3")
	prices, _ := one["prices"].([]any)
	if rec.Code != http.StatusOK || one["sku"] != "LAMP/3" || one["version"] != 1.0 || one["partner"] != "api" || len(prices) != 1 {
		t.Fatalf("item LAMP/3: %d %v; want 200, version 1 by api, one price", rec.Code, one)
	}
	if p, _ := prices[0].(map[string]any); p["unit_price"] != "4.25" || p["valid_from"] != "2026-01-01" {
		t.Errorf("price %v; want 4.25 from 2026-01-01", p)
	}
	if rec, body := get(t, h, "/api/v1/catalog/items/SUP-VN-LAMP/LAMP-9"); rec.Code != http.StatusNotFound || errorCode(body) != "catalog_item_not_found" {
		t.Errorf("unknown item: %d %s, want 404 catalog_item_not_found", rec.Code, errorCode(body))
	}

	var skus []string
	path := "/api/v1/catalog/items?supplier=SUP-VN-LAMP&limit=2"
	for pages := 0; pages < 5; pages++ {
		rec, page := get(t, h, path)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		list, _ := page["items"].([]any)
		for _, it := range list {
			skus = append(skus, it.(map[string]any)["sku"].(string))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/api/v1/catalog/items?supplier=SUP-VN-LAMP&limit=2&cursor=" + next
	}
	if got := strings.Join(skus, " "); got != "LAMP-1 LAMP-2 LAMP/3" {
		t.Errorf("SUP-VN-LAMP page by page: %s, want LAMP-1 LAMP-2 LAMP/3", got)
	}
	if rec, page := get(t, h, "/api/v1/catalog/items?sku=LAMP-1"); rec.Code != http.StatusOK || len(page["items"].([]any)) != 2 {
		t.Errorf("sku LAMP-1: %d %v; want both suppliers' LAMP-1", rec.Code, page)
	}
	for _, bad := range []struct{ path, code string }{
		{"/api/v1/catalog/items?cursor=nonsense", "bad_cursor"},
		{"/api/v1/catalog/items?limit=0", "bad_limit"},
		{"/api/v1/catalog/items?limit=501", "bad_limit"},
	} {
		if rec, body := get(t, h, bad.path); rec.Code != http.StatusBadRequest || errorCode(body) != bad.code {
			t.Errorf("%s: %d %s, want 400 %s", bad.path, rec.Code, errorCode(body), bad.code)
		}
	}

	imp.late = true
	rec, out = post(t, h, "/api/v1/catalog/items", `{"items": [`+lampItem("LAMP-1", "12.90")+`]}`)
	if rec.Code != http.StatusAccepted || out["applied"] != false {
		t.Errorf("an import not yet applied: %d %v; want 202, applied false", rec.Code, out)
	}
}
