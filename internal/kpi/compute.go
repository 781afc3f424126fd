package kpi

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/store"
)

// DefaultTransparencyHours is how fresh an open order's last update must
// be to count as transparent when the query does not say.
const DefaultTransparencyHours = 48

// Unknown is the key of a group whose dimension value is not known (an
// order without a carrier yet, a lane side without a country).
const Unknown = "?"

// closedStates are the states in which an order is no longer open: the
// goods arrived, or it will never be fulfilled.
var closedStates = []string{
	string(lifecycle.StateDelivered), string(lifecycle.StateInvoiced), string(lifecycle.StatePaid),
	string(lifecycle.StateClosed), string(lifecycle.StateCancelled), string(lifecycle.StateRejected),
}

// Open reports whether the fact's order is still open: not delivered (or
// beyond), closed, cancelled or rejected.
func Open(f store.OrderFact) bool { return !slices.Contains(closedStates, f.State) }

// Compute computes the report of the query: the total and, when q.GroupBy
// is set, one group per value of the dimension, sorted by key.
//
// Orders are chosen by order date (their creation date when they have
// none), invoices by invoice date (else the date first received), alerts
// by the date they occurred, FX differences by their invoice's date (else
// the bank entry's value date). An invoice or alert is put in the groups of
// the orders it names; one naming no known order counts only in the total.
// Grouped by month, an invoice falls in its own month; grouped by supplier,
// under its own supplier.
//
// Dates of times (delivery, payment, Now) are taken in UTC, as the
// lifecycle places date-only records at UTC midnight. Bank entries whose
// allocations cannot be read are left out: Compute has no error to report,
// and the reconciliation that wrote them validated them.
func Compute(in Inputs, q Query) Report {
	c := newComputation(in, q)
	for _, f := range in.Facts {
		if !c.inRange(orderDate(f)) {
			continue
		}
		c.addFact(f)
	}
	for i := range in.Invoices {
		inv := &in.Invoices[i]
		if inv.Invoice == nil || !c.inRange(invoiceDate(inv)) {
			continue
		}
		c.addInvoice(inv)
	}
	for i := range in.Entries {
		c.addEntry(&in.Entries[i])
	}
	for i := range in.Alerts {
		a := &in.Alerts[i]
		if !c.inRange(canonical.DateOf(a.OccurredAt.UTC())) {
			continue
		}
		c.addAlert(a)
	}

	r := Report{Query: q, Total: c.total.group(q)}
	for _, key := range slices.Sorted(maps.Keys(c.groups)) {
		r.Groups = append(r.Groups, c.groups[key].group(q))
	}
	return r
}

// computation holds a Compute between inputs.
type computation struct {
	q      Query
	total  *acc
	groups map[string]*acc
	// facts by order number, for the invoices and alerts that name orders.
	byNumber map[string][]*store.OrderFact
	// invoices by reconcile item id (supplier id NUL invoice number).
	byItem map[string][]*store.StoredInvoice
}

func newComputation(in Inputs, q Query) *computation {
	c := &computation{
		q: q, total: &acc{}, groups: map[string]*acc{},
		byNumber: map[string][]*store.OrderFact{},
		byItem:   map[string][]*store.StoredInvoice{},
	}
	// Every fact, not only those in the date range: the dimension of an
	// order an invoice names does not depend on when it was ordered.
	for i := range in.Facts {
		f := &in.Facts[i]
		c.byNumber[f.OrderNumber] = append(c.byNumber[f.OrderNumber], f)
	}
	for i := range in.Invoices {
		si := &in.Invoices[i]
		if si.Invoice == nil {
			continue
		}
		id := si.Invoice.Supplier.ID + "\x00" + si.Invoice.InvoiceNumber
		c.byItem[id] = append(c.byItem[id], si)
	}
	return c
}

// into calls add for the total and for each group named by keys, once per
// distinct key.
func (c *computation) into(keys []string, add func(*acc)) {
	add(c.total)
	if c.q.GroupBy == ByNone {
		return
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		g := c.groups[k]
		if g == nil {
			g = &acc{key: k}
			c.groups[k] = g
		}
		add(g)
	}
}

func (c *computation) inRange(d canonical.Date) bool {
	if !c.q.From.IsZero() && (d.IsZero() || d.Before(c.q.From)) {
		return false
	}
	if !c.q.To.IsZero() && (d.IsZero() || c.q.To.Before(d)) {
		return false
	}
	return true
}

