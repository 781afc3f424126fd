package ordering

import (
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// DemandLine is one need of the buyer: so much of an article, by a date, to
// a place. Its JSON form (snake_case, decimal strings, YYYY-MM-DD dates) is
// the one canonical records use. It names the article by the buyer's SKU; the planner finds the
// suppliers that sell it.
type DemandLine struct {
	BuyerSKU string            `json:"buyer_sku"`
	Quantity canonical.Decimal `json:"quantity"`
	// Unit is the unit of Quantity; empty means the catalog item's unit.
	// The planner converts no units: an item sold in another unit is not a
	// candidate for the line.
	Unit   canonical.Unit `json:"unit,omitempty"`
	NeedBy canonical.Date `json:"need_by"`
	// ShipTo is where the goods go (canonical.Order.ShipTo); the zero
	// Address leaves ship_to out and the buyer's country is the destination.
	ShipTo canonical.Address `json:"ship_to,omitzero"`
	// Buyer is the ordering party; the zero Party means the planner's buyer.
	Buyer canonical.Party `json:"buyer,omitzero"`
	// Reference is the buyer's own reference for the need (a requisition
	// number); it is reported back in LinePlan.
	Reference string `json:"reference,omitempty"`
	// Source is where the line was read (file and line); it is copied to
	// every order line made from it.
	Source *canonical.Source `json:"source,omitempty"`
}

// maxQuantity is the largest quantity of one line the validation believes
// (its absurd_quantity default).
var maxQuantity = decimal.NewFromInt(10_000_000)

// check returns why the line cannot be planned, or "".
func (d *DemandLine) check(buyer canonical.Party) string {
	var why []string
	if strings.TrimSpace(d.BuyerSKU) == "" {
		why = append(why, "buyer_sku is required")
	}
	switch {
	case !d.Quantity.IsPositive():
		why = append(why, fmt.Sprintf("quantity must be greater than zero, got %s", d.Quantity))
	case d.Quantity.GreaterThan(maxQuantity):
		why = append(why, fmt.Sprintf("quantity %s is more than the %s believable for one line", d.Quantity, maxQuantity))
	}
	if d.Unit != "" && !d.Unit.Valid() {
		why = append(why, fmt.Sprintf("unit %q is not a UN/ECE Rec 20 code", clip(string(d.Unit))))
	}
	switch {
	case d.NeedBy.IsZero():
		why = append(why, "need_by is required")
	case !d.NeedBy.Valid():
		why = append(why, "need_by is not a calendar date")
	}
	if c := d.ShipTo.Country; c != "" && !c.Valid() {
		why = append(why, fmt.Sprintf("ship_to country %q is not an ISO 3166-1 code", clip(string(c))))
	}
	if c := buyer.Country; c != "" && !c.Valid() {
		why = append(why, fmt.Sprintf("buyer country %q is not an ISO 3166-1 code", clip(string(c))))
	}
	if strings.TrimSpace(buyer.ID) == "" {
		why = append(why, "no buyer: the line names none and the planner has none")
	}
	return strings.Join(why, "; ")
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
