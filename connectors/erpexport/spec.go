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
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filedrop"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/internal/config"
)

// Kind is the connector kind in partner configs.
const Kind = "erp_export"

// DefaultPattern is the pattern of erp_csv files ("*.xlsx" for xlsx).
const DefaultPattern = "*.csv"

// Settings are the erp_export settings of one partner (the `settings:`
// node): the file-drop settings every file connector shares, and its own.
type Settings struct {
	filedrop.Settings `yaml:",inline"`
	// Format is the file format: erp_csv (the default) or xlsx.
	Format string `yaml:"format"`
	// Mapping is a path to a mapping file (relative to the config file's
	// directory) or a mapping written inline.
	Mapping MappingSetting `yaml:"mapping"`
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

// ApplyDefaults fills every setting left out, except archive, quarantine
// and outbox, which the file source derives from the inbox.
func (s *Settings) ApplyDefaults() {
	if s.Format == "" {
		s.Format = Format
	}
	pattern := DefaultPattern
	if s.Format == FormatXLSX {
		pattern = "*.xlsx"
	}
	s.Settings.ApplyDefaults(pattern)
}

// Validate checks the settings after ApplyDefaults and reports every problem.
func (s *Settings) Validate() error {
	errs := s.Settings.Validate()
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
	return s.Connector(cfg, Kind, dec)
}

// Spec describes the erp_export kind for config checks, `procurehub
// connectors` and the generated docs.
func Spec() connectors.Spec {
	fields := filedrop.Fields(DefaultPattern+" (*.xlsx for format xlsx)", "./var/inbox/acme-gmbh")
	fields = append(fields, []connectors.Field{
		{Name: "format", Type: "string", Default: Format,
			Description: "File format: erp_csv (delimited text) or xlsx (Excel workbook; the mapping's sheet and header_row select the table). The default pattern follows it: *.csv or *.xlsx."},
		{Name: "mapping", Type: "mapping", Required: true,
			Description: "How columns become canonical order fields: a path to a mapping file (relative to the config file's directory) or the mapping written inline; its keys are the mapping.* fields below.", Example: "partners/acme-gmbh.mapping.yaml"},
	}...)
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
