// Package demand is the demand connector: the buyer's demand files (buyer
// SKU, quantity, need-by date, ship-to: the columns of ordering.ReadCSV)
// dropped in an inbox on a local directory, an FTP or an SFTP server, are
// planned into purchase orders — supplier picked from the catalog,
// quantities rounded to pack size and MOQ, split by capacity, delivery
// dated from the lead time — and the orders go out like every order: the
// runtime publishes them, the validation checks them, the store keeps
// them, and the file gets its ledger entry, archive and receipt. Demand
// lines that could not be planned are rejected rows of the receipt, with
// their line and why.
//
// The kind needs the planner the binary builds from its catalog, the
// store's commitments and the config's ordering section, so it is
// registered with it:
//
//	p, err := demand.NewLivePlanner(ordering.Options{Commitments: st, Buyer: buyer}, live.Current)
//	err = registry.Register(demand.Kind(p))
//
// Only CSV is read (comma or semicolon, UTF-8 with or without BOM): the
// XLSX reading of erp_export yields mapped records, not a table this
// connector could read the demand columns from.
package demand

import (
	"context"
	"errors"
	"fmt"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filedrop"
	"github.com/procurehub/procurehub/internal/ordering"
)

// KindName is the connector kind in partner configs.
const KindName = "demand"

// Format is the one format of demand files.
const Format = "demand_csv"

// defaultPatterns are the demand files taken when pattern is not set.
var defaultPatterns = []string{"*.csv", "*.CSV"}

// Settings are the demand settings of one partner: the file-drop settings
// every file connector shares, and how the orders are numbered.
type Settings struct {
	filedrop.Settings `yaml:",inline"`
	// Prefix starts the number of every order planned from the partner's
	// files; default DMD-.
	Prefix string `yaml:"prefix"`
	// NumberBy is what identifies a file in its orders' numbers: content
	// (default) or name.
	NumberBy NumberBy `yaml:"number_by"`
}

// ApplyDefaults fills every setting left out, except archive, quarantine
// and outbox, which the file source derives from the inbox.
func (s *Settings) ApplyDefaults() {
	if s.Prefix == "" {
		s.Prefix = DefaultPrefix
	}
	if s.NumberBy == "" {
		s.NumberBy = ByContent
	}
	s.Settings.ApplyDefaults(defaultPatterns...)
}

// Validate checks the settings after ApplyDefaults and reports every problem.
func (s *Settings) Validate() error {
	errs := s.Settings.Validate()
	if err := checkOptions(s.decoderOptions()); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Settings) decoderOptions() DecoderOptions {
	return DecoderOptions{Prefix: s.Prefix, NumberBy: s.NumberBy}
}

// Kind returns the demand kind's spec and its constructor, which plans
// every file with p. A nil p makes every demand partner a config error.
func Kind(p Planner) (connectors.Spec, connectors.Constructor) {
	return Spec(), func(ctx context.Context, cfg connectors.Config) (*connectors.Connector, error) {
		return New(ctx, cfg, p)
	}
}

// New is the demand constructor with its planner: it decodes the
// partner's settings strictly, applies defaults, validates them and builds
// the inbox source and the decoder, without touching the inbox.
func New(_ context.Context, cfg connectors.Config, p Planner) (*connectors.Connector, error) {
	if cfg.Decode == nil {
		return nil, fmt.Errorf("%s %s: no settings decoder", KindName, cfg.Partner)
	}
	var s Settings
	if err := cfg.Decode(&s); err != nil {
		return nil, err // already file:line:column
	}
	s.ApplyDefaults()
	errs := []error{s.Validate()}
	if p == nil {
		errs = append(errs, errors.New("demand is planned with the supplier catalog: the config needs ordering.buyer_id and validation.catalog"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s %s: %w", KindName, cfg.Partner, err)
	}
	dec, err := NewDecoder(p, s.decoderOptions())
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", KindName, cfg.Partner, err)
	}
	return s.Connector(cfg, KindName, dec)
}

// Spec describes the demand kind for config checks, `procurehub
// connectors` and the generated docs.
func Spec() connectors.Spec {
	fields := filedrop.Fields("[*.csv, *.CSV]", "./var/inbox/demand")
	fields = append(fields, connectors.Field{Name: "prefix", Type: "string", Default: DefaultPrefix,
		Description: fmt.Sprintf("Starts the number of every order planned from the partner's files; the rest is 8 hex digits of the file's sha256 (see number_by) and 6 of what makes the order (supplier, delivery date, ship-to...), so the same file taken again updates the same orders. At most %d printable ASCII characters, no blanks or slashes.", maxPrefix),
		Example:     "DMD-"},
		connectors.Field{Name: "number_by", Type: "string", Default: string(ByContent),
			Description: "What identifies a file in its orders' numbers: content (its sha256: a replay, or the same file after a catalog fix, updates its orders; a corrected file is new demand) or name (the sha256 of its name: a corrected file dropped again under its name updates the orders of the first; only for partners that never reuse a file name).",
			Example:     string(ByName)})
	return connectors.Spec{
		Kind: KindName,
		Summary: "Buyer demand files (CSV: " + ordering.ColBuyerSKU + ", " + ordering.ColQuantity + ", " + ordering.ColNeedBy +
			", ship-to...) from an inbox on a local directory, FTP or SFTP server, planned into purchase orders from the supplier catalog.",
		Formats: []string{Format},
		Fields:  fields,
		Example: example,
	}
}

// example is a complete partner entry that builds (the conformance kit
// builds it).
const example = `name: demand
kind: demand
settings:
  inbox: ./var/inbox/demand
  prefix: DMD-
  completion: rename
`
