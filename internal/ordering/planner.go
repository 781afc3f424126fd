// Package ordering turns demand into purchase orders: for each demand line
// (buyer SKU, quantity, need-by date, ship-to) it picks a supplier's item
// from the catalog by a preference (price, lead time or capacity left),
// rounds the quantity up to the pack size and MOQ, splits it when the
// capacity of the delivery week or month is short, dates the delivery from
// the lead time, and groups the lines into canonical orders that carry
// every field the validation checks.
//
// Planning has no side effects: Plan reads the catalog and the commitments
// and returns orders; nothing is stored, published or reserved. A dry run
// is a call of Plan whose orders are shown and not created. Two calls with
// the same demand, catalog, commitments and clock give the same orders.
package ordering

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

// Preference is what ranks the suppliers that can serve a demand line.
type Preference string

// The preferences. Ties are broken by the other two criteria, then by
// supplier id and SKU, so that a plan never depends on map order.
const (
	// PreferPrice ranks by the unit price valid on the order date,
	// converted into CurrencyPolicy.Compare; then lead time, capacity left.
	PreferPrice Preference = "price"
	// PreferLeadTime ranks by lead time; then price, capacity left.
	PreferLeadTime Preference = "lead_time"
	// PreferCapacity ranks by the capacity left in the week and month of
	// delivery (unlimited first, then most); then price, lead time.
	PreferCapacity Preference = "capacity"
)

// Valid reports whether p is price, lead_time or capacity.
func (p Preference) Valid() bool {
	return p == PreferPrice || p == PreferLeadTime || p == PreferCapacity
}

// Converter converts an amount between currencies with the rates of a
// date. *fxrates.Table satisfies it.
type Converter interface {
	Convert(amount canonical.Decimal, from, to canonical.Currency, on canonical.Date) (canonical.Decimal, error)
}

// CurrencyPolicy says how prices in different currencies are compared. An
// order is always in the currency of its price list entry, which must be
// the supplier's currency (the validation's supplier_currency rule): an
// item priced in another currency is not a candidate.
type CurrencyPolicy struct {
	// Compare is the currency prices are ranked in; EUR when empty.
	Compare canonical.Currency
	// Rates converts a price into Compare with the rates of the order
	// date. With no Rates, or no rate, a price in another currency cannot
	// be compared: it ranks after every price that can, and such prices
	// rank among themselves by currency code, then amount.
	Rates Converter
}

// Numbers names the orders of a plan. Plan calls it once per order, in the
// order of Plan.Orders, with n counting from 1 in every plan and the order
// filled in but for its number. A dry run must show what a real run makes,
// so Numbers should be a pure function of its arguments; a generator that
// reserves numbers in a store makes a dry run burn numbers.
type Numbers func(n int, o *canonical.Order) string

// Sequence returns Numbers that write prefix, the order date as YYYYMMDD, a
// dash and n with at least four digits: Sequence("PLN-") gives
// "PLN-20260601-0001". Orders of two plans made on the same day get the
// same numbers: give each plan its own prefix, or inject Numbers that
// reserve numbers, when plans are created and not only shown.
func Sequence(prefix string) Numbers {
	return func(n int, o *canonical.Order) string {
		d := o.OrderDate
		return fmt.Sprintf("%s%04d%02d%02d-%04d", prefix, d.Year, int(d.Month), d.Day, n)
	}
}

// Options build a Planner. Catalog and Buyer.ID are required; everything
// else has a default.
type Options struct {
	Catalog *catalog.Catalog
	// Commitments is the capacity already ordered; nil means none.
	Commitments catalog.Commitments
	// Preference ranks suppliers; price when empty.
	Preference Preference
	// Now is the clock; its UTC date is the order date. time.Now when nil.
	Now func() time.Time
	// Numbers names the orders; Sequence("PLN-") when nil.
	Numbers Numbers
	// Buyer orders every demand line that names no buyer.
	Buyer    canonical.Party
	Currency CurrencyPolicy
	// MaxPushWeeks is how many weeks past its first delivery date capacity
	// may push part of a line; 8 when zero.
	MaxPushWeeks int
}

