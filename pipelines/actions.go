package pipelines

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// ActionStore is what the parties' actions read: the order acted on, and
// what was written for it before, to know a retried request.
type ActionStore interface {
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error)
	OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error)
	ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error)
	TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error)
}

// Actions turns what suppliers, logistics providers and customs brokers do
// through the API into canonical records published on the canonical
// topics, like a connector's: a confirmation or rejection is an
// OrderResponse on procurehub.order-responses.v1, production progress an
// order event on procurehub.order-events.v1, a transport plan a Shipment
// on procurehub.shipments.v1, a milestone or a customs status a
// TrackingEvent on procurehub.tracking-events.v1. Nothing is written to
// the store here: the sinks store what is published and the status
// projector moves the order, so topics, store and timeline agree.
//
// Every record's number or id derives from the request (its
// Idempotency-Key, else its body and the order's version): a retried
// request finds its record stored and publishes nothing (Replayed); one
// retried before its record was stored publishes the same message id and
// record, which the sinks keep once.
//
// Actions is safe for concurrent use when its Store and Pub are.
type Actions struct {
	Store ActionStore
	Pub   message.Publisher
	Now   func() time.Time // time.Now when nil
}

// APIConnector is the connector name of records made through the API
// (their Source.Connector); APIPartner the partner when the caller is not
// authenticated (authentication off).
const (
	APIConnector = "api"
	APIPartner   = "api"
)

// Order event types of the parties' actions besides the canonical ones.
const (
	// EventCustomsHold and EventCustomsCleared are a customs broker's
	// status of an order that has no shipment with a tracking number yet;
	// with one, customs status is a tracking event of each of its
	// tracking numbers. Their types are the tracking statuses'.
	EventCustomsHold    canonical.OrderEventType = canonical.OrderEventType(canonical.TrackingCustomsHold)
	EventCustomsCleared canonical.OrderEventType = canonical.OrderEventType(canonical.TrackingCustomsCleared)
)

// ActionCall is who acts on which order, and what makes a retry the same
// request.
type ActionCall struct {
	OrderNumber string
	// BuyerID picks the order when two buyers use its number; empty
	// takes the most recently changed one.
	BuyerID string
	// Party is the caller's party (auth.Principal.PartyID): the partner
	// and source of what is written. Empty when authentication is off:
	// APIPartner.
	Party string
	// IdempotencyKey is the request's Idempotency-Key header. Without
	// one, a request is known again by its body and the order's version.
	IdempotencyKey string
}

func (c ActionCall) partner() string {
	if strings.TrimSpace(c.Party) == "" {
		return APIPartner
	}
	return c.Party
}

// ActionResult is what an action published: one record, or for customs
// one tracking event per tracking number.
type ActionResult struct {
	Action      string `json:"action"`
	OrderNumber string `json:"order_number"`
	BuyerID     string `json:"buyer_id"`
	Topic       string `json:"topic"`
	// Replayed: the request was made before and its record is stored;
	// nothing was published this time.
	Replayed       bool                      `json:"replayed"`
	OrderResponse  *canonical.OrderResponse  `json:"order_response,omitempty"`
	OrderEvent     *canonical.OrderEvent     `json:"order_event,omitempty"`
	Shipment       *canonical.Shipment       `json:"shipment,omitempty"`
	TrackingEvents []canonical.TrackingEvent `json:"tracking_events,omitempty"`
	// TransportMode is the transport plan's mode; canonical.Shipment has
	// no field for it yet, so it is told here and in the message's
	// transport_mode metadata.
	TransportMode canonical.TransportMode `json:"transport_mode,omitempty"`
	// Note is the caller's note or reason, as sent. canonical.OrderResponse
	// and canonical.Shipment have no field for it (nor for the transport
	// mode): it is published as an action_note order event (NoteEvent)
	// beside the record.
	Note      string                `json:"note,omitempty"`
	NoteEvent *canonical.OrderEvent `json:"note_event,omitempty"`
}

// ErrActionInvalid is what every *ActionError matches with errors.Is.
var ErrActionInvalid = errors.New("action refused")

// ActionError lists why a request cannot become a valid record: the
// canonical validation's problems of the record built, and the request's
// own (a line the order does not have, a tracking number none of its
// shipments has). Paths name fields of the request where they differ from
// the record's.
type ActionError struct {
	Problems []canonical.FieldError
}

