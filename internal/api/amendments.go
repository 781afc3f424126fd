package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// AmendmentService versions changes of orders (pipelines.Amendments).
type AmendmentService interface {
	History(ctx context.Context, buyerID, orderNumber string) (pipelines.OrderHistory, error)
	Propose(ctx context.Context, buyerID, orderNumber string, a lifecycle.Amendment) (lifecycle.Amendment, error)
	Decide(ctx context.Context, buyerID, orderNumber string, v int, accept bool, by lifecycle.Author, reason string) (lifecycle.Amendment, error)
}

// AmendmentRequest is the body of POST /orders/{order_number}/amendments:
// who proposes what. A buyer_change (by the buyer) takes effect at once; a
// counter_proposal (by the supplier) waits for the buyer.
type AmendmentRequest struct {
	By      lifecycle.Author        `json:"by"`
	Kind    lifecycle.AmendmentKind `json:"kind"`
	Changes []lifecycle.FieldChange `json:"changes"`
}

// DecisionRequest is the body of POST
// /orders/{order_number}/amendments/{version}/accept and /reject.
type DecisionRequest struct {
	By     lifecycle.Author `json:"by"`
	Reason string           `json:"reason,omitempty"`
}

// maxAmendmentBody bounds an amendment request.
const maxAmendmentBody = 1 << 20

func (s *server) getAmendments(w http.ResponseWriter, r *http.Request) {
	h, err := s.cfg.Amendments.History(r.Context(), r.URL.Query().Get("buyer"), chi.URLParam(r, "order_number"))
	if !s.amended(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *server) postAmendment(w http.ResponseWriter, r *http.Request) {
	var req AmendmentRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	if !authored(w, r, &req.By) {
		return
	}
	a, err := s.cfg.Amendments.Propose(r.Context(), r.URL.Query().Get("buyer"), chi.URLParam(r, "order_number"),
		lifecycle.Amendment{By: req.By, Kind: req.Kind, Changes: req.Changes})
	if !s.amended(w, r, err) {
		return
	}
	audit(r, "", nil, a)
	writeJSON(w, http.StatusCreated, a)
}

func (s *server) decideAmendment(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := strconv.Atoi(chi.URLParam(r, "version"))
		if err != nil || v < 2 {
			writeError(w, http.StatusBadRequest, "bad_version", "the amendment version is a whole number from 2")
			return
		}
		var req DecisionRequest
		if !decodeStrict(w, r, &req) {
			return
		}
		if !authored(w, r, &req.By) {
			return
		}
		a, err := s.cfg.Amendments.Decide(r.Context(), r.URL.Query().Get("buyer"), chi.URLParam(r, "order_number"), v, accept, req.By, req.Reason)
		if !s.amended(w, r, err) {
			return
		}
		audit(r, "", map[string]any{"version": v, "status": lifecycle.Pending}, a)
		writeJSON(w, http.StatusOK, a)
	}
}

// amended answers an amendment call's error: 404 without the order, 409
// for a decision on an amendment that is not pending, 422 for a change
// the order cannot take.
func (s *server) amended(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(chi.URLParam(r, "order_number")))
	case errors.Is(err, lifecycle.ErrNotPending):
		writeError(w, http.StatusConflict, "not_pending", err.Error())
	case errors.Is(err, pipelines.ErrAmendmentRefused):
		writeError(w, http.StatusUnprocessableEntity, "amendment_refused", err.Error())
	default:
		s.internal(w, r, err)
	}
	return false
}

// authored makes an authenticated caller the author of its amendment or
// decision: its own party and user, and a side it holds (buyer or
// supplier; the one it holds when the body names none). An admin writes
// as whoever the body says. It answers 403 itself and returns false when
// the body names a side the caller does not hold.
func authored(w http.ResponseWriter, r *http.Request, by *lifecycle.Author) bool {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return true
	}
	if p.Admin() {
		if by.User == "" {
			by.User = p.UserID
		}
		return true
	}
	by.PartyID, by.User = p.PartyID, p.UserID
	switch {
	case by.Role == "" && p.Has(auth.RoleBuyer):
		by.Role = lifecycle.RoleBuyer
	case by.Role == "":
		by.Role = lifecycle.RoleSupplier
	case !p.Has(auth.Role(by.Role)):
		writeError(w, http.StatusForbidden, "forbidden", "you do not act as "+strconv.Quote(string(by.Role)))
		return false
	}
	return true
}

// decodeStrict reads a JSON body into v, refusing unknown fields; it
// answers 400 itself and returns false when the body is not that.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAmendmentBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_body", "the body is not JSON of the expected shape: "+err.Error())
		return false
	}
	return true
}
