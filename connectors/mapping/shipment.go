package mapping

import (
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// shipmentRecord builds a canonical.Shipment from an advance ship notice.
type shipmentRecord struct {
	s *canonical.Shipment
}

func (r *shipmentRecord) begin() { r.s = &canonical.Shipment{} }

func (r *shipmentRecord) head(f fieldID, v value) {
	s := r.s
	switch f {
	case fShipmentID:
		s.ShipmentID = v.s
	case fOrderNumbers:
		s.OrderNumbers = splitList(v.s)
	case fShipDate:
		s.ShipDate = v.date
	case fEstimatedArrival:
		s.EstimatedArrival = v.date
	case fCarrier:
		s.Carrier = v.s
	case fTrackingNumbers:
		s.TrackingNumbers = splitList(v.s)
	case fPackages:
		s.Packages = v.n
	case fGrossWeightValue:
		weight(s).Value = v.d
	case fGrossWeightUnit:
		weight(s).Unit = canonical.Unit(v.s)
	case fBuyerID:
		s.Buyer.ID = v.s
	case fBuyerName:
		s.Buyer.Name = v.s
	case fSupplierID:
		s.Supplier.ID = v.s
	case fSupplierName:
		s.Supplier.Name = v.s
	}
}

func weight(s *canonical.Shipment) *canonical.Weight {
	if s.GrossWeight == nil {
		s.GrossWeight = &canonical.Weight{}
	}
	return s.GrossWeight
}

func (r *shipmentRecord) newLine() { r.s.Lines = append(r.s.Lines, canonical.ShipmentLine{}) }

func (r *shipmentRecord) line(f fieldID, v value) {
	l := &r.s.Lines[len(r.s.Lines)-1]
	switch f {
	case fLineOrderNumber:
		l.OrderNumber = v.s
	case fLineNumber:
		l.LineNumber = v.n
	case fSKU:
		l.SKU = v.s
	case fGTIN:
		l.GTIN = v.s
	case fQuantity:
		l.Quantity = v.d
	case fUnit:
		l.Unit = canonical.Unit(v.s)
	}
}

// finish links lines and orders: a line without an order number ships
// against the shipment's order when it names exactly one, and an order a
// line names is added to order_numbers when it is not there.
func (r *shipmentRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	s := r.s
	s.OrderNumbers = linkOrders(s.OrderNumbers, len(s.Lines), func(i int) *string { return &s.Lines[i].OrderNumber })
	src := l.src
	s.Source = &src
	return connectors.Record{Type: canonical.TypeShipment, Key: s.ShipmentID, Value: s}, nil
}

// linkOrders fills the empty order numbers of n lines with the document's
// only order number, and returns the document's order numbers with those
// the lines name added, in the order they first appear.
func linkOrders(orders []string, n int, lineOrder func(i int) *string) []string {
	if len(orders) == 1 {
		for i := 0; i < n; i++ {
			if p := lineOrder(i); *p == "" {
				*p = orders[0]
			}
		}
	}
	for i := 0; i < n; i++ {
		if o := *lineOrder(i); o != "" && !slices.Contains(orders, o) {
			orders = append(orders, o)
		}
	}
	return orders
}

// listSeparators separate the entries of a list cell ("4500012345; 4500012346").
const listSeparators = ",;"

// normalizeList trims the entries of a list cell and drops empty ones; the
// value keeps them joined by ";".
func normalizeList(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(listSeparators, r) })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ";")
}

// splitList returns the entries of a normalized list value.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}
