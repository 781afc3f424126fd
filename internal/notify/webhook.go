package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/pipelines"
)

// Headers of an outgoing webhook besides the signature
// (webhook.DefaultHeader).
const (
	// HeaderDelivery carries the alert id: the same for every attempt, so a
	// receiver can drop a repeat.
	HeaderDelivery = "X-Procurehub-Delivery"
	// HeaderKind carries the alert's kind.
	HeaderKind = "X-Procurehub-Alert-Kind"
)

// webhookSender POSTs alerts to one URL.
type webhookSender struct {
	url    string
	host   string // scheme://host, what messages and the store show of url
	sig    webhook.Signature
	client *http.Client
	now    func() time.Time
}

// send POSTs a as JSON, signed. 2xx is sent; 408, 429, 5xx and network
// errors may pass; any other status is permanent.
func (w *webhookSender) send(ctx context.Context, a pipelines.Alert, _ string) error {
	body, err := json.Marshal(a)
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: encode alert: %w", w.host, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: the url is not usable", w.host))
	}
	sig, _ := w.sig.Sign(body, w.now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "procurehub-notify")
	req.Header.Set(webhook.DefaultHeader, sig)
	req.Header.Set(HeaderDelivery, a.ID)
	req.Header.Set(HeaderKind, a.Kind)
	resp, err := w.client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL, which may hold a token: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook %s: %v", w.host, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // let the connection be reused
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err = fmt.Errorf("webhook %s: %s%s", w.host, resp.Status, said(snippet))
	if code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests {
		return permanent(err)
	}
	return err
}

// said renders the start of a response body for an error: one line.
func said(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return ""
	}
	return ": " + clip(s, 120)
}
