package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// walk collects the bodies of a Pages walk and its error.
func walk(t *testing.T, c *Client, rawURL string, next NextFunc) ([]string, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for p, err := range c.Pages(context.Background(), req, next) {
		if err != nil {
			return bodies, err
		}
		if p.Number != len(bodies)+1 {
			t.Errorf("page %d numbered %d", len(bodies)+1, p.Number)
		}
		bodies = append(bodies, string(p.Body))
	}
	return bodies, nil
}

func TestLinkHeader(t *testing.T) {
	t.Run("link header pagination follows next until none", func(t *testing.T) {
		var keys recorder
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			keys.add(r.URL.Query().Get("api_key"))
			switch r.URL.Query().Get("page") {
			case "":
				w.Header().Set("Link", `</shipments?page=2>; rel="next", </shipments?page=3>; rel="last"`)
				fmt.Fprint(w, "one")
			case "2":
				w.Header().Add("Link", `<`+srv.URL+`/shipments?page=1>; rel="prev first"`)
				w.Header().Add("Link", `<`+srv.URL+`/shipments?page=3>; rel=next`)
				fmt.Fprint(w, "two")
			case "3":
				w.Header().Set("Link", `</shipments?page=2>; rel="prev"`)
				fmt.Fprint(w, "three")
			}
		}))
		defer srv.Close()
		c, _ := newClient(t, func(c *Config) { c.Auth = QueryAuth("api_key", testKey) })
		got, err := walk(t, c, srv.URL+"/shipments", LinkHeader())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[one two three]" {
			t.Errorf("pages = %v", got)
		}
		if fmt.Sprint(keys.list()) != fmt.Sprint([]string{testKey, testKey, testKey}) {
			t.Errorf("keys sent = %d, want the key on every page", len(keys.list()))
		}
	})

	t.Run("an error on a later page ends the walk with it", func(t *testing.T) {
		_, srv := newScript(t,
			answer{status: 200, header: map[string]string{"Link": `</p2>; rel="next"`}, body: "one"},
			answer{status: 404})
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL, LinkHeader())
		var se *StatusError
		if len(got) != 1 || !errors.As(err, &se) || se.StatusCode != 404 {
			t.Errorf("pages %v, err %v; want one page then the 404", got, err)
		}
	})

	t.Run("a next link back to a fetched page stops with an error", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200, header: map[string]string{"Link": `</a>; rel="next"`}})
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL+"/a", LinkHeader())
		if !errors.Is(err, ErrPageLoop) || len(got) != 1 {
			t.Errorf("pages %d, err %v; want 1 page and ErrPageLoop", len(got), err)
		}
	})
}

