package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// catalogPartner is the partner the catalog cases import from.
const catalogPartner = "szp-pricelist"

// testCatalogItem is an item of a supplier's price list: two price periods,
// decimals with their scale, specs and lineage.
func testCatalogItem(supplier, sku string) *canonical.CatalogItem {
	return &canonical.CatalogItem{
		Supplier: canonical.Party{ID: supplier, Name: "Shenzhen Precision Parts", Country: "CN"},
		SKU:      sku, BuyerSKU: "100-" + sku, Description: "Servo motor 750 W",
		Specs: map[string]string{"power": "750 W", "brake": "yes"}, Category: "drives", Unit: "H87",
		PackSize: ptr(canonical.MustDecimal("1")), MOQ: ptr(canonical.MustDecimal("10.000")),
		CapacityPerWeek: ptr(canonical.MustDecimal("400")), LeadTimeDays: 35,
		Prices: []canonical.CatalogPrice{
			{ValidFrom: canonical.NewDate(2026, time.January, 1), ValidTo: canonical.NewDate(2026, time.June, 30), Currency: "USD", UnitPrice: canonical.MustDecimal("186.40")},
			{ValidFrom: canonical.NewDate(2026, time.July, 1), Currency: "USD", UnitPrice: canonical.MustDecimal("179.905")},
		},
		HSCode: "85015220", OriginCountry: "CN", Incoterm: "FOB", IncotermPlace: "Shenzhen", PaymentTerms: "T/T 30 days",
		Source: &canonical.Source{Connector: "erp_export", Partner: catalogPartner, File: "pricelist-2026.csv", Line: 2},
	}
}

func upsertCatalog(t *testing.T, s Store, items ...*canonical.CatalogItem) []store.Change {
	t.Helper()
	c, err := s.UpsertCatalogItems(t.Context(), catalogPartner, items)
	if err != nil {
		t.Fatalf("UpsertCatalogItems: %v", err)
	}
	if len(c) != len(items) {
		t.Fatalf("UpsertCatalogItems returned %d changes for %d items", len(c), len(items))
	}
	return c
}

func getCatalogItem(t *testing.T, s Store, supplier, sku string) *store.StoredCatalogItem {
	t.Helper()
	got, err := s.GetCatalogItem(t.Context(), supplier, sku)
	if err != nil {
		t.Fatalf("GetCatalogItem(%q, %q): %v", supplier, sku, err)
	}
	return got
}

