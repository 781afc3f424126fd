package canonical

// CatalogItem is one article in a supplier's catalog: what it is, in which
// unit and packs it is sold, how much the supplier can make, how long it
// takes, what it costs when, and the customs data of the goods. Its business
// key is (supplier.id, sku). The validation rules check orders against it
// and the demand planner picks suppliers from it.
//
// Pack size, MOQ and capacities are in Unit; nil means "no constraint".
type CatalogItem struct {
	Supplier         Party             `json:"supplier"`
	SKU              string            `json:"sku"`
	BuyerSKU         string            `json:"buyer_sku,omitempty"`
	Description      string            `json:"description,omitempty"`
	Specs            map[string]string `json:"specs,omitempty"`
	Category         string            `json:"category,omitempty"`
	Unit             Unit              `json:"unit"`
	PackSize         *Decimal          `json:"pack_size,omitempty"`
	MOQ              *Decimal          `json:"moq,omitempty"`
	CapacityPerWeek  *Decimal          `json:"capacity_per_week,omitempty"`
	CapacityPerMonth *Decimal          `json:"capacity_per_month,omitempty"`
	LeadTimeDays     int               `json:"lead_time_days,omitempty"`
	Prices           []CatalogPrice    `json:"prices,omitempty"`
	HSCode           HSCode            `json:"hs_code,omitempty"`
	OriginCountry    Country           `json:"origin_country,omitempty"`
	Incoterm         Incoterm          `json:"incoterm,omitempty"`
	IncotermPlace    string            `json:"incoterm_place,omitempty"`
	PaymentTerms     string            `json:"payment_terms,omitempty"`
	Source           *Source           `json:"source,omitempty"`
}

// CatalogPrice is one price list entry: the unit price from ValidFrom to
// ValidTo inclusive (an open end when zero).
type CatalogPrice struct {
	ValidFrom Date     `json:"valid_from,omitzero"`
	ValidTo   Date     `json:"valid_to,omitzero"`
	Currency  Currency `json:"currency"`
	UnitPrice Decimal  `json:"unit_price"`
}

// Covers reports whether the entry is valid on d.
func (p CatalogPrice) Covers(d Date) bool {
	if !p.ValidFrom.IsZero() && d.Before(p.ValidFrom) {
		return false
	}
	return p.ValidTo.IsZero() || !p.ValidTo.Before(d)
}

// Validate checks an item and returns every problem as a *ValidationError.
func (it *CatalogItem) Validate() error {
	var p problems
	p.party(field("supplier"), it.Supplier, true)
	p.required(field("sku"), it.SKU)
	p.unit(field("unit"), it.Unit, true)
	for _, q := range []struct {
		name string
		v    *Decimal
	}{{"pack_size", it.PackSize}, {"moq", it.MOQ}, {"capacity_per_week", it.CapacityPerWeek}, {"capacity_per_month", it.CapacityPerMonth}} {
		if q.v != nil && !q.v.IsPositive() {
			p.add(field(q.name), CodeNotPositive, "must be greater than zero when given, got %s", *q.v)
		}
	}
	if it.LeadTimeDays < 0 {
		p.add(field("lead_time_days"), CodeNegative, "must not be negative, got %d", it.LeadTimeDays)
	}
	for i := range it.Prices {
		pr := &it.Prices[i]
		p.date(elem("prices", i, "valid_from"), pr.ValidFrom)
		p.date(elem("prices", i, "valid_to"), pr.ValidTo)
		p.dateOrder(elem("prices", i, "valid_to"), pr.ValidTo, "valid_from", pr.ValidFrom)
		p.currency(elem("prices", i, "currency"), pr.Currency)
		if pr.UnitPrice.IsNegative() {
			p.add(elem("prices", i, "unit_price"), CodeNegative, "must not be negative, got %s", pr.UnitPrice)
		}
	}
	checkCode(&p, field("hs_code"), CodeInvalidHSCode, it.HSCode, HSCode.Valid, ParseHSCode)
	p.country(field("origin_country"), it.OriginCountry)
	checkCode(&p, field("incoterm"), CodeInvalidIncoterm, it.Incoterm, Incoterm.Valid, ParseIncoterm)
	p.source(field("source"), it.Source)
	return p.err()
}

var catalogItemDoc = typeDoc{
	title: "Catalog item",
	desc:  "One article of a supplier's catalog: unit, packs, capacity, lead time, price list and customs data. Business key: (supplier.id, sku).",
	fields: map[string]string{
		"supplier":           "The supplier selling the article; its id is required.",
		"sku":                "The supplier's article number.",
		"buyer_sku":          "The buyer's article number for the same article, when known.",
		"specs":              "Free specifications by name (\"voltage\": \"230 V\").",
		"category":           "Product category; its HS code prefixes make an HS code plausible or not.",
		"unit":               "UN/ECE Rec 20 unit the article is sold in; pack size, MOQ and capacities are in it.",
		"pack_size":          "Ordered quantities are a multiple of it; absent: any quantity.",
		"moq":                "Minimum order quantity; absent: none.",
		"capacity_per_week":  "What the supplier can deliver in a week; absent: no limit.",
		"capacity_per_month": "What the supplier can deliver in a calendar month; absent: no limit.",
		"lead_time_days":     "Days from order to delivery.",
		"prices":             "Price list entries; the one valid on a date, latest-starting first, applies.",
		"hs_code":            "Harmonized System code of the goods, 6 to 10 digits.",
		"origin_country":     "ISO 3166-1 alpha-2 country of origin of the goods.",
		"incoterm":           "Incoterms 2020 rule the supplier quotes.",
		"payment_terms":      "Payment terms the supplier quotes for the article, as written.",
	},
}

var catalogPriceDoc = typeDoc{
	desc: "One price list entry, valid from valid_from to valid_to inclusive (an open end when absent).",
	fields: map[string]string{
		"currency":   "ISO 4217 currency of the price.",
		"unit_price": "Price of one unit, in currency.",
	},
}
