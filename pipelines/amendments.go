package pipelines

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/store"
)

// AmendmentStore is what amendments read and write: the order, its events
// (an amendment is kept as the order_updated event it sends out), and the
// amended content.
type AmendmentStore interface {
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error)
	AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error)
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
}

// HubPartner is the partner name of what the hub itself makes (amendments,
// status changes): it is stored and published under it.
const HubPartner = "procurehub"

// ErrAmendmentRefused wraps why an amendment was refused: a change the
// order cannot take (a quantity of zero, a line it does not have, a From
// that is no longer the current value), a party in the wrong role, or a
// decision on an amendment that is not pending (lifecycle.ErrNotPending
// is wrapped too).
var ErrAmendmentRefused = errors.New("amendment refused")

// Amendments versions changes of stored orders (lifecycle.History): a
// buyer's change takes effect at once, a supplier's counter-proposal waits
// for the buyer. Every amendment, and every decision on one, is stored as
// an order_updated event of the order and published on
// procurehub.order-events.v1, so that the other party sees it on the
// order's timeline and downstream consumers get it. An accepted amendment
// writes the amended content as the order's next version and publishes it
// on procurehub.orders.v1, where validation reviews it like any order.
//
// The store is written before anything is published, so a version number
// is never handed out twice; amendments of one process are serialized.
type Amendments struct {
	Store AmendmentStore
	Pub   message.Publisher
	Now   func() time.Time // time.Now when nil
	// Documents, when set, also sends each new version of an order to its
	// supplier as a document, where the supplier wants one.
	Documents AmendmentDocuments

	mu sync.Mutex
}

// AmendmentDocuments sends an order's new version as a document: Send
// writes nothing for a supplier that wants none. An error fails the
// amendment call after the version is stored; the event is out already.
type AmendmentDocuments interface {
	Send(ctx context.Context, order canonical.Order, version int) error
}

// OrderHistory is an order's current content, its version and every
// amendment made to it.
type OrderHistory struct {
	OrderNumber    string                `json:"order_number"`
	BuyerID        string                `json:"buyer_id"`
	CurrentVersion int                   `json:"current_version"`
	Order          canonical.Order       `json:"order"`
	Amendments     []lifecycle.Amendment `json:"amendments"`
	// Pending is the counter-proposal waiting for the buyer, if any.
	Pending *lifecycle.Amendment `json:"pending,omitempty"`
}

// History returns an order's amendments; buyerID may be empty (the most
// recently changed order of that number). store.ErrNotFound when there
// is no such order.
func (a *Amendments) History(ctx context.Context, buyerID, orderNumber string) (OrderHistory, error) {
	_, h, err := a.load(ctx, buyerID, orderNumber)
	if err != nil {
		return OrderHistory{}, err
	}
	return historyOf(h), nil
}

// Propose records an amendment against the current version (see
// lifecycle.History.Propose) and returns it numbered, with its status.
func (a *Amendments) Propose(ctx context.Context, buyerID, orderNumber string, am lifecycle.Amendment) (lifecycle.Amendment, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, h, err := a.load(ctx, buyerID, orderNumber)
	if err != nil {
		return lifecycle.Amendment{}, err
	}
	if am.At.IsZero() {
		am.At = a.now()
	}
	before := h.Amendments()
	out, err := h.Propose(am)
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrAmendmentRefused, err)
	}
	return out, a.record(ctx, o, h, before)
}

// Decide accepts or rejects the pending counter-proposal v; only the
// buyer decides.
func (a *Amendments) Decide(ctx context.Context, buyerID, orderNumber string, v int, accept bool, by lifecycle.Author, reason string) (lifecycle.Amendment, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, h, err := a.load(ctx, buyerID, orderNumber)
	if err != nil {
		return lifecycle.Amendment{}, err
	}
	before := h.Amendments()
	var out lifecycle.Amendment
	if accept {
		out, err = h.Accept(v, by, a.now())
	} else {
		out, err = h.Reject(v, by, a.now(), reason)
	}
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrAmendmentRefused, err)
	}
	return out, a.record(ctx, o, h, before)
}

