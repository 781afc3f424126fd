package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

func TestACallerWithoutATokenGets401OnEveryRoute(t *testing.T) {
	hub := newMatrixHub(t)
	for _, rt := range (&server{}).table() {
		pr, ok := matrixProbes[rt.Key()]
		if !ok {
			continue
		}
		path, body := pr(auth.RoleAdmin, 0)
		if rec := hub.call(rt.Method, path, body, ""); rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s without a principal: %d, WWW-Authenticate %q; want 401 asking for a bearer token", rt.Method, path, rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}
	if got := hub.audit.taken(); len(got) != 0 {
		t.Errorf("audited %+v without a caller", got)
	}
}

func TestAReadOnlyTokenReadsButNeverWrites(t *testing.T) {
	hub := newMatrixHub(t)
	for _, rt := range (&server{}).table() {
		pr, ok := matrixProbes[rt.Key()]
		if !ok {
			continue
		}
		path, body := pr(auth.RoleAdmin, 0)
		rec := hub.call(rt.Method, path, body, "admin HUB "+auth.ScopeRead)
		switch {
		case rt.Write && rec.Code != http.StatusForbidden:
			t.Errorf("%s %s with a read-only admin token: %d; want 403", rt.Method, path, rec.Code)
		case !rt.Write && (rec.Code < 200 || rec.Code > 299):
			t.Errorf("%s %s with a read-only admin token: %d %s; want 2xx", rt.Method, path, rec.Code, rec.Body)
		}
	}
	if got := hub.audit.taken(); len(got) != 0 {
		t.Errorf("audited %+v though nothing was written", got)
	}
}

func TestAPartySeesAnOrderWhileAssignedOrCarryingIt(t *testing.T) {
	hub := newMatrixHub(t)
	sees := func(party, role string) (detail int, listed bool) {
		t.Helper()
		rec := hub.call(http.MethodGet, "/api/v1/orders/PO-2", "", role+" "+party)
		list := hub.call(http.MethodGet, "/api/v1/orders", "", role+" "+party)
		return rec.Code, strings.Contains(list.Body.String(), `"PO-2"`)
	}
	if code, listed := sees("FWD-9", "logistics"); code != http.StatusNotFound || listed {
		t.Fatalf("before the assignment FWD-9 got %d, listed %v; want 404 and not listed", code, listed)
	}
	if rec := hub.call(http.MethodPost, "/api/v1/orders/PO-2/assignments", `{"party_id": "FWD-9", "role": "logistics"}`, "buyer B2"); rec.Code != http.StatusCreated {
		t.Fatalf("B2 assigns FWD-9: %d %s", rec.Code, rec.Body)
	}
	if code, listed := sees("FWD-9", "logistics"); code != http.StatusOK || !listed {
		t.Errorf("assigned FWD-9 got %d, listed %v; want 200 and listed", code, listed)
	}
	if rec := hub.call(http.MethodPost, "/api/v1/orders/PO-2/assignments", `{"party_id": "FWD-9", "role": "logistics"}`, "buyer B1"); rec.Code != http.StatusNotFound {
		t.Errorf("B1 assigning to B2's order: %d; want 404", rec.Code)
	}
	if rec := hub.call(http.MethodDelete, "/api/v1/orders/PO-2/assignments/logistics/FWD-9", "", "buyer B2"); rec.Code != http.StatusNoContent {
		t.Fatalf("B2 takes FWD-9 back: %d %s", rec.Code, rec.Body)
	}
	if code, listed := sees("FWD-9", "logistics"); code != http.StatusNotFound || listed {
		t.Errorf("after the assignment was taken back FWD-9 got %d, listed %v; want 404 and not listed", code, listed)
	}
	sh := &canonical.Shipment{ShipmentID: "ASN-7", OrderNumbers: []string{"PO-2"}, Supplier: canonical.Party{ID: "S2"},
		Carrier: "CARRIER-7", ShipDate: canonical.NewDate(2026, 4, 3), TrackingNumbers: []string{"1Z7"}}
	if _, err := hub.st.UpsertShipments(t.Context(), "s2", []*canonical.Shipment{sh}); err != nil {
		t.Fatal(err)
	}
	if code, listed := sees("CARRIER-7", "logistics"); code != http.StatusOK || !listed {
		t.Errorf("the carrier of PO-2's shipment got %d, listed %v; want 200 and listed", code, listed)
	}
	for _, tc := range []struct{ name, body string }{
		{"a role that is not logistics or customs", `{"party_id": "X", "role": "supplier"}`},
		{"no party", `{"role": "customs"}`},
		{"an unknown field", `{"party_id": "X", "role": "customs", "until": "2027"}`},
	} {
		if rec := hub.call(http.MethodPost, "/api/v1/orders/PO-2/assignments", tc.body, "buyer B2"); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d; want 400", tc.name, rec.Code)
		}
	}
	if rec := hub.call(http.MethodDelete, "/api/v1/orders/PO-2/assignments/customs/NOBODY", "", "buyer B2"); rec.Code != http.StatusNotFound {
		t.Errorf("taking back an assignment that is not there: %d; want 404", rec.Code)
	}
}

