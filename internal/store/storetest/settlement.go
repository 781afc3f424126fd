package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// --- settlement: invoices ---

// invoicePartner is the partner the suite's invoices come from.
const invoicePartner = "szp-einvoice"

// settledAt is when the suite's settlement events happen: whole seconds, so
// every store keeps them exactly.
var settledAt = time.Date(2026, time.March, 5, 10, 30, 0, 0, time.UTC)

// testInvoice is a supplier invoice billing two orders, with decimals that
// keep their scale and lineage.
func testInvoice(supplier, number string) *canonical.Invoice {
	return &canonical.Invoice{
		InvoiceNumber: number, InvoiceDate: canonical.NewDate(2026, time.March, 2),
		OrderNumbers: []string{"PO-1", "PO-2"},
		Supplier:     canonical.Party{ID: supplier, Name: "Shenzhen Precision Parts", Country: "CN"},
		Buyer:        canonical.Party{ID: "BUY-DE-ACME", Name: "Acme GmbH", Country: "DE"},
		Currency:     "EUR",
		Lines: []canonical.InvoiceLine{
			{LineNumber: 1, OrderNumber: "PO-1", SKU: "SRV-750B", Quantity: canonical.MustDecimal("10.000"), Unit: "C62",
				UnitPrice: canonical.MustDecimal("100.25"), Amount: ptr(canonical.MustDecimal("1002.50"))},
			{LineNumber: 2, OrderNumber: "PO-2", SKU: "ENC-17B", Quantity: canonical.MustDecimal("5"), Unit: "C62",
				UnitPrice: canonical.MustDecimal("49.00"), Amount: ptr(canonical.MustDecimal("245.00"))},
		},
		LineTotal: ptr(canonical.MustDecimal("1247.50")), TotalAmount: canonical.MustDecimal("1247.50"),
		DueDate:      canonical.NewDate(2026, time.April, 1),
		PayeeAccount: &canonical.Counterparty{Name: "Shenzhen Precision Parts", IBAN: "GB29NWBK60161331926819"},
		Source:       &canonical.Source{Connector: "ubl", Partner: invoicePartner, File: "inv-4711.xml"},
	}
}

func upsertInvoices(t *testing.T, s Store, invs ...*canonical.Invoice) []store.Change {
	t.Helper()
	c, err := s.UpsertInvoices(t.Context(), invoicePartner, invs)
	if err != nil {
		t.Fatalf("UpsertInvoices: %v", err)
	}
	if len(c) != len(invs) {
		t.Fatalf("UpsertInvoices returned %d changes for %d invoices", len(c), len(invs))
	}
	return c
}

func getInvoice(t *testing.T, s Store, supplier, number string) *store.StoredInvoice {
	t.Helper()
	got, err := s.GetInvoice(t.Context(), supplier, number)
	if err != nil {
		t.Fatalf("GetInvoice(%q, %q): %v", supplier, number, err)
	}
	return got
}

func invoiceJSON(t *testing.T, inv *canonical.Invoice) string {
	t.Helper()
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listAllInvoices walks every page of f and counts the pages.
func listAllInvoices(t *testing.T, s Store, f store.InvoiceFilter) ([]store.StoredInvoice, int) {
	t.Helper()
	var all []store.StoredInvoice
	for pages := 1; pages < 1000; pages++ {
		list, next, err := s.ListInvoices(t.Context(), f)
		if err != nil {
			t.Fatalf("ListInvoices(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(list) > f.Limit {
			t.Fatalf("a page of %d invoices with limit %d", len(list), f.Limit)
		}
		all = append(all, list...)
		if next == "" {
			return all, pages
		}
		f.Cursor = next
	}
	t.Fatal("ListInvoices never returned an empty cursor")
	return nil, 0
}

func invoiceNumbers(list []store.StoredInvoice) string {
	var b []string
	for _, inv := range list {
		b = append(b, inv.Invoice.InvoiceNumber)
	}
	return strings.Join(b, " ")
}

func invoiceReadBack(t *testing.T, s Store) {
	inv := testInvoice("SUP-CN-SZP", "INV-4711")
	wantChanges(t, upsertInvoices(t, s, inv), store.ChangeInserted)
	got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	if a, b := invoiceJSON(t, got.Invoice), invoiceJSON(t, inv); a != b {
		t.Errorf("stored invoice differs from the written one\n got: %s\nwant: %s", a, b)
	}
	if q := got.Invoice.Lines[0].Quantity.String(); q != "10.000" {
		t.Errorf("line 1 quantity %s, want 10.000 (scale kept)", q)
	}
	content, err := store.InvoiceContent(inv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Partner != invoicePartner || got.ContentHash != store.HashContent(content) {
		t.Errorf("version %d partner %q hash %q; want 1, %q and the hash of its content", got.Version, got.Partner, got.ContentHash, invoicePartner)
	}
	if got.MatchStatus != "" || got.Match != nil || got.Overrides != nil {
		t.Errorf("a new invoice has match %q %s overrides %s; want none", got.MatchStatus, got.Match, got.Overrides)
	}
	if got.Settlement != store.SettlementUnmatched || !got.Paid.IsZero() || got.PaidAt != nil || got.AutoMatched {
		t.Errorf("a new invoice: settlement %q paid %s paid at %v auto %v; want unmatched, 0, nil, false",
			got.Settlement, got.Paid, got.PaidAt, got.AutoMatched)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("created %v updated %v", got.CreatedAt, got.UpdatedAt)
	}
}

func invoiceReplayAndChange(t *testing.T, s Store) {
	ctx := t.Context()
	upsertInvoices(t, s, testInvoice("SUP-CN-SZP", "INV-4711"))
	first := getInvoice(t, s, "SUP-CN-SZP", "INV-4711")

	// The same invoice again, read from another file: nothing changes.
	again := testInvoice("SUP-CN-SZP", "INV-4711")
	again.Source = &canonical.Source{Connector: "ubl", Partner: invoicePartner, File: "inv-4711-resent.xml"}
	wantChanges(t, upsertInvoices(t, s, again), store.ChangeUnchanged)
	if got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711"); got.Version != 1 || !got.UpdatedAt.Equal(first.UpdatedAt) || got.Invoice.Source.File != "inv-4711.xml" {
		t.Errorf("after a replay: version %d, updated %v→%v, file %q; want version 1, unchanged, the first file",
			got.Version, first.UpdatedAt, got.UpdatedAt, got.Invoice.Source.File)
	}

	// Settlement has decided things about it; then a corrected invoice comes.
	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-4711", store.InvoiceMismatch, json.RawMessage(`{"lines":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInvoiceOverride(ctx, "SUP-CN-SZP", "INV-4711", json.RawMessage(`{"by":"fin-anna"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-4711", store.SettlementPartial, canonical.MustDecimal("200.00"), true, settledAt); err != nil {
		t.Fatal(err)
	}
	changed := testInvoice("SUP-CN-SZP", "INV-4711")
	changed.DueDate = canonical.NewDate(2026, time.April, 15)
	changed.OrderNumbers = []string{"PO-1"}
	changed.Lines = changed.Lines[:1]
	changed.LineTotal, changed.TotalAmount = ptr(canonical.MustDecimal("1002.50")), canonical.MustDecimal("1002.50")
	wantChanges(t, upsertInvoices(t, s, changed), store.ChangeUpdated)
	got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	if got.Version != 2 || got.Invoice.DueDate != changed.DueDate || got.ContentHash == first.ContentHash {
		t.Errorf("after a change: version %d, due %s; want version 2, %s and a new hash", got.Version, got.Invoice.DueDate, changed.DueDate)
	}
	if !got.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("created_at moved from %v to %v", first.CreatedAt, got.CreatedAt)
	}
	if got.MatchStatus != store.InvoiceMismatch || !sameJSON(t, got.Match, []byte(`{"lines":2}`)) ||
		!sameJSON(t, got.Overrides, []byte(`[{"by":"fin-anna"}]`)) {
		t.Errorf("a content change reset the match: %q %s overrides %s", got.MatchStatus, got.Match, got.Overrides)
	}
	if got.Settlement != store.SettlementPartial || got.Paid.String() != "200.00" || !got.AutoMatched {
		t.Errorf("a content change reset the settlement: %q paid %s auto %v", got.Settlement, got.Paid, got.AutoMatched)
	}
	// The corrected invoice no longer bills PO-2.
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{OrderNumber: "PO-2"}); len(list) != 0 {
		t.Errorf("order PO-2 still finds %s after the invoice dropped it", invoiceNumbers(list))
	}
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{OrderNumber: "PO-1"}); invoiceNumbers(list) != "INV-4711" {
		t.Errorf("order PO-1 finds %q, want INV-4711", invoiceNumbers(list))
	}
}