func (o *Options) defaults() {
	if o.Preference == "" {
		o.Preference = PreferPrice
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Numbers == nil {
		o.Numbers = Sequence("PLN-")
	}
	if o.Currency.Compare == "" {
		o.Currency.Compare = "EUR"
	}
	if o.MaxPushWeeks == 0 {
		o.MaxPushWeeks = 8
	}
}

// Validate reports every problem with the options.
func (o *Options) Validate() error {
	var errs []error
	if o.Catalog == nil {
		errs = append(errs, errors.New("ordering: a catalog is required"))
	}
	if strings.TrimSpace(o.Buyer.ID) == "" {
		errs = append(errs, errors.New("ordering: buyer.id is required"))
	}
	if o.Buyer.Country != "" && !o.Buyer.Country.Valid() {
		errs = append(errs, fmt.Errorf("ordering: buyer country %q is not an ISO 3166-1 code", clip(string(o.Buyer.Country))))
	}
	if o.Preference != "" && !o.Preference.Valid() {
		errs = append(errs, fmt.Errorf("ordering: preference %q is not price, lead_time or capacity", clip(string(o.Preference))))
	}
	if c := o.Currency.Compare; c != "" && !c.Valid() {
		errs = append(errs, fmt.Errorf("ordering: compare currency %q is not an ISO 4217 code", clip(string(c))))
	}
	if o.MaxPushWeeks < 0 {
		errs = append(errs, fmt.Errorf("ordering: max push weeks must not be negative, got %d", o.MaxPushWeeks))
	}
	return errors.Join(errs...)
}

// Planner makes purchase orders from demand. It is safe for concurrent
// use: each Plan works on its own state.
type Planner struct {
	opts  Options
	bySKU map[string][]*catalog.Item // buyer SKU → items, by supplier id, then catalog order
}

// New builds a Planner; it fills in the defaults and validates the options.
func New(opts Options) (*Planner, error) {
	opts.defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	p := &Planner{opts: opts, bySKU: map[string][]*catalog.Item{}}
	for _, s := range opts.Catalog.Suppliers() {
		for _, it := range opts.Catalog.Items(s.ID) {
			if it.BuyerSKU != "" {
				p.bySKU[it.BuyerSKU] = append(p.bySKU[it.BuyerSKU], it)
			}
		}
	}
	return p, nil
}

// Plan plans the demand lines and returns the orders and how each line was
// planned. Lines are planned by need_by date, earliest first (the input
// order among equal dates), so the most urgent take capacity first; each
// sees the capacity the lines before it used.
//
// For each line: the candidates are the catalog items with the line's
// buyer SKU that are sold in the line's unit, priced on the order date in
// the supplier's currency, with payment terms, and (for a cross-border
// delivery) with an HS code and origin. Each delivers on need_by when its
// lead time allows (today + lead time ≤ need_by), else as early as it can.
// The line goes to the best candidate by the preference among those on
// time; when none is, to the fastest, with a late note. The quantity is
// rounded up to the pack size and at least the MOQ (a whole number for
// counted units). When the capacity left in the week or month of delivery
// is short, the rest goes to whatever delivers first: the next-best
// candidate on the same date, a slower one, or the weeks after (up to
// MaxPushWeeks); each part is again a pack multiple of at least the MOQ.
// What is still left then is reported short, not ordered.
//
// Orders group the lines with the same buyer, supplier, ship-to, currency,
// incoterm and place, payment terms and delivery date: a canonical order has
// one requested delivery date, and the validation checks capacity at it.
//
// The error is only for a failed commitments lookup or a cancelled ctx; a
// line that cannot be planned is a note, not an error. Plan writes nothing:
// a dry run is Plan with its orders shown, not created.
func (p *Planner) Plan(ctx context.Context, lines []DemandLine) (Plan, error) {
	r := &run{
		p:       p,
		today:   canonical.DateOf(p.opts.Now().UTC()),
		planned: &plannedCommitments{base: p.opts.Commitments, allocs: map[itemKey][]dated{}},
	}
	plan := Plan{Date: r.today, Preference: p.opts.Preference, Lines: make([]LinePlan, len(lines))}
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return lines[a].NeedBy.Time().Compare(lines[b].NeedBy.Time())
	})
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return Plan{}, err
		}
		lp, err := r.line(ctx, i, &lines[i])
		if err != nil {
			return Plan{}, fmt.Errorf("ordering: demand line %d (%s): %w", i+1, clip(lines[i].BuyerSKU), err)
		}
		plan.Lines[i] = lp
	}
	plan.Orders = r.orders(lines, plan.Lines)
	return plan, nil
}

type itemKey struct{ supplier, sku string }

