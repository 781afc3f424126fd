package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/settlement/plan"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

// --- payment plans, requests and approvals ---

// PaymentPlan builds (or brings up to date) the payment requests of an
// order from its payment terms and what happened so far (ordered, shipped,
// invoiced): a request's due date appears once its trigger happened. It
// returns the order's requests in plan order. Terms it cannot read are an
// ErrInvalid naming them.
func (s *Settlement) PaymentPlan(ctx context.Context, buyerID, orderNumber string) ([]store.PaymentRequest, error) {
	o, err := s.Store.GetOrder(ctx, buyerID, orderNumber)
	if err != nil {
		return nil, err
	}
	if err := s.buildPlan(ctx, &o.Order); err != nil {
		return nil, err
	}
	return s.requestsOf(ctx, o.Order.Buyer.ID, orderNumber)
}

func (s *Settlement) requestsOf(ctx context.Context, buyerID, orderNumber string) ([]store.PaymentRequest, error) {
	f := store.PaymentRequestFilter{BuyerID: buyerID, OrderNumber: orderNumber, Limit: store.MaxLimit}
	out, _, err := store.ReadPages(0, func(cursor string) ([]store.PaymentRequest, string, error) {
		f.Cursor = cursor
		return s.Store.ListPaymentRequests(ctx, f)
	})
	if err != nil {
		return nil, fmt.Errorf("payment requests of order %s: %w", orderNumber, err)
	}
	slices.SortFunc(out, func(a, b store.PaymentRequest) int { return a.Sequence - b.Sequence })
	return out, nil
}

// refreshPlan brings an order's plan up to date after one of its invoices
// was matched or paid. Terms that cannot be planned are logged, not
// retried: the invoice is stored and matched; the plan waits for a person.
func (s *Settlement) refreshPlan(ctx context.Context, o *canonical.Order) error {
	err := s.buildPlan(ctx, o)
	if errors.Is(err, store.ErrInvalid) {
		s.logger().Warn("no payment plan for order", "order_number", o.OrderNumber, "error", err)
		return nil
	}
	return err
}

// buildPlan stores the order's payment requests from its terms and brings
// each one's state in line with the order's invoices:
//
//   - while any invoice of the order is held (a mismatch not overridden, a
//     blocking risk finding), its requests not yet paid are blocked, with
//     the reasons; once none is, they are released;
//   - what the bank paid on the order's invoices fills its requests in plan
//     order (the deposit first); a request filled in full is paid.
func (s *Settlement) buildPlan(ctx context.Context, o *canonical.Order) error {
	ev, err := s.events(ctx, o)
	if err != nil {
		return err
	}
	stages, err := plan.Schedule(o, ev)
	if err != nil {
		return fmt.Errorf("%w: payment plan of order %s: %v", store.ErrInvalid, o.OrderNumber, err)
	}
	blockers, paid, latest, err := s.orderState(ctx, o)
	if err != nil {
		return err
	}
	reqs := make([]store.PaymentRequest, len(stages))
	for i, st := range stages {
		id := store.PaymentRequestID(o.Buyer.ID, o.OrderNumber, st.Sequence)
		r := store.PaymentRequest{
			ID: id, BuyerID: o.Buyer.ID, OrderNumber: o.OrderNumber, SupplierID: o.Supplier.ID,
			Sequence: st.Sequence, Stage: st.Stage, Amount: st.Amount, Currency: st.Currency, DueDate: st.DueDate,
			EndToEndID: id, Status: store.PaymentPlanned, InvoiceNumber: latest,
		}
		for _, d := range st.Documents {
			r.Documents = append(r.Documents, string(d))
		}
		reqs[i] = r
	}
	if _, err := s.Store.UpsertPaymentRequests(ctx, reqs); err != nil {
		return fmt.Errorf("store the payment plan of order %s: %w", o.OrderNumber, err)
	}
	reason := strings.Join(blockers, "; ")
	for _, r := range reqs {
		cur, err := s.Store.GetPaymentRequest(ctx, r.ID)
		if err != nil {
			return err
		}
		if err := s.applyState(ctx, cur, reason, &paid); err != nil {
			return fmt.Errorf("payment request %s: %w", cur.ID, err)
		}
	}
	return nil
}

