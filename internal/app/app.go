// Package app wires procurehub together: broker, store, pipelines,
// connectors and the HTTP server. It is the one place that knows every part;
// cmd/procurehub only parses flags and calls Run.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/webhook"
	"github.com/procurehub/procurehub/internal/api"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/demo"
	"github.com/procurehub/procurehub/internal/embedded"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/notify"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/postgres"
	"github.com/procurehub/procurehub/internal/store/sqlite"
	"github.com/procurehub/procurehub/internal/warnings"
	"github.com/procurehub/procurehub/internal/web"
	"github.com/procurehub/procurehub/pipelines"
)

// Store is every store method the hub uses: what the pipelines and the API
// declare they need, plus the store's own lifecycle. Both stores implement it.
type Store interface {
	pipelines.OrderWriter
	pipelines.StatementWriter
	pipelines.FXWriter
	pipelines.ShipmentWriter
	pipelines.TrackingWriter
	pipelines.OrderResponseWriter
	pipelines.OrderEventWriter
	pipelines.AlertWriter
	pipelines.Ledger
	api.OrderReader
	api.TrackingReader
	api.FindingsReader
	api.TimelineReader
	api.AlertStore
	pipelines.FindingsWriter
	CatalogStore
	OrderLookups
	pipelines.StatusStore
	pipelines.AmendmentStore
	pipelines.SettlementStore
	api.KPIStore
	pipelines.FactWriter
	notify.Store
	api.NotificationStore
	api.DocumentStore
	api.MessageStore
	api.AssignmentStore
	auth.Store
	store.JobLeases
	store.MappingStore
	ListLedger(ctx context.Context, partner string, limit int) ([]store.LedgerEntry, error)
	TrackedNumbers(ctx context.Context, carrier string) ([]store.TrackedNumber, error)
	Migrate(ctx context.Context) error
	Ping(ctx context.Context) error
	Close() error
}

// OpenStore opens the configured store.
func OpenStore(ctx context.Context, cfg config.Store) (Store, error) {
	switch cfg.Driver {
	case "postgres":
		return postgres.Open(ctx, cfg.DSN.Reveal())
	case "sqlite":
		return sqlite.Open(ctx, cfg.DSN.Reveal())
	}
	return nil, fmt.Errorf("store: unknown driver %q", cfg.Driver)
}

// Options are what Run needs besides the config.
type Options struct {
	Config   *config.App
	Registry *connectors.Registry
	Logger   *slog.Logger
	// Out receives the "where to look" banner; nil for none.
	Out io.Writer
	// Started, if set, is called once everything listens (tests use it).
	Started func(h *Hub)
}

// Hub is a running procurehub, as tests and the banner see it.
type Hub struct {
	HTTPAddr string
	Brokers  []string
	Store    Store
	// SFTPAddr is the hosted SFTP inbox's address ("" when it is off),
	// SFTPHostKeys its host key fingerprints.
	SFTPAddr     string
	SFTPHostKeys []string
}

