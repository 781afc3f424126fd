package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// --- settlement: invoices, payment requests, bank entries, accounts ---
//
// Finance's endpoints. Every write is a finance user's decision and is
// audited; the four-eyes rules (a request's creator never approves it, an
// account's adder never verifies it) need to know who calls, so without
// authentication every caller is "anonymous" and those decisions cannot be
// made.

var finance = []auth.Role{auth.RoleFinance}

// financeOrBuyer read an order's payment plan and the settlement KPIs.
var financeOrBuyer = []auth.Role{auth.RoleFinance, auth.RoleBuyer}

func (s *server) settlementRoutes() []Route {
	on := s.cfg.Settlement != nil
	return []Route{
		{Method: http.MethodGet, Pattern: "/invoices", Summary: "Supplier invoices with their match and settlement (filters supplier, buyer, order_number, match_status, settlement; paged).",
			Roles: finance, Scope: ScopeNone, Query: []string{"supplier", "buyer", "order_number", "match_status", "settlement", "limit", "cursor"},
			Enabled: on, Handler: s.listInvoices},
		{Method: http.MethodGet, Pattern: "/invoices/{supplier}/{invoice_number}", Summary: "One invoice: its three-way match per line, overrides and what the bank paid.",
			Roles: finance, Scope: ScopeNone, Enabled: on, Handler: s.getInvoice},
		{Method: http.MethodPost, Pattern: "/invoices/{supplier}/{invoice_number}/override", Summary: "Override a mismatch of a line (line) or the whole invoice (line 0: its risk holds too, but never an unverified bank account), with a reason; the invoice is matched again.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.overrideInvoice},
		{Method: http.MethodGet, Pattern: "/orders/{order_number}/payment-plan", Summary: "The order's payment requests, built from its payment terms and brought up to date.",
			Roles: financeOrBuyer, Scope: ScopeOrder, Query: []string{"buyer"}, Enabled: on, Handler: s.getPaymentPlan},
		{Method: http.MethodGet, Pattern: "/payment-requests", Summary: "Payment requests (filters status, supplier, order_number; paged).",
			Roles: finance, Scope: ScopeNone, Query: []string{"status", "supplier", "order_number", "limit", "cursor"},
			Enabled: on, Handler: s.listPaymentRequests},
		{Method: http.MethodGet, Pattern: "/payment-requests/{id}", Summary: "One payment request: what holds it, and when to pay it with the reasons (due date, discount, FX trend, supplier rating).",
			Roles: finance, Scope: ScopeNone, Enabled: on, Handler: s.getPaymentRequest},
		{Method: http.MethodPost, Pattern: "/payment-requests/{id}/request", Summary: "Ask for a planned payment to be made; the caller becomes its creator and can never approve it.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.requestPayment},
		{Method: http.MethodPost, Pattern: "/payment-requests/{id}/approve", Summary: "Approve a pending payment request (two approvers above the single limit, a senior one above the dual limit).",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.decidePayment(approval.DecisionApprove)},
		{Method: http.MethodPost, Pattern: "/payment-requests/{id}/reject", Summary: "Reject a pending payment request.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.decidePayment(approval.DecisionReject)},
		{Method: http.MethodGet, Pattern: "/bank-entries", Summary: "Bank entries with their reconciliation (status=unmatched: the queue, with suggested invoices).",
			Roles: finance, Scope: ScopeNone, Query: []string{"status", "limit", "cursor"}, Enabled: on, Handler: s.listBankEntries},
		{Method: http.MethodPost, Pattern: "/bank-entries/{id}/match", Summary: "Match an unmatched bank entry to invoices by hand.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.matchBankEntry},
		{Method: http.MethodPost, Pattern: "/bank-entries/{id}/ignore", Summary: "Take an entry that settles no invoice (fees, own transfers) out of the queue, with a reason.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.ignoreBankEntry},
		{Method: http.MethodGet, Pattern: "/suppliers/{supplier}/bank-accounts", Summary: "A supplier's bank accounts on file and whether each is verified.",
			Roles: finance, Scope: ScopeNone, Enabled: on, Handler: s.listSupplierAccounts},
		{Method: http.MethodPost, Pattern: "/suppliers/{supplier}/bank-accounts", Summary: "Put a supplier's bank account on file (pending until another finance user verifies it).",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.addSupplierAccount},
		{Method: http.MethodPost, Pattern: "/suppliers/{supplier}/bank-accounts/{account}/verify", Summary: "Verify a supplier's bank account (never by the user who added it); its invoices are checked again.",
			Roles: finance, Write: true, Scope: ScopeNone, Enabled: on, Handler: s.verifySupplierAccount},
		{Method: http.MethodGet, Pattern: "/settlement/kpis", Summary: "Settlement KPIs: settlement cycle (invoice → paid), match rate, auto-match rate (from, to: RFC 3339 bounds of the invoices' arrival).",
			Roles: financeOrBuyer, Scope: ScopeNone, Query: []string{"from", "to"}, Enabled: on, Handler: s.settlementKPIs},
	}
}

// caller is who makes a settlement decision: the authenticated user, else
// "anonymous".
func caller(r *http.Request) string {
	if p, ok := auth.FromContext(r.Context()); ok && p.UserID != "" {
		return p.UserID
	}
	return "anonymous"
}

// Invoice is an invoice as the API shows it.
type Invoice struct {
	Invoice     *canonical.Invoice `json:"invoice"`
	MatchStatus string             `json:"match_status,omitempty"`
	Match       json.RawMessage    `json:"match,omitempty"`
	Overrides   json.RawMessage    `json:"overrides,omitempty"`
	Settlement  string             `json:"settlement"`
	Paid        canonical.Decimal  `json:"paid"`
	PaidAt      *time.Time         `json:"paid_at,omitempty"`
	AutoMatched bool               `json:"auto_matched"`
	Version     int                `json:"version"`
	ReceivedAt  time.Time          `json:"received_at"`
}

func fromStoredInvoice(si store.StoredInvoice) Invoice {
	return Invoice{Invoice: si.Invoice, MatchStatus: si.MatchStatus, Match: si.Match, Overrides: si.Overrides,
		Settlement: si.Settlement, Paid: si.Paid, PaidAt: si.PaidAt, AutoMatched: si.AutoMatched,
		Version: si.Version, ReceivedAt: si.CreatedAt}
}

func (s *server) listInvoices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.InvoiceFilter{SupplierID: q.Get("supplier"), BuyerID: q.Get("buyer"), OrderNumber: q.Get("order_number"),
		MatchStatus: q.Get("match_status"), Settlement: q.Get("settlement"), Cursor: q.Get("cursor")}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	invs, next, err := s.cfg.Settlement.Store.ListInvoices(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := struct {
		Invoices   []Invoice `json:"invoices"`
		NextCursor string    `json:"next_cursor,omitempty"`
	}{Invoices: make([]Invoice, 0, len(invs)), NextCursor: next}
	for _, si := range invs {
		out.Invoices = append(out.Invoices, fromStoredInvoice(si))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getInvoice(w http.ResponseWriter, r *http.Request) {
	si, err := s.cfg.Settlement.Store.GetInvoice(r.Context(), chi.URLParam(r, "supplier"), chi.URLParam(r, "invoice_number"))
	if !s.settled(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, fromStoredInvoice(*si))
}

// OverrideRequest is the body of POST .../override.
type OverrideRequest struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (s *server) overrideInvoice(w http.ResponseWriter, r *http.Request) {
	var req OverrideRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	res, err := s.cfg.Settlement.Override(r.Context(), chi.URLParam(r, "supplier"), chi.URLParam(r, "invoice_number"),
		match.Override{Line: req.Line, By: caller(r), Reason: req.Reason})
	if !s.settled(w, r, err) {
		return
	}
	audit(r, "", nil, map[string]any{"line": req.Line, "reason": req.Reason, "status": res.Status})
	writeJSON(w, http.StatusOK, res)
}

func (s *server) getPaymentPlan(w http.ResponseWriter, r *http.Request) {
	reqs, err := s.cfg.Settlement.PaymentPlan(r.Context(), r.URL.Query().Get("buyer"), chi.URLParam(r, "order_number"))
	if !s.settled(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_requests": paymentRequests(reqs)})
}

// PaymentRequest is a payment request as the API shows it.
type PaymentRequest struct {
	ID            string                  `json:"id"`
	BuyerID       string                  `json:"buyer_id"`
	OrderNumber   string                  `json:"order_number"`
	SupplierID    string                  `json:"supplier_id"`
	Sequence      int                     `json:"sequence"`
	Stage         string                  `json:"stage"`
	Amount        canonical.Decimal       `json:"amount"`
	Currency      canonical.Currency      `json:"currency"`
	DueDate       canonical.Date          `json:"due_date,omitzero"`
	Documents     []string                `json:"documents,omitempty"`
	InvoiceNumber string                  `json:"invoice_number,omitempty"`
	EndToEndID    string                  `json:"end_to_end_id"`
	Status        string                  `json:"status"`
	BlockedReason string                  `json:"blocked_reason,omitempty"`
	CreatedBy     string                  `json:"created_by,omitempty"`
	Approvals     []store.PaymentApproval `json:"approvals"`
	Paid          canonical.Decimal       `json:"paid"`
	Recommended   json.RawMessage         `json:"recommendation,omitempty"`
}

func paymentRequest(p store.PaymentRequest) PaymentRequest {
	out := PaymentRequest{ID: p.ID, BuyerID: p.BuyerID, OrderNumber: p.OrderNumber, SupplierID: p.SupplierID, Sequence: p.Sequence,
		Stage: p.Stage, Amount: p.Amount, Currency: p.Currency, DueDate: p.DueDate, Documents: p.Documents,
		InvoiceNumber: p.InvoiceNumber, EndToEndID: p.EndToEndID, Status: p.Status, BlockedReason: p.BlockedReason,
		CreatedBy: p.CreatedBy, Approvals: p.Approvals, Paid: p.Paid, Recommended: p.Recommended}
	if out.Approvals == nil {
		out.Approvals = []store.PaymentApproval{}
	}
	return out
}

func paymentRequests(ps []store.PaymentRequest) []PaymentRequest {
	out := make([]PaymentRequest, 0, len(ps))
	for _, p := range ps {
		out = append(out, paymentRequest(p))
	}
	return out
}

func (s *server) listPaymentRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.PaymentRequestFilter{Status: q.Get("status"), SupplierID: q.Get("supplier"), OrderNumber: q.Get("order_number"), Cursor: q.Get("cursor")}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	reqs, next, err := s.cfg.Settlement.Store.ListPaymentRequests(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_requests": paymentRequests(reqs), "next_cursor": next})
}

func (s *server) getPaymentRequest(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), chi.URLParam(r, "id")
	check, err := s.cfg.Settlement.CheckPayment(ctx, id, false)
	if !s.settled(w, r, err) {
		return
	}
	rating, err := s.cfg.Settlement.SupplierRating(ctx, check.Request.SupplierID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	rec, err := s.cfg.Settlement.Recommend(ctx, id, rating)
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		s.internal(w, r, err)
		return
	}
	out := struct {
		PaymentRequest
		Check          *pipelines.PaymentCheck `json:"check"`
		Recommendation any                     `json:"recommendation,omitempty"`
	}{PaymentRequest: paymentRequest(*check.Request), Check: check}
	if rec != nil {
		out.Recommendation = rec
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) requestPayment(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Settlement.RequestPayment(r.Context(), chi.URLParam(r, "id"), caller(r))
	if !s.settled(w, r, err) {
		return
	}
	audit(r, "", map[string]string{"status": store.PaymentPlanned}, map[string]string{"status": p.Status})
	writeJSON(w, http.StatusOK, paymentRequest(*p))
}

// PaymentDecisionRequest is the body of .../approve and .../reject.
type PaymentDecisionRequest struct {
	Comment string `json:"comment,omitempty"`
}

func (s *server) decidePayment(decision string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req PaymentDecisionRequest
		if r.ContentLength != 0 && !decodeStrict(w, r, &req) {
			return
		}
		p, out, err := s.cfg.Settlement.DecidePayment(r.Context(), chi.URLParam(r, "id"), caller(r), decision, req.Comment)
		if !s.settled(w, r, err) {
			return
		}
		audit(r, "", map[string]string{"status": store.PaymentPending}, map[string]any{"status": p.Status, "decision": decision})
		writeJSON(w, http.StatusOK, map[string]any{"payment_request": paymentRequest(*p), "outcome": out})
	}
}

// BankEntry is a bank entry as the API shows it.
type BankEntry struct {
	ID           string                    `json:"id"`
	StatementID  string                    `json:"statement_id"`
	Index        int                       `json:"index"`
	Transaction  canonical.BankTransaction `json:"transaction"`
	Status       string                    `json:"status"`
	Allocations  json.RawMessage           `json:"allocations,omitempty"`
	Reason       string                    `json:"reason,omitempty"`
	Suggestions  json.RawMessage           `json:"suggestions,omitempty"`
	By           string                    `json:"by,omitempty"`
	ReconciledAt *time.Time                `json:"reconciled_at,omitempty"`
}

func bankEntry(e store.BankEntry) BankEntry {
	return BankEntry{ID: e.ID, StatementID: e.StatementID, Index: e.Index, Transaction: e.Transaction, Status: e.Status,
		Allocations: e.Allocations, Reason: e.Reason, Suggestions: e.Suggestions, By: e.By, ReconciledAt: e.ReconciledAt}
}

func (s *server) listBankEntries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.BankEntryFilter{Status: q.Get("status"), Cursor: q.Get("cursor")}
	var ok bool
	if f.Limit, ok = pageLimit(w, q.Get("limit")); !ok {
		return
	}
	entries, next, err := s.cfg.Settlement.Store.BankEntries(r.Context(), f)
	if !s.listed(w, r, err) {
		return
	}
	out := make([]BankEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, bankEntry(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"bank_entries": out, "next_cursor": next})
}

// MatchEntryRequest is the body of POST /bank-entries/{id}/match.
type MatchEntryRequest struct {
	Allocations []pipelines.ManualAllocation `json:"allocations"`
}

func (s *server) matchBankEntry(w http.ResponseWriter, r *http.Request) {
	var req MatchEntryRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	e, err := s.cfg.Settlement.MatchEntry(r.Context(), chi.URLParam(r, "id"), caller(r), req.Allocations)
	if !s.settled(w, r, err) {
		return
	}
	audit(r, "", map[string]string{"status": store.EntryUnmatched}, req)
	writeJSON(w, http.StatusOK, bankEntry(*e))
}

// IgnoreEntryRequest is the body of POST /bank-entries/{id}/ignore.
type IgnoreEntryRequest struct {
	Reason string `json:"reason"`
}

func (s *server) ignoreBankEntry(w http.ResponseWriter, r *http.Request) {
	var req IgnoreEntryRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	e, err := s.cfg.Settlement.IgnoreEntry(r.Context(), chi.URLParam(r, "id"), caller(r), req.Reason)
	if !s.settled(w, r, err) {
		return
	}
	audit(r, "", map[string]string{"status": store.EntryUnmatched}, req)
	writeJSON(w, http.StatusOK, bankEntry(*e))
}

// SupplierAccount is a supplier's bank account as the API shows it: the
// account masked, as everywhere outside the store.
type SupplierAccount struct {
	Account    string            `json:"account"`
	BIC        string            `json:"bic,omitempty"`
	Country    canonical.Country `json:"country,omitempty"`
	Status     string            `json:"status"`
	AddedBy    string            `json:"added_by"`
	AddedAt    time.Time         `json:"added_at"`
	VerifiedBy string            `json:"verified_by,omitempty"`
	VerifiedAt *time.Time        `json:"verified_at,omitempty"`
}

func (s *server) listSupplierAccounts(w http.ResponseWriter, r *http.Request) {
	accs, err := s.cfg.Settlement.Store.SupplierAccounts(r.Context(), chi.URLParam(r, "supplier"))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]SupplierAccount, 0, len(accs))
	for _, a := range accs {
		out = append(out, SupplierAccount{Account: canonical.MaskIBAN(a.Account), BIC: a.BIC, Country: a.Country, Status: a.Status,
			AddedBy: a.AddedBy, AddedAt: a.AddedAt, VerifiedBy: a.VerifiedBy, VerifiedAt: a.VerifiedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
}

// AddAccountRequest is the body of POST /suppliers/{supplier}/bank-accounts.
type AddAccountRequest struct {
	Account string            `json:"account"` // IBAN or account number
	BIC     string            `json:"bic,omitempty"`
	Country canonical.Country `json:"country,omitempty"`
}

func (s *server) addSupplierAccount(w http.ResponseWriter, r *http.Request) {
	var req AddAccountRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	c := canonical.PayeeOf(req.Account, "", req.BIC)
	if c.IBAN == "" && c.Account == "" {
		writeError(w, http.StatusUnprocessableEntity, "invalid_account", "account: an IBAN or an account number is required")
		return
	}
	if c.IBAN != "" {
		if _, err := canonical.ParseIBAN(c.IBAN); err != nil {
			writeError(w, http.StatusUnprocessableEntity, canonical.CodeInvalidIBAN, "account: "+err.Error())
			return
		}
	}
	if c.BIC != "" {
		if _, err := canonical.ParseBIC(c.BIC); err != nil {
			writeError(w, http.StatusUnprocessableEntity, canonical.CodeInvalidBIC, "bic: "+err.Error())
			return
		}
	}
	country := req.Country
	if country == "" && c.IBAN != "" {
		country = canonical.Country(c.IBAN[:2])
	}
	a := store.SupplierAccount{SupplierID: chi.URLParam(r, "supplier"), Account: c.IBAN + c.Account, BIC: c.BIC, Country: country,
		Status: store.AccountPending, AddedBy: caller(r), AddedAt: time.Now().UTC()}
	added, err := s.cfg.Settlement.Store.AddSupplierAccount(r.Context(), a)
	if !s.settled(w, r, err) {
		return
	}
	if !added {
		writeError(w, http.StatusConflict, "account_exists", "the account is already on file for this supplier")
		return
	}
	audit(r, "", nil, map[string]string{"account": canonical.MaskIBAN(a.Account), "status": a.Status})
	writeJSON(w, http.StatusCreated, map[string]string{"account": canonical.MaskIBAN(a.Account), "status": a.Status})
}

func (s *server) verifySupplierAccount(w http.ResponseWriter, r *http.Request) {
	ctx, supplier := r.Context(), chi.URLParam(r, "supplier")
	err := s.cfg.Settlement.Store.VerifySupplierAccount(ctx, supplier, chi.URLParam(r, "account"), caller(r), time.Now().UTC())
	if !s.settled(w, r, err) {
		return
	}
	// Invoices held for an unverified account are checked again.
	held, err := s.cfg.Settlement.Reevaluate(ctx, supplier)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	audit(r, "", map[string]string{"status": store.AccountPending}, map[string]string{"status": store.AccountVerified})
	writeJSON(w, http.StatusOK, map[string]any{"status": store.AccountVerified, "invoices_checked": held})
}

func (s *server) settlementKPIs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var from, to time.Time
	for name, t := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := q.Get(name); v != "" {
			var err error
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				writeError(w, http.StatusBadRequest, "bad_"+name, name+" is an RFC 3339 time: "+strconv.Quote(v))
				return
			}
		}
	}
	k, err := s.cfg.Settlement.KPIs(r.Context(), from, to)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// settled answers a settlement call's error: 404 for what does not exist,
// 403 for a four-eyes refusal, 409 for a state that does not allow the
// call, 422 for a blocked payment or input the hub cannot take.
func (s *server) settled(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, approval.ErrOwnRequest), errors.Is(err, approval.ErrAlreadyDecided):
		writeError(w, http.StatusForbidden, "four_eyes", err.Error())
	case errors.Is(err, approval.ErrNotPending), errors.Is(err, pipelines.ErrEntryNotOpen), errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, pipelines.ErrPaymentBlocked):
		writeError(w, http.StatusUnprocessableEntity, "payment_blocked", err.Error())
	case errors.Is(err, store.ErrInvalid), errors.Is(err, approval.ErrUnknownDecision):
		writeError(w, http.StatusUnprocessableEntity, "invalid", err.Error())
	default:
		s.internal(w, r, err)
	}
	return false
}