func (a *Amendments) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// load reads the order and resumes its history from its stored events.
func (a *Amendments) load(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, *lifecycle.History, error) {
	o, err := a.Store.GetOrder(ctx, buyerID, orderNumber)
	if err != nil {
		return nil, nil, err
	}
	events, err := a.Store.OrderEvents(ctx, orderNumber)
	if err != nil {
		return nil, nil, err
	}
	var past []lifecycle.Amendment
	for _, e := range events {
		if e.Event.BuyerID != o.Order.Buyer.ID {
			continue
		}
		if am, ok := lifecycle.AmendmentOf(e.Event); ok {
			past = append(past, am)
		}
	}
	return o, lifecycle.Resume(o.Order, past), nil
}

// record stores and publishes what changed in h since before: the event of
// every amendment that is new or changed status, then, when the current
// version moved, the amended order.
func (a *Amendments) record(ctx context.Context, o *store.StoredOrder, h *lifecycle.History, before []lifecycle.Amendment) error {
	var events []*canonical.OrderEvent
	for _, am := range h.Amendments() {
		i := slices.IndexFunc(before, func(b lifecycle.Amendment) bool { return b.Version == am.Version })
		if i >= 0 && before[i].Status == am.Status {
			continue
		}
		ev := am.Event(o.Order)
		ev.Source = &canonical.Source{Connector: "amendment", Partner: HubPartner}
		events = append(events, &ev)
	}
	current := h.Current()
	moved := h.CurrentVersion() != versionOf(before)
	if _, err := a.Store.AddOrderEvents(ctx, HubPartner, events); err != nil {
		return fmt.Errorf("store amendment of order %s: %w", o.Order.OrderNumber, err)
	}
	if moved {
		if _, err := a.Store.UpsertOrders(ctx, []*canonical.Order{&current}); err != nil {
			return fmt.Errorf("store amended order %s: %w", o.Order.OrderNumber, err)
		}
	}
	if err := PublishOrderEvents(a.Pub, "amendment", events...); err != nil {
		return fmt.Errorf("amendment of order %s: %w", o.Order.OrderNumber, err)
	}
	if !moved {
		return nil
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "amendment/order/%s/%s/v%d", current.Buyer.ID, current.OrderNumber, h.CurrentVersion()))
	m, err := recordMessage(id.String(), connectors.Record{Type: canonical.TypeOrder, Key: current.OrderNumber, Value: &current},
		"amendment", HubPartner, connectors.Input{})
	if err != nil {
		return err
	}
	if err := a.Pub.Publish(TopicOrders, m); err != nil {
		return fmt.Errorf("publish amended order %s: %w", current.OrderNumber, err)
	}
	if a.Documents != nil {
		if err := a.Documents.Send(ctx, current, h.CurrentVersion()); err != nil {
			return fmt.Errorf("document of amended order %s: %w", current.OrderNumber, err)
		}
	}
	return nil
}

// PublishOrderEvents publishes order events the hub itself made (an
// amendment, a status change, a document arrived) on
// procurehub.order-events.v1 as partner HubPartner, from kind (its
// ce_source is procurehub/<kind>/procurehub), keyed by order number. The
// message id derives from the event id, so publishing an event again is
// the same message; the order event sink keeps it once.
func PublishOrderEvents(pub message.Publisher, kind string, events ...*canonical.OrderEvent) error {
	if len(events) == 0 {
		return nil
	}
	msgs := make([]*message.Message, 0, len(events))
	for _, ev := range events {
		m, err := recordMessage(uuid.NewSHA1(uuid.NameSpaceURL, []byte("order-event/"+ev.EventID)).String(),
			connectors.Record{Type: canonical.TypeOrderEvent, Key: ev.OrderNumber, Value: ev}, kind, HubPartner, connectors.Input{})
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := pub.Publish(TopicOrderEvents, msgs...); err != nil {
		return fmt.Errorf("publish order events: %w", err)
	}
	return nil
}

// versionOf is the current version the amendments make: that of the
// latest accepted one, 1 without any.
func versionOf(amendments []lifecycle.Amendment) int {
	v := 1
	for _, a := range amendments {
		if a.Status == lifecycle.Accepted {
			v = max(v, a.Version)
		}
	}
	return v
}

func historyOf(h *lifecycle.History) OrderHistory {
	o := h.Current()
	out := OrderHistory{OrderNumber: o.OrderNumber, BuyerID: o.Buyer.ID, CurrentVersion: h.CurrentVersion(), Order: o,
		Amendments: h.Amendments()}
	if out.Amendments == nil {
		out.Amendments = []lifecycle.Amendment{}
	}
	if p, ok := h.Pending(); ok {
		out.Pending = &p
	}
	return out
}