func (c *computation) addFact(f store.OrderFact) {
	hours := c.q.TransparencyHours
	if hours <= 0 {
		hours = DefaultTransparencyHours
	}
	open := Open(f)
	today := canonical.DateOf(c.q.Now.UTC())
	c.into([]string{factKey(c.q.GroupBy, &f)}, func(a *acc) {
		a.orders++
		if f.NeededCorrection {
			a.corrected++
		}
		if open {
			a.open++
			if c.q.Now.Sub(f.LastUpdateAt) <= time.Duration(hours)*time.Hour {
				a.fresh++
			}
		}
		if f.ConfirmedAt != nil {
			a.confirmHours = append(a.confirmHours, sinceCreated(f, *f.ConfirmedAt).Hours())
		}
		if f.DeliveredAt != nil {
			a.cycleDays = append(a.cycleDays, sinceCreated(f, *f.DeliveredAt).Hours()/24)
		}
		if f.RequestedDate.IsZero() {
			return
		}
		if f.DeliveredAt != nil {
			a.deliveredDated++
			a.dated++
			if f.RequestedDate.Before(canonical.DateOf(f.DeliveredAt.UTC())) {
				a.late++
			} else {
				a.onTime++
			}
			return
		}
		if f.State == string(lifecycle.StateCancelled) || f.State == string(lifecycle.StateRejected) {
			return // it will never arrive: neither late nor on time
		}
		a.dated++
		if (open && f.RequestedDate.Before(today)) || (!f.ETA.IsZero() && f.RequestedDate.Before(f.ETA)) {
			a.late++
		}
	})
}

// sinceCreated is the time from the order's start to at. The start is
// when the order reached the hub; for an order whose history was loaded
// later (a milestone of it happened before it reached the hub: a year's
// files replayed, a simulation) it is its order date, midnight UTC, so
// that its cycle is the business's, not the loading's. A milestone before
// the start took no time as far as the hub can tell.
func sinceCreated(f store.OrderFact, at time.Time) time.Duration {
	return max(at.Sub(orderStart(f)), 0)
}

func orderStart(f store.OrderFact) time.Time {
	if f.OrderDate.IsZero() {
		return f.CreatedAt
	}
	for _, m := range []*time.Time{f.ConfirmedAt, f.ShippedAt, f.DeliveredAt} {
		if m != nil && m.Before(f.CreatedAt) {
			return f.OrderDate.Time()
		}
	}
	return f.CreatedAt
}

func (c *computation) addInvoice(si *store.StoredInvoice) {
	c.into(c.invoiceKeys(si), func(a *acc) {
		if si.Settlement != store.SettlementReconciled || si.PaidAt == nil {
			return
		}
		paid := canonical.DateOf(si.PaidAt.UTC()).Time()
		a.settleDays = append(a.settleDays, paid.Sub(invoiceDate(si).Time()).Hours()/24)
	})
}

// invoiceKeys are the groups an invoice counts in.
func (c *computation) invoiceKeys(si *store.StoredInvoice) []string {
	inv := si.Invoice
	switch c.q.GroupBy {
	case ByNone:
		return nil
	case ByMonth:
		return []string{monthKey(invoiceDate(si))}
	case BySupplier:
		return []string{orUnknown(inv.Supplier.ID)}
	}
	var keys []string
	for _, n := range inv.OrderNumbers {
		for _, f := range c.byNumber[n] {
			if inv.Buyer.ID == "" || f.BuyerID == inv.Buyer.ID {
				keys = append(keys, factKey(c.q.GroupBy, f))
			}
		}
	}
	return keys
}

func (c *computation) addEntry(e *store.BankEntry) {
	if (e.Status != store.EntryMatched && e.Status != store.EntryManual) || len(e.Allocations) == 0 {
		return
	}
	var allocs []reconcile.Allocation
	if err := json.Unmarshal(e.Allocations, &allocs); err != nil {
		return
	}
	for _, al := range allocs {
		if al.FXDifference.IsZero() {
			continue
		}
		invoices := c.byItem[al.ItemID]
		var keys []string
		counted := false
		for _, si := range invoices {
			if !c.inRange(invoiceDate(si)) {
				continue
			}
			counted = true
			keys = append(keys, c.invoiceKeys(si)...)
		}
		if len(invoices) == 0 {
			// The invoice is not among the inputs: the entry's own date
			// decides, and it counts only in the total.
			counted = c.inRange(entryDate(e))
		}
		if !counted {
			continue
		}
		c.into(keys, func(a *acc) {
			if a.fx == nil {
				a.fx = map[canonical.Currency]canonical.Decimal{}
			}
			a.fx[al.Currency] = canonical.NewDecimal(a.fx[al.Currency].Add(al.FXDifference.Decimal))
		})
	}
}

