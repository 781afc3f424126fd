package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/internal/store"
)

// AddAssignment keeps a (store.CheckAssignment validates it) and returns
// the assignment as kept: the same order, party and role again changes
// nothing, not even who assigned it or when.
func (s *Store) AddAssignment(ctx context.Context, a store.Assignment) (store.Assignment, error) {
	if err := store.CheckAssignment(a); err != nil {
		return store.Assignment{}, fmt.Errorf("postgres: add assignment: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO order_assignments (buyer_id, order_number, party_id, role, assigned_by)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		a.BuyerID, a.OrderNumber, a.PartyID, a.Role, a.By)
	if err != nil {
		return store.Assignment{}, fmt.Errorf("postgres: assign %s to order %s: %w", a.PartyID, a.OrderNumber, translate(err))
	}
	got, err := scanAssignment(s.pool.QueryRow(ctx, `SELECT `+assignmentColumns+` FROM order_assignments
		WHERE buyer_id = $1 AND order_number = $2 AND party_id = $3 AND role = $4`, a.BuyerID, a.OrderNumber, a.PartyID, a.Role))
	if err != nil {
		return store.Assignment{}, fmt.Errorf("postgres: assign %s to order %s: %w", a.PartyID, a.OrderNumber, translate(err))
	}
	return got, nil
}

const assignmentColumns = `buyer_id, order_number, party_id, role, assigned_by, created_at`

func scanAssignment(row pgx.Row) (store.Assignment, error) {
	var a store.Assignment
	if err := row.Scan(&a.BuyerID, &a.OrderNumber, &a.PartyID, &a.Role, &a.By, &a.CreatedAt); err != nil {
		return a, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// ListAssignments returns the parties assigned to an order, by role and
// party; none (an empty slice) when there are none.
func (s *Store) ListAssignments(ctx context.Context, buyerID, orderNumber string) ([]store.Assignment, error) {
	return s.assignments(ctx, `WHERE buyer_id = $1 AND order_number = $2 ORDER BY role COLLATE "C", party_id COLLATE "C"`, buyerID, orderNumber)
}

// AssignmentsOf returns the orders a party is assigned to, by buyer and
// order number; none (an empty slice) when there are none.
func (s *Store) AssignmentsOf(ctx context.Context, partyID string) ([]store.Assignment, error) {
	return s.assignments(ctx, `WHERE party_id = $1 ORDER BY buyer_id COLLATE "C", order_number COLLATE "C", role COLLATE "C"`, partyID)
}

func (s *Store) assignments(ctx context.Context, where string, args ...any) ([]store.Assignment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+assignmentColumns+` FROM order_assignments `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: assignments: %w", translate(err))
	}
	defer rows.Close()
	out := []store.Assignment{}
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: assignments: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: assignments: %w", translate(err))
	}
	return out, nil
}

// RemoveAssignment takes an assignment back; an error wrapping
// store.ErrNotFound when the party is not assigned to the order in role.
func (s *Store) RemoveAssignment(ctx context.Context, buyerID, orderNumber, partyID, role string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM order_assignments
		WHERE buyer_id = $1 AND order_number = $2 AND party_id = $3 AND role = $4`, buyerID, orderNumber, partyID, role)
	if err != nil {
		return fmt.Errorf("postgres: remove assignment of %s to order %s: %w", partyID, orderNumber, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s is not assigned to order %s as %q: %w", partyID, orderNumber, role, store.ErrNotFound)
	}
	return nil
}

// IsAssigned reports whether the party is assigned to the order in any role.
func (s *Store) IsAssigned(ctx context.Context, buyerID, orderNumber, partyID string) (bool, error) {
	var one int
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM order_assignments
		WHERE buyer_id = $1 AND order_number = $2 AND party_id = $3 LIMIT 1`, buyerID, orderNumber, partyID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: is %s assigned to order %s: %w", partyID, orderNumber, translate(err))
	}
	return true, nil
}
