// Package ordergen makes orders from a catalog: clean ones that pass every
// validation rule, and ones with one known error injected, recording the
// kind of error and the rule ids expected to catch it. It is deterministic
// for a seed (math/rand/v2 PCG), for tests and the simulator.
package ordergen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

// Kind is a kind of injected error.
type Kind string

// The kinds of error Inject makes, each with the rules expected to catch it
// (see Expected).
const (
	MissingOrderNumber     Kind = "missing_order_number"
	MissingDeliveryDate    Kind = "missing_delivery_date"
	BadCurrencyCode        Kind = "bad_currency_code"
	BadCountryCode         Kind = "bad_country_code"
	BadUnitCode            Kind = "bad_unit_code"
	SeaIncotermNotBySea    Kind = "sea_incoterm_not_by_sea"
	MalformedHSCode        Kind = "malformed_hs_code"
	MissingHSCode          Kind = "missing_hs_code"
	WrongHSCode            Kind = "wrong_hs_code"
	MissingOrigin          Kind = "missing_origin"
	WrongOrigin            Kind = "wrong_origin"
	UnknownSupplier        Kind = "unknown_supplier"
	UnknownSKU             Kind = "unknown_sku"
	AbsurdQuantity         Kind = "absurd_quantity"
	BelowMOQ               Kind = "below_moq"
	NotPackMultiple        Kind = "not_pack_multiple"
	OverCapacity           Kind = "over_capacity"
	PriceOffList           Kind = "price_off_list"
	PriceTooPrecise        Kind = "price_too_precise"
	WrongCurrency          Kind = "wrong_currency"
	PaymentDaysOverPolicy  Kind = "payment_days_over_policy"
	UnreadablePaymentTerms Kind = "unreadable_payment_terms"
	DeliveryBeforeLeadTime Kind = "delivery_before_lead_time"
	DeliveryInPast         Kind = "delivery_in_past"
	LineAmountMismatch     Kind = "line_amount_mismatch"
	TotalMismatch          Kind = "total_mismatch"
	DuplicateOrder         Kind = "duplicate_order"
)

var expected = map[Kind][]string{
	MissingOrderNumber:     {validation.RuleRequiredFields},
	MissingDeliveryDate:    {validation.RuleRequiredFields},
	BadCurrencyCode:        {validation.RuleCurrencyCode},
	BadCountryCode:         {validation.RuleCountryCode},
	BadUnitCode:            {validation.RuleUnitCode},
	SeaIncotermNotBySea:    {validation.RuleIncotermTransportMode},
	MalformedHSCode:        {validation.RuleHSCodeFormat},
	MissingHSCode:          {validation.RuleHSCodeFormat},
	WrongHSCode:            {validation.RuleHSCodeCatalog},
	MissingOrigin:          {validation.RuleOriginCountry},
	WrongOrigin:            {validation.RuleOriginCountry},
	UnknownSupplier:        {validation.RuleUnknownSupplier},
	UnknownSKU:             {validation.RuleUnknownSKU},
	AbsurdQuantity:         {validation.RuleAbsurdQuantity},
	BelowMOQ:               {validation.RuleMOQ},
	NotPackMultiple:        {validation.RulePackSize},
	OverCapacity:           {validation.RuleCapacity},
	PriceOffList:           {validation.RulePriceList},
	PriceTooPrecise:        {validation.RulePricePrecision},
	WrongCurrency:          {validation.RuleSupplierCurrency},
	PaymentDaysOverPolicy:  {validation.RulePaymentTermsPolicy},
	UnreadablePaymentTerms: {validation.RulePaymentTermsPolicy},
	DeliveryBeforeLeadTime: {validation.RuleLeadTime},
	DeliveryInPast:         {validation.RuleDateInPast},
	LineAmountMismatch:     {validation.RuleAmountsAddUp},
	TotalMismatch:          {validation.RuleAmountsAddUp},
	DuplicateOrder:         {validation.RuleDuplicateOrder},
}

