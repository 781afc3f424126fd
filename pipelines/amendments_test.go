package pipelines

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
)

var (
	buyerAnna  = lifecycle.Author{PartyID: "ACME-DE", User: "anna@acme.example", Role: lifecycle.RoleBuyer}
	supplierLi = lifecycle.Author{PartyID: "SUP-CN-SZP", User: "li@szp.example", Role: lifecycle.RoleSupplier}
)

// amendable is a stored order of 100 servo motors for 1 April.
func amendable(t *testing.T) (*Amendments, *amendmentsProbe) {
	t.Helper()
	st := newLedger(t)
	o := &canonical.Order{OrderNumber: "4500012345", OrderDate: canonical.NewDate(2026, 3, 2),
		Buyer: canonical.Party{ID: "ACME-DE"}, Supplier: canonical.Party{ID: "SUP-CN-SZP"}, Currency: "USD",
		RequestedDeliveryDate: canonical.NewDate(2026, 4, 1),
		Lines:                 []canonical.OrderLine{{LineNumber: 1, SKU: "SZP-SRV-750B", Quantity: canonical.MustDecimal("100"), Unit: "H87", UnitPrice: canonical.MustDecimal("186.40")}}}
	if _, err := st.UpsertOrders(t.Context(), []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
	ps := newPubSub(t)
	orders, err := ps.Subscribe(t.Context(), TopicOrders)
	if err != nil {
		t.Fatal(err)
	}
	events, err := ps.Subscribe(t.Context(), TopicOrderEvents)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	a := &Amendments{Store: st, Pub: ps, Now: func() time.Time { clock = clock.Add(time.Minute); return clock }}
	return a, &amendmentsProbe{t: t, a: a, orders: orders, events: events}
}

type amendmentsProbe struct {
	t              *testing.T
	a              *Amendments
	orders, events <-chan *message.Message
}

func (p *amendmentsProbe) history() OrderHistory {
	p.t.Helper()
	h, err := p.a.History(p.t.Context(), "ACME-DE", "4500012345")
	if err != nil {
		p.t.Fatal(err)
	}
	return h
}

func TestABuyersChangeIsTheNextVersionAtOnceAndGoesOutAsAnEvent(t *testing.T) {
	a, p := amendable(t)
	got, err := a.Propose(t.Context(), "ACME-DE", "4500012345", lifecycle.Amendment{By: buyerAnna, Kind: lifecycle.BuyerChange,
		Changes: []lifecycle.FieldChange{{Path: "lines[0].quantity", To: "120"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Status != lifecycle.Accepted || got.Changes[0].From != "100" {
		t.Errorf("amendment %+v, want v2 accepted from 100", got)
	}
	h := p.history()
	if h.CurrentVersion != 2 || h.Order.Lines[0].Quantity.String() != "120" || len(h.Amendments) != 1 {
		t.Errorf("history: version %d, quantity %s, %d amendments; want 2, 120, 1", h.CurrentVersion, h.Order.Lines[0].Quantity, len(h.Amendments))
	}
	stored, err := a.Store.GetOrder(t.Context(), "ACME-DE", "4500012345")
	if err != nil || stored.Order.Lines[0].Quantity.String() != "120" || stored.Version != 2 {
		t.Errorf("stored order: %v, %+v; want version 2 with 120", err, stored)
	}
	ev := drain(t, p.events, 1)[0]
	if !strings.Contains(string(ev.Payload), `"type":"order_updated"`) || !strings.Contains(string(ev.Payload), "lines[0].quantity 100 → 120") {
		t.Errorf("event published: %s", ev.Payload)
	}
	if o := drain(t, p.orders, 1)[0]; !strings.Contains(string(o.Payload), `"quantity":"120"`) {
		t.Errorf("amended order published: %s", o.Payload)
	}
}

func TestACounterProposalWaitsForTheBuyerAndTheDecisionIsKept(t *testing.T) {
	a, p := amendable(t)
	prop, err := a.Propose(t.Context(), "ACME-DE", "4500012345", lifecycle.Amendment{By: supplierLi, Kind: lifecycle.CounterProposal,
		Changes: []lifecycle.FieldChange{{Path: "requested_delivery_date", To: "2026-04-15"}}})
	if err != nil || prop.Status != lifecycle.Pending {
		t.Fatalf("proposal %+v, %v; want pending", prop, err)
	}
	if h := p.history(); h.CurrentVersion != 1 || h.Pending == nil || h.Order.RequestedDeliveryDate.String() != "2026-04-01" {
		t.Fatalf("while pending: version %d, pending %v, date %s; want 1, the proposal, 2026-04-01", h.CurrentVersion, h.Pending, h.Order.RequestedDeliveryDate)
	}
	if _, err := a.Decide(t.Context(), "ACME-DE", "4500012345", 2, true, supplierLi, ""); !errors.Is(err, ErrAmendmentRefused) {
		t.Errorf("the supplier accepted its own proposal: %v", err)
	}
	acc, err := a.Decide(t.Context(), "ACME-DE", "4500012345", 2, true, buyerAnna, "")
	if err != nil || acc.Status != lifecycle.Accepted {
		t.Fatalf("accept: %+v, %v", acc, err)
	}
	h := p.history()
	if h.CurrentVersion != 2 || h.Pending != nil || h.Order.RequestedDeliveryDate.String() != "2026-04-15" {
		t.Errorf("after accepting: version %d, pending %v, date %s; want 2, none, 2026-04-15", h.CurrentVersion, h.Pending, h.Order.RequestedDeliveryDate)
	}
	if _, err := a.Decide(t.Context(), "ACME-DE", "4500012345", 2, false, buyerAnna, "too late"); !errors.Is(err, lifecycle.ErrNotPending) {
		t.Errorf("rejecting an accepted amendment: %v, want ErrNotPending", err)
	}
	if n := len(drain(t, p.events, 2)); n != 2 {
		t.Errorf("%d events, want the proposal and the acceptance", n)
	}
}

func TestAChangeAgainstAnOlderValueIsRefusedAndNothingIsWritten(t *testing.T) {
	a, p := amendable(t)
	if _, err := a.Propose(t.Context(), "ACME-DE", "4500012345", lifecycle.Amendment{By: buyerAnna, Kind: lifecycle.BuyerChange,
		Changes: []lifecycle.FieldChange{{Path: "lines[0].quantity", From: "90", To: "120"}}}); !errors.Is(err, ErrAmendmentRefused) {
		t.Fatalf("a change from 90 when the order says 100: %v, want refused", err)
	}
	if _, err := a.Propose(t.Context(), "ACME-DE", "4500012345", lifecycle.Amendment{By: buyerAnna, Kind: lifecycle.BuyerChange,
		Changes: []lifecycle.FieldChange{{Path: "lines[3].quantity", To: "1"}}}); !errors.Is(err, ErrAmendmentRefused) {
		t.Fatalf("a change of a line the order does not have: %v, want refused", err)
	}
	if h := p.history(); h.CurrentVersion != 1 || len(h.Amendments) != 0 {
		t.Errorf("refused changes left version %d and %d amendments", h.CurrentVersion, len(h.Amendments))
	}
	if _, err := a.History(t.Context(), "ACME-DE", "no-such-order"); err == nil {
		t.Error("the history of an order that does not exist was found")
	}
}