func (c *computation) addAlert(al *store.Alert) {
	number := al.Data["order_number"]
	if number == "" {
		number = al.OrderNumber
	}
	var keys []string
	if c.q.GroupBy != ByNone && number != "" {
		buyer := al.Data["buyer_id"]
		for _, f := range c.byNumber[number] {
			if buyer == "" || f.BuyerID == buyer {
				keys = append(keys, factKey(c.q.GroupBy, f))
			}
		}
	}
	kind := al.Kind
	if kind == "" {
		kind = "other"
	}
	c.into(keys, func(a *acc) {
		if a.alerts == nil {
			a.alerts = map[string]int{}
		}
		a.alerts[kind]++
	})
}

// factKey is the order's value of the dimension.
func factKey(d Dimension, f *store.OrderFact) string {
	switch d {
	case ByMonth:
		return monthKey(orderDate(*f))
	case BySupplier:
		return orUnknown(f.SupplierID)
	case ByCarrier:
		return orUnknown(f.Carrier)
	case ByLane:
		return orUnknown(string(f.Origin)) + "→" + orUnknown(string(f.Destination))
	case ByBuyer:
		return orUnknown(f.BuyerID)
	}
	return ""
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return Unknown
	}
	return s
}

func monthKey(d canonical.Date) string {
	if d.IsZero() {
		return Unknown
	}
	return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
}

// orderDate is the fact's order date, else the day it reached the hub.
func orderDate(f store.OrderFact) canonical.Date {
	if !f.OrderDate.IsZero() || f.CreatedAt.IsZero() {
		return f.OrderDate
	}
	return canonical.DateOf(f.CreatedAt.UTC())
}

// invoiceDate is the invoice's date, else the day it was first received.
func invoiceDate(si *store.StoredInvoice) canonical.Date {
	if si.Invoice != nil && !si.Invoice.InvoiceDate.IsZero() {
		return si.Invoice.InvoiceDate
	}
	if si.CreatedAt.IsZero() {
		return canonical.Date{}
	}
	return canonical.DateOf(si.CreatedAt.UTC())
}

// entryDate is the bank entry's value date, else its booking date, else
// the day it was reconciled.
func entryDate(e *store.BankEntry) canonical.Date {
	switch {
	case !e.Transaction.ValueDate.IsZero():
		return e.Transaction.ValueDate
	case !e.Transaction.BookingDate.IsZero():
		return e.Transaction.BookingDate
	case e.ReconciledAt != nil:
		return canonical.DateOf(e.ReconciledAt.UTC())
	}
	return canonical.Date{}
}

// acc accumulates one group.
type acc struct {
	key                                 string
	orders, open, fresh, corrected      int
	deliveredDated, onTime, dated, late int
	cycleDays, confirmHours, settleDays []float64
	fx                                  map[canonical.Currency]canonical.Decimal
	alerts                              map[string]int
}

func (a *acc) group(q Query) Group {
	return Group{
		Key:               a.key,
		Orders:            a.orders,
		Open:              a.open,
		CycleDays:         statOf(a.cycleDays),
		ConfirmationHours: statOf(a.confirmHours),
		ErrorRate:         rate(a.corrected, a.orders),
		Transparency:      rate(a.fresh, a.open),
		OnTimeRate:        rate(a.onTime, a.deliveredDated),
		DelayRate:         rate(a.late, a.dated),
		SettlementDays:    statOf(a.settleDays),
		FXGainLoss:        a.fx,
		Alerts:            a.alerts,
	}
}

// statOf summarises durations. The samples are sorted first, so the mean
// is summed in the same order whatever the order of the inputs. P90 is the
// nearest-rank percentile: a value that occurred.
func statOf(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	p90 := s[int(math.Ceil(0.9*float64(n)))-1]
	return Stat{Count: n, Mean: round(sum/float64(n), 1), Median: round(median, 1), P90: round(p90, 1)}
}

func rate(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	return round(float64(num)/float64(den), 4)
}

func round(x float64, decimals int) *float64 {
	p := math.Pow(10, float64(decimals))
	r := math.Round(x*p) / p
	if r == 0 {
		r = 0 // no "-0" in exports
	}
	return &r
}