type dated struct {
	on  canonical.Date
	qty decimal.Decimal
}

// plannedCommitments is the commitments plus what this plan has taken.
type plannedCommitments struct {
	base   catalog.Commitments
	allocs map[itemKey][]dated
}

func (c *plannedCommitments) Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error) {
	q := decimal.Zero
	if c.base != nil {
		var err error
		if q, err = c.base.Committed(ctx, supplierID, sku, from, to); err != nil {
			return q, err
		}
	}
	for _, a := range c.allocs[itemKey{supplierID, sku}] {
		if !a.on.Before(from) && !to.Before(a.on) {
			q = q.Add(a.qty)
		}
	}
	return q, nil
}

// run is one Plan call.
type run struct {
	p       *Planner
	today   canonical.Date
	planned *plannedCommitments
	allocs  []alloc
}

// alloc is one part of a demand line given to a candidate on a date.
type alloc struct {
	line int
	c    *candidate
	on   canonical.Date
	qty  decimal.Decimal
	// set when the orders are made
	orderNumber string
	lineNumber  int
}

// candidate is a catalog item that can serve a demand line.
type candidate struct {
	item     *catalog.Item
	supplier *catalog.Supplier
	buyer    canonical.Party
	shipTo   canonical.Address
	unit     canonical.Unit
	price    catalog.Price
	// rank is the price converted into the compare currency, ×10⁴ so that
	// rounding to its minor units loses nothing that ranks; ok false when
	// it could not be converted.
	rank     decimal.Decimal
	rankOK   bool
	terms    string
	incoterm canonical.Incoterm
	place    string
	earliest canonical.Date
	delivery canonical.Date
	// left is the capacity left at delivery, for PreferCapacity.
	left      decimal.Decimal
	unlimited bool
}

func (c *candidate) name() string { return c.item.SupplierID + "/" + c.item.SKU }

func addDays(d canonical.Date, n int) canonical.Date {
	return canonical.DateOf(d.Time().AddDate(0, 0, n))
}

func daysBetween(a, b canonical.Date) int {
	return int(b.Time().Sub(a.Time()).Hours() / 24)
}

func dec(d decimal.Decimal) canonical.Decimal { return canonical.NewDecimal(d) }

