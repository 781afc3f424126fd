package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// searchOrder is an order for the search cases: its buyer and supplier with
// names, and one line per (sku, buyer sku, description).
func searchOrder(buyer, buyerName, number, supplier, supplierName string, lines ...[3]string) *canonical.Order {
	o := small(buyer, number, supplier)
	o.Buyer.Name, o.Supplier.Name = buyerName, supplierName
	o.IncotermPlace = "Shenzhen"
	o.ShipTo = &canonical.Address{Name: "Warehouse Hamburg", City: "Hamburg", Country: "DE"}
	o.Lines = nil
	for i, l := range lines {
		o.Lines = append(o.Lines, canonical.OrderLine{
			LineNumber: i + 1, SKU: l[0], BuyerSKU: l[1], Description: l[2],
			Quantity: canonical.MustDecimal("1"), Unit: "EA", UnitPrice: canonical.MustDecimal("9.99"),
		})
	}
	return o
}

// searchNumbers walks every page of f and returns the order numbers listed.
func searchNumbers(t *testing.T, s Store, f store.OrderFilter) []string {
	t.Helper()
	var out []string
	for _, o := range listAll(t, s, f) {
		out = append(out, o.Order.OrderNumber)
	}
	return out
}

// searchFields: every searched field is found, ignoring case, where it
// contains the word; fields that are not searched are not.
func searchFields(t *testing.T, s Store) {
	upsert(t, s,
		searchOrder("acme-de", "ACME Einkauf GmbH", "PO-2026-0001", "shenzhen-parts", "Shenzhen Parts Co.",
			[3]string{"BRK-100", "A-4711", "Brake pad, ceramic, front axle"},
			[3]string{"BRK-200", "", "Brake disc 300 mm"}),
		searchOrder("acme-de", "ACME Einkauf GmbH", "PO-2026-0002", "mueller-tools", "Werkzeug Müller KG",
			[3]string{"DRL-5", "A-0815", "Cordless drill 18 V"}),
		searchOrder("globex-us", "Globex Corporation", "GX-77", "shenzhen-parts", "Shenzhen Parts Co.",
			[3]string{"CBL-1", "GX-CABLE-9", "USB-C cable, 2 m"}),
	)
	tests := []struct {
		name, q string
		want    []string // newest first
	}{
		{"an order number prefix finds the orders it starts", "PO-2026", []string{"PO-2026-0002", "PO-2026-0001"}},
		{"a part inside an order number finds it", "0001", []string{"PO-2026-0001"}},
		{"an order number in another case finds it", "gx-77", []string{"GX-77"}},
		{"a buyer id finds its orders", "globex-us", []string{"GX-77"}},
		{"part of a buyer name finds its orders", "einkauf", []string{"PO-2026-0002", "PO-2026-0001"}},
		{"a supplier id finds its orders", "MUELLER-TOOLS", []string{"PO-2026-0002"}},
		{"part of a supplier name finds its orders", "parts", []string{"GX-77", "PO-2026-0001"}},
		{"a name is found ignoring the case of letters beyond ASCII", "MÜLLER", []string{"PO-2026-0002"}},
		{"a SKU of any line finds the order", "brk-200", []string{"PO-2026-0001"}},
		{"a buyer SKU finds the order", "a-0815", []string{"PO-2026-0002"}},
		{"a word of a line description finds the order", "CERAMIC", []string{"PO-2026-0001"}},
		{"what every order has in a searched field finds them all", "-", []string{"GX-77", "PO-2026-0002", "PO-2026-0001"}},
		{"a word found nowhere finds nothing", "gearbox", nil},
		{"a place of the ship-to address is not searched", "hamburg", nil},
		{"the currency is not searched", "EUR", nil},
		{"the JSON field names of the document are not searched", "buyer_sku", nil},
		{"a word does not run from one field into the next", "axlebrk-200", nil},
		{"a blank search lists every order", "  \t ", []string{"GX-77", "PO-2026-0002", "PO-2026-0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchNumbers(t, s, store.OrderFilter{Search: tt.q}); !slices.Equal(got, tt.want) {
				t.Errorf("search %q listed %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// searchWords: with several words, every word must be found, each in any
// field of the order.
func searchWords(t *testing.T, s Store) {
	upsert(t, s,
		searchOrder("acme-de", "ACME Einkauf GmbH", "PO-W1", "shenzhen-parts", "Shenzhen Parts Co.",
			[3]string{"BRK-100", "", "Brake pad, ceramic"}, [3]string{"FLT-9", "", "Oil filter"}),
		searchOrder("acme-de", "ACME Einkauf GmbH", "PO-W2", "shenzhen-parts", "Shenzhen Parts Co.",
			[3]string{"BRK-100", "", "Brake pad, organic"}),
		searchOrder("globex-us", "Globex Corporation", "PO-W3", "shenzhen-parts", "Shenzhen Parts Co.",
			[3]string{"BRK-100", "", "Brake pad, ceramic"}),
	)
	tests := []struct {
		name, q string
		want    []string
	}{
		{"two words of one description find the orders with both", "brake ceramic", []string{"PO-W3", "PO-W1"}},
		{"words found in different fields narrow down", "acme ceramic", []string{"PO-W1"}},
		{"words found in different lines of one order find it", "ceramic oil", []string{"PO-W1"}},
		{"the order of the words does not matter", "ceramic ACME", []string{"PO-W1"}},
		{"one word found nowhere finds nothing", "brake gearbox", nil},
		{"a word typed twice counts once", "organic organic", []string{"PO-W2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchNumbers(t, s, store.OrderFilter{Search: tt.q}); !slices.Equal(got, tt.want) {
				t.Errorf("search %q listed %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// searchLiteral: '%', '_' and '\' are characters the user typed, not LIKE
// wildcards or escapes.
func searchLiteral(t *testing.T, s Store) {
	upsert(t, s,
		searchOrder("b1", "", "PO-L1", "s1", "", [3]string{"X-1", "", "Discount 50% off"}),
		searchOrder("b1", "", "PO-L2", "s1", "", [3]string{"X-2", "", "Pack of 500 screws"}),
		searchOrder("b1", "", "PO-L3", "s1", "", [3]string{"A_B1", "", "Washer"}),
		searchOrder("b1", "", "PO-L4", "s1", "", [3]string{"AXB1", "", "Washer"}),
		searchOrder("b1", "", "PO-L5", "s1", "", [3]string{`C:\BOM\7`, "", `Cable 12" <grey> & black`}),
	)
	tests := []struct {
		name, q string
		want    []string
	}{
		{"a percent sign is a percent sign", "50%", []string{"PO-L1"}},
		{"a lone percent sign finds only what has one", "%", []string{"PO-L1"}},
		{"an underscore is an underscore", "A_B1", []string{"PO-L3"}},
		{"a lone underscore finds only what has one", "_", []string{"PO-L3"}},
		{"a backslash is a backslash", `\bom\`, []string{"PO-L5"}},
		{"characters JSON escapes are found as typed", `12"`, []string{"PO-L5"}},
		{"an ampersand and angle brackets are found as typed", "<GREY>", []string{"PO-L5"}},
		{"an ampersand alone is found", "&", []string{"PO-L5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchNumbers(t, s, store.OrderFilter{Search: tt.q}); !slices.Equal(got, tt.want) {
				t.Errorf("search %q listed %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// searchWithFilters: a search narrows the other filters and the party
// scope, never widens them, and follows the order's current content.
func searchWithFilters(t *testing.T, s Store) {
	upsert(t, s,
		searchOrder("B1", "", "PO-F1", "S1", "Shenzhen Parts", [3]string{"BRK-100", "", "Brake pad"}),
		searchOrder("B1", "", "PO-F2", "S2", "Ningbo Brakes", [3]string{"BRK-100", "", "Brake pad"}),
		searchOrder("B2", "", "PO-F3", "S2", "Ningbo Brakes", [3]string{"BRK-100", "", "Brake pad"}),
	)
	assign(t, s, "B1", "PO-F1", "FWD-1", store.AssignLogistics)
	if _, err := s.SetOrderStatus(t.Context(), "B1", "PO-F2", store.StatusSubmitted, "confirmed"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    store.OrderFilter
		want []string
	}{
		{"a supplier's party finds only its own orders", store.OrderFilter{Party: "S1", Search: "brk-100"}, []string{"PO-F1"}},
		{"another supplier's name finds nothing in a party's scope", store.OrderFilter{Party: "S1", Search: "ningbo"}, nil},
		{"an assigned party searches the orders it is assigned", store.OrderFilter{Party: "FWD-1", Search: "brake"}, []string{"PO-F1"}},
		{"a search narrows a buyer filter", store.OrderFilter{BuyerID: "B1", Search: "ningbo"}, []string{"PO-F2"}},
		{"a search narrows a status filter", store.OrderFilter{Status: "confirmed", Search: "brake"}, []string{"PO-F2"}},
		{"a search narrows a supplier filter", store.OrderFilter{SupplierID: "S2", Search: "PO-F3"}, []string{"PO-F3"}},
		{"a search and an order number together", store.OrderFilter{OrderNumber: "PO-F1", Search: "ningbo"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchNumbers(t, s, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("ListOrders(%+v) listed %v, want %v", tt.f, got, tt.want)
			}
		})
	}
	t.Run("a changed order is found by its new content, not its old", func(t *testing.T) {
		o := searchOrder("B1", "", "PO-F1", "S1", "Shenzhen Parts", [3]string{"GBX-7", "", "Gearbox"})
		wantChanges(t, upsert(t, s, o), store.ChangeUpdated)
		if got := searchNumbers(t, s, store.OrderFilter{Search: "gearbox"}); !slices.Equal(got, []string{"PO-F1"}) {
			t.Errorf("search gearbox listed %v, want [PO-F1]", got)
		}
		if got := searchNumbers(t, s, store.OrderFilter{Search: "BRK-100"}); !slices.Equal(got, []string{"PO-F3", "PO-F2"}) {
			t.Errorf("search BRK-100 listed %v, want [PO-F3 PO-F2]", got)
		}
	})
}

// searchPagination: the pages of a search list every match once, newest
// first, however matches and other orders interleave, and an order arriving
// during the walk does not shift it.
func searchPagination(t *testing.T, s Store) {
	var want []string
	var batch []*canonical.Order
	for i := range 31 {
		desc := "Hex bolt M8"
		if i%3 != 0 {
			desc = "Washer M8"
		}
		n := fmt.Sprintf("PO-%03d", i)
		if i%3 == 0 {
			want = append([]string{n}, want...)
		}
		batch = append(batch, searchOrder("acme-de", "", n, "s1", "", [3]string{fmt.Sprintf("SKU-%d", i), "", desc}))
		if len(batch) == 7 || i == 30 {
			upsert(t, s, batch...)
			batch = nil
		}
	}
	for _, limit := range []int{1, 2, 4, 11, 50} {
		t.Run(fmt.Sprintf("pages of %d", limit), func(t *testing.T) {
			var got []string
			f := store.OrderFilter{Search: "hex m8", Limit: limit}
			for pages := 1; ; pages++ {
				list, next, err := s.ListOrders(t.Context(), f)
				if err != nil {
					t.Fatalf("page %d: %v", pages, err)
				}
				if len(list) > limit || (next != "" && len(list) != limit) {
					t.Fatalf("page %d has %d orders with limit %d and next %q", pages, len(list), limit, next)
				}
				for _, o := range list {
					got = append(got, o.Order.OrderNumber)
				}
				if pages == 1 && limit == 2 {
					upsert(t, s, searchOrder("acme-de", "", fmt.Sprintf("PO-LATE-%d", limit), "s1", "", [3]string{"SKU-L", "", "Hex bolt M8"}))
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
			w := want
			if limit > 2 {
				w = append([]string{"PO-LATE-2"}, want...)
			}
			if !slices.Equal(got, w) {
				t.Errorf("walked %v\nwant   %v", got, w)
			}
		})
	}
}

// searchInvalid: search text that is not UTF-8 is refused as invalid.
func searchInvalid(t *testing.T, s Store) {
	upsert(t, s, small("b1", "PO-1", "s1"))
	for _, q := range []string{"PO\xff", "PO\x00"} {
		if _, _, err := s.ListOrders(t.Context(), store.OrderFilter{Search: q}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("search %q: error %v, want ErrInvalid", q, err)
		}
	}
}
