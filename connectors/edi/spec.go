// Package edi is the edi connector: B2B documents a partner drops on a
// local directory, an FTP or an SFTP server — ANSI X12 (x12), UN/EDIFACT
// and EANCOM (edifact), UBL 2.1 with its PEPPOL, XRechnung and OIOUBL
// variants (ubl) — read into canonical orders, order responses, shipments
// and invoices. Envelope problems that lose nothing (counts that disagree)
// are warnings in the receipt; the content is still taken.
package edi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/edi/edifact"
	"github.com/procurehub/procurehub/connectors/edi/ubl"
	"github.com/procurehub/procurehub/connectors/edi/x12"
	"github.com/procurehub/procurehub/connectors/filedrop"
)

// Kind is the connector kind in partner configs.
const Kind = "edi"

// Formats are the document formats, sorted.
var Formats = []string{edifact.Format, ubl.Format, x12.Format}

// Qualifiers are the partner's code choices: which party qualifier is the
// buyer and the supplier, which item id qualifier is the supplier's SKU and
// the buyer's. Empty means the format's default (X12: BY, SE, VP, BP;
// EDIFACT/EANCOM: BY, SU, SA, IN).
type Qualifiers struct {
	Buyer    string `yaml:"buyer"`
	Supplier string `yaml:"supplier"`
	SKU      string `yaml:"sku"`
	BuyerSKU string `yaml:"buyer_sku"`
}

// Settings are the edi settings of one partner: the file-drop settings
// every file connector shares, the format and its options.
type Settings struct {
	filedrop.Settings `yaml:",inline"`
	// Format is x12, edifact or ubl; required.
	Format string `yaml:"format"`
	// Qualifiers choose codes (x12, edifact).
	Qualifiers Qualifiers `yaml:"qualifiers"`
	// Variant is the UBL variant: "" (detected), peppol, xrechnung, oioubl.
	Variant string `yaml:"variant"`
	// Acknowledgement is the functional acknowledgement written to the
	// outbox for every interchange: x12 997 (default) or 999, edifact
	// contrl (default); "none" for no acknowledgement.
	Acknowledgement string `yaml:"acknowledgement"`
}

// DecoderOptions are a partner's choices for its format's decoder.
type DecoderOptions struct {
	Qualifiers      Qualifiers
	Variant         string // ubl
	Acknowledgement string // x12, edifact
}

// NewDecoder returns the decoder of a format with the partner's choices.
func NewDecoder(format string, o DecoderOptions) (connectors.Decoder, error) {
	q := o.Qualifiers
	switch format {
	case x12.Format:
		opt := x12.Options{BuyerQualifier: q.Buyer, SupplierQualifier: q.Supplier, SKUQualifier: q.SKU,
			BuyerSKUQualifier: q.BuyerSKU, Acknowledgement: o.Acknowledgement}
		if err := opt.Validate(); err != nil {
			return nil, err
		}
		return x12.NewDecoder(opt), nil
	case edifact.Format:
		opt := edifact.Options{BuyerQualifier: q.Buyer, SupplierQualifier: q.Supplier, SKUQualifier: q.SKU,
			BuyerSKUQualifier: q.BuyerSKU, Acknowledgement: o.Acknowledgement}
		if err := opt.Validate(); err != nil {
			return nil, err
		}
		return edifact.NewDecoder(opt), nil
	case ubl.Format:
		if o.Acknowledgement != "" {
			return nil, errors.New("acknowledgement applies to x12 and edifact, not ubl")
		}
		return ubl.NewDecoder(ubl.Options{Variant: o.Variant}), nil
	}
	return nil, fmt.Errorf("format %q is not an EDI format (use %s)", format, strings.Join(Formats, ", "))
}

// patterns are the default file names of each format.
var patterns = map[string][]string{
	x12.Format:     {"*.x12", "*.edi", "*.txt"},
	edifact.Format: {"*.edi", "*.edifact", "*.txt"},
	ubl.Format:     {"*.xml"},
}

