package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// ActionPublisher publishes what suppliers, logistics providers and
// customs brokers do to an order as canonical records on the broker
// (pipelines.Actions); the sinks store them and move the order's status.
type ActionPublisher interface {
	Confirm(ctx context.Context, c pipelines.ActionCall, req pipelines.ConfirmRequest) (pipelines.ActionResult, error)
	Reject(ctx context.Context, c pipelines.ActionCall, req pipelines.RejectRequest) (pipelines.ActionResult, error)
	Progress(ctx context.Context, c pipelines.ActionCall, req pipelines.ProgressRequest) (pipelines.ActionResult, error)
	TransportPlan(ctx context.Context, c pipelines.ActionCall, req pipelines.TransportPlanRequest) (pipelines.ActionResult, error)
	Milestone(ctx context.Context, c pipelines.ActionCall, req pipelines.MilestoneRequest) (pipelines.ActionResult, error)
	Customs(ctx context.Context, c pipelines.ActionCall, req pipelines.CustomsRequest) (pipelines.ActionResult, error)
}

// maxActionBody bounds an action's request body.
const maxActionBody = 64 << 10

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// Role sets of the action routes.
var (
	logisticsRoles = []auth.Role{auth.RoleLogistics}
	customsRoles   = []auth.Role{auth.RoleCustoms}
)

// actionRoutes are the writes of suppliers, logistics providers and
// customs brokers on an order (Config.Actions). Each answers 202 with the
// record published (pipelines.ActionResult); the order's status and
// timeline follow once the sinks stored it.
func (s *server) actionRoutes() []Route {
	on := s.cfg.Actions != nil
	a := s.cfg.Actions
	route := func(pattern, summary string, roles []auth.Role, h http.HandlerFunc) Route {
		return Route{Method: http.MethodPost, Pattern: "/orders/{order_number}/" + pattern, Summary: summary,
			Roles: roles, Write: true, Scope: ScopeOrder, Query: []string{"buyer"}, Enabled: on, Handler: h}
	}
	return []Route{
		route("confirm", "The supplier confirms the order; other quantities, prices or dates make the response \"changed\".", suppliers,
			actionHandler(s, "confirm", func(ctx context.Context, c pipelines.ActionCall, req pipelines.ConfirmRequest) (pipelines.ActionResult, error) {
				return a.Confirm(ctx, c, req)
			})),
		route("reject", "The supplier rejects the order, with its reason.", suppliers,
			actionHandler(s, "reject", func(ctx context.Context, c pipelines.ActionCall, req pipelines.RejectRequest) (pipelines.ActionResult, error) {
				return a.Reject(ctx, c, req)
			})),
		route("progress", "The supplier reports production progress of the order or one of its lines.", suppliers,
			actionHandler(s, "progress", func(ctx context.Context, c pipelines.ActionCall, req pipelines.ProgressRequest) (pipelines.ActionResult, error) {
				return a.Progress(ctx, c, req)
			})),
		route("transport-plan", "The logistics provider's transport plan: a shipment of the order with carrier, mode, tracking numbers and dates.", logisticsRoles,
			actionHandler(s, "transport-plan", func(ctx context.Context, c pipelines.ActionCall, req pipelines.TransportPlanRequest) (pipelines.ActionResult, error) {
				return a.TransportPlan(ctx, c, req)
			})),
		route("milestones", "The logistics provider's milestone of one of the order's tracking numbers.", logisticsRoles,
			actionHandler(s, "milestones", func(ctx context.Context, c pipelines.ActionCall, req pipelines.MilestoneRequest) (pipelines.ActionResult, error) {
				return a.Milestone(ctx, c, req)
			})),
		route("customs", "The customs broker's status of the order's goods: held or cleared.", customsRoles,
			actionHandler(s, "customs", func(ctx context.Context, c pipelines.ActionCall, req pipelines.CustomsRequest) (pipelines.ActionResult, error) {
				return a.Customs(ctx, c, req)
			})),
	}
}

// actionHandler decodes an action's body strictly into Req, calls do with
// the caller and the order, and answers: 202 with the record published
// (or, for a retry, the record stored before), 400 for a body that is not
// JSON of Req's shape, 404 for an unknown order, 409 for an order whose
// status does not allow the action (a rejected order confirmed) or an
// Idempotency-Key reused for another request, 422 with the field paths of
// a record that would not be valid.
func actionHandler[Req any](s *server, action string, do func(context.Context, pipelines.ActionCall, Req) (pipelines.ActionResult, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		number := chi.URLParam(r, "order_number")
		key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		if len(key) > maxIdempotencyKey {
			writeError(w, http.StatusBadRequest, "bad_idempotency_key", fmt.Sprintf("Idempotency-Key is longer than %d characters", maxIdempotencyKey))
			return
		}
		var req Req
		if !decodeAction(w, r, &req) {
			return
		}
		c := pipelines.ActionCall{OrderNumber: number, BuyerID: r.URL.Query().Get("buyer"), IdempotencyKey: key}
		if p, ok := auth.FromContext(r.Context()); ok {
			c.Party = p.PartyID
		}
		res, err := do(r.Context(), c, req)
		var ae *pipelines.ActionError
		switch {
		case err == nil:
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
			return
		case errors.As(err, &ae):
			writeJSON(w, http.StatusUnprocessableEntity, ActionProblems{
				Error:    apiError{Code: "invalid_action", Message: fmt.Sprintf("%s of order %s would write an invalid record; nothing was published", action, number)},
				Problems: ae.Problems,
			})
			return
		case errors.Is(err, pipelines.ErrOrderState):
			writeError(w, http.StatusConflict, "order_state", err.Error())
			return
		case errors.Is(err, pipelines.ErrIdempotencyConflict):
			writeError(w, http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key was used for another "+action+" of order "+strconv.Quote(number)+"; send a new key")
			return
		default:
			s.internal(w, r, err)
			return
		}
		if res.Replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		audit(r, number, nil, res)
		writeJSON(w, http.StatusAccepted, res)
	}
}

// ActionProblems is the 422 body of an action: why the record it would
// write is invalid, field by field ("lines[0].line_number").
type ActionProblems struct {
	Error    apiError               `json:"error"`
	Problems []canonical.FieldError `json:"problems"`
}

// decodeAction reads a JSON body into v, refusing unknown fields, wrong
// types, trailing data and bodies over maxActionBody; it answers 400
// itself, naming the field where it can, and returns false when the body
// is not that. An empty body is an empty object (confirm needs nothing).
func decodeAction(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxActionBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return true
	}
	if err == nil && dec.More() {
		err = errors.New("the body holds more than one JSON value")
	}
	if err == nil {
		return true
	}
	var (
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		field   string
	)
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is over %d bytes", maxActionBody))
		return false
	case errors.As(err, &typeErr):
		field = typeErr.Field
	}
	msg := "the body is not JSON of the expected shape: " + err.Error()
	if field != "" {
		msg = fmt.Sprintf("%s: a JSON %s cannot be this field (%s)", field, typeErr.Value, typeErr.Type)
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": struct {
		apiError
		Path string `json:"path,omitempty"`
	}{apiError{Code: "bad_body", Message: msg}, field}})
	return false
}
