package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/kpi"
	"github.com/procurehub/procurehub/internal/store"
)

// KPIStore is what the KPIs are computed from: orders and their facts,
// invoices, reconciled bank entries and alerts.
type KPIStore interface {
	ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error)
	OrderFacts(ctx context.Context, f store.FactFilter) ([]store.OrderFact, string, error)
	ListInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, string, error)
	BankEntries(ctx context.Context, f store.BankEntryFilter) ([]store.BankEntry, string, error)
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error)
}

// kpiReaders may read KPIs: a buyer or a viewer those of its party's
// orders, a supplier those of the orders it supplies, finance and admins
// all.
var kpiReaders = []auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleFinance, auth.RoleViewer}

// maxKPIRows bounds what one KPI request reads; a larger history needs a
// narrower period.
const maxKPIRows = 500_000

func (s *server) kpiRoutes() []Route {
	on := s.cfg.KPIs != nil
	return []Route{
		{Method: http.MethodGet, Pattern: "/kpis", Summary: "KPIs by period, supplier, logistics provider, lane or buyer (group_by): order cycle, confirmation time, error rate, tracking transparency, on-time and delay rates, settlement cycle, FX gain/loss, alerts; format=csv or xlsx to export.",
			Roles: kpiReaders, Scope: ScopeNone, Query: []string{"from", "to", "group_by", "now", "transparency_hours", "format"},
			Enabled: on, Handler: s.getKPIs},
		{Method: http.MethodGet, Pattern: "/kpis/scorecards", Summary: "Scorecards of suppliers (of=supplier) or logistics providers (of=carrier), best first, with a grade.",
			Roles: kpiReaders, Scope: ScopeNone, Query: []string{"of", "from", "to", "now", "transparency_hours"},
			Enabled: on, Handler: s.getScorecards},
	}
}

// kpiQuery reads a KPI request's query; it answers 400 itself and reports
// false on a bad parameter.
func kpiQuery(w http.ResponseWriter, r *http.Request) (kpi.Query, bool) {
	q := r.URL.Query()
	k := kpi.Query{GroupBy: kpi.Dimension(q.Get("group_by")), Now: time.Now().UTC(), TransparencyHours: 48}
	for name, d := range map[string]*canonical.Date{"from": &k.From, "to": &k.To} {
		if v := q.Get(name); v != "" {
			var err error
			if *d, err = canonical.ParseDate(v); err != nil {
				writeError(w, http.StatusBadRequest, "bad_"+name, name+" is a date, YYYY-MM-DD: "+strconv.Quote(v))
				return k, false
			}
		}
	}
	switch k.GroupBy {
	case kpi.ByNone, kpi.ByMonth, kpi.BySupplier, kpi.ByCarrier, kpi.ByLane, kpi.ByBuyer:
	default:
		writeError(w, http.StatusBadRequest, "bad_group_by", "group_by is month, supplier, carrier, lane or buyer")
		return k, false
	}
	if v := q.Get("now"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_now", "now is an RFC 3339 time: "+strconv.Quote(v))
			return k, false
		}
		k.Now = t.UTC()
	}
	if v := q.Get("transparency_hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 24*365 {
			writeError(w, http.StatusBadRequest, "bad_transparency_hours", "transparency_hours is a number of hours from 1")
			return k, false
		}
		k.TransparencyHours = n
	}
	return k, true
}

// kpiScope is whose orders a caller's KPIs cover: its buyer or supplier
// party, or all for finance, admins and an open API.
type kpiScope struct {
	buyer, supplier string
	all             bool
}

func kpiScopeOf(r *http.Request) kpiScope {
	p, ok := auth.FromContext(r.Context())
	switch {
	case !ok || p.Admin() || p.Has(auth.RoleFinance):
		return kpiScope{all: true}
	case p.Has(auth.RoleBuyer) || p.Has(auth.RoleViewer):
		return kpiScope{buyer: p.PartyID}
	default:
		return kpiScope{supplier: p.PartyID}
	}
}