// Run starts the hub and blocks until ctx is cancelled, then shuts down:
// connectors stop polling, in-flight messages drain, the HTTP server closes.
func Run(ctx context.Context, opts Options) error {
	cfg, log := opts.Config, opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Demo.Enabled {
		n, err := demo.Lay(cfg.Demo.InboxDir)
		if err != nil {
			return fmt.Errorf("demo files: %w", err)
		}
		log.Info("demo partner files laid out", "dir", cfg.Demo.InboxDir, "files", n)
	}

	brokers := cfg.Broker.Brokers
	sec, err := BrokerSecurity(cfg.Broker)
	if err != nil {
		return err
	}
	if cfg.Broker.Embedded {
		b, err := embedded.Start(ctx, embedded.Config{Addr: cfg.Broker.Addr, DataDir: cfg.Broker.DataDir,
			Partitions: cfg.Broker.Partitions, Logger: log})
		if err != nil {
			return fmt.Errorf("embedded broker: %w", err)
		}
		defer b.Close()
		brokers = b.Addrs()
		log.Info("embedded Kafka-protocol broker listening", "addr", brokers[0])
	}
	if err := sec.EnsureTopics(ctx, brokers, cfg.Broker.Partitions, pipelines.AllTopics()...); err != nil {
		return fmt.Errorf("create topics: %w", err)
	}

	st, err := OpenStore(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if cfg.Store.MigrateOnStart {
		if err := st.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := pipelines.NewMetrics(reg)

	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers, Source: "procurehub", Logger: log, Security: sec})
	if err != nil {
		return err
	}
	defer pub.Close()
	// A group per topic (procurehub.procurehub.orders.v1, ...): a restarted
	// instance rejoins each group once instead of a shared group
	// rebalancing for minutes (see kafka.SubscriberConfig.GroupPerTopic).
	// A rebalance waits for a member that died (kill -9, a lost node) up to
	// the rebalance timeout; 10 s keeps that stall short, and handlers whose
	// partition moves get 5 s to finish (what they do not is redelivered).
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, ConsumerGroup: cfg.Broker.ConsumerGroup,
		GroupPerTopic: true, RebalanceTimeout: rebalanceTimeout, MaxInFlight: cfg.Broker.MaxInFlight, Logger: log, Security: sec})
	if err != nil {
		return err
	}
	defer sub.Close()

	live, currentCatalog, err := liveCatalog(ctx, cfg, st)
	if err != nil {
		return err
	}
	dp, err := DemandPlanner(cfg, currentCatalog, st)
	if err != nil {
		return err
	}
	connectorRegistry, err := WithDemandPlanner(opts.Registry, dp)
	if err != nil {
		return err
	}
	built, err := buildIngestors(ctx, cfg, connectorRegistry, pub, st, metrics, log)
	defer func() {
		for _, c := range built.sources {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	ingestors := built.ingestors
	if err := recordMappings(ctx, cfg, st, ingestors, log); err != nil {
		return err
	}

	validate, err := buildValidator(cfg, currentCatalog, st)
	if err != nil {
		return err
	}
	var demand api.DemandPlanner
	if cfg.Ordering.BuyerID != "" {
		demand = &demandPlanner{cfg: cfg.Ordering, current: currentCatalog, pub: pub, committed: st}
	}
	sinkCfg := pipelines.StoreSinkConfig{BatchSize: cfg.Pipeline.StoreBatchSize, Writers: cfg.Pipeline.StoreWriters}
	if validate != nil {
		sinkCfg.Review = &pipelines.Review{Validate: validate, Writer: st, Publisher: pub}
	}
	sink := pipelines.NewStoreSink(st, sinkCfg, metrics, log)
	// Open dashboard pages hear of every change the hub publishes.
	events := &web.Broadcaster{}
	status := &pipelines.StatusProjector{Store: st, Pub: web.NotifyOnPublish(pub, events), Logger: log, Facts: st,
		Readers: pipelines.RecordReaders{Findings: st, Responses: st, Shipments: st}}
	sinks := pipelines.Sinks{
		Orders:         sink,
		Statements:     &pipelines.StatementSink{W: st, Metrics: metrics, Logger: log},
		Shipments:      &pipelines.ShipmentSink{W: st, Metrics: metrics, Status: status},
		Tracking:       pipelines.NewTrackingSink(st, pipelines.StoreSinkConfig{BatchSize: cfg.Pipeline.StoreBatchSize}, metrics, log),
		OrderResponses: &pipelines.OrderResponseSink{W: st, Metrics: metrics, Status: status},
		OrderEvents:    &pipelines.OrderEventSink{W: st, Metrics: metrics, Status: status},
		Alerts:         &pipelines.AlertSink{W: st, Metrics: metrics},
		Catalog:        pipelines.NewCatalogSink(st, live, pipelines.StoreSinkConfig{BatchSize: cfg.Pipeline.StoreBatchSize}, log),
	}
	sinks.Tracking.Status = status
	settlement, err := newSettlement(cfg, st, web.NotifyOnPublish(pub, events), log)
	if err != nil {
		return err
	}
	sinks.Invoices = settlement
	if ncfg, err := LoadNotifications(cfg); err != nil {
		return err
	} else if ncfg != nil {
		notifier, err := notify.New(ncfg, st, notify.Options{Logger: log, Registerer: reg})
		if err != nil {
			return err
		}
		nsub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers,
			ConsumerGroup: cfg.Broker.ConsumerGroup + ".notify", GroupPerTopic: true, RebalanceTimeout: rebalanceTimeout, MaxInFlight: cfg.Broker.MaxInFlight, Logger: log, Security: sec})
		if err != nil {
			return err
		}
		defer nsub.Close()
		sinks.Notify, sinks.NotifySubscriber = notifier.Handle, nsub
	}
	if len(built.webhooks) > 0 {
		sinks.Webhooks = &pipelines.WebhookDecoder{Decoders: built.decoders, Publisher: pub, Metrics: metrics, Logger: log}
	}
	router, err := pipelines.NewRouter(pipelines.RouterConfig{
		Retries: cfg.Pipeline.Retries, RetryInitial: cfg.Pipeline.RetryInitial, HandlerTimeout: cfg.Pipeline.HandlerTimeout,
		CloseTimeout: cfg.Pipeline.ShutdownTimeout,
	}, sub, pub, sinks, metrics, log)
	if err != nil {
		return err
	}

	authn, authenticate, admin, err := startAuth(ctx, cfg, st, opts.Out, log)
	if err != nil {
		return err
	}
	amendments := &pipelines.Amendments{Store: st, Pub: pub}
	if docs := newAmendmentDocuments(cfg); docs != nil {
		amendments.Documents = docs
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	var sftpInfo *api.SFTPInfo
	if cfg.SFTPServer.Enabled {
		sftpInfo = &api.SFTPInfo{}
	}
	apiHandler := api.Handler(api.Config{
		Orders:   st,
		Tracking: st,
		Findings: st,
		Timeline: st,
		Demand:   demand,
		// Amendments are kept as order events and published.
		Amendments: amendments,
		Alerts:     st,
		// The in-app inbox of each party, and failed deliveries.
		Notifications: st,
		// Order documents and message threads; each upload and message is an
		// order event on the broker (the early warnings read document_received).
		// Logistics providers and customs brokers a buyer assigned to an order.
		Assignments: st,
		Documents:   st,
		Messages:    st,
		Publisher:   pub,
		// What suppliers, forwarders and customs brokers do: published like a connector's records.
		Actions: &pipelines.Actions{Store: st, Pub: pub},
		// Finance: invoices and their match, payment plans and approvals, bank reconciliation.
		Settlement: settlement,
		// KPIs from the order facts the status projector keeps.
		KPIs: st,
		// The hosted SFTP inbox, filled in once it listens.
		SFTP: sftpInfo,
		// Partner onboarding for admins: proposals, dry runs, mapping versions.
		Onboarding: &onboarding{cfg: cfg, st: st, log: log},
		// Who is calling (nil: the API is open, for loopback use) and the audit log of every write.
		Authenticate: authenticate,
		Audit:        auth.NewAuditor(st),
		Admin:        admin,
		Catalog:      st,
		// Posted items go the way of a price list file: topic, sink, store.
		CatalogImport: &catalogImporter{pub: pub, live: live},
		Webhooks:      webhooksHandler(built.webhooks, pub, reg, log),
		Gatherer:      reg,
		Logger:        log,
		Ready: []api.Check{
			{Name: "store", Fn: st.Ping},
			{Name: "broker", Fn: func(ctx context.Context) error { return sec.Ping(ctx, brokers) }},
			{Name: "pipelines", Fn: func(context.Context) error {
				if !router.IsRunning() {
					return errors.New("router not running")
				}
				return nil
			}},
		},
	})
	handler, err := withDashboard(ctx, apiHandler, authn, events, log)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}

	wcfg, err := LoadWarnings(cfg)
	if err != nil {
		return err
	}
	var scanner *warnings.Scanner
	if wcfg != nil {
		scanner = &warnings.Scanner{Config: wcfg, Orders: st, Alerts: st, Resolver: st, Publisher: pub, Logger: log,
			Records: pipelines.RecordReaders{Findings: st, Responses: st, Shipments: st}}
	}

	sftp, err := startSFTPServer(cfg, ingestors, st, reg, log)
	if err != nil {
		return fmt.Errorf("sftp server: %w", err)
	}
	if sftp != nil {
		// Before the API serves: the portal shows partners where to connect.
		*sftpInfo = api.SFTPInfo{Addr: sftp.ln.Addr().String(), HostKeys: sftp.srv.Fingerprints()}
	}

	g, gctx := errgroup.WithContext(ctx)
	if sftp != nil {
		g.Go(func() error { return sftp.srv.Serve(gctx, sftp.ln) })
	}
	sinkCtx, stopSink := context.WithCancel(context.WithoutCancel(gctx))
	g.Go(func() error { return sink.Run(sinkCtx) })
	g.Go(func() error { return sinks.Tracking.Run(sinkCtx) })
	g.Go(func() error { return sinks.Catalog.Run(sinkCtx) })
	// Scheduled jobs and polled sources run on one instance at a time among
	// those sharing the store: the one holding the job's lease.
	leased := func(name string, job func(context.Context) error) {
		l := &pipelines.Leased{Name: name, Leases: st, Held: metrics.LeaseHeld, Logger: log, TTL: cfg.Pipeline.JobLeaseTTL}
		g.Go(func() error { return l.Run(gctx, job) })
	}
	if scanner != nil {
		leased("warnings", func(ctx context.Context) error { return scanner.Run(ctx, cmp.Or(cfg.Warnings.Every, time.Minute)) })
	}
	if settlement != nil {
		leased("reconciler", func(ctx context.Context) error {
			return settlement.RunReconciler(ctx, cmp.Or(cfg.Settlement.ReconcileEvery, time.Minute))
		})
	}
	g.Go(func() error { return status.RunFacts(gctx, 0) }) // KPI facts, every 5s
	if cfg.FX.Source != "" {
		fx := &pipelines.FXRefresher{Source: cfg.FX.Source, Store: st, Every: cfg.FX.Refresh, Logger: log}
		leased("fx", fx.Run)
	}
	g.Go(func() error {
		// The router drains in-flight handlers on Close; the sink keeps
		// writing until then, and stops after.
		defer stopSink()
		return router.Run(gctx)
	})
	for _, in := range ingestors {
		leased("poll/"+in.Partner, in.Run)
	}
	if c := cfg.Demo.Carrier; cfg.Demo.Enabled && c.Addr != "" {
		carrier := &demo.Carrier{Addr: c.Addr, WebhookURL: "http://" + ln.Addr().String() + "/webhooks/tracking/" + c.Partner,
			Secret: []byte(c.Secret.Reveal()), Every: c.Every, Logger: log}
		g.Go(func() error { return carrier.Run(gctx) })
	}
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), cmp.Or(cfg.Pipeline.ShutdownTimeout, 15*time.Second))
		defer cancel()
		return srv.Shutdown(sctx)
	})

	hub := &Hub{HTTPAddr: ln.Addr().String(), Brokers: brokers, Store: st}
	if sftp != nil {
		hub.SFTPAddr, hub.SFTPHostKeys = sftp.ln.Addr().String(), sftp.srv.Fingerprints()
	}
	select {
	case <-router.Running():
	case <-gctx.Done():
	}
	if opts.Out != nil {
		banner(opts.Out, hub, cfg)
	}
	if opts.Started != nil {
		opts.Started(hub)
	}
	err = g.Wait()
	log.Info("procurehub stopped", "err", err)
	return err
}

