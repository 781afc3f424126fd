package store

import (
	"fmt"
	"time"
)

// --- order assignments ---
//
// A buyer assigns a logistics provider or a customs broker to one of its
// orders; the assigned party then sees the order (the API's party scope)
// and what hangs off it. An assignment is kept once per (order, party,
// role): assigning again changes nothing. Orders are named by their buyer
// and number, as everywhere in the store.

// Assignment roles.
const (
	AssignLogistics = "logistics"
	AssignCustoms   = "customs"
)

// Assignment is one party assigned to one order in one role.
type Assignment struct {
	BuyerID     string
	OrderNumber string
	PartyID     string
	// Role is AssignLogistics or AssignCustoms.
	Role string
	// By is who assigned it (a user id; "api" when unknown).
	By        string
	CreatedAt time.Time
}

// CheckAssignment validates an assignment for AddAssignment: it needs a
// buyer, an order number, a party and one of the assignment roles. It
// returns an error wrapping ErrInvalid.
func CheckAssignment(a Assignment) error {
	switch {
	case a.BuyerID == "":
		return fmt.Errorf("assignment: buyer is required: %w", ErrInvalid)
	case a.OrderNumber == "":
		return fmt.Errorf("assignment: order number is required: %w", ErrInvalid)
	case a.PartyID == "":
		return fmt.Errorf("assignment: party is required: %w", ErrInvalid)
	case a.Role != AssignLogistics && a.Role != AssignCustoms:
		return fmt.Errorf("assignment: role %q is not %s or %s: %w", a.Role, AssignLogistics, AssignCustoms, ErrInvalid)
	}
	return nil
}
