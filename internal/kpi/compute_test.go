package kpi

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/store"
)

// now is when the reports below are computed: March 20, 2026, noon.
var now = march(20, 12)

// fact is an order from SUP-CN (China) to ACME in Germany, ordered and
// stored on March 2, requested for March 15, still submitted.
func fact(number string, edits ...func(*store.OrderFact)) store.OrderFact {
	f := store.OrderFact{
		BuyerID: "ACME", OrderNumber: number, SupplierID: "SUP-CN", Carrier: "DHL",
		Origin: "CN", Destination: "DE", Currency: "USD", TotalAmount: canonical.MustDecimal("100.00"),
		OrderDate: date(time.March, 2), RequestedDate: date(time.March, 15),
		State: "submitted", CreatedAt: march(2, 8), LastUpdateAt: march(2, 8), ProjectedAt: now,
	}
	for _, e := range edits {
		e(&f)
	}
	return f
}

func delivered(at time.Time) func(*store.OrderFact) {
	return func(f *store.OrderFact) { f.State, f.DeliveredAt, f.LastUpdateAt = "delivered", ptr(at), at }
}

func state(s string, lastUpdate time.Time) func(*store.OrderFact) {
	return func(f *store.OrderFact) { f.State, f.LastUpdateAt = s, lastUpdate }
}

func invoice(number string, day int, orders ...string) store.StoredInvoice {
	return store.StoredInvoice{
		Invoice: &canonical.Invoice{InvoiceNumber: number, InvoiceDate: date(time.March, day), OrderNumbers: orders,
			Supplier: canonical.Party{ID: "SUP-CN"}, Buyer: canonical.Party{ID: "ACME"}, Currency: "USD",
			TotalAmount: canonical.MustDecimal("100.00")},
		Settlement: store.SettlementUnmatched, CreatedAt: march(day, 9),
	}
}

func paid(si store.StoredInvoice, at time.Time) store.StoredInvoice {
	si.Settlement, si.PaidAt = store.SettlementReconciled, ptr(at)
	return si
}

func entry(t *testing.T, status string, allocs ...reconcile.Allocation) store.BankEntry {
	t.Helper()
	raw, err := json.Marshal(allocs)
	if err != nil {
		t.Fatal(err)
	}
	return store.BankEntry{ID: "E", Status: status, Allocations: raw,
		Transaction: canonical.BankTransaction{ValueDate: date(time.March, 18)}}
}

func fxAlloc(supplier, invoiceNumber, currency, fx string) reconcile.Allocation {
	return reconcile.Allocation{ItemID: supplier + "\x00" + invoiceNumber, InvoiceNumber: invoiceNumber,
		Currency: canonical.Currency(currency), Amount: canonical.MustDecimal("100"), Method: "fx",
		FXDifference: canonical.MustDecimal(fx)}
}

func alert(kind, order string) store.Alert {
	a := store.Alert{ID: kind + order, Kind: kind, OccurredAt: march(10, 9), Data: map[string]string{}}
	if order != "" {
		a.Data["order_number"], a.OrderNumber = order, order
	}
	return a
}

// groupKeys are the report's group keys in order.
func groupKeys(r Report) []string {
	var keys []string
	for _, g := range r.Groups {
		keys = append(keys, g.Key)
	}
	return keys
}

func groupOf(t *testing.T, r Report, key string) Group {
	t.Helper()
	for _, g := range r.Groups {
		if g.Key == key {
			return g
		}
	}
	t.Fatalf("no group %q among %v", key, groupKeys(r))
	return Group{}
}

