package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

func TestASearchFindsOnlyTheOrdersTheCallersPartyMaySee(t *testing.T) {
	hub := newMatrixHub(t) // PO-1 of B1 from S1, PO-2 of B2 from S2, both with SKU-1
	brake := func(number, buyer, supplier, supplierName string) *canonical.Order {
		return &canonical.Order{OrderNumber: number, OrderDate: canonical.NewDate(2026, 4, 1), Buyer: canonical.Party{ID: buyer},
			Supplier: canonical.Party{ID: supplier, Name: supplierName}, Currency: "EUR",
			Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "BRK-100", Description: "Brake pad, ceramic", Quantity: canonical.MustDecimal("4"),
				Unit: "H87", UnitPrice: canonical.MustDecimal("9.50")}}}
	}
	if _, err := hub.st.UpsertOrders(t.Context(), []*canonical.Order{
		brake("PO-11", "B1", "S1", "Shenzhen Parts"), brake("PO-21", "B2", "S2", "Ningbo Brakes"),
	}); err != nil {
		t.Fatal(err)
	}
	search := func(caller, q string) []string {
		t.Helper()
		rec := hub.call(http.MethodGet, "/api/v1/orders?q="+url.QueryEscape(q), "", caller)
		var list OrderList
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("%s searches %q: %d %s", caller, q, rec.Code, rec.Body)
		}
		var numbers []string
		for _, o := range list.Orders {
			numbers = append(numbers, o.OrderNumber)
		}
		return numbers
	}
	for _, tc := range []struct {
		caller, q string
		want      []string
	}{
		{"admin HUB", "brake CERAMIC", []string{"PO-21", "PO-11"}},
		{"supplier S1", "brake ceramic", []string{"PO-11"}},
		{"supplier S1", "ningbo", nil},             // the other supplier's name
		{"supplier S1", "S2", nil},                 // the other supplier's id
		{"supplier S1", "PO-21", nil},              // the other supplier's order number
		{"supplier S2", "sku-1", []string{"PO-2"}}, // a SKU both suppliers' orders have
		{"buyer B1", "PO-", []string{"PO-11", "PO-1"}},
		{"customs C1", "sku-1", []string{"PO-1"}}, // assigned to PO-1 only
		{"logistics L9", "PO-", nil},              // on no order
	} {
		if got := search(tc.caller, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s searching %q finds %v; want %v", tc.caller, tc.q, got, tc.want)
		}
	}
}

func TestASearchTextThatIsTooLongOrNotTextIs400(t *testing.T) {
	hub := newMatrixHub(t)
	for _, tc := range []struct {
		name, rawQ string
		want       int
	}{
		{"200 characters", url.QueryEscape(strings.Repeat("ü", 200)), http.StatusOK},
		{"201 characters", url.QueryEscape(strings.Repeat("x", 201)), http.StatusBadRequest},
		{"bytes that are not UTF-8", "PO%FF", http.StatusBadRequest},
		{"a NUL byte", "PO%00", http.StatusBadRequest},
	} {
		rec := hub.call(http.MethodGet, "/api/v1/orders?q="+tc.rawQ, "", "admin HUB")
		if rec.Code != tc.want {
			t.Errorf("q of %s: %d %s; want %d", tc.name, rec.Code, rec.Body, tc.want)
			continue
		}
		if tc.want == http.StatusBadRequest && !strings.Contains(rec.Body.String(), `"bad_search"`) {
			t.Errorf("q of %s: body %s; want error code bad_search", tc.name, rec.Body)
		}
	}
}
