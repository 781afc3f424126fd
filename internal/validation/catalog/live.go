package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/procurehub/procurehub/canonical"
)

// StoredItems returns every catalog item the store holds (imported price
// lists, items posted to the API).
type StoredItems func(ctx context.Context) ([]canonical.CatalogItem, error)

// Live is the catalog the hub checks orders against while it runs: the
// catalog file (suppliers, categories, base items) overlaid with the items
// the store holds (see Overlay). Refresh reloads the stored items and swaps
// the whole catalog at once, so a reader of Current never sees half of a
// refresh; a caller that takes Current once per order reads one consistent
// catalog for the whole order. Safe for concurrent use.
type Live struct {
	base   *Catalog
	stored StoredItems

	mu  sync.Mutex // one refresh at a time, so an older load never replaces a newer one
	cur atomic.Pointer[Catalog]
	// asked counts Refresh calls; done is the count the last successful
	// load began after (under mu). A call that finds done at or past its
	// own number was covered by a load that started after it was made.
	asked atomic.Uint64
	done  uint64
}

// NewLive returns a live catalog over base (nil: an empty catalog) and the
// store's items. Until the first Refresh, Current is base.
func NewLive(base *Catalog, stored StoredItems) *Live {
	if base == nil {
		base, _ = New(nil, nil, nil) // an empty catalog always builds
	}
	l := &Live{base: base, stored: stored}
	l.cur.Store(base)
	return l
}

// Current returns the catalog as of the last successful refresh. It is
// never nil and never changes once returned.
func (l *Live) Current() *Catalog { return l.cur.Load() }

// Refresh reloads the stored items and swaps in the overlaid catalog; when
// it returns nil, the current catalog holds every item stored before the
// call. Concurrent calls share loads: a call waiting for another's load to
// end returns at once when a load that began after the call succeeded. On
// an error the previous catalog stays current.
func (l *Live) Refresh(ctx context.Context) error {
	mine := l.asked.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done >= mine {
		return nil
	}
	begun := l.asked.Load()
	var items []canonical.CatalogItem
	if l.stored != nil {
		var err error
		if items, err = l.stored(ctx); err != nil {
			return fmt.Errorf("catalog: load stored items: %w", err)
		}
	}
	c, err := Overlay(l.base, items)
	if err != nil {
		return err
	}
	l.cur.Store(c)
	l.done = begun
	return nil
}

// Holds reports whether the current catalog has each of items as given
// (of two items with one key, the later): an item posted a moment ago is
// in the catalog once its store write refreshed it. Only the items are
// compared, not their suppliers.
func (l *Live) Holds(items []canonical.CatalogItem) bool {
	c := l.Current()
	want := map[itemKey]*canonical.CatalogItem{}
	for i := range items {
		want[itemKey{items[i].Supplier.ID, items[i].SKU}] = &items[i]
	}
	for k, ci := range want {
		it, ok := c.Item(k.supplier, k.sku)
		if !ok {
			return false
		}
		have := it.Canonical(nil)
		given := ItemOf(ci)
		a, errA := json.Marshal(have)
		b, errB := json.Marshal(given.Canonical(nil))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// Overlay returns base with stored items laid over it; base is not
// modified. A stored item replaces base's item of the same supplier and
// SKU (the price list imported last is the one that holds); a stored item
// of a supplier base does not list adds a minimal supplier made from the
// item's supplier party (id, name, country) with the currency of the
// first price of the supplier's first stored item that has one. Suppliers,
// categories and every other item of base stay as they are. Of two stored
// items with one key the later wins. An item without a supplier id or SKU
// is an error naming it.
func Overlay(base *Catalog, stored []canonical.CatalogItem) (*Catalog, error) {
	if base == nil {
		base, _ = New(nil, nil, nil)
	}
	suppliers := make([]Supplier, 0, len(base.suppliers))
	for _, s := range base.Suppliers() {
		suppliers = append(suppliers, *s)
	}
	known := map[string]int{} // supplier id → index in suppliers
	for i, s := range suppliers {
		known[s.ID] = i
	}
	over := make(map[itemKey]Item, len(stored))
	var added []itemKey // stored items base does not have, in stored order
	for i := range stored {
		ci := &stored[i]
		if ci.Supplier.ID == "" || ci.SKU == "" {
			return nil, fmt.Errorf("catalog: stored item %d (supplier %q, sku %q): supplier id and sku are required", i, ci.Supplier.ID, ci.SKU)
		}
		switch at, ok := known[ci.Supplier.ID]; {
		case !ok:
			known[ci.Supplier.ID] = len(suppliers)
			suppliers = append(suppliers, supplierOf(ci))
		case suppliers[at].Currency == "" && len(ci.Prices) > 0 && base.suppliers[ci.Supplier.ID] == nil:
			suppliers[at].Currency = ci.Prices[0].Currency // a minimal supplier whose first item had no price
		}
		k := itemKey{ci.Supplier.ID, ci.SKU}
		if _, seen := over[k]; !seen {
			if _, inBase := base.items[k]; !inBase {
				added = append(added, k)
			}
		}
		over[k] = ItemOf(ci)
	}
	var items []Item
	for _, s := range base.Suppliers() {
		for _, it := range base.bySupplier[s.ID] {
			k := itemKey{it.SupplierID, it.SKU}
			if o, ok := over[k]; ok {
				items = append(items, o)
				continue
			}
			items = append(items, *it)
		}
	}
	for _, k := range added {
		items = append(items, over[k])
	}
	cats := make([]Category, 0, len(base.categories))
	for _, c := range base.categories {
		cats = append(cats, *c)
	}
	slices.SortFunc(cats, func(a, b Category) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return New(suppliers, items, cats)
}
