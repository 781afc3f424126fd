package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/procurehub/procurehub/internal/auth"
)

// apiResponse is what the in-process API answered.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx.
func (a apiResponse) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Message is the API's error message ({"error": {"message": ...}}), or
// the status text.
func (a apiResponse) Message() string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(a.Body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return http.StatusText(a.Status)
}

// recorder is the ResponseWriter of an in-process API call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// apiBase is the host of in-process API requests; nothing is dialled.
const apiBase = "http://procurehub.internal"

// call makes one request to the API as the session's user: its bearer
// token in Authorization, or auth's session cookie (and its CSRF token on
// a write); its principal on the context. path is escaped
// by the caller (orderPath); body, when not nil, is sent as JSON.
func (s *server) call(ctx context.Context, sess *session, method, path string, query url.Values, body any) (apiResponse, error) {
	if body == nil {
		return s.callRaw(ctx, sess, method, path, query, "", nil)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return apiResponse{}, fmt.Errorf("web: encode %s %s: %w", method, path, err)
	}
	return s.callRaw(ctx, sess, method, path, query, "application/json", b)
}

// callRaw is call with a body sent as it is, of the given content type
// (none when body is nil): a file, a form.
func (s *server) callRaw(ctx context.Context, sess *session, method, path string, query url.Values, contentType string, body []byte) (apiResponse, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	target := apiBase + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(auth.WithPrincipal(ctx, sess.principal), method, target, rd)
	if err != nil {
		return apiResponse{}, fmt.Errorf("web: %s %s: %w", method, path, err)
	}
	req.RemoteAddr = "127.0.0.1:0"
	switch c := sess.cred; {
	case c.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	case c.Cookie != nil:
		req.AddCookie(c.Cookie)
		if method != http.MethodGet && method != http.MethodHead {
			req.Header.Set(auth.DefaultCSRFHeader, c.CSRF)
		}
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key, ok := ctx.Value(idempotencyKey{}).(string); ok {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := &recorder{header: http.Header{}}
	s.cfg.API.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return apiResponse{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}, nil
}

// callKeyed is call with an Idempotency-Key (the form's, when it sent a
// usable one), so that a form sent twice acts once.
func (s *server) callKeyed(ctx context.Context, sess *session, method, path string, query url.Values, body any, key string) (apiResponse, error) {
	if key == "" || len(key) > 100 {
		key = randomID()
	}
	return s.call(withIdempotencyKey(ctx, key), sess, method, path, query, body)
}

type idempotencyKey struct{}

func withIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// orderPath is /api/v1/orders/{number}[/suffix] with the number escaped.
func orderPath(number, suffix string) string {
	p := "/api/v1/orders/" + url.PathEscape(number)
	if suffix != "" {
		p += "/" + suffix
	}
	return p
}

// getJSON calls GET and decodes a 200's body into v; it returns the
// response whatever its status.
func (s *server) getJSON(ctx context.Context, sess *session, path string, query url.Values, v any) (apiResponse, error) {
	res, err := s.call(ctx, sess, http.MethodGet, path, query, nil)
	if err != nil || res.Status != http.StatusOK {
		return res, err
	}
	if err := json.Unmarshal(res.Body, v); err != nil {
		return res, fmt.Errorf("web: GET %s: %w", path, err)
	}
	return res, nil
}
