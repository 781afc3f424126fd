package web

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// The dashboard in headless Chromium, driven over the DevTools protocol:
// a supplier logs in, sees only its orders, confirms one, sees the
// timeline change, sees another order change live (server-sent events)
// without reloading, and acknowledges its alert. Screenshots are saved as artifacts under
// $PROCUREHUB_ARTIFACTS/web (or the test's temp dir) and their paths
// logged.
//
// Chromium is Debian's package "chromium" ($PROCUREHUB_CHROMIUM names
// another binary). Without it the test skips, unless
// PROCUREHUB_REQUIRE_INTEGRATION=1.
func TestASupplierConfirmsAnOrderInTheBrowser(t *testing.T) {
	bin := chromiumBinary()
	if bin == "" {
		if os.Getenv("PROCUREHUB_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("chromium is not installed (apt-get install -y --no-install-recommends chromium) and PROCUREHUB_REQUIRE_INTEGRATION=1")
		}
		t.Skip("chromium is not installed; set PROCUREHUB_REQUIRE_INTEGRATION=1 to fail instead")
	}
	artifacts := t.TempDir()
	if dir := os.Getenv("PROCUREHUB_ARTIFACTS"); dir != "" {
		artifacts = filepath.Join(dir, "web")
		if err := os.MkdirAll(artifacts, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()

	h := newHub(t)
	mux := http.NewServeMux()
	mux.Handle("/ui/", h.dashboard(t, func(c *Config) { c.PollEvery = 500 * time.Millisecond }))
	mux.Handle("/", h.api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after chromium is gone: its event stream keeps a connection open

	page := startChromium(ctx, t, bin)
	shot := func(name string) {
		t.Helper()
		var res struct {
			Data string `json:"data"`
		}
		if err := page.call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &res); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		png, err := base64.StdEncoding.DecodeString(res.Data)
		if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
			t.Fatalf("screenshot %s is not a PNG (%d bytes, %v)", name, len(png), err)
		}
		path := filepath.Join(artifacts, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}

	// 1. Log in with supplier S1's token.
	page.navigate(ctx, t, srv.URL+"/ui/login")
	shot("01-login.png")
	page.eval(ctx, t, `document.querySelector('#login-token input[name=token]').value = `+jsString(tokenS1)+`;
		document.querySelector('#login-token').requestSubmit(); true`)
	page.waitFor(ctx, t, `location.pathname === "/ui/" && document.readyState === "complete"`)

	// 2. Only S1's orders.
	var orders []string
	page.evalInto(ctx, t, `Array.from(document.querySelectorAll("tr[data-order]")).map(r => r.dataset.order).sort()`, &orders)
	if strings.Join(orders, ",") != "PO-S1-1,PO-S1-2" {
		t.Errorf("the supplier sees orders %v; want PO-S1-1 and PO-S1-2 only", orders)
	}
	if text := page.evalString(ctx, t, `document.body.innerText`); strings.Contains(text, "PO-S2-1") {
		t.Error("the page names the other supplier's order")
	}
	shot("02-orders.png")

	// 3. The order page before: submitted, created.
	page.navigate(ctx, t, srv.URL+"/ui/orders/PO-S1-1?buyer=ACME-DE")
	if got := page.evalString(ctx, t, `document.querySelector("#order-state").textContent.trim()`); got != "submitted" {
		t.Errorf("state before %q; want submitted", got)
	}
	before := page.timeline(ctx, t)
	shot("03-order-submitted.png")

	// 4. Confirm: back on the order, confirmed, with the supplier's
	// acceptance on the timeline.
	page.eval(ctx, t, `document.querySelector("#confirm").click(); true`)
	page.waitFor(ctx, t, `location.search.includes("done=confirmed") && document.readyState === "complete"`)
	if got := page.evalString(ctx, t, `document.querySelector("#order-state").textContent.trim()`); got != "confirmed" {
		t.Errorf("state after confirming %q; want confirmed", got)
	}
	after := page.timeline(ctx, t)
	if len(after) != len(before)+1 || after[len(after)-1] != "response_accepted" {
		t.Errorf("timeline %v → %v; want the acceptance added", before, after)
	}
	if got := page.evalString(ctx, t, `document.querySelector(".flash").textContent.trim()`); got != "The order is confirmed." {
		t.Errorf("flash %q", got)
	}
	if got := h.confirmations(); len(got) != 1 || got[0] != "SUP-S1:PO-S1-1" {
		t.Errorf("the API got confirmations %v; want SUP-S1:PO-S1-1", got)
	}
	shot("04-order-confirmed.png")

	// 5. Live: PO-S1-2 is confirmed elsewhere (another channel); the
	// orders table changes without a reload.
	page.navigate(ctx, t, srv.URL+"/ui/")
	page.waitFor(ctx, t, `!document.querySelector("#live").hidden`)
	page.eval(ctx, t, `window.notReloaded = true; true`)
	if _, err := h.store.SetOrderStatus(ctx, "ACME-DE", "PO-S1-2", "submitted", "confirmed"); err != nil {
		t.Fatal(err)
	}
	h.events.Publish(Event{Kind: "orders", OrderNumber: "PO-S1-2"})
	page.waitFor(ctx, t, `document.querySelector('tr[data-order="PO-S1-2"] .badge').textContent.trim() === "confirmed"`)
	if got := page.evalString(ctx, t, `String(window.notReloaded)`); got != "true" {
		t.Error("the page reloaded instead of updating in place")
	}
	shot("05-orders-live.png")

	// 6. The supplier's alert, acknowledged with its button.
	page.navigate(ctx, t, srv.URL+"/ui/alerts")
	var alerts []string
	page.evalInto(ctx, t, `Array.from(document.querySelectorAll("tr[data-alert]")).map(r => r.dataset.alert)`, &alerts)
	if strings.Join(alerts, ",") != "al-s1" {
		t.Errorf("alerts %v; want S1's al-s1 only", alerts)
	}
	shot("06-alerts.png")
	page.eval(ctx, t, `document.querySelector('tr[data-alert="al-s1"] form[action$="/acknowledge"] button').click(); true`)
	page.waitFor(ctx, t, `location.search.includes("done=acknowledged") && document.readyState === "complete"`)
	if a, err := h.store.GetAlert(ctx, "al-s1"); err != nil || a.Status != "acknowledged" || a.StatusBy != "ana@s1" {
		t.Errorf("alert %+v, %v; want acknowledged by ana@s1", a, err)
	}
}

func chromiumBinary() string {
	if b := os.Getenv("PROCUREHUB_CHROMIUM"); b != "" {
		return b
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cdpPage is one page of the browser over the DevTools protocol.
type cdpPage struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpReply
}

type cdpReply struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// startChromium starts headless Chromium on a fresh profile, and returns
// its first page. The browser is killed when the test ends.
func startChromium(ctx context.Context, t *testing.T, bin string) *cdpPage {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
		"--window-size=1280,900", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	var logMu sync.Mutex
	var log strings.Builder
	wsURL := make(chan string, 1)
	go func() { // ends when chromium exits and closes stderr
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			log.WriteString(line + "\n")
			logMu.Unlock()
			if u, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case wsURL <- u:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	var browserURL string
	select {
	case browserURL = <-wsURL:
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("chromium did not open its DevTools port:\n%s", log.String())
	}
	// ws://127.0.0.1:PORT/devtools/browser/ID → the page targets.
	host := strings.TrimPrefix(browserURL, "ws://")
	host = host[:strings.Index(host, "/")]
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/json/list", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("devtools targets: %v", err)
	}
	err = json.NewDecoder(res.Body).Decode(&targets)
	res.Body.Close()
	if err != nil {
		t.Fatalf("devtools targets: %v", err)
	}
	var pageURL string
	for _, tg := range targets {
		if tg.Type == "page" {
			pageURL = tg.WS
			break
		}
	}
	if pageURL == "" {
		t.Fatalf("no page target in %+v", targets)
	}
	ws, err := websocket.Dial(pageURL, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatalf("devtools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 64 << 20
	p := &cdpPage{ws: ws, pending: map[int]chan cdpReply{}}
	go p.read() // ends when the socket closes
	t.Cleanup(func() { ws.Close() })
	if err := p.call(ctx, "Page.enable", nil, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *cdpPage) read() {
	for {
		var r cdpReply
		if err := websocket.JSON.Receive(p.ws, &r); err != nil {
			p.mu.Lock()
			for id, ch := range p.pending {
				ch <- cdpReply{ID: id, Error: &struct {
					Message string `json:"message"`
				}{"devtools connection closed: " + err.Error()}}
				delete(p.pending, id)
			}
			p.mu.Unlock()
			return
		}
		if r.ID == 0 {
			continue // an event
		}
		p.mu.Lock()
		ch := p.pending[r.ID]
		delete(p.pending, r.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// call sends one command and decodes its result into out (when not nil).
func (p *cdpPage) call(ctx context.Context, method string, params any, out any) error {
	p.mu.Lock()
	p.next++
	id := p.next
	ch := make(chan cdpReply, 1)
	p.pending[id] = ch
	p.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	if err := websocket.JSON.Send(p.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// evalInto evaluates a JavaScript expression in the page and decodes its
// value into out.
func (p *cdpPage) evalInto(ctx context.Context, t *testing.T, expr string, out any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := p.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	if res.Exception != nil {
		t.Fatalf("eval %s: %s %s", expr, res.Exception.Text, res.Exception.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			t.Fatalf("eval %s: %v (%s)", expr, err, res.Result.Value)
		}
	}
}

func (p *cdpPage) eval(ctx context.Context, t *testing.T, expr string) {
	t.Helper()
	p.evalInto(ctx, t, expr, nil)
}

func (p *cdpPage) evalString(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	var s string
	p.evalInto(ctx, t, expr, &s)
	return s
}

// waitFor polls a JavaScript condition until it is true (an exception
// counts as false) or 15 s pass.
func (p *cdpPage) waitFor(ctx context.Context, t *testing.T, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	expr := `(() => { try { return !!(` + cond + `); } catch (e) { return false; } })()`
	for {
		var ok bool
		var res struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
		}
		err := p.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
		ok = err == nil && res.Result.Value
		if ok {
			return
		}
		// A navigation destroys the context mid-call: an error here is
		// tried again until the deadline.
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waited 15 s for %s (last error %v)", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// navigate opens url and waits until the page has loaded.
func (p *cdpPage) navigate(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	var res struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.call(ctx, "Page.navigate", map[string]any{"url": url}, &res); err != nil || res.ErrorText != "" {
		t.Fatalf("navigate %s: %v %s", url, err, res.ErrorText)
	}
	p.waitFor(ctx, t, `location.href === `+jsString(url)+` && document.readyState === "complete"`)
}

// timeline is the kinds of the order page's timeline entries.
func (p *cdpPage) timeline(ctx context.Context, t *testing.T) []string {
	t.Helper()
	var kinds []string
	p.evalInto(ctx, t, `Array.from(document.querySelectorAll("#timeline li")).map(li => li.dataset.kind)`, &kinds)
	return kinds
}
