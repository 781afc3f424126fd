package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/store"
)

// --- bank reconciliation ---
//
// A run reads every stored bank entry and every open invoice. Entries
// already matched (automatically or by a finance user) say how much of each
// invoice is paid; the unmatched ones go through reconcile against what is
// still open; new matches are saved (once per entry: a later run never
// overwrites them), and each invoice's settlement follows the sum of its
// allocations. Because the paid amounts are recomputed from the saved
// matches at every run, a run that stopped half way is completed by the
// next one.

// MethodManual is the method of an allocation a finance user made.
const MethodManual reconcile.Method = "manual"

// ReconcileSummary counts what one run did.
type ReconcileSummary struct {
	Entries    int `json:"entries"`     // entries read
	NewMatches int `json:"new_matches"` // entries matched by this run
	Unmatched  int `json:"unmatched"`   // entries still unmatched
	Invoices   int `json:"invoices"`    // invoices whose settlement changed
}

// Kick asks the reconciler loop for a run soon; it never blocks.
func (s *Settlement) Kick() {
	s.kickOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// RunReconciler reconciles every `every` and whenever Kick is called (a new
// invoice, statement or manual match), until ctx is cancelled. A failed run
// is logged and retried at the next tick.
func (s *Settlement) RunReconciler(ctx context.Context, every time.Duration) error {
	s.kickOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Recheck(ctx); err != nil && ctx.Err() == nil {
			s.logger().Error("matching held invoices again failed; retrying at the next tick", "error", err)
		}
		if _, err := s.Reconcile(ctx); err != nil && ctx.Err() == nil {
			s.logger().Error("bank reconciliation failed; retrying at the next tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// itemID is the reconcile id of an invoice.
func itemID(supplierID, invoiceNumber string) string { return supplierID + "\x00" + invoiceNumber }

// Reconcile runs once.
func (s *Settlement) Reconcile(ctx context.Context) (ReconcileSummary, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	var sum ReconcileSummary

	entries, err := s.allEntries(ctx)
	if err != nil {
		return sum, err
	}
	sum.Entries = len(entries)
	// A reconciled invoice stays so: only the open ones can change.
	invoices, err := s.allInvoices(ctx, store.InvoiceFilter{Open: true})
	if err != nil {
		return sum, err
	}
	byID := make(map[string]*store.StoredInvoice, len(invoices))
	for i := range invoices {
		inv := invoices[i].Invoice
		byID[itemID(inv.Supplier.ID, inv.InvoiceNumber)] = &invoices[i]
	}

	paid := paidByItem{}
	var open []reconcile.Entry
	var openEntries []*store.BankEntry
	for i := range entries {
		e := &entries[i]
		switch e.Status {
		case store.EntryMatched, store.EntryManual:
			if err := paid.add(e); err != nil {
				return sum, err
			}
		case store.EntryUnmatched:
			open = append(open, reconcile.Entry{ID: e.ID, BankTransaction: e.Transaction})
			openEntries = append(openEntries, e)
		}
	}

	items, err := s.openItems(ctx, invoices, paid)
	if err != nil {
		return sum, err
	}
	if len(open) > 0 {
		from, to := entryDates(open)
		rates, err := s.Store.LoadFXTable(ctx, addDays(from, -s.Config.Reconcile.FXMaxDays-1), to)
		if err != nil {
			return sum, fmt.Errorf("fx rates: %w", err)
		}
		res, err := reconcile.Reconcile(items, open, rates, s.Config.Reconcile)
		if err != nil {
			return sum, fmt.Errorf("reconcile: %w", err)
		}
		recs := make([]store.EntryReconciliation, 0, len(res.Entries))
		now := s.now().UTC()
		for _, er := range res.Entries {
			rec := store.EntryReconciliation{EntryID: er.EntryID, Status: store.EntryUnmatched, Reason: er.Reason, At: now}
			if er.Matched() {
				rec.Status, rec.By, rec.Reason = store.EntryMatched, "auto", ""
				if rec.Allocations, err = json.Marshal(er.Allocations); err != nil {
					return sum, err
				}
			} else if len(er.Suggestions) > 0 {
				if rec.Suggestions, err = json.Marshal(er.Suggestions); err != nil {
					return sum, err
				}
			}
			recs = append(recs, rec)
		}
		written, err := s.Store.SaveReconciliations(ctx, recs)
		if err != nil {
			return sum, fmt.Errorf("save reconciliations: %w", err)
		}
		for i, er := range res.Entries {
			switch {
			case er.Matched() && written[i]:
				sum.NewMatches++
				e := *openEntries[i]
				e.Status, e.By, e.Allocations = store.EntryMatched, "auto", recs[i].Allocations
				if err := paid.add(&e); err != nil {
					return sum, err
				}
			case !er.Matched():
				sum.Unmatched++
			}
		}
	}

	for id, si := range byID {
		changed, err := s.settle(ctx, si, paid[id])
		if err != nil {
			return sum, err
		}
		if changed {
			sum.Invoices++
		}
	}
	return sum, nil
}

func (s *Settlement) allEntries(ctx context.Context) ([]store.BankEntry, error) {
	f := store.BankEntryFilter{Limit: store.MaxLimit}
	out, _, err := store.ReadPages(0, func(cursor string) ([]store.BankEntry, string, error) {
		f.Cursor = cursor
		return s.Store.BankEntries(ctx, f)
	})
	if err != nil {
		return nil, fmt.Errorf("bank entries: %w", err)
	}
	return out, nil
}

func entryDates(entries []reconcile.Entry) (from, to canonical.Date) {
	for _, e := range entries {
		for _, d := range []canonical.Date{e.ValueDate, e.BookingDate} {
			if d.IsZero() {
				continue
			}
			if from.IsZero() || d.Before(from) {
				from = d
			}
			if to.IsZero() || to.Before(d) {
				to = d
			}
		}
	}
	return from, to
}

// paidSoFar is what the saved matches allocated to one invoice.
type paidSoFar struct {
	amount decimal.Decimal
	auto   bool           // every allocation was automatic
	last   canonical.Date // the latest value (else booking) date of its entries
}

type paidByItem map[string]*paidSoFar

func (p paidByItem) add(e *store.BankEntry) error {
	var allocs []reconcile.Allocation
	if err := json.Unmarshal(e.Allocations, &allocs); err != nil {
		return fmt.Errorf("allocations of bank entry %s: %w", e.ID, err)
	}
	d := e.Transaction.ValueDate
	if d.IsZero() {
		d = e.Transaction.BookingDate
	}
	for _, a := range allocs {
		ps := p[a.ItemID]
		if ps == nil {
			ps = &paidSoFar{auto: true}
			p[a.ItemID] = ps
		}
		ps.amount = ps.amount.Add(a.Amount.Decimal)
		ps.auto = ps.auto && e.Status == store.EntryMatched
		if ps.last.IsZero() || ps.last.Before(d) {
			ps.last = d
		}
	}
	return nil
}

// due is what an invoice asks to be paid: its payable amount, else its total.
func due(inv *canonical.Invoice) decimal.Decimal {
	if inv.PayableAmount != nil {
		return inv.PayableAmount.Decimal
	}
	return inv.TotalAmount.Decimal
}

// openItems are the invoices not fully paid, with what is still open. The
// counterparty's account is the supplier's verified one: a payment to
// another account is never taken as paying the invoice.
func (s *Settlement) openItems(ctx context.Context, invoices []store.StoredInvoice, paid paidByItem) ([]reconcile.Open, error) {
	accounts := map[string]string{}
	var items []reconcile.Open
	for i := range invoices {
		inv := invoices[i].Invoice
		id := itemID(inv.Supplier.ID, inv.InvoiceNumber)
		rest := due(inv)
		if ps := paid[id]; ps != nil {
			rest = rest.Sub(ps.amount)
		}
		if !rest.IsPositive() {
			continue
		}
		iban, ok := accounts[inv.Supplier.ID]
		if !ok {
			accs, err := s.Store.SupplierAccounts(ctx, inv.Supplier.ID)
			if err != nil {
				return nil, fmt.Errorf("accounts of supplier %s: %w", inv.Supplier.ID, err)
			}
			for _, a := range accs {
				if a.Status == store.AccountVerified && iban == "" {
					iban = a.Account
				}
			}
			accounts[inv.Supplier.ID] = iban
		}
		items = append(items, reconcile.Open{
			ID: id, InvoiceNumber: inv.InvoiceNumber, Direction: reconcile.DirectionPayable,
			Party: inv.Supplier.Name, PartyIBAN: iban, Currency: inv.Currency,
			Amount: canonical.NewDecimal(rest), DueDate: inv.DueDate,
		})
		if items[len(items)-1].Party == "" {
			items[len(items)-1].Party = inv.Supplier.ID
		}
	}
	return items, nil
}

// settle records an invoice's settlement from what its matches paid; when
// it becomes reconciled, its orders' timelines get payment_received and its
// payment requests are paid. It reports whether anything changed.
func (s *Settlement) settle(ctx context.Context, si *store.StoredInvoice, ps *paidSoFar) (bool, error) {
	inv := si.Invoice
	var amount decimal.Decimal
	auto := false
	at := s.now().UTC()
	if ps != nil {
		amount, auto = ps.amount, ps.auto
		if !ps.last.IsZero() {
			at = ps.last.Time()
		}
	}
	status := store.SettlementUnmatched
	switch {
	case !amount.IsPositive():
	case amount.GreaterThanOrEqual(due(inv)):
		status = store.SettlementReconciled
	default:
		status = store.SettlementPartial
	}
	if status == si.Settlement && amount.Equal(si.Paid.Decimal) && auto == si.AutoMatched {
		return false, nil
	}
	if err := s.Store.SetInvoiceSettlement(ctx, inv.Supplier.ID, inv.InvoiceNumber, status, canonical.NewDecimal(amount), auto, at); err != nil {
		return false, fmt.Errorf("settlement of invoice %s: %w", inv.InvoiceNumber, err)
	}
	// What the bank paid fills the orders' payment requests.
	for _, number := range orderNumbersOf(inv) {
		o, err := s.order(ctx, inv.Buyer.ID, number)
		if err != nil {
			return true, err
		}
		if o != nil {
			if err := s.refreshPlan(ctx, &o.Order); err != nil {
				return true, err
			}
		}
	}
	if status != store.SettlementReconciled {
		return true, nil
	}
	return true, s.publishPaid(ctx, si, at)
}

func (s *Settlement) publishPaid(ctx context.Context, si *store.StoredInvoice, at time.Time) error {
	if s.Pub == nil {
		return nil
	}
	var events []*canonical.OrderEvent
	for _, number := range orderNumbersOf(si.Invoice) {
		o, err := s.order(ctx, si.Invoice.Buyer.ID, number)
		if err != nil {
			return err
		}
		if o == nil {
			continue
		}
		data, _ := json.Marshal(map[string]string{"supplier_id": si.Invoice.Supplier.ID, "invoice_number": si.Invoice.InvoiceNumber})
		events = append(events, &canonical.OrderEvent{
			EventID:     settlementID("payment_received", o.Order.Buyer.ID, number, si.Invoice.Supplier.ID, si.Invoice.InvoiceNumber),
			OrderNumber: number,
			BuyerID:     o.Order.Buyer.ID,
			Type:        canonical.OrderEventType(lifecycle.KindPaymentReceived),
			OccurredAt:  at,
			Actor:       "bank",
			Summary:     fmt.Sprintf("invoice %s paid in full", si.Invoice.InvoiceNumber),
			Data:        data,
			Source:      &canonical.Source{Connector: "settlement", Partner: HubPartner},
		})
	}
	return PublishOrderEvents(s.Pub, "settlement", events...)
}

// ManualAllocation is one invoice a finance user matches a bank entry to.
type ManualAllocation struct {
	SupplierID    string            `json:"supplier_id"`
	InvoiceNumber string            `json:"invoice_number"`
	Amount        canonical.Decimal `json:"amount"` // in the invoice's currency
}

// MatchEntry matches an unmatched bank entry to invoices by hand: each
// must be open, in the entry's currency, and the amounts may not exceed
// the entry's nor what is open on each invoice. The match is final (no
// run overwrites it) and the invoices' settlement follows at once.
func (s *Settlement) MatchEntry(ctx context.Context, entryID, by string, picks []ManualAllocation) (*store.BankEntry, error) {
	e, err := s.Store.GetBankEntry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	if e.Status != store.EntryUnmatched {
		return nil, fmt.Errorf("%w: entry %s is %s", ErrEntryNotOpen, entryID, e.Status)
	}
	if len(picks) == 0 {
		return nil, fmt.Errorf("%w: name at least one invoice", store.ErrInvalid)
	}
	var total decimal.Decimal
	allocs := make([]reconcile.Allocation, 0, len(picks))
	for i, p := range picks {
		si, err := s.Store.GetInvoice(ctx, p.SupplierID, p.InvoiceNumber)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: allocations[%d]: no invoice %s of supplier %s", store.ErrInvalid, i, p.InvoiceNumber, p.SupplierID)
		}
		if err != nil {
			return nil, err
		}
		switch open := due(si.Invoice).Sub(si.Paid.Decimal); {
		case si.Invoice.Currency != e.Transaction.Currency:
			return nil, fmt.Errorf("%w: allocations[%d]: invoice %s is in %s, the entry in %s", store.ErrInvalid, i, p.InvoiceNumber, si.Invoice.Currency, e.Transaction.Currency)
		case !p.Amount.IsPositive():
			return nil, fmt.Errorf("%w: allocations[%d].amount: must be positive", store.ErrInvalid, i)
		case p.Amount.GreaterThan(open):
			return nil, fmt.Errorf("%w: allocations[%d].amount: %s is more than the %s open on invoice %s", store.ErrInvalid, i, p.Amount, canonical.NewDecimal(open), p.InvoiceNumber)
		}
		total = total.Add(p.Amount.Decimal)
		allocs = append(allocs, reconcile.Allocation{
			ItemID: itemID(p.SupplierID, p.InvoiceNumber), InvoiceNumber: p.InvoiceNumber,
			Amount: p.Amount, Currency: si.Invoice.Currency, Method: MethodManual, Confidence: 1,
		})
	}
	if total.GreaterThan(e.Transaction.Amount.Abs()) {
		return nil, fmt.Errorf("%w: the allocations add up to %s, more than the entry's %s", store.ErrInvalid, canonical.NewDecimal(total), canonical.NewDecimal(e.Transaction.Amount.Abs()))
	}
	doc, err := json.Marshal(allocs)
	if err != nil {
		return nil, err
	}
	written, err := s.Store.SaveReconciliations(ctx, []store.EntryReconciliation{{
		EntryID: entryID, Status: store.EntryManual, Allocations: doc, By: by, At: s.now().UTC(),
	}})
	if err != nil {
		return nil, err
	}
	if !written[0] {
		return nil, fmt.Errorf("%w: entry %s was matched meanwhile", ErrEntryNotOpen, entryID)
	}
	if _, err := s.Reconcile(ctx); err != nil {
		return nil, err
	}
	return s.Store.GetBankEntry(ctx, entryID)
}

// IgnoreEntry marks an unmatched entry as no settlement (bank fees, own
// transfers) so it leaves the queue.
func (s *Settlement) IgnoreEntry(ctx context.Context, entryID, by, reason string) (*store.BankEntry, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("%w: say why the entry is no settlement", store.ErrInvalid)
	}
	written, err := s.Store.SaveReconciliations(ctx, []store.EntryReconciliation{{
		EntryID: entryID, Status: store.EntryIgnored, Reason: reason, By: by, At: s.now().UTC(),
	}})
	if err != nil {
		return nil, err
	}
	if !written[0] {
		return nil, fmt.Errorf("%w: entry %s", ErrEntryNotOpen, entryID)
	}
	return s.Store.GetBankEntry(ctx, entryID)
}
