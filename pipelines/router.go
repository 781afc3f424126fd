package pipelines

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/procurehub/procurehub/internal/kafka"
)

// RouterConfig tunes retries and timeouts of the pipeline handlers.
type RouterConfig struct {
	Retries        int           // retries after the first attempt; default 3
	RetryInitial   time.Duration // first backoff; default 100ms
	RetryMax       time.Duration // backoff cap; default 5s
	HandlerTimeout time.Duration // per attempt; default 30s
	CloseTimeout   time.Duration // drain on shutdown; default 15s
}

func (c *RouterConfig) defaults() {
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryInitial <= 0 {
		c.RetryInitial = 100 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Second
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = 30 * time.Second
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 15 * time.Second
	}
}

// Handler names, as they appear in metrics and in poison metadata.
const HandlerStoreOrders = "store_orders"

// Sinks are the handlers a router runs; a nil sink's topic is not consumed.
type Sinks struct {
	Orders         *StoreSink         // procurehub.orders.v1 → store
	Statements     *StatementSink     // procurehub.bank-statements.v1 → store, alerts
	Shipments      *ShipmentSink      // procurehub.shipments.v1 → store
	Tracking       *TrackingSink      // procurehub.tracking-events.v1 → store
	Webhooks       *WebhookDecoder    // procurehub.tracking-webhooks.v1 → tracking events, rejects
	OrderResponses *OrderResponseSink // procurehub.order-responses.v1 → store
	OrderEvents    *OrderEventSink    // procurehub.order-events.v1 → store
	Alerts         *AlertSink         // procurehub.alerts.v1 → store
	// Notify sends the alerts of procurehub.alerts.v1 to people (webhook,
	// email, in-app); it reads them in a consumer group of its own,
	// NotifySubscriber's, so that the alert sink still sees every alert.
	Notify           message.NoPublishHandlerFunc
	NotifySubscriber message.Subscriber
	Catalog          *CatalogSink // procurehub.catalog.v1 → store, live catalog
	// Invoices are matched, checked and planned for payment
	// (procurehub.invoices.v1 → store, alerts, order events).
	Invoices *Settlement
}

// HandlerNotify is the handler name of the notifier (internal/notify).
const HandlerNotify = "notify_alerts"

// NewRouter builds the Watermill router: each topic of sinks to its
// handler (the statement sink's alerts go to procurehub.alerts.v1).
// Middleware, outermost first: poison queue (after the last retry, the
// message goes to procurehub.poison.v1 with reason_poisoned, topic_poisoned
// and handler_poisoned in its metadata, and the partition moves on), metrics,
// panic recovery, retry with exponential backoff (permanent errors are not
// retried), per-attempt timeout.
func NewRouter(cfg RouterConfig, sub message.Subscriber, pub message.Publisher, sinks Sinks, m *Metrics, logger *slog.Logger) (*message.Router, error) {
	cfg.defaults()
	if logger == nil {
		logger = slog.Default()
	}
	wlog := watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.CloseTimeout}, wlog)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	poison, err := middleware.PoisonQueue(pub, TopicPoison)
	if err != nil {
		return nil, fmt.Errorf("router: poison queue: %w", err)
	}
	retries := &retryLog{m: m, logger: logger, every: 10 * time.Second}
	retry := middleware.Retry{
		MaxRetries:          cfg.Retries,
		InitialInterval:     cfg.RetryInitial,
		MaxInterval:         cfg.RetryMax,
		Multiplier:          2,
		RandomizationFactor: 0.2,
		// Each attempt gets a fresh context: the timeout middleware cancels
		// the previous attempt's context when it returns.
		ResetContextOnRetry: true,
		// Not Watermill's logger: an outage fails every message at once, and
		// a line per retry is a flood. retries counts them and logs a line
		// per handler every 10 s.
	}
	guard := func(h *message.Handler, name string) {
		retry := retry // each handler's own, to count its retries
		retry.ShouldRetry = func(p middleware.RetryParams) bool {
			if IsPermanent(p.Err) {
				return false
			}
			retries.note(name, p.Err)
			return true
		}
		h.AddMiddleware(
			poisonCounter(m, name, poison),
			measure(m, name),
			middleware.Recoverer,
			retry.Middleware,
			middleware.Timeout(cfg.HandlerTimeout),
		)
	}
	if sinks.Orders != nil {
		guard(r.AddConsumerHandler(HandlerStoreOrders, TopicOrders, sub, sinks.Orders.HandleOrder), HandlerStoreOrders)
	}
	if sinks.Statements != nil {
		guard(r.AddHandler(HandlerStoreStatements, TopicBankStatements, sub, TopicAlerts, pub, sinks.Statements.Handle), HandlerStoreStatements)
	}
	if sinks.Shipments != nil {
		guard(r.AddConsumerHandler(HandlerStoreShipments, TopicShipments, sub, sinks.Shipments.Handle), HandlerStoreShipments)
	}
	if sinks.Webhooks != nil {
		guard(r.AddConsumerHandler(HandlerTrackingWebhooks, TopicTrackingWebhooks, sub, sinks.Webhooks.Handle), HandlerTrackingWebhooks)
	}
	if sinks.Tracking != nil {
		guard(r.AddConsumerHandler(HandlerStoreTracking, TopicTrackingEvents, sub, sinks.Tracking.Handle), HandlerStoreTracking)
	}
	if sinks.OrderResponses != nil {
		guard(r.AddConsumerHandler(HandlerStoreOrderResponses, TopicOrderResponses, sub, sinks.OrderResponses.Handle), HandlerStoreOrderResponses)
	}
	if sinks.OrderEvents != nil {
		guard(r.AddConsumerHandler(HandlerStoreOrderEvents, TopicOrderEvents, sub, sinks.OrderEvents.Handle), HandlerStoreOrderEvents)
	}
	if sinks.Alerts != nil {
		guard(r.AddConsumerHandler(HandlerStoreAlerts, TopicAlerts, sub, sinks.Alerts.Handle), HandlerStoreAlerts)
	}
	if sinks.Notify != nil && sinks.NotifySubscriber != nil {
		guard(r.AddConsumerHandler(HandlerNotify, TopicAlerts, sinks.NotifySubscriber, sinks.Notify), HandlerNotify)
	}
	if sinks.Invoices != nil {
		guard(r.AddConsumerHandler(HandlerSettleInvoices, TopicInvoices, sub, sinks.Invoices.HandleInvoice), HandlerSettleInvoices)
	}
	if sinks.Catalog != nil {
		guard(r.AddConsumerHandler(HandlerStoreCatalog, TopicCatalog, sub, sinks.Catalog.Handle), HandlerStoreCatalog)
	}
	return r, nil
}

