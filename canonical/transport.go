package canonical

import (
	"slices"
	"strings"
)

// TransportMode is how goods travel on the main leg of a shipment. It
// decides which Incoterms 2020 rules fit: FAS, FOB, CFR and CIF are for sea
// and inland waterway transport only.
type TransportMode string

// The transport modes, after UN/ECE Recommendation 19 (codes 1, 8, 4, 3, 2, 6).
const (
	TransportSea            TransportMode = "sea"
	TransportInlandWaterway TransportMode = "inland_waterway"
	TransportAir            TransportMode = "air"
	TransportRoad           TransportMode = "road"
	TransportRail           TransportMode = "rail"
	TransportMultimodal     TransportMode = "multimodal"
)

var transportModes = []TransportMode{TransportSea, TransportInlandWaterway, TransportAir, TransportRoad, TransportRail, TransportMultimodal}

// TransportModes lists the transport modes.
func TransportModes() []TransportMode { return slices.Clone(transportModes) }

// Valid reports whether m is one of the transport modes, in canonical form.
func (m TransportMode) Valid() bool { return slices.Contains(transportModes, m) }

// Waterborne reports whether m is sea or inland waterway transport: the
// modes FAS, FOB, CFR and CIF are made for.
func (m TransportMode) Waterborne() bool { return m == TransportSea || m == TransportInlandWaterway }

// transportAliases are the ways ERP exports and EDI messages write a mode:
// Rec 19 codes (X12 TD5-04 and EDIFACT TDT 8067 use them or letters close
// to them) and common words in English and German.
var transportAliases = map[string]TransportMode{
	"1": TransportSea, "8": TransportInlandWaterway, "4": TransportAir, "3": TransportRoad, "2": TransportRail, "6": TransportMultimodal,
	"ocean": TransportSea, "sea freight": TransportSea, "vessel": TransportSea, "seefracht": TransportSea, "see": TransportSea,
	"inland waterway": TransportInlandWaterway, "barge": TransportInlandWaterway, "binnenschiff": TransportInlandWaterway,
	"air freight": TransportAir, "airfreight": TransportAir, "luftfracht": TransportAir, "luft": TransportAir, "express": TransportAir,
	"truck": TransportRoad, "lorry": TransportRoad, "lkw": TransportRoad, "strasse": TransportRoad, "straße": TransportRoad,
	"train": TransportRail, "railway": TransportRail, "bahn": TransportRail, "schiene": TransportRail,
	"multi-modal": TransportMultimodal, "intermodal": TransportMultimodal, "combined": TransportMultimodal,
}

// ParseTransportMode reads a transport mode: the canonical names in any
// case ("Sea", "inland waterway"), UN/ECE Rec 19 codes ("1" sea, "4" air)
// and common words ("ocean", "truck", "Luftfracht").
func ParseTransportMode(s string) (TransportMode, error) {
	v := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if v == "" {
		return "", parseError(CodeRequired, "transport mode is empty")
	}
	if m := TransportMode(strings.ReplaceAll(v, " ", "_")); m.Valid() {
		return m, nil
	}
	if m, ok := transportAliases[v]; ok {
		return m, nil
	}
	return "", parseError(CodeInvalidTransportMode, "%s is not a transport mode: use sea, inland_waterway, air, road, rail or multimodal", clip(s))
}
