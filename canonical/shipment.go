package canonical

import (
	"slices"
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
	Packages         int            `json:"packages,omitempty"`
	GrossWeight      *Weight        `json:"gross_weight,omitempty"`
	Lines            []ShipmentLine `json:"lines,omitempty"`
	Source           *Source        `json:"source,omitempty"`
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
