// Package filedrop holds the settings every file-drop connector shares —
// where the partner's files are (transport), which to take, when a file is
// complete, where it goes once handled — and builds the file source from
// them. A connector kind embeds Settings inline beside its own keys:
//
//	type Settings struct {
//		filedrop.Settings `yaml:",inline"`
//		Format string     `yaml:"format"`
//	}
package filedrop

import (
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/connectors/filesource/transport"
)

// Defaults of the settings.
const (
	DefaultPollInterval    = time.Second
	DefaultSettleTime      = 2 * time.Second
	DefaultMaxFilesPerPoll = 100
)

// Settings are the file-drop settings of one partner.
type Settings struct {
	// Transport says where the files are: a local directory (default), an
	// FTP or an SFTP server, and how to log in.
	Transport transport.Settings `yaml:"transport"`
	// Inbox is the directory partner files are dropped in, on the
	// transport. Local relative paths are relative to the working
	// directory, like every data directory.
	Inbox string `yaml:"inbox"`
	// Pattern selects the files to take (path.Match syntax): one pattern
	// or a list; the kind gives the default.
	Pattern Patterns `yaml:"pattern"`
	// Archive receives files whose rows were all accepted, and duplicates;
	// default <inbox>/archive.
	Archive string `yaml:"archive"`
	// Quarantine receives files with rejected rows or rejected whole;
	// default <inbox>/quarantine.
	Quarantine string `yaml:"quarantine"`
	// Outbox receives the receipts and rejected-rows CSVs for the partner;
	// default <inbox>/outbox.
	Outbox string `yaml:"outbox"`
	// Completion is how the partner marks complete files: stable (default),
	// marker (default with done_marker) or rename.
	Completion string `yaml:"completion"`
	// TempPatterns are names of files still being uploaded, never taken.
	TempPatterns []string `yaml:"temp_patterns"`
	// Spool is the local directory server files are downloaded into while
	// they are taken; default ./var/spool/<partner>.
	Spool string `yaml:"spool"`
	// PollInterval is how often the inbox is listed; default 1s.
	PollInterval time.Duration `yaml:"poll_interval"`
	// SettleTime is how long a file's size and modification time must stay
	// the same before it is taken; default 2s, 0s takes files at once.
	SettleTime *time.Duration `yaml:"settle_time"`
	// DoneMarker, when set (".done"), makes a file complete only once
	// <name><marker> exists; SettleTime is then not used.
	DoneMarker string `yaml:"done_marker"`
	// MaxFilesPerPoll bounds the files taken per poll, oldest first; default 100.
	MaxFilesPerPoll int `yaml:"max_files_per_poll"`
}

// Patterns is the pattern setting: one shell pattern, or a list of them.
type Patterns []string

// UnmarshalYAML takes a string or a list of strings.
func (p *Patterns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = Patterns{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*p = list
	return nil
}

// ApplyDefaults fills every setting left out, with patterns as the default
// patterns; archive, quarantine and outbox are left to the file source,
// which derives them from the inbox.
func (s *Settings) ApplyDefaults(patterns ...string) {
	if len(s.Pattern) == 0 {
		s.Pattern = patterns
	}
	if s.PollInterval == 0 {
		s.PollInterval = DefaultPollInterval
	}
	if s.SettleTime == nil {
		d := DefaultSettleTime
		s.SettleTime = &d
	}
	if s.MaxFilesPerPoll == 0 {
		s.MaxFilesPerPoll = DefaultMaxFilesPerPoll
	}
}

// Validate checks the settings after ApplyDefaults and returns every problem.
func (s *Settings) Validate() []error {
	var errs []error
	if s.Inbox == "" {
		errs = append(errs, errors.New("inbox is required"))
	}
	if err := s.Transport.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, p := range s.Pattern {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("pattern %q: %w", p, err))
		}
	}
	if s.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("poll_interval %s is negative", s.PollInterval))
	}
	if s.SettleTime != nil && *s.SettleTime < 0 {
		errs = append(errs, fmt.Errorf("settle_time %s is negative", *s.SettleTime))
	}
	if s.MaxFilesPerPoll < 0 {
		errs = append(errs, fmt.Errorf("max_files_per_poll %d is negative", s.MaxFilesPerPoll))
	}
	return errs
}

