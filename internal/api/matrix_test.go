package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/ordering"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/pipelines"
)

// The whole matrix: every route of the table × every role × a resource of
// the caller's own party and one of another party, against a real store
// holding two orders: PO-1 of buyer B1 with supplier S1 (logistics L1 and
// customs C1 assigned), PO-2 of buyer B2 with supplier S2 (L2 and C2).
// The caller of each role is of side 1; "own" asks for side 1's order,
// alert, inbox or catalog items, "other" for side 2's.

// matrixParty is the party of each role's caller (side 1) and of the same
// role on side 2.
var matrixParty = map[auth.Role][2]string{
	auth.RoleAdmin:     {"HUB", "HUB"},
	auth.RoleBuyer:     {"B1", "B2"},
	auth.RoleSupplier:  {"S1", "S2"},
	auth.RoleLogistics: {"L1", "L2"},
	auth.RoleCustoms:   {"C1", "C2"},
	auth.RoleFinance:   {"B1", "B2"}, // finance of the buying party
	auth.RoleViewer:    {"B1", "B2"}, // a viewer of the buying party
}

// probe is how the matrix calls one route as a caller of role on side
// (0 own, 1 other): method and path come from the route, probe fills the
// path's parameters, the query and the body.
type probe func(role auth.Role, side int) (path, body string)

// side picks side 1's or side 2's value.
func side(s int, own, other string) string {
	if s == 0 {
		return own
	}
	return other
}

