package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// fakeOrders serves a fixed list and records the filter it was asked for.
type fakeOrders struct {
	orders []store.StoredOrder
	last   store.OrderFilter
}

func (f *fakeOrders) GetOrder(_ context.Context, buyerID, number string) (*store.StoredOrder, error) {
	for _, o := range f.orders {
		if o.Order.OrderNumber == number && (buyerID == "" || o.Order.Buyer.ID == buyerID) {
			return &o, nil
		}
	}
	return nil, store.ErrNotFound
}

func (f *fakeOrders) ListOrders(_ context.Context, flt store.OrderFilter) ([]store.StoredOrder, string, error) {
	f.last = flt
	if flt.Cursor == "garbage" {
		return nil, "", fmt.Errorf("decode cursor: %w", store.ErrInvalid)
	}
	var out []store.StoredOrder
	for _, o := range f.orders {
		if flt.SupplierID != "" && o.Order.Supplier.ID != flt.SupplierID {
			continue
		}
		out = append(out, o)
	}
	return out, "next-page", nil
}

func stored(number, supplier, price string) store.StoredOrder {
	return store.StoredOrder{Status: store.StatusSubmitted, Version: 1, Order: canonical.Order{
		OrderNumber: number, Buyer: canonical.Party{ID: "ACME"}, Supplier: canonical.Party{ID: supplier}, Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 1, Quantity: canonical.MustDecimal("1"), Unit: "EA", UnitPrice: canonical.MustDecimal(price)}},
	}}
}

func get(t *testing.T, h http.Handler, path string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body is not JSON: %v\n%s", path, err, rec.Body)
		}
	}
	return rec, body
}

func TestAPI(t *testing.T) {
	orders := &fakeOrders{orders: []store.StoredOrder{stored("PO-1", "SUP-A", "12.50"), stored("PO-2", "SUP-B", "3")}}
	storeDown := Check{Name: "store", Fn: func(context.Context) error { return errors.New("connection refused") }}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "procurehub_test_total", Help: "x"}))
	h := Handler(Config{Orders: orders, Gatherer: reg})

	t.Run("a malformed cursor is a 400 that says so, not a 500", func(t *testing.T) {
		rec, body := get(t, h, "/api/v1/orders?cursor=garbage")
		if rec.Code != http.StatusBadRequest || body["error"].(map[string]any)["code"] != "bad_cursor" {
			t.Errorf("status %d, body %v; want 400 bad_cursor", rec.Code, body)
		}
	})

	t.Run("list returns orders under \"orders\" with their status and the next cursor", func(t *testing.T) {
		rec, body := get(t, h, "/api/v1/orders?supplier=SUP-A&status=submitted&q=brake+50%25&limit=10&cursor=abc")
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		list := body["orders"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["order_number"] != "PO-1" || list[0].(map[string]any)["status"] != "submitted" {
			t.Fatalf("orders = %v", list)
		}
		if body["next_cursor"] != "next-page" {
			t.Errorf("next_cursor = %v", body["next_cursor"])
		}
		want := store.OrderFilter{SupplierID: "SUP-A", Status: "submitted", Search: "brake 50%", Limit: 10, Cursor: "abc"}
		if orders.last != want {
			t.Errorf("filter = %+v, want %+v", orders.last, want)
		}
	})

	t.Run("amounts keep their scale in the API", func(t *testing.T) {
		_, body := get(t, h, "/api/v1/orders/PO-1")
		line := body["lines"].([]any)[0].(map[string]any)
		if line["unit_price"] != "12.50" {
			t.Errorf("unit_price = %v, want \"12.50\"", line["unit_price"])
		}
	})

	t.Run("an unknown order is a 404 with an error code", func(t *testing.T) {
		rec, body := get(t, h, "/api/v1/orders/PO-404")
		if rec.Code != 404 || body["error"].(map[string]any)["code"] != "order_not_found" {
			t.Fatalf("status %d body %v", rec.Code, body)
		}
	})

	t.Run("a bad limit is a 400", func(t *testing.T) {
		for _, l := range []string{"0", "501", "ten"} {
			if rec, _ := get(t, h, "/api/v1/orders?limit="+l); rec.Code != 400 {
				t.Errorf("limit=%s: status %d, want 400", l, rec.Code)
			}
		}
	})

	t.Run("readyz fails with the failing check named when the store is down", func(t *testing.T) {
		h := Handler(Config{Orders: orders, Ready: []Check{storeDown}})
		rec, body := get(t, h, "/readyz")
		if rec.Code != 503 || body["checks"].(map[string]any)["store"] != "connection refused" {
			t.Fatalf("status %d body %v", rec.Code, body)
		}
		if rec, _ := get(t, h, "/healthz"); rec.Code != 200 {
			t.Errorf("healthz %d while only the store is down", rec.Code)
		}
	})

	t.Run("metrics are served in the Prometheus text format", func(t *testing.T) {
		rec, _ := get(t, h, "/metrics")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "procurehub_test_total 0") {
			t.Fatalf("status %d body %s", rec.Code, rec.Body)
		}
	})

	t.Run("the authentication hook guards every API route", func(t *testing.T) {
		deny := func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
		}
		h := Handler(Config{Orders: orders, Authenticate: deny})
		for _, p := range []string{"/api/v1/orders", "/api/v1/orders/PO-1"} {
			if rec, _ := get(t, h, p); rec.Code != 401 {
				t.Errorf("%s: status %d, want 401", p, rec.Code)
			}
		}
	})
}
