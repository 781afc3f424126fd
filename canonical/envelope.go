package canonical

import (
	"encoding/json"
	"fmt"
)

// Type names of the canonical records, as printed by `procurehub parse` and
// carried in CloudEvents ce_type ("procurehub.order.v1").
const (
	TypeOrder           = "order"
	TypeOrderResponse   = "order_response"
	TypeShipment        = "shipment"
	TypeTrackingEvent   = "tracking_event"
	TypeInvoice         = "invoice"
	TypeBankStatement   = "bank_statement"
	TypeBankTransaction = "bank_transaction" // one entry with its statement: the message of the bank-transactions topic
	TypeOrderEvent      = "order_event"
	TypeCatalogItem     = "catalog_item"
)

// Envelope is one typed canonical record: {"type": "order", "data": {...}}.
type Envelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// TypeOf returns the canonical type name of a record value.
func TypeOf(v any) (string, error) {
	switch v.(type) {
	case *Order, Order:
		return TypeOrder, nil
	case *OrderResponse, OrderResponse:
		return TypeOrderResponse, nil
	case *Shipment, Shipment:
		return TypeShipment, nil
	case *TrackingEvent, TrackingEvent:
		return TypeTrackingEvent, nil
	case *Invoice, Invoice:
		return TypeInvoice, nil
	case *BankStatement, BankStatement:
		return TypeBankStatement, nil
	case *StatementEntry, StatementEntry:
		return TypeBankTransaction, nil
	case *OrderEvent, OrderEvent:
		return TypeOrderEvent, nil
	case *CatalogItem, CatalogItem:
		return TypeCatalogItem, nil
	}
	return "", fmt.Errorf("canonical: %T is not a canonical record", v)
}

// Wrap encodes v in an Envelope.
func Wrap(v any) (Envelope, error) {
	t, err := TypeOf(v)
	if err != nil {
		return Envelope{}, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Envelope{}, fmt.Errorf("canonical: encode %s: %w", t, err)
	}
	return Envelope{Type: t, Data: b}, nil
}