// orderState reads the order's invoices from its supplier: what holds
// them, what the bank paid on them (in the order's currency) and the
// latest invoice number (the one a request names).
func (s *Settlement) orderState(ctx context.Context, o *canonical.Order) (blockers []string, paid decimal.Decimal, latest string, err error) {
	invs, err := s.invoices(ctx, store.InvoiceFilter{OrderNumber: o.OrderNumber})
	if err != nil {
		return nil, paid, "", err
	}
	// The order's invoices are all its supplier's: its file is read once,
	// when an open invoice needs the risk checks.
	var sup *supplierFile
	for i := range invs {
		si := &invs[i]
		inv := si.Invoice
		if inv.Supplier.ID != o.Supplier.ID || (inv.Buyer.ID != "" && inv.Buyer.ID != o.Buyer.ID) {
			continue
		}
		latest = inv.InvoiceNumber
		if inv.Currency == o.Currency {
			paid = paid.Add(si.Paid.Decimal)
		}
		if si.Settlement == store.SettlementReconciled {
			continue // paid: nothing of it can be held any more
		}
		if si.MatchStatus == store.InvoiceMismatch && len(si.Match) > 0 {
			var res match.Result
			if err := json.Unmarshal(si.Match, &res); err != nil {
				return nil, paid, "", fmt.Errorf("match of invoice %s: %w", inv.InvoiceNumber, err)
			}
			for _, b := range res.BlockReasons() {
				blockers = append(blockers, "invoice "+inv.InvoiceNumber+" "+b)
			}
		}
		if sup == nil {
			f, err := s.supplierOf(ctx, o.Supplier.ID)
			if err != nil {
				return nil, paid, "", err
			}
			sup = &f
		}
		findings := s.risksOf(si, *sup, []canonical.Order{*o})
		released, err := wholeInvoiceOverridden(si)
		if err != nil {
			return nil, paid, "", err
		}
		for _, f := range findings {
			// A finance user's override of the whole invoice releases its
			// risk holds, but never an unverified account: that one waits
			// for the account's verification by two people.
			if f.Blocks && (!released || f.Kind == risk.AccountChanged) {
				blockers = append(blockers, "invoice "+inv.InvoiceNumber+" "+string(f.Kind)+": "+f.Subject)
			}
		}
	}
	return blockers, paid, latest, nil
}

// applyState moves one request: paid as far as *paid covers it (taking
// that much of it), else blocked or released.
func (s *Settlement) applyState(ctx context.Context, cur *store.PaymentRequest, reason string, paid *decimal.Decimal) error {
	share := decimal.Min(*paid, cur.Amount.Decimal)
	if share.IsNegative() {
		share = decimal.Zero
	}
	*paid = paid.Sub(share)
	if !share.Equal(cur.Paid.Decimal) {
		if err := s.Store.SetPaymentPaid(ctx, cur.ID, canonical.NewDecimal(share)); err != nil {
			return err
		}
	}
	var err error
	switch {
	case cur.Status == store.PaymentPaid || cur.Status == store.PaymentRejected:
	case share.GreaterThanOrEqual(cur.Amount.Decimal):
		_, err = s.Store.SetPaymentStatus(ctx, cur.ID, cur.Status, store.PaymentPaid, cur.CreatedBy, "")
	case reason != "" && cur.BlockedReason != reason:
		_, err = s.Store.SetPaymentStatus(ctx, cur.ID, cur.Status, store.PaymentBlocked, cur.CreatedBy, reason)
	case reason == "" && cur.Status == store.PaymentBlocked:
		// Released: back to where it was before the block, as far as can
		// be told: asked for when someone asked for it.
		to := store.PaymentPlanned
		if cur.CreatedBy != "" {
			to = store.PaymentPending
		}
		_, err = s.Store.SetPaymentStatus(ctx, cur.ID, cur.Status, to, cur.CreatedBy, "")
	}
	return err
}

