// Package kpi computes procurehub's KPIs from what the store recorded:
// order facts (store.OrderFact, a projection of each order's lifecycle),
// supplier invoices and their settlement, bank reconciliations and alerts.
// Everything here is a pure function of its inputs: no I/O, no clock (Now
// is an input), no map-order dependence.
//
// THIS FILE IS THE CONTRACT; the computations are in the other files.
package kpi

import (
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// Dimension is what a report is grouped by.
type Dimension string

// The dimensions.
const (
	ByNone     Dimension = ""         // one group: the total
	ByMonth    Dimension = "month"    // the order date's month, "2026-03"
	BySupplier Dimension = "supplier" // supplier id
	ByCarrier  Dimension = "carrier"  // logistics provider
	ByLane     Dimension = "lane"     // "CN→DE"; "?" for an unknown side
	ByBuyer    Dimension = "buyer"    // buyer id
)

// Query says what to compute.
type Query struct {
	// From and To bound the orders' order date, both included; zero leaves
	// that side open. Invoices are bounded by their invoice date, alerts by
	// their occurred_at date.
	From    canonical.Date `json:"from,omitzero"`
	To      canonical.Date `json:"to,omitzero"`
	GroupBy Dimension      `json:"group_by,omitempty"`
	// Now is the time "open" and "late" are judged at.
	Now time.Time `json:"now"`
	// TransparencyHours: an open order is transparent when its last update
	// is at most this old; default 48.
	TransparencyHours int `json:"transparency_hours"`
}

// Inputs are the store's records a report is computed from.
type Inputs struct {
	Facts    []store.OrderFact
	Invoices []store.StoredInvoice
	// Entries are reconciled bank entries; their allocations carry the FX
	// difference of payments in another currency.
	Entries []store.BankEntry
	Alerts  []store.Alert
}

// Stat summarises durations; nil fields when there were none.
type Stat struct {
	Count  int      `json:"count"`
	Mean   *float64 `json:"mean"`
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
}

// Group is the KPIs of one group of orders (or of all).
type Group struct {
	Key    string `json:"key"` // the dimension's value; "" for the total
	Orders int    `json:"orders"`
	Open   int    `json:"open"` // not delivered, closed, cancelled or rejected
	// CycleDays: order created (reached the hub) → delivered.
	CycleDays Stat `json:"cycle_days"`
	// ConfirmationHours: created → confirmed by the supplier.
	ConfirmationHours Stat `json:"confirmation_hours"`
	// ErrorRate: orders that needed correction / orders.
	ErrorRate *float64 `json:"error_rate"`
	// Transparency: open orders updated within TransparencyHours / open orders.
	Transparency *float64 `json:"tracking_transparency"`
	// OnTimeRate: delivered on or before the requested date / delivered
	// orders with a requested date.
	OnTimeRate *float64 `json:"on_time_rate"`
	// DelayRate: orders late (delivered after the requested date, or open
	// past it, or with an ETA after it) / orders with a requested date.
	DelayRate *float64 `json:"delay_rate"`
	// SettlementDays: invoice date → paid, of the group's reconciled invoices.
	SettlementDays Stat `json:"settlement_days"`
	// FXGainLoss per currency: the sum of the FX differences of the group's
	// payments (positive: less was paid than invoiced).
	FXGainLoss map[canonical.Currency]canonical.Decimal `json:"fx_gain_loss,omitempty"`
	// Alerts by kind.
	Alerts map[string]int `json:"alerts,omitempty"`
}

// Report is a computed set of KPIs.
type Report struct {
	Query  Query   `json:"query"`
	Total  Group   `json:"total"`
	Groups []Group `json:"groups,omitempty"` // sorted by Key; none when GroupBy is ByNone
}
