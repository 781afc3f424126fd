package mapping

import (
	"slices"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// orderRecord builds a canonical.Order. Its lines and their amounts are
// kept in buffers reused from one order to the next; finish copies them
// into the order, with one allocation each for the lines, their amounts
// and their sources.
type orderRecord struct {
	o       *canonical.Order
	lines   []canonical.OrderLine
	amounts []optDecimal // the amount of each line, pointed to by finish
}

func (r *orderRecord) begin() {
	r.o = &canonical.Order{}
	r.lines, r.amounts = r.lines[:0], r.amounts[:0]
}

// head stores an order-level value.
func (r *orderRecord) head(f fieldID, v value) {
	o := r.o
	switch f {
	case fOrderNumber:
		o.OrderNumber = v.s
	case fOrderDate:
		o.OrderDate = v.date
	case fBuyerID:
		o.Buyer.ID = v.s
	case fBuyerName:
		o.Buyer.Name = v.s
	case fSupplierID:
		o.Supplier.ID = v.s
	case fSupplierName:
		o.Supplier.Name = v.s
	case fCurrency:
		o.Currency = canonical.Currency(v.s)
	case fIncoterm:
		o.Incoterm = canonical.Incoterm(v.s)
	case fIncotermPlace:
		o.IncotermPlace = v.s
	case fPaymentTerms:
		o.PaymentTerms = v.s
	case fRequestedDeliveryDate:
		o.RequestedDeliveryDate = v.date
	case fShipToName:
		shipTo(o).Name = v.s
	case fShipToCountry:
		shipTo(o).Country = canonical.Country(v.s)
	case fTotalAmount:
		o.TotalAmount = v.decimalPtr()
	}
}

func shipTo(o *canonical.Order) *canonical.Address {
	if o.ShipTo == nil {
		o.ShipTo = &canonical.Address{}
	}
	return o.ShipTo
}

func (r *orderRecord) newLine() {
	r.lines = append(r.lines, canonical.OrderLine{})
	r.amounts = append(r.amounts, optDecimal{})
}

// line stores a value of the last line. A line amount goes to amounts:
// finish points the line's Amount at it, so that a row costs no extra
// allocation.
func (r *orderRecord) line(f fieldID, v value) {
	l := &r.lines[len(r.lines)-1]
	switch f {
	case fLineNumber:
		l.LineNumber = v.n
	case fSKU:
		l.SKU = v.s
	case fBuyerSKU:
		l.BuyerSKU = v.s
	case fGTIN:
		l.GTIN = v.s
	case fDescription:
		l.Description = v.s
	case fQuantity:
		l.Quantity = v.d
	case fUnit:
		l.Unit = canonical.Unit(v.s)
	case fUnitPrice:
		l.UnitPrice = v.d
	case fAmount:
		r.amounts[len(r.amounts)-1] = optDecimal{d: v.d, ok: true}
	case fHSCode:
		l.HSCode = canonical.HSCode(v.s)
	case fOriginCountry:
		l.OriginCountry = canonical.Country(v.s)
	}
}

// finish completes the order: line numbers, amounts and lineage.
func (r *orderRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	o := r.o
	o.Lines = slices.Clone(r.lines)
	src := l.src
	o.Source = &src
	sources := make([]canonical.Source, len(o.Lines))
	var amounts []canonical.Decimal
	for i := range o.Lines {
		line := &o.Lines[i]
		if l.autoNumber {
			line.LineNumber = i + 1
		}
		if a := r.amounts[i]; a.ok {
			if amounts == nil {
				amounts = make([]canonical.Decimal, 0, len(o.Lines)-i)
			}
			amounts = append(amounts, a.d)
			line.Amount = &amounts[len(amounts)-1]
		}
		sources[i] = canonical.Source{Sheet: src.Sheet, Line: l.rows[i]}
		line.Source = &sources[i]
	}
	return connectors.Record{Type: canonical.TypeOrder, Key: o.OrderNumber, Value: o}, nil
}
