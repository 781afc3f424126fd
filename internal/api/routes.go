package api

import (
	"net/http"
	"slices"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// Scope says what of its own a caller must hold for a route, beyond one of
// the route's roles. An admin passes every scope.
type Scope string

// The scopes.
const (
	// ScopeNone: global reference data or an action of the caller's own;
	// any of the route's roles may call it.
	ScopeNone Scope = "none"
	// ScopeOrder: the order named by {order_number} (or the order of the
	// alert named by {alert_id}) must be visible to the caller's party,
	// else 404, the same answer as for an order that does not exist, so
	// that a party cannot learn that another party's order exists. A list
	// with this scope shows only what the caller's party may see.
	ScopeOrder Scope = "order"
	// ScopeParty: ?party= must be the caller's own party (403 otherwise);
	// left out, it is the caller's party. Notification inboxes.
	ScopeParty Scope = "party"
	// ScopeSupplier: a supplier's catalog. A caller whose only catalog
	// role is supplier reads and posts only items of its own party: another
	// supplier's item is 404, ?supplier= of another party or a posted item
	// of another supplier 403. Every other role of the route reads all.
	ScopeSupplier Scope = "supplier"
	// ScopeAdmin: admins only.
	ScopeAdmin Scope = "admin"
)

// Route is one endpoint under /api/v1 with the policy that guards it. The
// router mounts routes only from the table (server.table), so every
// endpoint has a policy, is in the OpenAPI document and in the whole-matrix
// test.
type Route struct {
	Method  string
	Pattern string // under /api/v1, in chi's syntax: "/orders/{order_number}"
	Summary string
	// Roles may call the route; an admin always may.
	Roles []auth.Role
	// Write: the route changes something. A caller without a writing role
	// of the route gets 403; every successful call goes to Config.Audit.
	Write bool
	Scope Scope
	// Query names the query parameters, for the OpenAPI document.
	Query []string
	// Request and Response are the bodies' JSON Schemas for the OpenAPI
	// document: a canonical body refers to docs/schemas (canonicalRef);
	// nil documents a JSON object.
	Request, Response Schema
	// Enabled: what the route serves is configured; a route that is not
	// is neither mounted nor documented.
	Enabled bool
	Handler http.HandlerFunc
}

// Key names a route in tests and the audit log: "GET /api/v1/orders".
func (rt Route) Key() string { return rt.Method + " " + apiPrefix + rt.Pattern }

// apiPrefix is where the table's routes are mounted.
const apiPrefix = "/api/v1"

// Role sets of the table.
var (
	// readers are every role that reads what its party may see.
	readers = []auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleLogistics, auth.RoleCustoms, auth.RoleFinance, auth.RoleViewer}
	// orderActors are the parties working on an order (not viewers).
	orderActors = []auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleLogistics, auth.RoleCustoms, auth.RoleFinance}
	// catalogReaders need supplier items: buyers plan with them, customs
	// reads HS codes and origins, finance prices.
	catalogReaders = []auth.Role{auth.RoleBuyer, auth.RoleSupplier, auth.RoleCustoms, auth.RoleFinance, auth.RoleViewer}
	buyers         = []auth.Role{auth.RoleBuyer}
	suppliers      = []auth.Role{auth.RoleSupplier}
	buyerOrSupp    = []auth.Role{auth.RoleBuyer, auth.RoleSupplier}
	adminsOnly     []auth.Role
)

