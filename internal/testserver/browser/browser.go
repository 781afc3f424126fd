// Package browser drives headless Chromium for page tests over the
// DevTools protocol: one browser with a fresh profile per Start, stopped
// when the test ends.
//
//	page := browser.Start(ctx, t)
//	page.Navigate(ctx, t, srv.URL+"/ui/login")
//	page.Screenshot(ctx, t, "01-login.png")
//	page.WaitFor(ctx, t, `document.querySelector("#order-state").textContent.trim() === "confirmed"`)
//
// Chromium is Debian's package "chromium" (or chromium-browser,
// google-chrome on PATH); $PROCUREHUB_CHROMIUM names another binary.
// Without one Start skips the test, or fails it when
// PROCUREHUB_REQUIRE_INTEGRATION=1 (CI).
//
// Screenshots are written to $PROCUREHUB_ARTIFACTS/<test name>/ when that
// is set (CI keeps them), else to the test's temporary directory; each
// path is logged.
package browser

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// Environment variables read by Start.
const (
	EnvChromium  = "PROCUREHUB_CHROMIUM"
	EnvArtifacts = "PROCUREHUB_ARTIFACTS"
	EnvRequire   = "PROCUREHUB_REQUIRE_INTEGRATION"
)

// cleared holds the artifact folders Start emptied.
var cleared sync.Map

// WaitTimeout bounds WaitFor and Navigate.
const WaitTimeout = 15 * time.Second