func invoiceTwiceInBatch(t *testing.T, s Store) {
	older := testInvoice("SUP-CN-SZP", "INV-4711")
	newer := testInvoice("SUP-CN-SZP", "INV-4711")
	newer.DueDate = canonical.NewDate(2026, time.May, 1)
	wantChanges(t, upsertInvoices(t, s, older, newer), store.ChangeUnchanged, store.ChangeInserted)
	if got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711"); got.Invoice.DueDate != newer.DueDate || got.Version != 1 {
		t.Errorf("due %s version %d; want the later invoice (%s), version 1", got.Invoice.DueDate, got.Version, newer.DueDate)
	}
}

func invoiceRefused(t *testing.T, s Store) {
	bad := map[string]func(*canonical.Invoice){
		"no supplier id":                 func(inv *canonical.Invoice) { inv.Supplier.ID = "" },
		"no invoice number":              func(inv *canonical.Invoice) { inv.InvoiceNumber = "" },
		"a NUL in the invoice number":    func(inv *canonical.Invoice) { inv.InvoiceNumber = "INV\x004711" },
		"a line total that is not a sum": func(inv *canonical.Invoice) { inv.LineTotal = ptr(canonical.MustDecimal("9.99")) },
		"a line of an order not billed":  func(inv *canonical.Invoice) { inv.Lines[1].OrderNumber = "PO-9" },
	}
	for name, spoil := range bad {
		inv := testInvoice("SUP-CN-SZP", "INV-BAD")
		spoil(inv)
		_, err := s.UpsertInvoices(t.Context(), invoicePartner, []*canonical.Invoice{testInvoice("SUP-CN-SZP", "INV-4711"), inv})
		var ie *store.InvalidInvoiceError
		if !errors.Is(err, store.ErrInvalid) || !errors.As(err, &ie) || ie.Index != 1 {
			t.Errorf("%s: err = %v, want an InvalidInvoiceError of invoice 1", name, err)
		}
	}
	if _, err := s.GetInvoice(t.Context(), "SUP-CN-SZP", "INV-4711"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the good invoice of refused batches: err = %v, want ErrNotFound (nothing written)", err)
	}
}

func invoiceList(t *testing.T, s Store) {
	ctx := t.Context()
	var invs []*canonical.Invoice
	for i := range 7 {
		invs = append(invs, testInvoice("SUP-CN-SZP", fmt.Sprintf("INV-%02d", i)))
	}
	upsertInvoices(t, s, invs...)
	// Another supplier's invoice to another buyer, naming its order on a line
	// only.
	other := testInvoice("SUP-VN-LAMP", "INV-VN-1")
	other.Buyer.ID = "BUY-FR-GLOBEX"
	other.OrderNumbers = nil
	other.Lines[0].OrderNumber, other.Lines[1].OrderNumber = "PO-3", ""
	upsertInvoices(t, s, other)

	all, pages := listAllInvoices(t, s, store.InvoiceFilter{SupplierID: "SUP-CN-SZP", Limit: 3})
	if got, want := invoiceNumbers(all), "INV-00 INV-01 INV-02 INV-03 INV-04 INV-05 INV-06"; got != want || pages != 3 {
		t.Errorf("supplier SUP-CN-SZP in %d pages: %s\nwant 3 pages: %s", pages, got, want)
	}
	every, _ := listAllInvoices(t, s, store.InvoiceFilter{Limit: 2})
	if len(every) != 8 {
		t.Errorf("paging every invoice found %d, want 8 each once: %s", len(every), invoiceNumbers(every))
	}
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{BuyerID: "BUY-FR-GLOBEX"}); invoiceNumbers(list) != "INV-VN-1" {
		t.Errorf("buyer BUY-FR-GLOBEX: %q, want INV-VN-1", invoiceNumbers(list))
	}
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{OrderNumber: "PO-3"}); invoiceNumbers(list) != "INV-VN-1" {
		t.Errorf("order PO-3 (named on a line only): %q, want INV-VN-1", invoiceNumbers(list))
	}
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{OrderNumber: "PO-2", SupplierID: "SUP-CN-SZP"}); len(list) != 7 {
		t.Errorf("order PO-2 of SUP-CN-SZP: %d invoices, want 7", len(list))
	}

	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-02", store.InvoiceMatched, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-04", store.InvoiceMismatch, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-02", store.SettlementReconciled, canonical.MustDecimal("1247.50"), true, settledAt); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-05", store.SettlementPartial, canonical.MustDecimal("100.00"), false, settledAt); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    store.InvoiceFilter
		want string
	}{
		{store.InvoiceFilter{MatchStatus: store.InvoiceMatched}, "INV-02"},
		{store.InvoiceFilter{MatchStatus: store.InvoiceMismatch}, "INV-04"},
		{store.InvoiceFilter{Settlement: store.SettlementReconciled}, "INV-02"},
		{store.InvoiceFilter{Settlement: store.SettlementPartial}, "INV-05"},
		{store.InvoiceFilter{Open: true, SupplierID: "SUP-CN-SZP"}, "INV-00 INV-01 INV-03 INV-04 INV-05 INV-06"},
		{store.InvoiceFilter{Open: true, BuyerID: "BUY-DE-ACME", Settlement: store.SettlementUnmatched, OrderNumber: "PO-1", Limit: 1},
			"INV-00 INV-01 INV-03 INV-04 INV-06"},
	} {
		if list, _ := listAllInvoices(t, s, c.f); invoiceNumbers(list) != c.want {
			t.Errorf("%+v: %q, want %q", c.f, invoiceNumbers(list), c.want)
		}
	}
	if _, _, err := s.ListInvoices(ctx, store.InvoiceFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
}

