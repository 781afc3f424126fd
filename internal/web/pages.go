package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/lifecycle"
)

// view is what every page template gets.
type view struct {
	Title string
	Nav   string
	CSRF  string
	User  *auth.Principal // nil on the login page
	Flash string
	Data  any
	// Events is the page's live event stream, with the view the page was
	// drawn from (see liveBaseline).
	Events string
}

var funcs = template.FuncMap{
	"badge":    badgeClass,
	"stclass":  stateClass,
	"progress": progressOf,
	"steps":    func() int { return len(mainLine) - 1 },
	"human":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"orderURL": orderURL,
	"rate": func(r *float64) string {
		if r == nil {
			return "–"
		}
		return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
	},
	"days": func(d *float64) string {
		if d == nil {
			return "–"
		}
		return strconv.FormatFloat(*d, 'f', 1, 64)
	},
	"formKey": randomID, // an Idempotency-Key per rendered form: a form sent twice acts once
	"docURL": func(number, buyer string, id int64) string {
		u := "/ui/orders/" + url.PathEscape(number) + "/documents/" + strconv.FormatInt(id, 10)
		if buyer != "" {
			u += "?" + url.Values{"buyer": {buyer}}.Encode()
		}
		return u
	},
	"kib": func(n int64) string {
		if n < 1024 {
			return strconv.FormatInt(n, 10) + " B"
		}
		return strconv.FormatInt((n+512)/1024, 10) + " KiB"
	},
	"roles": func(rs []auth.Role) string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = string(r)
		}
		return strings.Join(out, ", ")
	},
}

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "orders", "order", "alerts", "kpis", "onboarding", "error"}