func (r *run) line(ctx context.Context, i int, d *DemandLine) (LinePlan, error) {
	lp := LinePlan{Index: i, Reference: d.Reference, BuyerSKU: d.BuyerSKU, Source: d.Source, Demand: d.Quantity, Status: StatusUnplanned}
	buyer := d.Buyer
	if strings.TrimSpace(buyer.ID) == "" {
		buyer = r.p.opts.Buyer
	}
	if why := d.check(buyer); why != "" {
		lp.note(NoteInvalidDemand, "%s", why)
		return lp, nil
	}
	items := r.p.bySKU[d.BuyerSKU]
	if len(items) == 0 {
		lp.note(NoteNoSupplier, "no catalog item has buyer SKU %q", clip(d.BuyerSKU))
		return lp, nil
	}
	var cands []*candidate
	var excluded []string
	for _, it := range items {
		c, why := r.candidate(it, d, buyer)
		if why != "" {
			excluded = append(excluded, it.SupplierID+"/"+it.SKU+": "+why)
			continue
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		lp.note(NoteNoSupplier, "no catalog item can serve buyer SKU %q: %s", clip(d.BuyerSKU), strings.Join(excluded, "; "))
		return lp, nil
	}

	// Each candidate delivers on need_by when it can, else as early as it
	// can; when none can, the fastest comes first.
	anyOnTime := false
	for _, c := range cands {
		c.delivery = d.NeedBy
		if d.NeedBy.Before(c.earliest) {
			c.delivery = c.earliest
		} else {
			anyOnTime = true
		}
		if err := r.capacityLeft(ctx, c); err != nil {
			return lp, err
		}
	}
	slices.SortFunc(cands, r.compare)
	var lateWhy []string // why a delivery is after need_by
	if !anyOnTime {
		fastest := slices.MinFunc(cands, func(a, b *candidate) int {
			return cmp.Or(a.earliest.Time().Compare(b.earliest.Time()), r.compare(a, b))
		})
		lateWhy = append(lateWhy, fmt.Sprintf("no supplier can deliver by %s; the fastest, %s, needs %d days and delivers on %s",
			d.NeedBy, fastest.name(), fastest.item.LeadTimeDays, fastest.earliest))
	}

	// The slots are every candidate on its delivery date and the weeks
	// after it, earliest first, by rank on the same date: the best on-time
	// candidate gets the line; when its capacity is short, the rest goes
	// to the next-best on the same date, then to the earliest later slot.
	type slot struct {
		c    *candidate
		on   canonical.Date
		rank int
	}
	var slots []slot
	for k, c := range cands {
		for w := 0; w <= r.p.opts.MaxPushWeeks; w++ {
			slots = append(slots, slot{c, addDays(c.delivery, 7*w), k})
		}
	}
	slices.SortFunc(slots, func(a, b slot) int {
		return cmp.Or(a.on.Time().Compare(b.on.Time()), cmp.Compare(a.rank, b.rank))
	})
	first := len(r.allocs)
	left := d.Quantity.Decimal
	for _, sl := range slots {
		if !left.IsPositive() {
			break
		}
		q, err := r.take(ctx, sl.c, sl.on, left)
		if err != nil {
			return lp, err
		}
		if q.IsPositive() {
			r.allocs = append(r.allocs, alloc{line: i, c: sl.c, on: sl.on, qty: q})
			left = left.Sub(q)
		}
	}
	mine := r.allocs[first:]
	planned := decimal.Zero
	for _, a := range mine {
		planned = planned.Add(a.qty)
	}
	lp.Planned = dec(planned)
	last := slots[len(slots)-1].on
	switch {
	case len(mine) == 0:
		lp.note(NoteCapacityShort, "no capacity left for %s %s up to %s (%s)", d.Quantity, unitOf(d, cands[0]), last, candidateNames(cands))
		return lp, nil
	case left.IsPositive():
		lp.Status = StatusPartial
		lp.note(NoteCapacityShort, "%s %s not planned: no capacity left up to %s (%s)", dec(left), unitOf(d, cands[0]), last, candidateNames(cands))
	default:
		lp.Status = StatusPlanned
	}
	if planned.GreaterThan(d.Quantity.Decimal) {
		var why []string
		for _, c := range uniqueCandidates(mine) {
			why = append(why, roundingReason(c))
		}
		lp.note(NoteRounded, "%s %s rounded up to %s (%s)", d.Quantity, unitOf(d, mine[0].c), dec(planned), strings.Join(why, "; "))
	}
	if len(mine) > 1 {
		parts := make([]string, len(mine))
		for k, a := range mine {
			parts[k] = fmt.Sprintf("%s from %s on %s", dec(a.qty), a.c.name(), a.on)
		}
		lp.note(NoteSplit, "split into %d deliveries, capacity being short: %s", len(mine), strings.Join(parts, ", "))
	}
	latest, earliest := d.NeedBy, mine[0].c.delivery
	for _, a := range mine {
		if latest.Before(a.on) {
			latest = a.on
		}
		if a.c.delivery.Before(earliest) {
			earliest = a.c.delivery
		}
	}
	if earliest.Before(latest) && d.NeedBy.Before(latest) {
		lateWhy = append(lateWhy, fmt.Sprintf("capacity pushed part of it to %s", latest))
	}
	if late := daysBetween(d.NeedBy, latest); late > 0 {
		if len(lateWhy) == 0 {
			lateWhy = append(lateWhy, fmt.Sprintf("the capacity left by %s is short", d.NeedBy))
		}
		lp.note(NoteLate, "late by %d days: %s", late, strings.Join(lateWhy, "; "))
	}
	return lp, nil
}

func unitOf(d *DemandLine, c *candidate) canonical.Unit {
	if d.Unit != "" {
		return d.Unit
	}
	return c.unit
}

func candidateNames(cs []*candidate) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name()
	}
	return strings.Join(names, ", ")
}

func uniqueCandidates(as []alloc) []*candidate {
	var out []*candidate
	for _, a := range as {
		if !slices.Contains(out, a.c) {
			out = append(out, a.c)
		}
	}
	return out
}

func roundingReason(c *candidate) string {
	var parts []string
	if c.item.PackSize.IsPositive() {
		parts = append(parts, "pack size "+c.item.PackSize.String())
	}
	if c.item.MOQ.IsPositive() {
		parts = append(parts, "MOQ "+c.item.MOQ.String())
	}
	if len(parts) == 0 {
		parts = append(parts, "whole "+c.unit.Name()+"s")
	}
	return strings.Join(parts, ", ") + " of " + c.name()
}

