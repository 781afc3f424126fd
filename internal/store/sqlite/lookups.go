package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/orderbatch"
)

// notWithdrawn leaves out the orders that no longer count: cancelled or
// rejected.
const notWithdrawn = `status NOT IN ('` + store.StatusCancelled + `', '` + store.StatusRejected + `')`

// OrdersByKey returns the stored orders whose duplicate key
// (store.DuplicateKey, the key of validation.DuplicateKey) is key and whose
// order date is from from to to inclusive, oldest first, lineage included.
// Cancelled and rejected orders are left out: an order placed again after
// its first copy was cancelled is not a duplicate. An order stored before
// the key was kept has none until Migrate fills it in.
func (s *Store) OrdersByKey(ctx context.Context, key string, from, to canonical.Date) ([]canonical.Order, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, document, lineage FROM orders
		WHERE substr(duplicate_key, 1, 12) = ? AND duplicate_key = ?
		  AND order_date BETWEEN ? AND ? AND `+notWithdrawn+`
		ORDER BY order_date, id`, keyPrefix(key), key, dateText(from), dateText(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: orders by duplicate key: %w", translate(err))
	}
	defer rows.Close()
	var out []canonical.Order
	for rows.Next() {
		var (
			id      int64
			doc     string
			lineage sql.NullString
		)
		if err := rows.Scan(&id, &doc, &lineage); err != nil {
			return nil, fmt.Errorf("sqlite: orders by duplicate key: %w", translate(err))
		}
		o, err := orderbatch.Decode([]byte(doc), []byte(lineage.String))
		if err != nil {
			return nil, fmt.Errorf("sqlite: orders by duplicate key: order %d: %w", id, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: orders by duplicate key: %w", translate(err))
	}
	return out, nil
}

// keyPrefix is what orders_duplicate_key_idx holds of a key: its first 12
// characters (see migration 0007).
func keyPrefix(key string) string {
	if len(key) > 12 {
		return key[:12]
	}
	return key
}

// Committed returns the quantity of the supplier's SKU in the stored orders
// of every buyer whose requested delivery date is from from to to inclusive,
// cancelled and rejected orders left out. Quantities add up whatever their
// unit; a line without a SKU (buyer SKU only) is not counted. The order
// being validated counts too once it is stored. The quantities are decimal
// text, so they are added here, exactly, not by SQLite's floating point.
func (s *Store) Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	fail := func(err error) (decimal.Decimal, error) {
		return decimal.Zero, fmt.Errorf("sqlite: committed quantity of %s/%s: %w", supplierID, sku, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT l.quantity
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.supplier_id = ? AND o.requested_delivery_date BETWEEN ? AND ?
		  AND l.sku = ? AND o.`+notWithdrawn, supplierID, dateText(from), dateText(to), sku)
	if err != nil {
		return fail(translate(err))
	}
	defer rows.Close()
	sum := decimal.Zero
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			return fail(translate(err))
		}
		d, err := decimal.NewFromString(q)
		if err != nil {
			return fail(fmt.Errorf("stored quantity %q: %w", q, err))
		}
		sum = sum.Add(d)
	}
	if err := rows.Err(); err != nil {
		return fail(translate(err))
	}
	return sum, nil
}

// fillDuplicateKeys gives the orders stored without a duplicate key (before
// migration 0007, or by an older binary) the key of their stored document,
// FillBatch at a time. The condition on substr (NULL exactly when the key
// is) lets the key's index find them: a Migrate with every key in place
// reads no order. An order changed meanwhile keeps its new key; one
// whose document does not decode keeps none, and matches no key.
func (s *Store) fillDuplicateKeys(ctx context.Context) error {
	for after := int64(0); ; {
		type fill struct {
			id        int64
			hash, key string
		}
		var fills []fill
		n := 0
		rows, err := s.db.QueryContext(ctx, `SELECT id, content_hash, document FROM orders
			WHERE substr(duplicate_key, 1, 12) IS NULL AND id > ? ORDER BY id LIMIT ?`, after, orderbatch.FillBatch)
		if err != nil {
			return fmt.Errorf("fill duplicate keys: %w", err)
		}
		for rows.Next() {
			var f fill
			var doc string
			if err := rows.Scan(&f.id, &f.hash, &doc); err != nil {
				rows.Close()
				return fmt.Errorf("fill duplicate keys: %w", err)
			}
			n, after = n+1, f.id
			if k, err := orderbatch.DuplicateKey([]byte(doc)); err == nil {
				f.key = k
				fills = append(fills, f)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("fill duplicate keys: %w", err)
		}
		if len(fills) > 0 {
			err := inTx(ctx, s.db, func(tx *sql.Tx) error {
				for _, f := range fills {
					if _, err := tx.ExecContext(ctx, `UPDATE orders SET duplicate_key = ?
						WHERE id = ? AND content_hash = ? AND duplicate_key IS NULL`, f.key, f.id, f.hash); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("fill duplicate keys: %w", err)
			}
		}
		if n < orderbatch.FillBatch {
			return nil
		}
	}
}
