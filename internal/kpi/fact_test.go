package kpi

import (
	"fmt"
	"testing"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// march is a time in March 2026, UTC.
func march(day, hour int) time.Time { return time.Date(2026, time.March, day, hour, 0, 0, 0, time.UTC) }

func date(month time.Month, day int) canonical.Date { return canonical.NewDate(2026, month, day) }

func ptr[T any](v T) *T { return &v }

// baseRecords is an order from a Chinese supplier to a German warehouse,
// stored at 08:00 on its order date.
func baseRecords() lifecycle.Records {
	return lifecycle.Records{
		Order: canonical.Order{
			OrderNumber: "PO-1", OrderDate: date(time.March, 2),
			Buyer:                 canonical.Party{ID: "ACME", Country: "DE"},
			Supplier:              canonical.Party{ID: "SUP-CN", Country: "CN"},
			Currency:              "USD",
			RequestedDeliveryDate: date(time.March, 15),
			ShipTo:                &canonical.Address{City: "Hamburg", Country: "DE"},
			Lines: []canonical.OrderLine{
				{LineNumber: 1, Quantity: canonical.MustDecimal("10"), UnitPrice: canonical.MustDecimal("4.00"), OriginCountry: "CN"},
			},
			TotalAmount: ptr(canonical.MustDecimal("40.00")),
		},
		StoredAt: march(2, 8),
	}
}

func response(status canonical.ResponseStatus, number string, day int) lifecycle.StoredResponse {
	return lifecycle.StoredResponse{Response: &canonical.OrderResponse{OrderNumber: "PO-1", ResponseNumber: number,
		ResponseDate: date(time.March, day), Supplier: canonical.Party{ID: "SUP-CN"}, Status: status}, StoredAt: march(day, 9)}
}

func shipment(id, carrier string, shipDay, etaDay int) lifecycle.StoredShipment {
	sh := &canonical.Shipment{ShipmentID: id, OrderNumbers: []string{"PO-1"}, Supplier: canonical.Party{ID: "SUP-CN"},
		ShipDate: date(time.March, shipDay), Carrier: carrier, TrackingNumbers: []string{"T-" + id}}
	if etaDay > 0 {
		sh.EstimatedArrival = date(time.March, etaDay)
	}
	return lifecycle.StoredShipment{Shipment: sh, StoredAt: march(shipDay, 12)}
}

func tracking(id string, status canonical.TrackingStatus, at time.Time) canonical.TrackingEvent {
	return canonical.TrackingEvent{EventID: id, TrackingNumber: "T-ASN-1", Carrier: "DHL", Status: status, OccurredAt: at}
}

func event(id string, typ canonical.OrderEventType, at time.Time) canonical.OrderEvent {
	return canonical.OrderEvent{EventID: id, OrderNumber: "PO-1", BuyerID: "ACME", Type: typ, OccurredAt: at}
}

func factOf(t *testing.T, rec lifecycle.Records) store.OrderFact {
	t.Helper()
	tl, err := lifecycle.Replay(rec.Milestones())
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return FactOf(rec, tl, march(20, 12))
}

func TestFactOf(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*lifecycle.Records)
		check func(t *testing.T, f store.OrderFact)
	}{
		{
			name: "a confirmed, shipped and delivered order carries the time of each milestone",
			edit: func(r *lifecycle.Records) {
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseAccepted, "R1", 3)}
				r.Shipments = []lifecycle.StoredShipment{shipment("ASN-1", "DHL", 5, 12)}
				r.Tracking = []canonical.TrackingEvent{tracking("e1", canonical.TrackingDelivered, march(11, 10))}
			},
			check: func(t *testing.T, f store.OrderFact) {
				want := store.OrderFact{
					BuyerID: "ACME", OrderNumber: "PO-1", SupplierID: "SUP-CN", Carrier: "DHL",
					Origin: "CN", Destination: "DE", Currency: "USD", TotalAmount: canonical.MustDecimal("40.00"),
					OrderDate: date(time.March, 2), RequestedDate: date(time.March, 15),
					State: "delivered", CreatedAt: march(2, 8),
					ConfirmedAt: ptr(march(3, 0)), ShippedAt: ptr(march(5, 0)), DeliveredAt: ptr(march(11, 10)),
					ETA: date(time.March, 12), LastUpdateAt: march(11, 10), ProjectedAt: march(20, 12),
				}
				if d := diffFacts(f, want); d != "" {
					t.Error(d)
				}
			},
		},
		{
			name: "an amended order counts as needing correction",
			edit: func(r *lifecycle.Records) {
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseAccepted, "R1", 3)}
				r.Events = []canonical.OrderEvent{event("u1", canonical.EventOrderUpdated, march(4, 9))}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if !f.NeededCorrection {
					t.Error("an amendment did not count as a correction")
				}
				if f.State != "submitted" || f.ConfirmedAt == nil || !f.ConfirmedAt.Equal(march(3, 0)) {
					t.Errorf("state %s confirmed %v; want submitted again, first confirmed on March 3", f.State, f.ConfirmedAt)
				}
			},
		},
		{
			name: "an order that failed validation counts as needing correction",
			edit: func(r *lifecycle.Records) { r.Validation = &lifecycle.Validation{Errors: 2} },
			check: func(t *testing.T, f store.OrderFact) {
				if !f.NeededCorrection || f.State != "needs_review" {
					t.Errorf("correction %v state %s; want needing correction, held for review", f.NeededCorrection, f.State)
				}
			},
		},
		{
			name: "a supplier's counter-proposal counts as needing correction",
			edit: func(r *lifecycle.Records) {
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseChanged, "R1", 3)}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if !f.NeededCorrection {
					t.Error("a counter-proposal did not count as a correction")
				}
			},
		},
		{
			name: "an order that passed validation and was confirmed needed no correction",
			edit: func(r *lifecycle.Records) {
				r.Validation = &lifecycle.Validation{Warnings: 1}
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseAccepted, "R1", 3)}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.NeededCorrection {
					t.Error("a clean order counted as needing correction")
				}
			},
		},
		{
			name: "without a total the lines add up, quantity × price where a line has no amount",
			edit: func(r *lifecycle.Records) {
				r.Order.TotalAmount = nil
				r.Order.Lines = []canonical.OrderLine{
					{LineNumber: 1, Quantity: canonical.MustDecimal("1"), UnitPrice: canonical.MustDecimal("99"), Amount: ptr(canonical.MustDecimal("100.00"))},
					{LineNumber: 2, Quantity: canonical.MustDecimal("3"), UnitPrice: canonical.MustDecimal("2.50")},
				}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if !f.TotalAmount.Equal(canonical.MustDecimal("107.50")) {
					t.Errorf("total %s; want 107.50", f.TotalAmount)
				}
			},
		},
		{
			name: "without a supplier country the lines' common origin is the lane's origin",
			edit: func(r *lifecycle.Records) {
				r.Order.Supplier.Country = ""
				r.Order.Lines = append(r.Order.Lines, canonical.OrderLine{LineNumber: 2, OriginCountry: "CN"})
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.Origin != "CN" {
					t.Errorf("origin %q; want CN", f.Origin)
				}
			},
		},
		{
			name: "lines from different countries leave the origin unknown",
			edit: func(r *lifecycle.Records) {
				r.Order.Supplier.Country = ""
				r.Order.Lines = append(r.Order.Lines, canonical.OrderLine{LineNumber: 2, OriginCountry: "VN"})
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.Origin != "" {
					t.Errorf("origin %q; want unknown", f.Origin)
				}
			},
		},
		{
			name: "the first shipment's carrier is the order's carrier, and the latest ETA counts",
			edit: func(r *lifecycle.Records) {
				r.Shipments = []lifecycle.StoredShipment{shipment("ASN-2", "Maersk", 8, 18), shipment("ASN-1", "DHL", 5, 12)}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.Carrier != "DHL" || f.ETA != date(time.March, 18) {
					t.Errorf("carrier %q eta %s; want DHL (shipped first), March 18 (the last goods)", f.Carrier, f.ETA)
				}
			},
		},
		{
			name: "a carrier picking up without an ASN marks the order shipped and names the carrier",
			edit: func(r *lifecycle.Records) {
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseAccepted, "R1", 3)}
				r.Tracking = []canonical.TrackingEvent{tracking("e1", canonical.TrackingPickedUp, march(6, 7))}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.State != "in_transit" || f.ShippedAt == nil || !f.ShippedAt.Equal(march(6, 7)) || f.Carrier != "DHL" {
					t.Errorf("state %s shipped %v carrier %q; want in_transit since March 6 07:00 with DHL", f.State, f.ShippedAt, f.Carrier)
				}
			},
		},
		{
			name: "an invoice before delivery is noted as invoiced, and payment after delivery as paid",
			edit: func(r *lifecycle.Records) {
				r.Responses = []lifecycle.StoredResponse{response(canonical.ResponseAccepted, "R1", 3)}
				r.Events = []canonical.OrderEvent{
					event("i1", canonical.OrderEventType(lifecycle.KindInvoiceReceived), march(5, 10)),
					event("p1", canonical.OrderEventType(lifecycle.KindPaymentReceived), march(14, 10)),
				}
				r.Tracking = []canonical.TrackingEvent{tracking("e1", canonical.TrackingDelivered, march(11, 10))}
			},
			check: func(t *testing.T, f store.OrderFact) {
				if f.InvoicedAt == nil || !f.InvoicedAt.Equal(march(5, 10)) || f.PaidAt == nil || !f.PaidAt.Equal(march(14, 10)) {
					t.Errorf("invoiced %v paid %v; want March 5 10:00 and March 14 10:00", f.InvoicedAt, f.PaidAt)
				}
				if f.State != "paid" {
					t.Errorf("state %s; want paid", f.State)
				}
			},
		},
		{
			name: "a new order was last updated when it reached the hub",
			edit: func(r *lifecycle.Records) {},
			check: func(t *testing.T, f store.OrderFact) {
				if !f.LastUpdateAt.Equal(march(2, 8)) || f.State != "submitted" || f.ConfirmedAt != nil {
					t.Errorf("last update %s state %s confirmed %v; want March 2 08:00, submitted, unconfirmed", f.LastUpdateAt, f.State, f.ConfirmedAt)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := baseRecords()
			tt.edit(&rec)
			tt.check(t, factOf(t, rec))
		})
	}
}