func invoiceMissing(t *testing.T, s Store) {
	ctx := t.Context()
	upsertInvoices(t, s, testInvoice("SUP-CN-SZP", "INV-4711"))
	if _, err := s.GetInvoice(ctx, "SUP-VN-LAMP", "INV-4711"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetInvoice of another supplier: err = %v, want ErrNotFound", err)
	}
	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-4712", store.InvoiceMatched, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetInvoiceMatch: err = %v, want ErrNotFound", err)
	}
	if err := s.AddInvoiceOverride(ctx, "SUP-CN-SZP", "INV-4712", json.RawMessage(`{"by":"x"}`)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddInvoiceOverride: err = %v, want ErrNotFound", err)
	}
	if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-4712", store.SettlementReconciled, canonical.MustDecimal("1"), false, settledAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetInvoiceSettlement: err = %v, want ErrNotFound", err)
	}
	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-4711", "looks-fine", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown match status: err = %v, want ErrInvalid", err)
	}
	if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-4711", "settled", canonical.MustDecimal("1"), false, settledAt); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown settlement: err = %v, want ErrInvalid", err)
	}
}

func invoiceMatchAndOverrides(t *testing.T, s Store) {
	ctx := t.Context()
	upsertInvoices(t, s, testInvoice("SUP-CN-SZP", "INV-4711"))
	before := getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	time.Sleep(2 * time.Millisecond) // so that a bumped updated_at is later
	result := json.RawMessage(`{"status": "matched_within_tolerance", "lines": [{"line": 1, "delta": "0.50"}]}`)
	if err := s.SetInvoiceMatch(ctx, "SUP-CN-SZP", "INV-4711", store.InvoiceWithinTolerance, result); err != nil {
		t.Fatal(err)
	}
	got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	if got.MatchStatus != store.InvoiceWithinTolerance || !sameJSON(t, got.Match, result) {
		t.Errorf("match %q %s, want %q %s", got.MatchStatus, got.Match, store.InvoiceWithinTolerance, result)
	}
	if !got.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("updated_at %v did not move past %v with the match", got.UpdatedAt, before.UpdatedAt)
	}
	for _, who := range []string{"fin-anna", "fin-bob", "fin-carla"} {
		if err := s.AddInvoiceOverride(ctx, "SUP-CN-SZP", "INV-4711", json.RawMessage(`{"by": "`+who+`", "reason": "agreed price"}`)); err != nil {
			t.Fatalf("AddInvoiceOverride by %s: %v", who, err)
		}
	}
	got = getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	var overrides []struct{ By, Reason string }
	if err := json.Unmarshal(got.Overrides, &overrides); err != nil {
		t.Fatalf("overrides %s are not a JSON array: %v", got.Overrides, err)
	}
	if len(overrides) != 3 || overrides[0].By != "fin-anna" || overrides[1].By != "fin-bob" || overrides[2].By != "fin-carla" ||
		overrides[2].Reason != "agreed price" {
		t.Errorf("overrides %s, want anna's, bob's and carla's in that order", got.Overrides)
	}
	for _, bad := range []string{`["not", "an object"]`, `"text"`, `{"by": `, ``} {
		if err := s.AddInvoiceOverride(ctx, "SUP-CN-SZP", "INV-4711", json.RawMessage(bad)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("override %q: err = %v, want ErrInvalid", bad, err)
		}
	}
	if got := getInvoice(t, s, "SUP-CN-SZP", "INV-4711"); !sameJSON(t, got.Overrides, []byte(overridesJSON(overrides))) {
		t.Errorf("refused overrides changed the stored ones: %s", got.Overrides)
	}
}

func overridesJSON(o []struct{ By, Reason string }) string {
	var b []string
	for _, x := range o {
		b = append(b, fmt.Sprintf(`{"by":%q,"reason":%q}`, x.By, x.Reason))
	}
	return "[" + strings.Join(b, ",") + "]"
}

func invoicePaidAt(t *testing.T, s Store) {
	ctx := t.Context()
	upsertInvoices(t, s, testInvoice("SUP-CN-SZP", "INV-4711"))
	settle := func(status, paid string, auto bool, at time.Time) *store.StoredInvoice {
		t.Helper()
		if err := s.SetInvoiceSettlement(ctx, "SUP-CN-SZP", "INV-4711", status, canonical.MustDecimal(paid), auto, at); err != nil {
			t.Fatalf("SetInvoiceSettlement(%s, %s): %v", status, paid, err)
		}
		return getInvoice(t, s, "SUP-CN-SZP", "INV-4711")
	}
	got := settle(store.SettlementPartial, "500.0", true, settledAt)
	if got.PaidAt != nil || got.Paid.String() != "500.0" || got.Settlement != store.SettlementPartial || !got.AutoMatched {
		t.Errorf("partly paid: paid at %v, paid %s, %q, auto %v; want no paid date, 500.0 (scale kept), partial, auto",
			got.PaidAt, got.Paid, got.Settlement, got.AutoMatched)
	}
	got = settle(store.SettlementReconciled, "1247.50", false, settledAt.Add(time.Hour))
	if got.PaidAt == nil || !got.PaidAt.Equal(settledAt.Add(time.Hour)) || got.AutoMatched {
		t.Errorf("reconciled: paid at %v auto %v; want %v, not auto", got.PaidAt, got.AutoMatched, settledAt.Add(time.Hour))
	}
	got = settle(store.SettlementReconciled, "1247.50", false, settledAt.Add(48*time.Hour))
	if got.PaidAt == nil || !got.PaidAt.Equal(settledAt.Add(time.Hour)) {
		t.Errorf("reconciled again: paid at %v; want it kept at %v", got.PaidAt, settledAt.Add(time.Hour))
	}
	got = settle(store.SettlementPartial, "1000.00", false, settledAt.Add(72*time.Hour))
	if got.PaidAt != nil || got.Paid.String() != "1000.00" {
		t.Errorf("no longer reconciled (a reversal): paid at %v, paid %s; want none, 1000.00", got.PaidAt, got.Paid)
	}
	got = settle(store.SettlementReconciled, "1247.50", true, settledAt.Add(96*time.Hour))
	if got.PaidAt == nil || !got.PaidAt.Equal(settledAt.Add(96*time.Hour)) {
		t.Errorf("reconciled once more: paid at %v; want %v", got.PaidAt, settledAt.Add(96*time.Hour))
	}
	if list, _ := listAllInvoices(t, s, store.InvoiceFilter{Open: true}); len(list) != 0 {
		t.Errorf("a reconciled invoice is listed as open")
	}
}