// NewSource opens the transport (without connecting) and builds the file
// source of partner cfg.Partner for connector kind.
func (s *Settings) NewSource(cfg connectors.Config, kind string) (*filesource.Source, error) {
	fsys, err := s.Transport.Open(cfg.Dir)
	if err != nil {
		return nil, err
	}
	spool := s.Spool
	if spool == "" && s.Transport.Remote() {
		spool = filepath.Join("var", "spool", cfg.Partner)
	}
	src, err := filesource.New(fsys, filesource.Options{
		Partner: cfg.Partner, Connector: kind, Origin: s.Transport.Describe(),
		Inbox: s.Inbox, Patterns: s.Pattern, Archive: s.Archive, Quarantine: s.Quarantine, Outbox: s.Outbox,
		Completion: s.Completion, SettleTime: *s.SettleTime, DoneMarker: s.DoneMarker, TempPatterns: s.TempPatterns,
		MaxFiles: s.MaxFilesPerPoll, Spool: spool, Logger: cfg.Logger,
	})
	if err != nil {
		if c, ok := fsys.(io.Closer); ok {
			c.Close()
		}
		return nil, err
	}
	return src, nil
}

// Connector builds the connector of a file-drop kind from its checked
// settings and its decoder: the file source over the transport, polled
// every PollInterval. Errors name the kind and the partner.
func (s *Settings) Connector(cfg connectors.Config, kind string, dec connectors.Decoder) (*connectors.Connector, error) {
	src, err := s.NewSource(cfg, kind)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, cfg.Partner, err)
	}
	return &connectors.Connector{Source: src, Decoder: dec, PollInterval: s.PollInterval}, nil
}

// Fields documents the settings for a kind's spec; pattern is the kind's
// default pattern and example an inbox path.
func Fields(pattern, example string) []connectors.Field {
	fields := []connectors.Field{
		{Name: "inbox", Type: "string", Required: true,
			Description: "Directory partner files are dropped in, on the transport (a local path is relative to the working directory).", Example: example},
		{Name: "pattern", Type: "list", Default: pattern,
			Description: "File names to take: a shell pattern or a list of them (\"[AB_*.csv, AB_*.CSV]\"). Names matching temp_patterns, receipts and names with a path separator are never taken."},
		{Name: "archive", Type: "string", Default: "<inbox>/archive",
			Description: "Where files whose records were all accepted (and duplicates) go, in YYYY/MM/DD/ subfolders, each with <name>.receipt.json. Same filesystem as the inbox."},
		{Name: "quarantine", Type: "string", Default: "<inbox>/quarantine",
			Description: "Where files with rejected rows or rejected whole go, each with <name>.receipt.json naming every rejected row. Same filesystem as the inbox."},
		{Name: "outbox", Type: "string", Default: "<inbox>/outbox",
			Description: "Where the partner finds <name>.receipt.json (accepted and rejected counts, every rejected row with its reason) and, when rows were rejected, <name>.rejected.csv."},
		{Name: "completion", Type: "string", Default: "stable (marker with done_marker)",
			Description: "How a file is known to be complete: stable (size and modification time unchanged for settle_time), marker (done_marker exists) or rename (uploaded under a temporary name, renamed when done: taken at first sight)."},
		{Name: "temp_patterns", Type: "list", Default: "[.*, ~*, *.tmp, *.part, *.partial, *.filepart]",
			Description: "Names of files still being uploaded; never taken."},
		{Name: "spool", Type: "string", Default: "./var/spool/<partner>",
			Description: "ftp/sftp: local directory a file is downloaded into while it is hashed, so that what is decoded is what was hashed."},
		{Name: "poll_interval", Type: "duration", Default: DefaultPollInterval.String(),
			Description: "How often the inbox is listed."},
		{Name: "settle_time", Type: "duration", Default: DefaultSettleTime.String(),
			Description: "A file is taken once its size and modification time have not changed for this long across polls (0s: at once, for files moved into the inbox complete). Not used with done_marker."},
		{Name: "done_marker", Type: "string",
			Description: "Suffix of a marker file that says a file is complete: with .done, orders.csv is taken once orders.csv.done exists; the marker is removed after the file is settled.", Example: ".done"},
		{Name: "max_files_per_poll", Type: "int", Default: fmt.Sprint(DefaultMaxFilesPerPoll),
			Description: "At most this many files are taken per poll, oldest first."},
	}
	return append(fields, transport.Fields()...)
}
