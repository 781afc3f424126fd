package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// factZone is where the projector's clock runs in these cases: the stores
// must give the times back in UTC.
var factZone = time.FixedZone("CST", 8*3600)

// factTime is a time of the fixture, with microseconds, in factZone.
func factTime(day, hour int, micros int) time.Time {
	return time.Date(2026, time.March, day, hour, 15, 30, micros*1000, factZone)
}

// testFact is an order on its way: confirmed and shipped, not yet
// delivered, invoiced or paid, projected at projected.
func testFact(buyer, number string, projected time.Time) store.OrderFact {
	return store.OrderFact{
		BuyerID: buyer, OrderNumber: number, SupplierID: "SUP-CN-SZP",
		Carrier: "COSCO Shipping Lines", Origin: "CN", Destination: "DE",
		Currency: "EUR", TotalAmount: canonical.MustDecimal("12.50"),
		OrderDate: canonical.NewDate(2026, time.March, 2), RequestedDate: canonical.NewDate(2026, time.April, 20),
		State:       "shipped",
		CreatedAt:   factTime(2, 9, 123456),
		ConfirmedAt: ptr(factTime(3, 11, 1)),
		ShippedAt:   ptr(factTime(10, 16, 999999)),
		ETA:         canonical.NewDate(2026, time.April, 14),
		// Amended once: someone had to correct it.
		NeededCorrection: true,
		LastUpdateAt:     factTime(10, 16, 999999),
		ProjectedAt:      projected,
	}
}

func upsertFacts(t *testing.T, s Store, facts ...store.OrderFact) []bool {
	t.Helper()
	written, err := s.UpsertOrderFacts(t.Context(), facts)
	if err != nil {
		t.Fatalf("UpsertOrderFacts: %v", err)
	}
	if len(written) != len(facts) {
		t.Fatalf("UpsertOrderFacts returned %d results for %d facts", len(written), len(facts))
	}
	return written
}

func getFact(t *testing.T, s Store, buyer, number string) *store.OrderFact {
	t.Helper()
	got, err := s.GetOrderFact(t.Context(), buyer, number)
	if err != nil {
		t.Fatalf("GetOrderFact(%q, %q): %v", buyer, number, err)
	}
	return got
}

func wantWritten(t *testing.T, got []bool, want ...bool) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("written = %v, want %v", got, want)
	}
}