// --- settlement: payment requests ---

// testRequest is the seq-th stage of order PO-1's plan.
func testRequest(order string, seq int, amount string) store.PaymentRequest {
	return store.PaymentRequest{
		ID:      store.PaymentRequestID("BUY-DE-ACME", order, seq),
		BuyerID: "BUY-DE-ACME", OrderNumber: order, SupplierID: "SUP-CN-SZP", Sequence: seq, Stage: "deposit",
		Amount: canonical.MustDecimal(amount), Currency: "EUR", DueDate: canonical.NewDate(2026, time.March, 20),
		Documents: []string{"proforma_invoice"}, EndToEndID: fmt.Sprintf("E2E-%s-%d", order, seq),
	}
}

func upsertRequests(t *testing.T, s Store, reqs ...store.PaymentRequest) []store.Change {
	t.Helper()
	c, err := s.UpsertPaymentRequests(t.Context(), reqs)
	if err != nil {
		t.Fatalf("UpsertPaymentRequests: %v", err)
	}
	if len(c) != len(reqs) {
		t.Fatalf("UpsertPaymentRequests returned %d changes for %d requests", len(c), len(reqs))
	}
	return c
}

func getRequest(t *testing.T, s Store, id string) *store.PaymentRequest {
	t.Helper()
	got, err := s.GetPaymentRequest(t.Context(), id)
	if err != nil {
		t.Fatalf("GetPaymentRequest(%s): %v", id, err)
	}
	return got
}

func setStatus(t *testing.T, s Store, id, from, to, by, reason string) bool {
	t.Helper()
	ok, err := s.SetPaymentStatus(t.Context(), id, from, to, by, reason)
	if err != nil {
		t.Fatalf("SetPaymentStatus(%s → %s): %v", from, to, err)
	}
	return ok
}

