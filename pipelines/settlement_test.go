package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/settlement/approval"
	"github.com/procurehub/procurehub/internal/settlement/match"
	"github.com/procurehub/procurehub/internal/settlement/reconcile"
	"github.com/procurehub/procurehub/internal/settlement/risk"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/sqlite"
)

// The settlement fixture: order PO-100 of ACME-DE to KLEMM-DE (Germany),
// NET 30, 100 relays at 10.00 and 50 sockets at 4.00 (1200.00 EUR), shipped
// in full on 10 March; KLEMM-DE's account DE89... added by alice and
// verified by bob. Approvals: one up to 1000 EUR, two up to 5000, a senior
// (cfo) above.

const klemmIBAN = "DE89370400440532013000"

type settlementFixture struct {
	st  *sqlite.Store
	pub *recordingPub
	s   *Settlement
}

func newSettlementFixture(t *testing.T) *settlementFixture {
	t.Helper()
	st := newLedger(t)
	ctx := t.Context()
	o := &canonical.Order{OrderNumber: "PO-100", OrderDate: canonical.NewDate(2026, 3, 1), Buyer: canonical.Party{ID: "ACME-DE"},
		Supplier: canonical.Party{ID: "KLEMM-DE", Name: "Klemmtechnik GmbH", Country: "DE"}, Currency: "EUR", PaymentTerms: "NET 30",
		Lines: []canonical.OrderLine{
			{LineNumber: 1, SKU: "RLY-24", Quantity: canonical.MustDecimal("100"), Unit: "H87", UnitPrice: canonical.MustDecimal("10.00")},
			{LineNumber: 2, SKU: "SKT-8", Quantity: canonical.MustDecimal("50"), Unit: "H87", UnitPrice: canonical.MustDecimal("4.00")},
		}}
	if _, err := st.UpsertOrders(ctx, []*canonical.Order{o}); err != nil {
		t.Fatal(err)
	}
	asn := &canonical.Shipment{ShipmentID: "ASN-100", OrderNumbers: []string{"PO-100"}, Supplier: canonical.Party{ID: "KLEMM-DE"},
		ShipDate: canonical.NewDate(2026, 3, 10), Lines: []canonical.ShipmentLine{
			{OrderNumber: "PO-100", LineNumber: 1, Quantity: canonical.MustDecimal("100"), Unit: "H87"},
			{OrderNumber: "PO-100", LineNumber: 2, Quantity: canonical.MustDecimal("50"), Unit: "H87"},
		}}
	if _, err := st.UpsertShipments(ctx, "klemm-asn", []*canonical.Shipment{asn}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddSupplierAccount(ctx, store.SupplierAccount{SupplierID: "KLEMM-DE", Account: klemmIBAN, Country: "DE",
		Status: store.AccountPending, AddedBy: "alice", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.VerifySupplierAccount(ctx, "KLEMM-DE", klemmIBAN, "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	pub := &recordingPub{}
	s := &Settlement{Store: st, Pub: pub, Now: func() time.Time { return time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC) },
		Config: SettlementConfig{HomeCurrency: "EUR", Tolerances: match.DefaultTolerances(), Risk: risk.DefaultConfig(),
			Reconcile: reconcile.DefaultConfig(), CostOfCapitalPercent: canonical.MustDecimal("8"),
			Approval: approval.Policy{Currency: "EUR", SingleLimit: canonical.MustDecimal("1000"), DualLimit: canonical.MustDecimal("5000"), Senior: []string{"cfo"}}}}
	return &settlementFixture{st: st, pub: pub, s: s}
}

// invoice is INV-<n> billing PO-100 in full at the given price of line 1,
// asking to be paid to payee.
func klemmInvoice(number, relayPrice, payee string) *canonical.Invoice {
	price := canonical.MustDecimal(relayPrice)
	l1 := canonical.NewDecimal(price.Mul(canonical.MustDecimal("100").Decimal))
	l2 := canonical.MustDecimal("200.00")
	total := canonical.NewDecimal(l1.Add(l2.Decimal).Round(2))
	inv := &canonical.Invoice{InvoiceNumber: number, InvoiceDate: canonical.NewDate(2026, 3, 12), OrderNumbers: []string{"PO-100"},
		Supplier: canonical.Party{ID: "KLEMM-DE", Name: "Klemmtechnik GmbH"}, Buyer: canonical.Party{ID: "ACME-DE"}, Currency: "EUR",
		Lines: []canonical.InvoiceLine{
			{LineNumber: 1, SKU: "RLY-24", Quantity: canonical.MustDecimal("100"), Unit: "H87", UnitPrice: price, Amount: &l1},
			{LineNumber: 2, SKU: "SKT-8", Quantity: canonical.MustDecimal("50"), Unit: "H87", UnitPrice: canonical.MustDecimal("4.00"), Amount: &l2},
		},
		TotalAmount: total, DueDate: canonical.NewDate(2026, 4, 11)}
	if payee != "" {
		inv.PayeeAccount = &canonical.Counterparty{IBAN: payee}
	}
	return inv
}

func (f *settlementFixture) deliver(t *testing.T, inv *canonical.Invoice) {
	t.Helper()
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage("m-"+inv.InvoiceNumber, b)
	msg.Metadata.Set(MetaPartner, "klemm-edi")
	msg.SetContext(t.Context())
	if err := f.s.HandleInvoice(msg); err != nil {
		t.Fatalf("invoice %s: %v", inv.InvoiceNumber, err)
	}
}

func (f *settlementFixture) statement(t *testing.T, id string, entries ...canonical.BankTransaction) {
	t.Helper()
	st := &canonical.BankStatement{StatementID: id, Account: canonical.BankAccount{IBAN: "DE02120300000000202051", Currency: "EUR"}, Entries: entries}
	if _, err := f.st.UpsertStatements(t.Context(), "acme-bank", []*canonical.BankStatement{st}); err != nil {
		t.Fatal(err)
	}
}

func (f *settlementFixture) request(t *testing.T, seq int) *store.PaymentRequest {
	t.Helper()
	r, err := f.st.GetPaymentRequest(t.Context(), store.PaymentRequestID("ACME-DE", "PO-100", seq))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *settlementFixture) alerts(t *testing.T) []Alert {
	t.Helper()
	f.pub.mu.Lock()
	defer f.pub.mu.Unlock()
	var out []Alert
	for _, m := range f.pub.msgs[TopicAlerts] {
		var a Alert
		if err := json.Unmarshal(m.Payload, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func (f *settlementFixture) eventTypes(t *testing.T) []string {
	t.Helper()
	f.pub.mu.Lock()
	defer f.pub.mu.Unlock()
	var out []string
	for _, m := range f.pub.msgs[TopicOrderEvents] {
		var e canonical.OrderEvent
		if err := json.Unmarshal(m.Payload, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(e.Type))
	}
	return out
}

func TestAMatchingInvoiceIsApprovedByTwoPeopleAndPaidByTheBank(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	f.deliver(t, klemmInvoice("INV-100", "10.00", klemmIBAN))

	si, err := f.st.GetInvoice(ctx, "KLEMM-DE", "INV-100")
	if err != nil {
		t.Fatal(err)
	}
	if si.MatchStatus != store.InvoiceMatched || si.Settlement != store.SettlementUnmatched {
		t.Fatalf("match %q, settlement %q; want matched and unmatched", si.MatchStatus, si.Settlement)
	}
	if a := f.alerts(t); len(a) != 0 {
		t.Errorf("a clean invoice raised alerts: %+v", a)
	}
	r := f.request(t, 1)
	if r.Status != store.PaymentPlanned || r.InvoiceNumber != "INV-100" || r.Amount.String() != "1200.00" || r.DueDate != canonical.NewDate(2026, 4, 11) {
		t.Fatalf("request = %+v; want planned, INV-100, 1200.00 due 2026-04-11", r)
	}

	if _, err := f.s.RequestPayment(ctx, r.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.DecidePayment(ctx, r.ID, "alice", "approve", ""); !errors.Is(err, approval.ErrOwnRequest) {
		t.Errorf("the creator approving: %v; want ErrOwnRequest", err)
	}
	r, out, err := f.s.DecidePayment(ctx, r.ID, "bob", "approve", "")
	if err != nil || r.Status != store.PaymentPending || out.Needed != 2 {
		t.Fatalf("first approval: status %s, outcome %+v, %v; want pending, 2 needed", r.Status, out, err)
	}
	if _, _, err := f.s.DecidePayment(ctx, r.ID, "bob", "approve", ""); !errors.Is(err, approval.ErrAlreadyDecided) {
		t.Errorf("bob approving twice: %v; want ErrAlreadyDecided", err)
	}
	if r, _, err = f.s.DecidePayment(ctx, r.ID, "carol", "approve", "checked against the ASN"); err != nil || r.Status != store.PaymentApproved {
		t.Fatalf("second approval: %v, status %s; want approved", err, r.Status)
	}

	f.statement(t, "STMT-0410", canonical.BankTransaction{Amount: canonical.MustDecimal("-1200.00"), Currency: "EUR",
		BookingDate: canonical.NewDate(2026, 4, 10), ValueDate: canonical.NewDate(2026, 4, 10),
		Counterparty: &canonical.Counterparty{Name: "Klemmtechnik GmbH", IBAN: klemmIBAN}, RemittanceInfo: "INV-100 Klemmtechnik"})
	sum, err := f.s.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NewMatches != 1 || sum.Unmatched != 0 || sum.Invoices != 1 {
		t.Errorf("reconciliation = %+v; want one new match settling one invoice", sum)
	}
	si, _ = f.st.GetInvoice(ctx, "KLEMM-DE", "INV-100")
	if si.Settlement != store.SettlementReconciled || si.Paid.String() != "1200.00" || !si.AutoMatched || si.PaidAt == nil || !si.PaidAt.Equal(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("invoice after the statement: %s paid %s auto %v at %v; want reconciled 1200.00 automatically on 2026-04-10", si.Settlement, si.Paid, si.AutoMatched, si.PaidAt)
	}
	if r := f.request(t, 1); r.Status != store.PaymentPaid {
		t.Errorf("request status %s; want paid", r.Status)
	}
	if got := strings.Join(f.eventTypes(t), ","); got != "invoice_received,payment_received" {
		t.Errorf("order events %s; want invoice_received,payment_received", got)
	}
	if again, err := f.s.Reconcile(ctx); err != nil || again.NewMatches != 0 || again.Invoices != 0 {
		t.Errorf("a second run: %+v %v; want nothing new", again, err)
	}

	k, err := f.s.KPIs(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if k.Invoices != 1 || k.Reconciled != 1 || *k.AutoMatchRate != 1 || *k.MatchRate != 1 || *k.SettlementCycle.Median != 29 {
		b, _ := json.Marshal(k)
		t.Errorf("KPIs = %s; want one invoice reconciled automatically after 29 days", b)
	}
}

func TestAPriceAboveTheOrderBlocksPaymentUntilFinanceOverridesIt(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	f.deliver(t, klemmInvoice("INV-101", "10.50", klemmIBAN))
	si, _ := f.st.GetInvoice(ctx, "KLEMM-DE", "INV-101")
	if si.MatchStatus != store.InvoiceMismatch {
		t.Fatalf("match %q; want mismatch", si.MatchStatus)
	}
	r := f.request(t, 1)
	if r.Status != store.PaymentBlocked || !strings.Contains(r.BlockedReason, "line 1: price_over") {
		t.Fatalf("request %s (%q); want blocked for line 1's price", r.Status, r.BlockedReason)
	}
	if _, err := f.s.RequestPayment(ctx, r.ID, "alice"); !errors.Is(err, ErrPaymentBlocked) {
		t.Errorf("requesting a blocked payment: %v; want ErrPaymentBlocked", err)
	}
	res, err := f.s.Override(ctx, "KLEMM-DE", "INV-101", match.Override{Line: 1, By: "carol", Reason: "price increase agreed by e-mail on 3 March"})
	if err != nil || res.Status != match.StatusOverridden || res.Blocked {
		t.Fatalf("override: %+v %v; want overridden, not blocked", res, err)
	}
	if r := f.request(t, 1); r.Status != store.PaymentPlanned || r.BlockedReason != "" {
		t.Errorf("after the override the request is %s (%q); want planned", r.Status, r.BlockedReason)
	}
	if _, err := f.s.RequestPayment(ctx, r.ID, "alice"); err != nil {
		t.Errorf("requesting after the override: %v", err)
	}
	si, _ = f.st.GetInvoice(ctx, "KLEMM-DE", "INV-101")
	if !strings.Contains(string(si.Overrides), "price increase agreed") {
		t.Errorf("the override is not kept with the invoice: %s", si.Overrides)
	}
}

func TestAnInvoicePayingIntoAnUnverifiedAccountAlertsAndHoldsPaymentUntilVerified(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	const newIBAN = "GB82WEST12345698765432"
	f.deliver(t, klemmInvoice("INV-102", "10.00", newIBAN))
	var changed *Alert
	for _, a := range f.alerts(t) {
		if a.Kind == string(risk.AccountChanged) {
			changed = &a
		}
	}
	if changed == nil {
		t.Fatalf("alerts %+v; want bank_account_changed", f.alerts(t))
	}
	if strings.Contains(changed.Message, newIBAN) || changed.Data["blocks_payment"] != "true" || changed.Data["invoice_number"] != "INV-102" {
		t.Errorf("alert %+v: want the account masked, blocks_payment and the invoice named", changed)
	}
	if r := f.request(t, 1); r.Status != store.PaymentBlocked {
		t.Fatalf("request %s; want blocked", r.Status)
	}
	// The supplier's new account is put on file and verified by two people.
	if _, err := f.st.AddSupplierAccount(ctx, store.SupplierAccount{SupplierID: "KLEMM-DE", Account: newIBAN, Country: "GB",
		Status: store.AccountPending, AddedBy: "alice", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.VerifySupplierAccount(ctx, "KLEMM-DE", newIBAN, "alice", time.Now()); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("the adder verifying its own account: %v; want ErrInvalid", err)
	}
	if err := f.st.VerifySupplierAccount(ctx, "KLEMM-DE", newIBAN, "bob", time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.Reevaluate(ctx, "KLEMM-DE"); err != nil || n != 1 {
		t.Fatalf("re-evaluate: %d %v", n, err)
	}
	if r := f.request(t, 1); r.Status != store.PaymentPlanned {
		t.Errorf("after verification the request is %s (%q); want planned", r.Status, r.BlockedReason)
	}
}

func TestAPaymentWithoutReferenceWaitsWithSuggestionsAndFinanceMatchesItByHand(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	f.deliver(t, klemmInvoice("INV-103", "10.00", ""))
	// 500.00 with no reference from an account not on file: no rule may
	// take it on its own.
	f.statement(t, "STMT-0401", canonical.BankTransaction{Amount: canonical.MustDecimal("-500.00"), Currency: "EUR",
		BookingDate: canonical.NewDate(2026, 4, 1), ValueDate: canonical.NewDate(2026, 4, 1),
		Counterparty: &canonical.Counterparty{Name: "Klemmtechnik GmbH"}, RemittanceInfo: "first instalment"})
	sum, err := f.s.Reconcile(ctx)
	if err != nil || sum.NewMatches != 0 || sum.Unmatched != 1 {
		t.Fatalf("reconciliation %+v %v; want the entry unmatched", sum, err)
	}
	queue, _, err := f.st.BankEntries(ctx, store.BankEntryFilter{Status: store.EntryUnmatched})
	if err != nil || len(queue) != 1 {
		t.Fatalf("queue %+v %v; want one entry", queue, err)
	}
	if queue[0].Reason == "" {
		t.Errorf("the unmatched entry says no reason")
	}
	if _, err := f.s.MatchEntry(ctx, queue[0].ID, "dave", []ManualAllocation{{SupplierID: "KLEMM-DE", InvoiceNumber: "INV-103", Amount: canonical.MustDecimal("1500.00")}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("allocating more than the entry: %v; want ErrInvalid", err)
	}
	e, err := f.s.MatchEntry(ctx, queue[0].ID, "dave", []ManualAllocation{{SupplierID: "KLEMM-DE", InvoiceNumber: "INV-103", Amount: canonical.MustDecimal("500.00")}})
	if err != nil || e.Status != store.EntryManual || e.By != "dave" {
		t.Fatalf("manual match: %+v %v", e, err)
	}
	si, _ := f.st.GetInvoice(ctx, "KLEMM-DE", "INV-103")
	if si.Settlement != store.SettlementPartial || si.Paid.String() != "500.00" {
		t.Errorf("invoice %s paid %s; want partially_reconciled, 500.00", si.Settlement, si.Paid)
	}
	if _, err := f.s.MatchEntry(ctx, queue[0].ID, "erin", []ManualAllocation{{SupplierID: "KLEMM-DE", InvoiceNumber: "INV-103", Amount: canonical.MustDecimal("1.00")}}); !errors.Is(err, ErrEntryNotOpen) {
		t.Errorf("matching a matched entry again: %v; want ErrEntryNotOpen", err)
	}
	// The rest arrives quoting the invoice: the reconciler takes it and the
	// invoice is paid, not automatically as a whole.
	f.statement(t, "STMT-0415", canonical.BankTransaction{Amount: canonical.MustDecimal("-700.00"), Currency: "EUR",
		BookingDate: canonical.NewDate(2026, 4, 15), ValueDate: canonical.NewDate(2026, 4, 15),
		Counterparty: &canonical.Counterparty{Name: "Klemmtechnik GmbH", IBAN: klemmIBAN}, RemittanceInfo: "rest of INV-103"})
	if _, err := f.s.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	si, _ = f.st.GetInvoice(ctx, "KLEMM-DE", "INV-103")
	if si.Settlement != store.SettlementReconciled || si.AutoMatched {
		t.Errorf("invoice %s auto %v; want reconciled, not automatically", si.Settlement, si.AutoMatched)
	}
}

func TestTheSameInvoiceNumberWithOtherContentIsADuplicateAlert(t *testing.T) {
	f := newSettlementFixture(t)
	f.deliver(t, klemmInvoice("INV-104", "10.00", klemmIBAN))
	f.deliver(t, klemmInvoice("INV-104", "10.00", klemmIBAN)) // a resend: nothing
	if a := f.alerts(t); len(a) != 0 {
		t.Fatalf("a resent invoice raised %+v", a)
	}
	other := klemmInvoice("INV-105", "10.00", klemmIBAN) // same amount and date, another number
	f.deliver(t, other)
	var kinds []string
	for _, a := range f.alerts(t) {
		kinds = append(kinds, a.Kind)
	}
	if strings.Join(kinds, ",") != string(risk.DuplicateInvoice) {
		t.Errorf("alerts %v; want one duplicate_invoice", kinds)
	}
}

func TestAnInvoiceBeforeItsGoodsIsMatchedAgainOnceTheyShip(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	inv := klemmInvoice("INV-106", "10.00", klemmIBAN)
	inv.OrderNumbers, inv.Lines[0].OrderNumber, inv.Lines[1].OrderNumber = []string{"PO-101"}, "", ""
	o, err := f.st.GetOrder(ctx, "ACME-DE", "PO-100")
	if err != nil {
		t.Fatal(err)
	}
	o.Order.OrderNumber = "PO-101" // the same goods, not shipped yet
	if _, err := f.st.UpsertOrders(ctx, []*canonical.Order{&o.Order}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t, inv)
	if si, _ := f.st.GetInvoice(ctx, "KLEMM-DE", "INV-106"); si.MatchStatus != store.InvoiceMismatch {
		t.Fatalf("before the ASN: %s; want mismatch (no_receipt)", si.MatchStatus)
	}
	asn := &canonical.Shipment{ShipmentID: "ASN-101", OrderNumbers: []string{"PO-101"}, Supplier: canonical.Party{ID: "KLEMM-DE"},
		ShipDate: canonical.NewDate(2026, 3, 15), Lines: []canonical.ShipmentLine{
			{OrderNumber: "PO-101", LineNumber: 1, SKU: "RLY-24", Quantity: canonical.MustDecimal("100"), Unit: "H87"},
			{OrderNumber: "PO-101", LineNumber: 2, SKU: "SKT-8", Quantity: canonical.MustDecimal("50"), Unit: "H87"},
		}}
	if _, err := f.st.UpsertShipments(ctx, "klemm-asn", []*canonical.Shipment{asn}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Recheck(ctx); err != nil {
		t.Fatal(err)
	}
	if si, _ := f.st.GetInvoice(ctx, "KLEMM-DE", "INV-106"); si.MatchStatus != store.InvoiceMatched {
		t.Errorf("after the ASN: %s; want matched", si.MatchStatus)
	}
	if r, _ := f.st.GetPaymentRequest(ctx, store.PaymentRequestID("ACME-DE", "PO-101", 1)); r == nil || r.Status != store.PaymentPlanned {
		t.Errorf("request after the ASN: %+v; want planned", r)
	}
}

func TestAWholeInvoiceOverrideReleasesARiskHoldButNeverAnUnverifiedAccount(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	f.deliver(t, klemmInvoice("INV-107", "10.00", klemmIBAN))
	f.deliver(t, klemmInvoice("INV-108", "10.00", klemmIBAN)) // same amount and date: a duplicate, held
	if r := f.request(t, 1); r.Status != store.PaymentBlocked || !strings.Contains(r.BlockedReason, "INV-108 duplicate_invoice") {
		t.Fatalf("request %s (%q); want blocked by INV-108's duplicate finding", r.Status, r.BlockedReason)
	}
	if _, err := f.s.Override(ctx, "KLEMM-DE", "INV-108", match.Override{By: "carol", Reason: "a second delivery, agreed"}); err != nil {
		t.Fatal(err)
	}
	if r := f.request(t, 1); r.Status != store.PaymentPlanned {
		t.Errorf("after overriding INV-108: %s (%q); want planned", r.Status, r.BlockedReason)
	}
	f.deliver(t, klemmInvoice("INV-109", "9.00", "GB82WEST12345698765432"))
	if _, err := f.s.Override(ctx, "KLEMM-DE", "INV-109", match.Override{By: "carol", Reason: "looks fine"}); err != nil {
		t.Fatal(err)
	}
	if r := f.request(t, 1); r.Status != store.PaymentBlocked || !strings.Contains(r.BlockedReason, "INV-109 bank_account_changed") {
		t.Errorf("an override of an invoice paying into an unverified account: %s (%q); want still blocked", r.Status, r.BlockedReason)
	}
}

func TestAnInvoiceNumberSentAgainWithAnotherTotalRaisesACriticalDuplicate(t *testing.T) {
	f := newSettlementFixture(t)
	f.deliver(t, klemmInvoice("INV-110", "10.00", klemmIBAN))
	f.deliver(t, klemmInvoice("INV-110", "10.20", klemmIBAN))
	var dup *Alert
	for _, a := range f.alerts(t) {
		if a.Kind == string(risk.DuplicateInvoice) {
			dup = &a
		}
	}
	if dup == nil || dup.Severity != risk.SeverityCritical || !strings.Contains(dup.Message, "1220.00") {
		t.Fatalf("alerts %+v; want a critical duplicate_invoice naming the new total 1220.00", f.alerts(t))
	}
}

func TestABalanceDueAtShipmentCannotBeRequestedBeforeTheGoodsShipAndSaysSo(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	o, err := f.st.GetOrder(ctx, "ACME-DE", "PO-100")
	if err != nil {
		t.Fatal(err)
	}
	o.Order.OrderNumber, o.Order.PaymentTerms = "PO-102", "T/T 30% deposit 70% against B/L copy" // not shipped
	if _, err := f.st.UpsertOrders(ctx, []*canonical.Order{&o.Order}); err != nil {
		t.Fatal(err)
	}
	reqs, err := f.s.PaymentPlan(ctx, "ACME-DE", "PO-102")
	if err != nil || len(reqs) != 2 || reqs[0].Amount.String() != "360.00" || reqs[1].Amount.String() != "840.00" {
		t.Fatalf("plan %+v %v; want a 360.00 deposit and an 840.00 balance", reqs, err)
	}
	if _, err := f.s.RequestPayment(ctx, reqs[0].ID, "alice"); err != nil {
		t.Errorf("the deposit: %v; want it requested", err)
	}
	_, err = f.s.RequestPayment(ctx, reqs[1].ID, "alice")
	if !errors.Is(err, ErrPaymentBlocked) || !strings.Contains(err.Error(), "bill_of_lading") {
		t.Errorf("the balance before shipment: %v; want blocked, naming the bill of lading", err)
	}
	var early []Alert
	for _, a := range f.alerts(t) {
		if a.Kind == string(risk.PaymentBeforeDelivery) {
			early = append(early, a)
		}
	}
	if len(early) != 1 || early[0].Data["payment_request"] != reqs[1].ID || early[0].Data["order_number"] != "PO-102" {
		t.Errorf("alerts %+v; want one payment_before_delivery naming the balance", early)
	}
}

// factRecorder keeps the facts written, failing the first write when fail is set.
type factRecorder struct {
	calls [][]store.OrderFact
	fail  bool
}

func (r *factRecorder) UpsertOrderFacts(_ context.Context, facts []store.OrderFact) ([]bool, error) {
	if r.fail {
		r.fail = false
		return nil, errors.New("database is locked")
	}
	r.calls = append(r.calls, slices.Clone(facts))
	return make([]bool, len(facts)), nil
}

func TestKPIFactsAreWrittenOncePerOrderAndFlushAndKeptWhenTheWriteFails(t *testing.T) {
	f := newSettlementFixture(t)
	ctx := t.Context()
	rec := &factRecorder{fail: true}
	at := time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	p := &StatusProjector{Store: f.st, Readers: RecordReaders{Findings: f.st, Responses: f.st, Shipments: f.st},
		Facts: rec, Now: func() time.Time { at = at.Add(time.Second); return at }}
	for range 3 { // three events of one order before a flush
		if err := p.Project(ctx, "PO-100"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.FlushFacts(ctx); err == nil {
		t.Fatal("a failed write was not reported")
	}
	if err := p.FlushFacts(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 || len(rec.calls[0]) != 1 {
		t.Fatalf("writes %v; want the one order's fact, once, after the failed flush", rec.calls)
	}
	got := rec.calls[0][0]
	if got.OrderNumber != "PO-100" || got.SupplierID != "KLEMM-DE" || !got.ProjectedAt.Equal(time.Date(2026, 3, 20, 9, 0, 3, 0, time.UTC)) || got.ShippedAt == nil {
		t.Errorf("fact %+v; want PO-100's latest projection, shipped", got)
	}
	if err := p.FlushFacts(ctx); err != nil || len(rec.calls) != 1 {
		t.Errorf("an empty flush wrote %v, %v", rec.calls, err)
	}
}