func TestAnAlertAboutNoOrderIsForAdminsOnly(t *testing.T) {
	hub := newMatrixHub(t)
	if rec := hub.call(http.MethodPost, "/api/v1/alerts/AL-0/acknowledge", "", "buyer B1"); rec.Code != http.StatusNotFound {
		t.Errorf("a buyer acknowledging an alert of no order: %d; want 404", rec.Code)
	}
	if rec := hub.call(http.MethodGet, "/api/v1/alerts", "", "admin HUB"); !strings.Contains(rec.Body.String(), "AL-0") {
		t.Errorf("the admin's alert list lacks AL-0: %s", rec.Body)
	}
	rec := hub.call(http.MethodPost, "/api/v1/alerts/AL-0/resolve", `{"by": "someone"}`, "admin HUB")
	if rec.Code != http.StatusOK {
		t.Fatalf("the admin resolves AL-0: %d %s", rec.Code, rec.Body)
	}
	var a Alert
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.StatusBy != "u-admin-HUB" {
		t.Errorf("resolved by %q (%v); want the caller u-admin-HUB, not who the body says", a.StatusBy, err)
	}
	got := hub.audit.taken()
	if len(got) != 1 || got[0].target != "AL-0" || got[0].action != "POST /api/v1/alerts/{alert_id}/resolve" {
		t.Fatalf("audited %+v; want the resolve of AL-0", got)
	}
	before, _ := got[0].before.(map[string]string)
	after, _ := got[0].after.(map[string]string)
	if before["status"] != store.AlertOpen || after["status"] != store.AlertResolved {
		t.Errorf("audited before %v after %v; want open → resolved", got[0].before, got[0].after)
	}
}

func TestAnInboxWithoutPartyIsTheCallersOwn(t *testing.T) {
	hub := newMatrixHub(t)
	rec := hub.call(http.MethodGet, "/api/v1/notifications", "", "supplier S2")
	var list NotificationList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(list.Notifications) != 1 || list.Notifications[0].Party != "S2" {
		t.Errorf("S2's inbox without ?party= holds %+v; want S2's one notification", list.Notifications)
	}
	if rec := hub.call(http.MethodPost, "/api/v1/notifications/"+notificationIDs["S1"]+"/read", "", "supplier S2"); rec.Code != http.StatusNotFound {
		t.Errorf("S2 marking S1's notification read: %d; want 404 (not in its inbox)", rec.Code)
	}
}

func TestASupplierPostsOnlyItsOwnCatalogItems(t *testing.T) {
	hub := newMatrixHub(t)
	body := `{"items": [` + matrixItem("S1", "SKU-7") + `, ` + matrixItem("S2", "SKU-8") + `]}`
	if rec := hub.call(http.MethodPost, "/api/v1/catalog/items", body, "supplier S1"); rec.Code != http.StatusForbidden {
		t.Errorf("S1 posting an item of S2 among its own: %d; want 403", rec.Code)
	}
	for _, sku := range []string{"SKU-7", "SKU-8"} {
		if rec := hub.call(http.MethodGet, "/api/v1/catalog/items/S1/"+sku, "", "admin HUB"); rec.Code != http.StatusNotFound {
			t.Errorf("%s was taken from a refused request: %d", sku, rec.Code)
		}
	}
	rec := hub.call(http.MethodGet, "/api/v1/catalog/items", "", "supplier S2")
	if b := rec.Body.String(); rec.Code != http.StatusOK || strings.Contains(b, `"S1"`) || !strings.Contains(b, `"SKU-2"`) {
		t.Errorf("S2's catalog without ?supplier=: %d %s; want only S2's items", rec.Code, b)
	}
	if rec := hub.call(http.MethodGet, "/api/v1/catalog/items", "", "buyer B1"); !strings.Contains(rec.Body.String(), `"SKU-1"`) || !strings.Contains(rec.Body.String(), `"SKU-2"`) {
		t.Errorf("a buyer reads every supplier's items: %s", rec.Body)
	}
}

func TestWithoutAuthenticationTheAPIIsOpenAndStillAudited(t *testing.T) {
	hub := newMatrixHub(t)
	audit := &auditLog{}
	h := Handler(Config{Orders: hub.st, Alerts: hub.st, Audit: audit})
	open := &matrixHub{h: h, st: hub.st, audit: audit}
	rec := open.call(http.MethodGet, "/api/v1/orders", "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "PO-1") || !strings.Contains(rec.Body.String(), "PO-2") {
		t.Errorf("open API lists %d %s; want both orders", rec.Code, rec.Body)
	}
	if rec := open.call(http.MethodPost, "/api/v1/alerts/AL-2/acknowledge", "", ""); rec.Code != http.StatusOK {
		t.Errorf("open API acknowledges: %d", rec.Code)
	}
	if got := audit.taken(); len(got) != 1 || got[0].target != "AL-2" {
		t.Errorf("audited %+v; want the acknowledgement of AL-2", got)
	}
}

