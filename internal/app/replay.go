package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/embedded"
	"github.com/procurehub/procurehub/internal/kafka"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// --- mapping versions ---

// mappingNode returns the value node of a partner's mapping setting; nil
// when its connector takes no mapping.
func mappingNode(p *config.Partner) *yaml.Node {
	n := &p.Settings
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "mapping" {
			return n.Content[i+1]
		}
	}
	return nil
}

// PartnerMapping returns the content of partner p's mapping: the file it
// names (relative to the config's folder) or the inline mapping written
// out as YAML; nil when the partner has none.
func PartnerMapping(cfg *config.App, p *config.Partner) ([]byte, error) {
	n := mappingNode(p)
	switch {
	case n == nil:
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		path := n.Value
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.Dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("partner %s: mapping: %w", p.Name, err)
		}
		return b, nil
	default:
		b, err := yaml.Marshal(n)
		if err != nil {
			return nil, fmt.Errorf("partner %s: inline mapping: %w", p.Name, err)
		}
		return b, nil
	}
}

// partnerIndex is the index of the partner named name in cfg, -1 when
// there is none.
func partnerIndex(cfg *config.App, name string) int {
	for i := range cfg.Partners {
		if cfg.Partners[i].Name == name {
			return i
		}
	}
	return -1
}

// recordMappings gives each ingestor the version of its partner's mapping,
// adding the mapping as a new version when its content changed.
func recordMappings(ctx context.Context, cfg *config.App, st store.MappingStore, ingestors []*pipelines.Ingestor, log *slog.Logger) error {
	for _, g := range ingestors {
		i := partnerIndex(cfg, g.Partner)
		if i < 0 {
			continue
		}
		content, err := PartnerMapping(cfg, &cfg.Partners[i])
		if err != nil {
			return err
		}
		if content == nil {
			continue
		}
		v, added, err := st.RecordMapping(ctx, g.Partner, content)
		if err != nil {
			return fmt.Errorf("partner %s: record mapping version: %w", g.Partner, err)
		}
		g.MappingVersion = v.Version
		if added {
			log.Info("new mapping version", "partner", g.Partner, "version", v.Version, "sha256", v.SHA256[:12])
		}
	}
	return nil
}

// withMapping returns a copy of cfg whose partner i reads with the mapping
// content, written to a file in dir.
func withMapping(cfg *config.App, i int, content []byte, dir string) (*config.App, error) {
	p := cfg.Partners[i]
	if mappingNode(&p) == nil {
		return nil, fmt.Errorf("partner %s (%s) takes no mapping", p.Name, p.Kind)
	}
	file := filepath.Join(dir, p.Name+".mapping.yaml")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		return nil, err
	}
	settings := p.Settings // a copy of the node and of its content slice
	settings.Content = append([]*yaml.Node(nil), p.Settings.Content...)
	for k := 0; k+1 < len(settings.Content); k += 2 {
		if settings.Content[k].Value == "mapping" {
			settings.Content[k+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: file}
		}
	}
	p.Settings = settings
	out := *cfg
	out.Partners = append([]config.Partner(nil), cfg.Partners...)
	out.Partners[i] = p
	return &out, nil
}

// --- replay ---

// ReplayOptions are what the replay commands share.
type ReplayOptions struct {
	Config *config.App
	Out    io.Writer // the report
	Logger *slog.Logger
	By     string // who replays, recorded with file replays
	DryRun bool
	// Brokers, when set, are the running hub's broker addresses (in tests,
	// an embedded broker on a port picked at start).
	Brokers []string
}

// replayEnv is the broker and store a replay works with.
type replayEnv struct {
	st      Store
	brokers []string
	sec     kafka.Security
	pub     *kafka.Publisher
	close   func()
}

// openReplayEnv connects to the config's store and broker. With the
// embedded broker it uses the running hub's when one answers on its
// address, else it starts it on its data folder for the replay, so that
// the running (or next) hub finds the re-driven messages there.
func openReplayEnv(ctx context.Context, o ReplayOptions) (*replayEnv, error) {
	cfg, log := o.Config, o.Logger
	if log == nil {
		log = slog.Default()
	}
	sec, err := BrokerSecurity(cfg.Broker)
	if err != nil {
		return nil, err
	}
	env := &replayEnv{sec: sec, brokers: cfg.Broker.Brokers}
	var closers []func()
	env.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if len(o.Brokers) > 0 {
		env.brokers = o.Brokers
	} else if cfg.Broker.Embedded {
		addr := cfg.Broker.Addr
		if addr == "" {
			addr = embedded.DefaultAddr
		}
		env.brokers = []string{addr}
		if err := kafka.Ping(ctx, env.brokers); err != nil {
			b, err := embedded.Start(ctx, embedded.Config{Addr: addr, DataDir: cfg.Broker.DataDir,
				Partitions: cfg.Broker.Partitions, Logger: log})
			if err != nil {
				return nil, fmt.Errorf("embedded broker (no hub answers on %s): %w", addr, err)
			}
			closers = append(closers, func() { b.Close() })
			env.brokers = b.Addrs()
		}
	}
	st, err := OpenStore(ctx, cfg.Store)
	if err != nil {
		env.close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	closers = append(closers, func() { st.Close() })
	env.st = st
	if err := st.Migrate(ctx); err != nil {
		env.close()
		return nil, fmt.Errorf("migrate store: %w", err)
	}
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: env.brokers, Source: "procurehub", Logger: log, Security: sec})
	if err != nil {
		env.close()
		return nil, err
	}
	closers = append(closers, func() { pub.Close() })
	env.pub = pub
	return env, nil
}

