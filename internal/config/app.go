package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/canonical"
)

// App is procurehub's whole configuration (configs/demo.yaml, configs/production.yaml).
type App struct {
	Broker   Broker   `yaml:"broker"`
	Store    Store    `yaml:"store"`
	HTTP     HTTP     `yaml:"http"`
	Pipeline Pipeline `yaml:"pipeline"`
	// Runtime sets the Go garbage collector of `procurehub run`.
	Runtime Runtime `yaml:"runtime"`
	Demo    Demo    `yaml:"demo"`
	FX      FX      `yaml:"fx"`
	// Validation checks every order before anyone acts on it.
	Validation Validation `yaml:"validation"`
	// Ordering plans demand into purchase orders (POST /api/v1/demand).
	Ordering Ordering `yaml:"ordering"`
	// Warnings raises early warnings about open orders (late, silent,
	// held) on procurehub.alerts.v1.
	Warnings Warnings `yaml:"warnings"`
	// Notifications is the notifications YAML (channels: webhook, email,
	// in-app; routes by alert kind, severity, partner and party; see
	// configs/notifications.yaml); empty for none. Relative to the config file.
	Notifications string `yaml:"notifications"`
	// Amendments says which suppliers get an amended order as a document
	// too (the order_updated event always goes out).
	Amendments Amendments `yaml:"amendments"`
	// Settlement matches supplier invoices, plans and approves payments,
	// reconciles bank entries and raises fraud and anomaly alerts.
	Settlement Settlement `yaml:"settlement"`
	Partners   []Partner  `yaml:"partners"`

	// SFTPServer is the hosted SFTP inbox: partners without a server of
	// their own log in and drop files into their local inbox.
	SFTPServer SFTPServer `yaml:"sftp_server"`

	// Auth turns on authentication of the API and the dashboard: API
	// tokens, sessions, optional OIDC bearer tokens, rate limits.
	Auth Auth `yaml:"auth"`

	// File is the path the config was read from; Dir is its directory, which
	// relative paths in partner settings (mappings) are resolved against.
	File string `yaml:"-"`
	Dir  string `yaml:"-"`
	doc  *Document
}

// Broker says where Kafka is: an embedded in-process broker, or brokers.
type Broker struct {
	// Embedded starts an in-process Kafka-protocol broker (kfake) on Addr.
	Embedded bool `yaml:"embedded"`
	// Addr is the embedded broker's listen address; default 127.0.0.1:9092.
	Addr string `yaml:"addr"`
	// DataDir keeps the embedded broker's data; default ./var/kafka.
	DataDir string `yaml:"data_dir"`
	// Brokers are the bootstrap addresses of an external cluster.
	Brokers []string `yaml:"brokers"`
	// ConsumerGroup names the pipelines' consumer groups, one per topic:
	// <consumer_group>.<topic> (procurehub.procurehub.orders.v1); default
	// procurehub.
	ConsumerGroup string `yaml:"consumer_group"`
	// Partitions of the topics the hub creates; default 4.
	Partitions int `yaml:"partitions"`
	// MaxInFlight is how many messages per partition a handler works on at
	// once (never two of the same key); default 256.
	MaxInFlight int `yaml:"max_in_flight"`
	// TLS connects to the brokers over TLS (external brokers only).
	TLS BrokerTLS `yaml:"tls"`
	// SASL authenticates to the brokers (external brokers only).
	SASL BrokerSASL `yaml:"sasl"`
}

// BrokerTLS is how the hub checks the brokers' certificates and, for
// mutual TLS, which certificate it shows them.
type BrokerTLS struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the CAs to trust; default the system's roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the hub's client certificate and key (PEM),
	// both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the brokers' certificates.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify turns the certificate check off: for a test
	// cluster only; config check warns about it.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASL mechanisms the hub speaks.
const (
	SASLPlain       = "plain"
	SASLScramSHA256 = "scram-sha-256"
	SASLScramSHA512 = "scram-sha-512"
)

// BrokerSASL is the hub's broker login.
type BrokerSASL struct {
	// Mechanism is plain, scram-sha-256 or scram-sha-512; "" turns SASL off.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// Password comes from ${ENV}; it is never logged.
	Password Secret `yaml:"password"`
}

