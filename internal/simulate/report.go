package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/procurehub/procurehub/internal/kpi"
)

// Result is what the hub recorded of a simulated year, read back through
// its API.
type Result struct {
	Orders         int
	NeedsReview    int
	Caught         int // injected errors held for review
	FalsePositives int // orders held that had no injected error
	Delivered      int
	OnTime         int
	CycleDays      []float64 // order date → last delivery, per delivered order
	AlertsByKind   map[string]int
	AlertsEarly    int // alerts raised (in simulated time) before the order's requested date
	OrdersWarned   int // orders with such an alert
	Settlement     settlementKPIs
	Invoices       int
	// KPIs is the hub's own KPI report; nil when the endpoint is not there.
	KPIs *kpi.Report
}

type apiAlert struct {
	Kind        string            `json:"kind"`
	OccurredAt  time.Time         `json:"occurred_at"`
	OrderNumber string            `json:"order_number"`
	Data        map[string]string `json:"data"`
}

// Collect reads the hub's view of the year.
func Collect(ctx context.Context, h *Hub, w *World) (*Result, error) {
	c := &client{base: h.URL}
	r := &Result{AlertsByKind: map[string]int{}}
	orders, err := pages[apiOrder](ctx, c, "/api/v1/orders", "orders")
	if err != nil {
		return nil, err
	}
	r.Orders = len(orders)
	review, err := pages[apiOrder](ctx, c, "/api/v1/orders?status=needs_review", "orders")
	if err != nil {
		return nil, err
	}
	byNumber := map[string]*Order{}
	for _, o := range w.Orders {
		byNumber[o.Number] = o
	}
	r.NeedsReview = len(review)
	for _, o := range review {
		if wo := byNumber[o.OrderNumber]; wo != nil && wo.Error != "" {
			r.Caught++
		} else {
			r.FalsePositives++
		}
	}
	tr, err := c.tracking(ctx, w)
	if err != nil {
		return nil, err
	}
	for _, o := range w.Orders {
		t, ok := tr[o.Number]
		if !ok || t.Status != "delivered" {
			continue
		}
		var last time.Time
		for _, s := range t.Shipments {
			for _, e := range s.Events {
				if e.Status == "delivered" && e.OccurredAt.After(last) {
					last = e.OccurredAt
				}
			}
		}
		if last.IsZero() {
			continue
		}
		r.Delivered++
		r.CycleDays = append(r.CycleDays, last.Sub(o.OrderDate).Hours()/24)
		if !dateOf(last).After(o.Requested) {
			r.OnTime++
		}
	}
	alerts, err := pages[apiAlert](ctx, c, "/api/v1/alerts", "alerts")
	if err != nil {
		return nil, err
	}
	invoices := map[string]*Invoice{}
	for _, inv := range w.Invoices {
		invoices[inv.Number] = inv
	}
	warned := map[string]bool{}
	for _, a := range alerts {
		r.AlertsByKind[a.Kind]++
		o := byNumber[a.OrderNumber]
		inv := invoices[a.Data["invoice_number"]]
		if o == nil && inv != nil {
			o = inv.Order
		}
		if o == nil {
			continue
		}
		if at, ok := w.simulatedTime(a, o, inv); ok && at.Before(o.Requested) {
			r.AlertsEarly++
			warned[o.Number] = true
		}
	}
	r.OrdersWarned = len(warned)
	if err := c.get(ctx, "/api/v1/settlement/kpis", &r.Settlement); err != nil {
		return nil, err
	}
	r.Invoices = r.Settlement.Invoices
	r.KPIs, err = fetchReport(ctx, c)
	if err != nil && !errors.Is(err, errNotFound) {
		return nil, err
	}
	return r, nil
}

// simulatedTime places an alert in the simulated year. The hub stamps
// alerts with the wall clock at which it raised them, which in a
// simulation is seconds after the start, not a day of the simulated year
// (and would make the table depend on when it ran); what matters is the
// simulated moment of the input that raised it: the order for a
// validation finding, the invoice for an invoice risk. Alerts of other
// inputs are not placed.
func (w *World) simulatedTime(a apiAlert, o *Order, inv *Invoice) (time.Time, bool) {
	switch {
	case a.Kind == "order_needs_review":
		return o.OrderDate, true
	case inv != nil:
		return inv.Date, true
	}
	return time.Time{}, false
}

