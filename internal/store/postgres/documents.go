package postgres

import (
	"context"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

// readDocuments runs query, which selects partner, document, lineage,
// content_hash, version, created_at and updated_at, and turns each row
// into a T with of. what names the list in errors.
func readDocuments[T any](ctx context.Context, s *Store, what string, of func(store.DocumentRow) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var r store.DocumentRow
		if err := rows.Scan(&r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, err)
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		v, err := of(r)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(err))
	}
	return out, nil
}
