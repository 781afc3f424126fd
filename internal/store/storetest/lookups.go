package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/validation"
	"github.com/procurehub/procurehub/internal/validation/catalog"
)

// A store is the order index and the commitments of the validation; it
// implements both without importing it.
var (
	_ validation.OrderIndex = Store(nil)
	_ catalog.Commitments   = Store(nil)
)

// brakeOrder is an order of SUP-1 for delivery on 2026-05-04, ordered on
// orderDay of March 2026.
func brakeOrder(buyer, number string, orderDay int) *canonical.Order {
	return &canonical.Order{
		OrderNumber:           number,
		OrderDate:             canonical.NewDate(2026, 3, orderDay),
		Buyer:                 canonical.Party{ID: buyer},
		Supplier:              canonical.Party{ID: "SUP-1"},
		Currency:              "EUR",
		RequestedDeliveryDate: canonical.NewDate(2026, 5, 4),
		Lines: []canonical.OrderLine{
			{LineNumber: 1, SKU: "BP-100", Quantity: canonical.MustDecimal("120.000"), Unit: "EA", UnitPrice: canonical.MustDecimal("12.50")},
			{LineNumber: 2, BuyerSKU: "ACME-77", Quantity: canonical.MustDecimal("4"), Unit: "KGM", UnitPrice: canonical.MustDecimal("3.10")},
		},
		Source: &canonical.Source{Connector: "erp_export", File: "orders-" + number + ".csv", Line: 2},
	}
}

// byKey returns the order numbers OrdersByKey finds for o's key within days
// of its order date, as the duplicate_order rule asks.
func byKey(t *testing.T, s Store, o *canonical.Order, days int) []string {
	t.Helper()
	d := o.OrderDate.Time()
	found, err := s.OrdersByKey(t.Context(), store.DuplicateKey(o),
		canonical.DateOf(d.AddDate(0, 0, -days)), canonical.DateOf(d.AddDate(0, 0, days)))
	if err != nil {
		t.Fatalf("OrdersByKey: %v", err)
	}
	numbers := make([]string, len(found))
	for i, f := range found {
		numbers[i] = f.OrderNumber
	}
	return numbers
}