// Store says where the consolidated store is.
type Store struct {
	// Driver is sqlite (embedded) or postgres.
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string (from ${ENV}: it holds a
	// password) or the SQLite file path.
	DSN Secret `yaml:"dsn"`
	// MigrateOnStart applies migrations when `procurehub run` starts.
	MigrateOnStart bool `yaml:"migrate_on_start"`
}

// HTTP is the API, dashboard and metrics server.
type HTTP struct {
	Addr string `yaml:"addr"` // default 127.0.0.1:8080
}

// Runtime sets the Go garbage collector of `procurehub run`; the GOGC and
// GOMEMLIMIT environment variables, when set, win. A bulk load spends a
// tenth of its CPU in the collector at Go's defaults; a larger gc_percent
// under a memory_limit collects less often while the heap is small and
// as often as needed near the limit.
type Runtime struct {
	// GCPercent is GOGC: how far the heap may grow over the live heap
	// before a collection, in percent; 0 keeps Go's default (100).
	GCPercent int `yaml:"gc_percent"`
	// MemoryLimit is GOMEMLIMIT, a soft limit of the process's memory
	// ("220MiB", "1GiB"); empty for none. Leave room under the machine's
	// or container's limit: it is soft.
	MemoryLimit string `yaml:"memory_limit"`
}

// MemoryLimitBytes reads MemoryLimit: a whole number with B, KiB, MiB or
// GiB; 0 when empty.
func (r Runtime) MemoryLimitBytes() (int64, error) {
	s := strings.TrimSpace(r.MemoryLimit)
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 || n > (1<<62)/u.mult {
				break
			}
			return n * u.mult, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size such as 220MiB or 1GiB", r.MemoryLimit)
}

// Pipeline tunes the pipeline handlers.
type Pipeline struct {
	Retries        int           `yaml:"retries"`          // default 3
	RetryInitial   time.Duration `yaml:"retry_initial"`    // default 100ms
	HandlerTimeout time.Duration `yaml:"handler_timeout"`  // default 30s
	StoreBatchSize int           `yaml:"store_batch_size"` // default 256
	StoreWriters   int           `yaml:"store_writers"`    // batches written at once; default 2
	PublishBatch   int           `yaml:"publish_batch"`    // records per publish; default 500
	// LeaseTTL is how long an input (a file) stays leased to the instance
	// taking it without renewal: after a crash, another instance takes the
	// file again once it ran out. Default 2m.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// JobLeaseTTL is the same for a polled source or scheduled job: the
	// time another instance waits before it takes over the work of one
	// that died. Default 30s.
	JobLeaseTTL time.Duration `yaml:"job_lease_ttl"`
	// ShutdownTimeout bounds how long a SIGTERM waits for in-flight
	// messages to be handled and committed (what is not is redelivered to
	// another instance) and for HTTP requests to finish. Default 15s; keep
	// it under the orchestrator's grace period (Kubernetes: 30s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Validation turns order validation on, with its rules and catalog.
type Validation struct {
	Enabled bool `yaml:"enabled"`
	// Rules is a rules YAML (enable/disable, severity, thresholds per
	// partner); empty for the defaults. Relative to the config file.
	Rules string `yaml:"rules"`
	// Catalog is the supplier catalog YAML the catalog rules check against
	// (prices, MOQ, pack sizes, capacity, HS codes); empty for none.
	Catalog string `yaml:"catalog"`
}

// Ordering turns demand lines into purchase orders from the supplier
// catalog of Validation.Catalog; on when BuyerID is set.
type Ordering struct {
	BuyerID   string `yaml:"buyer_id"`
	BuyerName string `yaml:"buyer_name"`
	// Preference picks the supplier: price (default), lead_time or capacity.
	Preference string `yaml:"preference"`
	// Prefix starts the numbers of the orders made; default "PO-".
	Prefix string `yaml:"prefix"`
}

// Warnings turns the early-warning scanner on: every Every it walks the
// open orders and raises the alerts its rules find (no confirmation, ETA
// after the promised date, a silent carrier, a long customs hold...).
type Warnings struct {
	Enabled bool `yaml:"enabled"`
	// Rules is the rules YAML (per partner and lane; see
	// configs/warnings.yaml); empty for the built-in defaults. Relative
	// to the config file.
	Rules string `yaml:"rules"`
	// Every is how often the open orders are scanned; default 1m.
	Every time.Duration `yaml:"every"`
}

// Settlement configures finance's side: how invoices are matched, who
// approves payments, what counts as a risk, how bank entries are
// reconciled. Amounts are decimals ("10000.00").
type Settlement struct {
	Enabled bool `yaml:"enabled"`
	// HomeCurrency is the buyer's books: FX trends are read against it.
	// Default EUR.
	HomeCurrency canonical.Currency `yaml:"home_currency"`
	// CostOfCapitalPercent is the yearly rate an early-payment discount must
	// beat to be worth taking; default 8.
	CostOfCapitalPercent canonical.Decimal `yaml:"cost_of_capital_percent"`
	// ReconcileEvery is how often bank entries are reconciled besides after
	// each invoice and statement; default 1m.
	ReconcileEvery time.Duration `yaml:"reconcile_every"`
	// Tolerances of the three-way match: a default and per supplier id.
	Tolerances SettlementTolerances `yaml:"tolerances"`
	// Approval: up to SingleLimit one approver, above it two, above
	// DualLimit one of them among Senior (user ids). Limits in Currency.
	Approval SettlementApproval `yaml:"approval"`
	// Risk tunes the fraud and anomaly checks.
	Risk SettlementRisk `yaml:"risk"`
}

// SettlementTolerances are the three-way match tolerances.
type SettlementTolerances struct {
	Default    MatchTolerance            `yaml:"default"`
	BySupplier map[string]MatchTolerance `yaml:"by_supplier"`
}

// MatchTolerance is how far an invoice line may be from the order and the
// goods received and still be paid without a person looking at it.
type MatchTolerance struct {
	QuantityPercent  canonical.Decimal `yaml:"quantity_percent"`
	UnitPricePercent canonical.Decimal `yaml:"unit_price_percent"`
	Amount           canonical.Decimal `yaml:"amount"`
}

// SettlementApproval is the payment approval policy.
type SettlementApproval struct {
	Currency    canonical.Currency `yaml:"currency"`
	SingleLimit canonical.Decimal  `yaml:"single_limit"`
	DualLimit   canonical.Decimal  `yaml:"dual_limit"`
	Senior      []string           `yaml:"senior"`
}

// SettlementRisk tunes the invoice checks; zero values take the defaults.
type SettlementRisk struct {
	// MinHistory invoices before an amount can be an outlier (default 5);
	// OutlierFactor spreads above the median make one (default 6).
	MinHistory    int     `yaml:"min_history"`
	OutlierFactor float64 `yaml:"outlier_factor"`
	// SplitWindowDays: invoices this many days apart, each under the
	// single approval limit and together over it, look split (default 14).
	SplitWindowDays int `yaml:"split_window_days"`
}

// Amendments configures what goes out when an order changes.
type Amendments struct {
	// Documents are the suppliers that want an amended order as an EDI
	// document in their outbox, besides the order_updated event.
	Documents []AmendmentDocument `yaml:"documents"`
}

// AmendmentDocument sends a supplier every new version of its orders as a
// replacement order (X12 850 with BEG01 05, EDIFACT ORDERS with BGM 1225 5)
// written into Dir, where the supplier collects it (an SFTP outbox, say).
type AmendmentDocument struct {
	Supplier string `yaml:"supplier"` // the supplier's party id, as on its orders
	Format   string `yaml:"format"`   // x12 or edifact
	Dir      string `yaml:"dir"`      // relative to the config file
	Sender   string `yaml:"sender"`   // the buyer's interchange id, "QUALIFIER:ID" or "ID"
	Receiver string `yaml:"receiver"` // the supplier's interchange id
}

// Auth configures who may call the API and the dashboard (internal/auth).
// Off, the API is open: bind it to loopback.
type Auth struct {
	Enabled bool `yaml:"enabled"`
	// OIDC verifies bearer JWTs of an OpenID Connect provider besides the
	// hub's own API tokens; off while its issuer is empty.
	OIDC AuthOIDC `yaml:"oidc"`
	// RateLimit limits the requests of each credential; default 600 a
	// minute with bursts of 60.
	RateLimit AuthRateLimit `yaml:"rate_limit"`
	// SessionTTL is how long a dashboard login lasts; default 12h.
	SessionTTL time.Duration `yaml:"session_ttl"`
}

// AuthOIDC names the OpenID Connect provider whose JWTs are accepted.
type AuthOIDC struct {
	Issuer   string `yaml:"issuer"`   // the iss the tokens must carry
	Audience string `yaml:"audience"` // the aud the tokens must carry
	JWKSURL  string `yaml:"jwks_url"` // where the signing keys are published
	// PartyClaim and RolesClaim name the claims of the party id and the
	// roles (a dotted path reaches nested claims: realm_access.roles);
	// defaults party_id and roles.
	PartyClaim string `yaml:"party_claim"`
	RolesClaim string `yaml:"roles_claim"`
}

// AuthRateLimit is a token bucket per credential.
type AuthRateLimit struct {
	PerMinute int `yaml:"per_minute"`
	Burst     int `yaml:"burst"`
}

// FX loads the ECB euro foreign exchange reference rates, for conversions.
type FX struct {
	// Source is the rates file: an http(s) URL (the ECB publishes
	// https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml and the
	// -hist-90d and -hist files) or a local path where the file is dropped.
	// Empty: no rates are loaded.
	Source string `yaml:"source"`
	// Refresh is how often the rates are loaded again; default 24h.
	Refresh time.Duration `yaml:"refresh"`
}

// Demo lays the demo partner files into the partners' inboxes at start.
type Demo struct {
	Enabled  bool   `yaml:"enabled"`
	InboxDir string `yaml:"inbox_dir"` // default ./var/inbox
	// Carrier is the simulated carrier of the demo; off without an addr.
	Carrier DemoCarrier `yaml:"carrier"`
}

// DemoCarrier is the demo's simulated carrier: a tracking API on Addr
// holding the events of its scripted scenarios, and a webhook sender that
// pushes the same events to the hub's webhook of Partner, one every Every.
type DemoCarrier struct {
	Addr    string        `yaml:"addr"`
	Partner string        `yaml:"partner"`
	Secret  Credential    `yaml:"secret"`
	Every   time.Duration `yaml:"every"` // default 2s
}

// SFTPServer is the hosted SFTP inbox (internal/sftpd): one account per
// partner, rooted at that partner's local inbox, listed in Accounts.
type SFTPServer struct {
	Enabled bool `yaml:"enabled"`
	// Addr is the listen address; default 127.0.0.1:2222.
	Addr string `yaml:"addr"`
	// HostKeyDir keeps the host keys, made on first start; default ./var/sftp.
	HostKeyDir string `yaml:"host_key_dir"`
	// Accounts is the accounts YAML (see configs/sftp-server.yaml),
	// relative to the config file; read again when it changes.
	Accounts string `yaml:"accounts"`
	// MaxFileSize bounds one upload ("100MiB" or bytes); default 100MiB.
	MaxFileSize ByteSize `yaml:"max_file_size"`
	// FilesPerHour bounds each partner's uploads an hour; default 1000.
	FilesPerHour int `yaml:"files_per_hour"`
	// QuotaBytes bounds what each partner's folders hold (inbox, outbox,
	// archive, quarantine: the archive grows, so size it for the
	// retention kept); 0, the default, is no quota.
	QuotaBytes ByteSize `yaml:"quota_bytes"`
	// IdleTimeout closes a silent connection; default 10m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxAuthFailures failed logins of an account or from an address
	// within Lockout lock it out for Lockout; defaults 5 and 15m.
	MaxAuthFailures int           `yaml:"max_auth_failures"`
	Lockout         time.Duration `yaml:"lockout"`
}

// ByteSize is a size in bytes, written as a whole number of bytes or with
// a unit: 500KiB, 100MiB, 2GiB (also KB, MB, GB as powers of 1000).
type ByteSize int64

// UnmarshalYAML reads a number or a number with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseByteSize(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a size such as 100MiB or 1048576", n.Line, n.Value)}}
	}
	*b = ByteSize(v)
	return nil
}

func parseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 0 || n > (1<<62)/u.mult {
				return 0, fmt.Errorf("%q is not a size", s)
			}
			return n * u.mult, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size", s)
}

// Partner is one configured partner connection; Settings are decoded by the
// connector kind's own settings struct (see `procurehub connectors`).
type Partner struct {
	Name     string    `yaml:"name"`
	Kind     string    `yaml:"kind"`
	Settings yaml.Node `yaml:"settings"`
}

// Secret is a string that never prints: logs and errors show "***".
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Credential is a Secret that must come from the environment: a password
// or key written literally in a config file is an error at its position, so
// that credentials never land in a repository. Write password:
// ${ACME_SFTP_PASSWORD}; a ${VAR:-default} counts as the environment's.
type Credential struct{ Secret }

// UnmarshalYAML takes the value only when ${VARS} made it.
func (c *Credential) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a credential must be a string from the environment, e.g. ${PARTNER_PASSWORD}", n.Line)}}
	}
	if n.Value != "" && !strings.Contains(n.LineComment, fromEnvMarker) {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: credentials come from the environment: write ${SOME_VAR} here, not the value", n.Line)}}
	}
	c.Secret = Secret(n.Value)
	return nil
}

// Load reads a config file strictly, applies defaults and validates it.
func Load(path string, env Env) (*App, error) {
	doc, err := ParseFile(path, env)
	if err != nil {
		return nil, err
	}
	return load(doc)
}

