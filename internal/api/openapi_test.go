package api

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// openAPIDoc is the part of an OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                               `json:"openapi"`
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		SecuritySchemes map[string]map[string]string `json:"securitySchemes"`
	} `json:"components"`
}

// operations lists a document's "METHOD path", sorted.
func (d openAPIDoc) operations() []string {
	var out []string
	for path, ops := range d.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// routesOf lists what a router serves as "METHOD path", sorted.
func routesOf(t *testing.T, h http.Handler) []string {
	t.Helper()
	var out []string
	if err := chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, method+" "+route)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestTheServedOpenAPIDocumentNamesExactlyTheRoutesServed(t *testing.T) {
	hub := newMatrixHub(t)
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"every feature on, authentication on", hub.h},
		{"orders only, metrics and webhooks, authentication off", Handler(Config{Orders: hub.st, Gatherer: prometheus.NewRegistry(),
			Webhooks: func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(http.StatusNoContent) }})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := (&matrixHub{h: tc.h}).call(http.MethodGet, "/api/openapi.json", "", "")
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("GET /api/openapi.json without a token: %d %s", rec.Code, rec.Header().Get("Content-Type"))
			}
			var doc openAPIDoc
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := doc.operations(), routesOf(t, tc.h); !slices.Equal(got, want) {
				t.Errorf("the document's operations differ from the router's routes\ndocument: %v\nrouter:   %v", got, want)
			}
		})
	}
}

func TestTheOpenAPIDocumentSaysWhoMayCallEachRoute(t *testing.T) {
	b, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Components.SecuritySchemes["bearer"]["scheme"] != "bearer" {
		t.Errorf("openapi %q, security schemes %v; want 3.1.0 with a bearer scheme", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
	ops := doc.operations()
	for _, rt := range (&server{}).table() {
		if !slices.Contains(ops, rt.Key()) {
			t.Errorf("docs/openapi.json lacks %s", rt.Key())
			continue
		}
		op := doc.Paths[apiPrefix+rt.Pattern][strings.ToLower(rt.Method)]
		policy, _ := op["x-procurehub-policy"].(map[string]any)
		roles, _ := policy["roles"].([]any)
		if len(roles) != len(rt.Roles)+1 || roles[0] != "admin" || policy["write"] != rt.Write || policy["scope"] != string(rt.Scope) {
			t.Errorf("%s: policy %v; want admin and %v, write %v, scope %s", rt.Key(), policy, rt.Roles, rt.Write, rt.Scope)
		}
		responses, _ := op["responses"].(map[string]any)
		for _, code := range []string{"401", "403", "404"} {
			if responses[code] == nil {
				t.Errorf("%s documents no %s", rt.Key(), code)
			}
		}
	}
	for _, public := range []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/openapi.json", "POST /webhooks/tracking/{name}"} {
		if !slices.Contains(ops, public) {
			t.Errorf("docs/openapi.json lacks %s", public)
			continue
		}
		f := strings.SplitN(public, " ", 2)
		if sec, ok := doc.Paths[f[1]][strings.ToLower(f[0])]["security"].([]any); !ok || len(sec) != 0 {
			t.Errorf("%s needs no bearer token; its security is %v", public, doc.Paths[f[1]][strings.ToLower(f[0])]["security"])
		}
	}
	// Every schema the document refers to is a file beside it.
	for _, ref := range refsIn(string(b)) {
		if _, err := os.Stat(filepath.Join("..", "..", "docs", ref)); err != nil {
			t.Errorf("the document refers to %s, which docs/ does not hold", ref)
		}
	}
	if len(refsIn(string(b))) == 0 {
		t.Error("the document refers to no canonical schema")
	}
}

// refsIn finds the "$ref"s to files (not to #/components) in a document.
func refsIn(doc string) []string {
	var out []string
	for _, part := range strings.Split(doc, `"$ref": "`)[1:] {
		ref := part[:strings.IndexByte(part, '"')]
		if !strings.HasPrefix(ref, "#") && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}
