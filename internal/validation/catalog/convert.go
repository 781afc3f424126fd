package catalog

import (
	"maps"

	"github.com/procurehub/procurehub/canonical"
)

// ItemOf converts a canonical catalog item (an imported price list row, an
// item posted to the API) into a catalog Item. Absent pack size, MOQ and
// capacities become zero ("no constraint"); the lineage is dropped. This
// and Canonical are the one place the two shapes meet.
func ItemOf(ci *canonical.CatalogItem) Item {
	it := Item{
		SupplierID: ci.Supplier.ID, SKU: ci.SKU, BuyerSKU: ci.BuyerSKU, Description: ci.Description,
		Specs: maps.Clone(ci.Specs), Unit: ci.Unit, LeadTimeDays: ci.LeadTimeDays, HSCode: ci.HSCode,
		Category: ci.Category, OriginCountry: ci.OriginCountry, Incoterm: ci.Incoterm,
		IncotermPlace: ci.IncotermPlace, PaymentTerms: ci.PaymentTerms,
		PackSize: orZero(ci.PackSize), MOQ: orZero(ci.MOQ),
		CapacityPerWeek: orZero(ci.CapacityPerWeek), CapacityPerMonth: orZero(ci.CapacityPerMonth),
	}
	for _, p := range ci.Prices {
		it.Prices = append(it.Prices, Price(p))
	}
	return it
}

// Canonical converts an item back into a canonical catalog item of
// supplier s (nil: the supplier's id alone). Zero pack size, MOQ and
// capacities become absent.
func (it *Item) Canonical(s *Supplier) canonical.CatalogItem {
	ci := canonical.CatalogItem{
		Supplier: canonical.Party{ID: it.SupplierID}, SKU: it.SKU, BuyerSKU: it.BuyerSKU, Description: it.Description,
		Specs: maps.Clone(it.Specs), Category: it.Category, Unit: it.Unit, LeadTimeDays: it.LeadTimeDays,
		HSCode: it.HSCode, OriginCountry: it.OriginCountry, Incoterm: it.Incoterm,
		IncotermPlace: it.IncotermPlace, PaymentTerms: it.PaymentTerms,
		PackSize: orNil(it.PackSize), MOQ: orNil(it.MOQ),
		CapacityPerWeek: orNil(it.CapacityPerWeek), CapacityPerMonth: orNil(it.CapacityPerMonth),
	}
	if s != nil {
		ci.Supplier = canonical.Party{ID: s.ID, Name: s.Name, Country: s.Country}
	}
	for _, p := range it.Prices {
		ci.Prices = append(ci.Prices, canonical.CatalogPrice(p))
	}
	return ci
}

// supplierOf is the minimal supplier an item of a supplier the catalog
// file does not list makes: its id, name and country from the item's
// supplier party, its currency from the item's first price.
func supplierOf(ci *canonical.CatalogItem) Supplier {
	s := Supplier{ID: ci.Supplier.ID, Name: ci.Supplier.Name, Country: ci.Supplier.Country}
	if len(ci.Prices) > 0 {
		s.Currency = ci.Prices[0].Currency
	}
	return s
}

func orZero(d *canonical.Decimal) canonical.Decimal {
	if d == nil {
		return canonical.Decimal{}
	}
	return *d
}

func orNil(d canonical.Decimal) *canonical.Decimal {
	if d.IsZero() {
		return nil
	}
	return &d
}
