package lifecycle

import (
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/canonical"
)

func dec(s string) *canonical.Decimal { d := canonical.MustDecimal(s); return &d }

func sampleOrder() canonical.Order {
	return canonical.Order{
		OrderNumber:           "PO-1001",
		OrderDate:             canonical.NewDate(2026, 3, 1),
		Buyer:                 canonical.Party{ID: "acme"},
		Supplier:              canonical.Party{ID: "shenzhen-parts"},
		Currency:              "EUR",
		RequestedDeliveryDate: canonical.NewDate(2026, 5, 1),
		Lines: []canonical.OrderLine{
			{LineNumber: 10, SKU: "A", Quantity: canonical.MustDecimal("100"), Unit: "PCE", UnitPrice: canonical.MustDecimal("2.50"), Amount: dec("250.00")},
			{LineNumber: 20, SKU: "B", Quantity: canonical.MustDecimal("10"), Unit: "PCE", UnitPrice: canonical.MustDecimal("9.99"), Amount: dec("99.90")},
		},
		TotalAmount: dec("349.90"),
	}
}

var (
	buyer    = Author{PartyID: "acme", User: "anna", Role: RoleBuyer}
	supplier = Author{PartyID: "shenzhen-parts", Role: RoleSupplier}
)

func TestApplyingAnAmendmentChangesACopyAndRecomputesAmounts(t *testing.T) {
	o := sampleOrder()
	got, err := ApplyAmendment(o, Amendment{Kind: BuyerChange, By: buyer, Changes: []FieldChange{
		{Path: "lines[0].quantity", From: "100", To: "120"},
		{Path: "lines[1].unit_price", To: "9.50"},
		{Path: "requested_delivery_date", From: "2026-05-01", To: "2026-05-15"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Lines[0].Quantity.String() != "120" || got.Lines[0].Amount.String() != "300.00" ||
		got.Lines[1].Amount.String() != "95.00" || got.TotalAmount.String() != "395.00" ||
		got.RequestedDeliveryDate.String() != "2026-05-15" {
		t.Errorf("amended: qty %s amount %s / %s total %s date %s", got.Lines[0].Quantity, got.Lines[0].Amount,
			got.Lines[1].Amount, got.TotalAmount, got.RequestedDeliveryDate)
	}
	if o.Lines[0].Quantity.String() != "100" || o.TotalAmount.String() != "349.90" {
		t.Errorf("the original changed: %s, %s", o.Lines[0].Quantity, o.TotalAmount)
	}
}

func TestABadAmendmentIsRefusedWithWhatIsWrong(t *testing.T) {
	tests := []struct {
		name   string
		change FieldChange
		want   string
	}{
		{"zero quantity", FieldChange{Path: "lines[0].quantity", To: "0"}, "lines[0].quantity: must be greater than zero"},
		{"delivery before the order date", FieldChange{Path: "requested_delivery_date", To: "2026-02-01"}, "requested_delivery_date"},
		{"a value that is not a number", FieldChange{Path: "lines[0].unit_price", To: "12,5O"}, "is not a decimal"},
		{"a line the order does not have", FieldChange{Path: "lines[5].quantity", To: "1"}, "the order has 2 lines"},
		{"a field that cannot be amended", FieldChange{Path: "currency", To: "USD"}, "cannot be amended"},
		{"a change against an older version", FieldChange{Path: "lines[0].quantity", From: "90", To: "120"}, "is 100, not 90"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ApplyAmendment(sampleOrder(), Amendment{Kind: BuyerChange, By: buyer, Changes: []FieldChange{tt.change}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	_, err := ApplyAmendment(sampleOrder(), Amendment{Changes: []FieldChange{{Path: "lines[0].quantity", To: "-1"}}})
	if ve := canonical.AsValidationError(err); ve == nil || !ve.Has("lines[0].quantity", canonical.CodeNotPositive) {
		t.Errorf("validation problems are not reachable: %v", err)
	}
}

func TestAnAmendmentMayCorrectAnOrderThatAlreadyHadErrors(t *testing.T) {
	o := sampleOrder()
	o.Lines[1].Quantity = canonical.MustDecimal("0") // why it is in needs_review
	o.Lines[1].Amount, o.TotalAmount = nil, nil
	got, err := ApplyAmendment(o, Amendment{Changes: []FieldChange{{Path: "lines[0].quantity", To: "50"}}})
	if err != nil {
		t.Fatalf("an unrelated old problem blocked the amendment: %v", err)
	}
	if _, err := ApplyAmendment(got, Amendment{Changes: []FieldChange{{Path: "lines[1].quantity", To: "5"}}}); err != nil {
		t.Fatalf("the correction was refused: %v", err)
	}
}

func TestABuyerChangeBumpsTheVersionAndKeepsTheHistory(t *testing.T) {
	h := NewHistory(sampleOrder())
	a, err := h.Propose(Amendment{Kind: BuyerChange, By: buyer, At: at(1),
		Changes: []FieldChange{{Path: "lines[0].quantity", To: "120"}}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 || a.Base != 1 || a.Status != Accepted || a.Changes[0].From != "100" {
		t.Errorf("amendment = %+v", a)
	}
	if h.CurrentVersion() != 2 || h.Current().Lines[0].Quantity.String() != "120" {
		t.Errorf("current v%d qty %s", h.CurrentVersion(), h.Current().Lines[0].Quantity)
	}
	if v1, ok := h.Version(1); !ok || v1.Lines[0].Quantity.String() != "100" {
		t.Errorf("version 1 lost: %v", v1.Lines[0].Quantity)
	}
	cur := h.Current()
	cur.Lines[0].Quantity = canonical.MustDecimal("1")
	if h.Current().Lines[0].Quantity.String() != "120" {
		t.Error("changing a copy of the current version changed the history")
	}
	if got := a.Summary(); got != "v2 buyer change: lines[0].quantity 100 → 120" {
		t.Errorf("summary = %q", got)
	}
	ev := a.Event(h.Current())
	if ev.Type != canonical.EventOrderUpdated || ev.OrderNumber != "PO-1001" || ev.BuyerID != "acme" || ev.Actor != "anna" {
		t.Errorf("event to the supplier = %+v", ev)
	}
	if err := canonical.Validate(ev); err != nil {
		t.Errorf("the outgoing event is not valid: %v", err)
	}
	if _, err := h.Propose(Amendment{Kind: BuyerChange, By: buyer, Changes: []FieldChange{{Path: "lines[0].quantity", To: "0"}}}); err == nil {
		t.Error("an invalid change was accepted")
	}
	if h.CurrentVersion() != 2 || len(h.Amendments()) != 1 {
		t.Errorf("a refused change left a trace: v%d, %d amendments", h.CurrentVersion(), len(h.Amendments()))
	}
}

func TestACounterProposalIsPendingUntilTheBuyerAcceptsIt(t *testing.T) {
	h := NewHistory(sampleOrder())
	a, err := h.Propose(Amendment{Kind: CounterProposal, By: supplier, At: at(2),
		Changes: []FieldChange{{Path: "lines[1].unit_price", To: "10.50"}, {Path: "requested_delivery_date", To: "2026-05-20"}}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != Pending || h.CurrentVersion() != 1 || h.Current().Lines[1].UnitPrice.String() != "9.99" {
		t.Fatalf("pending counter-proposal changed the order: %s v%d", a.Status, h.CurrentVersion())
	}
	if p, ok := h.Pending(); !ok || p.Version != 2 {
		t.Errorf("pending = %+v %v", p, ok)
	}
	if _, err := h.Accept(2, supplier, at(3)); err == nil {
		t.Error("the supplier accepted its own counter-proposal")
	}
	acc, err := h.Accept(2, buyer, at(4))
	if err != nil {
		t.Fatal(err)
	}
	if acc.Status != Accepted || h.CurrentVersion() != 2 || h.Current().Lines[1].Amount.String() != "105.00" {
		t.Errorf("after acceptance: %s v%d amount %s", acc.Status, h.CurrentVersion(), h.Current().Lines[1].Amount)
	}
	if _, err := h.Accept(2, buyer, at(5)); !errors.Is(err, ErrNotPending) {
		t.Errorf("accepting twice: %v", err)
	}
	m := acc.Milestone("PO-1001")
	if m.Kind != KindCounterAccepted || !m.OccurredAt.Equal(at(4)) || m.Actor.User != "anna" {
		t.Errorf("milestone = %+v", m)
	}
	tl := replay(t, []Milestone{ms("created", KindOrderCreated, 0), a.Milestone("PO-1001"), m})
	if tl.State != StateConfirmed {
		t.Errorf("an accepted counter-proposal leaves the order %s, want confirmed", tl.State)
	}
}

func TestACounterProposalCanBeRejectedOrSuperseded(t *testing.T) {
	h := NewHistory(sampleOrder())
	change := []FieldChange{{Path: "lines[0].quantity", To: "80"}}
	if _, err := h.Propose(Amendment{Kind: CounterProposal, By: supplier, Changes: change}); err != nil {
		t.Fatal(err)
	}
	r, err := h.Reject(2, buyer, at(1), "we need all 100")
	if err != nil || r.Status != Rejected || h.CurrentVersion() != 1 {
		t.Fatalf("reject: %+v %v", r, err)
	}
	if _, err := h.Propose(Amendment{Kind: CounterProposal, By: supplier, Changes: change}); err != nil {
		t.Fatal(err)
	}
	b, err := h.Propose(Amendment{Kind: BuyerChange, By: buyer, Changes: []FieldChange{{Path: "lines[0].quantity", To: "90"}}})
	if err != nil {
		t.Fatal(err)
	}
	all := h.Amendments()
	if b.Version != 4 || h.CurrentVersion() != 4 || all[1].Status != Rejected || all[1].Reason != "superseded by v4" {
		t.Errorf("history = %+v", all)
	}
	if _, err := h.Propose(Amendment{Kind: CounterProposal, By: buyer, Changes: change}); err == nil {
		t.Error("a buyer made a counter-proposal")
	}
}
