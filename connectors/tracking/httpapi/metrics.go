package httpapi

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus series of carrier clients, labelled by
// carrier. One Metrics serves every Client (set Config.Metrics).
type Metrics struct {
	// Requests counts attempts sent, by result: the status class ("2xx",
	// "3xx", "4xx", "5xx"), "429", or "network".
	Requests *prometheus.CounterVec
	// Retries counts waits before another attempt.
	Retries *prometheus.CounterVec
	// FastFails counts calls refused because the circuit was open.
	FastFails *prometheus.CounterVec
	// BreakerState is 0 closed, 1 open, 2 half-open.
	BreakerState *prometheus.GaugeVec
	// UnreachableSince is the Unix time the circuit first opened in the
	// current outage, 0 while closed: alert on it being non-zero for long.
	UnreachableSince *prometheus.GaugeVec
}

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_tracking_requests_total", Help: "HTTP attempts sent to carrier tracking APIs, by result (2xx, 3xx, 4xx, 429, 5xx, network).",
		}, []string{"carrier", "result"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_tracking_retries_total", Help: "Retries of carrier tracking API calls after a temporary failure.",
		}, []string{"carrier"}),
		FastFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_tracking_circuit_open_total", Help: "Carrier tracking API calls refused without sending because the circuit was open.",
		}, []string{"carrier"}),
		BreakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "procurehub_tracking_breaker_state", Help: "Circuit breaker state per carrier: 0 closed, 1 open, 2 half-open.",
		}, []string{"carrier"}),
		UnreachableSince: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "procurehub_tracking_unreachable_since_seconds", Help: "Unix time a carrier became unreachable (its circuit opened); 0 while reachable.",
		}, []string{"carrier"}),
	}
	reg.MustRegister(m.Requests, m.Retries, m.FastFails, m.BreakerState, m.UnreachableSince)
	return m
}

// The methods below are no-ops on a nil *Metrics.

func (m *Metrics) request(carrier string, status int, netErr bool) {
	if m == nil {
		return
	}
	result := "network"
	switch {
	case netErr:
	case status == 429:
		result = "429"
	default:
		result = strconv.Itoa(status/100) + "xx"
	}
	m.Requests.WithLabelValues(carrier, result).Inc()
}

func (m *Metrics) retry(carrier string) {
	if m != nil {
		m.Retries.WithLabelValues(carrier).Inc()
	}
}

func (m *Metrics) fastFail(carrier string) {
	if m != nil {
		m.FastFails.WithLabelValues(carrier).Inc()
	}
}

func (m *Metrics) state(carrier string, st BreakerState) {
	if m == nil {
		return
	}
	m.BreakerState.WithLabelValues(carrier).Set(float64(st.State))
	since := 0.0
	if !st.UnreachableSince.IsZero() {
		since = float64(st.UnreachableSince.Unix())
	}
	m.UnreachableSince.WithLabelValues(carrier).Set(since)
}
