package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// NextFunc decides the request for the page after p, which answered req.
// It returns nil when p was the last page. The request it returns is sent
// with the key added by the Client; build it from req (see WithURL) so that
// the method and headers carry over.
type NextFunc func(req *http.Request, p *Page) (*http.Request, error)

// Pages walks the pages from req on: each page is yielded with a nil error;
// the first error (from Do, from next, a loop or the MaxPages cap) is
// yielded with a nil page and ends the walk. A next URL fetched before is
// an error wrapping ErrPageLoop. Stopping the range early is fine.
func (c *Client) Pages(ctx context.Context, req *http.Request, next NextFunc) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		seen := make(map[string]bool)
		for n := 1; req != nil; n++ {
			key := method(req) + " " + req.URL.String()
			if seen[key] {
				yield(nil, fmt.Errorf("httpapi: %s: page %d: %w: %s fetched before", c.cfg.Carrier, n, ErrPageLoop, c.cfg.Auth.redactURL(req.URL)))
				return
			}
			if n > c.cfg.MaxPages {
				yield(nil, fmt.Errorf("httpapi: %s: %w: more than %d", c.cfg.Carrier, ErrTooManyPages, c.cfg.MaxPages))
				return
			}
			seen[key] = true
			p, err := c.Do(ctx, req)
			if err != nil {
				yield(nil, err)
				return
			}
			p.Number = n
			if !yield(p, nil) {
				return
			}
			if req, err = next(req, p); err != nil {
				yield(nil, fmt.Errorf("httpapi: %s: after page %d: %w", c.cfg.Carrier, n, err))
				return
			}
		}
	}
}

// WithURL returns a copy of req aimed at u, with the same method and
// headers. The Client takes a request body from req.GetBody when set (as
// http.NewRequest does for the usual body types), so a POST can be paged.
func WithURL(req *http.Request, u *url.URL) *http.Request {
	r := req.Clone(req.Context())
	r.URL = u
	r.Host = ""
	return r
}

// LinkHeader follows an RFC 8288 (RFC 5988) Link header with rel="next",
// resolved against the page URL; none ends the walk.
func LinkHeader() NextFunc {
	return func(req *http.Request, p *Page) (*http.Request, error) {
		for _, v := range p.Header.Values("Link") {
			for _, l := range parseLinks(v) {
				if !l.has("next") {
					continue
				}
				u, err := p.URL.Parse(l.target)
				if err != nil {
					return nil, fmt.Errorf("link header: next URL does not parse")
				}
				return WithURL(req, u), nil
			}
		}
		return nil, nil
	}
}

type link struct {
	target string
	rels   []string
}

func (l link) has(rel string) bool {
	for _, r := range l.rels {
		if strings.EqualFold(r, rel) {
			return true
		}
	}
	return false
}

// parseLinks reads `<url>; rel="next"; title="x", <url2>; rel=last`.
// Malformed entries are skipped.
func parseLinks(v string) []link {
	var out []link
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		v = v[i+1:]
		j := strings.IndexByte(v, '>')
		if j < 0 {
			return out
		}
		l := link{target: strings.TrimSpace(v[:j])}
		v = v[j+1:]
		// Parameters run to the next comma outside quotes.
		end, quoted := len(v), false
		for k := 0; k < len(v); k++ {
			if v[k] == '"' {
				quoted = !quoted
			} else if v[k] == ',' && !quoted {
				end = k
				break
			}
		}
		for _, param := range strings.Split(v[:end], ";") {
			name, val, ok := strings.Cut(param, "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
				continue
			}
			l.rels = append(l.rels, strings.Fields(strings.Trim(strings.TrimSpace(val), `"`))...)
		}
		out = append(out, l)
		v = v[end:]
	}
}