func TestAViewerWritesNothingAndOnlyAdminsManageTheHub(t *testing.T) {
	adminOnly := []string{"GET /api/v1/notifications/deliveries", "GET /api/v1/audit", "GET /api/v1/tokens",
		"POST /api/v1/tokens", "DELETE /api/v1/tokens/{id}", "POST /api/v1/users"}
	for _, rt := range (&server{}).table() {
		if rt.Write && slices.Contains(rt.Roles, auth.RoleViewer) {
			t.Errorf("%s writes, yet a viewer may call it", rt.Key())
		}
		if rt.Write && rt.Method == http.MethodGet {
			t.Errorf("%s is a GET that writes", rt.Key())
		}
		if slices.Contains(adminOnly, rt.Key()) && (len(rt.Roles) != 0 || rt.Scope != ScopeAdmin) {
			t.Errorf("%s is open to %v (scope %s); want admins only", rt.Key(), rt.Roles, rt.Scope)
		}
		if rt.Scope == ScopeOrder && strings.Contains(rt.Pattern, "{") &&
			!strings.Contains(rt.Pattern, "{order_number}") && !strings.Contains(rt.Pattern, "{alert_id}") {
			t.Errorf("%s is order-scoped but names neither an order nor an alert", rt.Key())
		}
	}
}

func TestAPartysAlertPagesAreFullAndHoldOnlyItsAlerts(t *testing.T) {
	hub := newMatrixHub(t)
	at := time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC)
	for i := range 12 {
		number, buyer := "PO-2", "B2"
		if i%3 == 0 {
			number, buyer = "PO-1", "B1"
		}
		a := store.Alert{ID: fmt.Sprintf("AL-X%02d", i), Kind: "eta_late", Severity: "warning", Subject: number + " is late",
			OccurredAt: at, Data: map[string]string{"order_number": number, "buyer_id": buyer}}
		if _, err := hub.st.AddAlert(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	path := "/api/v1/alerts?limit=2"
	for range 20 {
		rec := hub.call(http.MethodGet, path, "", "buyer B1")
		var page AlertList
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if len(page.Alerts) > 2 || (page.NextCursor != "" && len(page.Alerts) != 2) {
			t.Errorf("a page of %d alerts with next %q; want 2 on every page but the last", len(page.Alerts), page.NextCursor)
		}
		for _, a := range page.Alerts {
			if a.OrderNumber != "PO-1" || slices.Contains(seen, a.ID) {
				t.Errorf("B1's page holds %s of %s (seen before: %v)", a.ID, a.OrderNumber, slices.Contains(seen, a.ID))
			}
			seen = append(seen, a.ID)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/alerts?limit=2&cursor=" + url.QueryEscape(page.NextCursor)
	}
	if len(seen) != 5 { // AL-1 and AL-X00, 03, 06, 09
		t.Errorf("B1 walked %v; want its 5 alerts", seen)
	}
}

func TestABuyerReadsItsOwnOrderWhenAnotherBuyerUsesTheSameNumber(t *testing.T) {
	hub := newMatrixHub(t)
	same := func(buyer, supplier, qty string) *canonical.Order {
		return &canonical.Order{OrderNumber: "PO-7", OrderDate: canonical.NewDate(2026, 4, 1), Buyer: canonical.Party{ID: buyer},
			Supplier: canonical.Party{ID: supplier}, Currency: "EUR",
			Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "SKU-1", Quantity: canonical.MustDecimal(qty), Unit: "H87", UnitPrice: canonical.MustDecimal("1.00")}}}
	}
	// B2's PO-7 is the one changed last, the one a lookup by number alone finds.
	for _, o := range []*canonical.Order{same("B1", "S1", "1"), same("B2", "S2", "2"), same("B2", "S2", "3")} {
		if _, err := hub.st.UpsertOrders(t.Context(), []*canonical.Order{o}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ caller, wantBuyer string }{
		{"buyer B1", "B1"},
		{"finance B1", "B1"},
		{"buyer B2", "B2"},
		{"supplier S2", "B2"},
		{"supplier S1", "B1"}, // not the PO-7 a lookup by number alone finds
	} {
		rec := hub.call(http.MethodGet, "/api/v1/orders/PO-7", "", tc.caller)
		var o Order
		if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil || rec.Code != http.StatusOK || o.Buyer.ID != tc.wantBuyer {
			t.Errorf("%s reads PO-7: %d, the order of %q; want %s's", tc.caller, rec.Code, o.Buyer.ID, tc.wantBuyer)
		}
	}
	for caller, want := range map[string][]string{"admin HUB": {"B2", "B1"}, "supplier S1": {"B1"}, "finance B2": {"B2"}, "customs C1": nil} {
		rec := hub.call(http.MethodGet, "/api/v1/orders?order_number=PO-7", "", caller)
		var list OrderList
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("%s searches PO-7: %d %s", caller, rec.Code, rec.Body)
		}
		var buyers []string
		for _, o := range list.Orders {
			if o.OrderNumber != "PO-7" {
				t.Errorf("%s searching PO-7 got %s", caller, o.OrderNumber)
			}
			buyers = append(buyers, o.Buyer.ID)
		}
		if !slices.Equal(buyers, want) {
			t.Errorf("%s searching PO-7 finds the orders of %v; want %v", caller, buyers, want)
		}
	}
}
