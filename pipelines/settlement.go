package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/internal/lifecycle"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
)

// SettlementStore is what settlement reads and writes: orders, shipments
// and documents to match invoices against; invoices, payment requests, bank
// entries and supplier accounts. The PostgreSQL and SQLite stores satisfy it.
type SettlementStore interface {
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error)
	OrderDocuments(ctx context.Context, buyerID, orderNumber string) ([]store.OrderDocument, error)
	LoadFXTable(ctx context.Context, from, to canonical.Date) (*fxrates.Table, error)

	UpsertInvoices(ctx context.Context, partner string, invs []*canonical.Invoice) ([]store.Change, error)
	GetInvoice(ctx context.Context, supplierID, invoiceNumber string) (*store.StoredInvoice, error)
	ListInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, string, error)
	SetInvoiceMatch(ctx context.Context, supplierID, invoiceNumber, status string, result json.RawMessage) error
	AddInvoiceOverride(ctx context.Context, supplierID, invoiceNumber string, override json.RawMessage) error
	SetInvoiceSettlement(ctx context.Context, supplierID, invoiceNumber, settlement string, paid canonical.Decimal, auto bool, at time.Time) error

	UpsertPaymentRequests(ctx context.Context, reqs []store.PaymentRequest) ([]store.Change, error)
	GetPaymentRequest(ctx context.Context, id string) (*store.PaymentRequest, error)
	ListPaymentRequests(ctx context.Context, f store.PaymentRequestFilter) ([]store.PaymentRequest, string, error)
	SetPaymentStatus(ctx context.Context, id, from, to, by, reason string) (bool, error)
	AddPaymentApproval(ctx context.Context, id, from string, a store.PaymentApproval, to string) (bool, error)
	SetPaymentPaid(ctx context.Context, id string, paid canonical.Decimal) error
	SetPaymentRecommendation(ctx context.Context, id string, rec json.RawMessage) error

	BankEntries(ctx context.Context, f store.BankEntryFilter) ([]store.BankEntry, string, error)
	GetBankEntry(ctx context.Context, id string) (*store.BankEntry, error)
	SaveReconciliations(ctx context.Context, recs []store.EntryReconciliation) ([]bool, error)

	SupplierAccounts(ctx context.Context, supplierID string) ([]store.SupplierAccount, error)
	AddSupplierAccount(ctx context.Context, a store.SupplierAccount) (bool, error)
	VerifySupplierAccount(ctx context.Context, supplierID, account, by string, at time.Time) error
}

// SettlementConfig is how settlement decides: the match tolerances per
// supplier, the approval policy, the risk rules, the reconciliation
// tolerances, and the buyer's home currency and cost of capital for pay-date
// advice.
type SettlementConfig struct {
	HomeCurrency         canonical.Currency
	Tolerances           match.Tolerances
	Approval             approval.Policy
	Risk                 risk.Config
	Reconcile            reconcile.Config
	CostOfCapitalPercent canonical.Decimal
}

// Settlement checks supplier invoices and settles them. An invoice from
// procurehub.invoices.v1 is stored, three-way matched against its orders
// and what was shipped (match), checked for fraud and anomalies (risk:
// findings go out as alerts on procurehub.alerts.v1 and, when they block,
// hold its payment), and noted on its orders' timelines (invoice_received).
// Each order gets its payment plan (payment requests from its terms), which
// finance users request, approve or reject under the approval policy. The
// reconciler matches bank entries to open invoices and marks them paid
// (payment_received on the timeline).
//
// Everything here is idempotent: an invoice delivered twice is matched
// again to the same result; a reconciliation is written once per entry.
type Settlement struct {
	Store  SettlementStore
	Pub    message.Publisher
	Config SettlementConfig
	Logger *slog.Logger
	Now    func() time.Time // time.Now when nil

	kickOnce sync.Once
	kick     chan struct{}
	runMu    sync.Mutex // one reconciliation at a time
}

// HandlerSettleInvoices is the invoice sink's handler name.
const HandlerSettleInvoices = "settle_invoices"

