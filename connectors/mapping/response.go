package mapping

import (
	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// responseRecord builds a canonical.OrderResponse: a supplier's
// confirmation, rejection or change of an order.
type responseRecord struct {
	r *canonical.OrderResponse
}

func (r *responseRecord) begin() { r.r = &canonical.OrderResponse{} }

func (r *responseRecord) head(f fieldID, v value) {
	o := r.r
	switch f {
	case fOrderNumber:
		o.OrderNumber = v.s
	case fResponseNumber:
		o.ResponseNumber = v.s
	case fResponseDate:
		o.ResponseDate = v.date
	case fStatus:
		o.Status = canonical.ResponseStatus(v.s)
	case fBuyerID:
		o.Buyer.ID = v.s
	case fBuyerName:
		o.Buyer.Name = v.s
	case fSupplierID:
		o.Supplier.ID = v.s
	case fSupplierName:
		o.Supplier.Name = v.s
	}
}

func (r *responseRecord) newLine() { r.r.Lines = append(r.r.Lines, canonical.OrderResponseLine{}) }

func (r *responseRecord) line(f fieldID, v value) {
	l := &r.r.Lines[len(r.r.Lines)-1]
	switch f {
	case fLineNumber:
		l.LineNumber = v.n
	case fSKU:
		l.SKU = v.s
	case fLineStatus:
		l.Status = canonical.ResponseStatus(v.s)
	case fQuantity:
		l.Quantity = v.decimalPtr()
	case fUnitPrice:
		l.UnitPrice = v.decimalPtr()
	case fLineDeliveryDate:
		l.DeliveryDate = v.date
	}
}

// finish settles the statuses: without a status of its own, the response
// is accepted when every line is, rejected when every line is, and
// changed otherwise; a line without a status takes the response's when
// that is accepted or rejected.
func (r *responseRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	o := r.r
	if o.Status == "" && len(o.Lines) > 0 {
		o.Status = lineStatus(o.Lines)
	}
	if o.Status == canonical.ResponseAccepted || o.Status == canonical.ResponseRejected {
		for i := range o.Lines {
			if o.Lines[i].Status == "" {
				o.Lines[i].Status = o.Status
			}
		}
	}
	src := l.src
	o.Source = &src
	return connectors.Record{Type: canonical.TypeOrderResponse, Key: o.OrderNumber, Value: o}, nil
}

// lineStatus is the status of a response whose lines have these statuses;
// "" when a line has none.
func lineStatus(lines []canonical.OrderResponseLine) canonical.ResponseStatus {
	s := lines[0].Status
	for _, l := range lines {
		switch {
		case l.Status == "":
			return ""
		case l.Status != s:
			s = canonical.ResponseChanged
		}
	}
	return s
}
