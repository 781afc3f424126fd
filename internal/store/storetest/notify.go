package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// --- notifications ---

func recordDelivery(t *testing.T, s Store, d store.Delivery) store.Delivery {
	t.Helper()
	got, err := s.RecordDelivery(t.Context(), d)
	if err != nil {
		t.Fatalf("RecordDelivery(%+v): %v", d, err)
	}
	return got
}

// deliveryText prints deliveries as "channel recipient status attempts last_error", one a line.
func deliveryText(t *testing.T, s Store, alertID string) string {
	t.Helper()
	ds, err := s.Deliveries(t.Context(), alertID)
	if err != nil {
		t.Fatalf("Deliveries(%s): %v", alertID, err)
	}
	out := ""
	for _, d := range ds {
		if d.AlertID != alertID || d.CreatedAt.IsZero() || d.UpdatedAt.Before(d.CreatedAt) {
			t.Errorf("delivery %+v: want alert %s, created before updated", d, alertID)
		}
		out += fmt.Sprintf("%s %s %s %d %q\n", d.Channel, d.Recipient, d.Status, d.Attempts, d.LastError)
	}
	return out
}

func deliveryAttemptsUntilSent(t *testing.T, s Store) {
	d := store.Delivery{AlertID: "a-1", Channel: "ops-webhook", Recipient: "https://ops.example",
		Status: store.DeliveryPending, LastError: "503 Service Unavailable"}
	if got := recordDelivery(t, s, d); got.Attempts != 1 || got.Status != store.DeliveryPending {
		t.Errorf("first attempt: %+v; want pending after 1 attempt", got)
	}
	d.LastError = "timeout after 10s"
	if got := recordDelivery(t, s, d); got.Attempts != 2 || got.LastError != "timeout after 10s" {
		t.Errorf("second attempt: %+v; want 2 attempts with the later error", got)
	}
	sent := d
	sent.Status, sent.LastError = store.DeliverySent, ""
	if got := recordDelivery(t, s, sent); got.Attempts != 3 || got.Status != store.DeliverySent {
		t.Errorf("third attempt: %+v; want sent after 3 attempts", got)
	}
	// A redelivered alert that tried again anyway changes nothing: sent is final.
	if got := recordDelivery(t, s, d); got.Attempts != 3 || got.Status != store.DeliverySent {
		t.Errorf("a pending record after sent: %+v; want it still sent after 3 attempts", got)
	}
	// Another recipient, another channel and another alert are deliveries of their own.
	recordDelivery(t, s, store.Delivery{AlertID: "a-1", Channel: "buyer-email", Recipient: "anna@acme.example", Status: store.DeliverySent})
	recordDelivery(t, s, store.Delivery{AlertID: "a-1", Channel: "buyer-email", Recipient: "ben@acme.example", Status: store.DeliveryPending, LastError: "451 try later"})
	recordDelivery(t, s, store.Delivery{AlertID: "a-2", Channel: "ops-webhook", Recipient: "https://ops.example", Status: store.DeliverySent})
	want := "buyer-email anna@acme.example sent 1 \"\"\n" +
		"buyer-email ben@acme.example pending 1 \"451 try later\"\n" +
		"ops-webhook https://ops.example sent 3 \"\"\n"
	if got := deliveryText(t, s, "a-1"); got != want {
		t.Errorf("deliveries of a-1:\n%s\nwant:\n%s", got, want)
	}
	if ds, err := s.Deliveries(t.Context(), "a-9"); err != nil || ds == nil || len(ds) != 0 {
		t.Errorf("Deliveries of an alert never sent = %#v, %v; want an empty, non-nil slice", ds, err)
	}
	for _, bad := range []store.Delivery{
		{Channel: "c", Recipient: "r", Status: store.DeliverySent},
		{AlertID: "a", Recipient: "r", Status: store.DeliverySent},
		{AlertID: "a", Channel: "c", Status: store.DeliverySent},
		{AlertID: "a", Channel: "c", Recipient: "r", Status: "delivered"},
	} {
		if _, err := s.RecordDelivery(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("RecordDelivery(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
}

func deliveryFailedIsFinal(t *testing.T, s Store) {
	d := store.Delivery{AlertID: "a-1", Channel: "ops-webhook", Recipient: "https://ops.example",
		Status: store.DeliveryFailed, LastError: "400 Bad Request"}
	recordDelivery(t, s, d)
	for _, later := range []string{store.DeliveryPending, store.DeliverySent, store.DeliveryFailed} {
		again := d
		again.Status, again.LastError = later, "later "+later
		if got := recordDelivery(t, s, again); got.Status != store.DeliveryFailed || got.LastError != "400 Bad Request" || got.Attempts != 1 {
			t.Errorf("a %s record after failed: %+v; want failed after 1 attempt with the first error", later, got)
		}
	}
}

func concurrentDeliveryRecords(t *testing.T, s Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.RecordDelivery(t.Context(), store.Delivery{AlertID: "a-1", Channel: "ops-webhook",
				Recipient: "https://ops.example", Status: store.DeliveryPending, LastError: fmt.Sprint("attempt ", i)})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("RecordDelivery: %v", err)
		}
	}
	ds, err := s.Deliveries(t.Context(), "a-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Attempts != n {
		t.Errorf("after %d concurrent attempts: %+v; want one delivery with %d attempts", n, ds, n)
	}
}

func testNotification(party, alertID string) store.Notification {
	return store.Notification{Party: party, AlertID: alertID, Kind: "balance_mismatch", Severity: "critical",
		Partner: "bank-1", Subject: "subject of " + alertID, Message: "message of " + alertID,
		SuggestedAction: "action for " + alertID, OrderNumber: "PO-" + alertID,
		OccurredAt: time.Date(2026, time.March, 2, 9, 30, 0, 123000000, time.UTC)}
}

func addNotification(t *testing.T, s Store, n store.Notification) bool {
	t.Helper()
	added, err := s.AddNotification(t.Context(), n)
	if err != nil {
		t.Fatalf("AddNotification(%s, %s): %v", n.Party, n.AlertID, err)
	}
	return added
}

// listNotifications returns one page of f as alert ids, and the next cursor.
func listNotifications(t *testing.T, s Store, f store.NotificationFilter) ([]store.Notification, string) {
	t.Helper()
	got, next, err := s.ListNotifications(t.Context(), f)
	if err != nil {
		t.Fatalf("ListNotifications(%+v): %v", f, err)
	}
	return got, next
}

func notificationIDs(ns []store.Notification) string {
	ids := []string{}
	for _, n := range ns {
		ids = append(ids, n.AlertID)
	}
	return fmt.Sprint(ids)
}

func notificationOncePerParty(t *testing.T, s Store) {
	n := testNotification("ACME", "a-1")
	if !addNotification(t, s, n) {
		t.Fatal("the first AddNotification reported the notification not new")
	}
	again := n
	again.Message = "a later delivery"
	if addNotification(t, s, again) {
		t.Error("the same alert in the same inbox again was reported new")
	}
	if !addNotification(t, s, testNotification("SUP-1", "a-1")) {
		t.Error("the same alert for another party was not new")
	}
	got, _ := listNotifications(t, s, store.NotificationFilter{Party: "ACME"})
	if len(got) != 1 {
		t.Fatalf("ACME's inbox holds %d notifications; want 1", len(got))
	}
	g := got[0]
	if g.ID <= 0 || g.Party != "ACME" || g.AlertID != "a-1" || g.Kind != n.Kind || g.Severity != n.Severity || g.Partner != n.Partner ||
		g.Subject != n.Subject || g.Message != n.Message || g.SuggestedAction != n.SuggestedAction || g.OrderNumber != "PO-a-1" ||
		!g.OccurredAt.Equal(n.OccurredAt) || g.CreatedAt.IsZero() || !g.ReadAt.IsZero() {
		t.Errorf("read back %+v; want %+v, with an id, unread", g, n)
	}
	for _, bad := range []store.Notification{
		func() store.Notification { b := n; b.Party = ""; return b }(),
		func() store.Notification { b := n; b.AlertID = ""; return b }(),
		func() store.Notification { b := n; b.Kind = ""; return b }(),
		func() store.Notification { b := n; b.Severity = ""; return b }(),
		func() store.Notification { b := n; b.OccurredAt = time.Time{}; return b }(),
	} {
		if _, err := s.AddNotification(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddNotification(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
}

func notificationList(t *testing.T, s Store) {
	for i := range 5 {
		addNotification(t, s, testNotification("ACME", fmt.Sprintf("a-%d", i)))
	}
	addNotification(t, s, testNotification("SUP-1", "a-9"))
	first, _ := listNotifications(t, s, store.NotificationFilter{Party: "ACME"})
	if got := notificationIDs(first); got != "[a-4 a-3 a-2 a-1 a-0]" {
		t.Fatalf("ACME's inbox: %s; want its five notifications, newest first", got)
	}
	for _, n := range first {
		if n.AlertID == "a-1" || n.AlertID == "a-3" {
			if _, err := s.MarkNotificationRead(t.Context(), "ACME", n.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, _ := listNotifications(t, s, store.NotificationFilter{Party: "ACME", Unread: true}); notificationIDs(got) != "[a-4 a-2 a-0]" {
		t.Errorf("ACME's unread: %s; want [a-4 a-2 a-0]", notificationIDs(got))
	}
	var walked []store.Notification
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages of 2 for 5 notifications")
		}
		got, next := listNotifications(t, s, store.NotificationFilter{Party: "ACME", Limit: 2, Cursor: cursor})
		walked = append(walked, got...)
		if next == "" {
			break
		}
		cursor = next
	}
	if got := notificationIDs(walked); got != "[a-4 a-3 a-2 a-1 a-0]" {
		t.Errorf("pages of 2 walked %s; want every notification once, newest first", got)
	}
	if got, _ := listNotifications(t, s, store.NotificationFilter{Party: "NOBODY"}); len(got) != 0 {
		t.Errorf("an unknown party's inbox holds %s; want nothing", notificationIDs(got))
	}
	if _, _, err := s.ListNotifications(t.Context(), store.NotificationFilter{Party: "ACME", Cursor: "not a cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: %v; want ErrInvalid", err)
	}
	if _, _, err := s.ListNotifications(t.Context(), store.NotificationFilter{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a list without a party: %v; want ErrInvalid", err)
	}
}

func notificationMarkRead(t *testing.T, s Store) {
	ctx := t.Context()
	addNotification(t, s, testNotification("ACME", "a-1"))
	list, _ := listNotifications(t, s, store.NotificationFilter{Party: "ACME"})
	id := list[0].ID
	if _, err := s.MarkNotificationRead(ctx, "SUP-1", id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another party marks ACME's notification read: %v; want ErrNotFound", err)
	}
	if got, _ := listNotifications(t, s, store.NotificationFilter{Party: "ACME", Unread: true}); len(got) != 1 {
		t.Errorf("after another party's attempt ACME has %d unread; want 1", len(got))
	}
	read, err := s.MarkNotificationRead(ctx, "ACME", id)
	if err != nil {
		t.Fatalf("MarkNotificationRead: %v", err)
	}
	if read.ID != id || read.AlertID != "a-1" || read.ReadAt.IsZero() {
		t.Errorf("marked read: %+v; want notification %d with a read time", read, id)
	}
	again, err := s.MarkNotificationRead(ctx, "ACME", id)
	if err != nil {
		t.Fatalf("MarkNotificationRead again: %v", err)
	}
	if !again.ReadAt.Equal(read.ReadAt) {
		t.Errorf("read again at %v; want the first read time %v kept", again.ReadAt, read.ReadAt)
	}
	if _, err := s.MarkNotificationRead(ctx, "ACME", id+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown notification: %v; want ErrNotFound", err)
	}
}

func deliveryList(t *testing.T, s Store) {
	ctx := t.Context()
	// d-0..d-4 of alerts a-0..a-4 via ops-webhook; a-1 and a-3 given up; a-4 also by email.
	for i := range 5 {
		status := store.DeliverySent
		if i%2 == 1 {
			status = store.DeliveryFailed
		}
		recordDelivery(t, s, store.Delivery{AlertID: fmt.Sprintf("a-%d", i), Channel: "ops-webhook",
			Recipient: "https://ops.example", Status: status, LastError: map[bool]string{true: "400 Bad Request"}[status == store.DeliveryFailed]})
	}
	recordDelivery(t, s, store.Delivery{AlertID: "a-4", Channel: "buyer-email", Recipient: "anna@acme.example", Status: store.DeliveryPending, LastError: "451"})
	text := func(f store.DeliveryFilter) string {
		t.Helper()
		got, next, err := s.ListDeliveries(ctx, f)
		if err != nil {
			t.Fatalf("ListDeliveries(%+v): %v", f, err)
		}
		if next != "" {
			t.Fatalf("ListDeliveries(%+v): a next page; want one page", f)
		}
		out := []string{}
		for _, d := range got {
			out = append(out, d.AlertID+"/"+d.Channel+"/"+d.Status)
		}
		return fmt.Sprint(out)
	}
	for _, c := range []struct {
		f    store.DeliveryFilter
		want string
	}{
		{store.DeliveryFilter{}, "[a-4/buyer-email/pending a-4/ops-webhook/sent a-3/ops-webhook/failed a-2/ops-webhook/sent a-1/ops-webhook/failed a-0/ops-webhook/sent]"},
		{store.DeliveryFilter{Status: store.DeliveryFailed}, "[a-3/ops-webhook/failed a-1/ops-webhook/failed]"},
		{store.DeliveryFilter{AlertID: "a-4"}, "[a-4/buyer-email/pending a-4/ops-webhook/sent]"},
		{store.DeliveryFilter{Channel: "buyer-email"}, "[a-4/buyer-email/pending]"},
		{store.DeliveryFilter{Status: store.DeliveryFailed, Channel: "buyer-email"}, "[]"},
	} {
		if got := text(c.f); got != c.want {
			t.Errorf("ListDeliveries(%+v) = %s; want %s", c.f, got, c.want)
		}
	}
	var walked []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages of 2 for 6 deliveries")
		}
		got, next, err := s.ListDeliveries(ctx, store.DeliveryFilter{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range got {
			walked = append(walked, d.AlertID+"/"+d.Channel)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if got := fmt.Sprint(walked); got != "[a-4/buyer-email a-4/ops-webhook a-3/ops-webhook a-2/ops-webhook a-1/ops-webhook a-0/ops-webhook]" {
		t.Errorf("pages of 2 walked %s; want every delivery once, newest first", got)
	}
	if _, _, err := s.ListDeliveries(ctx, store.DeliveryFilter{Cursor: "not a cursor"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a malformed cursor: %v; want ErrInvalid", err)
	}
}
