package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/internal/store"
)

// SetOrderStatus moves an order from status from to status to; see the
// PostgreSQL store.
func (s *Store) SetOrderStatus(ctx context.Context, buyerID, orderNumber, from, to string) (bool, error) {
	if err := store.CheckOrderStatus(to); err != nil {
		return false, fmt.Errorf("sqlite: set status of %s: %w", orderNumber, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE orders SET status = ?, updated_at = ?
		WHERE buyer_id = ? AND order_number = ? AND status = ? AND status <> ?`, to, now(), buyerID, orderNumber, from, to)
	if err != nil {
		return false, fmt.Errorf("sqlite: set status of %s: %w", orderNumber, translate(err))
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OrdersOfTracking returns the order numbers the shipments with these
// tracking numbers deliver against, each once, sorted.
func (s *Store) OrdersOfTracking(ctx context.Context, trackingNumbers []string) ([]string, error) {
	if len(trackingNumbers) == 0 {
		return nil, nil
	}
	args := make([]any, len(trackingNumbers))
	for i, n := range trackingNumbers {
		args[i] = n
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT o.order_number FROM shipment_tracking t
		JOIN shipment_orders o ON o.shipment = t.shipment
		WHERE t.tracking_number IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY o.order_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: orders of tracking numbers: %w", translate(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite: orders of tracking numbers: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
