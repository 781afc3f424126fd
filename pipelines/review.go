package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// Findings are what order validation found: counts and the findings as a
// JSON array ({rule_id, severity, path, message, suggestion}).
type Findings struct {
	Errors, Warnings int
	JSON             json.RawMessage
	// First is the first error, for the alert's message.
	First string
}

// OrderValidator checks an order against the rules (catalog, capacity,
// price list, payment terms...). The error is for a failed lookup, not a
// finding: the message is retried.
type OrderValidator func(ctx context.Context, o *canonical.Order) (Findings, error)

// FindingsWriter keeps an order's findings and its review status.
type FindingsWriter interface {
	RecordFindings(ctx context.Context, f store.OrderFindings) (bool, error)
}

// Review validates every stored order: an order with errors becomes
// needs_review, goes to procurehub.rejects.v1 with its findings, and raises
// an order_needs_review alert (the notification); warnings ride along in
// the findings. Findings are recorded per content, so a replay raises
// nothing twice.
type Review struct {
	Validate  OrderValidator
	Writer    FindingsWriter
	Publisher message.Publisher
}

// AlertOrderNeedsReview is the alert kind of an order with error findings.
const AlertOrderNeedsReview = "order_needs_review"

// OrderReject is the payload of a procurehub.rejects.v1 message of type
// CETypeOrderReject: an order that failed validation.
type OrderReject struct {
	Partner     string          `json:"partner"`
	BuyerID     string          `json:"buyer_id"`
	OrderNumber string          `json:"order_number"`
	Version     string          `json:"content_hash"`
	Findings    json.RawMessage `json:"findings"`
}

// check validates a stored order, records its findings and raises the
// reject and the alert when they are new and hold errors.
func (r *Review) check(ctx context.Context, partner string, o *canonical.Order, m *Metrics) error {
	f, err := r.Validate(ctx, o)
	if err != nil {
		return fmt.Errorf("validate order %s: %w", o.OrderNumber, err)
	}
	hash, err := store.ContentHash(o)
	if err != nil {
		return Permanent(err)
	}
	changed, err := r.Writer.RecordFindings(ctx, store.OrderFindings{BuyerID: o.Buyer.ID, OrderNumber: o.OrderNumber,
		ContentHash: hash, Errors: f.Errors, Warnings: f.Warnings, Findings: f.JSON})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("record findings of order %s: %w", o.OrderNumber, err))
	}
	if !changed || f.Errors == 0 {
		return nil
	}
	if m != nil {
		m.OrdersNeedingReview.WithLabelValues(partner).Inc()
	}
	rej, err := json.Marshal(OrderReject{Partner: partner, BuyerID: o.Buyer.ID, OrderNumber: o.OrderNumber, Version: hash, Findings: f.JSON})
	if err != nil {
		return Permanent(err)
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "review/%s/%s/%s", o.Buyer.ID, o.OrderNumber, hash)).String()
	rm := message.NewMessage(id, rej)
	rm.Metadata.Set(MetaPartitionKey, o.OrderNumber)
	rm.Metadata.Set(MetaPartner, partner)
	rm.Metadata.Set(MetaCEType, CETypeOrderReject)
	if err := r.Publisher.Publish(TopicRejects, rm); err != nil {
		return fmt.Errorf("publish reject of order %s: %w", o.OrderNumber, err)
	}
	a := Alert{ID: id, Kind: AlertOrderNeedsReview, Severity: SeverityWarning, Partner: partner,
		Action:     "Correct the order at its source (see its findings on GET /api/v1/orders/" + o.OrderNumber + ") or clear it in review; it is not sent on until then.",
		Subject:    fmt.Sprintf("order %s of %s", o.OrderNumber, o.Buyer.ID),
		Message:    fmt.Sprintf("%d errors, %d warnings; first: %s", f.Errors, f.Warnings, f.First),
		OccurredAt: time.Now().UTC(),
		Data:       map[string]string{"order_number": o.OrderNumber, "buyer_id": o.Buyer.ID, "supplier_id": o.Supplier.ID}}
	am, err := a.ToMessage()
	if err != nil {
		return Permanent(err)
	}
	if err := r.Publisher.Publish(TopicAlerts, am); err != nil {
		return fmt.Errorf("publish alert of order %s: %w", o.OrderNumber, err)
	}
	return nil
}