// candidate checks that item can serve d and returns it, or why not. The
// checks mirror the validation rules an order of it would otherwise fail.
func (r *run) candidate(it *catalog.Item, d *DemandLine, buyer canonical.Party) (*candidate, string) {
	s, ok := r.p.opts.Catalog.Supplier(it.SupplierID)
	if !ok {
		return nil, "the supplier is not in the catalog"
	}
	c := &candidate{item: it, supplier: s, buyer: buyer, shipTo: d.ShipTo, unit: it.Unit}
	switch {
	case it.Unit == "" || !it.Unit.Valid():
		return nil, "the catalog has no valid unit for it"
	case d.Unit != "" && d.Unit != it.Unit:
		return nil, fmt.Sprintf("sold in %s, the demand is in %s", it.Unit, d.Unit)
	}
	price, ok := it.PriceOn(r.today)
	switch {
	case !ok:
		return nil, fmt.Sprintf("no price valid on %s", r.today)
	case !price.Currency.Valid() || price.Currency.Placeholder():
		return nil, fmt.Sprintf("priced in %q, not a currency", clip(string(price.Currency)))
	case s.Currency != "" && price.Currency != s.Currency:
		return nil, fmt.Sprintf("priced in %s, but %s invoices in %s", price.Currency, s.ID, s.Currency)
	case price.UnitPrice.IsNegative():
		return nil, "the price is negative"
	}
	if places := int32(price.Currency.MinorUnits() + 2); price.Currency.HasMinorUnits() && !price.UnitPrice.Decimal.Equal(price.UnitPrice.Round(places)) {
		return nil, fmt.Sprintf("the price %s has more decimals than %s allows", price.UnitPrice, price.Currency)
	}
	c.price = price
	terms, why := paymentTerms(s, it)
	if why != "" {
		return nil, why
	}
	c.terms = terms
	c.incoterm, c.place = s.Incoterm, s.IncotermPlace
	if it.Incoterm != "" {
		c.incoterm, c.place = it.Incoterm, it.IncotermPlace
	}
	if c.incoterm == "" {
		c.place = ""
	}
	if crossBorder(s, it, d.ShipTo, buyer) {
		switch {
		case !it.HSCode.Valid():
			return nil, "the catalog has no HS code for it, and the delivery crosses a border"
		case !it.OriginCountry.Valid():
			return nil, "the catalog has no country of origin for it, and the delivery crosses a border"
		}
	}
	c.earliest = addDays(r.today, max(it.LeadTimeDays, 0))
	c.rank, c.rankOK = r.rankPrice(price)
	return c, ""
}

// paymentTerms are the item's terms when it has its own, else the first
// of the supplier's that the validation can read ("see contract" cannot
// be checked against the payment policy, so it is passed over).
func paymentTerms(s *catalog.Supplier, it *catalog.Item) (string, string) {
	if strings.TrimSpace(it.PaymentTerms) != "" {
		if _, err := validation.ParsePaymentTerms(it.PaymentTerms); err != nil {
			return "", "its payment terms cannot be read: " + err.Error()
		}
		return it.PaymentTerms, ""
	}
	for _, t := range s.PaymentTerms {
		if _, err := validation.ParsePaymentTerms(t); err == nil {
			return t, ""
		}
	}
	if len(s.PaymentTerms) == 0 {
		return "", "the catalog has no payment terms for it"
	}
	return "", fmt.Sprintf("none of the %d payment terms %s offers can be read", len(s.PaymentTerms), s.ID)
}

// crossBorder is the validation's test: the goods come from another
// country than the destination (ship-to, else the buyer's country).
func crossBorder(s *catalog.Supplier, it *catalog.Item, shipTo canonical.Address, buyer canonical.Party) bool {
	to := buyer.Country
	if shipTo.Country != "" {
		to = shipTo.Country
	}
	if to == "" {
		return false
	}
	return (s.Country != "" && s.Country != to) || (it.OriginCountry != "" && it.OriginCountry != to)
}

var rankScale = decimal.NewFromInt(10_000)

func (r *run) rankPrice(p catalog.Price) (decimal.Decimal, bool) {
	pol := r.p.opts.Currency
	amount := p.UnitPrice.Mul(rankScale)
	if p.Currency == pol.Compare {
		return amount, true
	}
	if pol.Rates == nil {
		return decimal.Zero, false
	}
	v, err := pol.Rates.Convert(dec(amount), p.Currency, pol.Compare, r.today)
	if err != nil {
		return decimal.Zero, false
	}
	return v.Decimal, true
}