// Binary is the Chromium to run: $PROCUREHUB_CHROMIUM, else the first of
// chromium, chromium-browser and google-chrome on PATH; "" for none.
func Binary() string {
	if b := os.Getenv(EnvChromium); b != "" {
		return b
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// JSString is s as a JavaScript string literal, to splice into an
// expression.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Page is the first page of a headless Chromium, over the DevTools
// protocol. Its methods fail the test they are given on an error; they may
// be called from subtests of the test that started it, one at a time.
type Page struct {
	ws        *websocket.Conn
	artifacts string
	stop      func()

	mu      sync.Mutex
	next    int
	pending map[int]chan reply
	closed  bool
}

type reply struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Start starts headless Chromium on a fresh profile and returns its first
// page. The browser is stopped by Close or when the test ends, whichever
// comes first; register what the page talks to (an httptest server with an
// open event stream) before calling Start, so that it closes after the
// browser.
func Start(ctx context.Context, t testing.TB) *Page {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal("browser: chromium is not installed (apt-get install -y --no-install-recommends chromium) and " + EnvRequire + "=1")
		}
		t.Skip("browser: chromium is not installed; set " + EnvRequire + "=1 to fail instead")
	}
	artifacts := t.TempDir()
	if dir := os.Getenv(EnvArtifacts); dir != "" {
		artifacts = filepath.Join(dir, safeName(t.Name()))
		// The test's screenshots of an earlier run would pass for this
		// run's: the folder is emptied once per test binary.
		if _, again := cleared.LoadOrStore(artifacts, true); !again {
			if err := os.RemoveAll(artifacts); err != nil {
				t.Fatalf("browser: artifacts: %v", err)
			}
		}
		if err := os.MkdirAll(artifacts, 0o755); err != nil {
			t.Fatalf("browser: artifacts: %v", err)
		}
	}
	// The profile is removed after Chromium stopped (cleanups run last
	// registered first), retrying while its last helper processes exit.
	profile, err := os.MkdirTemp("", "procurehub-chromium-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 40 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("browser: profile %s not removed", profile)
	})
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
		"--window-size=1280,900", "about:blank")
	cmd.SysProcAttr = procAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("browser: start %s: %v", bin, err)
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
	p := &Page{artifacts: artifacts, pending: map[int]chan reply{}}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			if p.ws != nil {
				p.ws.Close()
			}
			kill(cmd)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(p.stop)
	var browserURL string
	select {
	case browserURL = <-wsURL:
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("browser: chromium did not open its DevTools port within 30s:\n%s", log.String())
	case <-ctx.Done():
		t.Fatalf("browser: waiting for chromium: %v", ctx.Err())
	}
	// ws://127.0.0.1:PORT/devtools/browser/ID → the page targets.
	host := strings.TrimPrefix(browserURL, "ws://")
	if i := strings.Index(host, "/"); i >= 0 {
		host = host[:i]
	}
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/json/list", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("browser: devtools targets: %v", err)
	}
	err = json.NewDecoder(res.Body).Decode(&targets)
	res.Body.Close()
	if err != nil {
		t.Fatalf("browser: devtools targets: %v", err)
	}
	var pageURL string
	for _, tg := range targets {
		if tg.Type == "page" {
			pageURL = tg.WS
			break
		}
	}
	if pageURL == "" {
		t.Fatalf("browser: no page target in %+v", targets)
	}
	ws, err := websocket.Dial(pageURL, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatalf("browser: devtools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 64 << 20
	p.ws = ws
	go p.read() // ends when the socket closes
	if err := p.Call(ctx, "Page.enable", nil, nil); err != nil {
		t.Fatalf("browser: %v", err)
	}
	return p
}

// Close stops the browser; calling it again, or the test's cleanup after
// it, does nothing.
func (p *Page) Close() { p.stop() }

// ArtifactDir is where Screenshot writes.
func (p *Page) ArtifactDir() string { return p.artifacts }

func (p *Page) read() {
	for {
		var r reply
		if err := websocket.JSON.Receive(p.ws, &r); err != nil {
			p.mu.Lock()
			p.closed = true
			for id, ch := range p.pending {
				ch <- reply{ID: id, Error: &struct {
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

// Call sends one DevTools command and decodes its result into out (when
// not nil).
func (p *Page) Call(ctx context.Context, method string, params any, out any) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("%s: devtools connection closed", method)
	}
	p.next++
	id := p.next
	ch := make(chan reply, 1)
	p.pending[id] = ch
	p.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	if err := websocket.JSON.Send(p.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
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
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// EvalInto evaluates a JavaScript expression in the page (awaiting a
// promise) and decodes its value into out (when not nil).
func (p *Page) EvalInto(ctx context.Context, t testing.TB, expr string, out any) {
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
	if err := p.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res); err != nil {
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

// Eval evaluates a JavaScript expression for its effect.
func (p *Page) Eval(ctx context.Context, t testing.TB, expr string) {
	t.Helper()
	p.EvalInto(ctx, t, expr, nil)
}

// EvalString evaluates a JavaScript expression whose value is a string.
func (p *Page) EvalString(ctx context.Context, t testing.TB, expr string) string {
	t.Helper()
	var s string
	p.EvalInto(ctx, t, expr, &s)
	return s
}

// WaitFor polls a JavaScript condition every 100ms until it is true (an
// exception counts as false) and fails the test after WaitTimeout.
func (p *Page) WaitFor(ctx context.Context, t testing.TB, cond string) {
	t.Helper()
	p.WaitForWithin(ctx, t, cond, WaitTimeout)
}

// WaitForWithin is WaitFor with its own bound.
func (p *Page) WaitForWithin(ctx context.Context, t testing.TB, cond string, within time.Duration) {
	t.Helper()
	if err := p.Poll(ctx, cond, within); err != nil {
		t.Fatal(err)
	}
}

// Poll is WaitForWithin that returns an error instead of failing the test,
// for a caller that wants to say what the page showed instead.
func (p *Page) Poll(ctx context.Context, cond string, within time.Duration) error {
	deadline := time.Now().Add(within)
	expr := `(() => { try { return !!(` + cond + `); } catch (e) { return false; } })()`
	for {
		var res struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
		}
		err := p.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
		if err == nil && res.Result.Value {
			return nil
		}
		// A navigation destroys the context mid-call: an error here is
		// tried again until the deadline.
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("waited %s for %s (last error %v)", within, cond, err)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// Navigate opens url and waits until the page has loaded.
func (p *Page) Navigate(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	var res struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.Call(ctx, "Page.navigate", map[string]any{"url": url}, &res); err != nil || res.ErrorText != "" {
		t.Fatalf("navigate %s: %v %s", url, err, res.ErrorText)
	}
	p.WaitFor(ctx, t, `location.href === `+JSString(url)+` && document.readyState === "complete"`)
}

// Reload loads the page again and waits until the new document has
// loaded.
func (p *Page) Reload(ctx context.Context, t testing.TB) {
	t.Helper()
	p.Eval(ctx, t, `window.__browserBeforeReload = true; true`)
	if err := p.Call(ctx, "Page.reload", map[string]any{"ignoreCache": true}, nil); err != nil {
		t.Fatalf("reload: %v", err)
	}
	p.WaitFor(ctx, t, `window.__browserBeforeReload === undefined && document.readyState === "complete"`)
}

// Screenshot saves the whole page as a PNG named name in the artifact
// directory, logs its path and returns it.
func (p *Page) Screenshot(ctx context.Context, t testing.TB, name string) string {
	t.Helper()
	var res struct {
		Data string `json:"data"`
	}
	if err := p.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &res); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is not a PNG (%d bytes, %v)", name, len(png), err)
	}
	path := filepath.Join(p.artifacts, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
	return path
}

// safeName is a test name as one directory name.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}
