package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// An item posted to the catalog API is in the catalog the moment the API
// answers 201: an order at 20% over its price, dropped right after, needs
// review with a price_list finding on the line's unit price, and the
// demand planner picks its supplier for its buyer SKU.
func TestAnOrderIsCheckedAgainstACatalogItemPostedAMomentBefore(t *testing.T) {
	r := startHub(t,
		"  embedded: true\n  addr: 127.0.0.1:0\n  data_dir: $DIR/kafka\n  partitions: 2",
		"  driver: sqlite\n  dsn: $DIR/hub.db\n  migrate_on_start: true",
		nil)
	base := "http://" + r.hub.HTTPAddr

	item := `{"items": [{"supplier": {"id": "SUP-VN-LAMP", "name": "Hanoi Lamps JSC", "country": "VN"},
		"sku": "LAMP-1", "buyer_sku": "400-0001", "unit": "H87", "moq": "12",
		"incoterm": "FOB", "incoterm_place": "Hai Phong", "payment_terms": "T/T 30 days", "origin_country": "VN", "hs_code": "940540",
		"prices": [{"valid_from": "2026-01-01", "currency": "USD", "unit_price": "12.50"}]}]}`
	resp, err := http.Post(base+"/api/v1/catalog/items", "application/json", strings.NewReader(item))
	if err != nil {
		t.Fatal(err)
	}
	var posted struct {
		Applied  bool
		Accepted int
	}
	err = json.NewDecoder(resp.Body).Decode(&posted)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || !posted.Applied || posted.Accepted != 1 {
		t.Fatalf("POST catalog item: %d %+v (%v); want 201, applied", resp.StatusCode, posted, err)
	}
	resp, err = http.Get(base + "/api/v1/catalog/items/SUP-VN-LAMP/LAMP-1")
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Partner string
		Version int
	}
	err = json.NewDecoder(resp.Body).Decode(&stored)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || stored.Version != 1 || stored.Partner != "api" {
		t.Errorf("GET the posted item: %d %+v (%v); want 200, version 1 by api", resp.StatusCode, stored, err)
	}

	// The demand planner plans from the same catalog.
	resp, err = http.Post(base+"/api/v1/demand?dry_run=true", "application/json",
		strings.NewReader(`{"lines": [{"buyer_sku": "400-0001", "quantity": "24", "need_by": "2027-03-01"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Plan struct {
			Orders []struct {
				Supplier struct{ ID string }
				Lines    []struct {
					SKU       string
					UnitPrice string `json:"unit_price"`
				}
			}
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&plan)
	resp.Body.Close()
	if err != nil || len(plan.Plan.Orders) != 1 || plan.Plan.Orders[0].Supplier.ID != "SUP-VN-LAMP" ||
		len(plan.Plan.Orders[0].Lines) != 1 || plan.Plan.Orders[0].Lines[0].UnitPrice != "12.50" {
		t.Errorf("demand for buyer sku 400-0001: %+v (%v); want one order of SUP-VN-LAMP at 12.50", plan, err)
	}

	r.drop(t, "order-20-percent-over-posted-price.csv", "po-cat-1.csv")
	var o struct {
		Status   string
		Findings []struct {
			RuleID   string `json:"rule_id"`
			Severity string
			Path     string
			Message  string
		}
	}
	eventually(t, "order PO-CAT-1 needs review", func() bool {
		resp, err := http.Get(base + "/api/v1/orders/PO-CAT-1")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&o) == nil && o.Status == "needs_review"
	})
	found := false
	for _, f := range o.Findings {
		if f.RuleID == "price_list" {
			found = true
			if f.Severity != "error" || f.Path != "lines[0].unit_price" || !strings.Contains(f.Message, "20.0%") {
				t.Errorf("price_list finding %+v; want an error on lines[0].unit_price, 20.0%% off", f)
			}
		}
	}
	if !found {
		t.Errorf("findings %+v; want price_list against the posted 12.50", o.Findings)
	}
}
