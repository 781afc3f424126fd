package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// Schema is a JSON Schema fragment of the OpenAPI document.
type Schema map[string]any

// canonicalRef refers to the published JSON Schema of a canonical type
// (docs/schemas/<type>.v<N>.json, beside docs/openapi.json).
func canonicalRef(typ string) Schema {
	for _, s := range canonical.Schemas() {
		if s.Type == typ {
			return Schema{"$ref": "schemas/" + s.Type + ".v" + itoa(s.Version) + ".json"}
		}
	}
	return Schema{"type": "object", "description": "canonical " + typ}
}

// arrayOf is a JSON array of items.
func arrayOf(items Schema) Schema { return Schema{"type": "array", "items": items} }

// pageOf is a page of a list: the items under key, and next_cursor while
// there are more.
func pageOf(key string, item Schema) Schema {
	return Schema{"type": "object", "required": []string{key}, "properties": map[string]any{
		key: arrayOf(item), "next_cursor": Schema{"type": "string"}}}
}

// objectOf is a JSON object with one required property.
func objectOf(name string, v Schema) Schema {
	return Schema{"type": "object", "required": []string{name}, "properties": map[string]any{name: v}}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// publicRoute is an endpoint outside the table: no bearer token.
type publicRoute struct {
	method, path, summary string
}

// publicRoutes are the endpoints the router serves outside /api/v1 under
// cfg; all of them when all is true (the document under docs/).
func publicRoutes(cfg Config, all bool) []publicRoute {
	rs := []publicRoute{
		{http.MethodGet, "/healthz", "The process is up."},
		{http.MethodGet, "/readyz", "The store, the broker and the other checks answer."},
		{http.MethodGet, "/api/openapi.json", "This document."},
	}
	if all || cfg.Gatherer != nil {
		rs = append(rs, publicRoute{http.MethodGet, "/metrics", "Prometheus metrics."})
	}
	if all || cfg.Webhooks != nil {
		rs = append(rs, publicRoute{http.MethodPost, "/webhooks/tracking/{name}", "A carrier's signed tracking delivery (the signature is its authentication)."})
	}
	return rs
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// openAPIDocument builds the OpenAPI 3.1 document of the routes: the
// enabled ones, or all of them when all is true.
func openAPIDocument(table []Route, public []publicRoute, all bool) ([]byte, error) {
	paths := map[string]map[string]any{}
	op := func(method, path string) map[string]any {
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		o := map[string]any{}
		paths[path][strings.ToLower(method)] = o
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": Schema{"type": "string"}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		return o
	}
	for _, p := range public {
		o := op(p.method, p.path)
		o["summary"] = p.summary
		o["security"] = []any{}
		o["responses"] = map[string]any{"200": map[string]any{"description": "OK"}}
	}
	errorResp := func(d string) map[string]any {
		return map[string]any{"description": d, "content": map[string]any{"application/json": map[string]any{"schema": Schema{"$ref": "#/components/schemas/Error"}}}}
	}
	for _, rt := range table {
		if !rt.Enabled && !all {
			continue
		}
		path := apiPrefix + rt.Pattern
		o := op(rt.Method, path)
		o["operationId"] = operationID(rt)
		o["summary"] = rt.Summary
		params, _ := o["parameters"].([]any)
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": Schema{"type": "string"}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		roles := []string{"admin"}
		for _, r := range rt.Roles {
			roles = append(roles, string(r))
		}
		o["x-procurehub-policy"] = map[string]any{"roles": roles, "write": rt.Write, "scope": rt.Scope}
		if rt.Request != nil || (rt.Write && rt.Method != http.MethodDelete) {
			body := rt.Request
			if body == nil {
				body = Schema{"type": "object"}
			}
			o["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": body}}}
		}
		ok := map[string]any{"description": "OK"}
		if rt.Method != http.MethodDelete {
			resp := rt.Response
			if resp == nil {
				resp = Schema{"type": "object"}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": resp}}
		}
		code := "200"
		switch {
		case rt.Method == http.MethodDelete:
			code = "204"
		case rt.Write && rt.Method == http.MethodPost:
			code = "2XX"
		}
		o["responses"] = map[string]any{
			code:  ok,
			"400": errorResp("The request is malformed."),
			"401": errorResp("No valid bearer token."),
			"403": errorResp("The caller's roles or party may not do this."),
			"404": errorResp("Not found, or not visible to the caller's party."),
		}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "procurehub API",
			"version":     "v1",
			"description": "Every /api/v1 route names who may call it in x-procurehub-policy: its roles (an admin always may), whether it writes (audited), and its party scope.",
		},
		"security": []any{map[string]any{"bearer": []string{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Error": Schema{
				"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": Schema{"type": "object", "properties": map[string]any{
					"code": Schema{"type": "string"}, "message": Schema{"type": "string"}}}},
			}},
		},
		"paths": paths,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// operationID names an operation from its route: "GET /orders/{order_number}/timeline" is getOrdersOrderNumberTimeline.
func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.FieldsFunc(rt.Pattern, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// OpenAPI returns the OpenAPI 3.1 document of every endpoint procurehub
// can serve, each feature configured: what make docs writes to
// docs/openapi.json. GET /api/openapi.json serves the document of the
// endpoints a running hub has.
func OpenAPI() ([]byte, error) {
	s := &server{}
	return openAPIDocument(s.table(), publicRoutes(Config{}, true), true)
}

// openAPI answers GET /api/openapi.json.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := openAPIDocument(s.table(), publicRoutes(s.cfg, false), false)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