func paymentReadBack(t *testing.T, s Store) {
	r := testRequest("PO-1", 1, "3000.50")
	r.InvoiceNumber = "PI-77"
	r.Documents = []string{"proforma_invoice", "contract"}
	wantChanges(t, upsertRequests(t, s, r), store.ChangeInserted)
	got := getRequest(t, s, r.ID)
	if got.Amount.String() != "3000.50" || !got.Paid.IsZero() {
		t.Errorf("amount %s paid %s; want 3000.50 (scale kept) and nothing paid", got.Amount, got.Paid)
	}
	if got.Status != store.PaymentPlanned || got.Approvals != nil || got.Recommended != nil || got.BlockedReason != "" {
		t.Errorf("status %q approvals %v recommended %s blocked %q; want planned and nothing else", got.Status, got.Approvals, got.Recommended, got.BlockedReason)
	}
	want := r
	want.Status, want.Paid, want.CreatedAt, want.UpdatedAt = store.PaymentPlanned, got.Paid, got.CreatedAt, got.UpdatedAt
	if a, b := jsonString(t, got), jsonString(t, want); a != b {
		t.Errorf("stored request differs from the written one\n got: %s\nwant: %s", a, b)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("created %v updated %v", got.CreatedAt, got.UpdatedAt)
	}
	// A stage waiting for an event has no due date.
	waiting := testRequest("PO-1", 2, "7000")
	waiting.DueDate, waiting.Documents, waiting.Status = canonical.Date{}, nil, store.PaymentBlocked
	upsertRequests(t, s, waiting)
	if got := getRequest(t, s, waiting.ID); !got.DueDate.IsZero() || got.Documents != nil || got.Status != store.PaymentBlocked || got.Amount.String() != "7000" {
		t.Errorf("waiting stage: due %v documents %v status %q amount %s; want no date, no documents, blocked as given, 7000",
			got.DueDate, got.Documents, got.Status, got.Amount)
	}
	if _, err := s.UpsertPaymentRequests(t.Context(), []store.PaymentRequest{testRequest("PO-1", 3, "1"), {Amount: canonical.MustDecimal("1")}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a request without an id: err = %v, want ErrInvalid", err)
	}
	bad := testRequest("PO-1", 4, "1")
	bad.Status = "sent"
	if _, err := s.UpsertPaymentRequests(t.Context(), []store.PaymentRequest{bad}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a request with an unknown status: err = %v, want ErrInvalid", err)
	}
	if _, err := s.GetPaymentRequest(t.Context(), testRequest("PO-1", 3, "1").ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the good request of a refused batch: err = %v, want ErrNotFound", err)
	}
}

func paymentPlanChanges(t *testing.T, s Store) {
	reqs := []store.PaymentRequest{testRequest("PO-1", 1, "100.00"), testRequest("PO-1", 2, "200.00"), testRequest("PO-1", 3, "300.00"),
		testRequest("PO-1", 4, "400.00"), testRequest("PO-1", 5, "500.00")}
	upsertRequests(t, s, reqs...)
	wantChanges(t, upsertRequests(t, s, reqs...), store.ChangeUnchanged, store.ChangeUnchanged, store.ChangeUnchanged,
		store.ChangeUnchanged, store.ChangeUnchanged)
	// 1 stays planned; 2 is pending, 3 blocked, 4 approved, 5 paid.
	setStatus(t, s, reqs[1].ID, store.PaymentPlanned, store.PaymentPending, "fin-anna", "")
	setStatus(t, s, reqs[2].ID, store.PaymentPlanned, store.PaymentBlocked, "", "no bill of lading")
	setStatus(t, s, reqs[3].ID, store.PaymentPlanned, store.PaymentApproved, "", "")
	setStatus(t, s, reqs[4].ID, store.PaymentPlanned, store.PaymentPaid, "", "")

	changed := make([]store.PaymentRequest, len(reqs))
	for i, r := range reqs {
		r.Amount = canonical.MustDecimal(fmt.Sprintf("%d.500", (i+1)*100))
		r.InvoiceNumber = "INV-4711"
		changed[i] = r
	}
	wantChanges(t, upsertRequests(t, s, changed...), store.ChangeUpdated, store.ChangeUpdated, store.ChangeUpdated,
		store.ChangeUnchanged, store.ChangeUnchanged)
	for i, r := range reqs {
		got := getRequest(t, s, r.ID)
		want, wantInvoice := changed[i].Amount.String(), "INV-4711"
		if i >= 3 {
			want, wantInvoice = r.Amount.String(), ""
		}
		if got.Amount.String() != want || got.InvoiceNumber != wantInvoice {
			t.Errorf("request %d (%s): amount %s invoice %q; want %s %q", i+1, got.Status, got.Amount, got.InvoiceNumber, want, wantInvoice)
		}
	}
	// The same amount with another scale is a change: the stored amount keeps
	// the scale it was given.
	rescaled := changed[0]
	rescaled.Amount = canonical.MustDecimal("100.50")
	wantChanges(t, upsertRequests(t, s, rescaled), store.ChangeUpdated)
	if got := getRequest(t, s, rescaled.ID); got.Amount.String() != "100.50" {
		t.Errorf("amount %s, want 100.50", got.Amount)
	}
}

func paymentUpsertKeepsDecisions(t *testing.T, s Store) {
	ctx := t.Context()
	r := testRequest("PO-1", 1, "100.00")
	upsertRequests(t, s, r)
	setStatus(t, s, r.ID, store.PaymentPlanned, store.PaymentPending, "fin-anna", "")
	approval := store.PaymentApproval{By: "fin-bob", Decision: "approve", Comment: "ok", At: settledAt}
	if ok, err := s.AddPaymentApproval(ctx, r.ID, store.PaymentPending, approval, store.PaymentPending); err != nil || !ok {
		t.Fatalf("AddPaymentApproval: %v, %v", ok, err)
	}
	if err := s.SetPaymentRecommendation(ctx, r.ID, json.RawMessage(`{"pay_on":"2026-03-19"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPaymentPaid(ctx, r.ID, canonical.MustDecimal("40.00")); err != nil {
		t.Fatal(err)
	}
	// The plan is built again, with a changed amount and other values in
	// the fields that are not the plan's.
	again := r
	again.Amount = canonical.MustDecimal("120.00")
	again.Status, again.CreatedBy, again.BlockedReason = store.PaymentPlanned, "planner", "ignored"
	again.Approvals = []store.PaymentApproval{{By: "someone", Decision: "reject"}}
	again.Recommended, again.Paid = json.RawMessage(`{"pay_on":"2026-12-31"}`), canonical.MustDecimal("0")
	wantChanges(t, upsertRequests(t, s, again), store.ChangeUpdated)
	got := getRequest(t, s, r.ID)
	if got.Amount.String() != "120.00" {
		t.Errorf("amount %s, want the new plan's 120.00", got.Amount)
	}
	if got.Status != store.PaymentPending || got.CreatedBy != "fin-anna" || got.Paid.String() != "40.00" ||
		!sameJSON(t, got.Recommended, []byte(`{"pay_on":"2026-03-19"}`)) {
		t.Errorf("status %q creator %q paid %s recommended %s; want pending, fin-anna, 40.00 and the first recommendation kept",
			got.Status, got.CreatedBy, got.Paid, got.Recommended)
	}
	if len(got.Approvals) != 1 || got.Approvals[0].By != "fin-bob" || got.Approvals[0].Comment != "ok" || !got.Approvals[0].At.Equal(settledAt) {
		t.Errorf("approvals %+v, want fin-bob's alone", got.Approvals)
	}
}

func paymentStatusMoves(t *testing.T, s Store) {
	r := testRequest("PO-1", 1, "100.00")
	upsertRequests(t, s, r)
	if setStatus(t, s, r.ID, store.PaymentPending, store.PaymentApproved, "fin-x", "") {
		t.Error("a move from pending applied to a planned request")
	}
	if got := getRequest(t, s, r.ID); got.Status != store.PaymentPlanned {
		t.Errorf("status %q after a refused move, want planned", got.Status)
	}
	if !setStatus(t, s, r.ID, store.PaymentPlanned, store.PaymentBlocked, "", "invoice does not match the order") {
		t.Fatal("planned → blocked did not apply")
	}
	if got := getRequest(t, s, r.ID); got.Status != store.PaymentBlocked || got.BlockedReason != "invoice does not match the order" || got.CreatedBy != "" {
		t.Errorf("status %q reason %q creator %q; want blocked with its reason, no creator", got.Status, got.BlockedReason, got.CreatedBy)
	}
	if !setStatus(t, s, r.ID, store.PaymentBlocked, store.PaymentPending, "fin-anna", "") {
		t.Fatal("blocked → pending did not apply")
	}
	if got := getRequest(t, s, r.ID); got.Status != store.PaymentPending || got.BlockedReason != "" || got.CreatedBy != "fin-anna" {
		t.Errorf("status %q reason %q creator %q; want pending, the reason cleared, created by fin-anna", got.Status, got.BlockedReason, got.CreatedBy)
	}
	if !setStatus(t, s, r.ID, store.PaymentPending, store.PaymentApproved, "fin-bob", "") {
		t.Fatal("pending → approved did not apply")
	}
	if got := getRequest(t, s, r.ID); got.CreatedBy != "fin-anna" {
		t.Errorf("creator %q after approval, want fin-anna kept (only asking for payment names the creator)", got.CreatedBy)
	}
	if _, err := s.SetPaymentStatus(t.Context(), r.ID, store.PaymentApproved, "sent", "", ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown status: err = %v, want ErrInvalid", err)
	}
}

func paymentApprovals(t *testing.T, s Store) {
	ctx := t.Context()
	r := testRequest("PO-1", 1, "100.00")
	upsertRequests(t, s, r)
	setStatus(t, s, r.ID, store.PaymentPlanned, store.PaymentPending, "fin-anna", "")
	first := store.PaymentApproval{By: "fin-bob", Decision: "approve", At: settledAt}
	second := store.PaymentApproval{By: "fin-carla", Decision: "approve", Comment: "second pair of eyes", At: settledAt.Add(time.Minute)}
	if ok, err := s.AddPaymentApproval(ctx, r.ID, store.PaymentPending, first, store.PaymentPending); err != nil || !ok {
		t.Fatalf("first approval: %v, %v", ok, err)
	}
	// An approver who saw the request approved already is too late.
	if ok, err := s.AddPaymentApproval(ctx, r.ID, store.PaymentApproved, second, store.PaymentApproved); err != nil || ok {
		t.Fatalf("an approval from a status the request is not in: %v, %v; want false", ok, err)
	}
	if ok, err := s.AddPaymentApproval(ctx, r.ID, store.PaymentPending, second, store.PaymentApproved); err != nil || !ok {
		t.Fatalf("second approval: %v, %v", ok, err)
	}
	got := getRequest(t, s, r.ID)
	if got.Status != store.PaymentApproved || len(got.Approvals) != 2 {
		t.Fatalf("status %q with %d approvals, want approved with 2", got.Status, len(got.Approvals))
	}
	if a, b := jsonString(t, got.Approvals), jsonString(t, []store.PaymentApproval{first, second}); a != b {
		t.Errorf("approvals\n got: %s\nwant: %s", a, b)
	}
	if _, err := s.AddPaymentApproval(ctx, r.ID, store.PaymentApproved, first, "sent"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an approval to an unknown status: err = %v, want ErrInvalid", err)
	}
}

func paymentList(t *testing.T, s Store) {
	var reqs []store.PaymentRequest
	for i := range 5 {
		reqs = append(reqs, testRequest("PO-1", i+1, "10.00"))
	}
	other := testRequest("PO-2", 1, "20.00")
	other.BuyerID, other.SupplierID = "BUY-FR-GLOBEX", "SUP-VN-LAMP"
	other.ID = store.PaymentRequestID(other.BuyerID, other.OrderNumber, 1)
	upsertRequests(t, s, reqs...)
	upsertRequests(t, s, other)
	setStatus(t, s, reqs[3].ID, store.PaymentPlanned, store.PaymentPending, "fin-anna", "")

	walk := func(f store.PaymentRequestFilter) (string, int) {
		t.Helper()
		var ids []string
		for pages := 1; pages < 100; pages++ {
			list, next, err := s.ListPaymentRequests(t.Context(), f)
			if err != nil {
				t.Fatalf("ListPaymentRequests(%+v): %v", f, err)
			}
			for _, r := range list {
				ids = append(ids, fmt.Sprintf("%s/%d", r.OrderNumber, r.Sequence))
			}
			if next == "" {
				return strings.Join(ids, " "), pages
			}
			f.Cursor = next
		}
		t.Fatal("ListPaymentRequests never returned an empty cursor")
		return "", 0
	}
	if got, pages := walk(store.PaymentRequestFilter{Limit: 2}); got != "PO-1/1 PO-1/2 PO-1/3 PO-1/4 PO-1/5 PO-2/1" || pages != 3 {
		t.Errorf("every request in %d pages: %s; want 3 pages, oldest first", pages, got)
	}
	for _, c := range []struct {
		f    store.PaymentRequestFilter
		want string
	}{
		{store.PaymentRequestFilter{BuyerID: "BUY-FR-GLOBEX"}, "PO-2/1"},
		{store.PaymentRequestFilter{SupplierID: "SUP-CN-SZP", Limit: 4}, "PO-1/1 PO-1/2 PO-1/3 PO-1/4 PO-1/5"},
		{store.PaymentRequestFilter{OrderNumber: "PO-2"}, "PO-2/1"},
		{store.PaymentRequestFilter{Status: store.PaymentPending}, "PO-1/4"},
		{store.PaymentRequestFilter{OrderNumber: "PO-1", Status: store.PaymentPlanned}, "PO-1/1 PO-1/2 PO-1/3 PO-1/5"},
	} {
		if got, _ := walk(c.f); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
	if _, _, err := s.ListPaymentRequests(t.Context(), store.PaymentRequestFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
}

func paymentMissing(t *testing.T, s Store) {
	ctx := t.Context()
	upsertRequests(t, s, testRequest("PO-1", 1, "10.00"))
	id := store.PaymentRequestID("BUY-DE-ACME", "PO-1", 2)
	if _, err := s.GetPaymentRequest(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetPaymentRequest: err = %v, want ErrNotFound", err)
	}
	if _, err := s.SetPaymentStatus(ctx, id, store.PaymentPlanned, store.PaymentPending, "fin-anna", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPaymentStatus: err = %v, want ErrNotFound", err)
	}
	if _, err := s.AddPaymentApproval(ctx, id, store.PaymentPending, store.PaymentApproval{By: "fin-bob", Decision: "approve", At: settledAt}, store.PaymentApproved); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddPaymentApproval: err = %v, want ErrNotFound", err)
	}
	if err := s.SetPaymentRecommendation(ctx, id, json.RawMessage(`{}`)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPaymentRecommendation: err = %v, want ErrNotFound", err)
	}
	if err := s.SetPaymentPaid(ctx, id, canonical.MustDecimal("1.00")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPaymentPaid: err = %v, want ErrNotFound", err)
	}
	stored := testRequest("PO-1", 1, "10.00").ID
	if err := s.SetPaymentRecommendation(ctx, stored, json.RawMessage(`{"pay_on":`)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a recommendation that is not JSON: err = %v, want ErrInvalid", err)
	}
	if err := s.SetPaymentPaid(ctx, stored, canonical.MustDecimal("10.000")); err != nil {
		t.Fatal(err)
	}
	if got := getRequest(t, s, stored); got.Paid.String() != "10.000" {
		t.Errorf("paid %s, want 10.000 (scale kept)", got.Paid)
	}
}

// --- settlement: bank entries ---

// entryIDs are the ids of the entries of st, in order.
func entryIDs(st *canonical.BankStatement) []string {
	var ids []string
	for i := range st.Entries {
		ids = append(ids, store.BankEntryID(st.Account.AccountKey(), st.StatementID, st.SequenceNumber, i+1))
	}
	return ids
}

// walkEntries lists every page of f.
func walkEntries(t *testing.T, s Store, f store.BankEntryFilter) ([]store.BankEntry, int) {
	t.Helper()
	var all []store.BankEntry
	for pages := 1; pages < 1000; pages++ {
		list, next, err := s.BankEntries(t.Context(), f)
		if err != nil {
			t.Fatalf("BankEntries(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(list) > f.Limit {
			t.Fatalf("a page of %d entries with limit %d", len(list), f.Limit)
		}
		all = append(all, list...)
		if next == "" {
			return all, pages
		}
		f.Cursor = next
	}
	t.Fatal("BankEntries never returned an empty cursor")
	return nil, 0
}

func entryKeys(list []store.BankEntry) string {
	var b []string
	for _, e := range list {
		b = append(b, fmt.Sprintf("%s#%d", e.StatementID, e.Index))
	}
	return strings.Join(b, " ")
}

func bankEntryList(t *testing.T, s Store) {
	st := statementFixture(t)
	a := smallStatement("DE89370400440532013000", "", "STMT-A", canonical.NewDate(2026, time.March, 4), false)
	b := smallStatement("", "0532013000", "STMT-B", canonical.NewDate(2026, time.March, 5), false)
	// One call each: a store may write the statements of one batch in any
	// order.
	upsertStatements(t, s, st)
	upsertStatements(t, s, a)
	upsertStatements(t, s, b)

	all, pages := walkEntries(t, s, store.BankEntryFilter{Limit: 2})
	if got, want := entryKeys(all), "STMT-2026-061#1 STMT-2026-061#2 STMT-2026-061#3 STMT-A#1 STMT-B#1"; got != want || pages != 3 {
		t.Errorf("every entry in %d pages: %s\nwant 3 pages: %s", pages, got, want)
	}
	ids := entryIDs(st)
	for i, e := range all[:3] {
		if e.ID != ids[i] || e.AccountKey != st.Account.AccountKey() || e.Status != store.EntryUnmatched || e.By != "" ||
			e.ReconciledAt != nil || e.Allocations != nil {
			t.Errorf("entry %d: id %s account %s status %q by %q; want %s, the statement's account, unmatched and nothing else",
				i+1, e.ID, e.AccountKey, e.Status, e.By, ids[i])
		}
		if a, b := jsonString(t, e.Transaction), jsonString(t, st.Entries[i]); a != b {
			t.Errorf("entry %d transaction\n got: %s\nwant: %s", i+1, a, b)
		}
	}
	if all[1].Transaction.Charges == nil || all[1].Transaction.Charges.String() != "1.50" || all[0].Transaction.Amount.String() != "1247.50" {
		t.Errorf("entry transactions lost their details or scale: %+v", all[:2])
	}
	got, err := s.GetBankEntry(t.Context(), ids[2])
	if err != nil {
		t.Fatalf("GetBankEntry: %v", err)
	}
	if got.Index != 3 || got.StatementID != st.StatementID || !got.Transaction.Reversal || got.Transaction.Amount.String() != "300" {
		t.Errorf("GetBankEntry: %+v, want entry 3 of %s, the reversal of 300", got, st.StatementID)
	}
	if _, err := s.GetBankEntry(t.Context(), store.BankEntryID(st.Account.AccountKey(), st.StatementID, st.SequenceNumber, 4)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an entry past the statement's last: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.BankEntries(t.Context(), store.BankEntryFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: err = %v, want ErrInvalid", err)
	}
	if _, _, err := s.BankEntries(t.Context(), store.BankEntryFilter{Status: "done"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown status: err = %v, want ErrInvalid", err)
	}
}

func reconciliationNotOverwritten(t *testing.T, s Store) {
	ctx := t.Context()
	st := statementFixture(t)
	upsertStatements(t, s, st)
	ids := entryIDs(st)
	save := func(recs ...store.EntryReconciliation) []bool {
		t.Helper()
		w, err := s.SaveReconciliations(ctx, recs)
		if err != nil {
			t.Fatalf("SaveReconciliations: %v", err)
		}
		if len(w) != len(recs) {
			t.Fatalf("%d results for %d records", len(w), len(recs))
		}
		return w
	}
	alloc := json.RawMessage(`[{"invoice":"INV-4711","amount":"1247.50"}]`)
	// A finance user matches entry 1 by hand and ignores entry 3; an
	// automatic run leaves entry 2 unmatched with a suggestion.
	w := save(
		store.EntryReconciliation{EntryID: ids[0], Status: store.EntryManual, Allocations: alloc, By: "fin-anna", At: settledAt},
		store.EntryReconciliation{EntryID: ids[1], Status: store.EntryUnmatched, Reason: "no invoice quoted", Suggestions: json.RawMessage(`[{"invoice":"INV-1"}]`), By: "auto", At: settledAt},
		store.EntryReconciliation{EntryID: ids[2], Status: store.EntryIgnored, By: "fin-anna", At: settledAt},
	)
	if fmt.Sprint(w) != "[true true true]" {
		t.Errorf("first records written %v, want all three", w)
	}
	// The next automatic run: it would match entry 1 elsewhere, and has a
	// better idea for entry 2.
	later := settledAt.Add(time.Hour)
	w = save(
		store.EntryReconciliation{EntryID: ids[0], Status: store.EntryMatched, Allocations: json.RawMessage(`[{"invoice":"INV-9"}]`), By: "auto", At: later},
		store.EntryReconciliation{EntryID: ids[1], Status: store.EntryUnmatched, Reason: "two candidates", Suggestions: json.RawMessage(`[{"invoice":"INV-2"}]`), By: "auto", At: later},
		store.EntryReconciliation{EntryID: ids[2], Status: store.EntryUnmatched, Reason: "not a payment", By: "auto", At: later},
	)
	if fmt.Sprint(w) != "[false true false]" {
		t.Errorf("second run written %v, want only the unmatched entry's record", w)
	}
	one, err := s.GetBankEntry(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if one.Status != store.EntryManual || one.By != "fin-anna" || !sameJSON(t, one.Allocations, alloc) || one.ReconciledAt == nil || !one.ReconciledAt.Equal(settledAt) {
		t.Errorf("the manual match became %q by %q %s at %v; want it kept", one.Status, one.By, one.Allocations, one.ReconciledAt)
	}
	two, err := s.GetBankEntry(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if two.Status != store.EntryUnmatched || two.Reason != "two candidates" || !sameJSON(t, two.Suggestions, []byte(`[{"invoice":"INV-2"}]`)) {
		t.Errorf("the unmatched entry: %q %q %s; want the newer reason and suggestions", two.Status, two.Reason, two.Suggestions)
	}
	// Now the automatic run matches entry 2; a later run cannot undo it.
	if w := save(store.EntryReconciliation{EntryID: ids[1], Status: store.EntryMatched, Allocations: alloc, By: "auto", At: later}); !w[0] {
		t.Error("matching an unmatched entry was not written")
	}
	if w := save(store.EntryReconciliation{EntryID: ids[1], Status: store.EntryManual, By: "fin-bob", At: later}); w[0] {
		t.Error("an automatic match was overwritten")
	}
	for _, c := range []struct{ status, want string }{
		{"", "STMT-2026-061#1 STMT-2026-061#2 STMT-2026-061#3"},
		{store.EntryManual, "STMT-2026-061#1"},
		{store.EntryMatched, "STMT-2026-061#2"},
		{store.EntryIgnored, "STMT-2026-061#3"},
		{store.EntryUnmatched, ""},
	} {
		if list, _ := walkEntries(t, s, store.BankEntryFilter{Status: c.status, Limit: 1}); entryKeys(list) != c.want {
			t.Errorf("entries with status %q: %q, want %q", c.status, entryKeys(list), c.want)
		}
	}
	// A new statement's entries are unmatched until reconciled.
	small := smallStatement("DE89370400440532013000", "", "STMT-A", canonical.NewDate(2026, time.March, 4), false)
	upsertStatements(t, s, small)
	if list, _ := walkEntries(t, s, store.BankEntryFilter{Status: store.EntryUnmatched}); entryKeys(list) != "STMT-A#1" {
		t.Errorf("unmatched entries: %q, want the new statement's STMT-A#1", entryKeys(list))
	}
	// and can be reconciled, though the ids known so far were worked out
	// before the statement came.
	newID := entryIDs(small)[0]
	if w := save(store.EntryReconciliation{EntryID: newID, Status: store.EntryMatched, Allocations: alloc, By: "auto", At: later}); !w[0] {
		t.Error("the new statement's entry was not reconciled")
	}
	if e, err := s.GetBankEntry(ctx, newID); err != nil || e.Status != store.EntryMatched || e.StatementID != "STMT-A" {
		t.Errorf("the new statement's entry: %+v, %v; want STMT-A#1 matched", e, err)
	}
}

func reconciliationUnknownEntry(t *testing.T, s Store) {
	ctx := t.Context()
	st := statementFixture(t)
	upsertStatements(t, s, st)
	ids := entryIDs(st)
	past := store.BankEntryID(st.Account.AccountKey(), st.StatementID, st.SequenceNumber, 4)
	for _, bad := range []string{past, "BE-0000000000000000", ""} {
		_, err := s.SaveReconciliations(ctx, []store.EntryReconciliation{
			{EntryID: ids[0], Status: store.EntryMatched, By: "auto", At: settledAt},
			{EntryID: bad, Status: store.EntryMatched, By: "auto", At: settledAt},
		})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("entry id %q: err = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.SaveReconciliations(ctx, []store.EntryReconciliation{{EntryID: ids[0], Status: "done", At: settledAt}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown status: err = %v, want ErrInvalid", err)
	}
	if e, err := s.GetBankEntry(ctx, ids[0]); err != nil || e.Status != store.EntryUnmatched {
		t.Errorf("entry 1 after refused calls: %v, %v; want it unmatched (nothing written)", e, err)
	}
	if _, err := s.GetBankEntry(ctx, "BE-0000000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetBankEntry of an unknown id: err = %v, want ErrNotFound", err)
	}

	// A corrected statement with one entry less: the dropped entry's id,
	// known before, names no stored entry any more.
	two := smallStatement("DE89370400440532013000", "", "STMT-C", canonical.NewDate(2026, time.March, 6), false)
	two.Entries = append(two.Entries, canonical.BankTransaction{Amount: canonical.MustDecimal("5.00"), Currency: "EUR",
		BookingDate: two.ClosingDate, RemittanceInfo: "INV-C2"})
	two.ClosingBalance = ptr(canonical.MustDecimal("130.00"))
	two.SetBalanceCheck()
	upsertStatements(t, s, two)
	dropped := entryIDs(two)[1]
	if _, err := s.GetBankEntry(ctx, dropped); err != nil {
		t.Fatalf("entry 2 of STMT-C: %v", err)
	}
	upsertStatements(t, s, smallStatement("DE89370400440532013000", "", "STMT-C", canonical.NewDate(2026, time.March, 6), false))
	if _, err := s.GetBankEntry(ctx, dropped); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the dropped entry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.SaveReconciliations(ctx, []store.EntryReconciliation{{EntryID: dropped, Status: store.EntryMatched, By: "auto", At: settledAt}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("reconciling the dropped entry: err = %v, want ErrInvalid", err)
	}
}

// --- settlement: supplier accounts ---

func supplierAccountFourEyes(t *testing.T, s Store) {
	ctx := t.Context()
	a := store.SupplierAccount{SupplierID: "SUP-CN-SZP", Account: "gb29 nwbk 6016 1331 9268 19", BIC: "NWBKGB2L", Country: "GB",
		AddedBy: "fin-anna", AddedAt: settledAt}
	if added, err := s.AddSupplierAccount(ctx, a); err != nil || !added {
		t.Fatalf("AddSupplierAccount: %v, %v", added, err)
	}
	again := a
	again.Account, again.BIC, again.AddedBy = "GB29NWBK60161331926819", "OTHERBIC", "fin-bob"
	if added, err := s.AddSupplierAccount(ctx, again); err != nil || added {
		t.Errorf("the same account, written otherwise: added %v, %v; want false", added, err)
	}
	second := store.SupplierAccount{SupplierID: "SUP-CN-SZP", Account: "DE89370400440532013000", AddedBy: "fin-bob", AddedAt: settledAt.Add(time.Minute)}
	if added, err := s.AddSupplierAccount(ctx, second); err != nil || !added {
		t.Fatalf("second account: %v, %v", added, err)
	}
	list, err := s.SupplierAccounts(ctx, "SUP-CN-SZP")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Account != "GB29NWBK60161331926819" || list[1].Account != "DE89370400440532013000" {
		t.Fatalf("accounts %+v; want the normalised GB account, then the DE one", list)
	}
	first := list[0]
	if first.Status != store.AccountPending || first.BIC != "NWBKGB2L" || first.Country != "GB" || first.AddedBy != "fin-anna" ||
		!first.AddedAt.Equal(settledAt) || first.VerifiedBy != "" || first.VerifiedAt != nil {
		t.Errorf("first account %+v; want pending as first written, unverified", first)
	}
	if err := s.VerifySupplierAccount(ctx, "SUP-CN-SZP", "GB29NWBK60161331926819", "fin-anna", settledAt); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("verified by who added it: err = %v, want ErrInvalid", err)
	}
	if err := s.VerifySupplierAccount(ctx, "SUP-CN-SZP", "gb29nwbk60161331926819", "fin-bob", settledAt.Add(time.Hour)); err != nil {
		t.Fatalf("verified by another user: %v", err)
	}
	list, _ = s.SupplierAccounts(ctx, "SUP-CN-SZP")
	if v := list[0]; v.Status != store.AccountVerified || v.VerifiedBy != "fin-bob" || v.VerifiedAt == nil || !v.VerifiedAt.Equal(settledAt.Add(time.Hour)) {
		t.Errorf("after verification: %+v; want verified by fin-bob at %v", v, settledAt.Add(time.Hour))
	}
	if list[1].Status != store.AccountPending {
		t.Errorf("the other account became %q", list[1].Status)
	}
	if other, err := s.SupplierAccounts(ctx, "SUP-VN-LAMP"); err != nil || len(other) != 0 {
		t.Errorf("another supplier's accounts: %v, %v; want none", other, err)
	}
	if _, err := s.AddSupplierAccount(ctx, store.SupplierAccount{SupplierID: "SUP-CN-SZP", Account: "  ", AddedBy: "fin-anna"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an empty account: err = %v, want ErrInvalid", err)
	}
}

func supplierAccountRevoked(t *testing.T, s Store) {
	ctx := t.Context()
	a := store.SupplierAccount{SupplierID: "SUP-CN-SZP", Account: "GB29NWBK60161331926819", AddedBy: "fin-anna", AddedAt: settledAt}
	if _, err := s.AddSupplierAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSupplierAccountStatus(ctx, "SUP-CN-SZP", "GB29 NWBK 6016 1331 9268 19", store.AccountRevoked); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := s.VerifySupplierAccount(ctx, "SUP-CN-SZP", "GB29NWBK60161331926819", "fin-bob", settledAt); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("verifying a revoked account: err = %v, want ErrInvalid", err)
	}
	if list, _ := s.SupplierAccounts(ctx, "SUP-CN-SZP"); len(list) != 1 || list[0].Status != store.AccountRevoked || list[0].VerifiedBy != "" {
		t.Errorf("after a refused verification: %+v; want it revoked, unverified", list)
	}
	if err := s.SetSupplierAccountStatus(ctx, "SUP-CN-SZP", "GB29NWBK60161331926819", "blocked"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown status: err = %v, want ErrInvalid", err)
	}
	if err := s.SetSupplierAccountStatus(ctx, "SUP-CN-SZP", "DE89370400440532013000", store.AccountPending); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("status of a missing account: err = %v, want ErrNotFound", err)
	}
	if err := s.VerifySupplierAccount(ctx, "SUP-VN-LAMP", "GB29NWBK60161331926819", "fin-bob", settledAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("verifying another supplier's account: err = %v, want ErrNotFound", err)
	}
}
