package web

// The browser package is imported as headless: web_test.go has its own
// browser (an HTTP client with cookies).
import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	headless "github.com/procurehub/procurehub/internal/testserver/browser"
)

// The dashboard in headless Chromium, driven over the DevTools protocol:
// a supplier logs in, sees only its orders, confirms one, sees the
// timeline change, sees another order change live (server-sent events)
// without reloading, and acknowledges its alert. Screenshots are saved as artifacts under
// $PROCUREHUB_ARTIFACTS/<test name> (or the test's temp dir) and their paths
// logged.
//
// Chromium is Debian's package "chromium" ($PROCUREHUB_CHROMIUM names
// another binary). Without it the test skips, unless
// PROCUREHUB_REQUIRE_INTEGRATION=1.
func TestASupplierConfirmsAnOrderInTheBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	h := newHub(t)
	mux := http.NewServeMux()
	mux.Handle("/ui/", h.dashboard(t, func(c *Config) { c.PollEvery = 500 * time.Millisecond }))
	mux.Handle("/", h.api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after chromium is gone: its event stream keeps a connection open

	page := headless.Start(ctx, t)
	shot := func(name string) {
		t.Helper()
		page.Screenshot(ctx, t, name)
	}

	// 1. Log in with supplier S1's token.
	page.Navigate(ctx, t, srv.URL+"/ui/login")
	shot("01-login.png")
	page.Eval(ctx, t, `document.querySelector('#login-token input[name=token]').value = `+headless.JSString(tokenS1)+`;
		document.querySelector('#login-token').requestSubmit(); true`)
	page.WaitFor(ctx, t, `location.pathname === "/ui/" && document.readyState === "complete"`)

	// 2. Only S1's orders.
	var orders []string
	page.EvalInto(ctx, t, `Array.from(document.querySelectorAll("tr[data-order]")).map(r => r.dataset.order).sort()`, &orders)
	if strings.Join(orders, ",") != "PO-S1-1,PO-S1-2" {
		t.Errorf("the supplier sees orders %v; want PO-S1-1 and PO-S1-2 only", orders)
	}
	if text := page.EvalString(ctx, t, `document.body.innerText`); strings.Contains(text, "PO-S2-1") {
		t.Error("the page names the other supplier's order")
	}
	shot("02-orders.png")

	// 3. The order page before: submitted, created.
	page.Navigate(ctx, t, srv.URL+"/ui/orders/PO-S1-1?buyer=ACME-DE")
	if got := page.EvalString(ctx, t, `document.querySelector("#order-state").textContent.trim()`); got != "submitted" {
		t.Errorf("state before %q; want submitted", got)
	}
	before := timeline(ctx, t, page)
	shot("03-order-submitted.png")

	// 4. Confirm: back on the order, confirmed, with the supplier's
	// acceptance on the timeline.
	page.Eval(ctx, t, `document.querySelector("#confirm").click(); true`)
	page.WaitFor(ctx, t, `location.search.includes("done=confirmed") && document.readyState === "complete"`)
	if got := page.EvalString(ctx, t, `document.querySelector("#order-state").textContent.trim()`); got != "confirmed" {
		t.Errorf("state after confirming %q; want confirmed", got)
	}
	after := timeline(ctx, t, page)
	if len(after) != len(before)+1 || after[len(after)-1] != "response_accepted" {
		t.Errorf("timeline %v → %v; want the acceptance added", before, after)
	}
	if got := page.EvalString(ctx, t, `document.querySelector(".flash").textContent.trim()`); got != "The order is confirmed." {
		t.Errorf("flash %q", got)
	}
	if got := h.confirmations(); len(got) != 1 || got[0] != "SUP-S1:PO-S1-1" {
		t.Errorf("the API got confirmations %v; want SUP-S1:PO-S1-1", got)
	}
	shot("04-order-confirmed.png")

	// 5. Live: PO-S1-2 is confirmed elsewhere (another channel); the
	// orders table changes without a reload.
	page.Navigate(ctx, t, srv.URL+"/ui/")
	page.WaitFor(ctx, t, `!document.querySelector("#live").hidden`)
	page.Eval(ctx, t, `window.notReloaded = true; true`)
	if _, err := h.store.SetOrderStatus(ctx, "ACME-DE", "PO-S1-2", "submitted", "confirmed"); err != nil {
		t.Fatal(err)
	}
	h.events.Publish(Event{Kind: "orders", OrderNumber: "PO-S1-2"})
	page.WaitFor(ctx, t, `document.querySelector('tr[data-order="PO-S1-2"] .badge').textContent.trim() === "confirmed"`)
	if got := page.EvalString(ctx, t, `String(window.notReloaded)`); got != "true" {
		t.Error("the page reloaded instead of updating in place")
	}
	shot("05-orders-live.png")

	// 6. The supplier's alert, acknowledged with its button.
	page.Navigate(ctx, t, srv.URL+"/ui/alerts")
	var alerts []string
	page.EvalInto(ctx, t, `Array.from(document.querySelectorAll("tr[data-alert]")).map(r => r.dataset.alert)`, &alerts)
	if strings.Join(alerts, ",") != "al-s1" {
		t.Errorf("alerts %v; want S1's al-s1 only", alerts)
	}
	shot("06-alerts.png")
	page.Eval(ctx, t, `document.querySelector('tr[data-alert="al-s1"] form[action$="/acknowledge"] button').click(); true`)
	page.WaitFor(ctx, t, `location.search.includes("done=acknowledged") && document.readyState === "complete"`)
	if a, err := h.store.GetAlert(ctx, "al-s1"); err != nil || a.Status != "acknowledged" || a.StatusBy != "ana@s1" {
		t.Errorf("alert %+v, %v; want acknowledged by ana@s1", a, err)
	}
}

// timeline is the kinds of the order page's timeline entries.
func timeline(ctx context.Context, t *testing.T, page *headless.Page) []string {
	t.Helper()
	var kinds []string
	page.EvalInto(ctx, t, `Array.from(document.querySelectorAll("#timeline li")).map(li => li.dataset.kind)`, &kinds)
	return kinds
}