func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render writes a page; the template runs into a buffer first so a
// template error is a clean 500, not half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, sess *session, status int, name, title string, data any) {
	v := view{Title: title, Nav: name, Data: data}
	if sess != nil {
		v.CSRF = sess.csrf
		if sess.loggedIn() {
			p := sess.principal
			v.User = &p
			v.Events = "/ui/events"
			if q, ok := r.Context().Value(baselineKey{}).(url.Values); ok {
				v.Events += "?" + q.Encode()
			}
		}
	}
	if f, ok := flashes[r.URL.Query().Get("done")]; ok {
		v.Flash = f
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.cfg.Logger.Error("dashboard page failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // the browser went away; nothing to do
}

// flashes are the notes a redirect after a form may show (?done=...);
// fixed texts, never the query's own.
var flashes = map[string]string{
	"confirmed":    "The order is confirmed.",
	"confirm-sent": "Your confirmation is sent. The order's status and timeline follow as soon as it is stored.",
	"sent":         "Your message is posted.",
	"acknowledged": "The alert is acknowledged.",
	"resolved":     "The alert is resolved.",
}

type errorView struct {
	Status  int
	Message string
}

// fail shows an error page with the status. err, when not nil, is logged.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error, status int, msg string) {
	if err != nil {
		s.cfg.Logger.Error("dashboard request failed", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, sessionOf(r.Context()), status, "error", http.StatusText(status), errorView{Status: status, Message: msg})
}

// apiFailed answers an API call that did not give a 2xx: a refused token
// ends the session; 403 and 404 are passed on; anything else is a 502
// with the API's message.
func (s *server) apiFailed(w http.ResponseWriter, r *http.Request, res apiResponse, what string) {
	switch res.Status {
	case http.StatusUnauthorized:
		s.endSession(w, r)
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		s.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended. Log in again.")
	case http.StatusForbidden:
		s.fail(w, r, nil, http.StatusForbidden, "You may not see or do this: "+what+".")
	case http.StatusNotFound:
		s.fail(w, r, nil, http.StatusNotFound, "Not found: "+what+".")
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusTooManyRequests:
		s.fail(w, r, nil, res.Status, res.Message())
	default:
		s.fail(w, r, nil, http.StatusBadGateway, fmt.Sprintf("The API could not answer (%d %s): %s.", res.Status, http.StatusText(res.Status), what))
	}
}

// mainLine is the normal course of an order (lifecycle.States lists it
// first, then needs_review, rejected and cancelled).
var mainLine = func() []lifecycle.State {
	var out []lifecycle.State
	for _, st := range lifecycle.States() {
		if st != lifecycle.StateNeedsReview && st != lifecycle.StateRejected && st != lifecycle.StateCancelled {
			out = append(out, st)
		}
	}
	return out
}()

// progressOf is how far along the main line an order is: 0 for draft to
// len(mainLine)-1 for closed; needs_review counts as submitted; rejected,
// cancelled and unknown states are 0.
func progressOf(status string) int {
	st := lifecycle.State(status)
	if st == lifecycle.StateNeedsReview {
		st = lifecycle.StateSubmitted
	}
	return max(slices.Index(mainLine, st), 0)
}

// badgeClass is the CSS class of a status badge: one per known state.
func badgeClass(status string) string { return "badge " + stateClass(status) }

// stateClass is the class of a state's colour: st-in-transit, st-unknown.
func stateClass(status string) string {
	if lifecycle.State(status).Valid() {
		return "st-" + strings.ReplaceAll(status, "_", "-")
	}
	return "st-unknown"
}

func orderURL(number, buyer string) string {
	u := "/ui/orders/" + url.PathEscape(number)
	if buyer != "" {
		u += "?" + url.Values{"buyer": {buyer}}.Encode()
	}
	return u
}

// canConfirm: a supplier may confirm a submitted order; the API decides
// whether it is its own.
func canConfirm(p auth.Principal, o api.Order) bool {
	return o.Status == string(lifecycle.StateSubmitted) && p.Has(auth.RoleSupplier) && p.CanWrite()
}

// writer reports whether p may write at all: a credential that may, and a
// role besides viewer. Buttons follow it; the API decides.
func writer(p auth.Principal) bool {
	if !p.CanWrite() {
		return false
	}
	for _, r := range p.Roles {
		if r != auth.RoleViewer {
			return true
		}
	}
	return false
}

type orderRow struct {
	Number, BuyerID, BuyerName, SupplierID, SupplierName string
	Status, Requested                                    string
	CanConfirm                                           bool
}

type ordersView struct {
	Status   string
	Statuses []lifecycle.State
	Orders   []orderRow
	Next     string // the next page's URL
	KPI      kpis
	// SFTP is the hosted SFTP inbox partners drop files on, when the hub
	// runs one: its address and host key fingerprints to check.
	SFTP *api.SFTPInfo
}

// ordersPage is /ui/: KPI tiles and the orders table, filtered by status,
// paged by the API's cursor.
func (s *server) ordersPage(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	status := r.URL.Query().Get("status")
	if status != "" && !lifecycle.State(status).Valid() {
		status = ""
	}
	q := url.Values{"limit": {"50"}}
	if status != "" {
		q.Set("status", status)
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var list api.OrderList
	res, err := s.getJSON(ctx, sess, "/api/v1/orders", q, &list)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The orders could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "the orders")
		return
	}
	v := ordersView{Status: status, Statuses: lifecycle.States()}
	for _, o := range list.Orders {
		v.Orders = append(v.Orders, rowOf(sess.principal, o))
	}
	if list.NextCursor != "" {
		nq := url.Values{"cursor": {list.NextCursor}}
		if status != "" {
			nq.Set("status", status)
		}
		v.Next = "/ui/?" + nq.Encode()
	}
	v.KPI = s.kpisOf(ctx, sess)
	var info api.SFTPInfo
	if res, err := s.getJSON(ctx, sess, "/api/v1/sftp", nil, &info); err == nil && res.Status == http.StatusOK {
		v.SFTP = &info
	}
	s.render(w, r, sess, http.StatusOK, "orders", "Orders", v)
}