// ReplayPoison re-drives the poison queue (see pipelines.ReplayPoison) and
// prints a line per message and a total.
func ReplayPoison(ctx context.Context, o ReplayOptions, handler string) error {
	env, err := openReplayEnv(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()
	if err := env.sec.EnsureTopics(ctx, env.brokers, o.Config.Broker.Partitions, pipelines.TopicPoison); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTOPIC\tHANDLER\tPARTNER\tFILE\tREASON")
	res, err := pipelines.ReplayPoison(ctx, pipelines.ReplayPoisonConfig{Brokers: env.brokers, Security: env.sec,
		Handler: handler, DryRun: o.DryRun}, env.pub, func(p pipelines.PoisonMessage) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Topic, p.Handler, p.Partner, p.File, oneLine(p.Reason, 100))
	})
	tw.Flush()
	verb := "re-driven"
	if o.DryRun {
		verb = "would be re-driven (dry run: nothing sent, position kept)"
	}
	fmt.Fprintf(o.Out, "%d poison message(s) read; those listed %s", res.Read, verb)
	if res.Left > 0 {
		fmt.Fprintf(o.Out, "; %d left for the next replay", res.Left)
	}
	fmt.Fprintln(o.Out)
	return err
}

// ReplayFile re-ingests the file of ledger entry id from its partner's
// archive or quarantine, with mapping version version (0: the partner's
// current mapping), and prints the outcome.
func ReplayFile(ctx context.Context, o ReplayOptions, id int64, version int) error {
	env, err := openReplayEnv(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	e, err := env.st.LedgerByID(ctx, id)
	if err != nil {
		return err
	}
	cfg := o.Config
	i := partnerIndex(cfg, e.Partner)
	if i < 0 {
		return fmt.Errorf("ledger entry %d is partner %s's, which the config does not have", id, e.Partner)
	}
	if version == 0 {
		content, err := PartnerMapping(cfg, &cfg.Partners[i])
		if err != nil {
			return err
		}
		if content != nil {
			v, _, err := env.st.RecordMapping(ctx, e.Partner, content)
			if err != nil {
				return err
			}
			version = v.Version
		}
	} else {
		mv, err := env.st.GetMappingVersion(ctx, e.Partner, version)
		if err != nil {
			return fmt.Errorf("partner %s: %w", e.Partner, err)
		}
		tmp, err := os.MkdirTemp("", "procurehub-replay-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if cfg, err = withMapping(cfg, i, mv.Content, tmp); err != nil {
			return err
		}
	}
	reg, err := Builtins()
	if err != nil {
		return err
	}
	c, err := BuildConnector(ctx, cfg, reg, i, log, trackedNumbers(env.st))
	if err != nil {
		return err
	}
	if c.Source != nil {
		defer c.Source.Close()
	}
	g := &pipelines.Ingestor{Partner: e.Partner, Kind: cfg.Partners[i].Kind, Connector: c, Publisher: env.pub,
		Ledger: env.st, Logger: log, BatchSize: cfg.Pipeline.PublishBatch, MappingVersion: version}
	out, err := g.Reingest(ctx, env.st, id, o.By, o.DryRun)
	if err != nil {
		return err
	}
	mode := "replayed"
	if o.DryRun {
		mode = "dry run (nothing published)"
	}
	fmt.Fprintf(o.Out, "file %d %s (partner %s, first read with mapping version %d) %s with mapping version %d: %s, %d record(s), %d rejected\n",
		id, e.Name, e.Partner, e.MappingVersion, mode, version, out.Status, out.Accepted, out.Rejected)
	for k, re := range out.RowErrors {
		if k == 20 {
			fmt.Fprintf(o.Out, "  ... %d more\n", len(out.RowErrors)-k)
			break
		}
		fmt.Fprintf(o.Out, "  %s\n", re.Error())
	}
	return nil
}

// ListFiles prints the ledger's newest entries (of one partner, or all),
// with the ids replay takes, their mapping version and replays.
func ListFiles(ctx context.Context, o ReplayOptions, partner string, limit int) error {
	st, err := OpenStore(ctx, o.Config.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	entries, err := st.ListLedger(ctx, partner, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTNER\tFILE\tSTATUS\tRECORDS\tREJECTS\tMAPPING\tREPLAYS\tTAKEN")
	for _, e := range entries {
		rs, err := st.Replays(ctx, e.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\tv%d\t%d\t%s\n", e.ID, e.Partner, e.Name, e.Status, e.Records, e.Rejects,
			e.MappingVersion, len(rs), e.CreatedAt.UTC().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func oneLine(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return string(r)
}