// capacityLeft sets what is left of c's capacity at its delivery date.
func (r *run) capacityLeft(ctx context.Context, c *candidate) error {
	left, limited, err := r.available(ctx, c.item, c.delivery)
	c.left, c.unlimited = left, !limited
	return err
}

// available is what is left of the item's capacity in the week and month
// of on, after the commitments and this plan; limited is false when the
// item states no capacity.
func (r *run) available(ctx context.Context, it *catalog.Item, on canonical.Date) (decimal.Decimal, bool, error) {
	if !it.CapacityPerWeek.IsPositive() && !it.CapacityPerMonth.IsPositive() {
		return decimal.Zero, false, nil
	}
	cp, err := catalog.RemainingCapacity(ctx, r.planned, it, on)
	if err != nil {
		return decimal.Zero, true, err
	}
	var left decimal.Decimal
	switch {
	case cp.WeekLimited && cp.MonthLimited:
		left = decimal.Min(cp.Week.Remaining, cp.Month.Remaining)
	case cp.WeekLimited:
		left = cp.Week.Remaining
	default:
		left = cp.Month.Remaining
	}
	return decimal.Max(left, decimal.Zero), true, nil
}

// step is what a quantity of the item is a multiple of: the pack size, or
// 1 for a counted unit, or 0 for no rounding.
func step(it *catalog.Item) decimal.Decimal {
	if it.PackSize.IsPositive() {
		return it.PackSize.Decimal
	}
	if it.Unit.Kind() == canonical.UnitCount {
		return decimal.NewFromInt(1)
	}
	return decimal.Zero
}

func roundUp(q, step decimal.Decimal) decimal.Decimal {
	if !step.IsPositive() {
		return q
	}
	return q.Div(step).Ceil().Mul(step)
}

func roundDown(q, step decimal.Decimal) decimal.Decimal {
	if !step.IsPositive() {
		return q
	}
	return q.Div(step).Floor().Mul(step)
}

// take plans up to want (rounded up to the item's pack and MOQ) of c on
// the date, within the capacity left, and returns the quantity taken: a
// pack multiple of at least the MOQ, or zero.
func (r *run) take(ctx context.Context, c *candidate, on canonical.Date, want decimal.Decimal) (decimal.Decimal, error) {
	it := c.item
	st := step(it)
	q := roundUp(decimal.Max(want, it.MOQ.Decimal), st)
	left, limited, err := r.available(ctx, it, on)
	if err != nil {
		return decimal.Zero, err
	}
	if limited && q.GreaterThan(left) {
		q = roundDown(left, st)
		if q.LessThan(it.MOQ.Decimal) {
			return decimal.Zero, nil
		}
	}
	if !q.IsPositive() {
		return decimal.Zero, nil
	}
	k := itemKey{it.SupplierID, it.SKU}
	r.planned.allocs[k] = append(r.planned.allocs[k], dated{on: on, qty: q})
	return q, nil
}

