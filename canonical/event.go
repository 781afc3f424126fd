package canonical

import (
	"encoding/json"
	"time"
)

// OrderEventType names what happened to an order.
type OrderEventType string

const (
	EventOrderCreated  OrderEventType = "order_created"
	EventOrderUpdated  OrderEventType = "order_updated"
	EventOrderRejected OrderEventType = "order_rejected"
)

// OrderEvent is one entry in an order's timeline, from any source.
type OrderEvent struct {
	EventID     string          `json:"event_id"`
	OrderNumber string          `json:"order_number"`
	BuyerID     string          `json:"buyer_id"`
	Type        OrderEventType  `json:"type"`
	OccurredAt  time.Time       `json:"occurred_at"`
	Actor       string          `json:"actor,omitempty"`
	Summary     string          `json:"summary,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	Source      *Source         `json:"source,omitempty"`
}
