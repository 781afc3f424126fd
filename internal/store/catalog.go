package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// --- supplier catalog ---
//
// A catalog item (procurehub.catalog.v1) is keyed by (supplier id, sku)
// and, like a shipment, written only when its content hash changed: the
// same price list imported again changes nothing, a changed one makes a
// new version of each item that changed. Lists are in the order items were
// first stored (a price list's order), paged by the keyset cursor that
// ListOrders uses.

// StoredCatalogItem is a catalog item as the store keeps it.
type StoredCatalogItem struct {
	Partner     string                 // the partner of the last write of its content
	Item        *canonical.CatalogItem // as last written, lineage (Source) included
	ContentHash string                 // hex SHA-256 of CatalogItemContent(Item)
	Version     int                    // 1 when inserted, +1 on every change of content
	CreatedAt   time.Time
	UpdatedAt   time.Time // last change of content
}

// CatalogFilter selects catalog items for CatalogItems. Empty fields match
// everything.
type CatalogFilter struct {
	SupplierID string
	SKU        string
	Limit      int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor     string // opaque, the nextCursor of the previous page; "" for the first page
}

// InvalidCatalogItemError names the item of an UpsertCatalogItems batch that
// the store refused; nothing of that batch was written. errors.Is(err,
// ErrInvalid) holds, so a caller can drop the item at Index and send the
// rest again.
type InvalidCatalogItemError struct {
	Index      int // position in the batch passed to UpsertCatalogItems
	SupplierID string
	SKU        string
	Reason     string
}

func (e *InvalidCatalogItemError) Error() string {
	return fmt.Sprintf("catalog item %d (supplier %q, sku %q): %s", e.Index, e.SupplierID, e.SKU, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidCatalogItemError) Is(target error) bool { return target == ErrInvalid }

// CatalogItemContent returns the canonical JSON of it without its lineage,
// the bytes whose hash decides whether an item changed: the same item read
// from another file or row is the same content. it is not modified.
func CatalogItemContent(it *canonical.CatalogItem) ([]byte, error) {
	c := *it
	c.Source = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("store: catalog item content: %w", err)
	}
	return b, nil
}

// CheckCatalogItems validates a batch for UpsertCatalogItems: each item must
// pass canonical validation and have a supplier id and sku that a text
// column takes. It returns the content of each, or an
// *InvalidCatalogItemError.
func CheckCatalogItems(items []*canonical.CatalogItem) ([][]byte, error) {
	out := make([][]byte, len(items))
	for i, it := range items {
		if it == nil {
			return nil, &InvalidCatalogItemError{Index: i, Reason: "nil catalog item"}
		}
		invalid := func(reason string) error {
			return &InvalidCatalogItemError{Index: i, SupplierID: printable(it.Supplier.ID), SKU: printable(it.SKU), Reason: reason}
		}
		if err := it.Validate(); err != nil {
			return nil, invalid(err.Error())
		}
		if !storableText(it.Supplier.ID) || !storableText(it.SKU) {
			return nil, invalid("the supplier id or sku is not valid UTF-8 text")
		}
		b, err := CatalogItemContent(it)
		if err != nil {
			return nil, invalid(err.Error())
		}
		out[i] = b
	}
	return out, nil
}

// CatalogItemOf turns a document row of the catalog_items table into a
// StoredCatalogItem.
func CatalogItemOf(r DocumentRow) (StoredCatalogItem, error) {
	it, err := decodeDocument("catalog item", r.Document, r.Lineage, func(c *canonical.CatalogItem) **canonical.Source { return &c.Source })
	if err != nil {
		return StoredCatalogItem{}, err
	}
	return StoredCatalogItem{Partner: r.Partner, Item: it, ContentHash: r.ContentHash, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// LastCatalogItems returns, for each item of a batch, whether it is the last of
// its (supplier id, sku) in the batch: the stores write only those, the
// earlier ones are unchanged.
func LastCatalogItems(items []*canonical.CatalogItem) []bool {
	last := make(map[[2]string]int, len(items))
	for i, it := range items {
		last[[2]string{it.Supplier.ID, it.SKU}] = i
	}
	out := make([]bool, len(items))
	for _, i := range last {
		out[i] = true
	}
	return out
}
