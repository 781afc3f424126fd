package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/internal/store"
)

// AddAssignment keeps a (store.CheckAssignment validates it) and returns
// the assignment as kept: the same order, party and role again changes
// nothing, not even who assigned it or when.
func (s *Store) AddAssignment(ctx context.Context, a store.Assignment) (store.Assignment, error) {
	if err := store.CheckAssignment(a); err != nil {
		return store.Assignment{}, fmt.Errorf("sqlite: add assignment: %w", err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO order_assignments (buyer_id, order_number, party_id, role, assigned_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.BuyerID, a.OrderNumber, a.PartyID, a.Role, a.By, now())
	if err != nil {
		return store.Assignment{}, fmt.Errorf("sqlite: assign %s to order %s: %w", a.PartyID, a.OrderNumber, translate(err))
	}
	got, err := scanAssignment(s.db.QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM order_assignments
		WHERE buyer_id = ? AND order_number = ? AND party_id = ? AND role = ?`, a.BuyerID, a.OrderNumber, a.PartyID, a.Role))
	if err != nil {
		return store.Assignment{}, fmt.Errorf("sqlite: assign %s to order %s: %w", a.PartyID, a.OrderNumber, translate(err))
	}
	return got, nil
}

const assignmentColumns = `buyer_id, order_number, party_id, role, assigned_by, created_at`

func scanAssignment(row scanner) (store.Assignment, error) {
	var (
		a       store.Assignment
		created string
	)
	if err := row.Scan(&a.BuyerID, &a.OrderNumber, &a.PartyID, &a.Role, &a.By, &created); err != nil {
		return a, err
	}
	var err error
	a.CreatedAt, err = parseTime(created)
	return a, err
}

// ListAssignments returns the parties assigned to an order, by role and
// party; none (an empty slice) when there are none.
func (s *Store) ListAssignments(ctx context.Context, buyerID, orderNumber string) ([]store.Assignment, error) {
	return s.assignments(ctx, `WHERE buyer_id = ? AND order_number = ? ORDER BY role, party_id`, buyerID, orderNumber)
}

// AssignmentsOf returns the orders a party is assigned to, by buyer and
// order number; none (an empty slice) when there are none.
func (s *Store) AssignmentsOf(ctx context.Context, partyID string) ([]store.Assignment, error) {
	return s.assignments(ctx, `WHERE party_id = ? ORDER BY buyer_id, order_number, role`, partyID)
}

func (s *Store) assignments(ctx context.Context, where string, args ...any) ([]store.Assignment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+assignmentColumns+` FROM order_assignments `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: assignments: %w", translate(err))
	}
	defer rows.Close()
	out := []store.Assignment{}
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: assignments: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: assignments: %w", translate(err))
	}
	return out, nil
}

// RemoveAssignment takes an assignment back; an error wrapping
// store.ErrNotFound when the party is not assigned to the order in role.
func (s *Store) RemoveAssignment(ctx context.Context, buyerID, orderNumber, partyID, role string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM order_assignments
		WHERE buyer_id = ? AND order_number = ? AND party_id = ? AND role = ?`, buyerID, orderNumber, partyID, role)
	if err != nil {
		return fmt.Errorf("sqlite: remove assignment of %s to order %s: %w", partyID, orderNumber, translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlite: %s is not assigned to order %s as %q: %w", partyID, orderNumber, role, store.ErrNotFound)
	}
	return nil
}

// IsAssigned reports whether the party is assigned to the order in any role.
func (s *Store) IsAssigned(ctx context.Context, buyerID, orderNumber, partyID string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM order_assignments
		WHERE buyer_id = ? AND order_number = ? AND party_id = ? LIMIT 1`, buyerID, orderNumber, partyID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: is %s assigned to order %s: %w", partyID, orderNumber, translate(err))
	}
	return true, nil
}
