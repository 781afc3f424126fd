package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/shopspring/decimal"
)

// Role is the side a party takes in an amendment.
type Role string

const (
	RoleBuyer    Role = "buyer"
	RoleSupplier Role = "supplier"
)

// Author is who made or decided an amendment.
type Author struct {
	PartyID string `json:"party_id"`
	User    string `json:"user,omitempty"`
	Role    Role   `json:"role"`
}

// AmendmentKind is a buyer's change or a supplier's counter-proposal.
type AmendmentKind string

const (
	// BuyerChange is a change the buyer makes; it takes effect at once and
	// goes to the supplier, who confirms the new version.
	BuyerChange AmendmentKind = "buyer_change"
	// CounterProposal is a supplier's proposal of other terms (an order
	// response "changed"); it is pending until the buyer accepts it.
	CounterProposal AmendmentKind = "counter_proposal"
)

// AmendmentStatus is pending, accepted or rejected.
type AmendmentStatus string

const (
	Pending  AmendmentStatus = "pending"
	Accepted AmendmentStatus = "accepted"
	Rejected AmendmentStatus = "rejected"
)

// FieldChange is one changed field. Path uses the canonical field paths:
// "requested_delivery_date", "lines[0].quantity", "lines[0].unit_price",
// where the index is the 0-based position of the line in the order, as in
// canonical validation errors. From and To are the canonical JSON text of
// the value ("120.5", "2026-03-01"). From, when given, must be the current
// value: a change made against an older version is refused rather than
// silently overwriting a newer one; History fills it in when it is empty.
type FieldChange struct {
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	To   string `json:"to"`
}

