package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
)

// RecordFindings keeps the findings of an order's validated content and
// sets the order's status from them (needs_review with errors, submitted
// without) — only while the order is submitted or needs_review, and only
// when the stored order still has that content. It reports whether the
// findings are new (another content, or other findings), so that a replay
// raises nothing twice.
func (s *Store) RecordFindings(ctx context.Context, f store.OrderFindings) (bool, error) {
	if err := store.CheckFindings(f); err != nil {
		return false, fmt.Errorf("postgres: record findings: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: record findings: %w", translate(err))
	}
	defer rollback(ctx, tx)
	var one int
	err = tx.QueryRow(ctx, `
INSERT INTO order_findings AS f (buyer_id, order_number, content_hash, errors, warnings, findings)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (buyer_id, order_number) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, errors = EXCLUDED.errors, warnings = EXCLUDED.warnings,
    findings = EXCLUDED.findings, updated_at = now()
WHERE f.content_hash <> EXCLUDED.content_hash OR f.findings <> EXCLUDED.findings
RETURNING 1`, f.BuyerID, f.OrderNumber, f.ContentHash, f.Errors, f.Warnings, string(f.Findings)).Scan(&one)
	changed := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("postgres: record findings of %s: %w", f.OrderNumber, translate(err))
	}
	status := store.ReviewStatus(f)
	if _, err := tx.Exec(ctx, `UPDATE orders SET status = $4, updated_at = now()
		WHERE buyer_id = $1 AND order_number = $2 AND content_hash = $3
		  AND status IN ('submitted', 'needs_review') AND status <> $4`,
		f.BuyerID, f.OrderNumber, f.ContentHash, status); err != nil {
		return false, fmt.Errorf("postgres: review status of %s: %w", f.OrderNumber, translate(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: record findings: %w", translate(err))
	}
	return changed, nil
}

// GetFindings returns the findings of an order; store.ErrNotFound when it
// was never validated.
func (s *Store) GetFindings(ctx context.Context, buyerID, orderNumber string) (*store.OrderFindings, error) {
	f := store.OrderFindings{BuyerID: buyerID, OrderNumber: orderNumber}
	var findings string
	err := s.pool.QueryRow(ctx, `SELECT content_hash, errors, warnings, findings, updated_at FROM order_findings
		WHERE buyer_id = $1 AND order_number = $2`, buyerID, orderNumber).
		Scan(&f.ContentHash, &f.Errors, &f.Warnings, &findings, &f.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: findings of %s: %w", orderNumber, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: findings of %s: %w", orderNumber, translate(err))
	}
	f.Findings = []byte(findings)
	f.UpdatedAt = f.UpdatedAt.UTC()
	return &f, nil
}
