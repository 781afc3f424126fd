package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// UpsertCatalogItems writes a batch of catalog items received from partner
// in one transaction and reports what happened to each (see store.Change).
// See the PostgreSQL store for the rules; concurrent calls take turns on
// the write lock.
func (s *Store) UpsertCatalogItems(ctx context.Context, partner string, items []*canonical.CatalogItem) ([]store.Change, error) {
	changes := make([]store.Change, len(items))
	if len(items) == 0 {
		return changes, nil
	}
	contents, err := store.CheckCatalogItems(items)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert catalog items: %w", err)
	}
	last := store.LastCatalogItems(items)
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		clear(changes)
		ts := now()
		for i, it := range items {
			if !last[i] {
				continue
			}
			c, err := writeCatalogItem(ctx, tx, ts, partner, it, contents[i])
			if err != nil {
				return err
			}
			changes[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert catalog items: %w", translate(err))
	}
	return changes, nil
}

func writeCatalogItem(ctx context.Context, tx *sql.Tx, ts, partner string, it *canonical.CatalogItem, content []byte) (store.Change, error) {
	hash := store.HashContent(content)
	lineage, err := store.LineageJSON(it.Source)
	if err != nil {
		return 0, err
	}
	var lin any
	if lineage != nil {
		lin = string(lineage)
	}
	var (
		id     int64
		stored string
	)
	err = tx.QueryRowContext(ctx, `SELECT id, content_hash FROM catalog_items WHERE supplier_id = ? AND sku = ?`,
		it.Supplier.ID, it.SKU).Scan(&id, &stored)
	switch {
	case err == sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_items (partner, supplier_id, sku, content_hash, version,
			document, lineage, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
			partner, it.Supplier.ID, it.SKU, hash, string(content), lin, ts, ts); err != nil {
			return 0, fmt.Errorf("insert catalog item %q of %q: %w", it.SKU, it.Supplier.ID, err)
		}
		return store.ChangeInserted, nil
	case err != nil:
		return 0, fmt.Errorf("look up catalog item %q of %q: %w", it.SKU, it.Supplier.ID, err)
	case stored == hash:
		return store.ChangeUnchanged, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE catalog_items SET partner = ?, content_hash = ?, document = ?, lineage = ?,
		version = version + 1, updated_at = ? WHERE id = ?`, partner, hash, string(content), lin, ts, id); err != nil {
		return 0, fmt.Errorf("update catalog item %q of %q: %w", it.SKU, it.Supplier.ID, err)
	}
	return store.ChangeUpdated, nil
}

const catalogColumns = `partner, document, lineage, content_hash, version, created_at, updated_at`

// GetCatalogItem returns the supplier's item with this sku, or ErrNotFound.
func (s *Store) GetCatalogItem(ctx context.Context, supplierID, sku string) (*store.StoredCatalogItem, error) {
	got, err := readDocuments(ctx, s, "catalog item", store.CatalogItemOf,
		`SELECT `+catalogColumns+` FROM catalog_items WHERE supplier_id = ? AND sku = ?`, supplierID, sku)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("sqlite: catalog item %q of %q: %w", sku, supplierID, store.ErrNotFound)
	}
	return &got[0], nil
}

// CatalogItems returns a page of the items that f selects, in the order
// they were first stored, and the cursor of the next page ("" after the
// last).
func (s *Store) CatalogItems(ctx context.Context, f store.CatalogFilter) ([]store.StoredCatalogItem, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: catalog items: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.SupplierID != "" {
		add("supplier_id = ?", f.SupplierID)
	}
	if f.SKU != "" {
		add("sku = ?", f.SKU)
	}
	if after > 0 {
		add("id > ?", after)
	}
	q := `SELECT id, ` + catalogColumns + ` FROM catalog_items`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: catalog items: %w", translate(err))
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
			id               int64
			r                store.DocumentRow
			created, updated string
		)
		if err := rows.Scan(&id, &r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &created, &updated); err != nil {
			return nil, "", fmt.Errorf("sqlite: catalog items: %w", err)
		}
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, "", fmt.Errorf("sqlite: catalog items: %w", err)
		}
		if r.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, "", fmt.Errorf("sqlite: catalog items: %w", err)
		}
		it, err := store.CatalogItemOf(r)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: catalog items: %w", err)
		}
		out = append(out, it)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: catalog items: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}