// kpiInputs reads what a report needs for the caller's scope.
func (s *server) kpiInputs(ctx context.Context, sc kpiScope, q kpi.Query) (kpi.Inputs, error) {
	var in kpi.Inputs
	st := s.cfg.KPIs
	b := &kpiBudget{left: maxKPIRows}
	// Facts first: the projector's. An order it has not seen yet (nothing
	// happened to it since it arrived) is read from the order itself.
	ff := store.FactFilter{BuyerID: sc.buyer, SupplierID: sc.supplier, From: q.From, To: q.To, Limit: store.MaxLimit}
	facts, err := readKPI(b, "order facts", func(cursor string) ([]store.OrderFact, string, error) {
		ff.Cursor = cursor
		return st.OrderFacts(ctx, ff)
	})
	if err != nil {
		return in, err
	}
	in.Facts = facts
	have := map[[2]string]bool{}
	for _, f := range facts {
		have[[2]string{f.BuyerID, f.OrderNumber}] = true
	}
	of := store.OrderFilter{BuyerID: sc.buyer, SupplierID: sc.supplier, Limit: store.MaxLimit}
	stored, err := readKPI(b, "orders", func(cursor string) ([]store.StoredOrder, string, error) {
		of.Cursor = cursor
		return st.ListOrders(ctx, of)
	})
	if err != nil {
		return in, err
	}
	orders := map[string]bool{}
	for _, o := range stored {
		orders[o.Order.OrderNumber] = true
		if !have[[2]string{o.Order.Buyer.ID, o.Order.OrderNumber}] && inPeriod(o.Order.OrderDate, q) {
			in.Facts = append(in.Facts, kpi.FactFromOrder(o))
		}
	}
	inf := store.InvoiceFilter{BuyerID: sc.buyer, SupplierID: sc.supplier, Limit: store.MaxLimit}
	if in.Invoices, err = readKPI(b, "invoices", func(cursor string) ([]store.StoredInvoice, string, error) {
		inf.Cursor = cursor
		return st.ListInvoices(ctx, inf)
	}); err != nil {
		return in, err
	}
	// Bank entries are the hub's accounts, not a party's: only a caller who
	// sees everything gets the FX result of the payments.
	if sc.all {
		for _, status := range []string{store.EntryMatched, store.EntryManual} {
			bf := store.BankEntryFilter{Status: status, Limit: store.MaxLimit}
			entries, err := readKPI(b, "bank entries", func(cursor string) ([]store.BankEntry, string, error) {
				bf.Cursor = cursor
				return st.BankEntries(ctx, bf)
			})
			if err != nil {
				return in, err
			}
			in.Entries = append(in.Entries, entries...)
		}
	}
	af := store.AlertFilter{Limit: store.MaxLimit}
	alerts, err := readKPI(b, "alerts", func(cursor string) ([]store.Alert, string, error) {
		af.Cursor = cursor
		return st.ListAlerts(ctx, af)
	})
	if err != nil {
		return in, err
	}
	for _, a := range alerts {
		// A party counts the alerts about its own orders only.
		if sc.all || orders[a.OrderNumber] {
			in.Alerts = append(in.Alerts, a)
		}
	}
	return in, nil
}

// kpiBudget is what is left of maxKPIRows for one request.
type kpiBudget struct{ left int }

// readKPI reads one list within what is left of the budget: a list that
// would take more is an ErrInvalid asking for a shorter period.
func readKPI[T any](b *kpiBudget, what string, page func(cursor string) ([]T, string, error)) ([]T, error) {
	items, more, err := store.ReadPages(b.left+1, page)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b.left -= len(items)
	if more || b.left < 0 {
		return nil, fmt.Errorf("%w: more than %d records; ask for a shorter period (from, to)", store.ErrInvalid, maxKPIRows)
	}
	return items, nil
}

func inPeriod(d canonical.Date, q kpi.Query) bool {
	if d.IsZero() {
		return q.From.IsZero() && q.To.IsZero()
	}
	return (q.From.IsZero() || !d.Before(q.From)) && (q.To.IsZero() || !q.To.Before(d))
}

func (s *server) getKPIs(w http.ResponseWriter, r *http.Request) {
	q, ok := kpiQuery(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" && format != "xlsx" {
		writeError(w, http.StatusBadRequest, "bad_format", "format is json, csv or xlsx")
		return
	}
	in, err := s.kpiInputs(r.Context(), kpiScopeOf(r), q)
	if !s.kpisRead(w, r, err) {
		return
	}
	rep := kpi.Compute(in, q)
	switch format {
	case "csv":
		var b bytes.Buffer
		if err := rep.WriteCSV(&b); err != nil {
			s.internal(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="procurehub-kpis.csv"`)
		_, _ = w.Write(b.Bytes())
	case "xlsx":
		var b bytes.Buffer
		if err := rep.WriteXLSX(&b); err != nil {
			s.internal(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="procurehub-kpis.xlsx"`)
		_, _ = w.Write(b.Bytes())
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

func (s *server) getScorecards(w http.ResponseWriter, r *http.Request) {
	q, ok := kpiQuery(w, r)
	if !ok {
		return
	}
	var d kpi.Dimension
	switch of := r.URL.Query().Get("of"); of {
	case "", "supplier":
		d = kpi.BySupplier
	case "carrier":
		d = kpi.ByCarrier
	default:
		writeError(w, http.StatusBadRequest, "bad_of", "of is supplier or carrier")
		return
	}
	in, err := s.kpiInputs(r.Context(), kpiScopeOf(r), q)
	if !s.kpisRead(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"of": string(d), "scorecards": kpi.Scorecards(in, q, d)})
}

// kpisRead answers a failed read: 422 when the period holds too much.
func (s *server) kpisRead(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusUnprocessableEntity, "too_much", err.Error())
	default:
		s.internal(w, r, err)
	}
	return false
}
