// Package erpexport is the erp_export connector: ERP exports and supplier
// documents dropped in an inbox (a local directory, an FTP or an SFTP
// server), read through a per-partner mapping into canonical records:
// orders, order responses, shipments, invoices and production progress
// events, as the mapping's document says. Format erp_csv is CSV (any common
// delimiter, encoding, decimal and date convention, as the mapping says);
// format xlsx is an Excel workbook, streamed row by row.
//
// The binary registers it in its one list of built-ins:
//
//	registry.Register(erpexport.Spec(), erpexport.New)
//
// and `procurehub parse` uses the decoder alone:
//
//	m, err := mapping.Load("configs/partners/acme-gmbh.mapping.yaml")
//	d, err := erpexport.NewDecoder(m)
//	err = d.Decode(ctx, connectors.Input{Name: "orders.csv"}, file, sink)
package erpexport

import (
	"context"
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
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/config"
)

// Kind is the connector kind in partner configs.
const Kind = "erp_export"

// Defaults of the settings.
const (
	DefaultPattern         = "*.csv"
	DefaultPollInterval    = time.Second
	DefaultSettleTime      = 2 * time.Second
	DefaultMaxFilesPerPoll = 100
)

// Settings are the erp_export settings of one partner (the `settings:` node).
type Settings struct {
	// Transport says where the files are: a local directory (default), an
	// FTP or an SFTP server, and how to log in.
	Transport transport.Settings `yaml:"transport"`
	// Inbox is the directory partner files are dropped in, on the
	// transport. Local relative paths are relative to the working
	// directory, like every data directory.
	Inbox string `yaml:"inbox"`
	// Pattern selects the files to take (path.Match syntax): one pattern
	// or a list; default "*.csv" ("*.xlsx" for format xlsx).
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
	// Format is the file format: erp_csv (the default) or xlsx.
	Format string `yaml:"format"`
	// Mapping is a path to a mapping file (relative to the config file's
	// directory) or a mapping written inline.
	Mapping MappingSetting `yaml:"mapping"`
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

// MappingSetting is the mapping key: a file path or an inline mapping.
type MappingSetting struct {
	Path   string           // the path as written
	Inline *mapping.Mapping // the inline mapping, already validated
}

// UnmarshalYAML takes a path (a string) or an inline mapping, which it
// decodes strictly and validates on the spot, so that its problems are
// reported with the config file's line numbers.
func (s *MappingSetting) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		s.Path = n.Value
		return nil
	case yaml.MappingNode:
		m, err := mapping.Decode("", n)
		if err != nil {
			return typeError(n, err)
		}
		s.Inline = m
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: mapping must be a file path or a mapping", n.Line)}}
}

// typeError turns the inline mapping's positioned errors into a
// *yaml.TypeError ("line N: message"), which config.Decode reports as
// file:line:column of the config file.
func typeError(n *yaml.Node, err error) error {
	var lines []string
	var walk func(error)
	walk = func(err error) {
		var ce *config.Error
		switch e := err.(type) {
		case config.Errors:
			for _, x := range e {
				walk(x)
			}
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		default:
			if errors.As(err, &ce) {
				lines = append(lines, fmt.Sprintf("line %d: mapping: %s", ce.Line, ce.Message))
			} else {
				lines = append(lines, fmt.Sprintf("line %d: mapping: %v", n.Line, err))
			}
		}
	}
	walk(err)
	return &yaml.TypeError{Errors: lines}
}

