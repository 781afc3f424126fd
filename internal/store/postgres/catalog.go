package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// UpsertCatalogItems writes a batch of catalog items received from partner
// in one transaction and reports what happened to each (see store.Change).
// Items are keyed by (supplier id, sku); one whose content hash equals the
// stored one is not written, a changed one gets version+1. Within a batch
// the last item of a key wins. Every item is validated first; a refused one
// is a *store.InvalidCatalogItemError and nothing of the batch is written.
func (s *Store) UpsertCatalogItems(ctx context.Context, partner string, items []*canonical.CatalogItem) ([]store.Change, error) {
	changes := make([]store.Change, len(items))
	if len(items) == 0 {
		return changes, nil
	}
	contents, err := store.CheckCatalogItems(items)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert catalog items: %w", err)
	}
	// Key order, so that concurrent batches lock shared keys in one order.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := items[order[a]], items[order[b]]
		if x.Supplier.ID != y.Supplier.ID {
			return x.Supplier.ID < y.Supplier.ID
		}
		return x.SKU < y.SKU
	})
	last := store.LastCatalogItems(items)
	for attempt := 1; ; attempt++ {
		clear(changes)
		err := s.writeCatalogItems(ctx, partner, items, contents, order, last, changes)
		if err == nil {
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert catalog items: %w", err)
		}
	}
}

const upsertCatalogItem = `
INSERT INTO catalog_items AS c (partner, supplier_id, sku, content_hash, document, lineage)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (supplier_id, sku) DO UPDATE SET
    partner      = EXCLUDED.partner,
    content_hash = EXCLUDED.content_hash,
    document     = EXCLUDED.document,
    lineage      = EXCLUDED.lineage,
    version      = c.version + 1,
    updated_at   = now()
WHERE c.content_hash <> EXCLUDED.content_hash
RETURNING version`

func (s *Store) writeCatalogItems(ctx context.Context, partner string, items []*canonical.CatalogItem, contents [][]byte,
	order []int, last []bool, changes []store.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	for _, i := range order {
		if !last[i] {
			continue
		}
		it := items[i]
		lineage, err := store.LineageJSON(it.Source)
		if err != nil {
			return err
		}
		var lin any
		if lineage != nil {
			lin = string(lineage)
		}
		var version int
		err = tx.QueryRow(ctx, upsertCatalogItem, partner, it.Supplier.ID, it.SKU, store.HashContent(contents[i]),
			string(contents[i]), lin).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // same content: unchanged
		}
		if err != nil {
			return fmt.Errorf("write catalog item %q of %q: %w", it.SKU, it.Supplier.ID, err)
		}
		changes[i] = store.ChangeInserted
		if version > 1 {
			changes[i] = store.ChangeUpdated
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

const catalogColumns = `partner, document, lineage, content_hash, version, created_at, updated_at`

// GetCatalogItem returns the supplier's item with this sku, or ErrNotFound.
func (s *Store) GetCatalogItem(ctx context.Context, supplierID, sku string) (*store.StoredCatalogItem, error) {
	got, err := readDocuments(ctx, s, "catalog item", store.CatalogItemOf,
		`SELECT `+catalogColumns+` FROM catalog_items WHERE supplier_id = $1 AND sku = $2`, supplierID, sku)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("postgres: catalog item %q of %q: %w", sku, supplierID, store.ErrNotFound)
	}
	return &got[0], nil
}

// CatalogItems returns a page of the items that f selects, in the order
// they were first stored, and the cursor of the next page ("" after the
// last).
func (s *Store) CatalogItems(ctx context.Context, f store.CatalogFilter) ([]store.StoredCatalogItem, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: catalog items: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.SupplierID != "" {
		add("supplier_id = $%d", f.SupplierID)
	}
	if f.SKU != "" {
		add("sku = $%d", f.SKU)
	}
	if after > 0 {
		add("id > $%d", after)
	}
	q := `SELECT id, ` + catalogColumns + ` FROM catalog_items`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: catalog items: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.StoredCatalogItem
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var (
			id int64
			r  store.DocumentRow
		)
		if err := rows.Scan(&id, &r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, "", fmt.Errorf("postgres: catalog items: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		it, err := store.CatalogItemOf(r)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: catalog items: %w", err)
		}
		out = append(out, it)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: catalog items: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}
