package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// inboxes is a store with three notifications for ACME (n-0..n-2, n-2
// newest) and one for SUP-1.
func inboxes(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	add := func(party, alertID string) {
		_, err := st.AddNotification(t.Context(), store.Notification{Party: party, AlertID: alertID, Kind: "eta_after_promised",
			Severity: "critical", Partner: "carrier-sim", Subject: "late " + alertID, Message: "ETA after the promised date",
			SuggestedAction: "ask for air freight", OrderNumber: "PO-4711", OccurredAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		add("ACME", fmt.Sprintf("n-%d", i))
	}
	add("SUP-1", "n-9")
	return st
}

// notificationsCall sends method path to h and decodes the JSON answer into v.
func notificationsCall(t *testing.T, h http.Handler, method, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, path, rec.Code, rec.Body, err)
	}
	return rec.Code
}

func alertIDs(l NotificationList) string {
	ids := []string{}
	for _, n := range l.Notifications {
		ids = append(ids, n.AlertID)
	}
	return fmt.Sprint(ids)
}

func TestAPartyReadsItsInboxNewestFirstAndMarksANotificationRead(t *testing.T) {
	h := Handler(Config{Notifications: inboxes(t)})

	var page1 NotificationList
	if code := notificationsCall(t, h, "GET", "/api/v1/notifications?party=ACME&limit=2", &page1); code != 200 {
		t.Fatalf("GET: %d", code)
	}
	if got := alertIDs(page1); got != "[n-2 n-1]" || page1.NextCursor == "" {
		t.Fatalf("first page %s, next %q; want [n-2 n-1] and a cursor", got, page1.NextCursor)
	}
	n := page1.Notifications[0]
	if n.Party != "ACME" || n.OrderNumber != "PO-4711" || n.SuggestedAction != "ask for air freight" || n.Read || n.ReadAt != nil {
		t.Errorf("notification %+v; want ACME's, about PO-4711, with its action, unread", n)
	}
	var page2 NotificationList
	notificationsCall(t, h, "GET", "/api/v1/notifications?party=ACME&limit=2&cursor="+page1.NextCursor, &page2)
	if got := alertIDs(page2); got != "[n-0]" || page2.NextCursor != "" {
		t.Errorf("second page %s, next %q; want [n-0] and no cursor", got, page2.NextCursor)
	}

	var read Notification
	path := fmt.Sprintf("/api/v1/notifications/%d/read?party=ACME", n.ID)
	if code := notificationsCall(t, h, "POST", path, &read); code != 200 || !read.Read || read.ReadAt == nil || read.AlertID != "n-2" {
		t.Fatalf("POST %s: %d %+v; want 200 with n-2 read", path, code, read)
	}
	var again Notification
	if code := notificationsCall(t, h, "POST", path, &again); code != 200 || again.ReadAt == nil || !again.ReadAt.Equal(*read.ReadAt) {
		t.Errorf("reading again: %d %+v; want 200 with the first read time", code, again)
	}
	var unread NotificationList
	notificationsCall(t, h, "GET", "/api/v1/notifications?party=ACME&unread=true", &unread)
	if got := alertIDs(unread); got != "[n-1 n-0]" {
		t.Errorf("unread: %s; want [n-1 n-0]", got)
	}
	var other NotificationList
	notificationsCall(t, h, "GET", "/api/v1/notifications?party=SUP-1", &other)
	if got := alertIDs(other); got != "[n-9]" {
		t.Errorf("SUP-1's inbox: %s; want only its own [n-9]", got)
	}
}

func TestNotificationRequestsThatCannotBeAnswered(t *testing.T) {
	st := inboxes(t)
	h := Handler(Config{Notifications: st})
	list, _, err := st.ListNotifications(t.Context(), store.NotificationFilter{Party: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	acmeID := list[0].ID
	for _, c := range []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"a list without a party", "GET", "/api/v1/notifications", 400, "missing_party"},
		{"unread that is not true or false", "GET", "/api/v1/notifications?party=ACME&unread=yes", 400, "bad_unread"},
		{"a limit above 500", "GET", "/api/v1/notifications?party=ACME&limit=501", 400, "bad_limit"},
		{"a cursor the API never gave", "GET", "/api/v1/notifications?party=ACME&cursor=nope", 400, "bad_cursor"},
		{"marking read without a party", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", acmeID), 400, "missing_party"},
		{"marking another party's notification read", "POST", fmt.Sprintf("/api/v1/notifications/%d/read?party=SUP-1", acmeID), 404, "notification_not_found"},
		{"an id that is not a number", "POST", "/api/v1/notifications/abc/read?party=ACME", 404, "notification_not_found"},
		{"an id that does not exist", "POST", "/api/v1/notifications/99999/read?party=ACME", 404, "notification_not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body map[string]apiError
			if code := notificationsCall(t, h, c.method, c.path, &body); code != c.status || body["error"].Code != c.code {
				t.Errorf("%d %+v; want %d %s", code, body, c.status, c.code)
			}
		})
	}
	if got, _, _ := st.ListNotifications(t.Context(), store.NotificationFilter{Party: "ACME", Unread: true}); len(got) != 3 {
		t.Errorf("ACME has %d unread after the refused requests; want all 3", len(got))
	}
}

func TestWithoutANotificationStoreTheRoutesAreNotServed(t *testing.T) {
	h := Handler(Config{})
	var body map[string]apiError
	if code := notificationsCall(t, h, "GET", "/api/v1/notifications?party=ACME", &body); code != 404 || body["error"].Code != "not_found" {
		t.Errorf("%d %+v; want 404 not_found", code, body)
	}
}

func TestFailedNotificationsAreListedAsDeadLetters(t *testing.T) {
	st := inboxes(t)
	for _, d := range []store.Delivery{
		{AlertID: "n-1", Channel: "ops-webhook", Recipient: "https://ops.example", Status: store.DeliverySent},
		{AlertID: "n-2", Channel: "ops-webhook", Recipient: "https://ops.example", Status: store.DeliveryFailed, LastError: "webhook https://ops.example: 400 Bad Request"},
		{AlertID: "n-2", Channel: "buyer-email", Recipient: "anna@acme.example", Status: store.DeliveryPending, LastError: "451 try later"},
	} {
		if _, err := st.RecordDelivery(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	h := Handler(Config{Notifications: st})
	var failed DeliveryList
	if code := notificationsCall(t, h, "GET", "/api/v1/notifications/deliveries?status=failed", &failed); code != 200 {
		t.Fatalf("GET: %d", code)
	}
	if len(failed.Deliveries) != 1 {
		t.Fatalf("failed: %+v; want the one given up", failed.Deliveries)
	}
	d := failed.Deliveries[0]
	if d.AlertID != "n-2" || d.Channel != "ops-webhook" || d.Attempts != 1 || d.LastError != "webhook https://ops.example: 400 Bad Request" || d.LastAttemptAt.IsZero() {
		t.Errorf("dead letter %+v; want n-2 via ops-webhook, 1 attempt, with its error", d)
	}
	var ofAlert DeliveryList
	notificationsCall(t, h, "GET", "/api/v1/notifications/deliveries?alert_id=n-2", &ofAlert)
	if len(ofAlert.Deliveries) != 2 {
		t.Errorf("deliveries of n-2: %+v; want 2", ofAlert.Deliveries)
	}
	var bad map[string]apiError
	if code := notificationsCall(t, h, "GET", "/api/v1/notifications/deliveries?status=lost", &bad); code != 400 || bad["error"].Code != "bad_status" {
		t.Errorf("status=lost: %d %+v; want 400 bad_status", code, bad)
	}
}
