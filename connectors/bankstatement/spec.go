// Package bankstatement is the bank_statement connector: statement files
// a bank (or the treasury system) drops on a local directory, an FTP or an
// SFTP server, in one of the formats of its subpackages — SWIFT MT940 and
// MT942 (mt940), ISO 20022 camt.053, camt.052 and camt.054 (camt) and BAI2
// (bai2) — read into canonical bank statements, with every entry exactly as
// the bank sent it and a balance check.
package bankstatement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement/bai2"
	"github.com/procurehub/procurehub/connectors/bankstatement/camt"
	"github.com/procurehub/procurehub/connectors/bankstatement/mt940"
	"github.com/procurehub/procurehub/connectors/filedrop"
)

// Kind is the connector kind in partner configs.
const Kind = "bank_statement"

// format is one statement format: its decoder and the file names banks
// give it.
type format struct {
	decoder  func() (connectors.Decoder, error)
	patterns []string
}

var formats = map[string]format{
	mt940.Format:       {func() (connectors.Decoder, error) { return mt940.NewDecoder(), nil }, []string{"*.sta", "*.mt940", "*.txt"}},
	mt940.FormatMT942:  {func() (connectors.Decoder, error) { return mt940.NewDecoder(), nil }, []string{"*.sta", "*.mt942", "*.txt"}},
	camt.FormatCAMT053: {camtDecoder(camt.FormatCAMT053), []string{"*.xml"}},
	camt.FormatCAMT052: {camtDecoder(camt.FormatCAMT052), []string{"*.xml"}},
	camt.FormatCAMT054: {camtDecoder(camt.FormatCAMT054), []string{"*.xml"}},
	bai2.Format:        {func() (connectors.Decoder, error) { return bai2.NewDecoder(), nil }, []string{"*.bai", "*.bai2", "*.txt"}},
}

func camtDecoder(name string) func() (connectors.Decoder, error) {
	return func() (connectors.Decoder, error) { return camt.NewDecoder(name) }
}

// Formats lists the statement formats, sorted.
func Formats() []string {
	var out []string
	for f := range formats {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// NewDecoder returns the decoder of a statement format, as `procurehub
// parse --format` and partner configs name it.
func NewDecoder(name string) (connectors.Decoder, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("format %q is not a statement format (use %s)", name, strings.Join(Formats(), ", "))
	}
	return f.decoder()
}

// Settings are the bank_statement settings of one partner: the file-drop
// settings every file connector shares, and the format.
type Settings struct {
	filedrop.Settings `yaml:",inline"`
	// Format is the statement format (see Formats); required.
	Format string `yaml:"format"`
}

// New is the bank_statement constructor: it decodes the settings strictly,
// applies defaults, validates them and builds the source and the decoder,
// without touching the inbox.
func New(_ context.Context, cfg connectors.Config) (*connectors.Connector, error) {
	if cfg.Decode == nil {
		return nil, fmt.Errorf("%s %s: no settings decoder", Kind, cfg.Partner)
	}
	var s Settings
	if err := cfg.Decode(&s); err != nil {
		return nil, err // already file:line:column
	}
	f, known := formats[s.Format]
	s.ApplyDefaults(f.patterns...)
	errs := s.Settings.Validate()
	switch {
	case s.Format == "":
		errs = append(errs, fmt.Errorf("format is required (one of %s)", strings.Join(Formats(), ", ")))
	case !known:
		errs = append(errs, fmt.Errorf("format %q is not a statement format (use %s)", s.Format, strings.Join(Formats(), ", ")))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	dec, err := f.decoder()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	return s.Connector(cfg, Kind, dec)
}

// Spec describes the bank_statement kind for config checks, `procurehub
// connectors` and the generated docs.
func Spec() connectors.Spec {
	fields := filedrop.Fields("by format: *.sta, *.mt940, *.mt942, *.txt (MT940/MT942); *.xml (camt); *.bai, *.bai2, *.txt (BAI2)", "./var/inbox/commerzbank")
	fields = append(fields, connectors.Field{Name: "format", Type: "string", Required: true,
		Description: "Statement format: " + strings.Join(Formats(), ", ") + ". mt940 also reads MT942 interim reports; camt053 refuses a camt.054 file and says what it found.",
		Example:     "camt053"})
	return connectors.Spec{
		Kind:    Kind,
		Summary: "Bank statements (MT940/MT942, camt.052/053/054, BAI2) from an inbox on a local directory, FTP or SFTP server, with every entry and a balance check.",
		Formats: Formats(),
		Fields:  fields,
		Example: example,
	}
}

// example is a complete partner entry that builds (the conformance kit
// builds it).
const example = `name: commerzbank
kind: bank_statement
settings:
  inbox: ./var/inbox/commerzbank
  format: camt053
  completion: rename
`
