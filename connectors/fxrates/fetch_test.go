package fxrates

import (
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// ecbServer serves the testdata files under their ECB names, and a few
// misbehaving endpoints.
func ecbServer(t *testing.T) *httptest.Server {
	t.Helper()
	daily := readFile(t, dailyFile)
	hist := readFile(t, histFile)
	mux := http.NewServeMux()
	mux.HandleFunc("/stats/eurofxref/eurofxref-daily.xml", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "procurehub-fxrates" {
			http.Error(w, "who are you", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(daily)
	})
	mux.HandleFunc("/stats/eurofxref/eurofxref-hist.xml", func(w http.ResponseWriter, r *http.Request) {
		// Gzip-encoded, as a CDN may serve it; the client decodes it.
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(hist)
		zw.Close()
	})
	mux.HandleFunc("/maintenance", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>down for maintenance</html>", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<!DOCTYPE html>\n<html><body>Moved</body></html>\n"))
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		// Announces the whole file, sends half, and hangs up.
		w.Header().Set("Content-Length", "100000")
		w.Write(daily[:len(daily)/2])
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Write(daily[:200])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func fetchAll(ctx context.Context, client *http.Client, url string) ([]Rate, error) {
	var rates []Rate
	err := Fetch(ctx, client, url, func(r Rate) error {
		rates = append(rates, r)
		return nil
	})
	return rates, err
}

func TestFetchStreamsTheDailyFile(t *testing.T) {
	srv := ecbServer(t)
	rates, err := fetchAll(context.Background(), srv.Client(), srv.URL+"/stats/eurofxref/eurofxref-daily.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 29 || rates[0].Currency != "USD" || rates[0].PerEUR.String() != "1.0812" {
		t.Errorf("got %d rates starting %+v, want the 29 of the daily file starting USD 1.0812", len(rates), rates[0])
	}
}

func TestFetchReadsAGzippedHistory(t *testing.T) {
	srv := ecbServer(t)
	rates, err := fetchAll(context.Background(), nil, srv.URL+"/stats/eurofxref/eurofxref-hist.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 3*29 {
		t.Errorf("got %d rates, want 87", len(rates))
	}
}

func TestFetchFailsClearly(t *testing.T) {
	srv := ecbServer(t)
	tests := []struct {
		name string
		path string
		want string
		code string // the *ParseError code underneath, if any
	}{
		{"on a status other than 200", "/maintenance", "503 Service Unavailable", ""},
		{"on a missing file", "/stats/eurofxref/nope.xml", "404 Not Found", ""},
		{"on an HTML page served with 200", "/html", "root element is <html>", CodeNotECB},
		{"on a connection cut mid-file", "/cut", "unexpected EOF", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fetchAll(context.Background(), srv.Client(), srv.URL+tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), srv.URL+tt.path) {
				t.Fatalf("err = %v, want it to name the URL and say %q", err, tt.want)
			}
			var pe *ParseError
			if tt.code != "" && (!errors.As(err, &pe) || pe.Code != tt.code) {
				t.Errorf("err = %v, want a *ParseError %s underneath", err, tt.code)
			}
		})
	}
}

func TestFetchStopsAtTheTimeout(t *testing.T) {
	srv := ecbServer(t)
	defer func(d time.Duration) { fetchTimeout = d }(fetchTimeout)
	fetchTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := fetchAll(context.Background(), srv.Client(), srv.URL+"/slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s, want about the 200ms timeout", d)
	}
}

func TestFetchHonoursTheCallersContext(t *testing.T) {
	srv := ecbServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := fetchAll(ctx, srv.Client(), srv.URL+"/slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestFetchRefusesAResponseLargerThanTheLimit(t *testing.T) {
	daily := readFile(t, dailyFile)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// No Content-Length: the limit is found while reading.
			w.Write(daily[:100])
			w.(http.Flusher).Flush()
			w.Write(daily[100:])
			return
		}
		w.Write(daily)
	}))
	defer srv.Close()
	defer func(n int64) { fetchMaxBytes = n }(fetchMaxBytes)

	fetchMaxBytes = int64(len(daily))
	if _, err := fetchAll(context.Background(), srv.Client(), srv.URL+"/exact"); err != nil {
		t.Errorf("a body of exactly the limit: %v", err)
	}
	if _, err := fetchAll(context.Background(), srv.Client(), srv.URL+"/chunked"); err != nil {
		t.Errorf("a chunked body of exactly the limit: %v", err)
	}
	fetchMaxBytes = int64(len(daily)) - 1
	for _, path := range []string{"/announced", "/chunked"} {
		_, err := fetchAll(context.Background(), srv.Client(), srv.URL+path)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s one byte over: err = %v, want ErrTooLarge", path, err)
		}
	}
}

func TestFetchMasksAPasswordInTheURL(t *testing.T) {
	srv := ecbServer(t)
	u := strings.Replace(srv.URL, "http://", "http://treasury:s3cret@", 1) + "/maintenance"
	_, err := fetchAll(context.Background(), srv.Client(), u)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "treasury:xxxxx@") {
		t.Errorf("err = %v, want the URL with its password masked", err)
	}
	_, err = fetchAll(context.Background(), srv.Client(), "http://treasury:s3cret@127.0.0.1:1/x")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("connection error %v shows the password", err)
	}
}

func TestFetchPassesTheCallbacksError(t *testing.T) {
	srv := ecbServer(t)
	stop := errors.New("enough")
	err := Fetch(context.Background(), srv.Client(), srv.URL+"/stats/eurofxref/eurofxref-daily.xml", func(Rate) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the callback's error", err)
	}
}
