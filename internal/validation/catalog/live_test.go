package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

func overlayBase(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.LoadFile("testdata/catalog-base-for-overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dec(s string) *canonical.Decimal {
	d := canonical.MustDecimal(s)
	return &d
}

// storedItem is an item as a price list import stores it.
func storedItem(supplier, sku, currency, price string) canonical.CatalogItem {
	return canonical.CatalogItem{
		Supplier: canonical.Party{ID: supplier, Name: "Hanoi Lamps JSC", Country: "VN"}, SKU: sku, Unit: "H87",
		Prices: []canonical.CatalogPrice{{Currency: canonical.Currency(currency), UnitPrice: canonical.MustDecimal(price)}},
	}
}

func priceOf(t *testing.T, c *catalog.Catalog, supplier, sku string) string {
	t.Helper()
	it, ok := c.Item(supplier, sku)
	if !ok {
		return "missing"
	}
	p, ok := it.PriceOn(canonical.NewDate(2026, 7, 1))
	if !ok {
		return "no price"
	}
	return p.UnitPrice.String() + " " + string(p.Currency)
}

func TestTheLiveCatalogOverlaysStoredItemsOnTheFile(t *testing.T) {
	tests := []struct {
		name   string
		stored []canonical.CatalogItem
		check  func(t *testing.T, c *catalog.Catalog)
	}{
		{"without stored items the file's catalog is the catalog", nil, func(t *testing.T, c *catalog.Catalog) {
			if got := priceOf(t, c, "SUP-PL-BOX", "BOX-60x40"); got != "3.25 PLN" {
				t.Errorf("BOX-60x40 at %s, want the file's 3.25 PLN", got)
			}
		}},
		{"a stored item replaces the file's item of the same supplier and sku, the other items stay",
			[]canonical.CatalogItem{storedItem("SUP-PL-BOX", "BOX-60x40", "PLN", "3.60")}, func(t *testing.T, c *catalog.Catalog) {
				if got := priceOf(t, c, "SUP-PL-BOX", "BOX-60x40"); got != "3.60 PLN" {
					t.Errorf("BOX-60x40 at %s, want the stored 3.60 PLN", got)
				}
				it, _ := c.Item("SUP-PL-BOX", "BOX-60x40")
				if !it.MOQ.IsZero() || it.BuyerSKU != "" {
					t.Errorf("the replaced item kept the file's moq %s or buyer sku %q; the stored item holds whole", it.MOQ, it.BuyerSKU)
				}
				if _, ok := c.ItemByBuyerSKU("SUP-PL-BOX", "PACK-7"); ok {
					t.Error("the file's buyer sku still finds the replaced item")
				}
				if got := priceOf(t, c, "SUP-PL-BOX", "BOX-30x20"); got != "1.40 PLN" {
					t.Errorf("BOX-30x20 at %s, want the file's 1.40 PLN kept", got)
				}
				if s, _ := c.Supplier("SUP-PL-BOX"); s.Rating != catalog.RatingA || s.Name != "Poznań Cartons Sp. z o.o." {
					t.Errorf("supplier %+v; want the file's supplier untouched", s)
				}
				if len(c.Items("SUP-PL-BOX")) != 2 {
					t.Errorf("%d items of SUP-PL-BOX, want 2", len(c.Items("SUP-PL-BOX")))
				}
			}},
		{"an item of a supplier the file does not list makes a minimal supplier with its price list's currency",
			[]canonical.CatalogItem{
				{Supplier: canonical.Party{ID: "SUP-VN-LAMP", Name: "Hanoi Lamps JSC", Country: "VN"}, SKU: "LAMP-0", Unit: "H87"},
				storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "12.00"),
				storedItem("SUP-VN-LAMP", "LAMP-2", "EUR", "11.00"),
			}, func(t *testing.T, c *catalog.Catalog) {
				s, ok := c.Supplier("SUP-VN-LAMP")
				if !ok {
					t.Fatal("no supplier SUP-VN-LAMP")
				}
				if s.Name != "Hanoi Lamps JSC" || s.Country != "VN" || s.Currency != "USD" || s.Rating != "" || len(s.PaymentTerms) != 0 {
					t.Errorf("supplier %+v; want id, name, country and the first price's currency USD, nothing more", s)
				}
				if got := priceOf(t, c, "SUP-VN-LAMP", "LAMP-2"); got != "11.00 EUR" {
					t.Errorf("LAMP-2 at %s, want 11.00 EUR", got)
				}
				if _, ok := c.Category("packaging"); !ok {
					t.Error("the file's category is gone")
				}
			}},
		{"of two stored items with one key the later holds",
			[]canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "12.00"), storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "12.50")},
			func(t *testing.T, c *catalog.Catalog) {
				if got := priceOf(t, c, "SUP-VN-LAMP", "LAMP-1"); got != "12.50 USD" {
					t.Errorf("LAMP-1 at %s, want the later 12.50 USD", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := catalog.NewLive(overlayBase(t), func(context.Context) ([]canonical.CatalogItem, error) { return tt.stored, nil })
			if err := live.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			tt.check(t, live.Current())
		})
	}
}

