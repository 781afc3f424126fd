package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/store"
)

// guard wraps a route's handler in the route's policy and, for a write,
// the audit. Without Config.Authenticate the API is open: no policy is
// checked, and writes are still audited when Config.Audit is set.
func (s *server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Authenticate != nil {
			p, ok := auth.FromContext(r.Context())
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="procurehub"`)
				writeError(w, http.StatusUnauthorized, "unauthenticated", "send a bearer token: Authorization: Bearer <token>")
				return
			}
			if !allowed(p, rt.Roles) {
				writeError(w, http.StatusForbidden, "forbidden", "your roles may not "+rt.Key())
				return
			}
			if rt.Write && !p.CanWrite() {
				writeError(w, http.StatusForbidden, "read_only", "your token may only read; "+rt.Key()+" writes")
				return
			}
			if r, ok = s.authorize(w, r, rt, p); !ok {
				return
			}
		}
		if !rt.Write || s.cfg.Audit == nil {
			rt.Handler(w, r)
			return
		}
		note := &auditNote{}
		sw := &statusWriter{ResponseWriter: w}
		rt.Handler(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, note)))
		if sw.status < 200 || sw.status > 299 {
			return
		}
		target := note.target
		if target == "" {
			target = targetOf(r)
		}
		// The write is done; a failing audit log is logged, not answered.
		if err := s.cfg.Audit.Record(context.WithoutCancel(r.Context()), rt.Key(), target, note.before, note.after); err != nil {
			s.cfg.Logger.Error("api audit failed", "action", rt.Key(), "target", target, "err", err)
		}
	})
}

// authorize checks the route's scope for a caller that holds one of its
// roles. It answers itself and reports false when the caller may not go
// on; the request it returns carries what the handler needs to narrow its
// answer (limitedTo, supplierOnly).
func (s *server) authorize(w http.ResponseWriter, r *http.Request, rt Route, p auth.Principal) (*http.Request, bool) {
	if p.Admin() {
		return r, true
	}
	ctx := r.Context()
	switch rt.Scope {
	case ScopeAdmin:
		writeError(w, http.StatusForbidden, "forbidden", "only an admin may "+rt.Key())
		return r, false
	case ScopeOrder:
		if number := chi.URLParam(r, "order_number"); number != "" {
			q := r.URL.Query()
			o, ok, err := s.orderVisible(ctx, p, q.Get("buyer"), number)
			if err != nil {
				s.internal(w, r, err)
				return r, false
			}
			if !ok {
				writeError(w, http.StatusNotFound, "order_not_found", "no order "+strconv.Quote(number))
				return r, false
			}
			if q.Get("buyer") == "" {
				// The handler reads the order that was checked, not
				// another buyer's order of the same number.
				q.Set("buyer", o.Order.Buyer.ID)
				r = r.Clone(ctx)
				r.URL.RawQuery = q.Encode()
			}
		}
		if id := chi.URLParam(r, "alert_id"); id != "" && s.cfg.Alerts != nil {
			a, err := s.cfg.Alerts.GetAlert(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				s.internal(w, r, err)
				return r, false
			}
			ok := false
			if err == nil {
				if ok, err = s.alertVisible(ctx, p, a); err != nil {
					s.internal(w, r, err)
					return r, false
				}
			}
			if !ok {
				writeError(w, http.StatusNotFound, "alert_not_found", "no alert "+strconv.Quote(id))
				return r, false
			}
		}
		return r.WithContext(context.WithValue(ctx, limitKey{}, p)), true
	case ScopeParty:
		q := r.URL.Query()
		switch q.Get("party") {
		case p.PartyID:
		case "":
			q.Set("party", p.PartyID)
			r = r.Clone(ctx)
			r.URL.RawQuery = q.Encode()
		default:
			writeError(w, http.StatusForbidden, "forbidden", "party must be your own party "+strconv.Quote(p.PartyID))
			return r, false
		}
	case ScopeSupplier:
		if slices.ContainsFunc(p.Roles, func(ro auth.Role) bool { return ro != auth.RoleSupplier && slices.Contains(rt.Roles, ro) }) {
			return r, true // a buyer, customs, finance or viewer reads every supplier's items
		}
		if v := chi.URLParam(r, "supplier"); v != "" && pathParam(r, "supplier") != p.PartyID {
			writeError(w, http.StatusNotFound, "catalog_item_not_found",
				"no catalog item "+strconv.Quote(pathParam(r, "sku"))+" of supplier "+strconv.Quote(pathParam(r, "supplier")))
			return r, false
		}
		q := r.URL.Query()
		switch q.Get("supplier") {
		case p.PartyID:
		case "":
			if r.Method == http.MethodGet {
				q.Set("supplier", p.PartyID)
				r = r.Clone(ctx)
				r.URL.RawQuery = q.Encode()
			}
		default:
			writeError(w, http.StatusForbidden, "forbidden", "a supplier sees only its own items: supplier must be "+strconv.Quote(p.PartyID))
			return r, false
		}
		return r.WithContext(context.WithValue(r.Context(), supplierKey{}, p.PartyID)), true
	}
	return r, true
}

// limitKey carries the principal whose view a list is limited to.
type limitKey struct{}

// limitedTo returns the caller a ScopeOrder list must be narrowed to; ok
// is false when the list is not narrowed (an admin, or the API is open).
func limitedTo(r *http.Request) (auth.Principal, bool) {
	p, ok := r.Context().Value(limitKey{}).(auth.Principal)
	return p, ok
}

// supplierKey carries the party a ScopeSupplier caller is limited to.
type supplierKey struct{}

// supplierOnly returns the supplier party whose catalog items alone the
// caller may post; ok is false when it may post any.
func supplierOnly(r *http.Request) (string, bool) {
	p, ok := r.Context().Value(supplierKey{}).(string)
	return p, ok
}

// orderVisible reports whether p's party may see the order, and returns
// it when it may: the party is the order's buyer or supplier, is assigned
// to it, or carries one of its shipments. A missing order is not visible;
// p must not be an admin.
func (s *server) orderVisible(ctx context.Context, p auth.Principal, buyerID, number string) (*store.StoredOrder, bool, error) {
	if p.PartyID == "" {
		return nil, false, nil
	}
	if buyerID == "" {
		// The party's own order of this number first: another buyer may
		// use the same number for an order the party is not on.
		own, _, err := s.cfg.Orders.ListOrders(ctx, store.OrderFilter{Party: p.PartyID, OrderNumber: number, Limit: 1})
		if err != nil {
			return nil, false, err
		}
		if len(own) == 1 && own[0].Order.OrderNumber == number {
			return &own[0], true, nil
		}
	}
	o, err := s.cfg.Orders.GetOrder(ctx, buyerID, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if o.Order.Buyer.ID == p.PartyID || o.Order.Supplier.ID == p.PartyID {
		return o, true, nil
	}
	if s.cfg.Assignments != nil {
		ok, err := s.cfg.Assignments.IsAssigned(ctx, o.Order.Buyer.ID, number, p.PartyID)
		if err != nil || ok {
			return o, ok, err
		}
	}
	if s.cfg.Tracking != nil {
		shipments, err := s.cfg.Tracking.ShipmentsOfOrder(ctx, number)
		if err != nil {
			return nil, false, err
		}
		for _, sh := range shipments {
			if sh.Shipment != nil && sh.Shipment.Carrier == p.PartyID {
				return o, true, nil
			}
		}
	}
	return o, false, nil
}

// alertVisible reports whether p's party may see an alert: one about an
// order it may see, or one naming it as buyer or supplier. An alert about
// no order and no party is for admins.
func (s *server) alertVisible(ctx context.Context, p auth.Principal, a store.Alert) (bool, error) {
	if p.Admin() {
		return true, nil
	}
	if p.PartyID == "" {
		return false, nil
	}
	number := a.OrderNumber
	if number == "" {
		number = a.Data["order_number"]
	}
	if number != "" {
		_, ok, err := s.orderVisible(ctx, p, a.Data["buyer_id"], number)
		return ok, err
	}
	return a.Data["buyer_id"] == p.PartyID || a.Data["supplier_id"] == p.PartyID, nil
}

// auditKey carries the *auditNote a write's handler may fill.
type auditKey struct{}

// auditNote is what a handler tells the audit of its write.
type auditNote struct {
	target        string
	before, after any
}

// audit tells the audit log of this write its target ("" keeps the one
// taken from the path) and the state before and after. It does nothing
// when writes are not audited.
func audit(r *http.Request, target string, before, after any) {
	n, ok := r.Context().Value(auditKey{}).(*auditNote)
	if !ok {
		return
	}
	n.target, n.before, n.after = target, before, after
}

// targetOf names what a write changed from its path: the order, the
// alert, the notification.
func targetOf(r *http.Request) string {
	for _, k := range []string{"order_number", "alert_id", "id"} {
		if v := chi.URLParam(r, k); v != "" {
			return v
		}
	}
	return ""
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