// Kinds lists every kind Inject makes, in a stable order.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(expected))
	for k := range expected {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Expected returns the rule ids expected to catch kind k; any one of them
// catching it counts.
func Expected(k Kind) []string { return slices.Clone(expected[k]) }

// Injected is an order with one known error.
type Injected struct {
	Kind     Kind
	Input    validation.Input
	Expected []string
	// Prior is, for DuplicateOrder, the order this one duplicates: it must be
	// known to the order index for the duplicate to be seen.
	Prior *canonical.Order
	// Detail says what was changed, for a test's failure message.
	Detail string
}

// Generator makes orders. It is not safe for concurrent use.
type Generator struct {
	cat       *catalog.Catalog
	rng       *rand.Rand
	today     canonical.Date
	suppliers []*catalog.Supplier
	n         int
	keys      map[string]bool
	made      []canonical.Order

	// Buyer and ShipTo are the ordering party and where goods go.
	Buyer  canonical.Party
	ShipTo canonical.Address
}

// New returns a generator over the catalog's suppliers that have items
// priced on today. The same catalog, seed and today give the same orders.
func New(cat *catalog.Catalog, seed uint64, today canonical.Date) (*Generator, error) {
	g := &Generator{
		cat: cat, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), today: today, keys: map[string]bool{},
		Buyer:  canonical.Party{ID: "BUY-DE-01", Name: "Nordhafen Handel GmbH", Country: "DE"},
		ShipTo: canonical.Address{Name: "Nordhafen DC", City: "Hamburg", PostalCode: "20457", Country: "DE"},
	}
	for _, s := range cat.Suppliers() {
		if len(g.priced(s)) > 0 && len(s.PaymentTerms) > 0 {
			g.suppliers = append(g.suppliers, s)
		}
	}
	if len(g.suppliers) == 0 {
		return nil, fmt.Errorf("ordergen: no supplier has payment terms and items priced on %s", today)
	}
	return g, nil
}

// priced returns the supplier's items with a price in its currency over the
// last 20 days up to today.
func (g *Generator) priced(s *catalog.Supplier) []*catalog.Item {
	var out []*catalog.Item
	for _, it := range g.cat.Items(s.ID) {
		ok := true
		for d := 0; d <= 20 && ok; d += 20 {
			p, found := it.PriceOn(g.addDays(g.today, -d))
			ok = found && p.Currency == s.Currency
		}
		if ok && it.Unit != "" {
			out = append(out, it)
		}
	}
	return out
}

func (g *Generator) addDays(d canonical.Date, n int) canonical.Date {
	return canonical.DateOf(d.Time().AddDate(0, 0, n))
}

func dec(d decimal.Decimal) canonical.Decimal { return canonical.NewDecimal(d) }

// Clean returns an order that passes every rule with the default config
// and the catalog, and that duplicates no order made before.
func (g *Generator) Clean() validation.Input {
	for {
		in := g.build()
		k := validation.DuplicateKey(&in.Order)
		if g.keys[k] {
			continue
		}
		g.keys[k] = true
		g.made = append(g.made, in.Order)
		return in
	}
}

func (g *Generator) build() validation.Input {
	g.n++
	s := g.suppliers[g.rng.IntN(len(g.suppliers))]
	items := g.priced(s)
	g.rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	items = items[:1+g.rng.IntN(min(3, len(items)))]

	orderDate := g.addDays(g.today, -g.rng.IntN(15))
	lead := 0
	for _, it := range items {
		lead = max(lead, it.LeadTimeDays)
	}
	delivery := g.addDays(orderDate, lead)
	if delivery.Before(g.today) || delivery == g.today {
		delivery = g.addDays(g.today, 1)
	}
	delivery = g.addDays(delivery, g.rng.IntN(60))

	o := canonical.Order{
		OrderNumber:           fmt.Sprintf("PO-%07d", g.n),
		OrderDate:             orderDate,
		Buyer:                 g.Buyer,
		Supplier:              canonical.Party{ID: s.ID, Name: s.Name, Country: s.Country},
		Currency:              s.Currency,
		Incoterm:              s.Incoterm,
		IncotermPlace:         s.IncotermPlace,
		PaymentTerms:          s.PaymentTerms[g.rng.IntN(len(s.PaymentTerms))],
		RequestedDeliveryDate: delivery,
	}
	ship := g.ShipTo
	o.ShipTo = &ship
	for i, it := range items {
		p, _ := it.PriceOn(orderDate)
		o.Lines = append(o.Lines, canonical.OrderLine{
			LineNumber:    i + 1,
			SKU:           it.SKU,
			BuyerSKU:      it.BuyerSKU,
			Description:   it.Description,
			Quantity:      dec(g.quantity(it)),
			Unit:          it.Unit,
			UnitPrice:     p.UnitPrice,
			HSCode:        it.HSCode,
			OriginCountry: it.OriginCountry,
		})
	}
	recompute(&o)
	o.TransportMode = canonical.TransportSea
	if o.Incoterm.Mode() != canonical.ModeSea {
		o.TransportMode = []canonical.TransportMode{canonical.TransportSea, canonical.TransportAir, canonical.TransportRoad, canonical.TransportRail, canonical.TransportMultimodal}[g.rng.IntN(5)]
	}
	return validation.Input{Order: o}
}

