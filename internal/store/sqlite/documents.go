package sqlite

import (
	"context"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

// readDocuments runs query, which selects partner, document, lineage,
// content_hash, version, created_at and updated_at, and turns each row
// into a T with of. what names the list in errors.
func readDocuments[T any](ctx context.Context, s *Store, what string, of func(store.DocumentRow) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var (
			r                  store.DocumentRow
			created, updatedAt string
		)
		if err := rows.Scan(&r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &created, &updatedAt); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if r.UpdatedAt, err = parseTime(updatedAt); err != nil {
			return nil, err
		}
		v, err := of(r)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	return out, nil
}
