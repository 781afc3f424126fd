package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

func testAlert(id, kind, partner, order string) store.Alert {
	a := store.Alert{ID: id, Kind: kind, Severity: "warning", Partner: partner,
		Subject: "subject of " + id, Message: "message of " + id, SuggestedAction: "action for " + id,
		OccurredAt: time.Date(2026, time.March, 2, 9, 30, 0, 123000000, time.UTC)}
	if order != "" {
		a.Data = map[string]string{"order_number": order, "buyer_id": "ACME"}
	}
	return a
}

func addAlert(t *testing.T, s Store, a store.Alert) bool {
	t.Helper()
	added, err := s.AddAlert(t.Context(), a)
	if err != nil {
		t.Fatalf("AddAlert(%s): %v", a.ID, err)
	}
	return added
}

func getAlert(t *testing.T, s Store, id string) store.Alert {
	t.Helper()
	a, err := s.GetAlert(t.Context(), id)
	if err != nil {
		t.Fatalf("GetAlert(%s): %v", id, err)
	}
	return a
}

func alertReadBack(t *testing.T, s Store) {
	a := testAlert("a-1", "order_needs_review", "buyer-1", "PO-1")
	if !addAlert(t, s, a) {
		t.Fatal("the first AddAlert reported the alert not new")
	}
	got := getAlert(t, s, "a-1")
	if got.Kind != a.Kind || got.Severity != a.Severity || got.Partner != a.Partner || got.Subject != a.Subject ||
		got.Message != a.Message || got.SuggestedAction != "action for a-1" || !got.OccurredAt.Equal(a.OccurredAt) || got.OrderNumber != "PO-1" ||
		got.Data["order_number"] != "PO-1" || got.Data["buyer_id"] != "ACME" || len(got.Data) != 2 {
		t.Errorf("read back %+v; want %+v with order number PO-1", got, a)
	}
	if got.Status != store.AlertOpen || got.StatusBy != "" || got.ReceivedAt.IsZero() || got.StatusChangedAt.IsZero() {
		t.Errorf("status %q by %q, received %v, changed %v; want open, by nobody, with times", got.Status, got.StatusBy, got.ReceivedAt, got.StatusChangedAt)
	}
	if err := s.SetAlertStatus(t.Context(), "a-1", store.AlertAcknowledged, "ops@acme"); err != nil {
		t.Fatal(err)
	}
	again := a
	again.Message = "a later delivery"
	if addAlert(t, s, again) {
		t.Error("the same alert id again was reported new")
	}
	if got := getAlert(t, s, "a-1"); got.Status != store.AlertAcknowledged || got.Message != a.Message {
		t.Errorf("after the same id again: status %q message %q; want acknowledged and the first message", got.Status, got.Message)
	}
	noData := testAlert("a-2", "source_unreachable", "bank-1", "")
	addAlert(t, s, noData)
	if got := getAlert(t, s, "a-2"); got.OrderNumber != "" || got.Data != nil {
		t.Errorf("alert without data: order %q data %v; want none", got.OrderNumber, got.Data)
	}
	for _, bad := range []store.Alert{{Kind: "k", Severity: "warning", OccurredAt: a.OccurredAt},
		{ID: "x", Severity: "warning", OccurredAt: a.OccurredAt}, {ID: "x", Kind: "k", Severity: "warning"}} {
		if _, err := s.AddAlert(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddAlert(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
	if _, err := s.GetAlert(t.Context(), "no-such-alert"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAlert of an unknown id = %v; want ErrNotFound", err)
	}
}

func alertLifecycle(t *testing.T, s Store) {
	ctx := t.Context()
	addAlert(t, s, testAlert("a-1", "balance_mismatch", "bank-1", ""))
	addAlert(t, s, testAlert("a-2", "balance_mismatch", "bank-1", ""))
	before := getAlert(t, s, "a-1").StatusChangedAt

	if err := s.SetAlertStatus(ctx, "a-1", store.AlertResolved+"x", "ops"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("an unknown status: %v; want ErrInvalid", err)
	}
	if err := s.SetAlertStatus(ctx, "a-1", store.AlertOpen, "ops"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("back to open: %v; want ErrInvalid", err)
	}
	if err := s.SetAlertStatus(ctx, "a-1", store.AlertAcknowledged, "anna"); err != nil {
		t.Fatalf("open → acknowledged: %v", err)
	}
	got := getAlert(t, s, "a-1")
	if got.Status != store.AlertAcknowledged || got.StatusBy != "anna" || got.StatusChangedAt.Before(before) {
		t.Errorf("after acknowledge: %q by %q at %v; want acknowledged by anna", got.Status, got.StatusBy, got.StatusChangedAt)
	}
	if err := s.SetAlertStatus(ctx, "a-1", store.AlertAcknowledged, "anna"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("acknowledged twice: %v; want ErrInvalid", err)
	}
	if err := s.SetAlertStatus(ctx, "a-1", store.AlertResolved, "ben"); err != nil {
		t.Fatalf("acknowledged → resolved: %v", err)
	}
	if got := getAlert(t, s, "a-1"); got.Status != store.AlertResolved || got.StatusBy != "ben" {
		t.Errorf("after resolve: %q by %q; want resolved by ben", got.Status, got.StatusBy)
	}
	for _, to := range []string{store.AlertResolved, store.AlertAcknowledged} {
		if err := s.SetAlertStatus(ctx, "a-1", to, "ben"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("resolved → %s: %v; want ErrInvalid", to, err)
		}
	}
	if err := s.SetAlertStatus(ctx, "a-2", store.AlertResolved, "ben"); err != nil {
		t.Errorf("open → resolved: %v", err)
	}
	if err := s.SetAlertStatus(ctx, "no-such-alert", store.AlertResolved, "ben"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown alert: %v; want ErrNotFound", err)
	}
}

func alertList(t *testing.T, s Store) {
	ctx := t.Context()
	// a-0 .. a-6: order alerts of buyer-1 (PO-0..PO-3), outage alerts of bank-1.
	for i := range 7 {
		kind, partner, order := "order_needs_review", "buyer-1", fmt.Sprintf("PO-%d", i%4)
		if i%2 == 1 {
			kind, partner, order = "source_unreachable", "bank-1", ""
		}
		addAlert(t, s, testAlert(fmt.Sprintf("a-%d", i), kind, partner, order))
	}
	if err := s.SetAlertStatus(ctx, "a-2", store.AlertAcknowledged, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAlertStatus(ctx, "a-3", store.AlertResolved, "ops"); err != nil {
		t.Fatal(err)
	}
	ids := func(f store.AlertFilter) []string {
		t.Helper()
		got, next, err := s.ListAlerts(ctx, f)
		if err != nil {
			t.Fatalf("ListAlerts(%+v): %v", f, err)
		}
		if next != "" {
			t.Fatalf("ListAlerts(%+v): a next page; want one page", f)
		}
		out := []string{}
		for _, a := range got {
			out = append(out, a.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    store.AlertFilter
		want string
	}{
		{store.AlertFilter{}, "[a-6 a-5 a-4 a-3 a-2 a-1 a-0]"},
		{store.AlertFilter{Status: store.AlertOpen}, "[a-6 a-5 a-4 a-1 a-0]"},
		{store.AlertFilter{Status: store.AlertAcknowledged}, "[a-2]"},
		{store.AlertFilter{Kind: "source_unreachable"}, "[a-5 a-3 a-1]"},
		{store.AlertFilter{Partner: "buyer-1", Status: store.AlertOpen}, "[a-6 a-4 a-0]"},
		{store.AlertFilter{OrderNumber: "PO-0"}, "[a-4 a-0]"},
		{store.AlertFilter{OrderNumber: "PO-9"}, "[]"},
	} {
		if got := fmt.Sprint(ids(c.f)); got != c.want {
			t.Errorf("ListAlerts(%+v) = %s; want %s", c.f, got, c.want)
		}
	}
	var walked []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("more than 4 pages of 2 for 7 alerts")
		}
		got, next, err := s.ListAlerts(ctx, store.AlertFilter{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range got {
			walked = append(walked, a.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if got := fmt.Sprint(walked); got != "[a-6 a-5 a-4 a-3 a-2 a-1 a-0]" {
		t.Errorf("pages of 2 walked %s; want every alert once, newest first", got)
	}
	if _, _, err := s.ListAlerts(ctx, store.AlertFilter{Cursor: "not a cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: %v; want ErrInvalid", err)
	}
}

func concurrentAlerts(t *testing.T, s Store) {
	a := testAlert("a-1", "balance_mismatch", "bank-1", "")
	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
		errs  []error
	)
	for range n {
		wg.Go(func() {
			ok, err := s.AddAlert(t.Context(), a)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				added++
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("AddAlert: %v", err)
	}
	if added != 1 {
		t.Errorf("%d of %d concurrent deliveries reported the alert new; want exactly 1", added, n)
	}
}