func catalogJSON(t *testing.T, it *canonical.CatalogItem) string {
	t.Helper()
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func catalogItemReadBack(t *testing.T, s Store) {
	it := testCatalogItem("SUP-CN-SZP", "SRV-750B")
	wantChanges(t, upsertCatalog(t, s, it), store.ChangeInserted)
	got := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B")
	if a, b := catalogJSON(t, got.Item), catalogJSON(t, it); a != b {
		t.Errorf("stored item differs from the written one\n got: %s\nwant: %s", a, b)
	}
	if p := got.Item.Prices[1].UnitPrice.String(); p != "179.905" {
		t.Errorf("second price %s, want 179.905 (scale kept)", p)
	}
	if got.Item.MOQ == nil || got.Item.MOQ.String() != "10.000" {
		t.Errorf("moq %v, want 10.000", got.Item.MOQ)
	}
	content, err := store.CatalogItemContent(it)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Partner != catalogPartner || got.ContentHash != store.HashContent(content) {
		t.Errorf("version %d partner %q hash %q; want 1, %q and the hash of its content", got.Version, got.Partner, got.ContentHash, catalogPartner)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("created %v updated %v", got.CreatedAt, got.UpdatedAt)
	}
}

func catalogItemReplayAndChange(t *testing.T, s Store) {
	upsertCatalog(t, s, testCatalogItem("SUP-CN-SZP", "SRV-750B"), testCatalogItem("SUP-CN-SZP", "ENC-17B"))
	first := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B")

	// The same price list again, read from another file: nothing changes.
	again := testCatalogItem("SUP-CN-SZP", "SRV-750B")
	again.Source = &canonical.Source{Connector: "erp_export", Partner: catalogPartner, File: "pricelist-2026-resent.csv", Line: 7}
	wantChanges(t, upsertCatalog(t, s, again, testCatalogItem("SUP-CN-SZP", "ENC-17B")), store.ChangeUnchanged, store.ChangeUnchanged)
	if got := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B"); got.Version != 1 || !got.UpdatedAt.Equal(first.UpdatedAt) || got.Item.Source.File != "pricelist-2026.csv" {
		t.Errorf("after a replay: version %d, updated %v→%v, file %q; want version 1, unchanged, the first file",
			got.Version, first.UpdatedAt, got.UpdatedAt, got.Item.Source.File)
	}

	// A new price list changes one item's price: that item alone is version 2.
	changed := testCatalogItem("SUP-CN-SZP", "SRV-750B")
	changed.Prices[0].UnitPrice = canonical.MustDecimal("192.00")
	wantChanges(t, upsertCatalog(t, s, changed, testCatalogItem("SUP-CN-SZP", "ENC-17B")), store.ChangeUpdated, store.ChangeUnchanged)
	got := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B")
	if got.Version != 2 || got.Item.Prices[0].UnitPrice.String() != "192.00" || got.ContentHash == first.ContentHash {
		t.Errorf("after a price change: version %d, price %s; want version 2, 192.00 and a new hash", got.Version, got.Item.Prices[0].UnitPrice)
	}
	if !got.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("created_at moved from %v to %v", first.CreatedAt, got.CreatedAt)
	}
	if other := getCatalogItem(t, s, "SUP-CN-SZP", "ENC-17B"); other.Version != 1 {
		t.Errorf("the unchanged item is version %d, want 1", other.Version)
	}
}

func catalogItemTwiceInBatch(t *testing.T, s Store) {
	older := testCatalogItem("SUP-CN-SZP", "SRV-750B")
	newer := testCatalogItem("SUP-CN-SZP", "SRV-750B")
	newer.LeadTimeDays = 42
	wantChanges(t, upsertCatalog(t, s, older, newer), store.ChangeUnchanged, store.ChangeInserted)
	if got := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B"); got.Item.LeadTimeDays != 42 || got.Version != 1 {
		t.Errorf("lead time %d version %d; want the later item (42), version 1", got.Item.LeadTimeDays, got.Version)
	}
}

func catalogItemRefused(t *testing.T, s Store) {
	bad := map[string]func(*canonical.CatalogItem){
		"no supplier id":     func(it *canonical.CatalogItem) { it.Supplier.ID = "" },
		"no sku":             func(it *canonical.CatalogItem) { it.SKU = "" },
		"a negative price":   func(it *canonical.CatalogItem) { it.Prices[0].UnitPrice = canonical.MustDecimal("-1.00") },
		"a zero pack size":   func(it *canonical.CatalogItem) { it.PackSize = ptr(canonical.MustDecimal("0")) },
		"a NUL in the sku":   func(it *canonical.CatalogItem) { it.SKU = "SRV\x00750" },
		"an unknown unit":    func(it *canonical.CatalogItem) { it.Unit = "BOXES" },
		"a currency not ISO": func(it *canonical.CatalogItem) { it.Prices[1].Currency = "USDX" },
	}
	for name, spoil := range bad {
		it := testCatalogItem("SUP-CN-SZP", "SRV-BAD")
		spoil(it)
		_, err := s.UpsertCatalogItems(t.Context(), catalogPartner, []*canonical.CatalogItem{testCatalogItem("SUP-CN-SZP", "ENC-17B"), it})
		var ie *store.InvalidCatalogItemError
		if !errors.Is(err, store.ErrInvalid) || !errors.As(err, &ie) || ie.Index != 1 {
			t.Errorf("%s: err = %v, want an InvalidCatalogItemError of item 1", name, err)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0) {
			t.Errorf("%s: the error carries a NUL: %q", name, err)
		}
	}
	list, _, err := s.CatalogItems(t.Context(), store.CatalogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("refused batches stored %d items, want none", len(list))
	}
}

