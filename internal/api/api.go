// Package api serves procurehub's HTTP API: health, readiness, Prometheus
// metrics, its OpenAPI document (/api/openapi.json) and the endpoints under
// /api/v1.
//
// Every /api/v1 endpoint is mounted from one route table (routes.go) that
// says who may call it: its roles (an admin always may), whether it writes
// (a read-only token gets 403; a successful write goes to Config.Audit)
// and its party scope (an order another party may not see is 404, as if
// it did not exist). The OpenAPI document and the whole-matrix test are
// generated from the same table, so an endpoint cannot be served without
// a policy, a document entry and a test.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// OrderReader is what the API reads orders from.
type OrderReader interface {
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error)
}

// Check is one readiness check (store reachable, broker reachable...).
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Config wires the server.
type Config struct {
	Orders OrderReader
	// Tracking, when set, adds each order's shipments and carrier events
	// to GET /orders/{order_number} and serves /orders/{order_number}/tracking.
	Tracking TrackingReader
	// Findings, when set, adds each order's validation findings to
	// GET /orders/{order_number}.
	Findings FindingsReader
	// Timeline, when set, serves /orders/{order_number}/timeline: the
	// order, its findings, supplier responses, order events, shipments
	// and carrier events (those of Findings and Tracking, when set) folded
	// into the order's lifecycle state.
	Timeline TimelineReader
	// Demand, when set, serves POST /demand: demand lines planned into
	// purchase orders from the supplier catalog.
	Demand DemandPlanner
	// Amendments, when set, serves /orders/{order_number}/amendments: the
	// order's versions and changes, proposals, and the buyer's decisions.
	Amendments AmendmentService
	// Alerts, when set, serves GET /alerts and POST
	// /alerts/{alert_id}/acknowledge and /resolve.
	Alerts AlertStore
	// Notifications, when set, serves GET /notifications?party= (a party's
	// in-app inbox), POST /notifications/{id}/read?party= and GET
	// /notifications/deliveries (how alerts went out; status=failed for the
	// dead letters).
	Notifications NotificationStore
	// Catalog, when set, serves GET /catalog/items and
	// /catalog/items/{supplier}/{sku}: the stored supplier catalog items.
	Catalog CatalogReader
	// CatalogImport, when set with Catalog, serves POST /catalog/items.
	CatalogImport CatalogImporter
	// Documents, when set, serves /orders/{order_number}/documents: the
	// order's documents, listed and downloaded; uploads also need
	// Publisher (documents.go).
	Documents DocumentStore
	// MaxDocumentBytes is the largest document taken (413 beyond);
	// DefaultMaxDocumentBytes (10 MiB) when 0.
	MaxDocumentBytes int64
	// Messages, when set, serves /orders/{order_number}/messages: the
	// order's message thread; posting also needs Publisher.
	Messages MessageStore
	// Publisher publishes the order events of document uploads and
	// messages on procurehub.order-events.v1.
	Publisher message.Publisher
	// Webhooks, when set, answers POST /webhooks/tracking/{name}: signed
	// carrier deliveries, outside /api (the sender's signature is its
	// authentication).
	Webhooks func(w http.ResponseWriter, r *http.Request, name string)
	Ready    []Check
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// Authenticate wraps every /api route. Until authentication lands (the
	// multi-party portal issue) it is nil and the API is open: bind it to
	// loopback. This is the one place where the caller's identity will be
	// resolved and attached to the request context (auth.WithPrincipal).
	// When set, every route of the table is guarded by its policy (routes.go):
	// no principal is 401, a role the route does not allow 403, an order
	// the caller's party may not see 404.
	Authenticate func(http.Handler) http.Handler
	// Assignments, when set, serves /orders/{order_number}/assignments and
	// lets assigned parties see their orders.
	Assignments AssignmentStore
	// Audit, when set, is told of every successful write: the route as
	// action ("POST /api/v1/alerts/{alert_id}/resolve"), its target (the
	// order number, the alert id...) and, where the handler supplies them,
	// the state before and after.
	Audit Auditor
	// Admin, when set, serves the admin endpoints of internal/auth
	// (GET /audit, GET and POST /tokens, DELETE /tokens/{id}, POST /users),
	// admins only.
	Admin *auth.Handlers
	// Actions, when set, serves the writes of suppliers (POST
	// /orders/{order_number}/confirm, /reject, /progress), logistics
	// providers (/transport-plan, /milestones) and customs brokers
	// (/customs), each published as a canonical record on the broker.
	Actions ActionPublisher
	// Settlement, when set, serves finance's endpoints: invoices and their
	// match, payment plans and approvals, bank entries and their
	// reconciliation, supplier accounts, settlement KPIs.
	Settlement *pipelines.Settlement
	// KPIs, when set, serves /kpis and /kpis/scorecards.
	KPIs KPIStore
	// SFTP, when set, serves /sftp: the hosted SFTP inbox's address and
	// host keys. The hub fills it in once the server listens, before the
	// API serves its first request.
	SFTP *SFTPInfo
	// Onboarding, when set, serves /onboarding/...: mappings proposed from
	// a sample, dry runs and mapping versions, for admins.
	Onboarding Onboarding
}

