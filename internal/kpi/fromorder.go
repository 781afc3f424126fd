package kpi

import (
	"github.com/procurehub/procurehub/internal/store"
)

// FactFromOrder is the fact of an order the status projector has not seen
// yet: one that nothing happened to since it reached the hub (no
// response, shipment, carrier or order event). Its state is its stored
// status; it needed correction when validation holds it for review.
func FactFromOrder(o store.StoredOrder) store.OrderFact {
	f := store.OrderFact{
		BuyerID:       o.Order.Buyer.ID,
		OrderNumber:   o.Order.OrderNumber,
		SupplierID:    o.Order.Supplier.ID,
		Origin:        o.Order.Supplier.Country,
		Currency:      o.Order.Currency,
		OrderDate:     o.Order.OrderDate,
		RequestedDate: o.Order.RequestedDeliveryDate,
		State:         o.Status,
		CreatedAt:     o.CreatedAt.UTC(),
		LastUpdateAt:  o.UpdatedAt.UTC(),
		// needs_review is the lifecycle state validation errors put an
		// order in.
		NeededCorrection: o.Status == "needs_review",
	}
	if o.Order.ShipTo != nil {
		f.Destination = o.Order.ShipTo.Country
	}
	if o.Order.TotalAmount != nil {
		f.TotalAmount = *o.Order.TotalAmount
	}
	return f
}
