package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAPageLoadsRunsScriptAndIsPhotographed(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>hello</title><p id="p">waiting</p>
<script>setTimeout(function () { document.getElementById("p").textContent = "done"; }, 200);</script>`)
	}))
	t.Cleanup(srv.Close)
	artifacts := t.TempDir()
	t.Setenv(EnvArtifacts, artifacts)

	page := Start(ctx, t)
	page.Navigate(ctx, t, srv.URL+"/")
	if got := page.EvalString(ctx, t, `document.title`); got != "hello" {
		t.Errorf("title %q; want hello", got)
	}
	page.WaitFor(ctx, t, `document.getElementById("p").textContent === "done"`)
	var n int
	page.EvalInto(ctx, t, `Promise.resolve(40 + 2)`, &n)
	if n != 42 {
		t.Errorf("awaited %d; want 42", n)
	}
	page.Eval(ctx, t, `document.getElementById("p").textContent = "changed"; true`)
	page.Reload(ctx, t)
	page.WaitFor(ctx, t, `document.getElementById("p").textContent === "done"`)
	path := page.Screenshot(ctx, t, "page.png")
	if want := filepath.Join(artifacts, "TestAPageLoadsRunsScriptAndIsPhotographed", "page.png"); path != want {
		t.Errorf("screenshot at %s; want %s", path, want)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) < 100 {
		t.Errorf("screenshot: %d bytes, %v", len(b), err)
	}
	page.Close()
	page.Close()
	if err := page.Call(ctx, "Runtime.evaluate", map[string]any{"expression": "1"}, nil); err == nil {
		t.Error("a call after Close succeeded")
	}
}

func TestSafeNameKeepsOneDirectory(t *testing.T) {
	if got := safeName("TestX/a supplier's order"); got != "TestX_a_supplier_s_order" {
		t.Errorf("safeName = %q", got)
	}
}
