package postgres

import (
	"context"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

// SetOrderStatus moves an order from status from to status to (a
// lifecycle state: confirmed, shipped...) and reports whether it did. It
// is a compare-and-set: when the status is no longer from, someone moved
// the order meanwhile and nothing is written; the caller works out the
// state again.
func (s *Store) SetOrderStatus(ctx context.Context, buyerID, orderNumber, from, to string) (bool, error) {
	if err := store.CheckOrderStatus(to); err != nil {
		return false, fmt.Errorf("postgres: set status of %s: %w", orderNumber, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE orders SET status = $4, updated_at = now()
		WHERE buyer_id = $1 AND order_number = $2 AND status = $3 AND status <> $4`, buyerID, orderNumber, from, to)
	if err != nil {
		return false, fmt.Errorf("postgres: set status of %s: %w", orderNumber, translate(err))
	}
	return tag.RowsAffected() > 0, nil
}

// OrdersOfTracking returns the order numbers the shipments with these
// tracking numbers deliver against, each once, sorted.
func (s *Store) OrdersOfTracking(ctx context.Context, trackingNumbers []string) ([]string, error) {
	if len(trackingNumbers) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT o.order_number FROM shipment_tracking t
		JOIN shipment_orders o ON o.shipment = t.shipment
		WHERE t.tracking_number = ANY($1) ORDER BY o.order_number`, trackingNumbers)
	if err != nil {
		return nil, fmt.Errorf("postgres: orders of tracking numbers: %w", translate(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("postgres: orders of tracking numbers: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
