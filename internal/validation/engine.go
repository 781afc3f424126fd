package validation

import (
	"context"
	"errors"
	"fmt"
	"github.com/procurehub/procurehub/internal/store"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/validation/catalog"
	"github.com/shopspring/decimal"
)

// Input is what is validated: an order (its transport_mode, when given,
// is checked against its Incoterm; without one, the Incoterm is not).
type Input struct {
	Order canonical.Order
}

// Finding is one problem with an order.
type Finding struct {
	RuleID   string   `json:"rule_id"`
	Severity Severity `json:"severity"`
	// Path is the field, as canonical paths go: "lines[2].unit_price"
	// (0-based position in lines), "supplier.id", "transport_mode".
	Path       string `json:"path"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s: %s", f.Severity, f.RuleID, f.Path, f.Message)
	if f.Suggestion != "" {
		s += " (" + f.Suggestion + ")"
	}
	return s
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}

// OrderIndex finds orders already taken, for the duplicate_order rule. The
// store implements it (keeping DuplicateKey of each order in an indexed
// column); MemoryOrders is one for tests and the simulator.
type OrderIndex interface {
	// OrdersByKey returns the orders whose DuplicateKey is key and whose
	// order date is from from to to inclusive.
	OrdersByKey(ctx context.Context, key string, from, to canonical.Date) ([]canonical.Order, error)
}

// Options are what a Validator checks against. Every field may be nil: with
// no catalog the catalog rules find nothing, with no commitments nothing is
// committed, with no index there are no duplicates, with no clock it is
// time.Now.
type Options struct {
	Catalog     *catalog.Catalog
	Commitments catalog.Commitments
	Orders      OrderIndex
	Now         func() time.Time
}

// settings is the resolved config for one partner; enabled and severity
// are indexed like rules.
type settings struct {
	enabled  []bool
	severity []Severity
	limits   limits
}

func (s *settings) clone() *settings {
	c := *s
	c.enabled, c.severity = slices.Clone(s.enabled), slices.Clone(s.severity)
	return &c
}

// Validator applies the rules. It is safe for concurrent use.
type Validator struct {
	opts     Options
	global   *settings
	partners map[string]*settings
}

// New builds a Validator from a config (nil: the defaults). It validates
// the config first.
func New(cfg *Config, opts Options) (*Validator, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	base := &settings{limits: DefaultThresholds().over(cfg.Thresholds).limits(), enabled: make([]bool, len(rules)), severity: make([]Severity, len(rules))}
	for i, r := range rules {
		base.enabled[i], base.severity[i] = true, r.Severity
	}
	applyRules(base, cfg.Rules)
	v := &Validator{opts: opts, global: base, partners: map[string]*settings{}}
	for id, p := range cfg.Partners {
		s := base.clone()
		s.limits = DefaultThresholds().over(cfg.Thresholds).over(p.Thresholds).limits()
		applyRules(s, p.Rules)
		v.partners[id] = s
	}
	return v, nil
}

func applyRules(s *settings, rs map[string]RuleSetting) {
	for id, r := range rs {
		i := ruleIndex[id]
		if r.Enabled != nil {
			s.enabled[i] = *r.Enabled
		}
		if r.Severity != "" {
			s.severity[i] = r.Severity
		}
	}
}

// Validate checks an order and returns every finding, headers first, then
// line by line, each in rule order. It never panics on any order; the error
// is only for a lookup that failed (commitments, order index) or a
// cancelled ctx, and the findings made so far come with it.
func (v *Validator) Validate(ctx context.Context, in Input) ([]Finding, error) {
	s := v.global
	if p, ok := v.partners[in.Order.Supplier.ID]; ok {
		s = p
	}
	c := &check{v: v, s: s, o: &in.Order, mode: in.Order.TransportMode, today: canonical.DateOf(v.opts.Now().UTC())}
	err := c.run(ctx)
	slices.SortStableFunc(c.findings, func(a, b Finding) int {
		if d := lineOf(a.Path) - lineOf(b.Path); d != 0 {
			return d
		}
		return ruleIndex[a.RuleID] - ruleIndex[b.RuleID]
	})
	return c.findings, err
}

// lineOf is the line position of a path, -1 for a header field.
func lineOf(path string) int {
	rest, ok := strings.CutPrefix(path, "lines[")
	if !ok {
		return -1
	}
	n, _, _ := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if err != nil {
		return -1
	}
	return i
}

// check is one validation run.
type check struct {
	v        *Validator
	s        *settings
	o        *canonical.Order
	mode     canonical.TransportMode
	today    canonical.Date
	findings []Finding

	supplier *catalog.Supplier
	items    []*catalog.Item // per line; nil when unknown
}

func (c *check) on(rule string) bool { return c.s.enabled[ruleIndex[rule]] }

func (c *check) add(rule, path, suggestion, format string, args ...any) {
	i := ruleIndex[rule]
	if !c.s.enabled[i] {
		return
	}
	c.findings = append(c.findings, Finding{RuleID: rule, Severity: c.s.severity[i], Path: path, Message: fmt.Sprintf(format, args...), Suggestion: suggestion})
}

func linePath(i int, field string) string { return fmt.Sprintf("lines[%d].%s", i, field) }

func (c *check) run(ctx context.Context) error {
	o := c.o
	if err := o.Validate(); err != nil {
		if ve := canonical.AsValidationError(err); ve != nil {
			for _, p := range ve.Problems {
				c.add(canonicalRule(p), p.Path, "", "%s", p.Message)
			}
		}
	}
	c.required()
	c.lookups()
	c.incoterm()
	c.supplierCurrency()
	c.paymentTerms()
	c.dates()
	for i := range o.Lines {
		c.line(i)
	}
	c.amountPrecision()
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	if err := c.capacity(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := c.duplicate(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// required reports what canonical.Order.Validate does not require but the
// rules need.
func (c *check) required() {
	o := c.o
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	if blank(o.Supplier.ID) {
		c.add(RuleRequiredFields, "supplier.id", "", "is required")
	}
	if o.OrderDate.IsZero() {
		c.add(RuleRequiredFields, "order_date", "", "is required")
	}
	if o.RequestedDeliveryDate.IsZero() {
		c.add(RuleRequiredFields, "requested_delivery_date", "", "is required")
	}
	for i, l := range o.Lines {
		if blank(l.SKU) && blank(l.BuyerSKU) {
			c.add(RuleRequiredFields, linePath(i, "sku"), "", "is required (or buyer_sku)")
		}
	}
}

// lookups finds the supplier and the items of the lines in the catalog.
func (c *check) lookups() {
	o, cat := c.o, c.v.opts.Catalog
	c.items = make([]*catalog.Item, len(o.Lines))
	if cat == nil || o.Supplier.ID == "" {
		return
	}
	s, ok := cat.Supplier(o.Supplier.ID)
	if !ok {
		c.add(RuleUnknownSupplier, "supplier.id", "", "supplier %q is not in the catalog", clip(o.Supplier.ID))
		return
	}
	c.supplier = s
	for i, l := range o.Lines {
		switch it, ok := cat.Item(s.ID, l.SKU); {
		case ok:
			c.items[i] = it
		case l.SKU == "":
			if it, ok := cat.ItemByBuyerSKU(s.ID, l.BuyerSKU); ok {
				c.items[i] = it
			} else if l.BuyerSKU != "" {
				c.add(RuleUnknownSKU, linePath(i, "buyer_sku"), "", "buyer sku %q is not one of %s's items", clip(l.BuyerSKU), s.ID)
			}
		default:
			sugg := ""
			if it, ok := cat.ItemByBuyerSKU(s.ID, l.BuyerSKU); ok {
				sugg = fmt.Sprintf("buyer sku %s is the supplier's %s", l.BuyerSKU, it.SKU)
			}
			c.add(RuleUnknownSKU, linePath(i, "sku"), sugg, "sku %q is not one of %s's items", clip(l.SKU), s.ID)
		}
	}
}

// seaAlternative is the any-mode rule to use instead of a sea-only one.
var seaAlternative = map[canonical.Incoterm]canonical.Incoterm{"FAS": "FCA", "FOB": "FCA", "CFR": "CPT", "CIF": "CIP"}

func (c *check) incoterm() {
	o := c.o
	if c.mode == "" {
		return
	}
	if !c.mode.Valid() {
		fix := ""
		if m, err := canonical.ParseTransportMode(string(c.mode)); err == nil {
			fix = string(m)
		}
		c.add(RuleIncotermTransportMode, "transport_mode", fix, "transport mode %q is not sea, inland_waterway, air, road, rail or multimodal", clip(string(c.mode)))
		return
	}
	if o.Incoterm.Valid() && o.Incoterm.Mode() == canonical.ModeSea && !c.mode.Waterborne() {
		c.add(RuleIncotermTransportMode, "incoterm", fmt.Sprintf("use %s for %s transport", seaAlternative[o.Incoterm], c.mode),
			"%s is for sea and inland waterway transport only, but the goods go by %s", o.Incoterm, c.mode)
	}
}

func (c *check) supplierCurrency() {
	if c.supplier == nil || !c.o.Currency.Valid() || c.supplier.Currency == "" || c.o.Currency == c.supplier.Currency {
		return
	}
	c.add(RuleSupplierCurrency, "currency", fmt.Sprintf("order in %s", c.supplier.Currency),
		"the order is in %s but %s invoices in %s", c.o.Currency, c.supplier.ID, c.supplier.Currency)
}

func (c *check) paymentTerms() {
	if !c.on(RulePaymentTermsPolicy) {
		return
	}
	o, l := c.o, c.s.limits
	offered := ""
	if c.supplier != nil && len(c.supplier.PaymentTerms) > 0 {
		offered = fmt.Sprintf("%s offers %q", c.supplier.ID, c.supplier.PaymentTerms[0])
	}
	if strings.TrimSpace(o.PaymentTerms) == "" {
		c.add(RulePaymentTermsPolicy, "payment_terms", offered, "payment terms are missing")
		return
	}
	t, err := ParsePaymentTerms(o.PaymentTerms)
	if err != nil {
		c.add(RulePaymentTermsPolicy, "payment_terms", offered, "%s", err.Error())
		return
	}
	if !slices.Contains(l.allowedMethods, t.Method) {
		c.add(RulePaymentTermsPolicy, "payment_terms", "", "payment method %s is not allowed by the policy (allowed: %s)", t.Method, joinMethods(l.allowedMethods))
	}
	if t.Days > l.maxPaymentDays {
		c.add(RulePaymentTermsPolicy, "payment_terms", fmt.Sprintf("at most %d days", l.maxPaymentDays),
			"%d days of credit exceed the policy's maximum of %d", t.Days, l.maxPaymentDays)
	}
	if c.supplier != nil && t.PrepaymentPercent.IsPositive() {
		if max, ok := l.maxPrepayment[c.supplier.Rating]; ok && t.PrepaymentPercent.GreaterThan(max) {
			c.add(RulePaymentTermsPolicy, "payment_terms", fmt.Sprintf("prepay at most %s%%", max),
				"%s%% prepayment exceeds the %s%% allowed for a supplier rated %s", t.PrepaymentPercent, max, c.supplier.Rating)
		}
	}
}

func joinMethods(ms []PaymentMethod) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (c *check) dates() {
	o := c.o
	d := o.RequestedDeliveryDate
	if d.Valid() && c.today.Valid() {
		limit := canonical.DateOf(c.today.Time().AddDate(0, 0, -c.s.limits.pastDateGraceDays))
		if d.Before(limit) {
			c.add(RuleDateInPast, "requested_delivery_date", "", "requested delivery date %s is in the past (today is %s)", d, c.today)
		}
	}
	if !d.Valid() || !o.OrderDate.Valid() || d.Before(o.OrderDate) {
		return // canonical's date_order reports the last case
	}
	for i, it := range c.items {
		if it == nil || it.LeadTimeDays <= 0 {
			continue
		}
		earliest := canonical.DateOf(o.OrderDate.Time().AddDate(0, 0, it.LeadTimeDays))
		if d.Before(earliest) {
			c.add(RuleLeadTime, "requested_delivery_date", fmt.Sprintf("request delivery on or after %s", earliest),
				"line %d (%s) needs %d days of lead time; %s is %d days after the order date",
				o.Lines[i].LineNumber, clip(it.SKU), it.LeadTimeDays, d, daysBetween(o.OrderDate, d))
		}
	}
}

func daysBetween(a, b canonical.Date) int {
	return int(b.Time().Sub(a.Time()).Hours() / 24)
}

// crossBorder reports whether line i goes from one country to another: the
// supplier's (or the origin's) country differs from the destination. When
// the destination is not known, it cannot tell and says no.
func (c *check) crossBorder(i int) bool {
	o := c.o
	to := o.Buyer.Country
	if o.ShipTo != nil && o.ShipTo.Country != "" {
		to = o.ShipTo.Country
	}
	if to == "" {
		return false
	}
	from := o.Supplier.Country
	if from == "" && c.supplier != nil {
		from = c.supplier.Country
	}
	if from != "" && from != to {
		return true
	}
	origin := o.Lines[i].OriginCountry
	return origin != "" && origin != to
}

var countUnitKind = canonical.Unit("H87").Kind()

func (c *check) line(i int) {
	o, l, it := c.o, &c.o.Lines[i], c.items[i]
	lim := c.s.limits
	qty := l.Quantity.Decimal

	// absurd_quantity beyond canonical's "above zero".
	if qty.GreaterThan(lim.maxQuantity) {
		c.add(RuleAbsurdQuantity, linePath(i, "quantity"), "", "quantity %s is more than the %s believable for one line", l.Quantity, lim.maxQuantity)
	} else if l.Unit.Valid() && l.Unit.Kind() == countUnitKind && !qty.Equal(qty.Truncate(0)) {
		c.add(RuleAbsurdQuantity, linePath(i, "quantity"), fmt.Sprintf("%s or %s", qty.Floor(), qty.Ceil()),
			"quantity %s is not a whole number of %s", l.Quantity, l.Unit.Name())
	}

	// price_precision of the unit price.
	if o.Currency.Valid() {
		places := int32(o.Currency.MinorUnits() + lim.priceExtraDecimals)
		if p := l.UnitPrice.Decimal; !p.Equal(p.Round(places)) {
			c.add(RulePricePrecision, linePath(i, "unit_price"), p.Round(places).StringFixed(places),
				"unit price %s has more than %d decimals for %s", l.UnitPrice, places, o.Currency)
		}
	}

	cross := c.crossBorder(i)
	if cross && l.HSCode == "" {
		sugg := ""
		if it != nil && it.HSCode != "" {
			sugg = fmt.Sprintf("HS code %s is the catalog's code for this SKU", formatHS(it.HSCode))
		}
		c.add(RuleHSCodeFormat, linePath(i, "hs_code"), sugg, "a cross-border line needs an HS code")
	}
	if cross && l.OriginCountry == "" {
		sugg := ""
		if it != nil && it.OriginCountry != "" {
			sugg = fmt.Sprintf("the catalog says %s for this SKU", it.OriginCountry)
		}
		c.add(RuleOriginCountry, linePath(i, "origin_country"), sugg, "a cross-border line needs a country of origin")
	}
	if it == nil {
		return
	}
	if l.HSCode.Valid() {
		if it.HSCode.Valid() && l.HSCode.Subheading() != it.HSCode.Subheading() {
			c.add(RuleHSCodeCatalog, linePath(i, "hs_code"), fmt.Sprintf("HS code %s is the catalog's code for this SKU", formatHS(it.HSCode)),
				"HS code %s is not the catalog's code for %s", formatHS(l.HSCode), clip(it.SKU))
		} else if !it.HSCode.Valid() && it.Category != "" {
			if cat, ok := c.v.opts.Catalog.Category(it.Category); ok && !cat.Plausible(l.HSCode) {
				c.add(RuleHSCodeCatalog, linePath(i, "hs_code"), fmt.Sprintf("codes for %s start with %s", cat.Name, strings.Join(cat.HSPrefixes, ", ")),
					"HS code %s is not plausible for category %s", formatHS(l.HSCode), cat.Name)
			}
		}
	}
	if l.OriginCountry.Valid() && it.OriginCountry != "" && l.OriginCountry != it.OriginCountry {
		c.add(RuleOriginCountry, linePath(i, "origin_country"), fmt.Sprintf("the catalog says %s for this SKU", it.OriginCountry),
			"origin %s is not the catalog's origin of %s", l.OriginCountry, clip(it.SKU))
	}
	if l.Unit.Valid() && it.Unit != "" && l.Unit != it.Unit {
		c.add(RuleUnitCode, linePath(i, "unit"), fmt.Sprintf("order in %s (%s)", it.Unit, it.Unit.Name()),
			"unit %s is not the catalog's unit for %s", l.Unit, clip(it.SKU))
	}
	if qty.IsPositive() {
		if it.MOQ.IsPositive() && qty.LessThan(it.MOQ.Decimal) {
			c.add(RuleMOQ, linePath(i, "quantity"), fmt.Sprintf("order at least %s", it.MOQ),
				"quantity %s is below the minimum order quantity %s of %s", l.Quantity, it.MOQ, clip(it.SKU))
		}
		if it.PackSize.IsPositive() && !qty.Mod(it.PackSize.Decimal).IsZero() {
			up := qty.Div(it.PackSize.Decimal).Ceil().Mul(it.PackSize.Decimal)
			c.add(RulePackSize, linePath(i, "quantity"), fmt.Sprintf("order %s", up),
				"quantity %s is not a multiple of the pack size %s of %s", l.Quantity, it.PackSize, clip(it.SKU))
		}
	}
	c.price(i, it)
}

func (c *check) price(i int, it *catalog.Item) {
	o, l := c.o, &c.o.Lines[i]
	if !c.on(RulePriceList) || l.UnitPrice.IsNegative() {
		return
	}
	on := o.OrderDate
	if !on.Valid() {
		on = c.today
	}
	p, ok := it.PriceOn(on)
	if !ok {
		if len(it.Prices) > 0 {
			c.add(RulePriceList, linePath(i, "unit_price"), "", "%s has no price list entry valid on %s", clip(it.SKU), on)
		}
		return
	}
	if p.Currency != o.Currency {
		return // supplier_currency reports it; prices in two currencies do not compare
	}
	tol := c.s.limits.priceTolerancePercent
	list := p.UnitPrice.Decimal
	diff := l.UnitPrice.Sub(list).Abs()
	var off bool
	if list.IsZero() {
		off = !diff.IsZero()
	} else {
		off = diff.Mul(hundred).GreaterThan(list.Mul(tol))
	}
	if off {
		pct := "∞"
		if !list.IsZero() {
			pct = l.UnitPrice.Sub(list).Mul(hundred).Div(list).StringFixed(1)
		}
		c.add(RulePriceList, linePath(i, "unit_price"), fmt.Sprintf("the price list says %s %s from %s", p.UnitPrice, p.Currency, p.ValidFrom),
			"unit price %s is %s%% off the price list (tolerance %s%%)", l.UnitPrice, pct, tol)
	}
}

// amountPrecision reports amounts with more decimals than the currency has.
func (c *check) amountPrecision() {
	o := c.o
	if !o.Currency.Valid() {
		return
	}
	places := int32(o.Currency.MinorUnits())
	chk := func(path string, d *canonical.Decimal) {
		if d != nil && !d.Decimal.Equal(d.Round(places)) {
			c.add(RulePricePrecision, path, d.Round(places).StringFixed(places), "%s has more decimals than %s allows (%d)", d, o.Currency, places)
		}
	}
	for i := range o.Lines {
		chk(linePath(i, "amount"), o.Lines[i].Amount)
	}
	chk("total_amount", o.TotalAmount)
}

func (c *check) capacity(ctx context.Context) error {
	o := c.o
	if !c.on(RuleCapacity) {
		return nil
	}
	// The quantity of each item over all its lines, reported at its first line.
	type use struct {
		first int
		qty   decimal.Decimal
	}
	var order []*catalog.Item
	uses := map[*catalog.Item]*use{}
	for i, it := range c.items {
		if it == nil || !o.Lines[i].Quantity.IsPositive() {
			continue
		}
		u, ok := uses[it]
		if !ok {
			u = &use{first: i}
			uses[it] = u
			order = append(order, it)
		}
		u.qty = u.qty.Add(o.Lines[i].Quantity.Decimal)
	}
	on := o.RequestedDeliveryDate
	if !on.Valid() {
		return nil
	}
	for _, it := range order {
		u := uses[it]
		if !it.CapacityPerWeek.IsPositive() && !it.CapacityPerMonth.IsPositive() {
			continue
		}
		cp, err := catalog.RemainingCapacity(ctx, c.v.opts.Commitments, it, on)
		if err != nil {
			return fmt.Errorf("validation: %w", err)
		}
		for _, p := range []struct {
			name    string
			limited bool
			per     catalog.Period
		}{{"week", cp.WeekLimited, cp.Week}, {"month", cp.MonthLimited, cp.Month}} {
			if p.limited && u.qty.GreaterThan(p.per.Remaining) {
				c.add(RuleCapacity, linePath(u.first, "quantity"), fmt.Sprintf("at most %s in the %s of %s, or another delivery date", decimal.Max(p.per.Remaining, decimal.Zero), p.name, p.per.From),
					"%s of %s exceed what is left of its capacity in the %s of %s: %s of %s (%s already ordered)",
					u.qty, clip(it.SKU), p.name, on, p.per.Remaining, p.per.Capacity, p.per.Committed)
				break
			}
		}
	}
	return nil
}

func (c *check) duplicate(ctx context.Context) error {
	o, idx := c.o, c.v.opts.Orders
	if idx == nil || !c.on(RuleDuplicateOrder) || o.Supplier.ID == "" || !o.OrderDate.Valid() || len(o.Lines) == 0 {
		return nil
	}
	w := c.s.limits.duplicateWindowDays
	t := o.OrderDate.Time()
	key := DuplicateKey(o)
	others, err := idx.OrdersByKey(ctx, key, canonical.DateOf(t.AddDate(0, 0, -w)), canonical.DateOf(t.AddDate(0, 0, w)))
	if err != nil {
		return fmt.Errorf("validation: duplicate orders of %s: %w", o.Supplier.ID, err)
	}
	for i := range others {
		other := &others[i]
		if other.OrderNumber == o.OrderNumber && other.Buyer.ID == o.Buyer.ID {
			continue // the same order again, not a duplicate
		}
		if DuplicateKey(other) == key {
			c.add(RuleDuplicateOrder, "order_number", "", "order %s of %s has the same supplier, items, quantities and delivery date",
				clip(other.OrderNumber), other.OrderDate)
			return nil
		}
	}
	return nil
}

// DuplicateKey is what makes two orders duplicates: the supplier, the
// requested delivery date and the multiset of (SKU, quantity, unit) lines.
// Line order, line numbers, prices and order numbers do not count. It is a
// hex SHA-256, the key the stores keep each order under
// (store.DuplicateKey), so that OrderIndex finds duplicates by it.
func DuplicateKey(o *canonical.Order) string { return store.DuplicateKey(o) }

// formatHS writes an HS code as customs documents do: 9403.60, 8481.80.81.
func formatHS(h canonical.HSCode) string {
	s := string(h)
	if !h.Valid() {
		return s
	}
	out := s[:4] + "." + s[4:6]
	for i := 6; i < len(s); i += 2 {
		out += "." + s[i:i+2]
	}
	return out
}

// MemoryOrders is an OrderIndex in memory, safe for concurrent use.
type MemoryOrders struct {
	mu     sync.Mutex
	orders map[string][]canonical.Order
}

// Add records an order as taken; the same order (buyer and order number)
// added again replaces the one before.
func (m *MemoryOrders) Add(o canonical.Order) {
	k := DuplicateKey(&o)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.orders == nil {
		m.orders = map[string][]canonical.Order{}
	}
	for i, old := range m.orders[k] {
		if old.OrderNumber == o.OrderNumber && old.Buyer.ID == o.Buyer.ID {
			m.orders[k][i] = o
			return
		}
	}
	m.orders[k] = append(m.orders[k], o)
}

// OrdersByKey implements OrderIndex.
func (m *MemoryOrders) OrdersByKey(_ context.Context, key string, from, to canonical.Date) ([]canonical.Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []canonical.Order
	for _, o := range m.orders[key] {
		if !o.OrderDate.Before(from) && !to.Before(o.OrderDate) {
			out = append(out, o)
		}
	}
	return out, nil
}
