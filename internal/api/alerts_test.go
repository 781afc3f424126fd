package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// fakeAlerts keeps alerts in memory, newest last; the cursor is "c" and the
// index of the next alert to list.
type fakeAlerts struct {
	alerts []store.Alert
	last   store.AlertFilter
}

func (f *fakeAlerts) ListAlerts(_ context.Context, flt store.AlertFilter) ([]store.Alert, string, error) {
	f.last = flt
	start := 0
	if flt.Cursor != "" {
		if _, err := fmt.Sscanf(flt.Cursor, "c%d", &start); err != nil {
			return nil, "", fmt.Errorf("%w: malformed cursor", store.ErrInvalid)
		}
	}
	limit := flt.Limit
	if limit == 0 {
		limit = store.DefaultLimit
	}
	var out []store.Alert
	for i := len(f.alerts) - 1 - start; i >= 0; i-- {
		a := f.alerts[i]
		if (flt.Status != "" && a.Status != flt.Status) || (flt.Kind != "" && a.Kind != flt.Kind) ||
			(flt.Partner != "" && a.Partner != flt.Partner) || (flt.OrderNumber != "" && a.OrderNumber != flt.OrderNumber) {
			continue
		}
		if len(out) == limit {
			return out, fmt.Sprintf("c%d", len(f.alerts)-1-i), nil
		}
		out = append(out, a)
	}
	return out, "", nil
}

func (f *fakeAlerts) GetAlert(_ context.Context, id string) (store.Alert, error) {
	for _, a := range f.alerts {
		if a.ID == id {
			return a, nil
		}
	}
	return store.Alert{}, store.ErrNotFound
}

func (f *fakeAlerts) SetAlertStatus(_ context.Context, id, status, by string) error {
	for i, a := range f.alerts {
		if a.ID == id {
			if err := store.CheckAlertTransition(id, a.Status, status); err != nil {
				return err
			}
			f.alerts[i].Status, f.alerts[i].StatusBy, f.alerts[i].StatusChangedAt = status, by, time.Now().UTC()
			return nil
		}
	}
	return store.ErrNotFound
}

func alertFixtures() *fakeAlerts {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return &fakeAlerts{alerts: []store.Alert{
		{ID: "a-1", Kind: "balance_mismatch", Severity: "warning", Partner: "bank-1", Subject: "statement 1",
			Message: "off by 10.00", OccurredAt: at, Data: map[string]string{"difference": "10.00"}, Status: store.AlertOpen},
		{ID: "a-2", Kind: "order_needs_review", Severity: "warning", Partner: "buyer-1", Subject: "order PO-1",
			OccurredAt: at, Data: map[string]string{"order_number": "PO-1"}, OrderNumber: "PO-1", Status: store.AlertOpen},
		{ID: "a-3", Kind: "source_unreachable", Severity: "critical", Partner: "bank-1", OccurredAt: at, Status: store.AlertResolved},
	}}
}

func serve(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	return rec
}

func TestAlertsAreListedNewestFirstWithTheirFiltersAndPages(t *testing.T) {
	f := alertFixtures()
	h := Handler(Config{Orders: &fakeOrders{}, Alerts: f})

	rec := serve(h, http.MethodGet, "/api/v1/alerts?status=open&kind=order_needs_review&partner=buyer-1&order_number=PO-1&limit=10", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want := store.AlertFilter{Status: "open", Kind: "order_needs_review", Partner: "buyer-1", OrderNumber: "PO-1", Limit: 10}
	if f.last != want {
		t.Errorf("filter %+v; want %+v", f.last, want)
	}
	var list AlertList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Alerts) != 1 || list.Alerts[0].ID != "a-2" || list.Alerts[0].OrderNumber != "PO-1" || list.NextCursor != "" {
		t.Errorf("alerts %+v; want a-2 of PO-1 and no next page", list)
	}

	var walked []string
	cursor := ""
	for range 4 {
		rec := serve(h, http.MethodGet, "/api/v1/alerts?limit=2&cursor="+cursor, "")
		var page AlertList
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Alerts {
			walked = append(walked, a.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if got := fmt.Sprint(walked); got != "[a-3 a-2 a-1]" {
		t.Errorf("pages of 2 walked %s; want every alert once, newest first", got)
	}

	if rec := serve(h, http.MethodGet, "/api/v1/alerts?partner=nobody", ""); !strings.Contains(rec.Body.String(), `"alerts": []`) {
		t.Errorf("no alerts: %s; want an empty list, not null", rec.Body)
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=ten", "status=closed", "cursor=nonsense"} {
		rec := serve(h, http.MethodGet, "/api/v1/alerts?"+q, "")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code": "bad_`) {
			t.Errorf("%s: %d %s; want 400 naming what is wrong", q, rec.Code, rec.Body)
		}
	}
}

func TestAnAlertIsAcknowledgedThenResolvedOnce(t *testing.T) {
	f := alertFixtures()
	h := Handler(Config{Orders: &fakeOrders{}, Alerts: f})
	move := func(id, action, body string) (int, Alert, string) {
		t.Helper()
		rec := serve(h, http.MethodPost, "/api/v1/alerts/"+id+"/"+action, body)
		var a Alert
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
		}
		return rec.Code, a, rec.Body.String()
	}
	if code, a, body := move("a-1", "acknowledge", `{"by":"anna"}`); code != http.StatusOK || a.Status != "acknowledged" || a.StatusBy != "anna" || a.ID != "a-1" {
		t.Errorf("acknowledge: %d %s; want 200 with a-1 acknowledged by anna", code, body)
	}
	if code, _, body := move("a-1", "acknowledge", ""); code != http.StatusConflict || !strings.Contains(body, "is acknowledged") {
		t.Errorf("acknowledge twice: %d %s; want 409 saying it is acknowledged", code, body)
	}
	if code, a, body := move("a-1", "resolve", ""); code != http.StatusOK || a.Status != "resolved" || a.StatusBy != "api" {
		t.Errorf("resolve: %d %s; want 200 with a-1 resolved by api", code, body)
	}
	if code, _, body := move("a-1", "resolve", ""); code != http.StatusConflict || !strings.Contains(body, "alert_transition") {
		t.Errorf("resolve twice: %d %s; want 409", code, body)
	}
	if code, _, _ := move("a-3", "acknowledge", ""); code != http.StatusConflict {
		t.Errorf("acknowledge a resolved alert: %d; want 409", code)
	}
	if code, a, _ := move("a-2", "resolve", ""); code != http.StatusOK || a.Status != "resolved" {
		t.Errorf("resolve an open alert: %d %+v; want 200, resolved", code, a)
	}
	if code, _, body := move("no-such", "resolve", ""); code != http.StatusNotFound || !strings.Contains(body, "alert_not_found") {
		t.Errorf("unknown alert: %d %s; want 404", code, body)
	}
	if code, _, _ := move("a-1", "resolve", "not json"); code != http.StatusBadRequest {
		t.Errorf("a malformed body: %d; want 400", code)
	}
}

func TestWithoutAnAlertStoreThereAreNoAlertEndpoints(t *testing.T) {
	h := Handler(Config{Orders: &fakeOrders{}})
	if rec := serve(h, http.MethodGet, "/api/v1/alerts", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /api/v1/alerts without alerts: %d; want 404", rec.Code)
	}
}