func rowOf(p auth.Principal, o api.Order) orderRow {
	row := orderRow{Number: o.OrderNumber, BuyerID: o.Buyer.ID, BuyerName: o.Buyer.Name, SupplierID: o.Supplier.ID,
		SupplierName: o.Supplier.Name, Status: o.Status, CanConfirm: canConfirm(p, o)}
	if !o.RequestedDeliveryDate.IsZero() {
		row.Requested = o.RequestedDeliveryDate.String()
	}
	return row
}

type orderView struct {
	Order      api.Order
	Buyer      string
	State      string
	CanConfirm bool
	// Timeline is nil when the API has no timeline for the order.
	Timeline *api.OrderTimeline
	// Documents and Messages are shown when their endpoint answered 200
	// (the API serves them, and to this user); else the section is hidden.
	Documents                   []api.Document
	Messages                    []api.Message
	ShowDocuments, ShowMessages bool
	CanPost                     bool // the user may write (not a viewer)
}

// orderPage is /ui/orders/{number}: the order, its lines, its timeline,
// and its documents and messages when those endpoints answer.
func (s *server) orderPage(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	number := r.PathValue("number")
	buyer := r.URL.Query().Get("buyer")
	q := url.Values{}
	if buyer != "" {
		q.Set("buyer", buyer)
	}
	var o api.Order
	res, err := s.getJSON(ctx, sess, orderPath(number, ""), q, &o)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The order could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "order "+strconv.Quote(number))
		return
	}
	v := orderView{Order: o, Buyer: buyer, State: o.Status, CanConfirm: canConfirm(sess.principal, o)}
	var tl api.OrderTimeline
	if res, err := s.getJSON(ctx, sess, orderPath(number, "timeline"), q, &tl); err == nil && res.Status == http.StatusOK {
		v.Timeline = &tl
		if tl.State != "" {
			v.State = string(tl.State)
		}
	} else if err != nil {
		s.cfg.Logger.Warn("dashboard: order timeline unreadable", "order_id", number, "err", err)
	}
	var docs api.DocumentList
	if res, err := s.getJSON(ctx, sess, orderPath(number, "documents"), q, &docs); err == nil && res.Status == http.StatusOK {
		v.Documents, v.ShowDocuments = docs.Documents, true
	}
	var msgs api.MessageList
	mq := url.Values{"limit": {"200"}}
	if buyer != "" {
		mq.Set("buyer", buyer)
	}
	if res, err := s.getJSON(ctx, sess, orderPath(number, "messages"), mq, &msgs); err == nil && res.Status == http.StatusOK {
		v.Messages, v.ShowMessages = msgs.Messages, true
	}
	v.CanPost = writer(sess.principal)
	s.render(w, r, sess, http.StatusOK, "order", "Order "+number, v)
}

// confirm posts a supplier's confirmation to the API and goes back to
// the order.
func (s *server) confirm(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	number := r.PathValue("number")
	q := url.Values{}
	if b := r.PostForm.Get("buyer"); b != "" {
		q.Set("buyer", b)
	}
	res, err := s.callKeyed(ctx, sess, http.MethodPost, orderPath(number, "confirm"), q, map[string]string{}, r.PostForm.Get("key"))
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The confirmation could not be sent.")
		return
	}
	if !res.OK() {
		s.apiFailed(w, r, res, "confirm order "+strconv.Quote(number))
		return
	}
	s.cfg.Logger.Info("dashboard: order confirmed", "order_id", number, "party", sess.principal.PartyID, "user", sess.principal.UserID)
	done := "confirmed"
	if res.Status == http.StatusAccepted { // published; the status follows once stored
		done = "confirm-sent"
	}
	http.Redirect(w, r, withDone(orderURL(number, q.Get("buyer")), done), http.StatusSeeOther)
}

func withDone(u, done string) string {
	if strings.Contains(u, "?") {
		return u + "&done=" + done
	}
	return u + "?done=" + done
}