// Errors of the settlement actions; the API maps them to statuses.
var (
	ErrPaymentBlocked = errors.New("payment is blocked")
	ErrEntryNotOpen   = errors.New("the bank entry is already reconciled")
)

func (s *Settlement) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Settlement) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// HandleInvoice is the Watermill handler of procurehub.invoices.v1. An
// invoice that does not decode or validate is permanent (poison, with the
// reason); a store error is retried.
func (s *Settlement) HandleInvoice(msg *message.Message) error {
	var inv canonical.Invoice
	if err := json.Unmarshal(msg.Payload, &inv); err != nil {
		return Permanent(fmt.Errorf("decode invoice: %w", err))
	}
	if err := inv.Validate(); err != nil {
		return Permanent(fmt.Errorf("invoice %s: %w", inv.InvoiceNumber, err))
	}
	if inv.Supplier.ID == "" {
		return Permanent(fmt.Errorf("invoice %s: no supplier id: it cannot be matched or paid", inv.InvoiceNumber))
	}
	ctx := msg.Context()
	before, err := s.Store.GetInvoice(ctx, inv.Supplier.ID, inv.InvoiceNumber)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read invoice %s: %w", inv.InvoiceNumber, err)
	}
	changes, err := s.Store.UpsertInvoices(ctx, msg.Metadata.Get(MetaPartner), []*canonical.Invoice{&inv})
	if err != nil {
		return permanentIfInvalid(fmt.Errorf("store invoice %s of %s: %w", inv.InvoiceNumber, inv.Supplier.ID, err))
	}
	si, err := s.Store.GetInvoice(ctx, inv.Supplier.ID, inv.InvoiceNumber)
	if err != nil {
		return fmt.Errorf("read invoice %s back: %w", inv.InvoiceNumber, err)
	}
	// A redelivery of an invoice already matched changes nothing; one whose
	// earlier delivery failed half way is matched now.
	if changes[0] == store.ChangeUnchanged && si.MatchStatus != "" {
		return nil
	}
	if changes[0] == store.ChangeUpdated && before != nil {
		// The same number with other content: the store keeps the latest,
		// so the comparison with what came before is made now.
		if err := s.publishResend(si, before); err != nil {
			return err
		}
	}
	if _, err := s.evaluate(ctx, si); err != nil {
		return err
	}
	s.Kick()
	return nil
}

// Evaluate matches a stored invoice again (after an override, a new
// shipment, a verified account) and returns the result.
func (s *Settlement) Evaluate(ctx context.Context, supplierID, invoiceNumber string) (*match.Result, error) {
	si, err := s.Store.GetInvoice(ctx, supplierID, invoiceNumber)
	if err != nil {
		return nil, err
	}
	return s.evaluate(ctx, si)
}