// rebalanceTimeout is the pipelines' consumer-group rebalance timeout.
const rebalanceTimeout = 10 * time.Second

// built is what the configured partners give the runtime: an ingestor per
// polled source, and the webhook endpoints and decoders of the partners
// that push.
type built struct {
	ingestors []*pipelines.Ingestor
	sources   []connectors.Source // to close
	webhooks  map[string]webhook.Endpoint
	decoders  map[string]connectors.Decoder
}

// buildIngestors constructs every configured partner connector.
func buildIngestors(ctx context.Context, cfg *config.App, reg *connectors.Registry, pub message.Publisher,
	st Store, m *pipelines.Metrics, log *slog.Logger) (built, error) {
	out := built{webhooks: map[string]webhook.Endpoint{}, decoders: map[string]connectors.Decoder{}}
	for i := range cfg.Partners {
		p := &cfg.Partners[i]
		c, err := BuildConnector(ctx, cfg, reg, i, log, trackedNumbers(st))
		if err != nil {
			return out, err
		}
		if c.Webhook != nil {
			out.webhooks[p.Name] = webhook.Endpoint{Verify: c.Webhook.Verify, MaxBytes: c.Webhook.MaxBytes}
			out.decoders[p.Name] = c.Decoder
		}
		if c.Source == nil {
			continue // the partner only pushes
		}
		out.sources = append(out.sources, c.Source)
		out.ingestors = append(out.ingestors, &pipelines.Ingestor{
			Partner: p.Name, Kind: p.Kind, Connector: c, Publisher: pub, Ledger: st,
			Metrics: m, Logger: log, BatchSize: cfg.Pipeline.PublishBatch, PollInterval: c.PollInterval,
			LeaseTTL: cfg.Pipeline.LeaseTTL,
		})
	}
	return out, nil
}

