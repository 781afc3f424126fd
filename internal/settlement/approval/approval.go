// Package approval holds the rules for approving a payment: how many people
// must approve an amount, and what one more decision does to a request. It
// is pure: the caller loads the request and its earlier decisions and
// stores the outcome.
//
// The rules, by amount in the policy's currency:
//
//   - up to SingleLimit: one approval;
//   - above SingleLimit up to DualLimit: two approvals from different people;
//   - above DualLimit: two approvals from different people, at least one of
//     them a senior approver.
//
// Whatever the amount, whoever created a request can neither approve nor
// reject it (four eyes), each person decides once, and one rejection
// rejects the request.
package approval

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/procurehub/procurehub/canonical"
)

// Decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// Statuses of a request.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Errors Decide returns; callers branch on them with errors.Is.
var (
	ErrOwnRequest      = errors.New("the creator of a request cannot decide on it")
	ErrAlreadyDecided  = errors.New("this user has already decided on the request")
	ErrNotPending      = errors.New("the request is no longer pending")
	ErrUnknownDecision = errors.New("the decision is neither approve nor reject")
)

// Policy says how many approvals a payment needs.
type Policy struct {
	Currency canonical.Currency `json:"currency"` // limits are in this currency
	// SingleLimit is the largest amount one approval suffices for.
	SingleLimit canonical.Decimal `json:"single_limit"`
	// DualLimit is the largest amount two approvals from anyone suffice
	// for; above it one of the two must be senior.
	DualLimit canonical.Decimal `json:"dual_limit"`
	// Senior are the user ids allowed to approve above DualLimit.
	Senior []string `json:"senior,omitempty"`
}

// Validate reports a policy that could not be applied: no valid currency,
// a negative limit, a dual limit below the single one, or no senior
// approver (nothing above DualLimit could ever be approved).
func (p Policy) Validate() error {
	var errs []error
	if !p.Currency.Valid() {
		errs = append(errs, fmt.Errorf("currency %q is not an ISO 4217 code", p.Currency))
	}
	if p.SingleLimit.IsNegative() {
		errs = append(errs, fmt.Errorf("single_limit %s is negative", p.SingleLimit))
	}
	if p.DualLimit.LessThan(p.SingleLimit.Decimal) {
		errs = append(errs, fmt.Errorf("dual_limit %s is below single_limit %s", p.DualLimit, p.SingleLimit))
	}
	if len(p.Senior) == 0 {
		errs = append(errs, fmt.Errorf("senior names no one, so amounts above dual_limit %s could never be approved", p.DualLimit))
	}
	for i, s := range p.Senior {
		if strings.TrimSpace(s) == "" {
			errs = append(errs, fmt.Errorf("senior[%d] is empty", i))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("approval: policy: %w", err)
	}
	return nil
}

// Needed is how many distinct approvals amount needs, and whether one of
// them must come from a senior approver.
func (p Policy) Needed(amount canonical.Decimal) (approvals int, senior bool) {
	switch {
	case amount.LessThanOrEqual(p.SingleLimit.Decimal):
		return 1, false
	case amount.LessThanOrEqual(p.DualLimit.Decimal):
		return 2, false
	}
	return 2, true
}

// Approval is one user's decision on a request.
type Approval struct {
	By       string `json:"by"`
	Decision string `json:"decision"` // "approve" or "reject"
}

// Outcome is a request's state after a decision.
type Outcome struct {
	Status string `json:"status"` // "pending", "approved" or "rejected"
	Needed int    `json:"needed"` // approvals the amount needs
	Have   int    `json:"have"`   // distinct approvals so far
	// Missing says in a sentence what is still needed; empty once the
	// request is approved or rejected.
	Missing string `json:"missing,omitempty"`
}

// Decide applies decision a to a request in status (which must be
// "pending"), created by createdBy, for amount (already in the policy's
// currency), with the earlier decisions. The creator can never approve or
// reject its own request (ErrOwnRequest); one user decides once
// (ErrAlreadyDecided); one rejection rejects; enough distinct approvers,
// with a senior one when the amount needs it, approve.
func Decide(p Policy, status, createdBy string, amount canonical.Decimal, earlier []Approval, a Approval) (Outcome, error) {
	if err := p.Validate(); err != nil {
		return Outcome{}, err
	}
	if status != StatusPending {
		return Outcome{}, fmt.Errorf("approval: status %q: %w", status, ErrNotPending)
	}
	if amount.IsNegative() {
		return Outcome{}, fmt.Errorf("approval: amount %s is negative", amount)
	}
	if a.Decision != DecisionApprove && a.Decision != DecisionReject {
		return Outcome{}, fmt.Errorf("approval: %q: %w", a.Decision, ErrUnknownDecision)
	}
	if strings.TrimSpace(a.By) == "" {
		return Outcome{}, errors.New("approval: the decision names no user")
	}
	if a.By == createdBy {
		return Outcome{}, fmt.Errorf("approval: %s: %w", a.By, ErrOwnRequest)
	}
	approvers := make([]string, 0, len(earlier)+1)
	for _, e := range earlier {
		if e.Decision == DecisionReject {
			// A pending request with a rejection on record was rejected:
			// the stored status is behind, and nothing can overturn that.
			return Outcome{}, fmt.Errorf("approval: rejected earlier by %s: %w", e.By, ErrNotPending)
		}
		if e.By == a.By {
			return Outcome{}, fmt.Errorf("approval: %s: %w", a.By, ErrAlreadyDecided)
		}
		// A creator's or a repeated approval on record does not count:
		// four eyes are two people.
		if e.Decision == DecisionApprove && e.By != createdBy && !slices.Contains(approvers, e.By) {
			approvers = append(approvers, e.By)
		}
	}

	needed, needSenior := p.Needed(amount)
	if a.Decision == DecisionReject {
		return Outcome{Status: StatusRejected, Needed: needed, Have: len(approvers)}, nil
	}
	approvers = append(approvers, a.By)
	out := Outcome{Status: StatusPending, Needed: needed, Have: len(approvers)}
	hasSenior := slices.ContainsFunc(approvers, func(u string) bool { return slices.Contains(p.Senior, u) })
	switch {
	case len(approvers) >= needed && (!needSenior || hasSenior):
		out.Status = StatusApproved
	case needSenior && !hasSenior:
		// One senior approval completes the request either way: it is the
		// second approval, or the third after two ordinary ones.
		out.Missing = fmt.Sprintf("An approval from a senior approver is still needed, because %s is above the %s limit for two ordinary approvals.", money(amount, p.Currency), money(p.DualLimit, p.Currency))
	case needed-len(approvers) == 1:
		out.Missing = fmt.Sprintf("One more approval, from a second person, is still needed, because %s is above the %s limit for one approval.", money(amount, p.Currency), money(p.SingleLimit, p.Currency))
	default:
		out.Missing = fmt.Sprintf("%d more approvals are still needed.", needed-len(approvers))
	}
	return out, nil
}

func money(d canonical.Decimal, c canonical.Currency) string {
	return canonical.Money{Amount: d, Currency: c}.String()
}
