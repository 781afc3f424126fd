package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/procurehub/procurehub/internal/store"
)

// Auditor writes the audit log: who (the request's principal), what
// (action and target), the state before and after, and how it ended.
// The API calls Record after every successful write.
type Auditor struct {
	Store AuditStore
	Now   func() time.Time // default time.Now
}

// NewAuditor returns an Auditor writing into st.
func NewAuditor(st AuditStore) *Auditor { return &Auditor{Store: st} }

// Record appends a successful write to the audit log. action is the
// request's method and route, "POST /api/v1/orders/{order_number}/amendments";
// target what it wrote, "order:4500012345". before and after are encoded
// as JSON (a json.RawMessage or []byte of JSON as it is); nil for none.
// The caller is the principal of ctx; without one the entry has no user.
func (a *Auditor) Record(ctx context.Context, action, target string, before, after any) error {
	return a.RecordOutcome(ctx, store.AuditOK, action, target, before, after)
}

// RecordOutcome is Record with an outcome: store.AuditOK, AuditDenied (a
// write refused by policy) or AuditFailed.
func (a *Auditor) RecordOutcome(ctx context.Context, outcome, action, target string, before, after any) error {
	if a == nil || a.Store == nil {
		return nil // no audit log configured: a nil *Auditor in an interface stays harmless
	}
	b, err := auditJSON(before)
	if err != nil {
		return fmt.Errorf("auth: audit %s %s: before: %w", action, target, err)
	}
	af, err := auditJSON(after)
	if err != nil {
		return fmt.Errorf("auth: audit %s %s: after: %w", action, target, err)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	e := store.AuditEntry{At: now().UTC(), Action: action, Target: target, Before: b, After: af, Outcome: outcome}
	if p, ok := FromContext(ctx); ok {
		e.UserID, e.PartyID, e.Credential = p.UserID, p.PartyID, p.TokenID
	}
	if _, err := a.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("auth: audit %s %s: %w", action, target, err)
	}
	return nil
}

// auditJSON encodes v for the audit log; nil stays nil.
func auditJSON(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if len(v) == 0 {
			return nil, nil
		}
		if !json.Valid(v) {
			return nil, fmt.Errorf("not JSON")
		}
		return v, nil
	case []byte:
		return auditJSON(json.RawMessage(v))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}