// table is every route of /api/v1 with its policy. Add an endpoint here
// (or in a method of its own file appended below) and nowhere else.
func (s *server) table() []Route {
	c := s.cfg
	rs := []Route{
		{Method: http.MethodGet, Pattern: "/orders", Summary: "List the orders the caller's party may see (filters buyer, supplier, status, order_number; search q: every word found in the order number, a party's id or name, or a line's SKU, buyer SKU or description; paged).",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer", "supplier", "status", "order_number", "q", "limit", "cursor"},
			Response: pageOf("orders", canonicalRef("order")), Enabled: true, Handler: s.listOrders},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}", Summary: "One order with its findings and tracking.",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"}, Response: canonicalRef("order"),
			Enabled: true, Handler: s.getOrder},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/tracking", Summary: "Where the order is: its shipments and carrier events.",
			Roles: readers, Scope: ScopeOrder,
			Enabled: c.Tracking != nil, Handler: s.getOrderTracking},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/timeline", Summary: "Everything that happened to the order, folded into its lifecycle state.",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Timeline != nil, Handler: s.getOrderTimeline},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/amendments", Summary: "The order's versions, changes, proposals and decisions.",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Amendments != nil, Handler: s.getAmendments},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/amendments", Summary: "A buyer's change (takes effect) or a supplier's counter-proposal (waits for the buyer).",
			Roles: buyerOrSupp, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Amendments != nil, Handler: s.postAmendment},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/amendments/{version}/accept", Summary: "The buyer accepts a supplier's counter-proposal.",
			Roles: buyers, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Amendments != nil, Handler: s.decideAmendment(true)},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/amendments/{version}/reject", Summary: "The buyer rejects a supplier's counter-proposal.",
			Roles: buyers, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Amendments != nil, Handler: s.decideAmendment(false)},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/assignments", Summary: "The logistics providers and customs brokers assigned to the order.",
			Roles: readers, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Assignments != nil, Handler: s.listAssignments},
		{Method: http.MethodPost, Pattern: "/orders/{order_number}/assignments", Summary: "The buyer assigns a logistics provider or a customs broker to the order.",
			Roles: buyers, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Assignments != nil, Handler: s.postAssignment},
		{Method: http.MethodDelete, Pattern: "/orders/{order_number}/assignments/{role}/{party_id}", Summary: "The buyer takes an assignment back.",
			Roles: buyers, Write: true, Scope: ScopeOrder, Query: []string{"buyer"},
			Enabled: c.Assignments != nil, Handler: s.deleteAssignment},
		{Method: http.MethodPost, Pattern: "/demand", Summary: "Plan demand lines into purchase orders (dry_run=true only shows the plan).",
			Roles: buyers, Write: true, Scope: ScopeNone, Query: []string{"dry_run"},
			Enabled: c.Demand != nil, Handler: s.postDemand},
		{Method: http.MethodGet, Pattern: "/catalog/items", Summary: "Stored supplier catalog items (a supplier sees its own).",
			Roles: catalogReaders, Scope: ScopeSupplier, Query: []string{"supplier", "sku", "limit", "cursor"},
			Response: pageOf("items", canonicalRef("catalog_item")), Enabled: c.Catalog != nil, Handler: s.listCatalogItems},
		{Method: http.MethodGet, Pattern: "/catalog/items/{supplier}/{sku}", Summary: "One supplier catalog item.",
			Roles: catalogReaders, Scope: ScopeSupplier, Response: canonicalRef("catalog_item"),
			Enabled: c.Catalog != nil, Handler: s.getCatalogItem},
		{Method: http.MethodPost, Pattern: "/catalog/items", Summary: "A supplier's catalog items, validated and applied like a price list file.",
			Roles: suppliers, Write: true, Scope: ScopeSupplier, Query: []string{"dry_run"},
			Request: objectOf("items", arrayOf(canonicalRef("catalog_item"))),
			Enabled: c.Catalog != nil && c.CatalogImport != nil, Handler: s.postCatalogItems},
		{Method: http.MethodGet, Pattern: "/alerts", Summary: "Alerts about the orders the caller's party may see (admins: all).",
			Roles: readers, Scope: ScopeOrder, Query: []string{"status", "kind", "partner", "order_number", "limit", "cursor"},
			Enabled: c.Alerts != nil, Handler: s.listAlerts},
		{Method: http.MethodPost, Pattern: "/alerts/{alert_id}/acknowledge", Summary: "Someone is on it.",
			Roles: orderActors, Write: true, Scope: ScopeOrder,
			Enabled: c.Alerts != nil, Handler: s.setAlertStatus(store.AlertAcknowledged)},
		{Method: http.MethodPost, Pattern: "/alerts/{alert_id}/resolve", Summary: "The alert's condition is over.",
			Roles: orderActors, Write: true, Scope: ScopeOrder,
			Enabled: c.Alerts != nil, Handler: s.setAlertStatus(store.AlertResolved)},
		{Method: http.MethodGet, Pattern: "/notifications", Summary: "The caller's party's in-app inbox.",
			Roles: readers, Scope: ScopeParty, Query: []string{"party", "unread", "limit", "cursor"},
			Enabled: c.Notifications != nil, Handler: s.listNotifications},
		{Method: http.MethodPost, Pattern: "/notifications/{id}/read", Summary: "Mark one of the party's notifications read.",
			Roles: orderActors, Write: true, Scope: ScopeParty, Query: []string{"party"},
			Enabled: c.Notifications != nil, Handler: s.markNotificationRead},
		{Method: http.MethodGet, Pattern: "/notifications/deliveries", Summary: "How alerts went out (status=failed: the dead letters).",
			Roles: adminsOnly, Scope: ScopeAdmin, Query: []string{"status", "alert_id", "channel", "limit", "cursor"},
			Enabled: c.Notifications != nil, Handler: s.listDeliveries},
	}
	// Routes of other files go here, one line each:
	rs = append(rs, s.documentRoutes()...)
	rs = append(rs, s.actionRoutes()...)
	rs = append(rs, s.settlementRoutes()...)
	rs = append(rs, s.kpiRoutes()...)
	rs = append(rs, s.sftpRoutes()...)
	rs = append(rs, s.onboardingRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	return rs
}

