package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// AssignmentStore keeps which logistics providers and customs brokers a
// buyer assigned to its orders; an assigned party sees the order.
type AssignmentStore interface {
	// AddAssignment keeps a; the same assignment again changes nothing
	// and returns the one kept.
	AddAssignment(ctx context.Context, a store.Assignment) (store.Assignment, error)
	ListAssignments(ctx context.Context, buyerID, orderNumber string) ([]store.Assignment, error)
	// RemoveAssignment returns an error wrapping store.ErrNotFound when
	// there is no such assignment.
	RemoveAssignment(ctx context.Context, buyerID, orderNumber, partyID, role string) error
	IsAssigned(ctx context.Context, buyerID, orderNumber, partyID string) (bool, error)
}

// Assignment is a party assigned to an order, as the API shows it.
type Assignment struct {
	OrderNumber string `json:"order_number"`
	BuyerID     string `json:"buyer_id"`
	PartyID     string `json:"party_id"`
	// Role is logistics or customs.
	Role      string    `json:"role"`
	By        string    `json:"by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AssignmentRequest is the body of POST /orders/{order_number}/assignments.
type AssignmentRequest struct {
	PartyID string `json:"party_id"`
	Role    string `json:"role"`
}

// AssignmentList is the body of GET /orders/{order_number}/assignments.
type AssignmentList struct {
	Assignments []Assignment `json:"assignments"`
}

func fromStoredAssignment(a store.Assignment) Assignment {
	return Assignment{OrderNumber: a.OrderNumber, BuyerID: a.BuyerID, PartyID: a.PartyID, Role: a.Role, By: a.By, CreatedAt: a.CreatedAt}
}

// listAssignments answers GET /orders/{order_number}/assignments.
func (s *server) listAssignments(w http.ResponseWriter, r *http.Request) {
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	as, err := s.cfg.Assignments.ListAssignments(r.Context(), o.Order.Buyer.ID, o.Order.OrderNumber)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := AssignmentList{Assignments: make([]Assignment, 0, len(as))}
	for _, a := range as {
		out.Assignments = append(out.Assignments, fromStoredAssignment(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// postAssignment answers POST /orders/{order_number}/assignments with
// {"party_id": "...", "role": "logistics"|"customs"}: 201 with the
// assignment (also when it was there already), 400 for another body.
func (s *server) postAssignment(w http.ResponseWriter, r *http.Request) {
	var req AssignmentRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	a := store.Assignment{BuyerID: o.Order.Buyer.ID, OrderNumber: o.Order.OrderNumber, PartyID: req.PartyID, Role: req.Role, By: "api"}
	if p, ok := auth.FromContext(r.Context()); ok && p.UserID != "" {
		a.By = p.UserID
	}
	if err := store.CheckAssignment(a); err != nil {
		writeError(w, http.StatusBadRequest, "bad_assignment", "party_id is required and role must be logistics or customs")
		return
	}
	kept, err := s.cfg.Assignments.AddAssignment(r.Context(), a)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := fromStoredAssignment(kept)
	audit(r, o.Order.OrderNumber, nil, out)
	writeJSON(w, http.StatusCreated, out)
}

// deleteAssignment answers DELETE
// /orders/{order_number}/assignments/{role}/{party_id}: 204, or 404 when
// the party is not assigned in that role.
func (s *server) deleteAssignment(w http.ResponseWriter, r *http.Request) {
	o := s.orderOf(w, r)
	if o == nil {
		return
	}
	role, party := chi.URLParam(r, "role"), pathParam(r, "party_id")
	err := s.cfg.Assignments.RemoveAssignment(r.Context(), o.Order.Buyer.ID, o.Order.OrderNumber, party, role)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "assignment_not_found",
			strconv.Quote(party)+" is not assigned to order "+strconv.Quote(o.Order.OrderNumber)+" as "+strconv.Quote(role))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	audit(r, o.Order.OrderNumber, Assignment{OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID, PartyID: party, Role: role}, nil)
	w.WriteHeader(http.StatusNoContent)
}
