package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Endpoint is one sender's webhook: how its deliveries are checked.
type Endpoint struct {
	// Verify checks a delivery; Signature.Verify is one.
	Verify func(h Header, body []byte, now time.Time) error
	// MaxBytes bounds a delivery's body; default DefaultMaxBytes.
	MaxBytes int64
}

// PublishFunc hands a verified body on, durably (to the broker), before
// the delivery is answered. An error makes the answer 503, so the sender
// delivers again later.
type PublishFunc func(ctx context.Context, endpoint string, body []byte, receivedAt time.Time) error

// Receiver answers webhook deliveries: a verified body is published and
// answered 202 at once; the work happens behind the broker.
type Receiver struct {
	Endpoints map[string]Endpoint
	Publish   PublishFunc
	Logger    *slog.Logger
	Now       func() time.Time // time.Now by default
	// Deliveries counts deliveries by endpoint and result (accepted,
	// unauthorized, too_large, unknown_endpoint, failed); nil for none.
	Deliveries *prometheus.CounterVec
}

// NewDeliveriesCounter makes the Receiver.Deliveries series and registers
// it on reg.
func NewDeliveriesCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "procurehub_webhook_deliveries_total",
		Help: "Webhook deliveries by endpoint and result (accepted, unauthorized, too_large, unknown_endpoint, failed).",
	}, []string{"endpoint", "result"})
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}

// Serve answers one delivery to endpoint name:
//
//	202 accepted              verified and published
//	401 unauthorized          signature missing, wrong or stale; nothing kept
//	404 unknown_endpoint      no endpoint of that name
//	413 too_large             body over the endpoint's limit; nothing kept
//	503 unavailable           publishing failed; deliver again
func (rc *Receiver) Serve(w http.ResponseWriter, r *http.Request, name string) {
	ep, ok := rc.Endpoints[name]
	if !ok {
		rc.answer(w, name, "unknown_endpoint", http.StatusNotFound, "no webhook endpoint "+strconv.Quote(name))
		return
	}
	limit := ep.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		rc.answer(w, name, "too_large", http.StatusRequestEntityTooLarge, "body over "+strconv.FormatInt(limit, 10)+" bytes")
		return
	}
	if err != nil {
		rc.answer(w, name, "failed", http.StatusBadRequest, "body not read")
		return
	}
	now := time.Now()
	if rc.Now != nil {
		now = rc.Now()
	}
	if err := ep.Verify(r.Header, body, now); err != nil {
		rc.logger().Warn("webhook delivery refused", "endpoint", name, "err", err)
		rc.answer(w, name, "unauthorized", http.StatusUnauthorized, "signature refused")
		return
	}
	if err := rc.Publish(r.Context(), name, body, now); err != nil {
		rc.logger().Error("webhook delivery not published; the sender will retry", "endpoint", name, "err", err)
		rc.answer(w, name, "failed", http.StatusServiceUnavailable, "not accepted now; deliver again later")
		return
	}
	rc.answer(w, name, "accepted", http.StatusAccepted, "")
}

func (rc *Receiver) logger() *slog.Logger {
	if rc.Logger != nil {
		return rc.Logger
	}
	return slog.Default()
}

func (rc *Receiver) answer(w http.ResponseWriter, endpoint, result string, status int, msg string) {
	if rc.Deliveries != nil {
		rc.Deliveries.WithLabelValues(endpoint, result).Inc()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"status": result}
	if msg != "" {
		body["message"] = msg
	}
	_ = json.NewEncoder(w).Encode(body) // the sender went away; nothing to do
}