func TestParseLinks(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []link
	}{
		{"one link", `<https://a/x?p=2>; rel="next"`, []link{{"https://a/x?p=2", []string{"next"}}}},
		{"a comma inside the URL", `<https://a/x?ids=1,2>; rel=next, <https://a/x?p=9>; rel="last"`,
			[]link{{"https://a/x?ids=1,2", []string{"next"}}, {"https://a/x?p=9", []string{"last"}}}},
		{"several relations and a quoted comma", `</p1>; title="a, b"; rel="prev first"`, []link{{"/p1", []string{"prev", "first"}}}},
		{"no relation", `</p1>; title=x`, []link{{"/p1", nil}}},
		{"garbage", `rel="next"`, nil},
		{"an unclosed bracket", `<https://a/x; rel="next"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseLinks(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseLinks(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	t.Run("a cursor token at a dotted path is sent as a query parameter until it is null", func(t *testing.T) {
		var cursors recorder
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := r.URL.Query().Get("cursor")
			cursors.add(c)
			if r.URL.Query().Get("slug") != "maersk" {
				t.Errorf("lost the other parameters: %s", r.URL)
			}
			next := map[string]any{"": "c2", "c2": "c3", "c3": nil}[c]
			_ = json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"next_cursor": next}, "page": c})
		}))
		defer srv.Close()
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL+"/v1/events?slug=maersk", Cursor("meta.next_cursor", "cursor"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || fmt.Sprint(cursors.list()) != "[ c2 c3]" {
			t.Errorf("%d pages, cursors sent %q", len(got), cursors.list())
		}
	})

	t.Run("a cursor that is a URL is followed as is", func(t *testing.T) {
		var paths recorder
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths.add(r.URL.RequestURI())
			switch r.URL.Path {
			case "/trackers":
				fmt.Fprint(w, `{"next":"/trackers/after?id=trk_9"}`)
			default:
				fmt.Fprint(w, `{"next":""}`)
			}
		}))
		defer srv.Close()
		c, _ := newClient(t, nil)
		if _, err := walk(t, c, srv.URL+"/trackers", Cursor("next", "")); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(paths.list()) != "[/trackers /trackers/after?id=trk_9]" {
			t.Errorf("paths = %v", paths.list())
		}
	})

	t.Run("a cursor loop stops with an error", func(t *testing.T) {
		s, srv := newScript(t, answer{status: 200, body: `{"meta":{"next_cursor":"abc"}}`})
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL, Cursor("meta.next_cursor", "cursor"))
		if !errors.Is(err, ErrPageLoop) || len(got) != 2 || s.count() != 2 {
			t.Errorf("%d pages, %d requests, err %v; want 2, 2 and ErrPageLoop", len(got), s.count(), err)
		}
	})

	t.Run("a body that is not JSON is an error", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200, body: `<html>`})
		c, _ := newClient(t, nil)
		if _, err := walk(t, c, srv.URL, Cursor("next", "cursor")); err == nil || !strings.Contains(err.Error(), "not JSON") {
			t.Errorf("err = %v, want not JSON", err)
		}
	})

	t.Run("a cursor that is an object is an error", func(t *testing.T) {
		_, srv := newScript(t, answer{status: 200, body: `{"next":{"id":1}}`})
		c, _ := newClient(t, nil)
		if _, err := walk(t, c, srv.URL, Cursor("next", "cursor")); err == nil || !strings.Contains(err.Error(), "object") {
			t.Errorf("err = %v, want it to name the object", err)
		}
	})
}

func TestPageNumber(t *testing.T) {
	// pagedServer serves pages 1..total of two items each, then empty arrays.
	pagedServer := func(t *testing.T, total int) (*httptest.Server, *recorder) {
		asked := &recorder{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Query().Get("page")
			asked.add(p)
			n := 1
			fmt.Sscan(p, &n)
			items := []int{}
			if n <= total {
				items = []int{2*n - 1, 2 * n}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"trackings": items}, "meta": map[string]any{"total_pages": total}})
		}))
		t.Cleanup(srv.Close)
		return srv, asked
	}

	t.Run("page numbers go on until an empty array", func(t *testing.T) {
		srv, asked := pagedServer(t, 3)
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL, PageNumber(PageNumbering{ItemsPath: "data.trackings"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || fmt.Sprint(asked.list()) != "[ 2 3 4]" {
			t.Errorf("%d pages, asked for %q; want 4 (the last empty)", len(got), asked.list())
		}
	})

	t.Run("page numbers stop at the total-pages field", func(t *testing.T) {
		srv, asked := pagedServer(t, 3)
		c, _ := newClient(t, nil)
		got, err := walk(t, c, srv.URL+"?page=1&limit=2", PageNumber(PageNumbering{ItemsPath: "data.trackings", TotalPagesPath: "meta.total_pages"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || fmt.Sprint(asked.list()) != "[1 2 3]" {
			t.Errorf("%d pages, asked for %q; want 3", len(got), asked.list())
		}
	})

	t.Run("a missing items array is an error, not the end", func(t *testing.T) {
		srv, _ := pagedServer(t, 3)
		c, _ := newClient(t, nil)
		if _, err := walk(t, c, srv.URL, PageNumber(PageNumbering{ItemsPath: "data.shipments"})); err == nil {
			t.Error("no error")
		}
	})

	t.Run("the max-pages cap stops an endless walk", func(t *testing.T) {
		srv, _ := pagedServer(t, 1000)
		c, _ := newClient(t, func(c *Config) { c.MaxPages = 5 })
		got, err := walk(t, c, srv.URL, PageNumber(PageNumbering{ItemsPath: "data.trackings"}))
		if !errors.Is(err, ErrTooManyPages) || len(got) != 5 {
			t.Errorf("%d pages, err %v; want 5 and ErrTooManyPages", len(got), err)
		}
	})
}

func TestPagesStop(t *testing.T) {
	t.Run("breaking out of the range fetches no more pages", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Link", fmt.Sprintf(`</?p=%d>; rel="next"`, hits.Load()))
		}))
		defer srv.Close()
		c, _ := newClient(t, nil)
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		for p, err := range c.Pages(context.Background(), req, LinkHeader()) {
			if err != nil || p.Number == 2 {
				break
			}
		}
		if hits.Load() != 2 {
			t.Errorf("fetched %d pages, want 2", hits.Load())
		}
	})
}

func TestLookup(t *testing.T) {
	var doc any
	d := json.NewDecoder(strings.NewReader(`{"meta":{"next_cursor":"abc","n":null},"data":[{"id":"t1"},{"id":"t2"}]}`))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want any
		ok   bool
	}{
		{"meta.next_cursor", "abc", true},
		{"meta.n", nil, true},
		{"meta.missing", nil, false},
		{"data.1.id", "t2", true},
		{"data.2.id", nil, false},
		{"data.x", nil, false},
		{"meta.next_cursor.deeper", nil, false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, ok := Lookup(doc, tc.path)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseLinks(f *testing.F) {
	for _, s := range []string{`<https://a/x?p=2>; rel="next"`, `</p1>; title="a, b"; rel="prev first", <x>`, `<`, `<>;rel=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, l := range parseLinks(s) {
			if strings.ContainsRune(l.target, '>') {
				t.Errorf("target %q holds '>'", l.target)
			}
			if _, err := url.Parse(l.target); err != nil {
				return // a bad URL is the NextFunc's to report
			}
		}
	})
}

func TestPagesPost(t *testing.T) {
	t.Run("a POST search is paged with its body on every page", func(t *testing.T) {
		s, srv := newScript(t,
			answer{status: 200, body: `{"next":"p2"}`},
			answer{status: 200, body: `{"next":null}`})
		c, _ := newClient(t, nil)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/search", strings.NewReader(`{"numbers":["1Z999"]}`))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range c.Pages(context.Background(), req, Cursor("next", "cursor")) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 || fmt.Sprint(s.sentBodies()) != `[{"numbers":["1Z999"]} {"numbers":["1Z999"]}]` {
			t.Errorf("%d pages, bodies sent %q", n, s.sentBodies())
		}
		if m := s.request(1).Method; m != http.MethodPost {
			t.Errorf("second page sent as %s", m)
		}
	})
}
