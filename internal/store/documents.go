package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// DocumentRow is a stored document as the stores read it back for
// shipments and order responses: who last wrote its content, the content
// and lineage as the JSON text kept, and its version.
type DocumentRow struct {
	Partner     string
	Document    string
	Lineage     *string // nil without a source
	ContentHash string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// decodeDocument reads a stored document of what ("shipment") and puts
// its lineage, when there is one, back where source points.
func decodeDocument[T any](what, document string, lineage *string, source func(*T) **canonical.Source) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(document), v); err != nil {
		return nil, fmt.Errorf("stored %s: %w", what, err)
	}
	if lineage != nil && *lineage != "" {
		src := new(canonical.Source)
		if err := json.Unmarshal([]byte(*lineage), src); err != nil {
			return nil, fmt.Errorf("stored %s lineage: %w", what, err)
		}
		*source(v) = src
	}
	return v, nil
}

// ShipmentOf turns a document row of the shipments table into a StoredShipment.
func ShipmentOf(r DocumentRow) (StoredShipment, error) {
	sh, err := decodeDocument("shipment", r.Document, r.Lineage, func(s *canonical.Shipment) **canonical.Source { return &s.Source })
	if err != nil {
		return StoredShipment{}, err
	}
	return StoredShipment{Partner: r.Partner, Shipment: sh, ContentHash: r.ContentHash, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// OrderResponseOf turns a document row of the order_responses table into a
// StoredOrderResponse.
func OrderResponseOf(r DocumentRow) (StoredOrderResponse, error) {
	resp, err := decodeDocument("order response", r.Document, r.Lineage, func(o *canonical.OrderResponse) **canonical.Source { return &o.Source })
	if err != nil {
		return StoredOrderResponse{}, err
	}
	return StoredOrderResponse{Partner: r.Partner, Response: resp, ContentHash: r.ContentHash, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}