// Cursor reads the value at path (dotted, e.g. "meta.next_cursor") in the
// JSON body. Missing, null, "" or false ends the walk. A value that is an
// absolute URL or starts with "/" is followed as is (resolved against the
// page URL); any other value is put in query parameter param of req.
func Cursor(path, param string) NextFunc {
	return func(req *http.Request, p *Page) (*http.Request, error) {
		v, ok, err := lookupBody(p.Body, path)
		if err != nil || !ok {
			return nil, err
		}
		var s string
		switch t := v.(type) {
		case nil:
			return nil, nil
		case bool:
			if !t {
				return nil, nil
			}
			return nil, fmt.Errorf("cursor at %q is true, not a cursor", path)
		case string:
			s = t
		case json.Number:
			s = t.String()
		default:
			return nil, fmt.Errorf("cursor at %q is a %s, not a string or number", path, kind(v))
		}
		if s == "" {
			return nil, nil
		}
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") {
			u, err := p.URL.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("cursor at %q: URL does not parse", path)
			}
			return WithURL(req, u), nil
		}
		if param == "" {
			return nil, fmt.Errorf("cursor at %q is a token but no query parameter is configured", path)
		}
		return WithURL(req, withQuery(req.URL, param, s)), nil
	}
}

// PageNumbering describes page-number pagination.
type PageNumbering struct {
	// Param is the query parameter, "page" when empty.
	Param string
	// First is the number of the first page, 1 when zero. A request
	// without Param is taken as page First.
	First int
	// ItemsPath is the dotted path of the array of items; an empty array
	// ends the walk, and a missing one is an error. Optional when
	// TotalPagesPath is set.
	ItemsPath string
	// TotalPagesPath is the dotted path of the number of pages; the walk
	// ends after that page. Optional when ItemsPath is set.
	TotalPagesPath string
}

// PageNumber asks for page First, First+1, … until the items array is
// empty or the total-pages field says the last page was reached.
func PageNumber(pn PageNumbering) NextFunc {
	if pn.Param == "" {
		pn.Param = "page"
	}
	if pn.First == 0 {
		pn.First = 1
	}
	return func(req *http.Request, p *Page) (*http.Request, error) {
		if pn.ItemsPath == "" && pn.TotalPagesPath == "" {
			return nil, errors.New("page numbering: neither items path nor total-pages path is set")
		}
		cur := pn.First
		if s := req.URL.Query().Get(pn.Param); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("page numbering: %s=%q is not a number", pn.Param, s)
			}
			cur = n
		}
		if pn.TotalPagesPath != "" {
			v, ok, err := lookupBody(p.Body, pn.TotalPagesPath)
			if err != nil {
				return nil, err
			}
			if ok && v != nil {
				num, isNum := v.(json.Number)
				total, err := strconv.Atoi(string(num))
				if !isNum || err != nil {
					return nil, fmt.Errorf("page numbering: total pages at %q is not a whole number", pn.TotalPagesPath)
				}
				if cur-pn.First+1 >= total {
					return nil, nil
				}
			}
		}
		if pn.ItemsPath != "" {
			v, ok, err := lookupBody(p.Body, pn.ItemsPath)
			if err != nil {
				return nil, err
			}
			items, isArr := v.([]any)
			if !ok || !isArr {
				return nil, fmt.Errorf("page numbering: no array at %q", pn.ItemsPath)
			}
			if len(items) == 0 {
				return nil, nil
			}
		}
		return WithURL(req, withQuery(req.URL, pn.Param, strconv.Itoa(cur+1))), nil
	}
}

func withQuery(u *url.URL, k, v string) *url.URL {
	c := *u
	q := c.Query()
	q.Set(k, v)
	c.RawQuery = q.Encode()
	return &c
}

// lookupBody decodes body as JSON and returns the value at path.
func lookupBody(body []byte, path string) (any, bool, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false, fmt.Errorf("body is not JSON: %w", err)
	}
	got, ok := Lookup(v, path)
	return got, ok, nil
}

// Lookup returns the value at a dotted path ("meta.next_cursor",
// "data.0.id": a number indexes an array) in v as decoded by encoding/json.
// An empty path is v itself.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, key := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[key]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