// matrixProbes has one probe per route of the table. A route the router
// serves without a probe here fails TestEveryRouteIsInTheMatrix.
var matrixProbes = map[string]probe{
	"GET /api/v1/orders": func(_ auth.Role, s int) (string, string) {
		return side(s, "/api/v1/orders", "/api/v1/orders?buyer=B2"), ""
	},
	"GET /api/v1/orders/{order_number}": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2"), ""
	},
	"GET /api/v1/orders/{order_number}/tracking": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/tracking", ""
	},
	"GET /api/v1/orders/{order_number}/timeline": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/timeline", ""
	},
	"GET /api/v1/orders/{order_number}/amendments": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/amendments", ""
	},
	"POST /api/v1/orders/{order_number}/amendments": func(r auth.Role, s int) (string, string) {
		kind := "buyer_change"
		if r == auth.RoleSupplier {
			kind = "counter_proposal"
		}
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/amendments",
			`{` + adminAsBuyer(r, s) + `"kind": "` + kind + `", "changes": [{"path": "lines[0].quantity", "to": "5"}]}`
	},
	"POST /api/v1/orders/{order_number}/amendments/{version}/accept": func(r auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/amendments/2/accept", `{` + strings.TrimSuffix(adminAsBuyer(r, s), ", ") + `}`
	},
	"POST /api/v1/orders/{order_number}/amendments/{version}/reject": func(r auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/amendments/2/reject", `{` + adminAsBuyer(r, s) + `"reason": "too late"}`
	},
	"GET /api/v1/orders/{order_number}/assignments": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/assignments", ""
	},
	"POST /api/v1/orders/{order_number}/assignments": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/assignments", `{"party_id": "L9", "role": "logistics"}`
	},
	"DELETE /api/v1/orders/{order_number}/assignments/{role}/{party_id}": func(_ auth.Role, s int) (string, string) {
		return side(s, "/api/v1/orders/PO-1/assignments/logistics/L1", "/api/v1/orders/PO-2/assignments/logistics/L2"), ""
	},
	"POST /api/v1/demand": func(_ auth.Role, _ int) (string, string) {
		return "/api/v1/demand", `{"lines": [{"buyer_sku": "100-4711", "quantity": "30", "need_by": "2026-06-30"}]}`
	},
	"GET /api/v1/catalog/items": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/catalog/items?supplier=" + side(s, "S1", "S2"), ""
	},
	"GET /api/v1/catalog/items/{supplier}/{sku}": func(_ auth.Role, s int) (string, string) {
		return side(s, "/api/v1/catalog/items/S1/SKU-1", "/api/v1/catalog/items/S2/SKU-2"), ""
	},
	"POST /api/v1/catalog/items": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/catalog/items", `{"items": [` + matrixItem(side(s, "S1", "S2"), "SKU-9") + `]}`
	},
	"GET /api/v1/alerts": func(_ auth.Role, s int) (string, string) {
		return side(s, "/api/v1/alerts", "/api/v1/alerts?order_number=PO-2"), ""
	},
	"POST /api/v1/alerts/{alert_id}/acknowledge": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/alerts/" + side(s, "AL-1", "AL-2") + "/acknowledge", ""
	},
	"POST /api/v1/alerts/{alert_id}/resolve": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/alerts/" + side(s, "AL-1", "AL-2") + "/resolve", ""
	},
	"GET /api/v1/notifications": func(r auth.Role, s int) (string, string) {
		return "/api/v1/notifications?party=" + matrixParty[r][s], ""
	},
	"POST /api/v1/notifications/{id}/read": func(r auth.Role, s int) (string, string) {
		p := matrixParty[r][s]
		return "/api/v1/notifications/" + notificationIDs[p] + "/read?party=" + p, ""
	},
	"GET /api/v1/notifications/deliveries": func(_ auth.Role, _ int) (string, string) {
		return "/api/v1/notifications/deliveries", ""
	},
	"GET /api/v1/orders/{order_number}/documents": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/documents", ""
	},
	"POST /api/v1/orders/{order_number}/documents": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/documents?type=commercial_invoice&name=INV-9.pdf", string(minimalPDF())
	},
	"GET /api/v1/orders/{order_number}/documents/{document_id}": func(_ auth.Role, s int) (string, string) {
		return side(s, "/api/v1/orders/PO-1/documents/1", "/api/v1/orders/PO-2/documents/2"), ""
	},
	"GET /api/v1/orders/{order_number}/messages": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/messages", ""
	},
	"POST /api/v1/orders/{order_number}/messages": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/messages", `{"text": "when does it ship?"}`
	},
	"POST /api/v1/orders/{order_number}/confirm": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/confirm", `{"lines": [{"line_number": 1, "delivery_date": "2026-05-01"}]}`
	},
	"POST /api/v1/orders/{order_number}/reject": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/reject", `{"reason": "discontinued"}`
	},
	"POST /api/v1/orders/{order_number}/progress": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/progress", `{"percent_complete": "45", "line_number": 1}`
	},
	"POST /api/v1/orders/{order_number}/transport-plan": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/transport-plan",
			`{"carrier": "DHL", "mode": "air", "tracking_numbers": ["JD9"], "ship_date": "2026-04-20", "estimated_arrival": "2026-04-24"}`
	},
	"POST /api/v1/orders/{order_number}/milestones": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/milestones",
			`{"tracking_number": "` + side(s, "1Z1", "1Z2") + `", "status": "departed_origin", "occurred_at": "2026-04-20T06:00:00Z"}`
	},
	"GET /api/v1/audit":  func(_ auth.Role, _ int) (string, string) { return "/api/v1/audit", "" },
	"GET /api/v1/tokens": func(_ auth.Role, _ int) (string, string) { return "/api/v1/tokens", "" },
	"POST /api/v1/tokens": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/tokens", `{"user_id": "` + side(s, "u-b1", "u-b2") + `", "name": "erp sync", "scopes": ["read"], "ttl": "24h"}`
	},
	"DELETE /api/v1/tokens/{id}": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/tokens/" + side(s, "tok_b1", "tok_b2"), ""
	},
	"POST /api/v1/users": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/users", `{"id": "u-new", "party_id": "` + side(s, "B1", "B2") + `", "roles": ["viewer"]}`
	},
	"POST /api/v1/orders/{order_number}/customs": func(_ auth.Role, s int) (string, string) {
		return "/api/v1/orders/" + side(s, "PO-1", "PO-2") + "/customs", `{"status": "held", "occurred_at": "2026-04-22T06:00:00Z", "reference": "MRN 1"}`
	},
}

// adminAsBuyer is the "by" an admin names to act for the order's buyer
// (everyone else acts as itself).
func adminAsBuyer(r auth.Role, s int) string {
	if r != auth.RoleAdmin {
		return ""
	}
	return `"by": {"party_id": "` + side(s, "B1", "B2") + `", "role": "buyer"}, `
}

// notificationIDs are the ids the fixture's inboxes get: one notification
// per party, added in this order to a fresh store.
var notificationIDs = map[string]string{"HUB": "1", "B1": "2", "S1": "3", "L1": "4", "C1": "5", "B2": "6", "S2": "7", "L2": "8", "C2": "9"}