func (e *ActionError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "action refused: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrActionInvalid) true.
func (e *ActionError) Is(target error) bool { return target == ErrActionInvalid }

// ErrOrderState: the order's status does not allow the action (a
// rejected, cancelled or closed order; a confirmation of an order in
// production; a rejection of a confirmed one). The error says why.
var ErrOrderState = errors.New("the order's status does not allow this")

// stateAllows checks an action against the order's stored status: nothing
// is done to a final order, and an action that moves the order to a state
// (to) must be a transition the lifecycle allows. The status a retry finds
// its own action put the order in is allowed.
func stateAllows(o *store.StoredOrder, action string, to lifecycle.State) error {
	from := lifecycle.State(o.Status)
	if !from.Valid() || from == to {
		return nil
	}
	if from.Final() {
		return fmt.Errorf("%w: %s of order %s: the order is %s", ErrOrderState, action, o.Order.OrderNumber, from)
	}
	if to == "" {
		return nil
	}
	if err := lifecycle.Transition(from, to); err != nil {
		return fmt.Errorf("%w: %s of order %s: %w", ErrOrderState, action, o.Order.OrderNumber, err)
	}
	return nil
}

// ErrIdempotencyConflict: an Idempotency-Key already used for another
// request of the same action on the same order.
var ErrIdempotencyConflict = errors.New("idempotency key reused for another request")

// EventActionNote is the order event that keeps what a party said with an
// action that its record has no field for: a confirmation's note, a
// rejection's reason, a transport plan's mode. Its Data is an ActionNote;
// it is no milestone of the order's lifecycle.
const EventActionNote canonical.OrderEventType = "action_note"

// ActionNote is the Data of an EventActionNote event.
type ActionNote struct {
	Action         string                  `json:"action"`
	ResponseNumber string                  `json:"response_number,omitempty"`
	ShipmentID     string                  `json:"shipment_id,omitempty"`
	Note           string                  `json:"note,omitempty"`
	TransportMode  canonical.TransportMode `json:"transport_mode,omitempty"`
}

// Problem codes of ActionError besides canonical's.
const (
	CodeUnknownLine     = "unknown_line"            // a line number the order does not have
	CodeUnknownTracking = "unknown_tracking_number" // a tracking number of none of the order's shipments
	CodeOutOfRange      = "out_of_range"            // a percentage outside 0 to 100
)

// ConfirmRequest is a supplier's confirmation of an order. Lines are
// needed only for what the supplier confirms line by line: a delivery
// date, or a quantity or unit price other than ordered, which makes the
// response "changed" (a counter-offer the buyer sees on the timeline).
type ConfirmRequest struct {
	ResponseNumber string        `json:"response_number,omitempty"`
	Lines          []ConfirmLine `json:"lines,omitempty"`
	Note           string        `json:"note,omitempty"`
}

// ConfirmLine is the supplier's confirmation of one order line.
type ConfirmLine struct {
	LineNumber   int                `json:"line_number"`
	Quantity     *canonical.Decimal `json:"quantity,omitempty"`
	UnitPrice    *canonical.Decimal `json:"unit_price,omitempty"`
	DeliveryDate canonical.Date     `json:"delivery_date,omitzero"`
}

// RejectRequest is a supplier's rejection of an order, with its reason.
type RejectRequest struct {
	ResponseNumber string `json:"response_number,omitempty"`
	Reason         string `json:"reason"`
}

// ProgressRequest is a supplier's production progress report: how far
// production is, or when it will be ready, or both; of one line, or
// without line_number of the whole order.
type ProgressRequest struct {
	PercentComplete   *canonical.Decimal `json:"percent_complete,omitempty"`
	ExpectedReadyDate canonical.Date     `json:"expected_ready_date,omitzero"`
	Note              string             `json:"note,omitempty"`
	LineNumber        int                `json:"line_number,omitempty"`
}

// TransportPlanRequest is a logistics provider's plan for moving an
// order's goods. Without shipment_id the plan is a shipment of its own,
// numbered from the request; with the id of a shipment the order has
// (an ASN), the plan fills in that shipment's carrier, tracking numbers
// and dates, keeping its lines.
type TransportPlanRequest struct {
	ShipmentID       string                  `json:"shipment_id,omitempty"`
	Carrier          string                  `json:"carrier"`
	Mode             canonical.TransportMode `json:"mode,omitempty"`
	TrackingNumbers  []string                `json:"tracking_numbers,omitempty"`
	ShipDate         canonical.Date          `json:"ship_date,omitzero"`
	EstimatedArrival canonical.Date          `json:"estimated_arrival,omitzero"`
}

// MilestoneRequest is a logistics provider's milestone of one of the
// order's tracking numbers; without tracking_number, of the order's only
// one.
type MilestoneRequest struct {
	TrackingNumber string                   `json:"tracking_number,omitempty"`
	Status         canonical.TrackingStatus `json:"status"`
	OccurredAt     time.Time                `json:"occurred_at"`
	Location       *canonical.Location      `json:"location,omitempty"`
}

// CustomsRequest is a customs broker's status of an order's goods: held
// or cleared.
type CustomsRequest struct {
	Status     string    `json:"status"`
	OccurredAt time.Time `json:"occurred_at"`
	Reference  string    `json:"reference,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// The customs statuses of CustomsRequest.
const (
	CustomsHeld    = "held"
	CustomsCleared = "cleared"
)

// Confirm publishes the supplier's acceptance of the order, or, when a
// line's quantity, unit price or delivery date differs from the order's,
// a "changed" response with those lines.
func (a *Actions) Confirm(ctx context.Context, c ActionCall, req ConfirmRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	resp := &canonical.OrderResponse{OrderNumber: o.Order.OrderNumber, ResponseNumber: strings.TrimSpace(req.ResponseNumber),
		ResponseDate: canonical.DateOf(a.now()), Buyer: o.Order.Buyer, Supplier: o.Order.Supplier, Status: canonical.ResponseAccepted}
	for i, l := range req.Lines {
		ol := lineOf(&o.Order, l.LineNumber)
		if ol == nil {
			bad = append(bad, unknownLine(fmt.Sprintf("lines[%d].line_number", i), o, l.LineNumber))
			continue
		}
		rl := canonical.OrderResponseLine{LineNumber: l.LineNumber, SKU: ol.SKU, Status: canonical.ResponseAccepted,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, DeliveryDate: l.DeliveryDate}
		if changedLine(&o.Order, ol, l) {
			rl.Status = canonical.ResponseChanged
			resp.Status = canonical.ResponseChanged
		}
		resp.Lines = append(resp.Lines, rl)
	}
	return a.respond(ctx, c, o, "confirm", req, resp, bad, req.Note)
}

// Reject publishes the supplier's rejection of the order.
func (a *Actions) Reject(ctx context.Context, c ActionCall, req RejectRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	if strings.TrimSpace(req.Reason) == "" {
		bad = append(bad, canonical.FieldError{Path: "reason", Code: canonical.CodeRequired, Message: "is required: the buyer reads why the order is rejected"})
	}
	resp := &canonical.OrderResponse{OrderNumber: o.Order.OrderNumber, ResponseNumber: strings.TrimSpace(req.ResponseNumber),
		ResponseDate: canonical.DateOf(a.now()), Buyer: o.Order.Buyer, Supplier: o.Order.Supplier, Status: canonical.ResponseRejected}
	return a.respond(ctx, c, o, "reject", req, resp, bad, req.Reason)
}

// respond numbers, checks and publishes a supplier's response.
func (a *Actions) respond(ctx context.Context, c ActionCall, o *store.StoredOrder, action string, req any,
	resp *canonical.OrderResponse, bad []canonical.FieldError, note string) (ActionResult, error) {
	id, err := requestID(c, o, action, req)
	if err != nil {
		return ActionResult{}, err
	}
	if resp.ResponseNumber == "" {
		resp.ResponseNumber = "API-" + strings.ToUpper(id[:16])
	}
	resp.Source = &canonical.Source{Connector: APIConnector, Partner: c.partner()}
	if err := invalid(resp, bad); err != nil {
		return ActionResult{}, err
	}
	out := ActionResult{Action: action, OrderNumber: resp.OrderNumber, BuyerID: o.Order.Buyer.ID, Topic: TopicOrderResponses,
		OrderResponse: resp, Note: note}
	stored, err := a.Store.OrderResponses(ctx, resp.OrderNumber)
	if err != nil {
		return ActionResult{}, fmt.Errorf("responses to order %s: %w", resp.OrderNumber, err)
	}
	for _, s := range stored {
		if s.Response == nil || s.Response.ResponseNumber != resp.ResponseNumber || s.Response.Buyer.ID != resp.Buyer.ID {
			continue
		}
		// A retry keeps the response's date: the same request on
		// another day is still the same response.
		resp.ResponseDate = s.Response.ResponseDate
		same, err := sameContent(store.OrderResponseContent, s.Response, resp)
		if err != nil {
			return ActionResult{}, err
		}
		switch {
		case same:
			out.Replayed, out.OrderResponse = true, s.Response
			return out, nil
		case c.IdempotencyKey != "":
			return ActionResult{}, fmt.Errorf("%w: response %s to order %s", ErrIdempotencyConflict, resp.ResponseNumber, resp.OrderNumber)
		}
	}
	to := lifecycle.StateConfirmed
	switch resp.Status {
	case canonical.ResponseRejected:
		to = lifecycle.StateRejected
	case canonical.ResponseChanged:
		to = "" // a counter-offer moves nothing until the buyer decides
	}
	if err := stateAllows(o, action, to); err != nil {
		return ActionResult{}, err
	}
	if strings.TrimSpace(note) != "" {
		// The note goes out first: the response is what marks the
		// request done, so a failed note is published again by a retry.
		if out.NoteEvent, err = a.publishNote(c, o, id, ActionNote{Action: action, ResponseNumber: resp.ResponseNumber, Note: strings.TrimSpace(note)}); err != nil {
			return ActionResult{}, err
		}
	}
	m, err := a.message("order-response/"+resp.Buyer.ID+"/"+resp.OrderNumber+"/"+resp.ResponseNumber+"/"+contentTag(store.OrderResponseContent, resp),
		canonical.TypeOrderResponse, resp.OrderNumber, resp, c)
	if err != nil {
		return ActionResult{}, err
	}
	if err := a.Pub.Publish(TopicOrderResponses, m); err != nil {
		return ActionResult{}, fmt.Errorf("publish response %s to order %s: %w", resp.ResponseNumber, resp.OrderNumber, err)
	}
	return out, nil
}

// Progress publishes the supplier's production progress as a
// production_progress order event, shaped like those of progress files.
func (a *Actions) Progress(ctx context.Context, c ActionCall, req ProgressRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	p := canonical.ProductionProgress{PercentComplete: req.PercentComplete, ExpectedReadyDate: req.ExpectedReadyDate,
		LineNumber: req.LineNumber, Note: strings.TrimSpace(req.Note)}
	switch pc := req.PercentComplete; {
	case pc == nil && req.ExpectedReadyDate.IsZero():
		bad = append(bad, canonical.FieldError{Path: "percent_complete", Code: canonical.CodeRequired,
			Message: "is required when expected_ready_date is not given: a progress report tells how far production is or when it will be ready"})
	case pc != nil && (pc.IsNegative() || pc.Decimal.GreaterThan(canonical.MustDecimal("100").Decimal)):
		bad = append(bad, canonical.FieldError{Path: "percent_complete", Code: CodeOutOfRange, Message: fmt.Sprintf("must be from 0 to 100, got %s", pc)})
	}
	if !req.ExpectedReadyDate.IsZero() && !req.ExpectedReadyDate.Valid() {
		bad = append(bad, canonical.FieldError{Path: "expected_ready_date", Code: canonical.CodeInvalidDate, Message: "is not a calendar date"})
	}
	if req.LineNumber != 0 {
		if ol := lineOf(&o.Order, req.LineNumber); ol != nil {
			p.SKU = ol.SKU
		} else {
			bad = append(bad, unknownLine("line_number", o, req.LineNumber))
		}
	}
	id, err := requestID(c, o, "progress", req)
	if err != nil {
		return ActionResult{}, err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return ActionResult{}, fmt.Errorf("progress of order %s: %w", o.Order.OrderNumber, err)
	}
	ev := &canonical.OrderEvent{EventID: "api-progress-" + id, OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID,
		Type: canonical.EventProductionProgress, OccurredAt: a.now(), Actor: c.partner(), Summary: progressSummary(p), Data: data,
		Source: &canonical.Source{Connector: APIConnector, Partner: c.partner()}}
	if err := invalid(ev, bad); err != nil {
		return ActionResult{}, err
	}
	return a.publishEvent(ctx, c, o, "progress", lifecycle.StateInProduction, ev)
}

// publishEvent publishes an order event unless it is stored already; to
// is the state it moves the order to ("" for none in particular).
func (a *Actions) publishEvent(ctx context.Context, c ActionCall, o *store.StoredOrder, action string, to lifecycle.State, ev *canonical.OrderEvent) (ActionResult, error) {
	out := ActionResult{Action: action, OrderNumber: ev.OrderNumber, BuyerID: ev.BuyerID, Topic: TopicOrderEvents, OrderEvent: ev}
	stored, err := a.Store.OrderEvents(ctx, ev.OrderNumber)
	if err != nil {
		return ActionResult{}, fmt.Errorf("events of order %s: %w", ev.OrderNumber, err)
	}
	for _, s := range stored {
		if s.Event.EventID != ev.EventID {
			continue
		}
		if s.Event.Type != ev.Type || !jsonEqual(s.Event.Data, ev.Data) {
			return ActionResult{}, fmt.Errorf("%w: event %s of order %s", ErrIdempotencyConflict, ev.EventID, ev.OrderNumber)
		}
		stored := s.Event
		out.Replayed, out.OrderEvent = true, &stored
		return out, nil
	}
	if err := stateAllows(o, action, to); err != nil {
		return ActionResult{}, err
	}
	m, err := a.message("order-event/"+ev.EventID, canonical.TypeOrderEvent, ev.OrderNumber, ev, c)
	if err != nil {
		return ActionResult{}, err
	}
	if err := a.Pub.Publish(TopicOrderEvents, m); err != nil {
		return ActionResult{}, fmt.Errorf("publish %s of order %s: %w", ev.Type, o.Order.OrderNumber, err)
	}
	return out, nil
}

// TransportPlan publishes the logistics provider's plan as a shipment of
// the order.
func (a *Actions) TransportPlan(ctx context.Context, c ActionCall, req TransportPlanRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	if strings.TrimSpace(req.Carrier) == "" {
		bad = append(bad, canonical.FieldError{Path: "carrier", Code: canonical.CodeRequired, Message: "is required"})
	}
	if req.Mode != "" && !req.Mode.Valid() {
		msg := "is not a transport mode: use sea, inland_waterway, air, road, rail or multimodal"
		if m, err := canonical.ParseTransportMode(string(req.Mode)); err == nil {
			msg = fmt.Sprintf("is not in canonical form; write %q", m)
		}
		bad = append(bad, canonical.FieldError{Path: "mode", Code: canonical.CodeInvalidTransportMode, Message: msg})
	}
	id, err := requestID(c, o, "transport-plan", req)
	if err != nil {
		return ActionResult{}, err
	}
	shipments, err := a.Store.ShipmentsOfOrder(ctx, o.Order.OrderNumber)
	if err != nil {
		return ActionResult{}, fmt.Errorf("shipments of order %s: %w", o.Order.OrderNumber, err)
	}
	sh := &canonical.Shipment{ShipmentID: strings.TrimSpace(req.ShipmentID), OrderNumbers: []string{o.Order.OrderNumber},
		Buyer: o.Order.Buyer, Supplier: o.Order.Supplier}
	if sh.ShipmentID == "" {
		sh.ShipmentID = "API-" + strings.ToUpper(id[:16])
	}
	var before *canonical.Shipment
	for _, s := range shipments {
		if s.Shipment != nil && s.Shipment.ShipmentID == sh.ShipmentID && s.Shipment.Supplier.ID == o.Order.Supplier.ID {
			before = s.Shipment
			// The plan fills in a shipment the order has, keeping what
			// the supplier's ASN says of lines, packages and weight.
			*sh = *s.Shipment
			sh.OrderNumbers = slices.Clone(s.Shipment.OrderNumbers)
			if !slices.Contains(sh.OrderNumbers, o.Order.OrderNumber) {
				sh.OrderNumbers = append(sh.OrderNumbers, o.Order.OrderNumber)
			}
		}
	}
	sh.Carrier = strings.TrimSpace(req.Carrier)
	if len(req.TrackingNumbers) > 0 {
		sh.TrackingNumbers = req.TrackingNumbers
	}
	if !req.ShipDate.IsZero() {
		sh.ShipDate = req.ShipDate
	}
	if !req.EstimatedArrival.IsZero() {
		sh.EstimatedArrival = req.EstimatedArrival
	}
	sh.Source = &canonical.Source{Connector: APIConnector, Partner: c.partner()}
	if err := invalid(sh, bad); err != nil {
		return ActionResult{}, err
	}
	out := ActionResult{Action: "transport-plan", OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID, Topic: TopicShipments,
		Shipment: sh, TransportMode: req.Mode}
	if before != nil {
		same, err := sameContent(store.ShipmentContent, before, sh)
		if err != nil {
			return ActionResult{}, err
		}
		switch {
		case same:
			out.Replayed, out.Shipment = true, before
			return out, nil
		case c.IdempotencyKey != "" && req.ShipmentID == "":
			// The shipment is numbered from the key: another plan under
			// it is a key used twice.
			return ActionResult{}, fmt.Errorf("%w: shipment %s of order %s", ErrIdempotencyConflict, sh.ShipmentID, o.Order.OrderNumber)
		}
	}
	if err := stateAllows(o, "transport-plan", ""); err != nil {
		return ActionResult{}, err
	}
	m, err := a.message("shipment/"+sh.Supplier.ID+"/"+sh.ShipmentID+"/"+contentTag(store.ShipmentContent, sh), canonical.TypeShipment, o.Order.OrderNumber, sh, c)
	if err != nil {
		return ActionResult{}, err
	}
	if req.Mode != "" {
		m.Metadata.Set("transport_mode", string(req.Mode))
		if out.NoteEvent, err = a.publishNote(c, o, id, ActionNote{Action: "transport-plan", ShipmentID: sh.ShipmentID, TransportMode: req.Mode}); err != nil {
			return ActionResult{}, err
		}
	}
	if err := a.Pub.Publish(TopicShipments, m); err != nil {
		return ActionResult{}, fmt.Errorf("publish shipment %s of order %s: %w", sh.ShipmentID, o.Order.OrderNumber, err)
	}
	return out, nil
}

// Milestone publishes the logistics provider's milestone as a tracking
// event of one of the order's tracking numbers, with the carrier of its
// shipment.
func (a *Actions) Milestone(ctx context.Context, c ActionCall, req MilestoneRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	carriers, err := a.carriers(ctx, o)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	number := strings.TrimSpace(req.TrackingNumber)
	if number == "" && len(carriers) == 1 {
		for n := range carriers {
			number = n
		}
	}
	carrier, known := carriers[number]
	switch {
	case number == "" && len(carriers) == 0:
		bad = append(bad, canonical.FieldError{Path: "tracking_number", Code: canonical.CodeRequired,
			Message: "is required: the order has no shipment with a tracking number yet; post a transport plan first"})
	case number == "":
		bad = append(bad, canonical.FieldError{Path: "tracking_number", Code: canonical.CodeRequired,
			Message: "is required: the order's shipments have " + strconv.Itoa(len(carriers)) + " tracking numbers"})
	case !known:
		bad = append(bad, canonical.FieldError{Path: "tracking_number", Code: CodeUnknownTracking,
			Message: fmt.Sprintf("%q is not a tracking number of the order's shipments", number)})
	}
	if carrier == "" {
		carrier = c.partner()
	}
	id, err := requestID(c, o, "milestone", req)
	if err != nil {
		return ActionResult{}, err
	}
	ev := canonical.TrackingEvent{EventID: "api-milestone-" + id, TrackingNumber: number, Carrier: carrier, Status: req.Status,
		CarrierStatus: string(req.Status), OccurredAt: req.OccurredAt, Location: req.Location,
		Source: &canonical.Source{Connector: APIConnector, Partner: c.partner()}}
	if err := invalid(&ev, bad); err != nil {
		return ActionResult{}, err
	}
	return a.publishTracking(ctx, c, o, "milestone", []canonical.TrackingEvent{ev})
}

// Customs publishes a customs broker's status: a customs_hold or
// customs_cleared tracking event of each of the order's tracking numbers,
// or, when the order has none yet, an order event of that type.
func (a *Actions) Customs(ctx context.Context, c ActionCall, req CustomsRequest) (ActionResult, error) {
	o, err := a.order(ctx, c)
	if err != nil {
		return ActionResult{}, err
	}
	var bad []canonical.FieldError
	var status canonical.TrackingStatus
	switch req.Status {
	case CustomsHeld:
		status = canonical.TrackingCustomsHold
	case CustomsCleared:
		status = canonical.TrackingCustomsCleared
	case "":
		bad = append(bad, canonical.FieldError{Path: "status", Code: canonical.CodeRequired, Message: "is required: held or cleared"})
	default:
		bad = append(bad, canonical.FieldError{Path: "status", Code: canonical.CodeInvalidStatus, Message: fmt.Sprintf("%q is not a customs status: held or cleared", req.Status)})
	}
	if req.OccurredAt.IsZero() {
		bad = append(bad, canonical.FieldError{Path: "occurred_at", Code: canonical.CodeRequired, Message: "is required"})
	}
	if len(bad) > 0 {
		return ActionResult{}, &ActionError{Problems: bad}
	}
	carriers, err := a.carriers(ctx, o)
	if err != nil {
		return ActionResult{}, err
	}
	id, err := requestID(c, o, "customs", req)
	if err != nil {
		return ActionResult{}, err
	}
	desc := "customs " + req.Status
	if r := strings.TrimSpace(req.Reference); r != "" {
		desc += " (" + r + ")"
	}
	if n := strings.TrimSpace(req.Note); n != "" {
		desc += ": " + n
	}
	src := &canonical.Source{Connector: APIConnector, Partner: c.partner()}
	if len(carriers) == 0 {
		data, err := json.Marshal(map[string]string{"status": req.Status, "reference": req.Reference, "note": req.Note})
		if err != nil {
			return ActionResult{}, err
		}
		ev := &canonical.OrderEvent{EventID: "api-customs-" + id, OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID,
			Type: canonical.OrderEventType(status), OccurredAt: req.OccurredAt, Actor: c.partner(), Summary: desc, Data: data, Source: src}
		if err := invalid(ev, nil); err != nil {
			return ActionResult{}, err
		}
		return a.publishEvent(ctx, c, o, "customs", "", ev)
	}
	numbers := make([]string, 0, len(carriers))
	for n := range carriers {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	events := make([]canonical.TrackingEvent, 0, len(numbers))
	for _, n := range numbers {
		carrier := carriers[n]
		if carrier == "" {
			carrier = c.partner()
		}
		ev := canonical.TrackingEvent{EventID: "api-customs-" + id, TrackingNumber: n, Carrier: carrier, Status: status,
			CarrierStatus: "customs " + req.Status, Description: desc, OccurredAt: req.OccurredAt, Source: src}
		if err := invalid(&ev, nil); err != nil {
			return ActionResult{}, err
		}
		events = append(events, ev)
	}
	return a.publishTracking(ctx, c, o, "customs", events)
}

// publishTracking publishes the tracking events not stored yet; when all
// are, the request is a replay.
func (a *Actions) publishTracking(ctx context.Context, c ActionCall, o *store.StoredOrder, action string, events []canonical.TrackingEvent) (ActionResult, error) {
	out := ActionResult{Action: action, OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID, Topic: TopicTrackingEvents, TrackingEvents: events}
	numbers := make([]string, len(events))
	for i, e := range events {
		numbers[i] = e.TrackingNumber
	}
	stored, err := a.Store.TrackingEvents(ctx, numbers)
	if err != nil {
		return ActionResult{}, fmt.Errorf("carrier events of order %s: %w", o.Order.OrderNumber, err)
	}
	var msgs []*message.Message
	for i, ev := range events {
		j := slices.IndexFunc(stored, func(s store.StoredTrackingEvent) bool {
			return s.Event.EventID == ev.EventID && s.Event.TrackingNumber == ev.TrackingNumber
		})
		if j >= 0 {
			s := stored[j].Event
			if s.Status != ev.Status || !s.OccurredAt.Equal(ev.OccurredAt) {
				return ActionResult{}, fmt.Errorf("%w: event %s of %s", ErrIdempotencyConflict, ev.EventID, ev.TrackingNumber)
			}
			out.TrackingEvents[i] = s
			continue
		}
		m, err := a.message("tracking-event/"+ev.TrackingNumber+"/"+ev.EventID, canonical.TypeTrackingEvent, ev.TrackingNumber, &events[i], c)
		if err != nil {
			return ActionResult{}, err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		out.Replayed = true
		return out, nil
	}
	if err := stateAllows(o, action, ""); err != nil {
		return ActionResult{}, err
	}
	if err := a.Pub.Publish(TopicTrackingEvents, msgs...); err != nil {
		return ActionResult{}, fmt.Errorf("publish %s of order %s: %w", action, o.Order.OrderNumber, err)
	}
	return out, nil
}

// publishNote publishes an action_note event of the order; its id derives
// from the request's, so a retry publishes the same event.
func (a *Actions) publishNote(c ActionCall, o *store.StoredOrder, id string, n ActionNote) (*canonical.OrderEvent, error) {
	data, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("note of order %s: %w", o.Order.OrderNumber, err)
	}
	summary := n.Note
	if n.TransportMode != "" {
		summary = "shipment " + n.ShipmentID + " by " + string(n.TransportMode)
	}
	ev := &canonical.OrderEvent{EventID: "api-note-" + id, OrderNumber: o.Order.OrderNumber, BuyerID: o.Order.Buyer.ID,
		Type: EventActionNote, OccurredAt: a.now(), Actor: c.partner(), Summary: n.Action + ": " + summary, Data: data,
		Source: &canonical.Source{Connector: APIConnector, Partner: c.partner()}}
	m, err := a.message("order-event/"+ev.EventID, canonical.TypeOrderEvent, ev.OrderNumber, ev, c)
	if err != nil {
		return nil, err
	}
	if err := a.Pub.Publish(TopicOrderEvents, m); err != nil {
		return nil, fmt.Errorf("publish note of order %s: %w", o.Order.OrderNumber, err)
	}
	return ev, nil
}

// carriers maps the tracking numbers of the order's shipments to their
// shipment's carrier.
func (a *Actions) carriers(ctx context.Context, o *store.StoredOrder) (map[string]string, error) {
	shipments, err := a.Store.ShipmentsOfOrder(ctx, o.Order.OrderNumber)
	if err != nil {
		return nil, fmt.Errorf("shipments of order %s: %w", o.Order.OrderNumber, err)
	}
	out := map[string]string{}
	for _, s := range shipments {
		if s.Shipment == nil || (s.Shipment.Buyer.ID != "" && s.Shipment.Buyer.ID != o.Order.Buyer.ID) {
			continue
		}
		for _, n := range s.Shipment.TrackingNumbers {
			out[n] = s.Shipment.Carrier
		}
	}
	return out, nil
}

// order reads the order acted on; store.ErrNotFound without one.
func (a *Actions) order(ctx context.Context, c ActionCall) (*store.StoredOrder, error) {
	if strings.TrimSpace(c.OrderNumber) == "" {
		return nil, fmt.Errorf("order number is empty: %w", store.ErrNotFound)
	}
	return a.Store.GetOrder(ctx, c.BuyerID, c.OrderNumber)
}

// message wraps a record as a connector's would be, from connector "api"
// and the caller's party; its id derives from key.
func (a *Actions) message(key, recordType, partitionKey string, v any, c ActionCall) (*message.Message, error) {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("api/"+key)).String()
	m, err := recordMessage(id, connectors.Record{Type: recordType, Key: partitionKey, Value: v}, APIConnector, c.partner(), connectors.Input{})
	if err != nil {
		return nil, err
	}
	if c.IdempotencyKey != "" {
		m.Metadata.Set("idempotency_key", c.IdempotencyKey)
	}
	return m, nil
}

func (a *Actions) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// requestID is the hex SHA-256 of what makes a request the same one: the
// action, the order, the caller's party and the Idempotency-Key, or
// without a key the body (as decoded) and the order's version.
func requestID(c ActionCall, o *store.StoredOrder, action string, body any) (string, error) {
	h := sha256.New()
	for _, part := range []string{action, o.Order.Buyer.ID, o.Order.OrderNumber, c.partner()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	if c.IdempotencyKey != "" {
		h.Write([]byte("key\x00" + c.IdempotencyKey))
	} else {
		b, err := json.Marshal(body)
		if err != nil {
			return "", fmt.Errorf("%s of order %s: %w", action, o.Order.OrderNumber, err)
		}
		h.Write([]byte("body\x00"))
		h.Write(b)
		h.Write([]byte("\x00v" + strconv.Itoa(o.Version)))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// invalid returns an *ActionError of the request's problems and the
// record's validation problems, or nil.
func invalid(record canonical.Validator, bad []canonical.FieldError) error {
	if err := record.Validate(); err != nil {
		ve := canonical.AsValidationError(err)
		if ve == nil {
			return err
		}
		for _, p := range ve.Problems {
			if !slices.ContainsFunc(bad, func(b canonical.FieldError) bool { return b.Path == p.Path }) {
				bad = append(bad, p)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &ActionError{Problems: bad}
}

func lineOf(o *canonical.Order, number int) *canonical.OrderLine {
	for i := range o.Lines {
		if o.Lines[i].LineNumber == number {
			return &o.Lines[i]
		}
	}
	return nil
}

func unknownLine(path string, o *store.StoredOrder, number int) canonical.FieldError {
	return canonical.FieldError{Path: path, Code: CodeUnknownLine,
		Message: fmt.Sprintf("order %s has no line %d", o.Order.OrderNumber, number)}
}

// changedLine reports whether a confirmed line differs from the order
// line: another quantity or unit price, or a delivery date other than the
// one requested (when one is).
func changedLine(o *canonical.Order, ol *canonical.OrderLine, l ConfirmLine) bool {
	switch {
	case l.Quantity != nil && !l.Quantity.Equal(ol.Quantity):
		return true
	case l.UnitPrice != nil && !l.UnitPrice.Equal(ol.UnitPrice):
		return true
	case !l.DeliveryDate.IsZero() && !o.RequestedDeliveryDate.IsZero() && l.DeliveryDate != o.RequestedDeliveryDate:
		return true
	}
	return false
}

// progressSummary is the event's line for a timeline, as for progress
// files: "45% complete, ready 2026-03-01", "line 10: " in front for a line.
func progressSummary(p canonical.ProductionProgress) string {
	var parts []string
	if p.PercentComplete != nil {
		parts = append(parts, p.PercentComplete.Decimal.String()+"% complete")
	}
	if !p.ExpectedReadyDate.IsZero() {
		parts = append(parts, "ready "+p.ExpectedReadyDate.String())
	}
	s := strings.Join(parts, ", ")
	if p.LineNumber > 0 {
		s = "line " + strconv.Itoa(p.LineNumber) + ": " + s
	}
	return s
}

// sameContent reports whether two records have the same stored content
// (lineage aside).
func sameContent[T any](content func(*T) ([]byte, error), a, b *T) (bool, error) {
	ca, err := content(a)
	if err != nil {
		return false, err
	}
	cb, err := content(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ca, cb), nil
}

// contentTag is a short hash of a record's content, for message ids: the
// same record has the same id, a changed one another.
func contentTag[T any](content func(*T) ([]byte, error), v *T) string {
	b, err := content(v)
	if err != nil {
		return ""
	}
	return store.HashContent(b)[:16]
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