// trackedNumbers gives pollers the tracking numbers of stored shipments.
func trackedNumbers(st Store) func(ctx context.Context, carrier string) ([]connectors.TrackedNumber, error) {
	return func(ctx context.Context, carrier string) ([]connectors.TrackedNumber, error) {
		ns, err := st.TrackedNumbers(ctx, carrier)
		if err != nil {
			return nil, err
		}
		out := make([]connectors.TrackedNumber, len(ns))
		for i, n := range ns {
			out[i] = connectors.TrackedNumber{Number: n.Number, Status: string(n.Status), ChangedAt: n.ChangedAt}
		}
		return out, nil
	}
}

// webhooksHandler answers the partners' webhook deliveries: each verified
// body is published to procurehub.tracking-webhooks.v1 before the 202.
func webhooksHandler(endpoints map[string]webhook.Endpoint, pub message.Publisher, reg prometheus.Registerer,
	log *slog.Logger) func(http.ResponseWriter, *http.Request, string) {
	if len(endpoints) == 0 {
		return nil
	}
	rc := &webhook.Receiver{
		Endpoints: endpoints, Logger: log, Deliveries: webhook.NewDeliveriesCounter(reg),
		Publish: func(_ context.Context, endpoint string, body []byte, at time.Time) error {
			return pub.Publish(pipelines.TopicTrackingWebhooks, pipelines.WebhookMessage(endpoint, body, at))
		},
	}
	return rc.Serve
}