// diffFacts says how got differs from want, "" when not at all.
func diffFacts(got, want store.OrderFact) string {
	times := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	switch {
	case !times(got.ConfirmedAt, want.ConfirmedAt), !times(got.ShippedAt, want.ShippedAt),
		!times(got.DeliveredAt, want.DeliveredAt), !times(got.InvoicedAt, want.InvoicedAt), !times(got.PaidAt, want.PaidAt):
		return fmt.Sprintf("confirmed %v shipped %v delivered %v invoiced %v paid %v; want %v %v %v %v %v",
			got.ConfirmedAt, got.ShippedAt, got.DeliveredAt, got.InvoicedAt, got.PaidAt,
			want.ConfirmedAt, want.ShippedAt, want.DeliveredAt, want.InvoicedAt, want.PaidAt)
	case !got.TotalAmount.Equal(want.TotalAmount):
		return "total " + got.TotalAmount.String() + "; want " + want.TotalAmount.String()
	}
	got.ConfirmedAt, got.ShippedAt, got.DeliveredAt, got.InvoicedAt, got.PaidAt = nil, nil, nil, nil, nil
	want.ConfirmedAt, want.ShippedAt, want.DeliveredAt, want.InvoicedAt, want.PaidAt = nil, nil, nil, nil, nil
	got.TotalAmount, want.TotalAmount = canonical.Decimal{}, canonical.Decimal{}
	if got != want {
		return fmt.Sprintf("fact\n  %+v\nwant\n  %+v", got, want)
	}
	return ""
}