// ApplyDefaults fills every setting left out, except archive and
// quarantine, which the file source derives from the inbox.
func (s *Settings) ApplyDefaults() {
	if len(s.Pattern) == 0 {
		s.Pattern = Patterns{DefaultPattern}
		if s.Format == FormatXLSX {
			s.Pattern = Patterns{"*.xlsx"}
		}
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
	if s.Format == "" {
		s.Format = Format
	}
}

// Validate checks the settings after ApplyDefaults and reports every problem.
func (s *Settings) Validate() error {
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
	if _, ok := decoders[s.Format]; !ok {
		errs = append(errs, fmt.Errorf("format %q is not supported (use %s or %s)", s.Format, Format, FormatXLSX))
	}
	if s.Mapping.Path == "" && s.Mapping.Inline == nil {
		errs = append(errs, errors.New("mapping is required: a mapping file path or an inline mapping"))
	}
	return errors.Join(errs...)
}

// decoders are the formats of erp_export files.
var decoders = map[string]func(*mapping.Mapping) (connectors.Decoder, error){
	Format:     func(m *mapping.Mapping) (connectors.Decoder, error) { return NewDecoder(m) },
	FormatXLSX: func(m *mapping.Mapping) (connectors.Decoder, error) { return NewXLSXDecoder(m) },
}

// NewFormatDecoder returns the decoder of a format (Format or FormatXLSX)
// for a mapping, as `procurehub parse --format` and partner configs name it.
func NewFormatDecoder(format string, m *mapping.Mapping) (connectors.Decoder, error) {
	newDecoder, ok := decoders[format]
	if !ok {
		return nil, fmt.Errorf("format %q is not supported (use %s or %s)", format, Format, FormatXLSX)
	}
	return newDecoder(m)
}

// New is the erp_export constructor: it decodes the partner's settings
// strictly, applies defaults, validates them, loads the mapping and builds
// the inbox source and the decoder. It does not touch the inbox.
func New(_ context.Context, cfg connectors.Config) (*connectors.Connector, error) {
	if cfg.Decode == nil {
		return nil, fmt.Errorf("%s %s: no settings decoder", Kind, cfg.Partner)
	}
	var s Settings
	if err := cfg.Decode(&s); err != nil {
		return nil, err // already file:line:column
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	m := s.Mapping.Inline
	if m == nil {
		p := s.Mapping.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(cfg.Dir, p)
		}
		var err error
		if m, err = mapping.Load(p); err != nil {
			return nil, err // names the mapping file and position
		}
	}
	dec, err := NewFormatDecoder(s.Format, m)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	fsys, err := s.Transport.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	spool := s.Spool
	if spool == "" && s.Transport.Remote() {
		spool = filepath.Join("var", "spool", cfg.Partner)
	}
	src, err := filesource.New(fsys, filesource.Options{
		Partner: cfg.Partner, Connector: Kind, Origin: s.Transport.Describe(),
		Inbox: s.Inbox, Patterns: s.Pattern, Archive: s.Archive, Quarantine: s.Quarantine, Outbox: s.Outbox,
		Completion: s.Completion, SettleTime: *s.SettleTime, DoneMarker: s.DoneMarker, TempPatterns: s.TempPatterns,
		MaxFiles: s.MaxFilesPerPoll, Spool: spool, Logger: cfg.Logger,
	})
	if err != nil {
		if c, ok := fsys.(io.Closer); ok {
			c.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	return &connectors.Connector{Source: src, Decoder: dec, PollInterval: s.PollInterval}, nil
}

// Spec describes the erp_export kind for config checks, `procurehub
// connectors` and the generated docs.
func Spec() connectors.Spec {
	fields := []connectors.Field{
		{Name: "inbox", Type: "string", Required: true,
			Description: "Directory partner files are dropped in, on the transport (a local path is relative to the working directory).", Example: "./var/inbox/acme-gmbh"},
		{Name: "pattern", Type: "list", Default: DefaultPattern + " (*.xlsx for format xlsx)",
			Description: "File names to take: a shell pattern or a list of them (\"[AB_*.csv, AB_*.CSV]\"). Names matching temp_patterns, receipts and names with a path separator are never taken."},
		{Name: "archive", Type: "string", Default: "<inbox>/archive",
			Description: "Where files whose rows were all accepted (and duplicates) go, in YYYY/MM/DD/ subfolders, each with <name>.receipt.json. Same filesystem as the inbox."},
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
		{Name: "format", Type: "string", Default: Format,
			Description: "File format: erp_csv (delimited text) or xlsx (Excel workbook; the mapping's sheet and header_row select the table). The default pattern follows it: *.csv or *.xlsx."},
		{Name: "mapping", Type: "mapping", Required: true,
			Description: "How columns become canonical order fields: a path to a mapping file (relative to the config file's directory) or the mapping written inline; its keys are the mapping.* fields below.", Example: "partners/acme-gmbh.mapping.yaml"},
	}
	fields = append(fields, transport.Fields()...)
	for _, k := range mapping.Keys() {
		k.Name = "mapping." + k.Name
		fields = append(fields, k)
	}
	return connectors.Spec{
		Kind:    Kind,
		Summary: "ERP exports and supplier documents (CSV, XLSX) from an inbox on a local directory, FTP or SFTP server, mapped column by column to canonical records.",
		Formats: []string{Format, FormatXLSX},
		Fields:  fields,
		Example: example,
	}
}

// example is a complete partner entry that builds (the conformance kit
// builds it): a German ERP export with semicolons, decimal commas and
// day-first dates, mapped inline.
const example = `name: acme-gmbh
kind: erp_export
settings:
  inbox: ./var/inbox/acme-gmbh
  pattern: "*.csv"
  settle_time: 2s
  mapping:
    encoding: auto
    delimiter: ";"
    decimal_mark: ","
    thousands_separator: "."
    date_formats: [DD.MM.YYYY]
    columns:
      order_number: Bestellnummer
      order_date: Bestelldatum
      supplier.id: Lieferant
      currency: Währung
      incoterm: Lieferbedingung
      lines.line_number: Position
      lines.sku: Artikelnummer
      lines.description: Bezeichnung
      lines.quantity: Menge
      lines.unit: Einheit
      lines.unit_price: Einzelpreis
    constants:
      buyer.id: ACME-DE
    values:
      lines.unit: {Stk: EA, kg: KGM, m: MTR}
`