// events are the dates of the order's lifecycle that start payment clocks.
func (s *Settlement) events(ctx context.Context, o *canonical.Order) (plan.Events, error) {
	ev := plan.Events{Ordered: o.OrderDate}
	shipments, err := s.Store.ShipmentsOfOrder(ctx, o.OrderNumber)
	if err != nil {
		return ev, fmt.Errorf("shipments of order %s: %w", o.OrderNumber, err)
	}
	for _, sh := range shipments {
		if d := sh.Shipment.ShipDate; !d.IsZero() && (ev.Shipped.IsZero() || d.Before(ev.Shipped)) {
			ev.Shipped = d
		}
	}
	invs, err := s.invoices(ctx, store.InvoiceFilter{OrderNumber: o.OrderNumber})
	if err != nil {
		return ev, err
	}
	for _, inv := range invs {
		d := inv.Invoice.InvoiceDate
		if d.IsZero() {
			d = canonical.DateOf(inv.CreatedAt)
		}
		if ev.Invoiced.IsZero() || d.Before(ev.Invoiced) {
			ev.Invoiced = d
		}
	}
	return ev, nil
}

// PaymentCheck is why a request may or may not be paid now.
type PaymentCheck struct {
	Request *store.PaymentRequest `json:"-"`
	// Blockers are what holds it: an invoice mismatch, a missing document,
	// a risk finding; empty when it may go on.
	Blockers []string       `json:"blockers,omitempty"`
	Findings []risk.Finding `json:"findings,omitempty"`
	// Missing are the document types the stage needs and the order lacks.
	Missing []string `json:"missing_documents,omitempty"`
}

// CheckPayment says what holds a request: its invoice's match, the
// documents its stage needs, and the payment risks (paying before delivery
// where the terms do not allow it).
//
// payNow: someone is requesting or approving it, so the money would leave
// today whatever its due date says.
func (s *Settlement) CheckPayment(ctx context.Context, id string, payNow bool) (*PaymentCheck, error) {
	r, err := s.Store.GetPaymentRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.Store.GetOrder(ctx, r.BuyerID, r.OrderNumber)
	if err != nil {
		return nil, fmt.Errorf("order %s of payment request %s: %w", r.OrderNumber, id, err)
	}
	pc := &PaymentCheck{Request: r}
	if r.Status == store.PaymentBlocked && r.BlockedReason != "" {
		pc.Blockers = append(pc.Blockers, r.BlockedReason)
	}
	if len(r.Documents) > 0 {
		docs, err := s.Store.OrderDocuments(ctx, r.BuyerID, r.OrderNumber)
		if err != nil {
			return nil, fmt.Errorf("documents of order %s: %w", r.OrderNumber, err)
		}
		for _, want := range r.Documents {
			if !slices.ContainsFunc(docs, func(d store.OrderDocument) bool { return d.Type == want }) {
				pc.Missing = append(pc.Missing, want)
			}
		}
		if len(pc.Missing) > 0 {
			pc.Blockers = append(pc.Blockers, fmt.Sprintf("the %s stage needs %s, not yet uploaded", r.Stage, strings.Join(pc.Missing, ", ")))
		}
	}
	ev, err := s.events(ctx, &o.Order)
	if err != nil {
		return nil, err
	}
	pc.Findings = risk.CheckPayment(risk.PaymentInput{Request: *r, Terms: o.Order.PaymentTerms, Shipped: ev.Shipped,
		Today: canonical.DateOf(s.now()), OrderTotal: o.Order.Total(), PayNow: payNow})
	for _, f := range pc.Findings {
		if f.Blocks {
			pc.Blockers = append(pc.Blockers, string(f.Kind)+": "+f.Subject)
		}
	}
	return pc, nil
}

