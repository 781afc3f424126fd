// Package catalog is what procurehub knows about suppliers and their items:
// currency, country, rating and payment terms of a supplier; unit, pack
// size, MOQ, capacity, lead time, price list, HS code and origin of an item.
// The validation rules check orders against it. A catalog is read-only once
// built and safe for concurrent use.
package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// Rating is a supplier's rating: A (best), B or C.
type Rating string

// The ratings.
const (
	RatingA Rating = "A"
	RatingB Rating = "B"
	RatingC Rating = "C"
)

// Valid reports whether r is A, B or C.
func (r Rating) Valid() bool { return r == RatingA || r == RatingB || r == RatingC }

// Supplier is a supplier as the buyer has onboarded it.
type Supplier struct {
	ID            string
	Name          string
	Currency      canonical.Currency
	Country       canonical.Country
	Rating        Rating
	PaymentTerms  []string // the terms the supplier offers, as written ("T/T 30% deposit 70% against B/L copy")
	Incoterm      canonical.Incoterm
	IncotermPlace string
}

// Price is one price list entry: the unit price of an item from ValidFrom to
// ValidTo inclusive (an open end when zero).
type Price struct {
	ValidFrom canonical.Date
	ValidTo   canonical.Date
	Currency  canonical.Currency
	UnitPrice canonical.Decimal
}

// Covers reports whether the entry is valid on d.
func (p Price) Covers(d canonical.Date) bool {
	if !p.ValidFrom.IsZero() && d.Before(p.ValidFrom) {
		return false
	}
	if !p.ValidTo.IsZero() && p.ValidTo.Before(d) {
		return false
	}
	return true
}

// Item is one article a supplier sells. Zero PackSize, MOQ and capacities
// mean "no constraint".
type Item struct {
	SupplierID       string
	SKU              string
	BuyerSKU         string
	Description      string
	Specs            map[string]string
	Unit             canonical.Unit
	PackSize         canonical.Decimal
	MOQ              canonical.Decimal
	CapacityPerWeek  canonical.Decimal
	CapacityPerMonth canonical.Decimal
	LeadTimeDays     int
	Prices           []Price
	HSCode           canonical.HSCode
	Category         string
	OriginCountry    canonical.Country
	Incoterm         canonical.Incoterm
	IncotermPlace    string
	PaymentTerms     string
}

// PriceOn returns the price list entry valid on d, the latest-starting one
// when entries overlap.
func (it *Item) PriceOn(d canonical.Date) (Price, bool) {
	var best Price
	found := false
	for _, p := range it.Prices {
		if p.Covers(d) && (!found || best.ValidFrom.Before(p.ValidFrom)) {
			best, found = p, true
		}
	}
	return best, found
}

// Category is a product category with the HS code prefixes (chapters,
// headings or subheadings) that are plausible for it.
type Category struct {
	Name       string
	HSPrefixes []string
}

// Plausible reports whether h starts with one of the category's prefixes.
// A category without prefixes accepts every code.
func (c *Category) Plausible(h canonical.HSCode) bool {
	if len(c.HSPrefixes) == 0 {
		return true
	}
	for _, p := range c.HSPrefixes {
		if strings.HasPrefix(string(h), p) {
			return true
		}
	}
	return false
}

type itemKey struct{ supplier, sku string }

// Catalog holds suppliers, items and categories with lookups.
type Catalog struct {
	suppliers  map[string]*Supplier
	supplierIx []string
	items      map[itemKey]*Item
	buyerSKUs  map[itemKey]*Item
	bySupplier map[string][]*Item
	categories map[string]*Category
}

// New builds a catalog. It returns an error for a duplicate supplier, a
// duplicate SKU of one supplier, or an item of an unknown supplier.
func New(suppliers []Supplier, items []Item, categories []Category) (*Catalog, error) {
	c := &Catalog{
		suppliers:  make(map[string]*Supplier, len(suppliers)),
		items:      make(map[itemKey]*Item, len(items)),
		buyerSKUs:  make(map[itemKey]*Item),
		bySupplier: make(map[string][]*Item),
		categories: make(map[string]*Category, len(categories)),
	}
	for i := range suppliers {
		s := suppliers[i]
		if s.ID == "" {
			return nil, fmt.Errorf("catalog: supplier %d has no id", i)
		}
		if _, dup := c.suppliers[s.ID]; dup {
			return nil, fmt.Errorf("catalog: supplier %s is listed twice", s.ID)
		}
		c.suppliers[s.ID] = &s
		c.supplierIx = append(c.supplierIx, s.ID)
	}
	slices.Sort(c.supplierIx)
	for i := range items {
		it := items[i]
		if _, ok := c.suppliers[it.SupplierID]; !ok {
			return nil, fmt.Errorf("catalog: item %s: unknown supplier %q", it.SKU, it.SupplierID)
		}
		if it.SKU == "" {
			return nil, fmt.Errorf("catalog: item %d of supplier %s has no sku", i, it.SupplierID)
		}
		k := itemKey{it.SupplierID, it.SKU}
		if _, dup := c.items[k]; dup {
			return nil, fmt.Errorf("catalog: supplier %s: sku %s is listed twice", it.SupplierID, it.SKU)
		}
		p := &it
		c.items[k] = p
		if it.BuyerSKU != "" {
			c.buyerSKUs[itemKey{it.SupplierID, it.BuyerSKU}] = p
		}
		c.bySupplier[it.SupplierID] = append(c.bySupplier[it.SupplierID], p)
	}
	for i := range categories {
		cat := categories[i]
		c.categories[cat.Name] = &cat
	}
	return c, nil
}