// adminRoutes are internal/auth's endpoints of the audit log, tokens and
// users (Config.Admin): admins only.
func (s *server) adminRoutes() []Route {
	// A method value of a nil *auth.Handlers is never called: the routes
	// are not mounted then.
	on, h := s.cfg.Admin != nil, s.cfg.Admin
	return []Route{
		{Method: http.MethodGet, Pattern: "/audit", Summary: "The audit log, newest first: who wrote what, when, before and after.",
			Roles: adminsOnly, Scope: ScopeAdmin, Query: []string{"user", "party", "target", "since", "limit", "cursor"},
			Enabled: on, Handler: h.ListAudit},
		{Method: http.MethodGet, Pattern: "/tokens", Summary: "API tokens, newest first (never a secret).",
			Roles: adminsOnly, Scope: ScopeAdmin, Query: []string{"user", "limit", "cursor"},
			Enabled: on, Handler: h.ListTokens},
		{Method: http.MethodPost, Pattern: "/tokens", Summary: "Issue an API token for a user; its secret is shown this once.",
			Roles: adminsOnly, Write: true, Scope: ScopeAdmin,
			Enabled: on, Handler: h.IssueToken},
		{Method: http.MethodDelete, Pattern: "/tokens/{id}", Summary: "Revoke an API token.",
			Roles: adminsOnly, Write: true, Scope: ScopeAdmin,
			Enabled: on, Handler: h.RevokeToken},
		{Method: http.MethodPost, Pattern: "/users", Summary: "Create a user of a party with roles (and a password for the dashboard).",
			Roles: adminsOnly, Write: true, Scope: ScopeAdmin,
			Enabled: on, Handler: h.CreateUser},
	}
}

// allowed reports whether p may call a route open to roles.
func allowed(p auth.Principal, roles []auth.Role) bool {
	if p.Admin() {
		return true
	}
	return slices.ContainsFunc(p.Roles, func(r auth.Role) bool { return slices.Contains(roles, r) })
}