// fetchReport reads the hub's KPI report of the simulated year; an
// errNotFound error when the hub has no KPI endpoint.
func fetchReport(ctx context.Context, c *client) (*kpi.Report, error) {
	q := url.Values{"from": {"2026-01-01"}, "to": {"2026-12-31"}, "now": {"2026-12-31T23:59:59Z"}}
	var r kpi.Report
	if err := c.get(ctx, "/api/v1/kpis?"+q.Encode(), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// baseline is the manual process model over the same world.
type baseline struct {
	errorsReachingSupplier int
	cycleDays              []float64
	onTime, delivered      int
	settlementDays         []float64
}

// manualBaseline: the same goods move the same way, but each order waits
// OrderEntryDays for re-keying and ConfirmationDays for chasing before
// production starts, keying errors reach the supplier (none is caught
// before), an invoice is paid and then matched by hand MatchingDays later,
// and nobody is warned before the promised date.
func (w *World) manualBaseline() baseline {
	var b baseline
	m := w.Config.Manual
	extra := m.OrderEntryDays + m.ConfirmationDays
	for _, o := range w.Orders {
		if o.Error != "" {
			b.errorsReachingSupplier++
			continue
		}
		if o.DeliveredAt.IsZero() {
			continue
		}
		b.delivered++
		cycle := o.DeliveredAt.Sub(o.OrderDate).Hours()/24 + extra
		b.cycleDays = append(b.cycleDays, cycle)
		if !dateOf(o.DeliveredAt.Add(time.Duration(extra*24) * time.Hour)).After(o.Requested) {
			b.onTime++
		}
	}
	for _, inv := range w.Invoices {
		if len(inv.Payments) == 0 {
			continue
		}
		if inv.Payments[0].Partial && len(inv.Payments) < 2 {
			continue // still open at the year's end
		}
		last := inv.Payments[len(inv.Payments)-1].ValueDate
		b.settlementDays = append(b.settlementDays, last.Sub(inv.Date).Hours()/24+m.MatchingDays)
	}
	return b
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func days(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.1f days", v)
}

func pct(n, of int) string {
	if of == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(n)/float64(of), n, of)
}

func ptrPct(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

func ptrDays(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f days", *p)
}

// Print writes the world's figures and the KPI table. Everything printed
// is a function of the world and the hub's records: no wall-clock time,
// maps printed in key order.
func Print(out io.Writer, w *World, r *Result) {
	c := w.Counts
	fmt.Fprintf(out, "procurehub simulate: seed %d, %d orders from %s to %s\n\n", w.Seed, c.Orders,
		w.Config.FirstOrder.Format(time.DateOnly), w.Config.LastOrder.Format(time.DateOnly))
	fmt.Fprintf(out, "World: %d buyers, %d suppliers, %d logistics providers, %d banks\n", len(w.Buyers), len(w.Suppliers), len(w.Carriers), len(w.Banks))
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "  %s\t%v\n", k, v) }
	row("orders", c.Orders)
	row("order lines", c.Lines)
	var kinds []string
	for _, k := range sortedKeys(c.Errors) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, c.Errors[k]))
	}
	row("injected keying errors", fmt.Sprintf("%d (%s)", c.InjectedErrors(), strings.Join(kinds, ", ")))
	row("shipments (ASNs)", fmt.Sprintf("%d (%d orders shipped in two parts)", c.Shipments, c.PartialShipments))
	row("carrier events", c.TrackingEvents)
	row("production delays", c.ProductionDelays)
	row("transit delays", c.TransitDelays)
	row("customs holds", c.CustomsHolds)
	row("delivered in the year", fmt.Sprintf("%d (%d after the requested date)", c.DeliveredInYear, c.LateDeliveries))
	row("invoices", fmt.Sprintf("%d (%d duplicates, %d fraud attempts)", c.Invoices, c.Duplicates, c.Fraud))
	row("bank statements", fmt.Sprintf("%d with %d payments (%d partial invoices, %d with charges, %d in another currency)",
		c.Statements, c.BankEntries, c.PartialPayments, c.FeePayments, c.FXPayments))
	tw.Flush()

	b := w.manualBaseline()
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  measure\tmanual process (model)\twith procurehub (measured)\n")
	fmt.Fprintf(tw, "  -------\t----------------------\t--------------------------\n")
	inj := c.InjectedErrors()
	fmt.Fprintf(tw, "  keying errors caught before the supplier sees them\t%s\t%s\n", pct(0, inj), pct(r.Caught, inj))
	fmt.Fprintf(tw, "  orders held that had no keying error\t-\t%d\n", r.FalsePositives)
	fmt.Fprintf(tw, "  erroneous orders reaching the supplier\t%s\t%s\n", pct(b.errorsReachingSupplier, c.Orders), pct(inj-r.Caught, c.Orders))
	bm, bok := median(b.cycleDays)
	mm, mok := median(r.CycleDays)
	fmt.Fprintf(tw, "  order cycle, order → delivered (median)\t%s\t%s\n", days(bm, bok), days(mm, mok))
	fmt.Fprintf(tw, "  on-time delivery\t%s\t%s\n", pct(b.onTime, b.delivered), pct(r.OnTime, r.Delivered))
	sm, sok := median(b.settlementDays)
	fmt.Fprintf(tw, "  settlement cycle, invoice → paid and matched (median)\t%s\t%s\n", days(sm, sok), ptrDays(r.Settlement.Cycle.Median))
	fmt.Fprintf(tw, "  invoices auto-matched to bank entries\t0.0%%\t%s\n", ptrPct(r.Settlement.AutoMatchRate))
	fmt.Fprintf(tw, "  invoices passing the three-way match\tn/a\t%s\n", ptrPct(r.Settlement.MatchRate))
	fmt.Fprintf(tw, "  alerts raised before the promised date\t0\t%d (on %d orders)\n", r.AlertsEarly, r.OrdersWarned)
	fmt.Fprintf(tw, "  duplicate invoices flagged\t0 of %d\t%d alert(s)\n", c.Duplicates, r.AlertsByKind["duplicate_invoice"])
	fmt.Fprintf(tw, "  bank-account-change fraud flagged\t0 of %d\t%d alert(s)\n", c.Fraud, r.AlertsByKind["bank_account_changed"])
	tw.Flush()

	fmt.Fprintf(out, "\nStore: %d orders (%d held for review), %d invoices, %d bank entries (%d matched, %d waiting for finance), %d invoices reconciled, %d partially\n",
		r.Orders, r.NeedsReview, r.Invoices, r.Settlement.Entries, r.Settlement.EntriesMatched, r.Settlement.EntriesOpen,
		r.Settlement.Reconciled, r.Settlement.Partial)
	var ak []string
	for _, k := range sortedKeys(r.AlertsByKind) {
		ak = append(ak, fmt.Sprintf("%s %d", k, r.AlertsByKind[k]))
	}
	if len(ak) == 0 {
		ak = []string{"none"}
	}
	fmt.Fprintf(out, "Alerts by kind: %s\n", strings.Join(ak, ", "))
	printKPIs(out, r.KPIs)
	m := w.Config.Manual
	fmt.Fprintf(out, "\nManual model: %.0f days re-keying and %.0f days chasing confirmations per order, %.0f days matching per invoice, no error caught before the supplier, no alert before the promised date.\n",
		m.OrderEntryDays, m.ConfirmationDays, m.MatchingDays)
}