// quantity is a multiple of the pack size, at least the MOQ, within the
// weekly and monthly capacity.
func (g *Generator) quantity(it *catalog.Item) decimal.Decimal {
	pack := it.PackSize.Decimal
	if !pack.IsPositive() {
		pack = decimal.NewFromInt(1)
	}
	base := it.MOQ.Div(pack).Ceil().Mul(pack)
	if base.LessThan(pack) {
		base = pack
	}
	most := base.Add(pack.Mul(decimal.NewFromInt(200)))
	for _, c := range []canonical.Decimal{it.CapacityPerWeek, it.CapacityPerMonth} {
		if c.IsPositive() {
			most = decimal.Min(most, c.Div(pack).Floor().Mul(pack))
		}
	}
	if most.LessThan(base) {
		return base
	}
	steps := most.Sub(base).Div(pack).IntPart()
	return base.Add(pack.Mul(decimal.NewFromInt(g.rng.Int64N(steps + 1))))
}

// recompute sets line amounts and the total from quantities and prices.
func recompute(o *canonical.Order) {
	places := int32(o.Currency.MinorUnits())
	total := decimal.Zero
	for i := range o.Lines {
		l := &o.Lines[i]
		a := dec(l.Quantity.Mul(l.UnitPrice.Decimal).Round(places))
		l.Amount = &a
		total = total.Add(a.Decimal)
	}
	t := dec(total)
	o.TotalAmount = &t
}

func pick[T any](g *Generator, xs ...T) T { return xs[g.rng.IntN(len(xs))] }

// Inject returns an order with one error of kind k, built from a new clean
// order (which is not recorded as made, so it cannot be a duplicate's
// original except for DuplicateOrder).
func (g *Generator) Inject(k Kind) (Injected, error) {
	if _, ok := expected[k]; !ok {
		return Injected{}, fmt.Errorf("ordergen: unknown kind %q", k)
	}
	for range 1000 {
		in := g.build()
		if g.keys[validation.DuplicateKey(&in.Order)] {
			continue
		}
		inj := Injected{Kind: k, Input: in, Expected: Expected(k)}
		if g.inject(&inj) {
			return inj, nil
		}
	}
	return Injected{}, fmt.Errorf("ordergen: the catalog has no order %s can be injected into", k)
}