// alertPayment sends the blocking findings of a payment someone tried to
// request or approve as alerts: money about to leave too early is
// everyone's business. Once per request and finding.
func (s *Settlement) alertPayment(pc *PaymentCheck) error {
	var blocking []risk.Finding
	for _, f := range pc.Findings {
		if f.Blocks {
			blocking = append(blocking, f)
		}
	}
	r := pc.Request
	data := map[string]string{"order_number": r.OrderNumber, "buyer_id": r.BuyerID, "supplier_id": r.SupplierID, "payment_request": r.ID}
	return s.publishRisk(HubPartner, s.now().UTC(), data, blocking, r.ID)
}

// RequestPayment asks for a planned request to be paid: by is its creator
// and can never approve it. A request something holds is refused with
// ErrPaymentBlocked and its reasons.
func (s *Settlement) RequestPayment(ctx context.Context, id, by string) (*store.PaymentRequest, error) {
	pc, err := s.CheckPayment(ctx, id, true)
	if err != nil {
		return nil, err
	}
	if len(pc.Blockers) > 0 {
		if err := s.alertPayment(pc); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s", ErrPaymentBlocked, strings.Join(pc.Blockers, "; "))
	}
	if pc.Request.Status != store.PaymentPlanned {
		return nil, fmt.Errorf("%w: payment request %s is %s, only a planned one can be requested", approval.ErrNotPending, id, pc.Request.Status)
	}
	ok, err := s.Store.SetPaymentStatus(ctx, id, store.PaymentPlanned, store.PaymentPending, by, "")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: payment request %s changed meanwhile", store.ErrConflict, id)
	}
	return s.Store.GetPaymentRequest(ctx, id)
}

// DecidePayment records a finance user's approval or rejection of a
// pending request under the approval policy: never its creator, once per
// user, two approvers above the single limit (one of them senior above the
// dual limit). An approval of a request something holds is refused with
// ErrPaymentBlocked; a rejection always counts.
func (s *Settlement) DecidePayment(ctx context.Context, id, by, decision, comment string) (*store.PaymentRequest, approval.Outcome, error) {
	pc, err := s.CheckPayment(ctx, id, decision == approval.DecisionApprove)
	if err != nil {
		return nil, approval.Outcome{}, err
	}
	r := pc.Request
	if decision == "approve" && len(pc.Blockers) > 0 {
		if err := s.alertPayment(pc); err != nil {
			return nil, approval.Outcome{}, err
		}
		return nil, approval.Outcome{}, fmt.Errorf("%w: %s", ErrPaymentBlocked, strings.Join(pc.Blockers, "; "))
	}
	amount, err := s.inPolicyCurrency(ctx, r)
	if err != nil {
		return nil, approval.Outcome{}, err
	}
	earlier := make([]approval.Approval, len(r.Approvals))
	for i, a := range r.Approvals {
		earlier[i] = approval.Approval{By: a.By, Decision: a.Decision}
	}
	out, err := approval.Decide(s.Config.Approval, r.Status, r.CreatedBy, amount, earlier, approval.Approval{By: by, Decision: decision})
	if err != nil {
		return nil, out, err
	}
	to := map[string]string{"approved": store.PaymentApproved, "rejected": store.PaymentRejected}[out.Status]
	if to == "" {
		to = store.PaymentPending
	}
	ok, err := s.Store.AddPaymentApproval(ctx, id, store.PaymentPending,
		store.PaymentApproval{By: by, Decision: decision, Comment: comment, At: s.now().UTC()}, to)
	if err != nil {
		return nil, out, err
	}
	if !ok {
		return nil, out, fmt.Errorf("%w: payment request %s changed meanwhile", store.ErrConflict, id)
	}
	r, err = s.Store.GetPaymentRequest(ctx, id)
	return r, out, err
}

