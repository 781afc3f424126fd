package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
)

// Row error code a catalog item adds to the Builder's.
const (
	// CodeDuplicatePrice: two rows of one catalog item give a price in the
	// same currency from the same day, so neither is the price of that day.
	CodeDuplicatePrice = "duplicate_price"
)

// catalogRecord builds a canonical.CatalogItem from a supplier's catalog or
// price list. Rows are grouped by sku: the item-level cells (supplier,
// description, unit, pack size, ...) must agree across an item's rows, and
// each row is one entry of the item's price list. The record's key is
// "<supplier.id>/<sku>", the item's business key. Since the Builder groups
// by one column, a file holds one supplier's catalog, or suppliers whose
// SKUs differ: the same SKU from a second supplier is a mismatch (next to
// the first's rows) or a split (further down), never a merge.
//
// An item whose rows give no unit price and no validity date has no price
// list (a catalog without prices). Otherwise every row must give a unit
// price: a price left empty is never read as zero. A place written after
// the Incoterm ("FOB Shenzhen") is the item's incoterm_place when that is
// not given; when it is, they must agree.
type catalogRecord struct {
	it     *canonical.CatalogItem
	priced []bool // per price entry: its row gave a unit price
	place  string // the place written with the incoterm, "" when none
}

func (r *catalogRecord) begin() {
	r.it = &canonical.CatalogItem{}
	r.priced, r.place = r.priced[:0], ""
}

func (r *catalogRecord) head(f fieldID, v value) {
	it := r.it
	switch f {
	case fSupplierID:
		it.Supplier.ID = v.s
	case fSupplierName:
		it.Supplier.Name = v.s
	case fItemSKU:
		it.SKU = v.s
	case fItemBuyerSKU:
		it.BuyerSKU = v.s
	case fItemDescription:
		it.Description = v.s
	case fCategory:
		it.Category = v.s
	case fItemUnit:
		it.Unit = canonical.Unit(v.s)
	case fPackSize:
		it.PackSize = v.decimalPtr()
	case fMOQ:
		it.MOQ = v.decimalPtr()
	case fCapacityPerWeek:
		it.CapacityPerWeek = v.decimalPtr()
	case fCapacityPerMonth:
		it.CapacityPerMonth = v.decimalPtr()
	case fLeadTimeDays:
		it.LeadTimeDays = v.n
	case fItemHSCode:
		it.HSCode = canonical.HSCode(v.s)
	case fItemOriginCountry:
		it.OriginCountry = canonical.Country(v.s)
	case fIncoterm:
		it.Incoterm = canonical.Incoterm(v.s)
		r.place = v.place
	case fIncotermPlace:
		it.IncotermPlace = v.s
	case fPaymentTerms:
		it.PaymentTerms = v.s
	}
}

func (r *catalogRecord) newLine() {
	r.it.Prices = append(r.it.Prices, canonical.CatalogPrice{})
	r.priced = append(r.priced, false)
}

func (r *catalogRecord) line(f fieldID, v value) {
	i := len(r.it.Prices) - 1
	p := &r.it.Prices[i]
	switch f {
	case fPriceValidFrom:
		p.ValidFrom = v.date
	case fPriceValidTo:
		p.ValidTo = v.date
	case fPriceCurrency:
		p.Currency = canonical.Currency(v.s)
	case fPriceUnitPrice:
		p.UnitPrice = v.d
		r.priced[i] = true
	}
}

// finish completes the item: its price list, the place of its Incoterm, its
// key and lineage. Problems carry the paths Validate writes (prices[i].x),
// which the Builder turns into the rows' lines.
func (r *catalogRecord) finish(l lineage) (connectors.Record, []canonical.FieldError) {
	it := r.it
	extra := r.checkPrices(l.rows)
	if r.place != "" {
		switch {
		case it.IncotermPlace == "":
			it.IncotermPlace = r.place
		case !strings.EqualFold(strings.TrimSpace(it.IncotermPlace), r.place):
			extra = append(extra, canonical.FieldError{Path: "incoterm_place", Code: CodeOrderMismatch,
				Message: fmt.Sprintf("%s differs from the place written with the incoterm, %s", quote(it.IncotermPlace), quote(r.place))})
		}
	}
	src := l.src
	it.Source = &src
	return connectors.Record{Type: canonical.TypeCatalogItem, Key: it.Supplier.ID + "/" + it.SKU, Value: it}, extra
}

// checkPrices drops the price list of an item that gives no price at all,
// and otherwise reports rows without a unit price and a second price in a
// currency from a day another row already starts a price on. rows holds the
// line of each entry's row.
func (r *catalogRecord) checkPrices(rows []int) []canonical.FieldError {
	it := r.it
	given := false
	for i, p := range it.Prices {
		if r.priced[i] || !p.ValidFrom.IsZero() || !p.ValidTo.IsZero() {
			given = true
			break
		}
	}
	if !given {
		it.Prices = nil // a currency alone (a constant, say) is no price
		return nil
	}
	var extra []canonical.FieldError
	type start struct {
		currency canonical.Currency
		from     canonical.Date
	}
	first := make(map[start]int, len(it.Prices))
	for i, p := range it.Prices {
		path := "prices[" + strconv.Itoa(i) + "]."
		if !r.priced[i] {
			why := "other rows of this catalog item give prices"
			if !p.ValidFrom.IsZero() || !p.ValidTo.IsZero() {
				why = "the row gives a validity date"
			}
			extra = append(extra, canonical.FieldError{Path: path + "unit_price", Code: CodeRequired, Message: "is required: " + why})
			continue
		}
		k := start{p.Currency, p.ValidFrom}
		if j, dup := first[k]; dup && p.Currency != "" {
			from := "without a start date"
			if !p.ValidFrom.IsZero() {
				from = "from " + p.ValidFrom.String()
			}
			line := ""
			if j < len(rows) {
				line = " on line " + strconv.Itoa(rows[j])
			}
			extra = append(extra, canonical.FieldError{Path: path + "valid_from", Code: CodeDuplicatePrice,
				Message: fmt.Sprintf("a %s price %s is already given%s", p.Currency, from, line)})
			continue
		}
		first[k] = i
	}
	return extra
}
