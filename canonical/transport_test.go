package canonical

import (
	"strings"
	"testing"
)

func TestTransportModesAreReadAsERPsAndEDIWriteThem(t *testing.T) {
	for in, want := range map[string]TransportMode{
		"sea": TransportSea, " Sea ": TransportSea, "ocean": TransportSea, "Seefracht": TransportSea, "1": TransportSea,
		"inland waterway": TransportInlandWaterway, "INLAND_WATERWAY": TransportInlandWaterway, "8": TransportInlandWaterway,
		"Air": TransportAir, "Luftfracht": TransportAir, "4": TransportAir,
		"truck": TransportRoad, "LKW": TransportRoad, "3": TransportRoad,
		"rail": TransportRail, "Bahn": TransportRail, "2": TransportRail,
		"multimodal": TransportMultimodal, "intermodal": TransportMultimodal, "6": TransportMultimodal,
	} {
		got, err := ParseTransportMode(in)
		if err != nil || got != want {
			t.Errorf("ParseTransportMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "teleport", "5", "sea air"} {
		if m, err := ParseTransportMode(bad); err == nil {
			t.Errorf("ParseTransportMode(%q) = %q, want an error", bad, m)
		}
	}
}

func TestAnOrderWithAnUnknownTransportModeNamesTheFieldAndTheModes(t *testing.T) {
	o := realisticOrder(1, 2)
	o.TransportMode = "teleport"
	ve := AsValidationError(o.Validate())
	if ve == nil || len(ve.Problems) != 1 || ve.Problems[0].Path != "transport_mode" || !strings.Contains(ve.Problems[0].Message, "sea, inland_waterway, air") {
		t.Fatalf("got %v", o.Validate())
	}
	o.TransportMode = "Ocean"
	if ve := AsValidationError(o.Validate()); ve == nil || !strings.Contains(ve.Problems[0].Message, `write "sea"`) {
		t.Errorf("a readable but non-canonical mode should say how to write it; got %v", o.Validate())
	}
}