// Auditor records who changed what (internal/auth's audit log). The
// caller is the request's principal (auth.FromContext).
type Auditor interface {
	Record(ctx context.Context, action, target string, before, after any) error
}

// Handler returns the HTTP handler.
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &server{cfg: cfg}
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.ready)
	if cfg.Gatherer != nil {
		r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	r.Get("/api/openapi.json", s.openAPI)
	r.Route(apiPrefix, func(r chi.Router) {
		if cfg.Authenticate != nil {
			r.Use(cfg.Authenticate)
		}
		for _, rt := range s.table() {
			if rt.Enabled {
				r.Method(rt.Method, rt.Pattern, s.guard(rt))
			}
		}
	})
	if cfg.Webhooks != nil {
		r.Post("/webhooks/tracking/{name}", func(w http.ResponseWriter, r *http.Request) {
			cfg.Webhooks(w, r, chi.URLParam(r, "name"))
		})
	}
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return r
}

type server struct{ cfg Config }

func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	for _, c := range s.cfg.Ready {
		if err := c.Fn(ctx); err != nil {
			checks[c.Name] = err.Error()
			ok = false
			continue
		}
		checks[c.Name] = "ok"
	}
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not_ready", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": checks})
}

// Order is an order as the API shows it: the canonical fields plus the hub's own.
type Order struct {
	canonical.Order
	Status    string    `json:"status"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Tracking is shown by GET /orders/{order_number} (not in lists).
	Tracking *OrderTracking `json:"tracking,omitempty"`
	// Findings are what validation found in the order's current content
	// (GET /orders/{order_number}); an order with errors is needs_review.
	Findings json.RawMessage `json:"findings,omitempty"`
}

// FindingsReader is what the API reads validation findings from.
type FindingsReader interface {
	GetFindings(ctx context.Context, buyerID, orderNumber string) (*store.OrderFindings, error)
}

func fromStored(o store.StoredOrder) Order {
	return Order{Order: o.Order, Status: o.Status, Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// maxSearch is the longest q of GET /api/v1/orders, in characters: enough
// for what a person types, short of a denial of service by LIKE patterns.
const maxSearch = 200

// OrderList is the body of GET /api/v1/orders.
type OrderList struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

func (s *server) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.OrderFilter{
		BuyerID:     q.Get("buyer"),
		SupplierID:  q.Get("supplier"),
		Status:      q.Get("status"),
		OrderNumber: q.Get("order_number"),
		Search:      q.Get("q"),
		Cursor:      q.Get("cursor"),
	}
	if !utf8.ValidString(f.Search) || strings.IndexByte(f.Search, 0) >= 0 || utf8.RuneCountInString(f.Search) > maxSearch {
		writeError(w, http.StatusBadRequest, "bad_search", "q must be text of at most "+strconv.Itoa(maxSearch)+" characters")
		return
	}
	if p, limited := limitedTo(r); limited {
		// Another party's orders are not there for this caller; the
		// filters narrow further within its own.
		f.Party = p.PartyID
		if p.PartyID == "" {
			writeJSON(w, http.StatusOK, OrderList{Orders: []Order{}})
			return
		}
	}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	orders, next, err := s.cfg.Orders.ListOrders(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := OrderList{Orders: make([]Order, 0, len(orders)), NextCursor: next}
	for _, o := range orders {
		out.Orders = append(out.Orders, fromStored(o))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	number := chi.URLParam(r, "order_number")
	o, err := s.cfg.Orders.GetOrder(r.Context(), r.URL.Query().Get("buyer"), number)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := fromStored(*o)
	if s.cfg.Findings != nil {
		f, err := s.cfg.Findings.GetFindings(r.Context(), o.Order.Buyer.ID, number)
		switch {
		case err == nil && f.ContentHash == o.ContentHash:
			out.Findings = f.Findings
		case err != nil && !errors.Is(err, store.ErrNotFound):
			s.internal(w, r, err)
			return
		}
	}
	if s.cfg.Tracking != nil {
		if out.Tracking, err = trackingOf(r.Context(), s.cfg.Tracking, number); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// pageLimit reads a list's limit: 0 (the store's default) when absent,
// else 1 to 500; ok is false once it answered 400.
func pageLimit(w http.ResponseWriter, v string) (n int, ok bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		writeError(w, http.StatusBadRequest, "bad_limit", "limit must be a number from 1 to 500")
		return 0, false
	}
	return n, true
}

// listed answers a list's store error: a cursor the store refuses is 400,
// anything else 500. It reports whether there was no error.
func (s *server) listed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, "bad_cursor", "cursor is not one this API gave out")
		return false
	case err != nil:
		s.internal(w, r, err)
		return false
	}
	return true
}

func (s *server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.Error("api request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