// factDiff lists the fields where got differs from want: text exactly,
// decimals by their digits and scale, dates exactly, times by time.Equal
// and in UTC.
func factDiff(got, want store.OrderFact) []string {
	var diff []string
	check := func(name string, g, w any) {
		if g != w {
			diff = append(diff, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	check("buyer id", got.BuyerID, want.BuyerID)
	check("order number", got.OrderNumber, want.OrderNumber)
	check("supplier id", got.SupplierID, want.SupplierID)
	check("carrier", got.Carrier, want.Carrier)
	check("origin", got.Origin, want.Origin)
	check("destination", got.Destination, want.Destination)
	check("currency", got.Currency, want.Currency)
	check("total amount", got.TotalAmount.String(), want.TotalAmount.String())
	check("order date", got.OrderDate, want.OrderDate)
	check("requested date", got.RequestedDate, want.RequestedDate)
	check("eta", got.ETA, want.ETA)
	check("state", got.State, want.State)
	check("needed correction", got.NeededCorrection, want.NeededCorrection)
	times := func(name string, g, w time.Time) {
		if !g.Equal(w) || g.Location() != time.UTC {
			diff = append(diff, fmt.Sprintf("%s = %v, want %v in UTC", name, g, w.UTC()))
		}
	}
	times("created at", got.CreatedAt, want.CreatedAt)
	times("last update at", got.LastUpdateAt, want.LastUpdateAt)
	times("projected at", got.ProjectedAt, want.ProjectedAt)
	for _, p := range []struct {
		name string
		g, w *time.Time
	}{{"confirmed at", got.ConfirmedAt, want.ConfirmedAt}, {"shipped at", got.ShippedAt, want.ShippedAt},
		{"delivered at", got.DeliveredAt, want.DeliveredAt}, {"invoiced at", got.InvoicedAt, want.InvoicedAt},
		{"paid at", got.PaidAt, want.PaidAt}} {
		switch {
		case p.g == nil && p.w == nil:
		case p.g == nil || p.w == nil:
			diff = append(diff, fmt.Sprintf("%s = %v, want %v", p.name, p.g, p.w))
		default:
			times(p.name, *p.g, *p.w)
		}
	}
	return diff
}

func wantFact(t *testing.T, got *store.OrderFact, want store.OrderFact) {
	t.Helper()
	if d := factDiff(*got, want); len(d) > 0 {
		t.Errorf("fact %s/%s read back differs from the one written:\n%s", want.BuyerID, want.OrderNumber, strings.Join(d, "\n"))
	}
}

func factReadBack(t *testing.T, s Store) {
	full := testFact("BUY-DE-01", "PO-1001", factTime(10, 17, 42))
	full.DeliveredAt = ptr(factTime(14, 8, 0))
	full.InvoicedAt = ptr(factTime(15, 8, 500000))
	full.PaidAt = ptr(time.Date(2026, time.April, 30, 23, 59, 59, 999999000, time.UTC))
	full.TotalAmount = canonical.MustDecimal("98765.4300")
	// A fact of an order just received: nothing known but its keys and times.
	bare := store.OrderFact{BuyerID: "BUY-DE-01", OrderNumber: "PO-1002", TotalAmount: canonical.MustDecimal("0.00"),
		CreatedAt: factTime(11, 9, 0), LastUpdateAt: factTime(11, 9, 0), ProjectedAt: factTime(11, 9, 1)}
	wantWritten(t, upsertFacts(t, s, full, bare), true, true)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1001"), full)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1002"), bare)
	if got := getFact(t, s, "BUY-DE-01", "PO-1001"); got.TotalAmount.String() != "98765.4300" {
		t.Errorf("total %s, want 98765.4300 (scale kept)", got.TotalAmount)
	}
	if got := getFact(t, s, "BUY-DE-01", "PO-1002"); got.TotalAmount.String() != "0.00" {
		t.Errorf("total %s, want 0.00 (scale kept)", got.TotalAmount)
	}
}

func factLateReplay(t *testing.T, s Store) {
	newer := testFact("BUY-DE-01", "PO-1001", factTime(10, 17, 0))
	wantWritten(t, upsertFacts(t, s, newer), true)

	// A replay that started before the newer one finishes after it.
	late := testFact("BUY-DE-01", "PO-1001", factTime(10, 16, 0))
	late.State, late.ShippedAt = "confirmed", nil
	wantWritten(t, upsertFacts(t, s, late), false)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1001"), newer)

	// The same projection written again is written (nothing newer is stored).
	wantWritten(t, upsertFacts(t, s, newer), true)

	// A newer projection replaces the whole row: a milestone it no longer
	// has (the shipment was cancelled) is gone.
	latest := testFact("BUY-DE-01", "PO-1001", factTime(12, 8, 0))
	latest.State, latest.ShippedAt, latest.Carrier, latest.ETA = "confirmed", nil, "", canonical.Date{}
	wantWritten(t, upsertFacts(t, s, latest), true)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1001"), latest)

	// Within one batch, too: the newer wins whatever the order.
	newest := testFact("BUY-DE-01", "PO-1001", factTime(13, 8, 0))
	newest.State = "delivered"
	older := testFact("BUY-DE-01", "PO-1001", factTime(12, 9, 0))
	wantWritten(t, upsertFacts(t, s, newest, older), true, false)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1001"), newest)

	// A microsecond is enough to be newer, or older.
	justOlder := newest
	justOlder.ProjectedAt = newest.ProjectedAt.Add(-time.Microsecond)
	justOlder.State = "shipped"
	justNewer := newest
	justNewer.ProjectedAt = newest.ProjectedAt.Add(time.Microsecond)
	justNewer.State = "invoiced"
	wantWritten(t, upsertFacts(t, s, justOlder, justNewer), false, true)
	wantFact(t, getFact(t, s, "BUY-DE-01", "PO-1001"), justNewer)
}

// listAllFacts walks every page of f.
func listAllFacts(t *testing.T, s Store, f store.FactFilter) []store.OrderFact {
	t.Helper()
	var all []store.OrderFact
	for range 1000 {
		list, next, err := s.OrderFacts(t.Context(), f)
		if err != nil {
			t.Fatalf("OrderFacts(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(list) > f.Limit {
			t.Fatalf("a page of %d facts with limit %d", len(list), f.Limit)
		}
		all = append(all, list...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
	t.Fatal("OrderFacts never returned an empty cursor")
	return nil
}

func factNumbers(facts []store.OrderFact) string {
	var n []string
	for _, f := range facts {
		n = append(n, f.OrderNumber)
	}
	return strings.Join(n, " ")
}

// pagedFacts stores facts of two buyers and two suppliers, some without an
// order date, in an order that is not their order date's, and returns
// their order numbers as listed: facts without an order date first, then
// by order date, ties in the order they were first stored.
func pagedFacts(t *testing.T, s Store) string {
	t.Helper()
	at := factTime(20, 8, 0)
	fact := func(buyer, number, supplier string, date canonical.Date) store.OrderFact {
		f := testFact(buyer, number, at)
		f.SupplierID, f.OrderDate = supplier, date
		return f
	}
	mar := func(day int) canonical.Date { return canonical.NewDate(2026, time.March, day) }
	upsertFacts(t, s,
		fact("BUY-A", "PO-05", "SUP-X", mar(5)),
		fact("BUY-B", "PO-ND1", "SUP-Y", canonical.Date{}),
		fact("BUY-A", "PO-01", "SUP-Y", mar(1)),
		fact("BUY-B", "PO-05b", "SUP-X", mar(5)),
	)
	upsertFacts(t, s,
		fact("BUY-A", "PO-ND2", "SUP-X", canonical.Date{}),
		fact("BUY-B", "PO-31", "SUP-Y", canonical.NewDate(2025, time.December, 31)),
		fact("BUY-A", "PO-05c", "SUP-Y", mar(5)),
		fact("BUY-A", "PO-20", "SUP-X", mar(20)),
	)
	return "PO-ND1 PO-ND2 PO-31 PO-01 PO-05 PO-05b PO-05c PO-20"
}

func factPaging(t *testing.T, s Store) {
	want := pagedFacts(t, s)
	for _, limit := range []int{1, 2, 3, 0} {
		if got := factNumbers(listAllFacts(t, s, store.FactFilter{Limit: limit})); got != want {
			t.Errorf("pages of %d: %s\nwant %s", limit, got, want)
		}
	}
	// A fact replaced keeps its place among the facts of its order date.
	again := testFact("BUY-A", "PO-05", factTime(21, 8, 0))
	again.SupplierID, again.OrderDate = "SUP-X", canonical.NewDate(2026, time.March, 5)
	wantWritten(t, upsertFacts(t, s, again), true)
	if got := factNumbers(listAllFacts(t, s, store.FactFilter{Limit: 2})); got != want {
		t.Errorf("after replacing PO-05: %s\nwant %s", got, want)
	}
	// A first page shorter than all has a cursor; the page after the last has none.
	first, next, err := s.OrderFacts(t.Context(), store.FactFilter{Limit: 8})
	if err != nil || len(first) != 8 || next != "" {
		t.Errorf("one page of all 8: %d facts, cursor %q, err %v; want 8, none, nil", len(first), next, err)
	}
	// Not a cursor; "v1:0"; "v1:-1"; a row id of 0; a day after 9999-12-31.
	for _, c := range []string{"not-a-cursor", "djE6MA", "djE6LTE", "djE6MTA5OTUxMTYyNzc3Ng", "djE6NDAxNTQ4MjQzNTMzNTYxODU2NQ"} {
		if _, _, err := s.OrderFacts(t.Context(), store.FactFilter{Cursor: c}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("cursor %q: err = %v, want ErrInvalid", c, err)
		}
	}
}

func factFilters(t *testing.T, s Store) {
	pagedFacts(t, s)
	mar := func(day int) canonical.Date { return canonical.NewDate(2026, time.March, day) }
	for _, c := range []struct {
		name string
		f    store.FactFilter
		want string
	}{
		{"buyer", store.FactFilter{BuyerID: "BUY-A"}, "PO-ND2 PO-01 PO-05 PO-05c PO-20"},
		{"supplier", store.FactFilter{SupplierID: "SUP-X"}, "PO-ND2 PO-05 PO-05b PO-20"},
		{"buyer and supplier", store.FactFilter{BuyerID: "BUY-B", SupplierID: "SUP-Y"}, "PO-ND1 PO-31"},
		{"from and to, both included", store.FactFilter{From: mar(1), To: mar(5)}, "PO-01 PO-05 PO-05b PO-05c"},
		{"from only", store.FactFilter{From: mar(5)}, "PO-05 PO-05b PO-05c PO-20"},
		{"to only", store.FactFilter{To: mar(1)}, "PO-31 PO-01"},
		{"one day", store.FactFilter{From: mar(5), To: mar(5), Limit: 1}, "PO-05 PO-05b PO-05c"},
		{"a buyer within a range", store.FactFilter{BuyerID: "BUY-A", From: mar(2), To: mar(31), Limit: 1}, "PO-05 PO-05c PO-20"},
		{"an unknown buyer", store.FactFilter{BuyerID: "BUY-Z"}, ""},
		{"a range without facts", store.FactFilter{From: mar(6), To: mar(19)}, ""},
	} {
		if got := factNumbers(listAllFacts(t, s, c.f)); got != c.want {
			t.Errorf("%s: %s\nwant %s", c.name, got, c.want)
		}
	}
	bad := store.FactFilter{From: canonical.NewDate(2026, time.February, 30)}
	if _, _, err := s.OrderFacts(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("from 2026-02-30: err = %v, want ErrInvalid", err)
	}
}

func factRefused(t *testing.T, s Store) {
	bad := map[string]func(*store.OrderFact){
		"no buyer id":                  func(f *store.OrderFact) { f.BuyerID = "" },
		"no order number":              func(f *store.OrderFact) { f.OrderNumber = "" },
		"a NUL in the carrier":         func(f *store.OrderFact) { f.Carrier = "COSCO\x00" },
		"a state that is not UTF-8":    func(f *store.OrderFact) { f.State = "shipp\xffed" },
		"an order number with a NUL":   func(f *store.OrderFact) { f.OrderNumber = "PO-\x00" },
		"an impossible requested date": func(f *store.OrderFact) { f.RequestedDate = canonical.NewDate(2026, time.February, 30) },
	}
	for name, spoil := range bad {
		good := testFact("BUY-DE-01", "PO-GOOD", factTime(10, 17, 0))
		f := testFact("BUY-DE-01", "PO-BAD", factTime(10, 17, 0))
		spoil(&f)
		written, err := s.UpsertOrderFacts(t.Context(), []store.OrderFact{good, f})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v (written %v), want ErrInvalid", name, err, written)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0) {
			t.Errorf("%s: the error carries a NUL: %q", name, err)
		}
	}
	if _, err := s.GetOrderFact(t.Context(), "BUY-DE-01", "PO-GOOD"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the good fact of a refused batch: err = %v, want ErrNotFound", err)
	}
	if got := listAllFacts(t, s, store.FactFilter{}); len(got) != 0 {
		t.Errorf("refused batches stored %d facts: %s", len(got), factNumbers(got))
	}
	// An empty batch is no error and writes nothing.
	if written, err := s.UpsertOrderFacts(t.Context(), nil); err != nil || len(written) != 0 {
		t.Errorf("empty batch: %v, %v; want nothing and no error", written, err)
	}
}

func factMissing(t *testing.T, s Store) {
	upsertFacts(t, s, testFact("BUY-DE-01", "PO-1001", factTime(10, 17, 0)))
	for _, k := range [][2]string{
		{"BUY-DE-01", "PO-1002"}, // another order
		{"BUY-DE-02", "PO-1001"}, // the same number of another buyer
		{"", "PO-1001"},          // without its buyer
	} {
		got, err := s.GetOrderFact(t.Context(), k[0], k[1])
		if !errors.Is(err, store.ErrNotFound) || got != nil {
			t.Errorf("GetOrderFact(%q, %q) = %v, %v; want nil, ErrNotFound", k[0], k[1], got, err)
		}
	}
}
