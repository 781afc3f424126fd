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
	// EventProductionProgress is a supplier's report of how far production
	// of an order (or of one of its lines) has come; its Data is a
	// ProductionProgress.
	EventProductionProgress OrderEventType = "production_progress"
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

// ProductionProgress is the Data of an EventProductionProgress event:
// {"percent_complete": "45", "expected_ready_date": "2026-03-01",
// "line_number": 10, "sku": "...", "note": "..."}. A report without a
// line is about the whole order.
type ProductionProgress struct {
	PercentComplete   *Decimal `json:"percent_complete,omitempty"` // 0 to 100
	ExpectedReadyDate Date     `json:"expected_ready_date,omitzero"`
	LineNumber        int      `json:"line_number,omitempty"`
	SKU               string   `json:"sku,omitempty"`
	Note              string   `json:"note,omitempty"`
}

// Schema descriptions (see schema.go).

var orderEventDoc = typeDoc{
	title: "Order event",
	desc:  "One entry in an order's timeline, from any source.",
	fields: map[string]string{
		"event_id":     "Unique event identifier; consumers deduplicate on it.",
		"order_number": "The buyer's order number.",
		"buyer_id":     "The buyer's party id; with order_number, the order's key.",
		"type":         "What happened, snake_case (order_created, order_updated...).",
		"actor":        "Who caused the event (a user, a partner, a connector).",
		"summary":      "One human-readable line.",
		"data":         "Event details, any JSON value.",
	},
}