func matrixItem(supplier, sku string) string {
	return `{"supplier": {"id": "` + supplier + `"}, "sku": "` + sku + `", "unit": "H87",
		"prices": [{"valid_from": "2026-01-01", "currency": "EUR", "unit_price": "3.50"}]}`
}

// principalHeader authenticates the matrix's callers: "role party", with
// " read" for a read-only token. No header, no principal.
const principalHeader = "X-Test-Principal"

func headerAuthenticator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := strings.Fields(r.Header.Get(principalHeader))
		if len(f) >= 2 {
			p := auth.Principal{UserID: "u-" + f[0] + "-" + f[1], PartyID: f[1], Roles: []auth.Role{auth.Role(f[0])}, TokenID: "t-1"}
			if len(f) == 3 {
				p.Scopes = []string{f[2]}
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// auditLog records what the API audits.
type auditLog struct {
	mu      sync.Mutex
	entries []auditEntry
}

type auditEntry struct {
	action, target, user string
	before, after        any
}

func (a *auditLog) Record(ctx context.Context, action, target string, before, after any) error {
	p, _ := auth.FromContext(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, auditEntry{action, target, p.UserID, before, after})
	return nil
}

func (a *auditLog) taken() []auditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.entries
	a.entries = nil
	return out
}

// matrixPlanner plans nothing and creates nothing.
type matrixPlanner struct{}

func (matrixPlanner) PlanDemand(context.Context, []ordering.DemandLine, bool) (ordering.Plan, error) {
	return ordering.Plan{}, nil
}

// matrixImporter takes catalog items into the store, as the sink would.
type matrixImporter struct{ st *sqlite.Store }

func (i matrixImporter) ImportCatalogItems(ctx context.Context, items []canonical.CatalogItem) (bool, error) {
	ptrs := make([]*canonical.CatalogItem, len(items))
	for k := range items {
		ptrs[k] = &items[k]
	}
	_, err := i.st.UpsertCatalogItems(ctx, "api", ptrs)
	return err == nil, err
}

// matrixHub is the API over a fresh store with the two sides' orders,
// assignments, alerts, inboxes and catalog items, every feature on.
type matrixHub struct {
	h     http.Handler
	st    *sqlite.Store
	audit *auditLog
}

func newMatrixHub(t *testing.T) *matrixHub {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	order := func(number, buyer, supplier string) *canonical.Order {
		return &canonical.Order{OrderNumber: number, OrderDate: canonical.NewDate(2026, 4, 1), Buyer: canonical.Party{ID: buyer},
			Supplier: canonical.Party{ID: supplier}, Currency: "EUR", RequestedDeliveryDate: canonical.NewDate(2026, 5, 1),
			PaymentTerms: "T/T 30% deposit 70% against B/L copy",
			Lines:        []canonical.OrderLine{{LineNumber: 1, SKU: "SKU-1", Quantity: canonical.MustDecimal("4"), Unit: "H87", UnitPrice: canonical.MustDecimal("9.50")}}}
	}
	if _, err := st.UpsertOrders(ctx, []*canonical.Order{order("PO-1", "B1", "S1"), order("PO-2", "B2", "S2")}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []store.Assignment{
		{BuyerID: "B1", OrderNumber: "PO-1", PartyID: "L1", Role: store.AssignLogistics},
		{BuyerID: "B1", OrderNumber: "PO-1", PartyID: "C1", Role: store.AssignCustoms},
		{BuyerID: "B2", OrderNumber: "PO-2", PartyID: "L2", Role: store.AssignLogistics},
		{BuyerID: "B2", OrderNumber: "PO-2", PartyID: "C2", Role: store.AssignCustoms},
	} {
		if _, err := st.AddAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	for _, a := range []store.Alert{
		{ID: "AL-0", Kind: "connector_down", Severity: "warning", Subject: "a partner's connector is down", OccurredAt: at},
		{ID: "AL-1", Kind: "eta_late", Severity: "warning", Subject: "PO-1 is late", OccurredAt: at,
			Data: map[string]string{"order_number": "PO-1", "buyer_id": "B1", "supplier_id": "S1"}},
		{ID: "AL-2", Kind: "eta_late", Severity: "warning", Subject: "PO-2 is late", OccurredAt: at,
			Data: map[string]string{"order_number": "PO-2", "buyer_id": "B2", "supplier_id": "S2"}},
	} {
		if _, err := st.AddAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"HUB", "B1", "S1", "L1", "C1", "B2", "S2", "L2", "C2"} {
		alert, number := "AL-1", "PO-1"
		if strings.HasSuffix(p, "2") {
			alert, number = "AL-2", "PO-2"
		}
		if _, err := st.AddNotification(ctx, store.Notification{Party: p, AlertID: alert, Kind: "eta_late", Severity: "warning",
			Subject: number + " is late", OrderNumber: number, OccurredAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	items := []*canonical.CatalogItem{}
	for _, sup := range [][2]string{{"S1", "SKU-1"}, {"S2", "SKU-2"}} {
		items = append(items, &canonical.CatalogItem{Supplier: canonical.Party{ID: sup[0]}, SKU: sup[1], Unit: "H87",
			Prices: []canonical.CatalogPrice{{ValidFrom: canonical.NewDate(2026, 1, 1), Currency: "EUR", UnitPrice: canonical.MustDecimal("3.50")}}})
	}
	if _, err := st.UpsertCatalogItems(ctx, "test", items); err != nil {
		t.Fatal(err)
	}
	for i, o := range [][2]string{{"B1", "PO-1"}, {"B2", "PO-2"}} {
		pdf := minimalPDF()
		sum := sha256.Sum256(pdf)
		// documents 1 and 2
		if _, _, err := st.AddOrderDocument(ctx, store.OrderDocument{BuyerID: o[0], OrderNumber: o[1], Type: store.DocumentCommercialInvoice,
			Name: "INV-" + o[1] + ".pdf", MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(pdf)), Content: pdf}); err != nil {
			t.Fatal(err)
		}
		sh := &canonical.Shipment{ShipmentID: "ASN-" + o[1], OrderNumbers: []string{o[1]}, Supplier: canonical.Party{ID: "S" + string(rune('1'+i))},
			Carrier: "DHL", ShipDate: canonical.NewDate(2026, 4, 20), TrackingNumbers: []string{"1Z" + string(rune('1'+i))}}
		if _, err := st.UpsertShipments(ctx, "test", []*canonical.Shipment{sh}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"b1", "b2"} {
		if err := st.CreateUser(ctx, store.User{ID: "u-" + u, PartyID: strings.ToUpper(u), Roles: []string{"buyer"}}); err != nil {
			t.Fatal(err)
		}
		if err := st.IssueToken(ctx, store.APIToken{ID: "tok_" + u, UserID: "u-" + u, Hash: strings.Repeat(u[1:], 64), Name: "seed"}); err != nil {
			t.Fatal(err)
		}
	}
	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { ps.Close() })
	amendments := &pipelines.Amendments{Store: st, Pub: ps}
	for _, o := range [][3]string{{"B1", "PO-1", "S1"}, {"B2", "PO-2", "S2"}} {
		// version 2: a counter-proposal waiting for the buyer
		if _, err := amendments.Propose(ctx, o[0], o[1], lifecycle.Amendment{Kind: lifecycle.CounterProposal,
			By:      lifecycle.Author{PartyID: o[2], Role: lifecycle.RoleSupplier},
			Changes: []lifecycle.FieldChange{{Path: "lines[0].unit_price", To: "9.80"}}}); err != nil {
			t.Fatal(err)
		}
	}
	settlement := seedSettlement(t, st, ps)
	hub := &matrixHub{st: st, audit: &auditLog{}}
	hub.h = Handler(Config{
		Orders: st, Tracking: st, Findings: st, Timeline: st, Alerts: st, Notifications: st, Catalog: st, Assignments: st,
		Demand: matrixPlanner{}, Amendments: amendments, CatalogImport: matrixImporter{st},
		Admin:     &auth.Handlers{Store: st, Logger: slog.New(slog.DiscardHandler)},
		Documents: st, Messages: st, Publisher: ps, Actions: &pipelines.Actions{Store: st, Pub: ps},
		Authenticate: headerAuthenticator, Audit: hub.audit, Settlement: settlement, KPIs: st,
		SFTP:       &SFTPInfo{Addr: "127.0.0.1:2222", HostKeys: []string{"ssh-ed25519 SHA256:test"}},
		Onboarding: fakeOnboarding{},
	})
	return hub
}

func (h *matrixHub) call(method, path, body, principal string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if principal != "" {
		req.Header.Set(principalHeader, principal)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

// expect is the status the table's policy promises a caller of role on
// side for rt: 0 for any 2xx.
func expect(rt Route, role auth.Role, s int) int {
	p := auth.Principal{Roles: []auth.Role{role}}
	if !allowed(p, rt.Roles) {
		return http.StatusForbidden
	}
	if p.Admin() || s == 0 {
		return 0
	}
	switch rt.Scope {
	case ScopeOrder:
		if strings.Contains(rt.Pattern, "{order_number}") || strings.Contains(rt.Pattern, "{alert_id}") {
			return http.StatusNotFound
		}
		return 0 // a list: narrowed, checked by its content
	case ScopeParty:
		return http.StatusForbidden
	case ScopeSupplier:
		if slices.ContainsFunc(rt.Roles, func(r auth.Role) bool { return r != auth.RoleSupplier && r == role }) {
			return 0
		}
		if strings.Contains(rt.Pattern, "{supplier}") {
			return http.StatusNotFound
		}
		return http.StatusForbidden
	}
	return 0
}

func TestEveryRouteIsInTheMatrix(t *testing.T) {
	hub := newMatrixHub(t)
	var routed []string
	err := chi.Walk(hub.h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, apiPrefix+"/") {
			routed = append(routed, method+" "+route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	for _, rt := range (&server{cfg: Config{}}).table() {
		table = append(table, rt.Key())
	}
	for _, k := range routed {
		if _, ok := matrixProbes[k]; !ok {
			t.Errorf("%s is served but has no entry in matrixProbes: add how the matrix calls it", k)
		}
		if !slices.Contains(table, k) {
			t.Errorf("%s is served but not in the route table", k)
		}
	}
	for k := range matrixProbes {
		if !slices.Contains(routed, k) {
			t.Errorf("matrixProbes has %s, which the router does not serve (every feature on)", k)
		}
	}
	if len(routed) < len(table) {
		t.Errorf("the router serves %d of the table's %d routes with every feature on", len(routed), len(table))
	}
}

func TestEveryRouteAnswersEveryRoleAsItsPolicySays(t *testing.T) {
	shared := newMatrixHub(t)
	for _, rt := range (&server{cfg: Config{}}).table() {
		pr, ok := matrixProbes[rt.Key()]
		if !ok {
			continue // TestEveryRouteIsInTheMatrix names it
		}
		for _, role := range auth.Roles() {
			for s, name := range []string{"own party", "other party"} {
				want := expect(rt, role, s)
				t.Run(rt.Key()+"/"+string(role)+"/"+name, func(t *testing.T) {
					hub := shared
					if rt.Write && want == 0 {
						hub = newMatrixHub(t) // a write that goes through changes what the next case finds
					}
					path, body := pr(role, s)
					rec := hub.call(rt.Method, path, body, string(role)+" "+matrixParty[role][0])
					got := rec.Code
					switch {
					case want == 0 && (got < 200 || got > 299):
						t.Fatalf("%s %s as %s of %s: %d %s; want 2xx", rt.Method, path, role, matrixParty[role][0], got, rec.Body)
					case want != 0 && got != want:
						t.Fatalf("%s %s as %s of %s: %d %s; want %d", rt.Method, path, role, matrixParty[role][0], got, rec.Body, want)
					}
					audited := hub.audit.taken()
					switch {
					case rt.Write && want == 0 && (len(audited) != 1 || audited[0].action != rt.Key() || audited[0].user == ""):
						t.Errorf("a successful write was audited as %+v; want one entry %q with its user", audited, rt.Key())
					case (!rt.Write || want != 0) && len(audited) != 0:
						t.Errorf("audited %+v for a call that changed nothing", audited)
					}
					if rt.Method == http.MethodGet && role != auth.RoleAdmin && want == 0 &&
						rt.Scope == ScopeOrder && !strings.Contains(rt.Pattern, "{") {
						if b := rec.Body.String(); strings.Contains(b, "PO-2") || strings.Contains(b, "AL-0") {
							t.Errorf("%s as %s of side 1 shows another party's order or an alert of no order: %s", path, role, b)
						}
						if s == 0 && !strings.Contains(rec.Body.String(), "PO-1") {
							t.Errorf("%s as %s of side 1 does not show its own PO-1: %s", path, role, rec.Body)
						}
					}
				})
			}
		}
	}
}