func TestAStoredItemWithoutAKeyIsAnErrorNamingIt(t *testing.T) {
	_, err := catalog.Overlay(overlayBase(t), []canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "1"), storedItem("SUP-VN-LAMP", "", "USD", "1")})
	if err == nil || err.Error() != `catalog: stored item 1 (supplier "SUP-VN-LAMP", sku ""): supplier id and sku are required` {
		t.Errorf("err = %v", err)
	}
}

func TestAFailedRefreshKeepsThePreviousCatalog(t *testing.T) {
	fail := false
	live := catalog.NewLive(overlayBase(t), func(context.Context) ([]canonical.CatalogItem, error) {
		if fail {
			return nil, errors.New("store unreachable")
		}
		return []canonical.CatalogItem{storedItem("SUP-PL-BOX", "BOX-60x40", "PLN", "3.60")}, nil
	})
	if err := live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := live.Current()
	fail = true
	if err := live.Refresh(context.Background()); err == nil {
		t.Fatal("a refresh whose load failed reported no error")
	}
	if live.Current() != before || priceOf(t, live.Current(), "SUP-PL-BOX", "BOX-60x40") != "3.60 PLN" {
		t.Error("a failed refresh changed the current catalog")
	}
}

// Readers take Current while refreshes swap in catalogs whose two stored
// items always carry the same price: no reader ever sees one item of one
// refresh and the other of the next, and a catalog once taken never changes.
func TestReadersAlwaysSeeOneWholeRefresh(t *testing.T) {
	var gen atomic.Int64
	live := catalog.NewLive(overlayBase(t), func(context.Context) ([]canonical.CatalogItem, error) {
		p := fmt.Sprintf("%d.00", gen.Add(1))
		return []canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", p), storedItem("SUP-VN-LAMP", "LAMP-2", "USD", p)}, nil
	})
	if err := live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var torn atomic.Int32
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := live.Current()
				a, b := priceOf(t, c, "SUP-VN-LAMP", "LAMP-1"), priceOf(t, c, "SUP-VN-LAMP", "LAMP-2")
				if a != b || priceOf(t, c, "SUP-VN-LAMP", "LAMP-1") != a {
					torn.Add(1)
				}
			}
		})
	}
	for range 200 {
		if err := live.Refresh(context.Background()); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := torn.Load(); n != 0 {
		t.Errorf("%d reads saw two refreshes at once", n)
	}
	if got := priceOf(t, live.Current(), "SUP-VN-LAMP", "LAMP-2"); got != "201.00 USD" {
		t.Errorf("after 201 refreshes LAMP-2 at %s, want 201.00 USD", got)
	}
}