func stat(count int, mean, median, p90 float64) Stat {
	return Stat{Count: count, Mean: ptr(mean), Median: ptr(median), P90: ptr(p90)}
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name  string
		in    func(t *testing.T) Inputs
		q     Query
		check func(t *testing.T, r Report)
	}{
		{
			name: "an order delivered two days after its requested date counts as late",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1", delivered(march(17, 10)))}}
			},
			check: func(t *testing.T, r Report) {
				wantRate(t, "on time", r.Total.OnTimeRate, ptr(0.0))
				wantRate(t, "delay", r.Total.DelayRate, ptr(1.0))
			},
		},
		{
			name: "an order delivered late in the evening of its requested date is on time",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1", delivered(march(15, 23)))}}
			},
			check: func(t *testing.T, r Report) {
				wantRate(t, "on time", r.Total.OnTimeRate, ptr(1.0))
				wantRate(t, "delay", r.Total.DelayRate, ptr(0.0))
			},
		},
		{
			name: "an order still in transit past its requested date counts as late but not yet as on time or not",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1", state("in_transit", march(19, 12)))}}
			},
			check: func(t *testing.T, r Report) {
				wantRate(t, "on time", r.Total.OnTimeRate, nil)
				wantRate(t, "delay", r.Total.DelayRate, ptr(1.0))
			},
		},
		{
			name: "an order whose carrier expects it after the requested date counts as late before that date",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1", func(f *store.OrderFact) { f.RequestedDate, f.ETA = date(time.March, 25), date(time.March, 27) }),
					fact("PO-2", func(f *store.OrderFact) { f.RequestedDate, f.ETA = date(time.March, 25), date(time.March, 24) }),
				}}
			},
			check: func(t *testing.T, r Report) { wantRate(t, "delay", r.Total.DelayRate, ptr(0.5)) },
		},
		{
			name: "a cancelled order is neither late nor on time, and not open",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1", state("cancelled", march(3, 8)))}}
			},
			check: func(t *testing.T, r Report) {
				wantRate(t, "delay", r.Total.DelayRate, nil)
				if r.Total.Orders != 1 || r.Total.Open != 0 {
					t.Errorf("orders %d open %d; want 1 order, none open", r.Total.Orders, r.Total.Open)
				}
			},
		},
		{
			name: "an order without a requested date cannot be late",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1", func(f *store.OrderFact) { f.RequestedDate = canonical.Date{} })}}
			},
			check: func(t *testing.T, r Report) { wantRate(t, "delay", r.Total.DelayRate, nil) },
		},
		{
			name: "an open order silent for three days lowers transparency",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1", state("in_transit", march(19, 12))),
					fact("PO-2", state("in_transit", march(17, 12))),
					fact("PO-3", delivered(march(5, 12))), // delivered: not judged
				}}
			},
			check: func(t *testing.T, r Report) {
				wantRate(t, "transparency", r.Total.Transparency, ptr(0.5))
				if r.Total.Open != 2 {
					t.Errorf("open %d; want 2", r.Total.Open)
				}
			},
		},
		{
			name: "a buyer allowing 96 hours of silence sees a three-day-silent order as transparent",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-2", state("in_transit", march(17, 12)))}}
			},
			q:     Query{TransparencyHours: 96},
			check: func(t *testing.T, r Report) { wantRate(t, "transparency", r.Total.Transparency, ptr(1.0)) },
		},
		{
			name: "an amended order counts as needing correction",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1", func(f *store.OrderFact) { f.NeededCorrection = true }),
					fact("PO-2"), fact("PO-3"),
				}}
			},
			check: func(t *testing.T, r Report) { wantRate(t, "error", r.Total.ErrorRate, ptr(0.3333)) },
		},
		{
			name: "a supplier confirming a day after the order reached the hub took 24 hours",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1", func(f *store.OrderFact) { f.ConfirmedAt = ptr(march(3, 8)) }),
					fact("PO-2", func(f *store.OrderFact) { f.ConfirmedAt = ptr(march(2, 0)) }), // dated the order's day
				}}
			},
			check: func(t *testing.T, r Report) {
				wantStat(t, "confirmation hours", r.Total.ConfirmationHours, stat(2, 12, 12, 24))
			},
		},
		{
			name: "order-to-delivery cycles of 2, 4, 6, 8 and 30 days give mean 10, median 6, p90 30",
			in: func(*testing.T) Inputs {
				var facts []store.OrderFact
				for i, days := range []int{8, 2, 30, 6, 4} {
					facts = append(facts, fact("PO-"+string(rune('A'+i)), delivered(march(2, 8).AddDate(0, 0, days))))
				}
				return Inputs{Facts: facts}
			},
			check: func(t *testing.T, r Report) {
				wantStat(t, "cycle days", r.Total.CycleDays, stat(5, 10, 6, 30))
			},
		},
		{
			name: "grouping by lane keys CN→DE, and an unknown side is ?",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1"), fact("PO-2"),
					fact("PO-3", func(f *store.OrderFact) { f.Destination = "" }),
					fact("PO-4", func(f *store.OrderFact) { f.Origin = "VN" }),
				}}
			},
			q: Query{GroupBy: ByLane},
			check: func(t *testing.T, r Report) {
				if got := groupKeys(r); !slices.Equal(got, []string{"CN→?", "CN→DE", "VN→DE"}) {
					t.Errorf("groups %v", got)
				}
				if g := groupOf(t, r, "CN→DE"); g.Orders != 2 {
					t.Errorf("CN→DE has %d orders; want 2", g.Orders)
				}
				if r.Total.Orders != 4 || r.Total.Key != "" {
					t.Errorf("total %q has %d orders; want 4 under no key", r.Total.Key, r.Total.Orders)
				}
			},
		},
		{
			name: "grouping by month keys the order date's month",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1"), fact("PO-2", func(f *store.OrderFact) { f.OrderDate = date(time.February, 27) }),
				}}
			},
			q: Query{GroupBy: ByMonth},
			check: func(t *testing.T, r Report) {
				if got := groupKeys(r); !slices.Equal(got, []string{"2026-02", "2026-03"}) {
					t.Errorf("groups %v", got)
				}
			},
		},
		{
			name: "orders not yet handed to a carrier are grouped under ?",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{fact("PO-1"), fact("PO-2", func(f *store.OrderFact) { f.Carrier = "" })}}
			},
			q: Query{GroupBy: ByCarrier},
			check: func(t *testing.T, r Report) {
				if got := groupKeys(r); !slices.Equal(got, []string{"?", "DHL"}) {
					t.Errorf("groups %v", got)
				}
			},
		},
		{
			name: "orders placed outside the chosen dates are left out",
			in: func(*testing.T) Inputs {
				return Inputs{Facts: []store.OrderFact{
					fact("PO-1"),
					fact("PO-2", func(f *store.OrderFact) { f.OrderDate = date(time.February, 27) }),
					fact("PO-3", func(f *store.OrderFact) { f.OrderDate = date(time.March, 11) }),
				}}
			},
			q:     Query{From: date(time.March, 1), To: date(time.March, 10)},
			check: func(t *testing.T, r Report) { wantInt(t, "orders", r.Total.Orders, 1) },
		},
		{
			name: "an invoice paid 30 days after its date gives a settlement cycle of 30",
			in: func(*testing.T) Inputs {
				return Inputs{
					Facts:    []store.OrderFact{fact("PO-1")},
					Invoices: []store.StoredInvoice{paid(invoice("INV-1", 1, "PO-1"), march(31, 16)), invoice("INV-2", 3, "PO-1")},
				}
			},
			q: Query{GroupBy: BySupplier},
			check: func(t *testing.T, r Report) {
				wantStat(t, "settlement days", r.Total.SettlementDays, stat(1, 30, 30, 30))
				wantStat(t, "SUP-CN settlement days", groupOf(t, r, "SUP-CN").SettlementDays, stat(1, 30, 30, 30))
			},
		},
		{
			name: "an invoice for an order the hub does not know counts only in the total",
			in: func(*testing.T) Inputs {
				return Inputs{
					Facts:    []store.OrderFact{fact("PO-1")},
					Invoices: []store.StoredInvoice{paid(invoice("INV-1", 1, "PO-9"), march(11, 9)), paid(invoice("INV-2", 1, "PO-1"), march(21, 9))},
				}
			},
			q: Query{GroupBy: ByCarrier},
			check: func(t *testing.T, r Report) {
				wantStat(t, "total", r.Total.SettlementDays, stat(2, 15, 15, 20))
				wantStat(t, "DHL", groupOf(t, r, "DHL").SettlementDays, stat(1, 20, 20, 20))
			},
		},
		{
			name: "grouped by month an invoice falls in its own month",
			in: func(*testing.T) Inputs {
				inv := paid(invoice("INV-1", 1, "PO-1"), march(31, 9))
				inv.Invoice.InvoiceDate = date(time.April, 1)
				inv.PaidAt = ptr(time.Date(2026, time.April, 11, 9, 0, 0, 0, time.UTC))
				return Inputs{Facts: []store.OrderFact{fact("PO-1")}, Invoices: []store.StoredInvoice{inv}}
			},
			q: Query{GroupBy: ByMonth},
			check: func(t *testing.T, r Report) {
				if got := groupKeys(r); !slices.Equal(got, []string{"2026-03", "2026-04"}) {
					t.Fatalf("groups %v", got)
				}
				wantStat(t, "April", groupOf(t, r, "2026-04").SettlementDays, stat(1, 10, 10, 10))
			},
		},
		{
			name: "FX differences are summed per currency",
			in: func(t *testing.T) Inputs {
				return Inputs{
					Facts:    []store.OrderFact{fact("PO-1"), fact("PO-2", func(f *store.OrderFact) { f.Carrier = "Maersk" })},
					Invoices: []store.StoredInvoice{invoice("INV-1", 3, "PO-1"), invoice("INV-2", 4, "PO-2")},
					Entries: []store.BankEntry{
						entry(t, store.EntryMatched, fxAlloc("SUP-CN", "INV-1", "USD", "1.50"), fxAlloc("SUP-CN", "INV-2", "EUR", "2.00")),
						entry(t, store.EntryManual, fxAlloc("SUP-CN", "INV-1", "USD", "-0.25")),
						entry(t, store.EntryMatched, fxAlloc("SUP-XX", "INV-9", "USD", "10.00")), // unknown invoice: total only
						entry(t, store.EntryUnmatched, fxAlloc("SUP-CN", "INV-1", "USD", "100")),
					},
				}
			},
			q: Query{GroupBy: ByCarrier},
			check: func(t *testing.T, r Report) {
				wantFX(t, "total", r.Total.FXGainLoss, map[canonical.Currency]string{"USD": "11.25", "EUR": "2.00"})
				wantFX(t, "DHL", groupOf(t, r, "DHL").FXGainLoss, map[canonical.Currency]string{"USD": "1.25"})
				wantFX(t, "Maersk", groupOf(t, r, "Maersk").FXGainLoss, map[canonical.Currency]string{"EUR": "2.00"})
			},
		},
		{
			name: "alerts are counted by kind under their order's supplier, and all in the total",
			in: func(*testing.T) Inputs {
				return Inputs{
					Facts: []store.OrderFact{fact("PO-1"), fact("PO-2", func(f *store.OrderFact) { f.SupplierID = "SUP-VN" })},
					Alerts: []store.Alert{
						alert("eta_after_promised", "PO-1"), alert("eta_after_promised", "PO-1"),
						alert("order_needs_review", "PO-2"), alert("statement_gap", ""),
					},
				}
			},
			q: Query{GroupBy: BySupplier},
			check: func(t *testing.T, r Report) {
				want := map[string]int{"eta_after_promised": 2, "order_needs_review": 1, "statement_gap": 1}
				if !reflect.DeepEqual(r.Total.Alerts, want) {
					t.Errorf("total alerts %v; want %v", r.Total.Alerts, want)
				}
				if got := groupOf(t, r, "SUP-CN").Alerts; !reflect.DeepEqual(got, map[string]int{"eta_after_promised": 2}) {
					t.Errorf("SUP-CN alerts %v", got)
				}
			},
		},
		{
			name: "with no orders every rate and duration is empty rather than zero",
			in:   func(*testing.T) Inputs { return Inputs{} },
			check: func(t *testing.T, r Report) {
				g := r.Total
				if g.ErrorRate != nil || g.Transparency != nil || g.OnTimeRate != nil || g.DelayRate != nil ||
					g.CycleDays.Mean != nil || g.SettlementDays.P90 != nil || g.FXGainLoss != nil || g.Alerts != nil {
					t.Errorf("total %+v; want no values", g)
				}
				if r.Groups != nil {
					t.Errorf("groups %v; want none", r.Groups)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Now = now
			r := Compute(tt.in(t), q)
			if r.Query != q {
				t.Errorf("query %+v; want %+v", r.Query, q)
			}
			tt.check(t, r)
		})
	}
}

