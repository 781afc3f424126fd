package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

// RecordFindings keeps the findings of an order's validated content and
// sets the order's status from them; see the PostgreSQL store.
func (s *Store) RecordFindings(ctx context.Context, f store.OrderFindings) (bool, error) {
	if err := store.CheckFindings(f); err != nil {
		return false, fmt.Errorf("sqlite: record findings: %w", err)
	}
	changed := false
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		ts := now()
		res, err := tx.ExecContext(ctx, `
INSERT INTO order_findings (buyer_id, order_number, content_hash, errors, warnings, findings, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (buyer_id, order_number) DO UPDATE SET
    content_hash = excluded.content_hash, errors = excluded.errors, warnings = excluded.warnings,
    findings = excluded.findings, updated_at = excluded.updated_at
WHERE order_findings.content_hash <> excluded.content_hash OR order_findings.findings <> excluded.findings`,
			f.BuyerID, f.OrderNumber, f.ContentHash, f.Errors, f.Warnings, string(f.Findings), ts)
		if err != nil {
			return fmt.Errorf("findings of %s: %w", f.OrderNumber, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		changed = n > 0
		status := store.ReviewStatus(f)
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, updated_at = ?
			WHERE buyer_id = ? AND order_number = ? AND content_hash = ?
			  AND status IN ('submitted', 'needs_review') AND status <> ?`,
			status, ts, f.BuyerID, f.OrderNumber, f.ContentHash, status); err != nil {
			return fmt.Errorf("review status of %s: %w", f.OrderNumber, err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: record findings: %w", translate(err))
	}
	return changed, nil
}

// GetFindings returns the findings of an order; store.ErrNotFound when it
// was never validated.
func (s *Store) GetFindings(ctx context.Context, buyerID, orderNumber string) (*store.OrderFindings, error) {
	f := store.OrderFindings{BuyerID: buyerID, OrderNumber: orderNumber}
	var findings, updated string
	err := s.db.QueryRowContext(ctx, `SELECT content_hash, errors, warnings, findings, updated_at FROM order_findings
		WHERE buyer_id = ? AND order_number = ?`, buyerID, orderNumber).
		Scan(&f.ContentHash, &f.Errors, &f.Warnings, &findings, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: findings of %s: %w", orderNumber, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: findings of %s: %w", orderNumber, translate(err))
	}
	f.Findings = []byte(findings)
	if f.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &f, nil
}
