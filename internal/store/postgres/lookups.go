package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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
	rows, err := s.pool.Query(ctx, `SELECT id, document, lineage FROM orders
		WHERE duplicate_key = $1 AND order_date BETWEEN $2 AND $3 AND `+notWithdrawn+`
		ORDER BY order_date, id`, key, date(from), date(to))
	if err != nil {
		return nil, fmt.Errorf("postgres: orders by duplicate key: %w", translate(err))
	}
	var (
		out          []canonical.Order
		id           int64
		doc, lineage []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &doc, &lineage}, func() error {
		o, err := orderbatch.Decode(doc, lineage)
		if err != nil {
			return fmt.Errorf("order %d: %w", id, err)
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: orders by duplicate key: %w", translate(err))
	}
	return out, nil
}

// Committed returns the quantity of the supplier's SKU in the stored orders
// of every buyer whose requested delivery date is from from to to inclusive,
// cancelled and rejected orders left out. Quantities add up whatever their
// unit; a line without a SKU (buyer SKU only) is not counted. The order
// being validated counts too once it is stored.
func (s *Store) Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	var sum string
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(l.quantity), 0)::text
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.supplier_id = $1 AND o.requested_delivery_date BETWEEN $3 AND $4
		  AND l.sku = $2 AND o.`+notWithdrawn, supplierID, sku, date(from), date(to)).Scan(&sum)
	if err != nil {
		return decimal.Zero, fmt.Errorf("postgres: committed quantity of %s/%s: %w", supplierID, sku, translate(err))
	}
	d, err := decimal.NewFromString(sum)
	if err != nil {
		return decimal.Zero, fmt.Errorf("postgres: committed quantity of %s/%s: %w", supplierID, sku, err)
	}
	return d, nil
}

// fillDuplicateKeys gives the orders stored without a duplicate key (before
// migration 0007, or by an older binary) the key of their stored document,
// FillBatch at a time. An order changed meanwhile keeps its new key; one
// whose document does not decode keeps none, and matches no key.
func (s *Store) fillDuplicateKeys(ctx context.Context) error {
	for after := int64(0); ; {
		rows, err := s.pool.Query(ctx, `SELECT id, content_hash, document FROM orders
			WHERE duplicate_key IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, orderbatch.FillBatch)
		if err != nil {
			return fmt.Errorf("fill duplicate keys: %w", err)
		}
		var (
			ids          []int64
			hashes, keys []string
			id           int64
			hash         string
			doc          []byte
			n            int
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &hash, &doc}, func() error {
			n, after = n+1, id
			if k, err := orderbatch.DuplicateKey(doc); err == nil {
				ids, hashes, keys = append(ids, id), append(hashes, hash), append(keys, k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill duplicate keys: %w", err)
		}
		if len(ids) > 0 {
			_, err = s.pool.Exec(ctx, `UPDATE orders o SET duplicate_key = k.key
				FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k(id, content_hash, key)
				WHERE o.id = k.id AND o.content_hash = k.content_hash AND o.duplicate_key IS NULL`,
				ids, hashes, keys)
			if err != nil {
				return fmt.Errorf("fill duplicate keys: %w", err)
			}
		}
		if n < orderbatch.FillBatch {
			return nil
		}
	}
}
