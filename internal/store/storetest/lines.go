package storetest

import (
	"slices"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

// TwoLineOrder is an order whose numbers test the scale kept in the lines
// table: 120.000 × 12.50 = 1500.00, and 2000 × 0.125 without an amount.
func TwoLineOrder() *canonical.Order {
	amount := canonical.MustDecimal("1500.00")
	return &canonical.Order{
		OrderNumber: "PO-7", Buyer: canonical.Party{ID: "acme-de"}, Supplier: canonical.Party{ID: "s1"}, Currency: "EUR",
		Lines: []canonical.OrderLine{
			{LineNumber: 1, Quantity: canonical.MustDecimal("120.000"), Unit: "EA", UnitPrice: canonical.MustDecimal("12.50"), Amount: &amount},
			{LineNumber: 2, Quantity: canonical.MustDecimal("2000"), Unit: "C62", UnitPrice: canonical.MustDecimal("0.125")},
		},
	}
}

// CheckLinesFollowTheLatestVersion checks a store's own lines table, which
// the conformance suite cannot see: after an update that drops line 1, only
// line 2 is left, with its decimals as written. lineRows reads the table as
// "line quantity unit_price amount" ("<nil>" for no amount), ordered by order
// and line.
func CheckLinesFollowTheLatestVersion(t *testing.T, s Store, lineRows func(t *testing.T) []string) {
	t.Helper()
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertOrders(ctx, []*canonical.Order{TwoLineOrder()}); err != nil {
		t.Fatal(err)
	}
	if got, want := lineRows(t), []string{"1 120.000 12.50 1500.00", "2 2000 0.125 <nil>"}; !slices.Equal(got, want) {
		t.Errorf("order lines after insert: %q, want %q", got, want)
	}
	o := TwoLineOrder()
	o.Lines = o.Lines[1:] // line 1 cancelled
	if _, err := s.UpsertOrders(ctx, []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
	if got, want := lineRows(t), []string{"2 2000 0.125 <nil>"}; !slices.Equal(got, want) {
		t.Errorf("order lines after update: %q, want %q (the removed line gone)", got, want)
	}
}