// compare ranks two candidates by the preference; ties go to the other
// criteria, then supplier id and SKU.
func (r *run) compare(a, b *candidate) int {
	byPrice := func() int {
		switch {
		case a.rankOK && b.rankOK:
			return a.rank.Cmp(b.rank)
		case a.rankOK != b.rankOK:
			if a.rankOK {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.price.Currency, b.price.Currency); c != 0 {
			return c
		}
		return a.price.UnitPrice.Cmp(b.price.UnitPrice.Decimal)
	}
	byLead := func() int { return cmp.Compare(a.item.LeadTimeDays, b.item.LeadTimeDays) }
	byCapacity := func() int {
		switch {
		case a.unlimited && b.unlimited:
			return 0
		case a.unlimited != b.unlimited:
			if a.unlimited {
				return -1
			}
			return 1
		}
		return b.left.Cmp(a.left) // more left first
	}
	var order []func() int
	switch r.p.opts.Preference {
	case PreferLeadTime:
		order = []func() int{byLead, byPrice, byCapacity}
	case PreferCapacity:
		order = []func() int{byCapacity, byPrice, byLead}
	default:
		order = []func() int{byPrice, byLead, byCapacity}
	}
	for _, f := range order {
		if c := f(); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(a.item.SupplierID, b.item.SupplierID); c != 0 {
		return c
	}
	return cmp.Compare(a.item.SKU, b.item.SKU)
}

// orderKey is what the lines of one order share.
type orderKey struct {
	buyer    canonical.Party
	supplier string
	shipTo   canonical.Address
	currency canonical.Currency
	incoterm canonical.Incoterm
	place    string
	terms    string
	delivery canonical.Date
}

func (k orderKey) compare(o orderKey) int {
	return cmp.Or(
		k.delivery.Time().Compare(o.delivery.Time()),
		cmp.Compare(k.supplier, o.supplier),
		cmp.Compare(k.buyer.ID, o.buyer.ID),
		cmp.Compare(k.buyer.Name, o.buyer.Name),
		cmp.Compare(k.buyer.Country, o.buyer.Country),
		cmp.Compare(k.shipTo.Country, o.shipTo.Country),
		cmp.Compare(k.shipTo.City, o.shipTo.City),
		cmp.Compare(k.shipTo.PostalCode, o.shipTo.PostalCode),
		cmp.Compare(k.shipTo.Street, o.shipTo.Street),
		cmp.Compare(k.shipTo.Name, o.shipTo.Name),
		cmp.Compare(k.currency, o.currency),
		cmp.Compare(k.incoterm, o.incoterm),
		cmp.Compare(k.place, o.place),
		cmp.Compare(k.terms, o.terms),
	)
}

// orders groups the allocations into orders, numbers them and records the
// order and line number in each line's allocations.
func (r *run) orders(demand []DemandLine, lines []LinePlan) []canonical.Order {
	groups := map[orderKey][]int{} // key → indexes into r.allocs
	var keys []orderKey
	for i, a := range r.allocs {
		k := orderKey{buyer: a.c.buyer, supplier: a.c.supplier.ID, shipTo: a.c.shipTo, currency: a.c.price.Currency,
			incoterm: a.c.incoterm, place: a.c.place, terms: a.c.terms, delivery: a.on}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	slices.SortFunc(keys, orderKey.compare)
	orders := make([]canonical.Order, 0, len(keys))
	for n, k := range keys {
		idx := groups[k]
		// Lines in demand order, then in the order they were split.
		slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(r.allocs[x].line, r.allocs[y].line) })
		s := r.allocs[idx[0]].c.supplier
		o := canonical.Order{
			OrderDate:             r.today,
			Buyer:                 k.buyer,
			Supplier:              canonical.Party{ID: s.ID, Name: s.Name, Country: s.Country},
			Currency:              k.currency,
			Incoterm:              k.incoterm,
			IncotermPlace:         k.place,
			PaymentTerms:          k.terms,
			RequestedDeliveryDate: k.delivery,
		}
		if k.shipTo != (canonical.Address{}) {
			ship := k.shipTo
			o.ShipTo = &ship
		}
		places := int32(k.currency.MinorUnits())
		total := decimal.Zero
		for ln, ai := range idx {
			a := &r.allocs[ai]
			it := a.c.item
			amount := dec(a.qty.Mul(a.c.price.UnitPrice.Decimal).Round(places))
			total = total.Add(amount.Decimal)
			var src *canonical.Source
			if d := demand[a.line].Source; d != nil {
				cp := *d
				src = &cp
			}
			o.Lines = append(o.Lines, canonical.OrderLine{
				LineNumber:    ln + 1,
				SKU:           it.SKU,
				BuyerSKU:      demand[a.line].BuyerSKU,
				Description:   it.Description,
				Quantity:      dec(a.qty),
				Unit:          a.c.unit,
				UnitPrice:     a.c.price.UnitPrice,
				Amount:        &amount,
				HSCode:        it.HSCode,
				OriginCountry: it.OriginCountry,
				Source:        src,
			})
			a.lineNumber = ln + 1
		}
		t := dec(total.Round(places))
		o.TotalAmount = &t
		o.OrderNumber = r.p.opts.Numbers(n+1, &o)
		for _, ai := range idx {
			r.allocs[ai].orderNumber = o.OrderNumber
		}
		orders = append(orders, o)
	}
	for _, a := range r.allocs {
		lp := &lines[a.line]
		lp.Allocations = append(lp.Allocations, Allocation{
			OrderNumber: a.orderNumber, LineNumber: a.lineNumber, SupplierID: a.c.item.SupplierID, SKU: a.c.item.SKU,
			Quantity: dec(a.qty), DeliveryDate: a.on,
		})
	}
	return orders
}