func printKPIs(out io.Writer, r *kpi.Report) {
	if r == nil {
		fmt.Fprintln(out, "\nKPIs: endpoint not available")
		return
	}
	g := r.Total
	fmt.Fprintln(out, "\nKPIs of the hub (GET /api/v1/kpis, 2026):")
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	stat := func(s kpi.Stat, unit string) string {
		if s.Median == nil {
			return "n/a"
		}
		return fmt.Sprintf("median %.1f %s (n=%d)", *s.Median, unit, s.Count)
	}
	fmt.Fprintf(tw, "  orders\t%d (%d open)\n", g.Orders, g.Open)
	fmt.Fprintf(tw, "  cycle\t%s\n", stat(g.CycleDays, "days"))
	fmt.Fprintf(tw, "  confirmation\t%s\n", stat(g.ConfirmationHours, "hours"))
	fmt.Fprintf(tw, "  error rate\t%s\n", ptrPct(g.ErrorRate))
	fmt.Fprintf(tw, "  tracking transparency\t%s\n", ptrPct(g.Transparency))
	fmt.Fprintf(tw, "  on-time rate\t%s\n", ptrPct(g.OnTimeRate))
	fmt.Fprintf(tw, "  delay rate\t%s\n", ptrPct(g.DelayRate))
	fmt.Fprintf(tw, "  settlement\t%s\n", stat(g.SettlementDays, "days"))
	var fx []string
	for _, k := range sortedKeysAny(g.FXGainLoss) {
		fx = append(fx, fmt.Sprintf("%s %s", k, g.FXGainLoss[k].String()))
	}
	if len(fx) > 0 {
		fmt.Fprintf(tw, "  FX gain/loss\t%s\n", strings.Join(fx, ", "))
	}
	var al []string
	for _, k := range sortedKeys(g.Alerts) {
		al = append(al, fmt.Sprintf("%s %d", k, g.Alerts[k]))
	}
	if len(al) > 0 {
		fmt.Fprintf(tw, "  alerts\t%s\n", strings.Join(al, ", "))
	}
	tw.Flush()
}

func sortedKeysAny[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Run generates the world of opt, starts a hub in opt.Dir, feeds it,
// prints the table to out and stops the hub.
func Run(ctx context.Context, opt Options, out io.Writer) error {
	w, err := Generate(opt.Config, opt.Seed)
	if err != nil {
		return err
	}
	h, err := StartHub(ctx, w, opt.Dir, opt.Log)
	if err != nil {
		return err
	}
	err = Feed(ctx, h, w, opt)
	var r *Result
	if err == nil {
		r, err = Collect(ctx, h, w)
	}
	if serr := h.Stop(); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	Print(out, w, r)
	return nil
}