// Supplier returns the supplier with this id.
func (c *Catalog) Supplier(id string) (*Supplier, bool) {
	if c == nil {
		return nil, false
	}
	s, ok := c.suppliers[id]
	return s, ok
}

// Suppliers returns the suppliers sorted by id.
func (c *Catalog) Suppliers() []*Supplier {
	out := make([]*Supplier, 0, len(c.supplierIx))
	for _, id := range c.supplierIx {
		out = append(out, c.suppliers[id])
	}
	return out
}

// Item returns the supplier's item with this SKU.
func (c *Catalog) Item(supplierID, sku string) (*Item, bool) {
	if c == nil {
		return nil, false
	}
	it, ok := c.items[itemKey{supplierID, sku}]
	return it, ok
}

// ItemByBuyerSKU returns the supplier's item the buyer calls buyerSKU.
func (c *Catalog) ItemByBuyerSKU(supplierID, buyerSKU string) (*Item, bool) {
	if c == nil {
		return nil, false
	}
	it, ok := c.buyerSKUs[itemKey{supplierID, buyerSKU}]
	return it, ok
}

// Items returns the supplier's items in catalog order.
func (c *Catalog) Items(supplierID string) []*Item {
	if c == nil {
		return nil
	}
	return slices.Clone(c.bySupplier[supplierID])
}

// Category returns the category with this name.
func (c *Catalog) Category(name string) (*Category, bool) {
	if c == nil {
		return nil, false
	}
	cat, ok := c.categories[name]
	return cat, ok
}

// Commitments says how much of an item is already ordered for delivery in a
// period. The store implements it; a nil Commitments means nothing is.
type Commitments interface {
	// Committed returns the quantity of the supplier's SKU already ordered
	// for delivery from from to to inclusive.
	Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error)
}

// Capacity is what is left of an item's capacity in the week (Monday to
// Sunday) and the month of a date. A period without a stated capacity has
// Limited false.
type Capacity struct {
	Week, Month               Period
	WeekLimited, MonthLimited bool
}

// Period is one capacity period: its dates, the capacity, what is already
// committed and what remains (may be negative when overbooked).
type Period struct {
	From, To  canonical.Date
	Capacity  decimal.Decimal
	Committed decimal.Decimal
	Remaining decimal.Decimal
}

// RemainingCapacity returns what is left of the item's weekly and monthly
// capacity around date on, given what committed already holds.
func RemainingCapacity(ctx context.Context, committed Commitments, it *Item, on canonical.Date) (Capacity, error) {
	var c Capacity
	if !on.Valid() {
		return c, fmt.Errorf("catalog: capacity: %s is not a date", on)
	}
	t := on.Time()
	weekStart := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	monthStart := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	periods := []struct {
		limit    canonical.Decimal
		from, to time.Time
		out      *Period
		limited  *bool
	}{
		{it.CapacityPerWeek, weekStart, weekStart.AddDate(0, 0, 6), &c.Week, &c.WeekLimited},
		{it.CapacityPerMonth, monthStart, monthStart.AddDate(0, 1, -1), &c.Month, &c.MonthLimited},
	}
	for _, p := range periods {
		if !p.limit.IsPositive() {
			continue
		}
		*p.limited = true
		per := Period{From: canonical.DateOf(p.from), To: canonical.DateOf(p.to), Capacity: p.limit.Decimal}
		if committed != nil {
			q, err := committed.Committed(ctx, it.SupplierID, it.SKU, per.From, per.To)
			if err != nil {
				return c, fmt.Errorf("catalog: committed quantity of %s/%s: %w", it.SupplierID, it.SKU, err)
			}
			per.Committed = q
		}
		per.Remaining = per.Capacity.Sub(per.Committed)
		*p.out = per
	}
	return c, nil
}
