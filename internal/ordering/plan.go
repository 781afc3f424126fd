package ordering

import (
	"fmt"

	"github.com/procurehub/procurehub/canonical"
)

// Plan is what the planner would order: the purchase orders and, for every
// demand line, how it was planned. Making a Plan changes nothing anywhere;
// the caller creates the orders (stores, publishes) or, for a dry run,
// only shows them.
type Plan struct {
	// Date is the planning day, the order date of every order.
	Date       canonical.Date `json:"date"`
	Preference Preference     `json:"preference"`
	// Orders are sorted by requested delivery date, supplier, buyer, ship-to,
	// currency, incoterm and payment terms, and numbered in that order.
	Orders []canonical.Order `json:"orders"`
	// Lines has one entry per demand line, in the order of the demand.
	Lines []LinePlan `json:"lines"`
}

// Unplanned returns the demand lines of which nothing, or not all, was planned.
func (p *Plan) Unplanned() []LinePlan {
	var out []LinePlan
	for _, l := range p.Lines {
		if l.Status != StatusPlanned {
			out = append(out, l)
		}
	}
	return out
}

// Status is how much of a demand line was planned.
type Status string

// The statuses.
const (
	StatusPlanned   Status = "planned"   // all of it, maybe rounded up, split or late (see the notes)
	StatusPartial   Status = "partial"   // some of it; a capacity_short note says what is missing
	StatusUnplanned Status = "unplanned" // none of it; a note says why
)

// LinePlan is how one demand line was planned.
type LinePlan struct {
	// Index is the line's position in the demand (0-based).
	Index     int               `json:"index"`
	Reference string            `json:"reference,omitempty"`
	BuyerSKU  string            `json:"buyer_sku"`
	Source    *canonical.Source `json:"source,omitempty"`
	Demand    canonical.Decimal `json:"demand"`
	// Planned is the quantity ordered for the line: the demand rounded up to
	// pack sizes and MOQs, or less when capacity ran out.
	Planned     canonical.Decimal `json:"planned"`
	Status      Status            `json:"status"`
	Allocations []Allocation      `json:"allocations,omitempty"`
	Notes       []Note            `json:"notes,omitempty"`
}

// HasNote reports whether the line has a note with this code.
func (l *LinePlan) HasNote(code NoteCode) bool {
	for _, n := range l.Notes {
		if n.Code == code {
			return true
		}
	}
	return false
}

// Allocation is one order line made for a demand line.
type Allocation struct {
	OrderNumber  string            `json:"order_number"`
	LineNumber   int               `json:"line_number"`
	SupplierID   string            `json:"supplier_id"`
	SKU          string            `json:"sku"`
	Quantity     canonical.Decimal `json:"quantity"`
	DeliveryDate canonical.Date    `json:"delivery_date"`
}

// NoteCode is a stable code of a Note.
type NoteCode string

// The note codes.
const (
	NoteRounded       NoteCode = "rounded"        // the quantity was rounded up to a pack size, the MOQ or a whole number
	NoteSplit         NoteCode = "split"          // capacity split the line over deliveries or suppliers
	NoteLate          NoteCode = "late"           // a delivery is after need_by: "late by N days"
	NoteNoSupplier    NoteCode = "no_supplier"    // no catalog item can serve the line (unplanned)
	NoteInvalidDemand NoteCode = "invalid_demand" // the demand line itself is wrong (unplanned)
	NoteCapacityShort NoteCode = "capacity_short" // capacity ran out before the whole quantity was planned
)

// Note says something about how a demand line was planned.
type Note struct {
	Code    NoteCode `json:"code"`
	Message string   `json:"message"`
}

func (n Note) String() string { return string(n.Code) + ": " + n.Message }

func (l *LinePlan) note(code NoteCode, format string, args ...any) {
	l.Notes = append(l.Notes, Note{Code: code, Message: fmt.Sprintf(format, args...)})
}