// line picks a line whose item satisfies ok, or -1.
func (g *Generator) line(o *canonical.Order, ok func(*catalog.Item) bool) (int, *catalog.Item) {
	var cands []int
	for i, l := range o.Lines {
		if it, found := g.cat.Item(o.Supplier.ID, l.SKU); found && ok(it) {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return -1, nil
	}
	i := cands[g.rng.IntN(len(cands))]
	it, _ := g.cat.Item(o.Supplier.ID, o.Lines[i].SKU)
	return i, it
}

// inject applies the error to inj.Input; false when this order cannot take it.
func (g *Generator) inject(inj *Injected) bool {
	o := &inj.Input.Order
	places := int32(o.Currency.MinorUnits())
	minor := decimal.New(1, -places)
	set := func(format string, args ...any) bool { inj.Detail = fmt.Sprintf(format, args...); return true }
	switch inj.Kind {
	case MissingOrderNumber:
		o.OrderNumber = pick(g, "", "  ")
		return set("order_number %q", o.OrderNumber)
	case MissingDeliveryDate:
		o.RequestedDeliveryDate = canonical.Date{}
		return set("no requested_delivery_date")
	case BadCurrencyCode:
		o.Currency = canonical.Currency(pick(g, "EUX", "US$", "usd", "XXX", "RMB", "DOLLAR"))
		return set("currency %q", o.Currency)
	case BadCountryCode:
		o.ShipTo.Country = canonical.Country(pick(g, "XX", "GER", "de", "Germany", "D"))
		return set("ship_to.country %q", o.ShipTo.Country)
	case BadUnitCode:
		i := g.rng.IntN(len(o.Lines))
		o.Lines[i].Unit = canonical.Unit(pick(g, "PCS", "pieces", "BOXX", "h87", "STK"))
		return set("lines[%d].unit %q", i, o.Lines[i].Unit)
	case SeaIncotermNotBySea:
		o.Incoterm = pick[canonical.Incoterm](g, "FAS", "FOB", "CFR", "CIF")
		inj.Input.Order.TransportMode = pick(g, canonical.TransportAir, canonical.TransportRoad, canonical.TransportRail)
		return set("%s by %s", o.Incoterm, inj.Input.Order.TransportMode)
	case MalformedHSCode:
		i := g.rng.IntN(len(o.Lines))
		h := string(o.Lines[i].HSCode)
		o.Lines[i].HSCode = canonical.HSCode(pick(g, h[:5], h+"1", "HS"+h, h[:4]+"."+h[4:], "00"+h[2:]))
		return set("lines[%d].hs_code %q", i, o.Lines[i].HSCode)
	case MissingHSCode:
		i := g.rng.IntN(len(o.Lines))
		o.Lines[i].HSCode = ""
		return set("lines[%d] without hs_code", i)
	case WrongHSCode:
		i := g.rng.IntN(len(o.Lines))
		other := g.otherHSCode(o.Lines[i].HSCode)
		if other == "" {
			return false
		}
		o.Lines[i].HSCode = other
		return set("lines[%d].hs_code %s", i, other)
	case MissingOrigin:
		i := g.rng.IntN(len(o.Lines))
		o.Lines[i].OriginCountry = ""
		return set("lines[%d] without origin_country", i)
	case WrongOrigin:
		i := g.rng.IntN(len(o.Lines))
		c := pick[canonical.Country](g, "CN", "VN", "IT", "JP", "TR", "MX", "PL")
		if c == o.Lines[i].OriginCountry {
			return false
		}
		o.Lines[i].OriginCountry = c
		return set("lines[%d].origin_country %s", i, c)
	case UnknownSupplier:
		o.Supplier.ID = fmt.Sprintf("SUP-NOBODY-%d", g.rng.IntN(1000))
		return set("supplier.id %s", o.Supplier.ID)
	case UnknownSKU:
		i := g.rng.IntN(len(o.Lines))
		o.Lines[i].SKU = pick(g, o.Lines[i].SKU+"-X", "X"+o.Lines[i].SKU, "NOT-IN-CATALOG", strings.ToLower(o.Lines[i].SKU))
		return set("lines[%d].sku %s", i, o.Lines[i].SKU)
	case AbsurdQuantity:
		i := g.rng.IntN(len(o.Lines))
		q := pick(g, "0", "-"+o.Lines[i].Quantity.String(), "1000000000000", "1e15")
		o.Lines[i].Quantity = canonical.MustDecimal(q)
		recompute(o)
		return set("lines[%d].quantity %s", i, q)
	case BelowMOQ:
		i, it := g.line(o, func(it *catalog.Item) bool { return it.MOQ.GreaterThan(decimal.NewFromInt(1)) })
		if i < 0 {
			return false
		}
		pack := decimal.Max(it.PackSize.Decimal, decimal.NewFromInt(1))
		q := it.MOQ.Sub(decimal.NewFromInt(1)).Div(pack).Floor().Mul(pack)
		if !q.IsPositive() {
			q = it.MOQ.Sub(decimal.NewFromInt(1))
		}
		o.Lines[i].Quantity = dec(q)
		recompute(o)
		return set("lines[%d].quantity %s below MOQ %s", i, q, it.MOQ)
	case NotPackMultiple:
		i, it := g.line(o, func(it *catalog.Item) bool { return it.PackSize.GreaterThan(decimal.NewFromInt(1)) })
		if i < 0 {
			return false
		}
		q := o.Lines[i].Quantity.Add(decimal.NewFromInt(1 + g.rng.Int64N(it.PackSize.IntPart()-1)))
		o.Lines[i].Quantity = dec(q)
		recompute(o)
		return set("lines[%d].quantity %s, pack %s", i, q, it.PackSize)
	case OverCapacity:
		i, it := g.line(o, func(it *catalog.Item) bool {
			return it.CapacityPerWeek.IsPositive() || it.CapacityPerMonth.IsPositive()
		})
		if i < 0 {
			return false
		}
		c := it.CapacityPerWeek.Decimal
		if !c.IsPositive() || (it.CapacityPerMonth.IsPositive() && it.CapacityPerMonth.LessThan(c)) {
			c = it.CapacityPerMonth.Decimal
		}
		pack := decimal.Max(it.PackSize.Decimal, decimal.NewFromInt(1))
		q := c.Div(pack).Floor().Add(decimal.NewFromInt(1 + g.rng.Int64N(20))).Mul(pack)
		o.Lines[i].Quantity = dec(q)
		recompute(o)
		return set("lines[%d].quantity %s over capacity %s", i, q, c)
	case PriceOffList:
		i := g.rng.IntN(len(o.Lines))
		pct := decimal.NewFromInt(5 + g.rng.Int64N(40))
		if g.rng.IntN(2) == 0 {
			pct = pct.Neg()
		}
		p := o.Lines[i].UnitPrice.Mul(hundred.Add(pct)).Div(hundred).Round(places)
		o.Lines[i].UnitPrice = dec(p)
		recompute(o)
		return set("lines[%d].unit_price %s (%s%%)", i, p, pct)
	case PriceTooPrecise:
		i := g.rng.IntN(len(o.Lines))
		extra := decimal.New(1+g.rng.Int64N(9), -places-3-int32(g.rng.IntN(3)))
		o.Lines[i].UnitPrice = dec(o.Lines[i].UnitPrice.Add(extra))
		recompute(o)
		return set("lines[%d].unit_price %s", i, o.Lines[i].UnitPrice)
	case WrongCurrency:
		c := pick[canonical.Currency](g, "EUR", "USD", "GBP", "CNY", "CHF")
		if c == o.Currency {
			return false
		}
		o.Currency = c
		recompute(o)
		return set("currency %s", c)
	case PaymentDaysOverPolicy:
		o.PaymentTerms = pick(g, "NET 120", "open account 180 days", "D/A 150 days", "L/C 120 days", "NET 365")
		return set("payment_terms %q", o.PaymentTerms)
	case UnreadablePaymentTerms:
		o.PaymentTerms = pick(g, "payment when convenient", "barter", "???", "as usual", "see contract")
		return set("payment_terms %q", o.PaymentTerms)
	case DeliveryBeforeLeadTime:
		i, it := g.line(o, func(it *catalog.Item) bool { return it.LeadTimeDays > 2 })
		if i < 0 {
			return false
		}
		o.OrderDate = g.today
		o.RequestedDeliveryDate = g.addDays(g.today, 1+g.rng.IntN(it.LeadTimeDays-1))
		return set("delivery %s, order %s, lead time %d", o.RequestedDeliveryDate, o.OrderDate, it.LeadTimeDays)
	case DeliveryInPast:
		lead := 0
		for _, l := range o.Lines {
			if it, ok := g.cat.Item(o.Supplier.ID, l.SKU); ok {
				lead = max(lead, it.LeadTimeDays)
			}
		}
		o.RequestedDeliveryDate = g.addDays(g.today, -1-g.rng.IntN(30))
		o.OrderDate = g.addDays(o.RequestedDeliveryDate, -lead-g.rng.IntN(5))
		for _, l := range o.Lines {
			if it, ok := g.cat.Item(o.Supplier.ID, l.SKU); ok {
				if p, ok := it.PriceOn(o.OrderDate); !ok || !p.UnitPrice.Equal(l.UnitPrice) {
					return false
				}
			}
		}
		return set("delivery %s", o.RequestedDeliveryDate)
	case LineAmountMismatch:
		i := g.rng.IntN(len(o.Lines))
		d := minor.Mul(decimal.NewFromInt(1 + g.rng.Int64N(500)))
		a := dec(o.Lines[i].Amount.Add(d))
		o.Lines[i].Amount = &a
		t := dec(o.TotalAmount.Add(d))
		o.TotalAmount = &t
		return set("lines[%d].amount %s", i, a)
	case TotalMismatch:
		d := minor.Mul(decimal.NewFromInt(1 + g.rng.Int64N(500)))
		if g.rng.IntN(2) == 0 {
			d = d.Neg()
		}
		t := dec(o.TotalAmount.Add(d))
		o.TotalAmount = &t
		return set("total_amount %s", t)
	case DuplicateOrder:
		if len(g.made) == 0 {
			g.Clean()
		}
		prior := g.made[g.rng.IntN(len(g.made))]
		dup := prior
		dup.OrderNumber = fmt.Sprintf("PO-%07d", g.n)
		dup.OrderDate = g.addDays(prior.OrderDate, g.rng.IntN(10))
		dup.Lines = slices.Clone(prior.Lines)
		g.rng.Shuffle(len(dup.Lines), func(i, j int) { dup.Lines[i], dup.Lines[j] = dup.Lines[j], dup.Lines[i] })
		for i := range dup.Lines {
			dup.Lines[i].LineNumber = i + 1
		}
		inj.Input.Order = dup
		inj.Prior = &prior
		return set("duplicate of %s", prior.OrderNumber)
	}
	return false
}

var hundred = decimal.NewFromInt(100)

// otherHSCode returns a catalog HS code with another subheading than h.
func (g *Generator) otherHSCode(h canonical.HSCode) canonical.HSCode {
	var codes []canonical.HSCode
	for _, s := range g.cat.Suppliers() {
		for _, it := range g.cat.Items(s.ID) {
			if it.HSCode.Valid() && it.HSCode.Subheading() != h.Subheading() {
				codes = append(codes, it.HSCode)
			}
		}
	}
	if len(codes) == 0 {
		return ""
	}
	return codes[g.rng.IntN(len(codes))]
}
