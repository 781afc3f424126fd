package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// --- order responses and order events ---
//
// An order response (a supplier's confirmation, rejection or change) is
// keyed by (order number, response number) and, like a shipment, written
// only when its content hash changed; a response without a number is keyed
// by its order number alone. An order event (production progress, an
// amendment, anything that happened to an order) is kept once per event id:
// the same event delivered again is not added twice. Both are read by order
// number, for the order's timeline.

// StoredOrderResponse is an order response as the store keeps it.
type StoredOrderResponse struct {
	Partner     string                   // the partner of the last write of its content
	Response    *canonical.OrderResponse // as last written, lineage (Source) included
	ContentHash string
	Version     int // 1 when inserted, +1 on every change of content
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// StoredOrderEvent is an order event as the store keeps it.
type StoredOrderEvent struct {
	Partner    string
	Event      canonical.OrderEvent // lineage included
	ReceivedAt time.Time            // when the store first took it
}

// InvalidOrderResponseError names the response of an UpsertOrderResponses
// batch that the store refused; nothing of that batch was written.
// errors.Is(err, ErrInvalid) holds.
type InvalidOrderResponseError struct {
	Index          int
	OrderNumber    string
	ResponseNumber string
	Reason         string
}

func (e *InvalidOrderResponseError) Error() string {
	return fmt.Sprintf("order response %d (order %q, response %q): %s", e.Index, e.OrderNumber, e.ResponseNumber, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidOrderResponseError) Is(target error) bool { return target == ErrInvalid }

// OrderResponseContent returns the canonical JSON of r without its lineage,
// the bytes whose hash decides whether a response changed. r is not
// modified.
func OrderResponseContent(r *canonical.OrderResponse) ([]byte, error) {
	c := *r
	c.Source = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("store: order response content: %w", err)
	}
	return b, nil
}

// CheckOrderResponses validates a batch for UpsertOrderResponses: each
// response must pass canonical validation. It returns the content of each,
// or an *InvalidOrderResponseError.
func CheckOrderResponses(responses []*canonical.OrderResponse) ([][]byte, error) {
	out := make([][]byte, len(responses))
	for i, r := range responses {
		if r == nil {
			return nil, &InvalidOrderResponseError{Index: i, Reason: "nil order response"}
		}
		invalid := func(reason string) error {
			return &InvalidOrderResponseError{Index: i, OrderNumber: printable(r.OrderNumber),
				ResponseNumber: printable(r.ResponseNumber), Reason: reason}
		}
		if err := r.Validate(); err != nil {
			return nil, invalid(err.Error())
		}
		b, err := OrderResponseContent(r)
		if err != nil {
			return nil, invalid(err.Error())
		}
		out[i] = b
	}
	return out, nil
}

// CheckOrderEvents validates a batch for AddOrderEvents: each event must
// pass canonical validation (which requires an event id, an order number, a
// buyer id, a type and a time). It returns the JSON document of each, or an
// error wrapping ErrInvalid that names the event.
func CheckOrderEvents(events []*canonical.OrderEvent) ([][]byte, error) {
	out := make([][]byte, len(events))
	for i, e := range events {
		if e == nil {
			return nil, fmt.Errorf("%w: order event %d: nil", ErrInvalid, i)
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("%w: order event %d (%q of order %q): %v", ErrInvalid, i,
				printable(e.EventID), printable(e.OrderNumber), err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("%w: order event %d: %v", ErrInvalid, i, err)
		}
		out[i] = b
	}
	return out, nil
}
