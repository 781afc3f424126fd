package storetest

import (
	"errors"
	"testing"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

func findingsOf(t *testing.T, o *canonical.Order, errs, warns int, json string) store.OrderFindings {
	t.Helper()
	h, err := store.ContentHash(o)
	if err != nil {
		t.Fatal(err)
	}
	return store.OrderFindings{BuyerID: o.Buyer.ID, OrderNumber: o.OrderNumber, ContentHash: h,
		Errors: errs, Warnings: warns, Findings: []byte(json)}
}

func record(t *testing.T, s Store, f store.OrderFindings) bool {
	t.Helper()
	changed, err := s.RecordFindings(t.Context(), f)
	if err != nil {
		t.Fatalf("RecordFindings: %v", err)
	}
	return changed
}

const priceFinding = `[{"rule_id":"price_list","severity":"error","path":"lines[0].unit_price","message":"12.50 is 25% over the price list's 10.00"}]`

func findingsReview(t *testing.T, s Store) {
	o := small("ACME", "PO-F1", "SUP-1")
	upsert(t, s, o)
	if !record(t, s, findingsOf(t, o, 1, 0, priceFinding)) {
		t.Error("first findings reported unchanged")
	}
	if got := get(t, s, "ACME", "PO-F1"); got.Status != store.StatusNeedsReview {
		t.Errorf("status %q; want needs_review", got.Status)
	}
	if l := listAll(t, s, store.OrderFilter{Status: store.StatusNeedsReview}); len(l) != 1 || l[0].Order.OrderNumber != "PO-F1" {
		t.Errorf("needs_review list = %d orders; want PO-F1", len(l))
	}
	f, err := s.GetFindings(t.Context(), "ACME", "PO-F1")
	if err != nil || f.Errors != 1 || !sameJSON(t, f.Findings, []byte(priceFinding)) {
		t.Fatalf("GetFindings = %+v, %v", f, err)
	}
	// The buyer corrects the price: a new version, validated clean.
	fixed := small("ACME", "PO-F1", "SUP-1")
	fixed.Lines[0].UnitPrice = canonical.MustDecimal("10.00")
	upsert(t, s, fixed)
	if !record(t, s, findingsOf(t, fixed, 0, 0, `[]`)) {
		t.Error("findings of the corrected version reported unchanged")
	}
	if got := get(t, s, "ACME", "PO-F1"); got.Status != store.StatusSubmitted {
		t.Errorf("status after the correction %q; want submitted", got.Status)
	}
	if _, err := s.GetFindings(t.Context(), "ACME", "PO-NONE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("findings of an order never validated: %v; want ErrNotFound", err)
	}
}

func findingsReplay(t *testing.T, s Store) {
	o := small("ACME", "PO-F2", "SUP-1")
	upsert(t, s, o)
	f := findingsOf(t, o, 1, 0, priceFinding)
	record(t, s, f)
	if record(t, s, f) {
		t.Error("the same findings again reported changed: a replay would raise a second reject")
	}
}

func findingsKeepLifecycle(t *testing.T, s Store) {
	o := small("ACME", "PO-F3", "SUP-1")
	upsert(t, s, o)
	// Findings about an older content do not touch the stored order.
	old := small("ACME", "PO-F3", "SUP-1")
	old.Lines[0].Quantity = canonical.MustDecimal("999")
	record(t, s, findingsOf(t, old, 1, 0, priceFinding))
	if got := get(t, s, "ACME", "PO-F3"); got.Status != store.StatusSubmitted {
		t.Errorf("findings about another content moved the order to %q", got.Status)
	}
	if _, err := s.RecordFindings(t.Context(), store.OrderFindings{OrderNumber: "PO-F3", ContentHash: "x", Findings: []byte("{")}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("findings that are not JSON: %v; want ErrInvalid", err)
	}
}
