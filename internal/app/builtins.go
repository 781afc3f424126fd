package app

import (
	"fmt"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/bankstatement"
	"github.com/procurehub/procurehub/connectors/edi"
	"github.com/procurehub/procurehub/connectors/erpexport"
	"github.com/procurehub/procurehub/connectors/mapping"
	"github.com/procurehub/procurehub/connectors/tracking"
)

// Builtins is the one visible list of connector kinds the binary knows.
func Builtins() (*connectors.Registry, error) {
	reg := connectors.NewRegistry()
	for _, k := range []struct {
		spec connectors.Spec
		new  connectors.Constructor
	}{
		{erpexport.Spec(), erpexport.New},
		{bankstatement.Spec(), bankstatement.New},
		{edi.Spec(), edi.New},
		{tracking.Spec(), tracking.New},
	} {
		if err := reg.Register(k.spec, k.new); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// DecoderFactory builds a decoder for `procurehub parse` from a mapping file
// (formats that need no mapping ignore it).
type DecoderFactory func(mappingPath string) (connectors.Decoder, error)

// Formats maps every format name `procurehub parse` accepts to its decoder.
var Formats = map[string]DecoderFactory{
	erpexport.Format:     mapped(erpexport.Format),
	erpexport.FormatXLSX: mapped(erpexport.FormatXLSX),
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
	return func(mappingPath string) (connectors.Decoder, error) {
		if mappingPath != "" {
			return nil, fmt.Errorf("format %s takes no --mapping: the format says where everything is", format)
		}
		return newDecoder()
	}
}

// mapped is the factory of a format read through a mapping file.
func mapped(format string) DecoderFactory {
	return func(mappingPath string) (connectors.Decoder, error) {
		if mappingPath == "" {
			return nil, fmt.Errorf("format %s needs --mapping FILE", format)
		}
		m, err := mapping.Load(mappingPath)
		if err != nil {
			return nil, err
		}
		return erpexport.NewFormatDecoder(format, m)
	}
}
