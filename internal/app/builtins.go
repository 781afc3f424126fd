package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement"
	"github.com/procurehub/procurehub/connectors/demand"
	"github.com/procurehub/procurehub/connectors/edi"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/connectors/tracking"
)

// Builtins is the one visible list of connector kinds the binary knows.
func Builtins() (*connectors.Registry, error) {
	reg := connectors.NewRegistry()
	// Demand partners plan with the config's planner: Run and config check
	// swap it in with WithDemandPlanner; without it they are a config error.
	demandSpec, demandNew := demand.Kind(nil)
	for _, k := range []struct {
		spec connectors.Spec
		new  connectors.Constructor
	}{
		{erpexport.Spec(), erpexport.New},
		{bankstatement.Spec(), bankstatement.New},
		{edi.Spec(), edi.New},
		{tracking.Spec(), tracking.New},
		{demandSpec, demandNew},
	} {
		if err := reg.Register(k.spec, k.new); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// WithDemandPlanner returns a copy of reg whose demand kind plans with p;
// reg itself when p is nil.
func WithDemandPlanner(reg *connectors.Registry, p demand.Planner) (*connectors.Registry, error) {
	if p == nil {
		return reg, nil
	}
	out := connectors.NewRegistry()
	for _, s := range reg.Specs() {
		_, c, _ := reg.Lookup(s.Kind)
		if s.Kind == demand.KindName {
			s, c = demand.Kind(p)
		}
		if err := out.Register(s, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ParseOptions are the flags of `procurehub parse` that choose how a
// format is read.
type ParseOptions struct {
	Mapping string // --mapping FILE: erp_csv, xlsx
	Profile string // --profile NAME|FILE: tracking
}

// DecoderFactory builds a decoder for `procurehub parse`.
type DecoderFactory func(o ParseOptions) (connectors.Decoder, error)

// Formats maps every format name `procurehub parse` accepts to its decoder.
var Formats = map[string]DecoderFactory{
	erpexport.Format:     mapped(erpexport.Format),
	erpexport.FormatXLSX: mapped(erpexport.FormatXLSX),
	tracking.Format:      trackingFormat,
}

func init() {
	for _, f := range edi.Formats {
		Formats[f] = unmapped(f, func() (connectors.Decoder, error) { return edi.NewDecoder(f, edi.DecoderOptions{}) })
	}
	for _, f := range bankstatement.Formats() {
		Formats[f] = unmapped(f, func() (connectors.Decoder, error) { return bankstatement.NewDecoder(f) })
	}
}

// unmapped is the factory of a format whose structure needs no mapping file.
func unmapped(format string, newDecoder func() (connectors.Decoder, error)) DecoderFactory {
	return func(o ParseOptions) (connectors.Decoder, error) {
		if o.Mapping != "" || o.Profile != "" {
			return nil, fmt.Errorf("format %s takes no --mapping nor --profile: the format says where everything is", format)
		}
		return newDecoder()
	}
}

// mapped is the factory of a format read through a mapping file.
func mapped(format string) DecoderFactory {
	return func(o ParseOptions) (connectors.Decoder, error) {
		if o.Mapping == "" {
			return nil, fmt.Errorf("format %s needs --mapping FILE", format)
		}
		if o.Profile != "" {
			return nil, fmt.Errorf("format %s takes no --profile", format)
		}
		m, err := mapping.Load(o.Mapping)
		if err != nil {
			return nil, err
		}
		return erpexport.NewFormatDecoder(format, m)
	}
}

// trackingFormat reads carrier JSON through a built-in profile (by name)
// or a profile file (a path ending in .yaml or .yml).
func trackingFormat(o ParseOptions) (connectors.Decoder, error) {
	if o.Profile == "" {
		return nil, fmt.Errorf("format tracking needs --profile NAME (%s) or --profile FILE.yaml", strings.Join(tracking.BuiltinNames(), ", "))
	}
	if o.Mapping != "" {
		return nil, errors.New("format tracking takes no --mapping: its --profile says where everything is")
	}
	var (
		p   *tracking.Profile
		err error
	)
	if strings.HasSuffix(o.Profile, ".yaml") || strings.HasSuffix(o.Profile, ".yml") {
		p, err = tracking.LoadProfile(o.Profile)
	} else {
		p, err = tracking.Builtin(o.Profile)
	}
	if err != nil {
		return nil, err
	}
	return tracking.NewDecoder(p), nil
}