func (s *Settlement) evaluate(ctx context.Context, si *store.StoredInvoice) (*match.Result, error) {
	inv := si.Invoice
	in := match.Input{Invoice: *inv}
	for _, number := range orderNumbersOf(inv) {
		o, err := s.order(ctx, inv.Buyer.ID, number)
		if err != nil {
			return nil, err
		}
		if o == nil {
			continue
		}
		in.Orders = append(in.Orders, o.Order)
		shipments, err := s.Store.ShipmentsOfOrder(ctx, number)
		if err != nil {
			return nil, fmt.Errorf("shipments of order %s: %w", number, err)
		}
		for _, sh := range shipments {
			if !slices.ContainsFunc(in.Shipments, func(x canonical.Shipment) bool { return x.ShipmentID == sh.Shipment.ShipmentID }) {
				in.Shipments = append(in.Shipments, *sh.Shipment)
			}
		}
		prior, err := s.invoices(ctx, store.InvoiceFilter{OrderNumber: number})
		if err != nil {
			return nil, err
		}
		for _, p := range prior {
			if p.Invoice.Supplier.ID == inv.Supplier.ID && p.Invoice.InvoiceNumber != inv.InvoiceNumber &&
				!slices.ContainsFunc(in.PriorInvoices, func(x canonical.Invoice) bool { return x.InvoiceNumber == p.Invoice.InvoiceNumber }) {
				in.PriorInvoices = append(in.PriorInvoices, *p.Invoice)
			}
		}
	}
	if len(si.Overrides) > 0 {
		if err := json.Unmarshal(si.Overrides, &in.Overrides); err != nil {
			return nil, fmt.Errorf("overrides of invoice %s: %w", inv.InvoiceNumber, err)
		}
	}
	res, err := match.Match(in, s.Config.Tolerances)
	if err != nil {
		return nil, Permanent(fmt.Errorf("match invoice %s of %s: %w", inv.InvoiceNumber, inv.Supplier.ID, err))
	}
	doc, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}

	findings, err := s.invoiceRisks(ctx, si, in.Orders)
	if err != nil {
		return nil, err
	}
	if err := s.publishFindings(si, findings); err != nil {
		return nil, err
	}
	// The match is stored after the alerts went out: a crash in between
	// matches again on redelivery and publishes the same alert ids.
	if err := s.Store.SetInvoiceMatch(ctx, inv.Supplier.ID, inv.InvoiceNumber, string(res.Status), doc); err != nil {
		return nil, fmt.Errorf("store the match of invoice %s: %w", inv.InvoiceNumber, err)
	}
	if err := s.publishInvoiceReceived(si, in.Orders); err != nil {
		return nil, err
	}
	for i := range in.Orders {
		if err := s.refreshPlan(ctx, &in.Orders[i]); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// order finds an order by the invoice's buyer and number, or by number
// alone when the invoice names no buyer or another id for it; nil when the
// hub does not know it (the match then says no_order_line).
func (s *Settlement) order(ctx context.Context, buyerID, number string) (*store.StoredOrder, error) {
	o, err := s.Store.GetOrder(ctx, buyerID, number)
	if errors.Is(err, store.ErrNotFound) && buyerID != "" {
		o, err = s.Store.GetOrder(ctx, "", number)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	return o, nil
}

// maxHistory bounds the invoices read for one check: a supplier's history
// beyond it says nothing more about one invoice.
const maxHistory = 2000

// invoices reads every invoice of a filter, up to maxHistory.
func (s *Settlement) invoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, error) {
	out, _, err := s.listInvoices(ctx, f, maxHistory)
	return out, err
}

// listInvoices reads the invoices of a filter, at most max (0: all).
func (s *Settlement) listInvoices(ctx context.Context, f store.InvoiceFilter, max int) ([]store.StoredInvoice, bool, error) {
	f.Limit = store.MaxLimit
	out, more, err := store.ReadPages(max, func(cursor string) ([]store.StoredInvoice, string, error) {
		f.Cursor = cursor
		return s.Store.ListInvoices(ctx, f)
	})
	if err != nil {
		return nil, false, fmt.Errorf("list invoices: %w", err)
	}
	return out, more, nil
}

func orderNumbersOf(inv *canonical.Invoice) []string {
	numbers := slices.Clone(inv.OrderNumbers)
	for _, l := range inv.Lines {
		if l.OrderNumber != "" && !slices.Contains(numbers, l.OrderNumber) {
			numbers = append(numbers, l.OrderNumber)
		}
	}
	return numbers
}

func (s *Settlement) invoiceRisks(ctx context.Context, si *store.StoredInvoice, orders []canonical.Order) ([]risk.Finding, error) {
	sup, err := s.supplierOf(ctx, si.Invoice.Supplier.ID)
	if err != nil {
		return nil, err
	}
	return s.risksOf(si, sup, orders), nil
}

// supplierFile is what the risk checks read of a supplier: its invoices in
// the order they arrived and its bank accounts on file.
type supplierFile struct {
	invoices []store.StoredInvoice
	accounts []store.SupplierAccount
}

func (s *Settlement) supplierOf(ctx context.Context, supplierID string) (supplierFile, error) {
	var sf supplierFile
	var err error
	if sf.invoices, err = s.invoices(ctx, store.InvoiceFilter{SupplierID: supplierID}); err != nil {
		return sf, err
	}
	if sf.accounts, err = s.Store.SupplierAccounts(ctx, supplierID); err != nil {
		return sf, fmt.Errorf("accounts of supplier %s: %w", supplierID, err)
	}
	return sf, nil
}

// risksOf checks one of the supplier's invoices against its file.
func (s *Settlement) risksOf(si *store.StoredInvoice, sup supplierFile, orders []canonical.Order) []risk.Finding {
	inv := si.Invoice
	in := risk.InvoiceInput{Invoice: *inv, SupplierCountry: inv.Supplier.Country, Accounts: sup.accounts}
	// The history is what the supplier sent before this invoice (the list
	// is in the order of arrival): a later invoice repeating this one is
	// the duplicate, not this one. The invoice itself is not its own
	// history; an earlier content under its number is gone (the store
	// keeps the latest).
	for _, h := range sup.invoices {
		if h.Invoice.InvoiceNumber == inv.InvoiceNumber {
			break
		}
		in.History = append(in.History, *h.Invoice)
	}
	if in.SupplierCountry == "" && len(orders) > 0 {
		in.SupplierCountry = orders[0].Supplier.Country
	}
	return risk.CheckInvoice(in, s.Config.Risk)
}

// publishFindings sends risk findings as alerts. An alert's id derives from
// the finding and the invoice's content: the same invoice alerts once, a
// changed one again.
func (s *Settlement) publishFindings(si *store.StoredInvoice, findings []risk.Finding) error {
	data := map[string]string{"supplier_id": si.Invoice.Supplier.ID, "invoice_number": si.Invoice.InvoiceNumber}
	if len(si.Invoice.OrderNumbers) > 0 {
		data["order_number"] = si.Invoice.OrderNumbers[0]
	}
	// The invoice's arrival, so that a re-check does not make the alert
	// look new.
	return s.publishRisk(si.Partner, si.CreatedAt.UTC(), data, findings,
		si.Invoice.Supplier.ID, si.Invoice.InvoiceNumber, si.ContentHash)
}

// publishRisk sends findings as alerts on procurehub.alerts.v1, each with
// base's data under its own; the alert id derives from the finding and
// idParts.
func (s *Settlement) publishRisk(partner string, at time.Time, base map[string]string, findings []risk.Finding, idParts ...string) error {
	if len(findings) == 0 || s.Pub == nil {
		return nil
	}
	msgs := make([]*message.Message, 0, len(findings))
	for _, f := range findings {
		data := maps.Clone(base)
		for k, v := range f.Data {
			if data[k] == "" {
				data[k] = v
			}
		}
		if f.Blocks {
			data["blocks_payment"] = "true"
		}
		a := Alert{
			ID:         settlementID(append([]string{"alert", string(f.Kind), f.Subject}, idParts...)...),
			Kind:       string(f.Kind),
			Severity:   f.Severity,
			Partner:    partner,
			Subject:    f.Subject,
			Message:    f.Message,
			Action:     f.Action,
			OccurredAt: at,
			Data:       data,
		}
		m, err := a.ToMessage()
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := s.Pub.Publish(TopicAlerts, msgs...); err != nil {
		return fmt.Errorf("publish risk alerts: %w", err)
	}
	return nil
}

// publishResend raises the duplicate finding of an invoice number sent
// again with other content (another total, other lines, another account).
func (s *Settlement) publishResend(si, before *store.StoredInvoice) error {
	in := risk.InvoiceInput{Invoice: *si.Invoice, History: []canonical.Invoice{*before.Invoice}, SupplierCountry: si.Invoice.Supplier.Country}
	var dups []risk.Finding
	for _, f := range risk.CheckInvoice(in, s.Config.Risk) {
		if f.Kind == risk.DuplicateInvoice {
			dups = append(dups, f)
		}
	}
	return s.publishFindings(si, dups)
}

// publishInvoiceReceived notes the invoice on each of its orders'
// timelines; the status projector moves a delivered order to invoiced.
func (s *Settlement) publishInvoiceReceived(si *store.StoredInvoice, orders []canonical.Order) error {
	if s.Pub == nil {
		return nil
	}
	var events []*canonical.OrderEvent
	for _, o := range orders {
		data, _ := json.Marshal(map[string]string{"supplier_id": si.Invoice.Supplier.ID, "invoice_number": si.Invoice.InvoiceNumber,
			"total_amount": si.Invoice.TotalAmount.String(), "currency": string(si.Invoice.Currency)})
		events = append(events, &canonical.OrderEvent{
			EventID:     settlementID("invoice_received", o.Buyer.ID, o.OrderNumber, si.Invoice.Supplier.ID, si.Invoice.InvoiceNumber),
			OrderNumber: o.OrderNumber,
			BuyerID:     o.Buyer.ID,
			Type:        canonical.OrderEventType(lifecycle.KindInvoiceReceived),
			OccurredAt:  si.CreatedAt.UTC(),
			Actor:       si.Invoice.Supplier.ID,
			Summary:     fmt.Sprintf("invoice %s over %s %s", si.Invoice.InvoiceNumber, si.Invoice.TotalAmount, si.Invoice.Currency),
			Data:        data,
			Source:      &canonical.Source{Connector: "settlement", Partner: HubPartner},
		})
	}
	return PublishOrderEvents(s.Pub, "settlement", events...)
}

// settlementID is a short deterministic id of its parts.
func settlementID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Override records a finance user's override of an invoice's mismatch (a
// line, or the whole invoice with line 0) and matches the invoice again.
// The API checks the role and audits the call.
func (s *Settlement) Override(ctx context.Context, supplierID, invoiceNumber string, o match.Override) (*match.Result, error) {
	if o.By == "" || o.Reason == "" {
		return nil, fmt.Errorf("%w: an override needs the user and a reason", store.ErrInvalid)
	}
	si, err := s.Store.GetInvoice(ctx, supplierID, invoiceNumber)
	if err != nil {
		return nil, err
	}
	if o.Line != 0 && !slices.ContainsFunc(si.Invoice.Lines, func(l canonical.InvoiceLine) bool { return l.LineNumber == o.Line }) {
		return nil, fmt.Errorf("%w: invoice %s has no line %d", store.ErrInvalid, invoiceNumber, o.Line)
	}
	if o.At.IsZero() {
		o.At = s.now().UTC()
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if err := s.Store.AddInvoiceOverride(ctx, supplierID, invoiceNumber, doc); err != nil {
		return nil, err
	}
	return s.Evaluate(ctx, supplierID, invoiceNumber)
}

// Reevaluate matches and checks again every open invoice of a supplier
// (after one of its accounts was verified): a hold that no longer applies
// is released. It returns how many invoices it checked.
func (s *Settlement) Reevaluate(ctx context.Context, supplierID string) (int, error) {
	invs, err := s.allInvoices(ctx, store.InvoiceFilter{SupplierID: supplierID, Open: true})
	if err != nil {
		return 0, err
	}
	for i := range invs {
		if _, err := s.evaluate(ctx, &invs[i]); err != nil {
			return i, err
		}
	}
	return len(invs), nil
}

// Recheck matches again every invoice whose match failed: an ASN or a
// goods receipt stored after the invoice (goods often arrive after their
// invoice) turns no_receipt into a match and releases the payment.
func (s *Settlement) Recheck(ctx context.Context) error {
	invs, err := s.allInvoices(ctx, store.InvoiceFilter{MatchStatus: store.InvoiceMismatch})
	if err != nil {
		return err
	}
	for i := range invs {
		if _, err := s.evaluate(ctx, &invs[i]); err != nil {
			return fmt.Errorf("invoice %s of %s: %w", invs[i].Invoice.InvoiceNumber, invs[i].Invoice.Supplier.ID, err)
		}
	}
	return nil
}