// Amendment is one versioned change of an order.
type Amendment struct {
	// Version is the order version this amendment creates when accepted;
	// History numbers amendments 2, 3, ... in the order they are proposed
	// (version 1 is the order as first received), so a rejected proposal
	// leaves its number unused by the order.
	Version int `json:"version"`
	// Base is the version the amendment was made against.
	Base    int             `json:"base"`
	By      Author          `json:"by"`
	Kind    AmendmentKind   `json:"kind"`
	Changes []FieldChange   `json:"changes"`
	At      time.Time       `json:"at"`
	Status  AmendmentStatus `json:"status"`
	// DecidedBy, DecidedAt and Reason say who accepted or rejected a
	// counter-proposal, when and why (or which version superseded it).
	DecidedBy Author    `json:"decided_by,omitzero"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
}

// Summary is one line for a timeline or a notification:
// "v2 buyer change: lines[0].quantity 100 → 120".
func (a Amendment) Summary() string {
	parts := make([]string, len(a.Changes))
	for i, c := range a.Changes {
		if c.From != "" {
			parts[i] = fmt.Sprintf("%s %s → %s", c.Path, c.From, c.To)
		} else {
			parts[i] = fmt.Sprintf("%s → %s", c.Path, c.To)
		}
	}
	s := fmt.Sprintf("v%d %s", a.Version, strings.ReplaceAll(string(a.Kind), "_", " "))
	if a.Status != Accepted || a.Kind == CounterProposal {
		s += " (" + string(a.Status) + ")"
	}
	return s + ": " + strings.Join(parts, ", ")
}

// ApplyAmendment applies the changes of a to a copy of order and returns
// it; order itself is not modified. Quantities and unit prices are
// decimals, requested_delivery_date a date; a line amount that is given is
// recomputed as quantity × unit price rounded to the currency's minor unit,
// and a given total_amount as the sum of the line amounts. The result is
// validated with canonical validation: a problem the changes introduce is
// an error (a quantity of zero, a delivery date before the order date);
// problems the order already had do not block the amendment, which may be
// the correction of an order held for review. A rejected amendment is not
// applied; a pending one is (to preview it).
func ApplyAmendment(order canonical.Order, a Amendment) (canonical.Order, error) {
	out, _, err := apply(order, a)
	return out, err
}

var linePath = regexp.MustCompile(`^lines\[(\d+)\]\.(quantity|unit_price)$`)

// apply returns the amended order and the changes with From filled in.
func apply(order canonical.Order, a Amendment) (canonical.Order, []FieldChange, error) {
	fail := func(format string, args ...any) (canonical.Order, []FieldChange, error) {
		return order, nil, fmt.Errorf("lifecycle: amendment v%d of order %s: %s", a.Version, order.OrderNumber, fmt.Sprintf(format, args...))
	}
	if a.Status == Rejected {
		return fail("it was rejected")
	}
	if len(a.Changes) == 0 {
		return fail("it changes nothing")
	}
	out := order
	out.Lines = slices.Clone(order.Lines)
	changes := slices.Clone(a.Changes)
	touched := map[int]bool{}
	paths := map[string]bool{}
	for i := range changes {
		c := &changes[i]
		if paths[c.Path] {
			return fail("%s is changed twice", c.Path)
		}
		paths[c.Path] = true
		if c.Path == "requested_delivery_date" {
			to, err := canonical.ParseDate(c.To)
			if err != nil {
				return fail("%s: %v", c.Path, err)
			}
			cur := out.RequestedDeliveryDate.String()
			if out.RequestedDeliveryDate.IsZero() {
				cur = ""
			}
			if c.From != "" {
				from, err := canonical.ParseDate(c.From)
				if err != nil {
					return fail("%s: from: %v", c.Path, err)
				}
				if from != out.RequestedDeliveryDate {
					return fail("%s is %s, not %s: the change was made against another version", c.Path, orNone(cur), c.From)
				}
			}
			c.From = cur
			out.RequestedDeliveryDate = to
			continue
		}
		m := linePath.FindStringSubmatch(c.Path)
		if m == nil {
			return fail("%s cannot be amended (requested_delivery_date, lines[i].quantity and lines[i].unit_price can)", strconv.Quote(c.Path))
		}
		idx, err := strconv.Atoi(m[1])
		if err != nil || idx >= len(out.Lines) {
			return fail("%s: the order has %d lines", c.Path, len(out.Lines))
		}
		to, err := canonical.ParseDecimal(c.To)
		if err != nil {
			return fail("%s: %v", c.Path, err)
		}
		l := &out.Lines[idx]
		field := &l.Quantity
		if m[2] == "unit_price" {
			field = &l.UnitPrice
		}
		if c.From != "" {
			from, err := canonical.ParseDecimal(c.From)
			if err != nil {
				return fail("%s: from: %v", c.Path, err)
			}
			if !from.Equal(*field) {
				return fail("%s is %s, not %s: the change was made against another version", c.Path, field, c.From)
			}
		}
		c.From = field.String()
		*field = to
		touched[idx] = true
	}
	for idx := range touched {
		l := &out.Lines[idx]
		if l.Amount != nil {
			amt := canonical.NewDecimal(l.Quantity.Mul(l.UnitPrice.Decimal))
			if out.Currency.Valid() {
				amt = canonical.NewDecimal(amt.Round(int32(out.Currency.MinorUnits())))
			}
			l.Amount = &amt
		}
	}
	if len(touched) > 0 && out.TotalAmount != nil {
		sum, all := decimal.Zero, true
		for _, l := range out.Lines {
			if l.Amount == nil {
				all = false
				break
			}
			sum = sum.Add(l.Amount.Decimal)
		}
		if all {
			total := canonical.NewDecimal(sum)
			out.TotalAmount = &total
		}
	}
	if introduced := newProblems(order, out); len(introduced) > 0 {
		// Wrapped, so that canonical.AsValidationError finds the problems.
		return order, nil, fmt.Errorf("lifecycle: amendment v%d of order %s: the amended order is %w",
			a.Version, order.OrderNumber, &canonical.ValidationError{Problems: introduced})
	}
	return out, changes, nil
}

func orNone(s string) string {
	if s == "" {
		return "empty"
	}
	return s
}

// newProblems lists the validation problems of after that before did not have.
func newProblems(before, after canonical.Order) []canonical.FieldError {
	type key struct{ path, code string }
	had := map[key]bool{}
	if ve := canonical.AsValidationError(canonical.Validate(&before)); ve != nil {
		for _, p := range ve.Problems {
			had[key{p.Path, p.Code}] = true
		}
	}
	var out []canonical.FieldError
	if ve := canonical.AsValidationError(canonical.Validate(&after)); ve != nil {
		for _, p := range ve.Problems {
			if !had[key{p.Path, p.Code}] {
				out = append(out, p)
			}
		}
	}
	return out
}

// Milestone is the amendment as a timeline milestone: amended for a buyer
// change, counter_proposed, counter_accepted or counter_rejected for a
// counter-proposal in that status.
func (a Amendment) Milestone(orderNumber string) Milestone {
	k, at, by := KindAmended, a.At, a.By
	if a.Kind == CounterProposal {
		k = KindCounterProposed
		if a.Status != Pending && a.DecidedBy != (Author{}) {
			at, by = a.DecidedAt, a.DecidedBy
			k = KindCounterAccepted
			if a.Status == Rejected {
				k = KindCounterRejected
			}
		}
	}
	data, _ := json.Marshal(a) // an Amendment always encodes
	return Milestone{
		ID:         fmt.Sprintf("amendment:%s:v%d:%s", orderNumber, a.Version, k),
		Kind:       k,
		OccurredAt: at,
		Actor:      Actor{PartyID: by.PartyID, User: by.User},
		Summary:    a.Summary(),
		Data:       data,
	}
}

// Event is the amendment as the canonical order_updated event that goes out
// to the other party (the supplier for a buyer change, the buyer for a
// counter-proposal, both for a decision). Its data is the Amendment.
func (a Amendment) Event(order canonical.Order) canonical.OrderEvent {
	m := a.Milestone(order.OrderNumber)
	return canonical.OrderEvent{
		EventID:     order.Buyer.ID + ":" + m.ID,
		OrderNumber: order.OrderNumber,
		BuyerID:     order.Buyer.ID,
		Type:        canonical.EventOrderUpdated,
		OccurredAt:  m.OccurredAt,
		Actor:       cmpOr(m.Actor.User, m.Actor.PartyID),
		Summary:     m.Summary,
		Data:        m.Data,
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// History is the versioned life of one order's content: version 1 as first
// received, then every amendment with its status. Every party sees Current
// and Amendments. A History is not safe for concurrent use.
type History struct {
	versions   map[int]canonical.Order
	current    int
	amendments []Amendment
}

// NewHistory starts the history of an order at version 1.
func NewHistory(order canonical.Order) *History {
	return &History{versions: map[int]canonical.Order{1: withOwnLines(order)}, current: 1}
}

// withOwnLines returns o with a slice of lines of its own, so that changing
// a line of one version leaves the others alone.
func withOwnLines(o canonical.Order) canonical.Order {
	o.Lines = slices.Clone(o.Lines)
	return o
}

// CurrentVersion is the version of Current.
func (h *History) CurrentVersion() int { return h.current }

// Current is the order with every accepted amendment applied; its lines
// are the caller's to change.
func (h *History) Current() canonical.Order { return withOwnLines(h.versions[h.current]) }

// Version returns the order as it was at version v; ok is false for a
// version the order never had (a pending or rejected amendment's).
func (h *History) Version(v int) (canonical.Order, bool) {
	o, ok := h.versions[v]
	return withOwnLines(o), ok
}

// Amendments returns every amendment in the order proposed.
func (h *History) Amendments() []Amendment { return slices.Clone(h.amendments) }

// Pending returns the counter-proposal waiting for the buyer, if any.
func (h *History) Pending() (Amendment, bool) {
	for _, a := range h.amendments {
		if a.Status == Pending {
			return a, true
		}
	}
	return Amendment{}, false
}

// ErrNotPending is returned when accepting or rejecting an amendment that is
// not a pending counter-proposal.
var ErrNotPending = errors.New("not a pending counter-proposal")

// Propose records an amendment against the current version and returns it
// numbered and with its status. A buyer change (by the buyer) is accepted
// and becomes the current version at once; a counter-proposal (by the
// supplier) is pending. A new amendment supersedes a pending
// counter-proposal, which is rejected with the reason. Version, Base,
// Status and From values left empty are filled in.
func (h *History) Propose(a Amendment) (Amendment, error) {
	a.Version = h.next()
	a.Base = h.current
	switch {
	case a.Kind == BuyerChange && a.By.Role != RoleBuyer:
		return a, fmt.Errorf("lifecycle: amendment v%d: a buyer change is made by the buyer, not the %s", a.Version, orNone(string(a.By.Role)))
	case a.Kind == CounterProposal && a.By.Role != RoleSupplier:
		return a, fmt.Errorf("lifecycle: amendment v%d: a counter-proposal is made by the supplier, not the %s", a.Version, orNone(string(a.By.Role)))
	case a.Kind != BuyerChange && a.Kind != CounterProposal:
		return a, fmt.Errorf("lifecycle: amendment v%d: %q is not an amendment kind", a.Version, a.Kind)
	}
	a.Status = Pending
	if a.Kind == BuyerChange {
		a.Status = Accepted
	}
	order, changes, err := apply(h.Current(), a)
	if err != nil {
		return a, err
	}
	a.Changes = changes
	for i := range h.amendments {
		if p := &h.amendments[i]; p.Status == Pending {
			p.Status, p.Reason = Rejected, fmt.Sprintf("superseded by v%d", a.Version)
			p.DecidedBy, p.DecidedAt = a.By, a.At
		}
	}
	if a.Status == Accepted {
		h.versions[a.Version] = order
		h.current = a.Version
	}
	h.amendments = append(h.amendments, a)
	return a, nil
}

// Accept makes the pending counter-proposal v the current version; only the
// buyer accepts.
func (h *History) Accept(v int, by Author, at time.Time) (Amendment, error) {
	i, err := h.pending(v, by)
	if err != nil {
		return Amendment{}, err
	}
	a := h.amendments[i]
	order, _, err := apply(h.Current(), a)
	if err != nil {
		return a, err
	}
	a.Status, a.DecidedBy, a.DecidedAt = Accepted, by, at
	h.amendments[i] = a
	h.versions[a.Version] = order
	h.current = a.Version
	return a, nil
}

// Reject declines the pending counter-proposal v with a reason; only the
// buyer rejects. The order stays at its current version.
func (h *History) Reject(v int, by Author, at time.Time, reason string) (Amendment, error) {
	i, err := h.pending(v, by)
	if err != nil {
		return Amendment{}, err
	}
	a := &h.amendments[i]
	a.Status, a.DecidedBy, a.DecidedAt, a.Reason = Rejected, by, at, reason
	return *a, nil
}

func (h *History) pending(v int, by Author) (int, error) {
	i := slices.IndexFunc(h.amendments, func(a Amendment) bool { return a.Version == v })
	if i < 0 {
		return 0, fmt.Errorf("lifecycle: amendment v%d does not exist", v)
	}
	if a := h.amendments[i]; a.Status != Pending {
		return 0, fmt.Errorf("lifecycle: amendment v%d is %s: %w", v, a.Status, ErrNotPending)
	}
	if by.Role != RoleBuyer {
		return 0, fmt.Errorf("lifecycle: amendment v%d: the buyer decides on a counter-proposal, not the %s", v, orNone(string(by.Role)))
	}
	return i, nil
}

func (h *History) next() int {
	n := h.current
	for _, a := range h.amendments {
		n = max(n, a.Version)
	}
	return n + 1
}

// Resume continues the history of an order that is stored at its current
// content: current is the order with every accepted amendment applied, and
// amendments are the amendments made so far (from the order's stored
// order_updated events, see AmendmentOf), in any order. The current
// version is that of the latest accepted amendment (1 without any). Only
// the current version's content is known: Version(v) reports false for an
// earlier one, whose changes the amendments still list.
func Resume(current canonical.Order, amendments []Amendment) *History {
	h := &History{versions: map[int]canonical.Order{}, current: 1}
	latest := map[int]Amendment{}
	for _, a := range amendments {
		// An amendment is recorded once per status it passed through
		// (proposed, then accepted or rejected): the decision wins.
		if prev, ok := latest[a.Version]; ok && prev.Status != Pending {
			continue
		}
		latest[a.Version] = a
	}
	for _, a := range latest {
		h.amendments = append(h.amendments, a)
		if a.Status == Accepted && a.Version > h.current {
			h.current = a.Version
		}
	}
	slices.SortFunc(h.amendments, func(a, b Amendment) int { return a.Version - b.Version })
	h.versions[h.current] = withOwnLines(current)
	return h
}

// AmendmentOf returns the amendment an order_updated event carries (see
// Amendment.Event); ok is false for any other event.
func AmendmentOf(e canonical.OrderEvent) (Amendment, bool) {
	if e.Type != canonical.EventOrderUpdated || len(e.Data) == 0 {
		return Amendment{}, false
	}
	var a Amendment
	if err := json.Unmarshal(e.Data, &a); err != nil || a.Version < 2 || a.Kind == "" {
		return Amendment{}, false
	}
	return a, true
}
