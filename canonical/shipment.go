package canonical

import (
	"slices"
	"strings"
	"time"
)

// Weight is a mass with its unit (KGM, LBR, TNE).
type Weight struct {
	Value Decimal `json:"value"`
	Unit  Unit    `json:"unit"`
}

// Shipment is a dispatch of goods against one or more orders (an ASN).
type Shipment struct {
	ShipmentID       string         `json:"shipment_id"`
	OrderNumbers     []string       `json:"order_numbers"`
	Buyer            Party          `json:"buyer"`
	Supplier         Party          `json:"supplier"`
	ShipDate         Date           `json:"ship_date,omitzero"`
	EstimatedArrival Date           `json:"estimated_arrival,omitzero"`
	Carrier          string         `json:"carrier,omitempty"`
	TrackingNumbers  []string       `json:"tracking_numbers,omitempty"`
	SSCCs            []string       `json:"ssccs,omitempty"`
	Packages         int            `json:"packages,omitempty"`
	GrossWeight      *Weight        `json:"gross_weight,omitempty"`
	Lines            []ShipmentLine `json:"lines,omitempty"`
	Source           *Source        `json:"source,omitempty"`
}

// ValidSSCC reports whether s is a GS1 SSCC (Serial Shipping Container
// Code): 18 digits, the last a GS1 mod-10 check digit. An all-zero number
// is a placeholder, not an SSCC. A leading application identifier ("00")
// is not part of the SSCC.
func ValidSSCC(s string) bool { return checkSSCC(s) == nil }

// ParseSSCC trims s and checks it as ValidSSCC does; the error says whether
// the length, a character or the check digit is wrong.
func ParseSSCC(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return "", parseError(CodeRequired, "sscc is empty")
	}
	if err := checkSSCC(v); err != nil {
		return "", err
	}
	return v, nil
}

func checkSSCC(s string) error {
	if len(s) != 18 {
		return parseError(CodeInvalidSSCC, "%s is not an SSCC: it has %d characters, want 18 digits", clip(s), len(s))
	}
	if !isDigits(s) {
		return parseError(CodeInvalidSSCC, "%s is not an SSCC: only digits are allowed", clip(s))
	}
	if strings.Trim(s, "0") == "" {
		return parseError(CodeInvalidSSCC, "%s is a placeholder, not an SSCC", clip(s))
	}
	if want := gtinCheckDigit(s[:17]); s[17] != want {
		return parseError(CodeInvalidSSCC, "%s has check digit %c, want %c", clip(s), s[17], want)
	}
	return nil
}

// ShipmentLine is a quantity of one order line in a shipment.
type ShipmentLine struct {
	OrderNumber string  `json:"order_number"`
	LineNumber  int     `json:"line_number"`
	SKU         string  `json:"sku,omitempty"`
	GTIN        string  `json:"gtin,omitempty"`
	Quantity    Decimal `json:"quantity"`
	Unit        Unit    `json:"unit"`
}

// TrackingStatus is procurehub's normalized tracking status set.
type TrackingStatus string

const (
	TrackingInfoReceived       TrackingStatus = "info_received"
	TrackingPickedUp           TrackingStatus = "picked_up"
	TrackingInTransit          TrackingStatus = "in_transit"
	TrackingDepartedOrigin     TrackingStatus = "departed_origin"
	TrackingArrivedDestination TrackingStatus = "arrived_destination"
	TrackingCustomsHold        TrackingStatus = "customs_hold"
	TrackingCustomsCleared     TrackingStatus = "customs_cleared"
	TrackingOutForDelivery     TrackingStatus = "out_for_delivery"
	TrackingAvailableForPickup TrackingStatus = "available_for_pickup"
	TrackingDelivered          TrackingStatus = "delivered"
	TrackingFailedAttempt      TrackingStatus = "failed_attempt"
	TrackingException          TrackingStatus = "exception"
	TrackingReturned           TrackingStatus = "returned"
	TrackingCancelled          TrackingStatus = "cancelled"
	TrackingExpired            TrackingStatus = "expired"
	TrackingUnknown            TrackingStatus = "unknown"
)

// Location is where a tracking event happened.
type Location struct {
	City    string  `json:"city,omitempty"`
	Country Country `json:"country,omitempty"`
}

// TrackingEvent is one carrier milestone for a tracking number.
type TrackingEvent struct {
	EventID        string         `json:"event_id,omitempty"`
	TrackingNumber string         `json:"tracking_number"`
	Carrier        string         `json:"carrier"`
	Status         TrackingStatus `json:"status"`
	CarrierStatus  string         `json:"carrier_status,omitempty"`
	Description    string         `json:"description,omitempty"`
	OccurredAt     time.Time      `json:"occurred_at"`
	Location       *Location      `json:"location,omitempty"`
	Source         *Source        `json:"source,omitempty"`
}

// trackingStatuses is the normalized set in the order a shipment usually
// goes through it; the JSON Schema enum lists it in this order.
var trackingStatuses = []TrackingStatus{
	TrackingInfoReceived, TrackingPickedUp, TrackingDepartedOrigin, TrackingInTransit,
	TrackingArrivedDestination, TrackingCustomsHold, TrackingCustomsCleared,
	TrackingOutForDelivery, TrackingAvailableForPickup, TrackingFailedAttempt,
	TrackingDelivered, TrackingException, TrackingReturned, TrackingCancelled,
	TrackingExpired, TrackingUnknown,
}

// TrackingStatuses lists the normalized tracking statuses.
func TrackingStatuses() []TrackingStatus { return slices.Clone(trackingStatuses) }

// Valid reports whether s is in the normalized set.
func (s TrackingStatus) Valid() bool { return slices.Contains(trackingStatuses, s) }

// Schema descriptions (see schema.go).

var shipmentDoc = typeDoc{
	title: "Shipment",
	desc:  "A dispatch of goods against one or more orders (an advance shipping notice).",
	fields: map[string]string{
		"shipment_id":       "The supplier's or forwarder's shipment identifier.",
		"order_numbers":     "Orders the shipment delivers against; at least one.",
		"ship_date":         "Date the goods left.",
		"estimated_arrival": "Expected arrival date; not before ship_date.",
		"carrier":           "Carrier name or code.",
		"tracking_numbers":  "Carrier tracking numbers of the shipment.",
		"ssccs":             "GS1 SSCCs of the shipment's packages and pallets, 18 digits.",
		"packages":          "Number of packages.",
		"gross_weight":      "Gross weight of the shipment, in a unit of mass.",
	},
}

var shipmentLineDoc = typeDoc{
	desc: "A quantity of one order line in a shipment.",
	fields: map[string]string{
		"order_number": "One of the shipment's order_numbers.",
		"line_number":  "The order line shipped.",
		"quantity":     "Shipped quantity, above zero.",
	},
}

var weightDoc = typeDoc{
	desc: "A mass with its unit.",
	fields: map[string]string{
		"unit": "A unit of mass: KGM, GRM, TNE, LBR...",
	},
}

var trackingEventDoc = typeDoc{
	title: "Tracking event",
	desc:  "One carrier milestone for a tracking number.",
	fields: map[string]string{
		"event_id":        "The carrier's event identifier, when it has one.",
		"tracking_number": "The carrier's tracking number.",
		"status":          "procurehub's normalized status.",
		"carrier_status":  "The status code or text exactly as the carrier sent it.",
		"occurred_at":     "When the milestone happened, with the carrier's offset.",
	},
}

var locationDoc = typeDoc{desc: "Where a tracking event happened."}