// inPolicyCurrency converts a request's amount into the approval policy's
// currency at today's stored rate; without a rate the request cannot be
// weighed against the limits and is refused.
func (s *Settlement) inPolicyCurrency(ctx context.Context, r *store.PaymentRequest) (canonical.Decimal, error) {
	cur := s.Config.Approval.Currency
	if cur == "" || cur == r.Currency {
		return r.Amount, nil
	}
	today := canonical.DateOf(s.now())
	rates, err := s.Store.LoadFXTable(ctx, addDays(today, -7), today)
	if err != nil {
		return canonical.Decimal{}, fmt.Errorf("fx rates: %w", err)
	}
	v, err := rates.Convert(r.Amount, r.Currency, cur, today)
	if err != nil {
		return canonical.Decimal{}, fmt.Errorf("%w: payment request %s is in %s and no %s rate of the last days converts it to the approval limits' %s", store.ErrInvalid, r.ID, r.Currency, r.Currency, cur)
	}
	return v, nil
}

// Recommend advises when to pay a request: its due date, an early-payment
// discount worth taking, the FX trend of its currency and the supplier's
// rating (its on-time rate when known). The advice is stored on the
// request.
func (s *Settlement) Recommend(ctx context.Context, id string, supplierRating float64) (*plan.Recommendation, error) {
	r, err := s.Store.GetPaymentRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.Store.GetOrder(ctx, r.BuyerID, r.OrderNumber)
	if err != nil {
		return nil, err
	}
	ev, err := s.events(ctx, &o.Order)
	if err != nil {
		return nil, err
	}
	stages, err := plan.Schedule(&o.Order, ev)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	i := slices.IndexFunc(stages, func(st plan.Request) bool { return st.Sequence == r.Sequence })
	if i < 0 {
		return nil, fmt.Errorf("%w: payment request %s is no longer in the order's plan", store.ErrNotFound, id)
	}
	today := canonical.DateOf(s.now())
	rates, err := s.Store.LoadFXTable(ctx, addDays(today, -45), today)
	if err != nil {
		return nil, fmt.Errorf("fx rates: %w", err)
	}
	rec := plan.Recommend(stages[i], plan.Input{
		Today: today, HomeCurrency: s.Config.HomeCurrency, Rates: rates,
		SupplierRating: supplierRating, CostOfCapitalPercent: s.Config.CostOfCapitalPercent,
	})
	doc, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if err := s.Store.SetPaymentRecommendation(ctx, id, doc); err != nil {
		return nil, fmt.Errorf("store the advice on payment request %s: %w", id, err)
	}
	return &rec, nil
}

func addDays(d canonical.Date, n int) canonical.Date {
	return canonical.DateOf(d.Time().AddDate(0, 0, n))
}

// wholeInvoiceOverridden reports whether a finance user overrode the whole
// invoice (line 0).
func wholeInvoiceOverridden(si *store.StoredInvoice) (bool, error) {
	if len(si.Overrides) == 0 {
		return false, nil
	}
	var os []match.Override
	if err := json.Unmarshal(si.Overrides, &os); err != nil {
		return false, fmt.Errorf("overrides of invoice %s: %w", si.Invoice.InvoiceNumber, err)
	}
	return slices.ContainsFunc(os, func(o match.Override) bool { return o.Line == 0 }), nil
}

// SupplierRating is the share of a supplier's invoices that matched the
// order and the goods received without a person (matched, or within its
// tolerances), from 0 to 1; -1 until it has sent three invoices that were
// matched. The pay-date advice reads it: a supplier that bills right is
// never paid late.
func (s *Settlement) SupplierRating(ctx context.Context, supplierID string) (float64, error) {
	invs, err := s.invoices(ctx, store.InvoiceFilter{SupplierID: supplierID})
	if err != nil {
		return 0, err
	}
	var clean, all int
	for _, si := range invs {
		switch si.MatchStatus {
		case store.InvoiceMatched, store.InvoiceWithinTolerance:
			clean++
			all++
		case store.InvoiceMismatch, store.InvoiceOverridden:
			all++
		}
	}
	if all < 3 {
		return -1, nil
	}
	return float64(clean) / float64(all), nil
}