// BuildConnector builds partner i's connector from the registry, with
// settings errors positioned in the config file.
func BuildConnector(ctx context.Context, cfg *config.App, reg *connectors.Registry, i int, log *slog.Logger,
	tracked func(ctx context.Context, carrier string) ([]connectors.TrackedNumber, error)) (*connectors.Connector, error) {
	p := &cfg.Partners[i]
	_, build, ok := reg.Lookup(p.Kind)
	if !ok {
		line, col := cfg.PartnerPosition(i, "kind")
		return nil, &config.Error{File: cfg.File, Line: line, Column: col,
			Message: fmt.Sprintf("partners[%d].kind: unknown connector kind %q (see `procurehub connectors`)", i, p.Kind)}
	}
	c, err := build(ctx, connectors.Config{
		Partner: p.Name,
		Kind:    p.Kind,
		Decode:  func(v any) error { return cfg.DecodeSettings(p, v) },
		Dir:     cfg.Dir,
		Logger:  log.With("partner", p.Name, "connector", p.Kind),
		Tracked: tracked,
	})
	if err != nil {
		return nil, fmt.Errorf("partner %s: %w", p.Name, err)
	}
	return c, nil
}

func banner(w io.Writer, h *Hub, cfg *config.App) {
	base := "http://" + h.HTTPAddr
	fmt.Fprintf(w, `
procurehub is running.
  API         %[1]s/api/v1/orders
  alerts      %[1]s/api/v1/alerts
  catalog     %[1]s/api/v1/catalog/items
  health      %[1]s/healthz   %[1]s/readyz
  metrics     %[1]s/metrics
  Kafka       %[2]s   e.g. kcat -b %[2]s -C -t %[3]s
  store       %[4]s
`, base, h.Brokers[0], pipelines.TopicOrders, cfg.Store.Driver)
	names := make([]string, len(cfg.Partners))
	for i, p := range cfg.Partners {
		names[i] = p.Name
	}
	if cfg.Auth.Enabled {
		fmt.Fprintf(w, "  dashboard   %s/ui/   (log in with a token; every API call needs Authorization: Bearer <token>)\n", base)
		fmt.Fprintf(w, "  OpenAPI     %s/api/openapi.json\n", base)
	}
	fmt.Fprintf(w, "  partners    %s\n", strings.Join(names, ", "))
	if cfg.Demo.Enabled {
		fmt.Fprintf(w, "  inboxes     %s/<partner>/ (settled files in archive/ and quarantine/, each with <name>.receipt.json)\n", cfg.Demo.InboxDir)
	}
	for _, p := range cfg.Partners {
		if p.Kind == "tracking" {
			fmt.Fprintf(w, "  tracking    %s/api/v1/orders/<order_number>/tracking   webhooks %s/webhooks/tracking/<partner>\n", base, base)
			break
		}
	}
	if h.SFTPAddr != "" {
		_, port, _ := net.SplitHostPort(h.SFTPAddr)
		fmt.Fprintf(w, "  sftp inbox  %s   e.g. sftp -P %s <partner>@<host>\n", h.SFTPAddr, port)
		for _, fp := range h.SFTPHostKeys {
			fmt.Fprintf(w, "  host key    %s\n", fp)
		}
	}
	if c := cfg.Demo.Carrier; cfg.Demo.Enabled && c.Addr != "" {
		fmt.Fprintf(w, "  carrier     simulated: http://%s/v1/events, pushing to %s/webhooks/tracking/%s\n", c.Addr, base, c.Partner)
	}
	fmt.Fprintln(w, "Stop with Ctrl-C.")
}