// New is the edi constructor: it decodes the settings strictly, applies
// defaults, validates them and builds the source and the decoder, without
// touching the inbox.
func New(_ context.Context, cfg connectors.Config) (*connectors.Connector, error) {
	if cfg.Decode == nil {
		return nil, fmt.Errorf("%s %s: no settings decoder", Kind, cfg.Partner)
	}
	var s Settings
	if err := cfg.Decode(&s); err != nil {
		return nil, err // already file:line:column
	}
	s.ApplyDefaults(patterns[s.Format]...)
	errs := s.Settings.Validate()
	dec, err := NewDecoder(s.Format, DecoderOptions{Qualifiers: s.Qualifiers, Variant: s.Variant, Acknowledgement: s.Acknowledgement})
	if err != nil {
		errs = append(errs, err)
	}
	switch {
	case s.Format == ubl.Format && s.Qualifiers != (Qualifiers{}):
		errs = append(errs, errors.New("qualifiers apply to x12 and edifact, not ubl"))
	case s.Format != ubl.Format && s.Variant != "":
		errs = append(errs, errors.New("variant applies to ubl only"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Kind, cfg.Partner, err)
	}
	return s.Connector(cfg, Kind, dec)
}

// Spec describes the edi kind for config checks, `procurehub connectors`
// and the generated docs.
func Spec() connectors.Spec {
	fields := filedrop.Fields("by format: *.x12, *.edi, *.txt (x12); *.edi, *.edifact, *.txt (edifact); *.xml (ubl)", "./var/inbox/globex-edi")
	fields = append(fields,
		connectors.Field{Name: "format", Type: "string", Required: true,
			Description: "Document format: x12 (ANSI X12 850, 855, 856, 810), edifact (UN/EDIFACT and EANCOM ORDERS, ORDRSP, DESADV, INVOIC) or ubl (UBL 2.1 Order, OrderResponse, DespatchAdvice, Invoice, CreditNote).", Example: "x12"},
		connectors.Field{Name: "qualifiers", Type: "map", Default: "the format's",
			Description: "x12 and edifact: which codes name the parties and item ids; the keys below."},
		connectors.Field{Name: "qualifiers.buyer", Type: "string", Default: "BY",
			Description: "N1 entity code (x12) or NAD party qualifier (edifact) of the buyer."},
		connectors.Field{Name: "qualifiers.supplier", Type: "string", Default: "SE (x12), SU (edifact)",
			Description: "N1 entity code or NAD party qualifier of the supplier."},
		connectors.Field{Name: "qualifiers.sku", Type: "string", Default: "VP (x12), SA (edifact)",
			Description: "Product id qualifier of the supplier's article number."},
		connectors.Field{Name: "qualifiers.buyer_sku", Type: "string", Default: "BP (x12), IN (edifact)",
			Description: "Product id qualifier of the buyer's article number."},
		connectors.Field{Name: "acknowledgement", Type: "string", Default: "997 (x12), contrl (edifact)",
			Description: "The functional acknowledgement written to the outbox (<file>.997, .999 or .contrl) for every interchange received, accepted or rejected with the segment position: x12 997 or 999, edifact contrl; none for no acknowledgement."},
		connectors.Field{Name: "variant", Type: "string", Default: "detected",
			Description: "ubl: peppol, xrechnung or oioubl; by default read from cbc:CustomizationID."},
	)
	return connectors.Spec{
		Kind:    Kind,
		Summary: "B2B documents (X12, EDIFACT/EANCOM, UBL 2.1) from an inbox on a local directory, FTP or SFTP server, read into canonical orders, order responses, shipments and invoices.",
		Formats: Formats,
		Fields:  fields,
		Example: example,
	}
}

// example is a complete partner entry that builds (the conformance kit
// builds it).
const example = `name: globex-edi
kind: edi
settings:
  inbox: ./var/inbox/globex-edi
  format: x12
  qualifiers: {buyer: BY, supplier: SE, sku: VP}
  completion: rename
`
