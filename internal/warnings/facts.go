// Package warnings raises early warnings about orders before the customer
// notices: no confirmation, production behind plan, an ETA after the
// promised date, a silent carrier, a long customs hold, documents missing
// before departure, an invoice before delivery. Rules are configured per
// partner and lane (Config, configs/warnings.yaml); Evaluate turns the
// facts of one order into alerts for procurehub.alerts.v1, each with a
// deterministic id so the same condition never alerts twice; Escalate
// raises one critical alert for a warning left unresolved too long; the
// Scanner walks the open orders of the store and publishes both.
//
// # Documents
//
// A document about an order (a commercial invoice, a packing list, a
// certificate of origin) is known from an order event of type
// document_received whose data names its type:
//
//	{"type": "document_received", "data": {"document_type": "packing_list"}, ...}
//
// documents_missing lists, per lane or partner, the types required before
// departure.
package warnings

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
)

// EventDocumentReceived is the order event type that tells a document
// about the order arrived; its Data is a DocumentReceived.
const EventDocumentReceived canonical.OrderEventType = "document_received"

// DocumentReceived is the Data of an EventDocumentReceived event.
type DocumentReceived struct {
	DocumentType   string `json:"document_type"`
	DocumentNumber string `json:"document_number,omitempty"`
}

// Facts are what the rules read about one order, gathered from its stored
// records and placed by their own time (not their arrival).
type Facts struct {
	Order canonical.Order
	Lane  Lane
	// Timeline is the order's history folded by lifecycle.Replay.
	Timeline lifecycle.Timeline
	// Promised is the delivery date the order is measured against: the
	// latest date of the supplier's latest acceptance, or the requested
	// delivery date without one.
	Promised canonical.Date
	// CarrierETA is the latest estimated arrival of the order's shipments.
	CarrierETA canonical.Date
	// Departure is the earliest ship date of its shipments or, before any
	// shipment, the ready date the supplier last reported.
	Departure canonical.Date
	// Progress are the supplier's production reports in the order they
	// happened.
	Progress []Progress
	// LastTracking is the time of the latest carrier event (zero: none).
	LastTracking time.Time
	// Documents are the document types received.
	Documents []string
}

// Progress is one production report.
type Progress struct {
	At                time.Time
	Percent           *canonical.Decimal
	ExpectedReadyDate canonical.Date
}

// LaneOf returns an order's lane: from the supplier's country (or, without
// one, the origin country of its first line that has one) to the ship-to
// country (or the buyer's).
func LaneOf(o *canonical.Order) Lane {
	l := Lane{Origin: o.Supplier.Country, Destination: o.Buyer.Country}
	if l.Origin == "" {
		for _, line := range o.Lines {
			if line.OriginCountry != "" {
				l.Origin = line.OriginCountry
				break
			}
		}
	}
	if o.ShipTo != nil && o.ShipTo.Country != "" {
		l.Destination = o.ShipTo.Country
	}
	return l
}

// FactsOf gathers the facts of an order from its records. Milestones that
// cannot be read are on the timeline as invalid and count for nothing.
func FactsOf(rec lifecycle.Records) Facts {
	t, _ := lifecycle.Replay(rec.Milestones())
	f := Facts{Order: rec.Order, Lane: LaneOf(&rec.Order), Timeline: t, Promised: rec.Order.RequestedDeliveryDate}

	// The supplier's latest acceptance, by its date, then by when it was stored.
	var accepted []lifecycle.StoredResponse
	for _, r := range rec.Responses {
		if r.Response != nil && r.Response.Status == canonical.ResponseAccepted {
			accepted = append(accepted, r)
		}
	}
	slices.SortStableFunc(accepted, func(a, b lifecycle.StoredResponse) int {
		if c := a.Response.ResponseDate.Time().Compare(b.Response.ResponseDate.Time()); c != 0 {
			return c
		}
		return a.StoredAt.Compare(b.StoredAt)
	})
	if len(accepted) > 0 {
		var latest canonical.Date
		for _, l := range accepted[len(accepted)-1].Response.Lines {
			if l.DeliveryDate.Time().After(latest.Time()) || latest.IsZero() {
				latest = l.DeliveryDate
			}
		}
		if !latest.IsZero() {
			f.Promised = latest
		}
	}

	for _, e := range rec.Events {
		switch e.Type {
		case canonical.EventProductionProgress:
			var p canonical.ProductionProgress
			if len(e.Data) > 0 && json.Unmarshal(e.Data, &p) != nil {
				continue // an unreadable report says nothing about progress
			}
			if p.LineNumber != 0 {
				continue // a line's progress is not the order's
			}
			f.Progress = append(f.Progress, Progress{At: e.OccurredAt, Percent: p.PercentComplete, ExpectedReadyDate: p.ExpectedReadyDate})
		case EventDocumentReceived:
			var d DocumentReceived
			if json.Unmarshal(e.Data, &d) == nil && d.DocumentType != "" && !slices.Contains(f.Documents, d.DocumentType) {
				f.Documents = append(f.Documents, d.DocumentType)
			}
		}
	}
	slices.SortStableFunc(f.Progress, func(a, b Progress) int { return a.At.Compare(b.At) })

	for _, st := range rec.Shipments {
		sh := st.Shipment
		if sh == nil {
			continue
		}
		if !sh.EstimatedArrival.IsZero() && (f.CarrierETA.IsZero() || sh.EstimatedArrival.Time().After(f.CarrierETA.Time())) {
			f.CarrierETA = sh.EstimatedArrival
		}
		if !sh.ShipDate.IsZero() && (f.Departure.IsZero() || sh.ShipDate.Time().Before(f.Departure.Time())) {
			f.Departure = sh.ShipDate
		}
	}
	if f.Departure.IsZero() {
		for i := len(f.Progress) - 1; i >= 0; i-- {
			if d := f.Progress[i].ExpectedReadyDate; !d.IsZero() {
				f.Departure = d
				break
			}
		}
	}
	for _, e := range rec.Tracking {
		if e.OccurredAt.After(f.LastTracking) {
			f.LastTracking = e.OccurredAt
		}
	}
	return f
}

// enteredAt returns the time of the latest timeline entry that moved the
// order into state, and false when none did.
func (f *Facts) enteredAt(state lifecycle.State) (time.Time, bool) {
	for i := len(f.Timeline.Entries) - 1; i >= 0; i-- {
		e := f.Timeline.Entries[i]
		if e.Outcome == lifecycle.Moved && e.To == state {
			return e.Milestone.OccurredAt, true
		}
	}
	return time.Time{}, false
}