// Poison metadata besides Watermill's reason_poisoned, topic_poisoned and
// handler_poisoned: where the message was read, so that it can be found and
// replayed (the broker adapter does not republish its receive-only keys).
const (
	MetaPoisonedPartition = "partition_poisoned"
	MetaPoisonedOffset    = "offset_poisoned"
)

// poisonCounter wraps the poison middleware: it counts what it diverts and
// records the message's origin partition and offset in its metadata.
func poisonCounter(m *Metrics, handler string, poison message.HandlerMiddleware) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		failed := func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err != nil {
				msg.Metadata.Set(MetaPoisonedPartition, msg.Metadata.Get(kafka.PartitionMetadata))
				msg.Metadata.Set(MetaPoisonedOffset, msg.Metadata.Get(kafka.OffsetMetadata))
				if m != nil {
					m.Poisoned.WithLabelValues(handler).Inc()
				}
			}
			return out, err
		}
		return poison(failed)
	}
}

// retryLog counts retried handler attempts and logs them, at most a line
// per handler every interval, with how many there were since the last.
type retryLog struct {
	m      *Metrics
	logger *slog.Logger
	every  time.Duration

	mu   sync.Mutex
	last map[string]retryCount
}

type retryCount struct {
	at time.Time
	n  int
}

func (r *retryLog) note(handler string, err error) {
	if r.m != nil {
		r.m.HandlerRetries.WithLabelValues(handler).Inc()
	}
	r.mu.Lock()
	if r.last == nil {
		r.last = map[string]retryCount{}
	}
	c := r.last[handler]
	c.n++
	now := time.Now()
	log := now.Sub(c.at) >= r.every
	n := c.n
	if log {
		c = retryCount{at: now}
	}
	r.last[handler] = c
	r.mu.Unlock()
	if log {
		r.logger.Warn("handler failed; retrying", "handler", handler, "retries", n, "err", err)
	}
}

// measure records handler latency and results.
func measure(m *Metrics, handler string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			start := time.Now()
			out, err := h(msg)
			if m != nil {
				m.HandlerLatency.WithLabelValues(handler).Observe(time.Since(start).Seconds())
				result := "ok"
				if err != nil {
					result = "error"
				}
				m.Consumed.WithLabelValues(handler, result).Inc()
			}
			return out, err
		}
	}
}