// postMessage posts a message on the order's thread, as the user.
func (s *server) postMessage(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	number := r.PathValue("number")
	q := url.Values{}
	if b := r.PostForm.Get("buyer"); b != "" {
		q.Set("buyer", b)
	}
	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" {
		s.fail(w, r, nil, http.StatusBadRequest, "The message is empty.")
		return
	}
	res, err := s.callKeyed(ctx, sess, http.MethodPost, orderPath(number, "messages"), q, api.MessageRequest{Text: text}, r.PostForm.Get("key"))
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The message could not be sent.")
		return
	}
	if !res.OK() {
		s.apiFailed(w, r, res, "post on order "+strconv.Quote(number))
		return
	}
	http.Redirect(w, r, withDone(orderURL(number, q.Get("buyer")), "sent")+"#messages", http.StatusSeeOther)
}

// document downloads one of the order's documents through the API, as an
// attachment of the media type the API sniffed.
func (s *server) document(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	number, id := r.PathValue("number"), r.PathValue("id")
	q := url.Values{}
	if b := r.URL.Query().Get("buyer"); b != "" {
		q.Set("buyer", b)
	}
	res, err := s.call(ctx, sess, http.MethodGet, orderPath(number, "documents/"+url.PathEscape(id)), q, nil)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The document could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "document "+strconv.Quote(id)+" of order "+strconv.Quote(number))
		return
	}
	h := w.Header()
	h.Set("Content-Type", cmpOr(res.Header.Get("Content-Type"), "application/octet-stream"))
	h.Set("Content-Disposition", cmpOr(res.Header.Get("Content-Disposition"), "attachment"))
	h.Set("Content-Length", strconv.Itoa(len(res.Body)))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Body) // the browser went away; nothing to do
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type alertsView struct {
	Status   string
	Statuses []string
	Alerts   []api.Alert
	Next     string
}

// alertsPage is /ui/alerts: the alerts the user may see, open ones first
// by default, with acknowledge and resolve buttons.
func (s *server) alertsPage(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	status := r.URL.Query().Get("status")
	statuses := []string{"open", "acknowledged", "resolved"}
	if status == "" {
		status = "open"
	}
	q := url.Values{"limit": {"100"}}
	if slices.Contains(statuses, status) {
		q.Set("status", status)
	} else {
		status = "all"
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var list api.AlertList
	res, err := s.getJSON(ctx, sess, "/api/v1/alerts", q, &list)
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The alerts could not be read.")
		return
	}
	if res.Status != http.StatusOK {
		s.apiFailed(w, r, res, "the alerts")
		return
	}
	v := alertsView{Status: status, Statuses: append(statuses, "all"), Alerts: list.Alerts}
	if list.NextCursor != "" {
		v.Next = "/ui/alerts?" + url.Values{"status": {status}, "cursor": {list.NextCursor}}.Encode()
	}
	s.render(w, r, sess, http.StatusOK, "alerts", "Alerts", v)
}

// alertAction posts acknowledge or resolve to the API, as the user.
func (s *server) alertAction(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), sessionOf(r.Context())
	id, action := r.PathValue("id"), r.PathValue("action")
	done := map[string]string{"acknowledge": "acknowledged", "resolve": "resolved"}[action]
	if done == "" {
		s.fail(w, r, nil, http.StatusNotFound, "There is no such action.")
		return
	}
	by := sess.principal.UserID
	if by == "" {
		by = sess.principal.PartyID
	}
	res, err := s.call(ctx, sess, http.MethodPost, "/api/v1/alerts/"+url.PathEscape(id)+"/"+action, nil, api.StatusChange{By: by})
	if err != nil {
		s.fail(w, r, err, http.StatusBadGateway, "The alert could not be changed.")
		return
	}
	if !res.OK() {
		s.apiFailed(w, r, res, action+" alert "+strconv.Quote(id))
		return
	}
	http.Redirect(w, r, "/ui/alerts?done="+done, http.StatusSeeOther)
}

func itoa(n int) string { return strconv.Itoa(n) }
