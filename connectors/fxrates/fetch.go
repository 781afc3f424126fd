package fxrates

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Where the ECB publishes the reference rates.
const (
	DailyURL   = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
	Hist90dURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
	HistURL    = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml"
)

// Limits of Fetch. The full history is tens of megabytes; anything far
// beyond that is not a reference rate file.
const (
	FetchTimeout  = 2 * time.Minute
	FetchMaxBytes = 256 << 20
)

// fetchTimeout and fetchMaxBytes are FetchTimeout and FetchMaxBytes; tests lower them.
var (
	fetchTimeout  = FetchTimeout
	fetchMaxBytes = int64(FetchMaxBytes)
)

// ErrTooLarge is returned (wrapped) by Fetch when a response is larger than FetchMaxBytes.
var ErrTooLarge = errors.New("response too large")

// Fetch downloads a reference rate file (DailyURL, Hist90dURL, HistURL or a
// mirror) with client (http.DefaultClient when nil) and streams it through
// Parse to fn as it arrives. The whole exchange, download and parse, is
// bounded by FetchTimeout on top of ctx's own deadline; a status other than
// 200 OK is an error; a body (after any gzip decoding) larger than
// FetchMaxBytes stops the transfer with ErrTooLarge. Errors carry the URL
// with any password masked; parse problems are *ParseError underneath.
func Fetch(ctx context.Context, client *http.Client, rawURL string, fn func(Rate) error) error {
	if client == nil {
		client = http.DefaultClient
	}
	shown := redact(rawURL)
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("fxrates: fetch %s: %w", shown, unwrapURLError(err))
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	req.Header.Set("User-Agent", "procurehub-fxrates")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fxrates: fetch %s: %w", shown, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fxrates: fetch %s: %s", shown, resp.Status)
	}
	if resp.ContentLength > fetchMaxBytes {
		return fmt.Errorf("fxrates: fetch %s: %w: %d bytes announced, at most %d", shown, ErrTooLarge, resp.ContentLength, fetchMaxBytes)
	}
	body := &limitedReader{r: resp.Body, left: fetchMaxBytes}
	if err := Parse(ctx, body, fn); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("fxrates: fetch %s: %w: more than %d bytes", shown, ErrTooLarge, fetchMaxBytes)
		}
		return fmt.Errorf("fxrates: fetch %s: %w", shown, err)
	}
	return nil
}

// limitedReader reads at most left bytes and then fails with ErrTooLarge
// (io.LimitReader would end quietly, and a cut file could parse).
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// redact masks a password in a URL for messages.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}

// unwrapURLError drops *url.Error, which repeats the (unredacted) URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
