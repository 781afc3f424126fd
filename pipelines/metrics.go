package pipelines

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus series, served on /metrics.
type Metrics struct {
	InputsTaken    *prometheus.CounterVec   // partner, status
	SettleFailures *prometheus.CounterVec   // partner, reason
	Records        *prometheus.CounterVec   // partner, type
	Rejects        *prometheus.CounterVec   // partner
	Published      *prometheus.CounterVec   // topic
	Consumed       *prometheus.CounterVec   // handler, result
	HandlerLatency *prometheus.HistogramVec // handler
	Poisoned       *prometheus.CounterVec   // handler
	StoreWrites    *prometheus.CounterVec   // change
	StoreBatchSize prometheus.Histogram
	// StatementWrites counts bank statements stored, by change.
	StatementWrites *prometheus.CounterVec
	// ShipmentWrites counts shipments stored, by change.
	ShipmentWrites *prometheus.CounterVec
	// TrackingEvents counts tracking events by normalized status and
	// whether they were new (added) or seen before (duplicate).
	TrackingEvents *prometheus.CounterVec
	// OrderResponseWrites counts order responses stored, by change.
	OrderResponseWrites *prometheus.CounterVec
	// OrderEvents counts order events by type and whether they were new
	// (added) or seen before (duplicate).
	OrderEvents *prometheus.CounterVec
	// OrdersNeedingReview counts orders whose validation found errors, by partner.
	OrdersNeedingReview *prometheus.CounterVec
	// Alerts counts alerts kept by the alert sink, by kind and whether they
	// were new (added) or seen before (duplicate).
	Alerts *prometheus.CounterVec
	// LeaseHeld is 1 for each job lease (scheduled job, polled source) this
	// instance holds, 0 for those another instance runs.
	LeaseHeld *prometheus.GaugeVec
	// StoreFailures counts failed store writes of the batching sinks, by
	// what (orders, tracking events) and reason (unavailable, invalid,
	// conflict, timeout, other): a store outage shows here.
	StoreFailures *prometheus.CounterVec
	// HandlerRetries counts handler attempts that failed and are retried.
	HandlerRetries *prometheus.CounterVec
	// PollFailures counts failed polls of a partner's source, InputFailures
	// inputs that were not taken (a broker that refuses the records, a
	// store that cannot record them) and are tried again; SourceUp is 1
	// while a source's polls work, 0 while they fail.
	PollFailures  *prometheus.CounterVec
	InputFailures *prometheus.CounterVec
	SourceUp      *prometheus.GaugeVec
}

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		InputsTaken: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_inputs_total", Help: "Inputs (files) taken by connectors, by final status.",
		}, []string{"partner", "status"}),
		SettleFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_settle_failures_total", Help: "Inputs handled but not moved out of the inbox (archive or quarantine refused), by reason; retried every poll, never re-ingested.",
		}, []string{"partner", "reason"}),
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_records_total", Help: "Canonical records published by connectors.",
		}, []string{"partner", "type"}),
		Rejects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_row_rejects_total", Help: "Rows rejected by connectors (row errors).",
		}, []string{"partner"}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_messages_published_total", Help: "Messages acknowledged by the broker.",
		}, []string{"topic"}),
		Consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_messages_consumed_total", Help: "Messages handled by pipeline handlers, by result (ok, error).",
		}, []string{"handler", "result"}),
		HandlerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "procurehub_handler_duration_seconds", Help: "Pipeline handler latency.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"handler"}),
		Poisoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_poison_messages_total", Help: "Messages sent to the poison topic.",
		}, []string{"handler"}),
		StoreWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_store_orders_total", Help: "Orders written by the store sink, by change (inserted, updated, unchanged).",
		}, []string{"change"}),
		StatementWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_store_statements_total", Help: "Bank statements written by the statement sink, by change (inserted, updated, unchanged).",
		}, []string{"change"}),
		ShipmentWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_store_shipments_total", Help: "Shipments written by the shipment sink, by change (inserted, updated, unchanged).",
		}, []string{"change"}),
		TrackingEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_tracking_events_total", Help: "Tracking events stored, by normalized status and result (added, duplicate).",
		}, []string{"status", "result"}),
		OrderResponseWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_store_order_responses_total", Help: "Order responses written by the order response sink, by change (inserted, updated, unchanged).",
		}, []string{"change"}),
		OrderEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_order_events_total", Help: "Order events stored, by type and result (added, duplicate).",
		}, []string{"type", "result"}),
		OrdersNeedingReview: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_orders_needing_review_total", Help: "Orders whose validation found errors (status needs_review), by partner.",
		}, []string{"partner"}),
		Alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_alerts_total", Help: "Alerts stored by the alert sink, by kind and result (added, duplicate).",
		}, []string{"kind", "result"}),
		LeaseHeld: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "procurehub_lease_held", Help: "1 for each job lease (scheduled job, polled source) this instance holds and runs, 0 for those another instance runs.",
		}, []string{"lease"}),
		StoreFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_store_failures_total", Help: "Failed store writes of the batching sinks, by what and reason (unavailable, invalid, conflict, timeout, other).",
		}, []string{"what", "reason"}),
		HandlerRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_handler_retries_total", Help: "Handler attempts that failed and are retried.",
		}, []string{"handler"}),
		PollFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_poll_failures_total", Help: "Failed polls of a partner's source (server down, refused login).",
		}, []string{"partner"}),
		InputFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "procurehub_input_failures_total", Help: "Inputs not taken (broker or store refused) and tried again at the next poll.",
		}, []string{"partner"}),
		SourceUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "procurehub_source_up", Help: "1 while a partner source's polls work, 0 while they fail.",
		}, []string{"partner"}),
		StoreBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "procurehub_store_batch_size", Help: "Orders per store write batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.InputsTaken, m.SettleFailures, m.StatementWrites, m.ShipmentWrites, m.TrackingEvents, m.OrderResponseWrites, m.OrderEvents, m.OrdersNeedingReview, m.Alerts, m.Records, m.Rejects, m.Published, m.Consumed,
			m.HandlerLatency, m.Poisoned, m.StoreWrites, m.StoreBatchSize, m.LeaseHeld,
			m.StoreFailures, m.HandlerRetries, m.PollFailures, m.InputFailures, m.SourceUp)
	}
	return m
}