func wantRate(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if (got == nil) != (want == nil) || (got != nil && *got != *want) {
		t.Errorf("%s rate %s; want %s", what, show(got), show(want))
	}
}

func wantInt(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s %d; want %d", what, got, want)
	}
}

func wantStat(t *testing.T, what string, got, want Stat) {
	t.Helper()
	if got.Count != want.Count || show(got.Mean) != show(want.Mean) || show(got.Median) != show(want.Median) || show(got.P90) != show(want.P90) {
		t.Errorf("%s: count %d mean %s median %s p90 %s; want %d %s %s %s", what,
			got.Count, show(got.Mean), show(got.Median), show(got.P90),
			want.Count, show(want.Mean), show(want.Median), show(want.P90))
	}
}

func wantFX(t *testing.T, what string, got map[canonical.Currency]canonical.Decimal, want map[canonical.Currency]string) {
	t.Helper()
	ok := len(got) == len(want)
	for cur, w := range want {
		if !got[cur].Equal(canonical.MustDecimal(w)) {
			ok = false
		}
	}
	if !ok {
		t.Errorf("%s FX %v; want %v", what, got, want)
	}
}

func show(p *float64) string {
	if p == nil {
		return "nil"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

// richInputs has a bit of everything, for the tests that care about the
// whole report rather than one KPI.
func richInputs(t *testing.T) Inputs {
	return Inputs{
		Facts: []store.OrderFact{
			fact("PO-1", delivered(march(17, 10)), func(f *store.OrderFact) { f.ConfirmedAt = ptr(march(3, 8)) }),
			fact("PO-2", delivered(march(12, 10)), func(f *store.OrderFact) { f.SupplierID, f.Carrier, f.Origin = "SUP-VN", "Maersk", "VN" }),
			fact("PO-3", state("in_transit", march(17, 12)), func(f *store.OrderFact) { f.NeededCorrection = true }),
			fact("PO-4", state("confirmed", march(19, 12)), func(f *store.OrderFact) { f.OrderDate, f.Carrier = date(time.February, 20), "" }),
			fact("PO-5", delivered(march(9, 10)), func(f *store.OrderFact) { f.BuyerID = "GLOBEX" }),
			fact("PO-6", delivered(march(11, 10)), func(f *store.OrderFact) { f.SupplierID, f.Carrier, f.Origin = "SUP-VN", "Maersk", "VN" }),
		},
		Invoices: []store.StoredInvoice{
			paid(invoice("INV-1", 1, "PO-1"), march(31, 16)), paid(invoice("INV-2", 5, "PO-2", "PO-6"), march(15, 9)),
			invoice("INV-3", 6, "PO-3"), paid(invoice("INV-4", 2, "PO-9"), march(12, 9)),
		},
		Entries: []store.BankEntry{
			entry(t, store.EntryMatched, fxAlloc("SUP-CN", "INV-1", "USD", "1.50"), fxAlloc("SUP-CN", "INV-2", "EUR", "-2.00")),
			entry(t, store.EntryMatched, fxAlloc("SUP-CN", "INV-4", "USD", "0.30")),
		},
		Alerts: []store.Alert{
			alert("eta_after_promised", "PO-3"), alert("order_needs_review", "PO-3"), alert("eta_after_promised", "PO-1"),
			alert("statement_gap", ""),
		},
	}
}

func TestComputeDoesNotDependOnTheOrderOfItsInputs(t *testing.T) {
	in := richInputs(t)
	for _, d := range []Dimension{ByNone, ByMonth, BySupplier, ByCarrier, ByLane, ByBuyer} {
		q := Query{GroupBy: d, Now: now}
		want, err := json.Marshal(Compute(in, q))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(d))))
		for i := range 20 {
			shuffled := Inputs{
				Facts: slices.Clone(in.Facts), Invoices: slices.Clone(in.Invoices),
				Entries: slices.Clone(in.Entries), Alerts: slices.Clone(in.Alerts),
			}
			rng.Shuffle(len(shuffled.Facts), func(i, j int) { shuffled.Facts[i], shuffled.Facts[j] = shuffled.Facts[j], shuffled.Facts[i] })
			rng.Shuffle(len(shuffled.Invoices), func(i, j int) {
				shuffled.Invoices[i], shuffled.Invoices[j] = shuffled.Invoices[j], shuffled.Invoices[i]
			})
			rng.Shuffle(len(shuffled.Entries), func(i, j int) {
				shuffled.Entries[i], shuffled.Entries[j] = shuffled.Entries[j], shuffled.Entries[i]
			})
			rng.Shuffle(len(shuffled.Alerts), func(i, j int) { shuffled.Alerts[i], shuffled.Alerts[j] = shuffled.Alerts[j], shuffled.Alerts[i] })
			got, err := json.Marshal(Compute(shuffled, q))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("grouped by %q, shuffle %d gives\n%s\nwant\n%s", d, i, got, want)
			}
		}
	}
}

func TestAnOrderLoadedAfterItsHistoryIsTimedFromItsOrderDate(t *testing.T) {
	// A year's files replayed into a new hub: the order reached the hub on
	// 5 December, long after it was confirmed (3 March) and delivered (21
	// March). Its cycle is the business's: 1 March → 21 March.
	confirmed := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	delivered := time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)
	f := store.OrderFact{BuyerID: "B1", OrderNumber: "PO-REPLAYED", SupplierID: "S1", State: "delivered",
		OrderDate: canonical.NewDate(2026, 3, 1), CreatedAt: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC),
		ConfirmedAt: &confirmed, DeliveredAt: &delivered}
	r := Compute(Inputs{Facts: []store.OrderFact{f}}, Query{Now: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
	if r.Total.CycleDays.Median == nil || *r.Total.CycleDays.Median != 20 {
		t.Errorf("cycle %+v; want 20 days", r.Total.CycleDays)
	}
	if r.Total.ConfirmationHours.Median == nil || *r.Total.ConfirmationHours.Median != 60 {
		t.Errorf("confirmation %+v; want 60 hours", r.Total.ConfirmationHours)
	}
}