func catalogItemList(t *testing.T, s Store) {
	var items []*canonical.CatalogItem
	for i := range 7 {
		items = append(items, testCatalogItem("SUP-CN-SZP", fmt.Sprintf("SKU-%02d", i)))
	}
	other := testCatalogItem("SUP-VN-LAMP", "SKU-03")
	upsertCatalog(t, s, items...)
	upsertCatalog(t, s, other)

	keys := func(list []store.StoredCatalogItem) string {
		var b []string
		for _, it := range list {
			b = append(b, it.Item.Supplier.ID+"/"+it.Item.SKU)
		}
		return strings.Join(b, " ")
	}
	var all []store.StoredCatalogItem
	f := store.CatalogFilter{SupplierID: "SUP-CN-SZP", Limit: 3}
	pages := 0
	for {
		list, next, err := s.CatalogItems(t.Context(), f)
		if err != nil {
			t.Fatalf("CatalogItems(%+v): %v", f, err)
		}
		pages++
		if len(list) > 3 {
			t.Fatalf("page of %d items with limit 3", len(list))
		}
		all = append(all, list...)
		if next == "" || pages > 10 {
			break
		}
		f.Cursor = next
	}
	want := "SUP-CN-SZP/SKU-00 SUP-CN-SZP/SKU-01 SUP-CN-SZP/SKU-02 SUP-CN-SZP/SKU-03 SUP-CN-SZP/SKU-04 SUP-CN-SZP/SKU-05 SUP-CN-SZP/SKU-06"
	if got := keys(all); got != want || pages != 3 {
		t.Errorf("supplier SUP-CN-SZP in %d pages: %s\nwant 3 pages: %s", pages, got, want)
	}
	bySKU, next, err := s.CatalogItems(t.Context(), store.CatalogFilter{SKU: "SKU-03"})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(bySKU); got != "SUP-CN-SZP/SKU-03 SUP-VN-LAMP/SKU-03" || next != "" {
		t.Errorf("sku SKU-03: %s (next %q); want both suppliers' SKU-03 and no next page", got, next)
	}
	one, _, err := s.CatalogItems(t.Context(), store.CatalogFilter{SupplierID: "SUP-VN-LAMP", SKU: "SKU-03"})
	if err != nil || keys(one) != "SUP-VN-LAMP/SKU-03" {
		t.Errorf("supplier and sku: %s (%v); want SUP-VN-LAMP/SKU-03", keys(one), err)
	}
	if _, _, err := s.CatalogItems(t.Context(), store.CatalogFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
}

func catalogItemMissing(t *testing.T, s Store) {
	upsertCatalog(t, s, testCatalogItem("SUP-CN-SZP", "SRV-750B"))
	for _, k := range [][2]string{{"SUP-CN-SZP", "SRV-750"}, {"SUP-VN-LAMP", "SRV-750B"}, {"", ""}} {
		if _, err := s.GetCatalogItem(t.Context(), k[0], k[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetCatalogItem(%q, %q): err = %v, want ErrNotFound", k[0], k[1], err)
		}
	}
}

func concurrentCatalogItems(t *testing.T, s Store) {
	const workers = 6
	var (
		mu       sync.Mutex
		inserted int
		errs     []error
		wg       sync.WaitGroup
	)
	for range workers {
		it := testCatalogItem("SUP-CN-SZP", "SRV-750B") // each delivery decodes its own copy
		wg.Go(func() {
			changes, err := s.UpsertCatalogItems(t.Context(), catalogPartner, []*canonical.CatalogItem{it})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if changes[0] == store.ChangeInserted {
				inserted++
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("UpsertCatalogItems: %v", err)
	}
	if inserted != 1 {
		t.Errorf("%d deliveries reported an insert, want 1", inserted)
	}
	if got := getCatalogItem(t, s, "SUP-CN-SZP", "SRV-750B"); got.Version != 1 {
		t.Errorf("version %d, want 1", got.Version)
	}
}