func TestAnItemConvertsToTheCatalogAndBackUnchanged(t *testing.T) {
	in := canonical.CatalogItem{
		Supplier: canonical.Party{ID: "SUP-VN-LAMP", Name: "Hanoi Lamps JSC", Country: "VN"}, SKU: "LAMP-1", BuyerSKU: "L-1",
		Description: "Pendant lamp", Specs: map[string]string{"socket": "E27"}, Category: "lighting", Unit: "H87",
		PackSize: dec("6"), MOQ: dec("60"), CapacityPerWeek: dec("1200.5"), CapacityPerMonth: dec("4000"), LeadTimeDays: 21,
		Prices: []canonical.CatalogPrice{
			{ValidFrom: canonical.NewDate(2026, 1, 1), ValidTo: canonical.NewDate(2026, 6, 30), Currency: "USD", UnitPrice: canonical.MustDecimal("12.00")},
			{ValidFrom: canonical.NewDate(2026, 7, 1), Currency: "USD", UnitPrice: canonical.MustDecimal("12.40")},
		},
		HSCode: "940540", OriginCountry: "VN", Incoterm: "FOB", IncotermPlace: "Hai Phong", PaymentTerms: "T/T 30 days",
	}
	it := catalog.ItemOf(&in)
	if it.PackSize.String() != "6" || it.Prices[1].UnitPrice.String() != "12.40" || it.Specs["socket"] != "E27" {
		t.Errorf("item %+v", it)
	}
	s := &catalog.Supplier{ID: "SUP-VN-LAMP", Name: "Hanoi Lamps JSC", Country: "VN"}
	out := it.Canonical(s)
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(out)
	if string(a) != string(b) {
		t.Errorf("round trip changed the item\n got: %s\nwant: %s", b, a)
	}
	none := catalog.ItemOf(&canonical.CatalogItem{Supplier: canonical.Party{ID: "S"}, SKU: "A", Unit: "H87"})
	if back := none.Canonical(nil); back.PackSize != nil || back.MOQ != nil || back.CapacityPerWeek != nil {
		t.Errorf("absent constraints came back as %v %v %v, want absent", back.PackSize, back.MOQ, back.CapacityPerWeek)
	}
}

func TestTheLiveCatalogHoldsAnItemOnceARefreshBroughtItIn(t *testing.T) {
	var stored []canonical.CatalogItem
	live := catalog.NewLive(overlayBase(t), func(context.Context) ([]canonical.CatalogItem, error) { return stored, nil })
	posted := []canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "12.50")}
	if live.Holds(posted) {
		t.Fatal("the catalog holds an item never stored")
	}
	stored = []canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", "12.5")}
	if err := live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if live.Holds(posted) {
		t.Error("the catalog holds 12.50 while it has 12.5: the price as written differs")
	}
	stored = posted
	if err := live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !live.Holds(posted) {
		t.Error("the catalog does not hold the item it was refreshed with")
	}
}

// Refreshes asked for while a load runs share one load after it: a burst
// of changes reloads the store twice, not once per change.
func TestRefreshesAskedForDuringALoadShareTheNextLoad(t *testing.T) {
	var loads atomic.Int32
	release := make(chan struct{})
	loading := make(chan struct{}, 1)
	live := catalog.NewLive(overlayBase(t), func(context.Context) ([]canonical.CatalogItem, error) {
		if loads.Add(1) == 1 {
			loading <- struct{}{}
			<-release
		}
		return []canonical.CatalogItem{storedItem("SUP-VN-LAMP", "LAMP-1", "USD", fmt.Sprint(loads.Load()))}, nil
	})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := live.Refresh(context.Background()); err != nil {
			t.Error(err)
		}
	})
	<-loading
	var queued sync.WaitGroup
	for range 5 {
		queued.Add(1)
		wg.Go(func() {
			queued.Done()
			if err := live.Refresh(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	queued.Wait()
	time.Sleep(50 * time.Millisecond) // let the five reach the lock
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 2 {
		t.Errorf("%d loads for one refresh and five asked for during it, want 2", n)
	}
	if got := priceOf(t, live.Current(), "SUP-VN-LAMP", "LAMP-1"); got != "2 USD" {
		t.Errorf("LAMP-1 at %s, want the second load's 2 USD", got)
	}
}
