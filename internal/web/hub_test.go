package web

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// The test hub: orders of two suppliers in a SQLite store, served by the
// real API behind a test authenticator that knows two supplier tokens.
// The API's own party scoping is not the dashboard's to test; the test
// scopes orders and alerts to the supplier's party in scopedStore, as the
// API's route policy does, so the dashboard is shown only what the API
// would let it see.
const (
	tokenS1 = "tok-supplier-one-0123456789"
	tokenS2 = "tok-supplier-two-0123456789"
)

var principals = map[string]auth.Principal{
	tokenS1: {UserID: "ana@s1", PartyID: "SUP-S1", Roles: []auth.Role{auth.RoleSupplier}, TokenID: "t1"},
	tokenS2: {UserID: "bo@s2", PartyID: "SUP-S2", Roles: []auth.Role{auth.RoleSupplier}, TokenID: "t2"},
}

func verify(_ context.Context, token string) (auth.Principal, error) {
	p, ok := principals[token]
	if !ok {
		return auth.Principal{}, auth.ErrInvalidCredential
	}
	return p, nil
}

// authenticate is the test's stand-in for auth.Middleware: a bearer token
// it knows, or 401.
func authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := principals[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			http.Error(w, `{"error":{"code":"unauthenticated","message":"no valid token"}}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// scopedStore shows a supplier only its own orders and alerts.
type scopedStore struct{ *sqlite.Store }

func party(ctx context.Context) string {
	p, _ := auth.FromContext(ctx)
	return p.PartyID
}

func (s scopedStore) ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error) {
	f.SupplierID = party(ctx)
	return s.Store.ListOrders(ctx, f)
}

func (s scopedStore) GetOrder(ctx context.Context, buyerID, number string) (*store.StoredOrder, error) {
	o, err := s.Store.GetOrder(ctx, buyerID, number)
	if err == nil && o.Order.Supplier.ID != party(ctx) {
		return nil, store.ErrNotFound
	}
	return o, err
}

func (s scopedStore) ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error) {
	f.Partner = party(ctx)
	return s.Store.ListAlerts(ctx, f)
}

// hub is the API of the test with what its fake confirm endpoint did.
type hub struct {
	store  *sqlite.Store
	api    http.Handler
	events *Broadcaster

	mu        sync.Mutex
	confirmed []string // "party:order" of each confirmation
}

func (h *hub) confirmations() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.confirmed)
}

func order(number, supplier, requested string) *canonical.Order {
	o := &canonical.Order{OrderNumber: number, OrderDate: canonical.NewDate(2026, 11, 20), Buyer: canonical.Party{ID: "ACME-DE", Name: "Acme GmbH"},
		Supplier: canonical.Party{ID: supplier}, Currency: "EUR",
		Lines: []canonical.OrderLine{{LineNumber: 1, SKU: "BV-DN50", Description: "Ball valve DN50", Quantity: canonical.MustDecimal("40"), Unit: "H87", UnitPrice: canonical.MustDecimal("90.00")}}}
	if requested != "" {
		d, err := time.Parse(time.DateOnly, requested)
		if err != nil {
			panic(err) // test data written here
		}
		o.RequestedDeliveryDate = canonical.NewDate(d.Date())
	}
	return o
}

// newHub stores PO-S1-1 and PO-S1-2 of supplier SUP-S1, PO-S2-1 of SUP-S2,
// and an open alert for each supplier.
func newHub(t *testing.T) *hub {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	orders := []*canonical.Order{
		order("PO-S1-1", "SUP-S1", "2026-12-20"), order("PO-S1-2", "SUP-S1", "2027-01-15"), order("PO-S2-1", "SUP-S2", "2026-12-22"),
	}
	if _, err := st.UpsertOrders(t.Context(), orders); err != nil {
		t.Fatal(err)
	}
	for _, a := range []store.Alert{
		{ID: "al-s1", Kind: "eta_after_promised", Severity: "warning", Partner: "SUP-S1", Subject: "PO-S1-2 will be late",
			Message: "The carrier's ETA is after the promised date.", OccurredAt: time.Now().Add(-time.Hour), Data: map[string]string{"order_number": "PO-S1-2"}},
		{ID: "al-s2", Kind: "eta_after_promised", Severity: "warning", Partner: "SUP-S2", Subject: "PO-S2-1 will be late",
			Message: "The carrier's ETA is after the promised date.", OccurredAt: time.Now().Add(-time.Hour)},
	} {
		if _, err := st.AddAlert(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	h := &hub{store: st, events: &Broadcaster{}}
	scoped := scopedStore{st}
	apiHandler := api.Handler(api.Config{Orders: scoped, Timeline: st, Alerts: scoped, Authenticate: authenticate})
	r := chi.NewRouter()
	// The supplier's confirmation (engineer D's endpoint) as the pipeline
	// would record it: an accepted order response, the order confirmed.
	r.With(authenticate).Post("/api/v1/orders/{number}/confirm", func(w http.ResponseWriter, r *http.Request) {
		number := chi.URLParam(r, "number")
		o, err := scoped.GetOrder(r.Context(), r.URL.Query().Get("buyer"), number)
		if err != nil {
			http.Error(w, `{"error":{"code":"order_not_found","message":"no such order"}}`, http.StatusNotFound)
			return
		}
		if o.Status != store.StatusSubmitted {
			http.Error(w, `{"error":{"code":"order_transition","message":"the order is already `+o.Status+`"}}`, http.StatusConflict)
			return
		}
		now := time.Now().UTC()
		resp := &canonical.OrderResponse{OrderNumber: number, ResponseNumber: "portal-" + number, ResponseDate: canonical.NewDate(now.Date()),
			Buyer: o.Order.Buyer, Supplier: o.Order.Supplier, Status: canonical.ResponseAccepted}
		if _, err := st.UpsertOrderResponses(r.Context(), "portal", []*canonical.OrderResponse{resp}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if _, err := st.SetOrderStatus(r.Context(), o.Order.Buyer.ID, number, o.Status, "confirmed"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h.mu.Lock()
		h.confirmed = append(h.confirmed, party(r.Context())+":"+number)
		h.mu.Unlock()
		h.events.Publish(Event{Kind: "orders", OrderNumber: number})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"order_number":"` + number + `","status":"confirmed"}`))
	})
	r.Mount("/", apiHandler)
	h.api = r
	return h
}

// dashboard is the dashboard over the hub's API.
func (h *hub) dashboard(t *testing.T, mod func(*Config)) http.Handler {
	t.Helper()
	cfg := Config{API: h.api, Verify: verify, Events: h.events.Subscribe, PollEvery: 200 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	d, err := Handler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