// LoadBytes is Load for a config held in memory (the embedded demo config);
// dir is where its relative paths point.
func LoadBytes(name, dir string, b []byte, env Env) (*App, error) {
	doc, err := Parse(name, b, env)
	if err != nil {
		return nil, err
	}
	a, err := load(doc)
	if err != nil {
		return nil, err
	}
	a.Dir = dir
	return a, nil
}

func load(doc *Document) (*App, error) {
	var a App
	if err := Decode(doc.File, doc.Root, &a); err != nil {
		return nil, err
	}
	a.File, a.Dir, a.doc = doc.File, filepath.Dir(doc.File), doc
	a.defaults()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

func (a *App) defaults() {
	b := &a.Broker
	if b.Addr == "" {
		b.Addr = "127.0.0.1:9092"
	}
	if b.DataDir == "" {
		b.DataDir = "./var/kafka"
	}
	// "${PROCUREHUB_KAFKA_BROKERS}" may hold several comma-separated addresses.
	var brokers []string
	for _, e := range b.Brokers {
		for _, addr := range strings.Split(e, ",") {
			if addr = strings.TrimSpace(addr); addr != "" {
				brokers = append(brokers, addr)
			}
		}
	}
	b.Brokers = brokers
	if b.ConsumerGroup == "" {
		b.ConsumerGroup = "procurehub"
	}
	if b.Partitions == 0 {
		b.Partitions = 4
	}
	if b.MaxInFlight == 0 {
		b.MaxInFlight = 256
	}
	if a.Store.Driver == "" {
		a.Store.Driver = "sqlite"
	}
	if a.Store.Driver == "sqlite" && a.Store.DSN == "" {
		a.Store.DSN = "./var/procurehub.db"
	}
	if a.HTTP.Addr == "" {
		a.HTTP.Addr = "127.0.0.1:8080"
	}
	if a.Demo.InboxDir == "" {
		a.Demo.InboxDir = "./var/inbox"
	}
	if a.FX.Source != "" && a.FX.Refresh == 0 {
		a.FX.Refresh = 24 * time.Hour
	}
	if a.Demo.Carrier.Every == 0 {
		a.Demo.Carrier.Every = 2 * time.Second
	}
	if a.Auth.RateLimit.PerMinute == 0 {
		a.Auth.RateLimit.PerMinute = 600
	}
	if a.Auth.RateLimit.Burst == 0 {
		a.Auth.RateLimit.Burst = 60
	}
	if a.Auth.SessionTTL == 0 {
		a.Auth.SessionTTL = 12 * time.Hour
	}
	if sf := &a.SFTPServer; sf.Enabled {
		if sf.Addr == "" {
			sf.Addr = "127.0.0.1:2222"
		}
		if sf.HostKeyDir == "" {
			sf.HostKeyDir = "./var/sftp"
		}
		if sf.MaxFileSize == 0 {
			sf.MaxFileSize = 100 << 20
		}
		if sf.FilesPerHour == 0 {
			sf.FilesPerHour = 1000
		}
		if sf.IdleTimeout == 0 {
			sf.IdleTimeout = 10 * time.Minute
		}
		if sf.MaxAuthFailures == 0 {
			sf.MaxAuthFailures = 5
		}
		if sf.Lockout == 0 {
			sf.Lockout = 15 * time.Minute
		}
	}
}

// Validate reports every problem with its position in the file.
func (a *App) Validate() error {
	var errs Errors
	at := func(path []string, msg string, args ...any) {
		line, col := a.position(path)
		errs = append(errs, &Error{File: a.File, Line: line, Column: col, Message: fmt.Sprintf(msg, args...)})
	}
	if !a.Broker.Embedded && len(a.Broker.Brokers) == 0 {
		at([]string{"broker"}, "broker: set embedded: true or list brokers")
	}
	a.validateBrokerSecurity(at)
	switch a.Store.Driver {
	case "sqlite", "postgres":
	default:
		at([]string{"store", "driver"}, "store.driver: %q is not sqlite or postgres", a.Store.Driver)
	}
	if a.Store.Driver == "postgres" && a.Store.DSN == "" {
		at([]string{"store", "dsn"}, "store.dsn: required for postgres (use ${PROCUREHUB_POSTGRES_DSN})")
	}
	seenSupplier := map[string]bool{}
	for i, d := range a.Amendments.Documents {
		path := func(key string) []string { return []string{"amendments", "documents", fmt.Sprint(i), key} }
		switch {
		case d.Supplier == "":
			at(path("supplier"), "amendments.documents[%d].supplier: required (the supplier's party id)", i)
		case seenSupplier[d.Supplier]:
			at(path("supplier"), "amendments.documents[%d].supplier: %s is listed twice", i, d.Supplier)
		}
		seenSupplier[d.Supplier] = true
		if d.Format != "x12" && d.Format != "edifact" {
			at(path("format"), "amendments.documents[%d].format: %q is not x12 or edifact (a UBL Order cannot say it replaces one)", i, d.Format)
		}
		if d.Dir == "" {
			at(path("dir"), "amendments.documents[%d].dir: required (where the supplier collects its documents)", i)
		}
		if d.Sender == "" || d.Receiver == "" {
			at(path("sender"), "amendments.documents[%d]: sender and receiver (interchange ids) are required", i)
		}
	}
	if st := a.Settlement; st.Enabled {
		a.validateSettlement(at)
	}
	if a.SFTPServer.Enabled {
		a.validateSFTPServer(at)
	}
	if a.Runtime.GCPercent < 0 {
		at([]string{"runtime", "gc_percent"}, "runtime.gc_percent: %d is negative", a.Runtime.GCPercent)
	}
	if _, err := a.Runtime.MemoryLimitBytes(); err != nil {
		at([]string{"runtime", "memory_limit"}, "runtime.memory_limit: %v", err)
	}
	if a.Warnings.Every < 0 {
		at([]string{"warnings", "every"}, "warnings.every: %s is negative", a.Warnings.Every)
	}
	for _, l := range []struct {
		key string
		d   time.Duration
	}{{"lease_ttl", a.Pipeline.LeaseTTL}, {"job_lease_ttl", a.Pipeline.JobLeaseTTL}} {
		if l.d != 0 && l.d < 3*time.Second {
			at([]string{"pipeline", l.key}, "pipeline.%s: %s is too short: a lease is renewed every third of it (at least 3s)", l.key, l.d)
		}
	}
	if a.Pipeline.ShutdownTimeout < 0 {
		at([]string{"pipeline", "shutdown_timeout"}, "pipeline.shutdown_timeout: %s is negative", a.Pipeline.ShutdownTimeout)
	}
	if a.FX.Refresh < 0 {
		at([]string{"fx", "refresh"}, "fx.refresh: %s is negative", a.FX.Refresh)
	}
	if o := a.Auth.OIDC; o != (AuthOIDC{}) {
		if o.Issuer == "" {
			at([]string{"auth", "oidc"}, "auth.oidc.issuer: required with any other oidc setting")
		}
		if o.Audience == "" {
			at([]string{"auth", "oidc"}, "auth.oidc.audience: required (the aud the tokens carry, e.g. procurehub-api)")
		}
		if !strings.HasPrefix(o.JWKSURL, "https://") && !strings.HasPrefix(o.JWKSURL, "http://") {
			at([]string{"auth", "oidc", "jwks_url"}, "auth.oidc.jwks_url: %q is not an http(s) URL", o.JWKSURL)
		}
	}
	if rl := a.Auth.RateLimit; rl.PerMinute < 0 || rl.Burst < 0 {
		at([]string{"auth", "rate_limit"}, "auth.rate_limit: per_minute and burst must not be negative")
	}
	if a.Auth.SessionTTL < 0 {
		at([]string{"auth", "session_ttl"}, "auth.session_ttl: %s is negative", a.Auth.SessionTTL)
	}
	if o := a.Ordering; o.BuyerID != "" && a.Validation.Catalog == "" {
		at([]string{"ordering"}, "ordering: planning demand needs the supplier catalog (validation.catalog)")
	}
	switch a.Ordering.Preference {
	case "", "price", "lead_time", "capacity":
	default:
		at([]string{"ordering", "preference"}, "ordering.preference: %q is not price, lead_time or capacity", a.Ordering.Preference)
	}
	if c := a.Demo.Carrier; c.Addr != "" {
		if c.Partner == "" || c.Secret.Reveal() == "" {
			at([]string{"demo", "carrier"}, "demo.carrier: partner and secret are required with an addr")
		}
		if c.Every < 0 {
			at([]string{"demo", "carrier", "every"}, "demo.carrier.every: %s is negative", c.Every)
		}
	}
	seen := map[string]bool{}
	for i, p := range a.Partners {
		path := []string{"partners", fmt.Sprint(i)}
		switch {
		case p.Name == "":
			at(path, "partners[%d].name: required", i)
		case seen[p.Name]:
			at(append(path, "name"), "partners[%d].name: %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
		if p.Kind == "" {
			at(path, "partners[%d].kind: required", i)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// position finds the line and column of a key path ("partners", "0", "name") in the file.
func (a *App) position(path []string) (int, int) {
	if a.doc == nil {
		return 1, 1
	}
	n := a.doc.Root
	line, col := n.Line, n.Column
	for _, p := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line, col = n.Content[i].Line, n.Content[i].Column
					next = n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscan(p, &idx); err == nil && idx < len(n.Content) {
				next = n.Content[idx]
				line, col = next.Line, next.Column
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line, col
}

// DecodeSettings decodes a partner's settings strictly into v, with errors
// positioned in the config file.
func (a *App) DecodeSettings(p *Partner, v any) error {
	if p.Settings.Kind == 0 {
		return errors.New("settings: missing")
	}
	return Decode(a.File, &p.Settings, v)
}

// PartnerPosition is where partner i starts in the file, for messages.
func (a *App) PartnerPosition(i int, key string) (int, int) {
	path := []string{"partners", fmt.Sprint(i)}
	if key != "" {
		path = append(path, key)
	}
	return a.position(path)
}

func (a *App) validateBrokerSecurity(at func(path []string, msg string, args ...any)) {
	t, sa := a.Broker.TLS, a.Broker.SASL
	if a.Broker.Embedded && (t.Enabled || sa.Mechanism != "") {
		at([]string{"broker"}, "broker: tls and sasl are for external brokers; the embedded broker speaks plaintext on loopback")
	}
	if !t.Enabled && t != (BrokerTLS{}) {
		at([]string{"broker", "tls"}, "broker.tls: settings given but enabled is false")
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		at([]string{"broker", "tls"}, "broker.tls: cert_file and key_file go together")
	}
	switch sa.Mechanism {
	case "":
		if sa.Username != "" || sa.Password != "" {
			at([]string{"broker", "sasl"}, "broker.sasl: username or password given without a mechanism (plain, scram-sha-256, scram-sha-512)")
		}
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if sa.Username == "" || sa.Password == "" {
			at([]string{"broker", "sasl"}, "broker.sasl: %s needs username and password (use ${ENV} for the password)", sa.Mechanism)
		}
		if sa.Mechanism == SASLPlain && !t.Enabled {
			at([]string{"broker", "sasl", "mechanism"}, "broker.sasl.mechanism: plain sends the password in clear text; enable broker.tls with it")
		}
	default:
		at([]string{"broker", "sasl", "mechanism"}, "broker.sasl.mechanism: %q is not plain, scram-sha-256 or scram-sha-512", sa.Mechanism)
	}
}

func (a *App) validateSFTPServer(at func(path []string, msg string, args ...any)) {
	sf := a.SFTPServer
	key := func(k string) []string { return []string{"sftp_server", k} }
	if sf.Accounts == "" {
		at([]string{"sftp_server"}, "sftp_server.accounts: required (the accounts YAML, see configs/sftp-server.yaml)")
	}
	if _, port, err := net.SplitHostPort(sf.Addr); err != nil || port == "" {
		at(key("addr"), "sftp_server.addr: %q is not host:port", sf.Addr)
	}
	if sf.MaxFileSize < 0 || sf.QuotaBytes < 0 {
		at([]string{"sftp_server"}, "sftp_server: max_file_size and quota_bytes must not be negative")
	}
	if sf.QuotaBytes > 0 && sf.MaxFileSize > sf.QuotaBytes {
		at(key("quota_bytes"), "sftp_server.quota_bytes: %d is below max_file_size %d", sf.QuotaBytes, sf.MaxFileSize)
	}
	if sf.FilesPerHour < 0 {
		at(key("files_per_hour"), "sftp_server.files_per_hour: %d is negative", sf.FilesPerHour)
	}
	if sf.IdleTimeout < 0 {
		at(key("idle_timeout"), "sftp_server.idle_timeout: %s is negative", sf.IdleTimeout)
	}
	if sf.MaxAuthFailures < 0 {
		at(key("max_auth_failures"), "sftp_server.max_auth_failures: %d is negative", sf.MaxAuthFailures)
	}
	if sf.Lockout < 0 {
		at(key("lockout"), "sftp_server.lockout: %s is negative", sf.Lockout)
	}
}

func (a *App) validateSettlement(at func(path []string, msg string, args ...any)) {
	st := a.Settlement
	if st.HomeCurrency != "" && !st.HomeCurrency.Valid() {
		at([]string{"settlement", "home_currency"}, "settlement.home_currency: %q is not an ISO 4217 currency", st.HomeCurrency)
	}
	if st.ReconcileEvery < 0 {
		at([]string{"settlement", "reconcile_every"}, "settlement.reconcile_every: %s is negative", st.ReconcileEvery)
	}
	ap := st.Approval
	if ap.Currency != "" && !ap.Currency.Valid() {
		at([]string{"settlement", "approval", "currency"}, "settlement.approval.currency: %q is not an ISO 4217 currency", ap.Currency)
	}
	if ap.SingleLimit.IsNegative() || ap.DualLimit.IsNegative() {
		at([]string{"settlement", "approval"}, "settlement.approval: limits must not be negative")
	}
	if ap.DualLimit.LessThan(ap.SingleLimit.Decimal) {
		at([]string{"settlement", "approval", "dual_limit"}, "settlement.approval.dual_limit: %s is below single_limit %s", ap.DualLimit, ap.SingleLimit)
	}
	if len(ap.Senior) == 0 {
		at([]string{"settlement", "approval"}, "settlement.approval.senior: name the users who may approve above dual_limit %s", ap.DualLimit)
	}
	check := func(path []string, name string, t MatchTolerance) {
		if t.QuantityPercent.IsNegative() || t.UnitPricePercent.IsNegative() || t.Amount.IsNegative() {
			at(path, "%s: tolerances must not be negative", name)
		}
		hundred := canonical.MustDecimal("100")
		if t.QuantityPercent.GreaterThan(hundred.Decimal) || t.UnitPricePercent.GreaterThan(hundred.Decimal) {
			at(path, "%s: a percentage over 100 tolerates anything", name)
		}
	}
	check([]string{"settlement", "tolerances", "default"}, "settlement.tolerances.default", st.Tolerances.Default)
	for id, t := range st.Tolerances.BySupplier {
		check([]string{"settlement", "tolerances", "by_supplier", id}, "settlement.tolerances.by_supplier."+id, t)
	}
	if r := st.Risk; r.MinHistory < 0 || r.OutlierFactor < 0 || r.SplitWindowDays < 0 {
		at([]string{"settlement", "risk"}, "settlement.risk: values must not be negative")
	}
}
