package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/config"
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

// priceListHub is a hub with one partner, a supplier dropping price lists
// (testdata/pricelist.mapping.yaml) into dir/inbox.
const priceListHub = `
broker:
  embedded: true
  addr: 127.0.0.1:0
  data_dir: %[1]s/kafka
  partitions: 2
store:
  driver: sqlite
  dsn: %[1]s/hub.db
  migrate_on_start: true
http:
  addr: 127.0.0.1:0
pipeline:
  retries: 2
  retry_initial: 10ms
validation:
  enabled: true
  catalog: %[2]s
partners:
  - name: lamp-pricelist
    kind: erp_export
    settings:
      inbox: %[1]s/inbox
      settle_time: 0s
      poll_interval: 50ms
      mapping: %[3]s
`

func startPriceListHub(t *testing.T) *runningHub {
	t.Helper()
	dir := t.TempDir()
	catalogFile, _ := filepath.Abs("../../configs/partners/catalog.yaml")
	mappingFile, _ := filepath.Abs("testdata/pricelist.mapping.yaml")
	cfgPath := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, priceListHub, dir, catalogFile, mappingFile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started, done := make(chan *Hub, 1), make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Started: func(h *Hub) { started <- h }})
	}()
	var h *Hub
	select {
	case h = <-started:
	case err := <-done:
		t.Fatalf("hub stopped before it started: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("hub did not start within 60s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("hub stopped with %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("hub did not stop within 60s of cancellation")
		}
	})
	return &runningHub{hub: h, inbox: filepath.Join(dir, "inbox")}
}

type apiCatalogItem struct {
	SKU     string
	Partner string
	Version int
	Prices  []struct {
		UnitPrice string `json:"unit_price"`
	}
}

func (r *runningHub) catalogItem(t *testing.T, supplier, sku string) (apiCatalogItem, int) {
	t.Helper()
	resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/catalog/items/" + supplier + "/" + sku)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var it apiCatalogItem
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&it); err != nil {
			t.Fatal(err)
		}
	}
	return it, resp.StatusCode
}

// A supplier's CSV price list goes through the mapping, the catalog topic
// and the sink: the same list again changes nothing, a changed price makes
// version 2 of that item alone.
func TestAPriceListFileIsStoredOnceAndAChangedPriceIsTheNextVersion(t *testing.T) {
	r := startPriceListHub(t)
	r.drop(t, "pricelist-2026.csv", "pricelist-2026.csv")
	r.receipt(t, "archive", "pricelist-2026.csv")
	eventually(t, "LAMP-1 and LAMP-2 in the catalog", func() bool {
		_, a := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-1")
		_, b := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-2")
		return a == http.StatusOK && b == http.StatusOK
	})
	if it, _ := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-1"); it.Version != 1 || it.Partner != "lamp-pricelist" || len(it.Prices) != 1 || it.Prices[0].UnitPrice != "12.50" {
		t.Errorf("LAMP-1 %+v; want version 1 from lamp-pricelist at 12.50", it)
	}

	r.drop(t, "pricelist-2026-resent-reordered.csv", "pricelist-2026-resent.csv")
	r.receipt(t, "archive", "pricelist-2026-resent.csv")
	r.drop(t, "pricelist-2026-lamp-1-price-changed.csv", "pricelist-2026-07.csv")
	r.receipt(t, "archive", "pricelist-2026-07.csv")
	eventually(t, "LAMP-1 at its new price", func() bool {
		it, _ := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-1")
		return len(it.Prices) == 1 && it.Prices[0].UnitPrice == "12.90"
	})
	if it, _ := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-1"); it.Version != 2 {
		t.Errorf("LAMP-1 version %d after a resend and one change, want 2", it.Version)
	}
	if it, _ := r.catalogItem(t, "SUP-VN-LAMP", "LAMP-2"); it.Version != 1 {
		t.Errorf("LAMP-2 version %d after a resend and a list where it did not change, want 1", it.Version)
	}
	// Three files, two items: the resend made no item of its own.
	resp, err := http.Get("http://" + r.hub.HTTPAddr + "/api/v1/catalog/items?supplier=SUP-VN-LAMP")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Items []apiCatalogItem }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Items) != 2 {
		t.Errorf("SUP-VN-LAMP lists %d items (%v), want 2", len(list.Items), err)
	}
}