func sameOrderUnderAnotherNumber(t *testing.T, s Store) {
	first := brakeOrder("ACME", "PO-100", 2)
	again := brakeOrder("ACME", "PO-101", 9)
	// The resend lists the lines the other way round, numbers them anew and
	// writes 120 without decimals: still the same goods.
	again.Lines[0], again.Lines[1] = again.Lines[1], again.Lines[0]
	again.Lines[0].LineNumber, again.Lines[1].LineNumber = 1, 2
	again.Lines[1].Quantity = canonical.MustDecimal("120")
	again.Lines[1].UnitPrice = canonical.MustDecimal("12.00")
	upsert(t, s, first, again, brakeOrder("OTHER", "PO-100", 30))

	if got, want := byKey(t, s, again, 30), []string{"PO-100", "PO-101", "PO-100"}; !slices.Equal(got, want) {
		t.Errorf("orders by the resent order's key: %q; want %q (oldest first)", got, want)
	}
	found, err := s.OrdersByKey(t.Context(), store.DuplicateKey(again), canonical.NewDate(2026, 3, 2), canonical.NewDate(2026, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || jsonOf(t, &found[0]) != jsonOf(t, first) {
		t.Errorf("order found on its order date (window of one day, bounds included): %+v; want PO-100 as written, lineage too", found)
	}

	// What the validation makes of it: the resent order is a duplicate of
	// the first, and an order alone is not a duplicate of itself.
	v, err := validation.New(nil, validation.Options{Orders: s, Now: func() time.Time { return time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	dup := func(o *canonical.Order) []string {
		fs, err := v.Validate(t.Context(), validation.Input{Order: *o})
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		var msgs []string
		for _, f := range fs {
			if f.RuleID == validation.RuleDuplicateOrder {
				msgs = append(msgs, f.Message)
			}
		}
		return msgs
	}
	if msgs := dup(again); len(msgs) != 1 {
		t.Errorf("duplicate_order findings of the resent order: %q; want one naming PO-100", msgs)
	}
	alone := brakeOrder("ACME", "PO-200", 2)
	alone.Supplier.ID = "SUP-ALONE"
	upsert(t, s, alone)
	if msgs := dup(alone); len(msgs) != 0 {
		t.Errorf("an order stored once is reported a duplicate: %q", msgs)
	}
}

func sameOrderOutsideTheWindow(t *testing.T, s Store) {
	upsert(t, s, brakeOrder("ACME", "PO-100", 1))
	later := brakeOrder("ACME", "PO-101", 31)
	if got := byKey(t, s, later, 29); slices.Contains(got, "PO-100") {
		t.Errorf("orders by key within 29 days of March 31: %q; want no PO-100 of March 1", got)
	}
	if got := byKey(t, s, later, 30); !slices.Contains(got, "PO-100") {
		t.Errorf("orders by key within 30 days of March 31: %q; want PO-100 of March 1", got)
	}
}

func changedLineChangesTheKey(t *testing.T, s Store) {
	first := brakeOrder("ACME", "PO-100", 2)
	upsert(t, s, first)
	changes := map[string]func(o *canonical.Order){
		"quantity":         func(o *canonical.Order) { o.Lines[0].Quantity = canonical.MustDecimal("121") },
		"unit":             func(o *canonical.Order) { o.Lines[1].Unit = "GRM" },
		"sku":              func(o *canonical.Order) { o.Lines[0].SKU = "BP-101" },
		"buyer sku":        func(o *canonical.Order) { o.Lines[1].BuyerSKU = "ACME-78" },
		"a line more":      func(o *canonical.Order) { o.Lines = append(o.Lines, o.Lines[0]); o.Lines[2].LineNumber = 3 },
		"delivery date":    func(o *canonical.Order) { o.RequestedDeliveryDate = canonical.NewDate(2026, 5, 5) },
		"another supplier": func(o *canonical.Order) { o.Supplier.ID = "SUP-2" },
	}
	for what, change := range changes {
		o := brakeOrder("ACME", "PO-101", 3)
		change(o)
		if store.DuplicateKey(o) == store.DuplicateKey(first) {
			t.Errorf("another %s keeps the key", what)
		}
		if got := byKey(t, s, o, 30); len(got) != 0 {
			t.Errorf("an order with another %s finds %q", what, got)
		}
	}

	// The stored order itself changes: it is found by its new key only.
	changed := brakeOrder("ACME", "PO-100", 2)
	changed.Lines[0].Quantity = canonical.MustDecimal("60")
	wantChanges(t, upsert(t, s, changed), store.ChangeUpdated)
	if got := byKey(t, s, first, 30); len(got) != 0 {
		t.Errorf("the order's old content still finds %q", got)
	}
	if got := byKey(t, s, changed, 30); !slices.Equal(got, []string{"PO-100"}) {
		t.Errorf("the order's new content finds %q; want PO-100", got)
	}
}

// committedOrder is an order of supplier for delivery on day of May 2026,
// one line per SKU and quantity pair.
func committedOrder(buyer, number, supplier string, day int, skuQty ...string) *canonical.Order {
	o := small(buyer, number, supplier)
	o.RequestedDeliveryDate = canonical.DateOf(time.Date(2026, 5, day, 0, 0, 0, 0, time.UTC)) // 0 is April 30
	o.Lines = nil
	for i := 0; i < len(skuQty); i += 2 {
		o.Lines = append(o.Lines, canonical.OrderLine{LineNumber: i/2 + 1, SKU: skuQty[i],
			Quantity: canonical.MustDecimal(skuQty[i+1]), Unit: "EA", UnitPrice: canonical.MustDecimal("1.00")})
	}
	return o
}

func committed(t *testing.T, s Store, supplier, sku string, from, to int) decimal.Decimal {
	t.Helper()
	q, err := s.Committed(t.Context(), supplier, sku, canonical.NewDate(2026, 5, from), canonical.NewDate(2026, 5, to))
	if err != nil {
		t.Fatalf("Committed: %v", err)
	}
	return q
}

func committedQuantity(t *testing.T, s Store) {
	upsert(t, s,
		committedOrder("ACME", "PO-1", "SUP-1", 4, "BP-100", "10", "BP-100", "2.50", "BP-200", "7"),
		committedOrder("BETA", "PO-1", "SUP-1", 1, "BP-100", "4.000"), // another buyer, first day
		committedOrder("ACME", "PO-2", "SUP-1", 31, "BP-100", "0.5"),  // last day
		committedOrder("ACME", "PO-3", "SUP-2", 4, "BP-100", "100"),   // another supplier
		committedOrder("ACME", "PO-4", "SUP-1", 4, "BP-200", "1000"),  // another SKU
		committedOrder("ACME", "PO-5", "SUP-1", 0, "BP-100", "1000"),  // April 30
		committedOrder("ACME", "PO-6", "SUP-1", 32, "BP-100", "1000"), // June 1
	)
	// An order waiting for review is still ordered.
	record(t, s, findingsOf(t, committedOrder("ACME", "PO-2", "SUP-1", 31, "BP-100", "0.5"), 1, 0, priceFinding))

	if got, want := committed(t, s, "SUP-1", "BP-100", 1, 31), decimal.RequireFromString("17"); !got.Equal(want) {
		t.Errorf("committed BP-100 of SUP-1 in May: %s; want %s", got, want)
	}
	if got := committed(t, s, "SUP-1", "BP-100", 5, 30); !got.IsZero() {
		t.Errorf("committed in a period without deliveries: %s; want 0", got)
	}
	if got := committed(t, s, "SUP-9", "BP-100", 1, 31); !got.IsZero() {
		t.Errorf("committed of a supplier without orders: %s; want 0", got)
	}
	// The order's quantity changes: the new one counts, the old one no more.
	wantChanges(t, upsert(t, s, committedOrder("ACME", "PO-2", "SUP-1", 31, "BP-100", "3")), store.ChangeUpdated)
	if got, want := committed(t, s, "SUP-1", "BP-100", 1, 31), decimal.RequireFromString("19.5"); !got.Equal(want) {
		t.Errorf("committed after PO-2 went from 0.5 to 3: %s; want %s", got, want)
	}
}

// CheckOrderLookups checks what the conformance suite cannot reach through
// the store's methods: an order cancelled or rejected leaves the
// commitments and the duplicates, and an order stored without a duplicate
// key (before migration 0007) gets one when the store migrates. exec runs
// SQL on the store's database.
func CheckOrderLookups(t *testing.T, s Store, exec func(t *testing.T, sql string)) {
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("cancelled and rejected orders are not committed and not duplicated", func(t *testing.T) {
		upsert(t, s,
			committedOrder("ACME", "PO-C1", "SUP-C", 4, "BP-100", "10"),
			committedOrder("ACME", "PO-C2", "SUP-C", 4, "BP-100", "200"),
			committedOrder("ACME", "PO-C3", "SUP-C", 4, "BP-100", "3000"),
		)
		exec(t, `UPDATE orders SET status = 'cancelled' WHERE order_number = 'PO-C2'`)
		exec(t, `UPDATE orders SET status = 'rejected' WHERE order_number = 'PO-C3'`)
		if got := committed(t, s, "SUP-C", "BP-100", 1, 31); !got.Equal(decimal.NewFromInt(10)) {
			t.Errorf("committed with one order cancelled and one rejected: %s; want 10", got)
		}
		again := committedOrder("ACME", "PO-C9", "SUP-C", 4, "BP-100", "200")
		if got := byKey(t, s, again, 30); len(got) != 0 {
			t.Errorf("a cancelled order placed again finds %q; want none", got)
		}
	})
	t.Run("orders stored before the duplicate key are found by it after migrating", func(t *testing.T) {
		old := brakeOrder("ACME", "PO-OLD", 2)
		upsert(t, s, old)
		exec(t, `UPDATE orders SET duplicate_key = NULL`)
		if got := byKey(t, s, old, 30); len(got) != 0 {
			t.Fatalf("an order without a key finds %q", got)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := byKey(t, s, brakeOrder("ACME", "PO-NEW", 5), 30); !slices.Contains(got, "PO-OLD") {
			t.Errorf("after migrating, the same order sent again finds %q; want PO-OLD", got)
		}
	})
}
