// Package storetest is the conformance suite every procurehub store passes.
// A store's own test runs it with a function that opens a new, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store {
//			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return st
//		})
//	}
//
// Every case opens its own store and runs in parallel with the others; the
// suite migrates the store and closes it when the case ends. open must give
// each call a database of its own and remove it in a t.Cleanup.
package storetest

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/connectors/fxrates"
	"github.com/procurehub/procurehub/internal/store"
)

// Store is what the suite checks: the methods both stores implement.
type Store interface {
	Migrate(ctx context.Context) error
	Ping(ctx context.Context) error
	Close() error
	UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error)
	GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error)
	ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error)
	LedgerClaim(ctx context.Context, e store.LedgerEntry, lease store.Lease) (store.LedgerEntry, bool, error)
	LedgerRenew(ctx context.Context, id int64, lease store.Lease) error
	LedgerRelease(ctx context.Context, id int64, owner string, settled bool) error
	LedgerFinish(ctx context.Context, id int64, status string, records, rejects int, receipt json.RawMessage) error
	LedgerGet(ctx context.Context, partner, sha256 string) (*store.LedgerEntry, error)
	ListLedger(ctx context.Context, partner string, limit int) ([]store.LedgerEntry, error)
	UpsertStatements(ctx context.Context, partner string, statements []*canonical.BankStatement) ([]store.Change, error)
	GetStatement(ctx context.Context, accountKey, statementID, sequenceNumber string) (*store.StoredStatement, error)
	ListStatements(ctx context.Context, f store.StatementFilter) ([]store.StoredStatement, string, error)
	UpsertFXRates(ctx context.Context, source string, rates []fxrates.Rate) (inserted, updated int, err error)
	FXRates(ctx context.Context, date canonical.Date) ([]fxrates.Rate, error)
	LoadFXTable(ctx context.Context, from, to canonical.Date) (*fxrates.Table, error)
	UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error)
	ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error)
	AddTrackingEvents(ctx context.Context, partner string, events []*canonical.TrackingEvent) ([]bool, error)
	TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error)
	TrackedNumbers(ctx context.Context, carrier string) ([]store.TrackedNumber, error)
	UpsertOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse) ([]store.Change, error)
	OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error)
	AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error)
	OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error)
	RecordFindings(ctx context.Context, f store.OrderFindings) (bool, error)
	GetFindings(ctx context.Context, buyerID, orderNumber string) (*store.OrderFindings, error)
	OrdersByKey(ctx context.Context, key string, from, to canonical.Date) ([]canonical.Order, error)
	Committed(ctx context.Context, supplierID, sku string, from, to canonical.Date) (decimal.Decimal, error)
	AddAlert(ctx context.Context, a store.Alert) (bool, error)
	GetAlert(ctx context.Context, id string) (store.Alert, error)
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, string, error)
	SetAlertStatus(ctx context.Context, id, status, by string) error
	SetOrderStatus(ctx context.Context, buyerID, orderNumber, from, to string) (bool, error)
	OrdersOfTracking(ctx context.Context, trackingNumbers []string) ([]string, error)
	RecordDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error)
	Deliveries(ctx context.Context, alertID string) ([]store.Delivery, error)
	ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, string, error)
	AddNotification(ctx context.Context, n store.Notification) (bool, error)
	ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, string, error)
	MarkNotificationRead(ctx context.Context, party string, id int64) (store.Notification, error)
	UpsertCatalogItems(ctx context.Context, partner string, items []*canonical.CatalogItem) ([]store.Change, error)
	CatalogItems(ctx context.Context, f store.CatalogFilter) ([]store.StoredCatalogItem, string, error)
	GetCatalogItem(ctx context.Context, supplierID, sku string) (*store.StoredCatalogItem, error)
	AddAssignment(ctx context.Context, a store.Assignment) (store.Assignment, error)
	ListAssignments(ctx context.Context, buyerID, orderNumber string) ([]store.Assignment, error)
	AssignmentsOf(ctx context.Context, partyID string) ([]store.Assignment, error)
	RemoveAssignment(ctx context.Context, buyerID, orderNumber, partyID, role string) error
	IsAssigned(ctx context.Context, buyerID, orderNumber, partyID string) (bool, error)
	CreateUser(ctx context.Context, u store.User) error
	GetUser(ctx context.Context, id string) (store.User, error)
	IssueToken(ctx context.Context, t store.APIToken) error
	LookupToken(ctx context.Context, hash string) (store.APIToken, store.User, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	RevokeToken(ctx context.Context, id string) error
	RevokeUserTokens(ctx context.Context, userID string) (int, error)
	ListTokens(ctx context.Context, f store.TokenFilter) ([]store.APIToken, string, error)
	CreateSession(ctx context.Context, s store.Session) error
	LookupSession(ctx context.Context, idHash string) (store.Session, store.User, error)
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, string, error)
	AddOrderDocument(ctx context.Context, d store.OrderDocument) (store.OrderDocument, bool, error)
	OrderDocuments(ctx context.Context, buyerID, orderNumber string) ([]store.OrderDocument, error)
	GetOrderDocument(ctx context.Context, buyerID, orderNumber string, id int64) (store.OrderDocument, error)
	AddOrderMessage(ctx context.Context, m store.OrderMessage) (store.OrderMessage, bool, error)
	OrderMessages(ctx context.Context, f store.MessageFilter) ([]store.OrderMessage, string, error)
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
	SetPaymentRecommendation(ctx context.Context, id string, rec json.RawMessage) error
	SetPaymentPaid(ctx context.Context, id string, paid canonical.Decimal) error
	BankEntries(ctx context.Context, f store.BankEntryFilter) ([]store.BankEntry, string, error)
	GetBankEntry(ctx context.Context, id string) (*store.BankEntry, error)
	SaveReconciliations(ctx context.Context, recs []store.EntryReconciliation) ([]bool, error)
	AddSupplierAccount(ctx context.Context, a store.SupplierAccount) (bool, error)
	VerifySupplierAccount(ctx context.Context, supplierID, account, by string, at time.Time) error
	SetSupplierAccountStatus(ctx context.Context, supplierID, account, status string) error
	SupplierAccounts(ctx context.Context, supplierID string) ([]store.SupplierAccount, error)
	UpsertOrderFacts(ctx context.Context, facts []store.OrderFact) ([]bool, error)
	GetOrderFact(ctx context.Context, buyerID, orderNumber string) (*store.OrderFact, error)
	OrderFacts(ctx context.Context, f store.FactFilter) ([]store.OrderFact, string, error)
	store.JobLeases
	store.MappingStore
}

//go:embed testdata
var testdata embed.FS

// Run runs every case of the suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"an order read back equals the order written, decimals keeping their scale", insertThenGet},
		{"the same order written again is unchanged and keeps its version", sameOrderAgain},
		{"a changed line updates the order, bumps its version and replaces its lines", changedLine},
		{"the same order from another file is unchanged", sameOrderFromAnotherFile},
		{"a batch with one key twice keeps the later order", sameKeyTwiceInBatch},
		{"an empty batch succeeds and writes nothing", emptyBatch},
		{"a refused order is named and nothing of its batch is written", refusedOrders},
		{"getting a missing order is ErrNotFound", missingOrder},
		{"an order number is found without its buyer, the most recently changed first", orderWithoutBuyer},
		{"listing filters by buyer, supplier and status", listFilters},
		{"pagination walks every order exactly once, newest first", paginationWalk},
		{"page sizes default to 50 and stop at 500", pageSizes},
		{"a malformed cursor is refused as invalid", malformedCursor},
		{"a search finds orders by number, party id or name, SKU, buyer SKU or description, ignoring case", searchFields},
		{"a search of several words finds the orders where every word is found", searchWords},
		{"a search takes percent signs, underscores and backslashes literally", searchLiteral},
		{"a search narrows the other filters and the party scope", searchWithFilters},
		{"the pages of a search list every match once, newest first", searchPagination},
		{"search text that is not UTF-8 is refused as invalid", searchInvalid},
		{"concurrent upserts of the same orders write each order once", concurrentUpserts},
		{"claiming the same file twice returns the existing entry", ledgerClaimTwice},
		{"the same file from another partner is a claim of its own", ledgerOtherPartner},
		{"concurrent claims of one file succeed exactly once", ledgerConcurrentClaims},
		{"an input leased by one instance is refused to another until released", ledgerLeaseHeldByAnother},
		{"the lease of an instance that stopped runs out and another takes the input", ledgerLeaseRunsOut},
		{"a lease is renewed, and released with settled_at", ledgerLeaseRenewAndSettle},
		{"finishing a claim stores its status, counts and receipt", ledgerFinish},
		{"a missing ledger entry is ErrNotFound", ledgerMissing},
		{"the ledger lists newest first, for one partner or all", ledgerList},
		{"a statement read back equals the statement written, amounts keeping their scale", statementReadBack},
		{"the same statement delivered twice is stored once and keeps version 1", sameStatementTwice},
		{"the same statement from another file is unchanged", sameStatementFromAnotherFile},
		{"a corrected entry updates the statement to version 2 and replaces its entries", correctedEntry},
		{"a batch with one statement twice keeps the later one", sameStatementTwiceInBatch},
		{"two accounts with the same statement id keep two statements", sameStatementIDTwoAccounts},
		{"a statement whose balances do not add up is stored as the bank sent it", mismatchStatement},
		{"an invalid statement is refused by its id and nothing of its batch is stored", refusedStatements},
		{"statements list by account, closing date and balance mismatch, page by page", listStatements},
		{"a statement without entries is stored with its balances", statementWithoutEntries},
		{"getting a statement that is not stored is ErrNotFound", missingStatement},
		{"concurrent deliveries of one statement store it once", concurrentStatements},
		{"fx rates read back with the digits the ECB published", fxRatesReadBack},
		{"loading the same fx rate file twice changes nothing", fxRatesSameFileTwice},
		{"a corrected fx rate replaces the stored one", fxRateCorrected},
		{"a date without fx rates has none, and that is not an error", fxRatesMissingDate},
		{"an invalid fx rate is refused and nothing of its batch is stored", fxRatesRefused},
		{"a table loaded from the store converts as a table filled from the file", fxTableConverts},
		{"a batch of 10,000 fx rates loads in one call", fxRatesBulk},
		{"an order's status moves only from the status the caller saw", statusMoves},
		{"a tracking number leads to the orders its shipments deliver against", ordersOfTracking},
		{"a shipment read back equals the one written and links its orders", shipmentReadBack},
		{"the same shipment twice is unchanged; a changed one replaces its links", shipmentChanged},
		{"an invalid shipment is refused by its id and nothing of its batch is stored", shipmentRefused},
		{"a tracking event delivered twice is kept once", trackingEventTwice},
		{"tracking events come back by the time they happened, whatever the arrival order", trackingEventsInTimeOrder},
		{"an event without an event id is refused", trackingEventWithoutID},
		{"concurrent deliveries of one tracking event keep it once", concurrentTrackingEvents},
		{"the pollers see each shipment's tracking numbers with their latest status", trackedNumbers},
		{"order responses read back as written, lineage kept, by their order", responseReadBack},
		{"the same order response twice is unchanged; a changed one is version 2", responseChanged},
		{"an invalid order response is refused by its numbers and nothing of its batch is stored", responseRefused},
		{"an order event delivered twice is kept once", orderEventTwice},
		{"order events come back by the time they happened, whatever the arrival order", orderEventsInTimeOrder},
		{"an order event without an id or a buyer is refused with its batch", orderEventRefused},
		{"concurrent deliveries of one order event keep it once", concurrentOrderEvents},
		{"an order with error findings needs review until a corrected version passes", findingsReview},
		{"the same findings recorded again change nothing", findingsReplay},
		{"findings never move an order past submitted backwards", findingsKeepLifecycle},
		{"the same order sent again under another number within the window is found by its key", sameOrderUnderAnotherNumber},
		{"the same order sent again outside the window is not found", sameOrderOutsideTheWindow},
		{"a changed line changes the key", changedLineChangesTheKey},
		{"committed quantity sums one SKU of one supplier delivered in the period, whatever the buyer", committedQuantity},
		{"an alert read back is open, and the same alert id again changes nothing", alertReadBack},
		{"an alert goes open, acknowledged, resolved and never back", alertLifecycle},
		{"alerts list by status, kind, partner and order number, newest first, page by page", alertList},
		{"concurrent deliveries of one alert keep it once", concurrentAlerts},
		{"a notification is recorded once per alert, channel and recipient, attempts counted until it is sent", deliveryAttemptsUntilSent},
		{"a notification given up stays failed with its error", deliveryFailedIsFinal},
		{"concurrent attempts at one notification each count once", concurrentDeliveryRecords},
		{"notifications list newest first by status, alert and channel; the failed are the dead letters", deliveryList},
		{"an alert lands in a party's inbox once", notificationOncePerParty},
		{"a party's inbox lists newest first, unread on request, page by page", notificationList},
		{"a notification is marked read once, and only by its party", notificationMarkRead},
		{"a catalog item read back equals the item written, decimals keeping their scale", catalogItemReadBack},
		{"the same price list again changes nothing; a changed price makes version 2 of that item", catalogItemReplayAndChange},
		{"a batch with one catalog item twice keeps the later one", catalogItemTwiceInBatch},
		{"an invalid catalog item is refused by its index and nothing of its batch is stored", catalogItemRefused},
		{"catalog items list by supplier and sku in import order, page by page", catalogItemList},
		{"getting a catalog item that is not stored is ErrNotFound", catalogItemMissing},
		{"an order assignment reads back, is kept once and can be taken back", assignmentReadBack},
		{"an assignment without a party or in another role is refused", assignmentRefused},
		{"a party lists the orders it buys, supplies, is assigned to or carries, page by page", listByParty},
		{"concurrent deliveries of one catalog item store it once", concurrentCatalogItems},
		{"a user read back equals the user written, and its id is taken once", userReadBack},
		{"a token is found by the hash of its secret only, with its user", tokenLookup},
		{"a revoked token stays revoked from the first revocation", tokenRevoke},
		{"tokens list newest first, by user, page by page", tokenList},
		{"a session is found by its id hash until it is deleted or swept after expiry", sessionLifecycle},
		{"audit entries list newest first by user, party, target and time, page by page", auditList},
		{"a document read back is byte-identical, with its sha256, size and uploader", documentReadBack},
		{"the same content as the same type of one order twice is one document", documentTwice},
		{"a document is found only as one of its own order", documentOfAnotherOrder},
		{"an invalid document is refused and nothing is stored", documentRefused},
		{"concurrent uploads of one document store it once", concurrentDocuments},
		{"an order's messages list oldest first, page by page, apart from other orders'", messageThread},
		{"an empty, blank or too long message is refused", messageRefused},
		{"a message posted again with its idempotency key is the message stored first", messageIdempotencyKey},
		{"an invoice read back equals the one written, decimals keeping their scale, unmatched and unpaid", invoiceReadBack},
		{"an invoice written twice is unchanged and keeps its version; a changed one keeps its match and settlement", invoiceReplayAndChange},
		{"a batch with one invoice twice keeps the later one", invoiceTwiceInBatch},
		{"an invalid invoice is refused by its index and nothing of its batch is stored", invoiceRefused},
		{"invoices list by supplier, buyer, order, match, settlement and openness, oldest first, page by page", invoiceList},
		{"a missing invoice is ErrNotFound, to read and to update", invoiceMissing},
		{"a match result is recorded, and overrides append in the order they were made", invoiceMatchAndOverrides},
		{"an invoice's paid date is set when it becomes reconciled, kept while it stays so, cleared when it no longer is", invoicePaidAt},
		{"a payment request reads back as written, amounts keeping their scale, planned and without approvals", paymentReadBack},
		{"a changed plan updates a request only while it is planned, pending or blocked", paymentPlanChanges},
		{"a plan written again never touches a request's status, approvals, creator, recommendation or paid amount", paymentUpsertKeepsDecisions},
		{"a payment request's status moves only from the status the caller saw; the creator is who asked for it", paymentStatusMoves},
		{"approvals append in order, each only from the status the approver saw", paymentApprovals},
		{"payment requests list by buyer, supplier, order and status, oldest first, page by page", paymentList},
		{"a missing payment request is ErrNotFound, to read and to update", paymentMissing},
		{"bank entries list every entry of the stored statements once, by statement and index, with its full transaction", bankEntryList},
		{"a manual match is never overwritten by an automatic run; an unmatched entry takes the newer record", reconciliationNotOverwritten},
		{"a reconciliation naming an entry that is not stored refuses the whole call", reconciliationUnknownEntry},
		{"a supplier account is on file once, normalised, and verified only by someone other than who added it", supplierAccountFourEyes},
		{"a revoked supplier account cannot be verified; a missing one is ErrNotFound", supplierAccountRevoked},
		{"a fact read back equals the fact written", factReadBack},
		{"a late replay never undoes a newer fact", factLateReplay},
		{"paging walks every fact once in order-date order", factPaging},
		{"filters by buyer, supplier and order-date range", factFilters},
		{"a fact without a key is refused and nothing of its batch is written", factRefused},
		{"a missing fact is ErrNotFound", factMissing},
		{"a job lease has one holder, renewed by it and free once released", jobLeaseOneHolder},
		{"the job lease of an instance that stopped runs out and another takes it", jobLeaseRunsOut},
		{"concurrent acquires of one job lease: exactly one instance gets it", jobLeaseConcurrent},
		{"each distinct content of a partner's mapping is the next version, the same content the same version", mappingVersions},
		{"an input records the mapping version it was read with; replays are recorded beside it", ledgerMappingVersionAndReplays},
		{"migrating again keeps the data", migrateTwice},
		{"closing twice is safe", closeTwice},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			c.run(t, s)
		})
	}
}

// --- orders ---

func insertThenGet(t *testing.T, s Store) {
	ctx := t.Context()
	o := fixture(t)
	changes := upsert(t, s, o)
	wantChanges(t, changes, store.ChangeInserted)

	got := get(t, s, o.Buyer.ID, o.OrderNumber)
	if a, b := jsonOf(t, &got.Order), jsonOf(t, o); a != b {
		t.Errorf("stored order differs from the written one\n got: %s\nwant: %s", a, b)
	}
	for i, want := range []string{"12.50", "0.125", "7.90"} {
		if p := got.Order.Lines[i].UnitPrice.String(); p != want {
			t.Errorf("line %d unit_price = %s, want %s (scale kept)", i+1, p, want)
		}
	}
	if got.Order.TotalAmount == nil || got.Order.TotalAmount.String() != "1832.950" {
		t.Errorf("total_amount = %v, want 1832.950", got.Order.TotalAmount)
	}
	if got.Status != store.StatusSubmitted || got.Version != 1 {
		t.Errorf("status %q version %d, want %q version 1", got.Status, got.Version, store.StatusSubmitted)
	}
	hash, err := store.ContentHash(o)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentHash != hash {
		t.Errorf("content hash %q, want store.ContentHash %q", got.ContentHash, hash)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("created %v updated %v: want a creation time and no update before it", got.CreatedAt, got.UpdatedAt)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func sameOrderAgain(t *testing.T, s Store) {
	o := fixture(t)
	upsert(t, s, o)
	first := get(t, s, o.Buyer.ID, o.OrderNumber)

	wantChanges(t, upsert(t, s, fixture(t)), store.ChangeUnchanged)
	again := get(t, s, o.Buyer.ID, o.OrderNumber)
	if again.Version != 1 {
		t.Errorf("version %d after an unchanged write, want 1", again.Version)
	}
	if !again.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("updated_at moved from %v to %v on an unchanged write", first.UpdatedAt, again.UpdatedAt)
	}
}

func changedLine(t *testing.T, s Store) {
	o := fixture(t)
	upsert(t, s, o)
	first := get(t, s, o.Buyer.ID, o.OrderNumber)

	changed := fixture(t)
	changed.Lines[0].Quantity = canonical.MustDecimal("150.000")
	changed.Lines = changed.Lines[:2] // line 3 is cancelled
	wantChanges(t, upsert(t, s, changed), store.ChangeUpdated)

	got := get(t, s, o.Buyer.ID, o.OrderNumber)
	if got.Version != 2 {
		t.Errorf("version %d, want 2", got.Version)
	}
	if a, b := jsonOf(t, &got.Order), jsonOf(t, changed); a != b {
		t.Errorf("stored order is not the changed one\n got: %s\nwant: %s", a, b)
	}
	if n := len(got.Order.Lines); n != 2 {
		t.Errorf("%d lines, want 2: the removed line must be gone", n)
	}
	if got.Order.Lines[0].Quantity.String() != "150.000" {
		t.Errorf("line 1 quantity %s, want 150.000", got.Order.Lines[0].Quantity)
	}
	if got.ContentHash == first.ContentHash {
		t.Error("content hash did not change with the content")
	}
	if !got.CreatedAt.Equal(first.CreatedAt) || got.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("created %v→%v updated %v→%v: creation must stay, update must not go back",
			first.CreatedAt, got.CreatedAt, first.UpdatedAt, got.UpdatedAt)
	}
	if got.Status != store.StatusSubmitted {
		t.Errorf("status %q after a content update, want it kept (%q)", got.Status, store.StatusSubmitted)
	}
}

func sameOrderFromAnotherFile(t *testing.T, s Store) {
	o := fixture(t)
	upsert(t, s, o)

	other := fixture(t)
	other.Source = &canonical.Source{Connector: "supplier_drop", Partner: "acme-de", File: "resend-0303.xlsx", Sheet: "Orders", Line: 9}
	for i := range other.Lines {
		other.Lines[i].Source = &canonical.Source{File: "resend-0303.xlsx", Sheet: "Orders", Line: 9 + i}
	}
	wantChanges(t, upsert(t, s, other), store.ChangeUnchanged)

	got := get(t, s, o.Buyer.ID, o.OrderNumber)
	if got.Version != 1 {
		t.Errorf("version %d, want 1", got.Version)
	}
	if got.Order.Source == nil || got.Order.Source.File != "orders-0302.csv" {
		t.Errorf("source %+v, want the first file kept (nothing written)", got.Order.Source)
	}
}

func sameKeyTwiceInBatch(t *testing.T, s Store) {
	early, later := fixture(t), fixture(t)
	early.Lines[0].UnitPrice = canonical.MustDecimal("11.00")
	other := small("acme-de", "PO-OTHER", "shenzhen-parts")

	wantChanges(t, upsert(t, s, early, other, later),
		store.ChangeUnchanged, store.ChangeInserted, store.ChangeInserted)
	got := get(t, s, later.Buyer.ID, later.OrderNumber)
	if a, b := jsonOf(t, &got.Order), jsonOf(t, later); a != b {
		t.Errorf("stored order is not the later one\n got: %s\nwant: %s", a, b)
	}
	if got.Version != 1 {
		t.Errorf("version %d, want 1 (one write)", got.Version)
	}

	// The same for a key that exists already.
	third, fourth := fixture(t), fixture(t)
	third.PaymentTerms = "NET60"
	fourth.PaymentTerms = "NET90"
	wantChanges(t, upsert(t, s, third, fourth), store.ChangeUnchanged, store.ChangeUpdated)
	got = get(t, s, later.Buyer.ID, later.OrderNumber)
	if got.Order.PaymentTerms != "NET90" || got.Version != 2 {
		t.Errorf("payment terms %q version %d, want NET90 version 2", got.Order.PaymentTerms, got.Version)
	}
}

func emptyBatch(t *testing.T, s Store) {
	changes, err := s.UpsertOrders(t.Context(), nil)
	if err != nil || len(changes) != 0 {
		t.Fatalf("UpsertOrders(nil) = %v, %v; want no changes and no error", changes, err)
	}
	if got := listAll(t, s, store.OrderFilter{}); len(got) != 0 {
		t.Errorf("%d orders after an empty batch, want 0", len(got))
	}
}

func refusedOrders(t *testing.T, s Store) {
	tests := []struct {
		name    string
		breakIt func(o *canonical.Order)
	}{
		{"an order without a buyer id", func(o *canonical.Order) { o.Buyer.ID = "" }},
		{"an order without an order number", func(o *canonical.Order) { o.OrderNumber = " " }},
		{"an order with a line number twice", func(o *canonical.Order) { o.Lines[1].LineNumber = 1 }},
		{"an order with a NUL character in a line", func(o *canonical.Order) { o.Lines[0].Description = "pad\x00" }},
		{"an order with a NUL character in the ship-to name", func(o *canonical.Order) { o.ShipTo.Name = "Lager\x00" }},
		{"an order with invalid UTF-8 in a SKU", func(o *canonical.Order) { o.Lines[2].SKU = "GRS\xff" }},
		{"an order dated February 30", func(o *canonical.Order) { o.OrderDate = canonical.NewDate(2026, 2, 30) }},
		{"an order with a quantity of 71 digits", func(o *canonical.Order) {
			o.Lines[0].Quantity = canonical.NewDecimal(decimal.New(1, 70))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			good := small("acme-de", "PO-GOOD-"+tt.name, "shenzhen-parts")
			bad := fixture(t)
			bad.OrderNumber = "PO-BAD-" + tt.name
			tt.breakIt(bad)
			_, err := s.UpsertOrders(t.Context(), []*canonical.Order{good, bad})
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ie *store.InvalidOrderError
			if !errors.As(err, &ie) || ie.Index != 1 {
				t.Fatalf("err = %v, want an InvalidOrderError naming order 1 of the batch", err)
			}
			if _, err := s.GetOrder(t.Context(), good.Buyer.ID, good.OrderNumber); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the good order of the refused batch: err = %v, want ErrNotFound (nothing written)", err)
			}
		})
	}
	t.Run("text that only looks like an escaped NUL is stored as written", func(t *testing.T) {
		o := small("acme-de", "PO-BACKSLASH", "shenzhen-parts")
		o.Lines[0].Description = `drawing C:\u0000\parts.pdf`
		upsert(t, s, o)
		if got := get(t, s, o.Buyer.ID, o.OrderNumber); got.Order.Lines[0].Description != o.Lines[0].Description {
			t.Errorf("description %q, want %q", got.Order.Lines[0].Description, o.Lines[0].Description)
		}
	})
	t.Run("a nil order is refused", func(t *testing.T) {
		_, err := s.UpsertOrders(t.Context(), []*canonical.Order{nil})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}

func missingOrder(t *testing.T, s Store) {
	upsert(t, s, small("acme-de", "PO-1", "shenzhen-parts"))
	for _, k := range [][2]string{{"acme-de", "PO-2"}, {"other-buyer", "PO-1"}, {"", "PO-2"}} {
		if _, err := s.GetOrder(t.Context(), k[0], k[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOrder(%q, %q): err = %v, want ErrNotFound", k[0], k[1], err)
		}
	}
}

func orderWithoutBuyer(t *testing.T, s Store) {
	a := small("buyer-a", "PO-SHARED", "s1")
	b := small("buyer-b", "PO-SHARED", "s1")
	upsert(t, s, a)
	upsert(t, s, b)
	if got := get(t, s, "", "PO-SHARED"); got.Order.Buyer.ID != "buyer-b" {
		t.Errorf("found buyer %q, want buyer-b (written last)", got.Order.Buyer.ID)
	}
	a2 := small("buyer-a", "PO-SHARED", "s1")
	a2.PaymentTerms = "NET45"
	wantChanges(t, upsert(t, s, a2), store.ChangeUpdated)
	if got := get(t, s, "", "PO-SHARED"); got.Order.Buyer.ID != "buyer-a" {
		t.Errorf("found buyer %q, want buyer-a (changed last)", got.Order.Buyer.ID)
	}
}

func listFilters(t *testing.T, s Store) {
	upsert(t, s,
		small("b1", "PO-1", "s1"), small("b1", "PO-2", "s2"), small("b2", "PO-3", "s1"),
		small("b2", "PO-4", "s1"), small("b2", "PO-5", "s2"))
	tests := []struct {
		name   string
		filter store.OrderFilter
		want   []string // order numbers, newest first
	}{
		{"no filter lists every order", store.OrderFilter{}, []string{"PO-5", "PO-4", "PO-3", "PO-2", "PO-1"}},
		{"a supplier lists its orders", store.OrderFilter{SupplierID: "s1"}, []string{"PO-4", "PO-3", "PO-1"}},
		{"a buyer lists its orders", store.OrderFilter{BuyerID: "b1"}, []string{"PO-2", "PO-1"}},
		{"buyer and supplier together narrow down", store.OrderFilter{BuyerID: "b2", SupplierID: "s2"}, []string{"PO-5"}},
		{"a status lists the orders in it", store.OrderFilter{Status: store.StatusSubmitted, SupplierID: "s2"}, []string{"PO-5", "PO-2"}},
		{"a status no order has lists nothing", store.OrderFilter{Status: "shipped"}, nil},
		{"an unknown supplier lists nothing", store.OrderFilter{SupplierID: "s9"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, o := range listAll(t, s, tt.filter) {
				got = append(got, o.Order.OrderNumber)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
}

func paginationWalk(t *testing.T, s Store) {
	const total = 23
	var written []string
	var batch []*canonical.Order
	for i := range total {
		o := small("acme-de", fmt.Sprintf("PO-%03d", i), "shenzhen-parts")
		written = append(written, o.OrderNumber)
		batch = append(batch, o)
		if len(batch) == 10 || i == total-1 {
			upsert(t, s, batch...) // batches of 10, 10 and 3
			batch = nil
		}
	}
	var seen []string
	cursor, pages := "", 0
	for {
		list, next, err := s.ListOrders(t.Context(), store.OrderFilter{Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListOrders page %d: %v", pages+1, err)
		}
		pages++
		for _, o := range list {
			seen = append(seen, o.Order.OrderNumber)
		}
		if pages == 1 {
			// An order arriving during the walk is newer than the walk's
			// position: it must not shift what the next pages return.
			upsert(t, s, small("acme-de", "PO-LATE", "shenzhen-parts"))
		}
		if next == "" {
			break
		}
		if pages > total {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	want := slices.Clone(written)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Errorf("walked %v\nwant    %v (each once, newest first)", seen, want)
	}
	if pages != 5 {
		t.Errorf("%d pages of 5 for %d orders, want 5", pages, total)
	}
}

func pageSizes(t *testing.T, s Store) {
	var batch []*canonical.Order
	for i := range store.MaxLimit + 1 {
		batch = append(batch, small("acme-de", fmt.Sprintf("PO-%04d", i), "shenzhen-parts"))
	}
	upsert(t, s, batch...)
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"no limit gives the default page", 0, store.DefaultLimit},
		{"a negative limit gives the default page", -3, store.DefaultLimit},
		{"a limit above the maximum gives the maximum", 10_000, store.MaxLimit},
		{"a limit within bounds is kept", 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, next, err := s.ListOrders(t.Context(), store.OrderFilter{Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tt.want || next == "" {
				t.Errorf("%d orders, next cursor %q; want %d and a cursor", len(list), next, tt.want)
			}
		})
	}
}

func malformedCursor(t *testing.T, s Store) {
	upsert(t, s, small("acme-de", "PO-1", "shenzhen-parts"))
	for _, c := range []string{"not a cursor", "djE6", "eHg6MTA", "djE6LTE"} {
		if _, _, err := s.ListOrders(t.Context(), store.OrderFilter{Cursor: c}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("cursor %q: err = %v, want ErrInvalid", c, err)
		}
	}
}

func concurrentUpserts(t *testing.T, s Store) {
	const workers, orders = 4, 30
	var all []*canonical.Order
	for i := range orders {
		all = append(all, small("acme-de", fmt.Sprintf("PO-%02d", i), "shenzhen-parts"))
	}
	var (
		mu       sync.Mutex
		inserted int
		updated  int
		errs     []error
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			// Two consumers redelivering the same messages, half of them in
			// the opposite order, each in batches of 10, twice.
			mine := slices.Clone(all)
			if w%2 == 1 {
				slices.Reverse(mine)
			}
			for range 2 {
				for b := range slices.Chunk(mine, 10) {
					changes, err := s.UpsertOrders(t.Context(), b)
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, c := range changes {
						switch c {
						case store.ChangeInserted:
							inserted++
						case store.ChangeUpdated:
							updated++
						}
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("UpsertOrders: %v", err)
	}
	if inserted != orders || updated != 0 {
		t.Errorf("%d inserted, %d updated across workers; want %d inserted once each, none updated", inserted, updated, orders)
	}
	list := listAll(t, s, store.OrderFilter{})
	if len(list) != orders {
		t.Errorf("%d orders stored, want %d (no duplicates)", len(list), orders)
	}
	for _, o := range list {
		if o.Version != 1 {
			t.Errorf("order %s version %d, want 1", o.Order.OrderNumber, o.Version)
		}
	}
}

// --- ledger ---

func ledgerClaimTwice(t *testing.T, s Store) {
	e := entry("acme-de", "orders-0302.csv", "PO-1;BRK-100;120")
	first, ok, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-a"))
	if err != nil || !ok {
		t.Fatalf("first claim: ok %v err %v; want a new claim", ok, err)
	}
	if first.ID == 0 || first.Status != store.LedgerProcessing || first.Name != e.Name || first.Size != e.Size || first.CreatedAt.IsZero() {
		t.Errorf("first claim returned %+v; want an id, status processing and the given name and size", first)
	}
	again := entry("acme-de", "orders-0302-copy.csv", "PO-1;BRK-100;120") // same content, new name
	second, ok, err := s.LedgerClaim(t.Context(), again, leaseOf("instance-a"))
	if err != nil || ok {
		t.Fatalf("second claim: ok %v err %v; want the existing entry", ok, err)
	}
	if second.ID != first.ID || second.Name != first.Name {
		t.Errorf("second claim returned id %d name %q; want the first entry (%d, %q)", second.ID, second.Name, first.ID, first.Name)
	}
}

func ledgerOtherPartner(t *testing.T, s Store) {
	a, okA, errA := s.LedgerClaim(t.Context(), entry("acme-de", "orders.csv", "PO-1;BRK-100;120"), leaseOf("instance-a"))
	b, okB, errB := s.LedgerClaim(t.Context(), entry("globex-fr", "orders.csv", "PO-1;BRK-100;120"), leaseOf("instance-a"))
	if errA != nil || errB != nil || !okA || !okB || a.ID == b.ID {
		t.Errorf("claims (%d %v %v) and (%d %v %v); want two new entries", a.ID, okA, errA, b.ID, okB, errB)
	}
}

func ledgerConcurrentClaims(t *testing.T, s Store) {
	const workers = 6
	var (
		mu   sync.Mutex
		wins int
		ids  = map[int64]bool{}
		errs []error
		wg   sync.WaitGroup
	)
	leased := 0
	for i := range workers {
		wg.Go(func() {
			got, ok, err := s.LedgerClaim(t.Context(), entry("acme-de", "orders.csv", "PO-1;BRK-100;120"), leaseOf(fmt.Sprintf("instance-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, store.ErrLeased) {
				leased++
				return
			}
			if err != nil {
				errs = append(errs, err)
				return
			}
			if ok {
				wins++
			}
			ids[got.ID] = true
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("LedgerClaim: %v", err)
	}
	if wins != 1 || len(ids) != 1 || leased != workers-1 {
		t.Errorf("%d claims won, %d distinct entries, %d told the input is leased; want one, one and %d", wins, len(ids), leased, workers-1)
	}
}

func ledgerFinish(t *testing.T, s Store) {
	claimed, _, err := s.LedgerClaim(t.Context(), entry("acme-de", "orders-0302.csv", "PO-1;BRK-100;120"), leaseOf("instance-a"))
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := testdata.ReadFile("testdata/receipt-with-one-reject.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LedgerFinish(t.Context(), claimed.ID, store.LedgerDone, 41, 1, receipt); err != nil {
		t.Fatalf("LedgerFinish: %v", err)
	}
	got, err := s.LedgerGet(t.Context(), "acme-de", claimed.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.LedgerDone || got.Records != 41 || got.Rejects != 1 {
		t.Errorf("status %q records %d rejects %d; want done 41 1", got.Status, got.Records, got.Rejects)
	}
	if !sameJSON(t, got.Receipt, receipt) {
		t.Errorf("receipt %s, want %s", got.Receipt, receipt)
	}
	if got.UpdatedAt.Before(claimed.UpdatedAt) {
		t.Errorf("updated_at went back from %v to %v", claimed.UpdatedAt, got.UpdatedAt)
	}

	t.Run("finishing without a receipt stores none", func(t *testing.T) {
		other, _, err := s.LedgerClaim(t.Context(), entry("acme-de", "empty.csv", ""), leaseOf("instance-a"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LedgerFinish(t.Context(), other.ID, store.LedgerFailed, 0, 0, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.LedgerGet(t.Context(), "acme-de", other.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.LedgerFailed || got.Receipt != nil {
			t.Errorf("status %q receipt %s; want failed and no receipt", got.Status, got.Receipt)
		}
	})
	t.Run("a receipt that is not JSON is refused", func(t *testing.T) {
		err := s.LedgerFinish(t.Context(), claimed.ID, store.LedgerDone, 1, 0, json.RawMessage(`{"accepted":`))
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

func ledgerMissing(t *testing.T, s Store) {
	if _, err := s.LedgerGet(t.Context(), "acme-de", sha("nothing")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LedgerGet: err = %v, want ErrNotFound", err)
	}
	if err := s.LedgerFinish(t.Context(), 424242, store.LedgerDone, 1, 0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LedgerFinish of an unknown id: err = %v, want ErrNotFound", err)
	}
}

func ledgerList(t *testing.T, s Store) {
	for _, e := range []store.LedgerEntry{
		entry("acme-de", "a1.csv", "one"), entry("globex-fr", "g1.xml", "one"),
		entry("acme-de", "a2.csv", "two"), entry("acme-de", "a3.csv", "three"),
	} {
		if _, _, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-a")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		partner string
		limit   int
		want    []string
	}{
		{"all partners, newest first", "", 0, []string{"a3.csv", "a2.csv", "g1.xml", "a1.csv"}},
		{"one partner", "acme-de", 0, []string{"a3.csv", "a2.csv", "a1.csv"}},
		{"one partner, limited", "acme-de", 2, []string{"a3.csv", "a2.csv"}},
		{"an unknown partner", "initech", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.ListLedger(t.Context(), tt.partner, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
}

// --- lifecycle ---

func migrateTwice(t *testing.T, s Store) {
	o := fixture(t)
	upsert(t, s, o)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if got := get(t, s, o.Buyer.ID, o.OrderNumber); got.Version != 1 {
		t.Errorf("order version %d after migrating again, want 1", got.Version)
	}
}

func closeTwice(t *testing.T, s Store) {
	if err := s.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// --- helpers ---

// fixture returns a fresh copy of the order in testdata/order-with-scaled-decimals.json.
func fixture(t *testing.T) *canonical.Order {
	t.Helper()
	b, err := testdata.ReadFile("testdata/order-with-scaled-decimals.json")
	if err != nil {
		t.Fatal(err)
	}
	var o canonical.Order
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return &o
}

// small is a one-line order.
func small(buyer, number, supplier string) *canonical.Order {
	return &canonical.Order{
		OrderNumber: number,
		OrderDate:   canonical.NewDate(2026, 3, 2),
		Buyer:       canonical.Party{ID: buyer},
		Supplier:    canonical.Party{ID: supplier},
		Currency:    "EUR",
		Lines: []canonical.OrderLine{{
			LineNumber: 1, SKU: "SKU-1", Quantity: canonical.MustDecimal("1"), Unit: "EA",
			UnitPrice: canonical.MustDecimal("9.99"),
		}},
	}
}

// leaseOf is a lease of a minute for owner.
func leaseOf(owner string) store.Lease { return store.Lease{Owner: owner, TTL: time.Minute} }

func ledgerLeaseHeldByAnother(t *testing.T, s Store) {
	e := entry("acme-de", "orders.csv", "PO-1;BRK-100;120")
	a, _, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-a"))
	if err != nil {
		t.Fatal(err)
	}
	if a.LeaseOwner != "instance-a" || !a.LeaseUntil.After(time.Now().Add(30*time.Second)) {
		t.Errorf("claim holds lease %q until %s; want instance-a for about a minute", a.LeaseOwner, a.LeaseUntil)
	}
	held, ok, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-b"))
	if !errors.Is(err, store.ErrLeased) || ok {
		t.Fatalf("claim by instance-b while instance-a holds the lease: ok %v err %v; want ErrLeased", ok, err)
	}
	if held.LeaseOwner != "instance-a" {
		t.Errorf("a refused claim reports the holder %q; want instance-a", held.LeaseOwner)
	}
	if _, ok, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-a")); err != nil || ok {
		t.Errorf("claim again by the holder: ok %v err %v; want the entry, not new", ok, err)
	}
	if err := s.LedgerRelease(t.Context(), a.ID, "instance-b", false); !errors.Is(err, store.ErrLeased) {
		t.Errorf("release by an instance that does not hold the lease: err = %v, want ErrLeased", err)
	}
	if err := s.LedgerRelease(t.Context(), a.ID, "instance-a", false); err != nil {
		t.Fatalf("release by the holder: %v", err)
	}
	b, ok, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-b"))
	if err != nil || ok || b.ID != a.ID || b.LeaseOwner != "instance-b" {
		t.Errorf("claim after release: entry %d owner %q ok %v err %v; want entry %d leased to instance-b", b.ID, b.LeaseOwner, ok, err, a.ID)
	}
	if !b.SettledAt.IsZero() {
		t.Errorf("an entry released without settling has settled_at %s; want none", b.SettledAt)
	}
}

func ledgerLeaseRunsOut(t *testing.T, s Store) {
	e := entry("acme-de", "orders.csv", "PO-1;BRK-100;120")
	a, _, err := s.LedgerClaim(t.Context(), e, store.Lease{Owner: "crashed-instance", TTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the lease is long over
	b, ok, err := s.LedgerClaim(t.Context(), e, leaseOf("instance-b"))
	if err != nil || ok || b.ID != a.ID || b.Status != store.LedgerProcessing {
		t.Errorf("claim after the holder's lease ran out: entry %d status %q ok %v err %v; want entry %d, still processing", b.ID, b.Status, ok, err, a.ID)
	}
	if err := s.LedgerRenew(t.Context(), a.ID, store.Lease{Owner: "crashed-instance", TTL: time.Minute}); !errors.Is(err, store.ErrLeased) {
		t.Errorf("renew by the instance that lost the lease: err = %v, want ErrLeased", err)
	}
}

func ledgerLeaseRenewAndSettle(t *testing.T, s Store) {
	a, _, err := s.LedgerClaim(t.Context(), entry("acme-de", "orders.csv", "PO-1;BRK-100;120"), store.Lease{Owner: "instance-a", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LedgerRenew(t.Context(), a.ID, store.Lease{Owner: "instance-a", TTL: time.Hour}); err != nil {
		t.Fatalf("renew: %v", err)
	}
	got, err := s.LedgerGet(t.Context(), "acme-de", a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LeaseUntil.After(time.Now().Add(30 * time.Minute)) {
		t.Errorf("renewed lease runs until %s; want about an hour from now", got.LeaseUntil)
	}
	if err := s.LedgerRelease(t.Context(), a.ID, "instance-a", true); err != nil {
		t.Fatalf("release settled: %v", err)
	}
	got, err = s.LedgerGet(t.Context(), "acme-de", a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got.SettledAt.IsZero() || got.LeaseOwner != "" || !got.LeaseUntil.IsZero() {
		t.Errorf("after release settled: settled_at %s, lease %q until %s; want settled, no lease", got.SettledAt, got.LeaseOwner, got.LeaseUntil)
	}
	if err := s.LedgerRenew(t.Context(), 424242, leaseOf("instance-a")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("renew of an unknown id: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.LedgerClaim(t.Context(), entry("acme-de", "x.csv", "x"), store.Lease{Owner: "instance-a"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("claim with no lease time: err = %v, want ErrInvalid", err)
	}
}

// entry is a ledger entry for a file name with the given content.
func entry(partner, name, content string) store.LedgerEntry {
	return store.LedgerEntry{
		Partner: partner, Connector: "supplier_drop", Source: "sftp://" + partner + "/outbox",
		Name: name, SHA256: sha(content), Size: int64(len(content)),
	}
}

// sha is the hex SHA-256 of content.
func sha(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

func upsert(t *testing.T, s Store, orders ...*canonical.Order) []store.Change {
	t.Helper()
	changes, err := s.UpsertOrders(t.Context(), orders)
	if err != nil {
		t.Fatalf("UpsertOrders: %v", err)
	}
	if len(changes) != len(orders) {
		t.Fatalf("UpsertOrders returned %d changes for %d orders", len(changes), len(orders))
	}
	return changes
}

func wantChanges(t *testing.T, got []store.Change, want ...store.Change) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

func get(t *testing.T, s Store, buyer, number string) *store.StoredOrder {
	t.Helper()
	o, err := s.GetOrder(t.Context(), buyer, number)
	if err != nil {
		t.Fatalf("GetOrder(%q, %q): %v", buyer, number, err)
	}
	return o
}

// listAll walks every page of f.
func listAll(t *testing.T, s Store, f store.OrderFilter) []store.StoredOrder {
	t.Helper()
	var all []store.StoredOrder
	for range 1000 {
		list, next, err := s.ListOrders(t.Context(), f)
		if err != nil {
			t.Fatalf("ListOrders(%+v): %v", f, err)
		}
		all = append(all, list...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
	t.Fatal("ListOrders never returned an empty cursor")
	return nil
}

func jsonOf(t *testing.T, o *canonical.Order) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON reports whether a and b are the same JSON value (key order and
// spacing aside: PostgreSQL's jsonb does not keep them).
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Errorf("stored JSON does not decode: %v", err)
		return false
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	return jsonString(t, va) == jsonString(t, vb)
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// --- bank statements ---

// bankPartner is the partner the suite's statements come from.
const bankPartner = "commerzbank"

func statementReadBack(t *testing.T, s Store) {
	st := statementFixture(t)
	wantChanges(t, upsertStatements(t, s, st), store.ChangeInserted)

	got := getStatement(t, s, st)
	if a, b := statementJSON(t, got.Statement), statementJSON(t, st); a != b {
		t.Errorf("stored statement differs from the written one\n got: %s\nwant: %s", a, b)
	}
	for i, want := range []string{"1247.50", "-250.00", "300"} {
		if a := got.Statement.Entries[i].Amount.String(); a != want {
			t.Errorf("entry %d amount = %s, want %s (scale kept)", i+1, a, want)
		}
	}
	for name, d := range map[string]*canonical.Decimal{
		"opening_balance": got.Statement.OpeningBalance, "closing_balance": got.Statement.ClosingBalance,
		"balance_difference": got.Statement.BalanceDifference,
	} {
		want := map[string]string{"opening_balance": "10000.00", "closing_balance": "11297.50", "balance_difference": "0.00"}[name]
		if d == nil || d.String() != want {
			t.Errorf("%s = %v, want %s", name, d, want)
		}
	}
	if got.Version != 1 || got.Partner != bankPartner || got.ID <= 0 {
		t.Errorf("version %d partner %q id %d, want version 1, partner %q and an id", got.Version, got.Partner, got.ID, bankPartner)
	}
	hash, err := store.StatementContentHash(st)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentHash != hash {
		t.Errorf("content hash %q, want store.StatementContentHash %q", got.ContentHash, hash)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("created %v updated %v: want a creation time and no update before it", got.CreatedAt, got.UpdatedAt)
	}
}

func sameStatementTwice(t *testing.T, s Store) {
	st := statementFixture(t)
	upsertStatements(t, s, st)
	first := getStatement(t, s, st)

	wantChanges(t, upsertStatements(t, s, statementFixture(t)), store.ChangeUnchanged)
	again := getStatement(t, s, st)
	if again.Version != 1 || again.ID != first.ID {
		t.Errorf("version %d id %d after the same statement again, want version 1 and id %d", again.Version, again.ID, first.ID)
	}
	if !again.UpdatedAt.Equal(first.UpdatedAt) {
		t.Errorf("updated_at moved from %v to %v on an unchanged write", first.UpdatedAt, again.UpdatedAt)
	}
	if list := listAllStatements(t, s, store.StatementFilter{}); len(list) != 1 {
		t.Errorf("%d statements listed, want 1", len(list))
	}
}

func sameStatementFromAnotherFile(t *testing.T, s Store) {
	upsertStatements(t, s, statementFixture(t))
	other := statementFixture(t)
	other.Source = &canonical.Source{Connector: "bank_statement", Partner: bankPartner, File: "camt053-0303-resent.xml", Segment: "Stmt"}
	hashA, err := store.StatementContentHash(statementFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if hashB, err := store.StatementContentHash(other); err != nil || hashB != hashA {
		t.Errorf("content hash from another file %q (%v), want %q: lineage is not content", hashB, err, hashA)
	}
	wantChanges(t, upsertStatements(t, s, other), store.ChangeUnchanged)
	got := getStatement(t, s, other)
	if got.Version != 1 {
		t.Errorf("version %d, want 1", got.Version)
	}
	if got.Statement.Source == nil || got.Statement.Source.File != "camt053-0303.xml" {
		t.Errorf("source %+v, want the first file kept (nothing written)", got.Statement.Source)
	}
}

func correctedEntry(t *testing.T, s Store) {
	st := statementFixture(t)
	upsertStatements(t, s, st)
	first := getStatement(t, s, st)

	// The bank corrects a typo in the first credit (1247.50 → 1274.50) and
	// withdraws the third entry; the closing balance follows.
	corrected := statementFixture(t)
	corrected.Entries[0].Amount = canonical.MustDecimal("1274.50")
	corrected.Entries = corrected.Entries[:2]
	closing := canonical.MustDecimal("11024.50")
	corrected.ClosingBalance = &closing
	corrected.Balances[1].Amount = closing
	corrected.Totals.CreditCount, corrected.Totals.CreditAmount = 1, ptr(canonical.MustDecimal("1274.50"))
	if err := corrected.Validate(); err != nil {
		t.Fatalf("the corrected statement is not valid: %v", err)
	}
	wantChanges(t, upsertStatements(t, s, corrected), store.ChangeUpdated)

	got := getStatement(t, s, st) // a store that left the withdrawn entry behind fails here
	if got.Version != 2 || got.ID != first.ID {
		t.Errorf("version %d id %d, want version 2 of statement %d", got.Version, got.ID, first.ID)
	}
	if a, b := statementJSON(t, got.Statement), statementJSON(t, corrected); a != b {
		t.Errorf("stored statement is not the corrected one\n got: %s\nwant: %s", a, b)
	}
	if n := len(got.Statement.Entries); n != 2 || got.Statement.Entries[0].Amount.String() != "1274.50" {
		t.Errorf("%d entries, first %s; want 2 entries, the first 1274.50", n, got.Statement.Entries[0].Amount)
	}
	if got.ContentHash == first.ContentHash {
		t.Error("content hash did not change with the content")
	}
	if !got.CreatedAt.Equal(first.CreatedAt) || got.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("created %v→%v updated %v→%v: creation must stay, update must not go back",
			first.CreatedAt, got.CreatedAt, first.UpdatedAt, got.UpdatedAt)
	}
	// Listing reads every statement with its entries too.
	if list := listAllStatements(t, s, store.StatementFilter{}); len(list) != 1 || len(list[0].Statement.Entries) != 2 {
		t.Errorf("listed %d statements, want the one corrected statement with 2 entries", len(list))
	}
	// Back to the original: version 3, three entries again.
	wantChanges(t, upsertStatements(t, s, statementFixture(t)), store.ChangeUpdated)
	if got := getStatement(t, s, st); got.Version != 3 || len(got.Statement.Entries) != 3 {
		t.Errorf("version %d with %d entries after the original again, want version 3 with 3", got.Version, len(got.Statement.Entries))
	}
}

func sameStatementTwiceInBatch(t *testing.T, s Store) {
	early, later := statementFixture(t), statementFixture(t)
	early.Entries[0].RemittanceInfo = "INV-4711 (draft)"
	other := smallStatement("GB29NWBK60161331926819", "", "STMT-OTHER", canonical.NewDate(2026, 3, 3), false)
	wantChanges(t, upsertStatements(t, s, early, other, later),
		store.ChangeUnchanged, store.ChangeInserted, store.ChangeInserted)
	got := getStatement(t, s, later)
	if a, b := statementJSON(t, got.Statement), statementJSON(t, later); a != b || got.Version != 1 {
		t.Errorf("stored version %d\n got: %s\nwant the later one, version 1: %s", got.Version, a, b)
	}
}

func sameStatementIDTwoAccounts(t *testing.T, s Store) {
	date := canonical.NewDate(2026, 3, 3)
	byIBAN := smallStatement("DE89370400440532013000", "", "STMT-1", date, false)
	byNumber := smallStatement("", "0532013000", "STMT-1", date, false)
	byNumber.Entries[0].RemittanceInfo = "another payment"
	otherSequence := smallStatement("DE89370400440532013000", "", "STMT-1", date, false)
	otherSequence.SequenceNumber = "2"
	wantChanges(t, upsertStatements(t, s, byIBAN, byNumber, otherSequence),
		store.ChangeInserted, store.ChangeInserted, store.ChangeInserted)

	a := getStatement(t, s, byIBAN)
	b := getStatement(t, s, byNumber)
	c := getStatement(t, s, otherSequence)
	if a.ID == b.ID || a.ID == c.ID || b.ID == c.ID {
		t.Errorf("ids %d, %d, %d; want three statements", a.ID, b.ID, c.ID)
	}
	if b.Statement.Account.Number != "0532013000" || b.Statement.Entries[0].RemittanceInfo != "another payment" {
		t.Errorf("statement of the account by number: %+v", b.Statement.Account)
	}
	if list := listAllStatements(t, s, store.StatementFilter{AccountKey: "0532013000"}); len(list) != 1 {
		t.Errorf("%d statements for the account by number, want 1", len(list))
	}
	if list := listAllStatements(t, s, store.StatementFilter{AccountKey: "DE89370400440532013000"}); len(list) != 2 {
		t.Errorf("%d statements for the IBAN, want 2 (two sequence numbers)", len(list))
	}
}

func mismatchStatement(t *testing.T, s Store) {
	st := statementFixture(t)
	closing := canonical.MustDecimal("11300.00") // the bank's closing is 2.50 above its entries
	st.ClosingBalance = &closing
	st.Balances[1].Amount = closing
	st.BalanceCheck = canonical.BalanceMismatch
	st.BalanceDifference = ptr(canonical.MustDecimal("2.50"))
	wantChanges(t, upsertStatements(t, s, st), store.ChangeInserted)

	got := getStatement(t, s, st)
	if got.Statement.BalanceCheck != canonical.BalanceMismatch || got.Statement.BalanceDifference == nil ||
		got.Statement.BalanceDifference.String() != "2.50" || got.Statement.ClosingBalance.String() != "11300.00" {
		t.Errorf("balance_check %q difference %v closing %v; want mismatch 2.50 11300.00",
			got.Statement.BalanceCheck, got.Statement.BalanceDifference, got.Statement.ClosingBalance)
	}
	if a, b := statementJSON(t, got.Statement), statementJSON(t, st); a != b {
		t.Errorf("stored statement differs from the written one\n got: %s\nwant: %s", a, b)
	}
}

func refusedStatements(t *testing.T, s Store) {
	tests := []struct {
		name    string
		breakIt func(st *canonical.BankStatement)
	}{
		{"a statement without an account", func(st *canonical.BankStatement) { st.Account = canonical.BankAccount{} }},
		{"a statement with an IBAN that fails its check digits", func(st *canonical.BankStatement) { st.Account.IBAN = "DE89370400440532013001" }},
		{"a statement marked ok whose entries do not add up", func(st *canonical.BankStatement) {
			st.Entries[0].Amount = canonical.MustDecimal("1247.00")
			st.BalanceDifference = nil
		}},
		{"a statement with a dollar entry on a euro account", func(st *canonical.BankStatement) { st.Entries[2].Currency = "USD" }},
		{"a statement with a NUL character in a remittance", func(st *canonical.BankStatement) { st.Entries[0].RemittanceInfo = "INV\x004711" }},
		{"a statement with invalid UTF-8 in a counterparty name", func(st *canonical.BankStatement) { st.Entries[1].Counterparty.Name = "Shenzhen\xff" }},
		{"a statement closing before it opens", func(st *canonical.BankStatement) { st.ClosingDate = canonical.NewDate(2026, 3, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			good := smallStatement("GB29NWBK60161331926819", "", "STMT-GOOD-"+tt.name, canonical.NewDate(2026, 3, 3), false)
			bad := statementFixture(t)
			bad.StatementID = "STMT-BAD-" + tt.name
			tt.breakIt(bad)
			_, err := s.UpsertStatements(t.Context(), bankPartner, []*canonical.BankStatement{good, bad})
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ie *store.InvalidStatementError
			if !errors.As(err, &ie) || ie.Index != 1 || ie.StatementID != bad.StatementID {
				t.Fatalf("err = %v, want an InvalidStatementError naming statement 1 (%q) of the batch", err, bad.StatementID)
			}
			if strings.Contains(err.Error(), "DE8937040044053201300") {
				t.Errorf("the error shows the account's IBAN: %v", err)
			}
			if _, err := s.GetStatement(t.Context(), good.Account.AccountKey(), good.StatementID, ""); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the good statement of the refused batch: err = %v, want ErrNotFound (nothing written)", err)
			}
		})
	}
	t.Run("a statement without a statement id is refused", func(t *testing.T) {
		bad := statementFixture(t)
		bad.StatementID = ""
		_, err := s.UpsertStatements(t.Context(), bankPartner, []*canonical.BankStatement{bad})
		var ie *store.InvalidStatementError
		if !errors.As(err, &ie) || ie.Index != 0 {
			t.Fatalf("err = %v, want an InvalidStatementError naming statement 0", err)
		}
	})
	t.Run("a nil statement is refused", func(t *testing.T) {
		_, err := s.UpsertStatements(t.Context(), bankPartner, []*canonical.BankStatement{nil})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("an empty batch succeeds and stores nothing", func(t *testing.T) {
		changes, err := s.UpsertStatements(t.Context(), bankPartner, nil)
		if err != nil || len(changes) != 0 {
			t.Fatalf("UpsertStatements(nil) = %v, %v; want no changes and no error", changes, err)
		}
	})
	if list := listAllStatements(t, s, store.StatementFilter{}); len(list) != 0 {
		t.Errorf("%d statements stored after refused batches, want 0", len(list))
	}
}

func listStatements(t *testing.T, s Store) {
	const ibanA, numberB = "DE89370400440532013000", "0532013000"
	// One batch each: which statement of a batch is the newer one is the
	// store's choice (PostgreSQL writes a batch in key order).
	for _, st := range []*canonical.BankStatement{
		smallStatement(ibanA, "", "A-1", canonical.NewDate(2026, 3, 1), false),
		smallStatement(ibanA, "", "A-2", canonical.NewDate(2026, 3, 2), true),
		smallStatement("", numberB, "B-1", canonical.NewDate(2026, 3, 2), true),
		smallStatement(ibanA, "", "A-3", canonical.NewDate(2026, 3, 3), false),
		smallStatement(ibanA, "", "A-NODATE", canonical.Date{}, false),
	} {
		upsertStatements(t, s, st)
	}
	mar := func(day int) canonical.Date { return canonical.NewDate(2026, 3, day) }
	tests := []struct {
		name   string
		filter store.StatementFilter
		want   []string // statement ids, newest first
	}{
		{"no filter lists every statement", store.StatementFilter{}, []string{"A-NODATE", "A-3", "B-1", "A-2", "A-1"}},
		{"an account lists its statements", store.StatementFilter{AccountKey: ibanA}, []string{"A-NODATE", "A-3", "A-2", "A-1"}},
		{"an account by number lists its statements", store.StatementFilter{AccountKey: numberB}, []string{"B-1"}},
		{"closing from a date on", store.StatementFilter{AccountKey: ibanA, From: mar(2)}, []string{"A-3", "A-2"}},
		{"closing up to a date", store.StatementFilter{AccountKey: ibanA, To: mar(2)}, []string{"A-2", "A-1"}},
		{"closing on one day, every account", store.StatementFilter{From: mar(2), To: mar(2)}, []string{"B-1", "A-2"}},
		{"balance mismatches", store.StatementFilter{BalanceCheck: string(canonical.BalanceMismatch)}, []string{"B-1", "A-2"}},
		{"balance mismatches of one account", store.StatementFilter{BalanceCheck: "mismatch", AccountKey: numberB}, []string{"B-1"}},
		{"balances that add up, in a date range", store.StatementFilter{BalanceCheck: "ok", From: mar(1), To: mar(3)}, []string{"A-3", "A-1"}},
		{"an unknown account lists nothing", store.StatementFilter{AccountKey: "GB29NWBK60161331926819"}, nil},
		{"a range without statements lists nothing", store.StatementFilter{From: mar(10)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{0, 1, 2} {
				f := tt.filter
				f.Limit = limit
				var got []string
				for _, st := range listAllStatements(t, s, f) {
					got = append(got, st.Statement.StatementID)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("pages of %d: listed %v, want %v", limit, got, tt.want)
				}
			}
		})
	}
	t.Run("pages of one hold one statement and name the next", func(t *testing.T) {
		list, next, err := s.ListStatements(t.Context(), store.StatementFilter{AccountKey: ibanA, Limit: 1})
		if err != nil || len(list) != 1 || next == "" {
			t.Fatalf("first page: %d statements, next %q, err %v; want 1 and a cursor", len(list), next, err)
		}
		list, next, err = s.ListStatements(t.Context(), store.StatementFilter{AccountKey: ibanA, Limit: 4})
		if err != nil || len(list) != 4 || next != "" {
			t.Errorf("one page of all 4: %d statements, next %q, err %v; want 4 and no cursor", len(list), next, err)
		}
	})
	t.Run("a malformed cursor is refused as invalid", func(t *testing.T) {
		if _, _, err := s.ListStatements(t.Context(), store.StatementFilter{Cursor: "not-a-cursor"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

func statementWithoutEntries(t *testing.T, s Store) {
	// A day without movements: the balance carries over.
	balance := canonical.MustDecimal("500.00")
	st := &canonical.BankStatement{
		StatementID: "STMT-QUIET", StatementType: canonical.StatementEndOfDay,
		Account:        canonical.BankAccount{IBAN: "DE89370400440532013000", Currency: "EUR"},
		OpeningBalance: &balance, ClosingBalance: &balance,
		OpeningDate: canonical.NewDate(2026, 3, 7), ClosingDate: canonical.NewDate(2026, 3, 7),
		BalanceCheck: canonical.BalanceOK, BalanceDifference: ptr(canonical.MustDecimal("0.00")),
	}
	wantChanges(t, upsertStatements(t, s, st), store.ChangeInserted)
	got := getStatement(t, s, st)
	if len(got.Statement.Entries) != 0 || got.Statement.ClosingBalance == nil || got.Statement.ClosingBalance.String() != "500.00" {
		t.Errorf("%d entries, closing %v; want none and 500.00", len(got.Statement.Entries), got.Statement.ClosingBalance)
	}
	if a, b := statementJSON(t, got.Statement), statementJSON(t, st); a != b {
		t.Errorf("stored statement differs from the written one\n got: %s\nwant: %s", a, b)
	}
	wantChanges(t, upsertStatements(t, s, st), store.ChangeUnchanged)
}

func missingStatement(t *testing.T, s Store) {
	st := statementFixture(t)
	upsertStatements(t, s, st)
	for _, k := range [][3]string{
		{"DE89370400440532013000", "STMT-2026-061", ""},     // without its sequence number
		{"DE89370400440532013000", "STMT-2026-062", "61/1"}, // another statement id
		{"GB29NWBK60161331926819", "STMT-2026-061", "61/1"}, // another account
		{"0532013000", "STMT-2026-061", "61/1"},             // the account's number is not its key
	} {
		_, err := s.GetStatement(t.Context(), k[0], k[1], k[2])
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetStatement(%q, %q, %q): err = %v, want ErrNotFound", k[0], k[1], k[2], err)
		}
		if err != nil && strings.Contains(err.Error(), k[0]) {
			t.Errorf("the error shows the account in full: %v", err)
		}
	}
}

// statementFixture returns a fresh copy of the statement in
// testdata/statement-with-scaled-decimals.json.
func statementFixture(t *testing.T) *canonical.BankStatement {
	t.Helper()
	b, err := testdata.ReadFile("testdata/statement-with-scaled-decimals.json")
	if err != nil {
		t.Fatal(err)
	}
	var st canonical.BankStatement
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("statement fixture: %v", err)
	}
	return &st
}

// smallStatement is a one-entry statement of an account by IBAN or by number
// closing on closing (the zero date for none): 100.00 + 25.00 = 125.00, or
// a closing balance of 130.00 when mismatch.
func smallStatement(iban, number, id string, closing canonical.Date, mismatch bool) *canonical.BankStatement {
	st := &canonical.BankStatement{
		StatementID:    id,
		Account:        canonical.BankAccount{IBAN: iban, Number: number, Currency: "EUR"},
		OpeningBalance: ptr(canonical.MustDecimal("100.00")),
		ClosingBalance: ptr(canonical.MustDecimal("125.00")),
		ClosingDate:    closing,
		Entries: []canonical.BankTransaction{{
			Amount: canonical.MustDecimal("25.00"), Currency: "EUR", BookingDate: closing,
			EndToEndID: "E2E-" + id, RemittanceInfo: "INV-" + id,
		}},
	}
	if mismatch {
		st.ClosingBalance = ptr(canonical.MustDecimal("130.00"))
	}
	st.SetBalanceCheck()
	return st
}

func ptr[T any](v T) *T { return &v }

func upsertStatements(t *testing.T, s Store, statements ...*canonical.BankStatement) []store.Change {
	t.Helper()
	changes, err := s.UpsertStatements(t.Context(), bankPartner, statements)
	if err != nil {
		t.Fatalf("UpsertStatements: %v", err)
	}
	if len(changes) != len(statements) {
		t.Fatalf("UpsertStatements returned %d changes for %d statements", len(changes), len(statements))
	}
	return changes
}

func getStatement(t *testing.T, s Store, st *canonical.BankStatement) *store.StoredStatement {
	t.Helper()
	got, err := s.GetStatement(t.Context(), st.Account.AccountKey(), st.StatementID, st.SequenceNumber)
	if err != nil {
		t.Fatalf("GetStatement(%q, %q): %v", st.StatementID, st.SequenceNumber, err)
	}
	return got
}

// listAllStatements walks every page of f.
func listAllStatements(t *testing.T, s Store, f store.StatementFilter) []store.StoredStatement {
	t.Helper()
	var all []store.StoredStatement
	for range 1000 {
		list, next, err := s.ListStatements(t.Context(), f)
		if err != nil {
			t.Fatalf("ListStatements(%+v): %v", f, err)
		}
		all = append(all, list...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
	t.Fatal("ListStatements never returned an empty cursor")
	return nil
}

func statementJSON(t *testing.T, st *canonical.BankStatement) string {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func concurrentStatements(t *testing.T, s Store) {
	const workers = 6
	var (
		mu       sync.Mutex
		inserted int
		errs     []error
		wg       sync.WaitGroup
	)
	for range workers {
		st := statementFixture(t) // each delivery decodes its own copy
		wg.Go(func() {
			changes, err := s.UpsertStatements(t.Context(), bankPartner, []*canonical.BankStatement{st})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if changes[0] == store.ChangeInserted {
				inserted++
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("UpsertStatements: %v", err)
	}
	if inserted != 1 {
		t.Errorf("%d deliveries reported an insert, want 1", inserted)
	}
	st := statementFixture(t)
	if got := getStatement(t, s, st); got.Version != 1 || len(got.Statement.Entries) != 3 {
		t.Errorf("version %d with %d entries, want version 1 with 3", got.Version, len(got.Statement.Entries))
	}
}

// --- fx rates ---

// fxRate is a rate of the ECB files: units of cur per 1 EUR on date.
func fxRate(date, cur, perEUR string) fxrates.Rate {
	return fxrates.Rate{Date: mustDate(date), Currency: canonical.Currency(cur), PerEUR: canonical.MustDecimal(perEUR)}
}

func mustDate(s string) canonical.Date {
	d, err := canonical.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// fxFile is two days of a reference rate file, in the file's order.
func fxFile() []fxrates.Rate {
	return []fxrates.Rate{
		fxRate("2026-03-02", "USD", "1.0812"),
		fxRate("2026-03-02", "JPY", "150.90"),
		fxRate("2026-03-02", "GBP", "0.83510"),
		fxRate("2026-03-02", "IDR", "17042.10"),
		fxRate("2026-02-27", "USD", "1.0790"),
		fxRate("2026-02-27", "JPY", "161.2"),
		fxRate("2026-02-27", "GBP", "0.8347"),
	}
}

func upsertFX(t *testing.T, s Store, source string, rates []fxrates.Rate) (inserted, updated int) {
	t.Helper()
	ins, upd, err := s.UpsertFXRates(t.Context(), source, rates)
	if err != nil {
		t.Fatalf("UpsertFXRates: %v", err)
	}
	return ins, upd
}

func fxRatesOf(t *testing.T, s Store, date string) []fxrates.Rate {
	t.Helper()
	rates, err := s.FXRates(t.Context(), mustDate(date))
	if err != nil {
		t.Fatalf("FXRates(%s): %v", date, err)
	}
	return rates
}

// fxText prints rates as "2026-03-02 GBP 0.83510", one a line, digits as stored.
func fxText(rates []fxrates.Rate) string {
	var b strings.Builder
	for _, r := range rates {
		fmt.Fprintf(&b, "%s %s %s\n", r.Date, r.Currency, r.PerEUR)
	}
	return b.String()
}

func fxRatesReadBack(t *testing.T, s Store) {
	if ins, upd := upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile()); ins != 7 || upd != 0 {
		t.Errorf("first load: %d inserted, %d updated, want 7 and 0", ins, upd)
	}
	got := fxText(fxRatesOf(t, s, "2026-03-02"))
	want := "2026-03-02 GBP 0.83510\n2026-03-02 IDR 17042.10\n2026-03-02 JPY 150.90\n2026-03-02 USD 1.0812\n"
	if got != want {
		t.Errorf("rates of 2026-03-02 (sorted by currency, digits as published):\n%s\nwant:\n%s", got, want)
	}
	got = fxText(fxRatesOf(t, s, "2026-02-27"))
	want = "2026-02-27 GBP 0.8347\n2026-02-27 JPY 161.2\n2026-02-27 USD 1.0790\n"
	if got != want {
		t.Errorf("rates of 2026-02-27:\n%s\nwant:\n%s", got, want)
	}
}

func fxRatesSameFileTwice(t *testing.T, s Store) {
	upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile())
	before := fxText(fxRatesOf(t, s, "2026-03-02"))
	if ins, upd := upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile()); ins != 0 || upd != 0 {
		t.Errorf("same file again: %d inserted, %d updated, want 0 and 0", ins, upd)
	}
	// The daily file publishes the same figures as the history: nothing changes either.
	daily := fxFile()[:4]
	if ins, upd := upsertFX(t, s, "eurofxref-daily.xml", daily); ins != 0 || upd != 0 {
		t.Errorf("daily file after the history: %d inserted, %d updated, want 0 and 0", ins, upd)
	}
	if after := fxText(fxRatesOf(t, s, "2026-03-02")); after != before {
		t.Errorf("rates changed on a reload:\n%s\nwant:\n%s", after, before)
	}
}

func fxRateCorrected(t *testing.T, s Store) {
	upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile())
	corrected := fxFile()
	corrected[1] = fxRate("2026-03-02", "JPY", "150.95")
	corrected = append(corrected, fxRate("2026-03-02", "CHF", "0.9421"))
	if ins, upd := upsertFX(t, s, "eurofxref-hist-90d.xml", corrected); ins != 1 || upd != 1 {
		t.Errorf("corrected file: %d inserted, %d updated, want 1 (CHF) and 1 (JPY)", ins, upd)
	}
	got := fxText(fxRatesOf(t, s, "2026-03-02"))
	want := "2026-03-02 CHF 0.9421\n2026-03-02 GBP 0.83510\n2026-03-02 IDR 17042.10\n2026-03-02 JPY 150.95\n2026-03-02 USD 1.0812\n"
	if got != want {
		t.Errorf("rates after the correction:\n%s\nwant:\n%s", got, want)
	}
	// Within one batch the last rate of a key wins.
	twice := []fxrates.Rate{fxRate("2026-03-02", "JPY", "151.00"), fxRate("2026-03-02", "JPY", "150.97")}
	if ins, upd := upsertFX(t, s, "manual", twice); ins != 0 || upd != 1 {
		t.Errorf("one key twice in a batch: %d inserted, %d updated, want 0 and 1", ins, upd)
	}
	for _, r := range fxRatesOf(t, s, "2026-03-02") {
		if r.Currency == "JPY" && r.PerEUR.String() != "150.97" {
			t.Errorf("JPY %s after a batch with 151.00 then 150.97, want the later 150.97", r.PerEUR)
		}
	}
}

func fxRatesMissingDate(t *testing.T, s Store) {
	upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile())
	for _, day := range []string{"2026-02-28", "2026-03-01", "2020-01-01"} { // a weekend, and a date not loaded
		rates := fxRatesOf(t, s, day)
		if rates == nil || len(rates) != 0 {
			t.Errorf("FXRates(%s) = %#v, want an empty, non-nil slice", day, rates)
		}
	}
	table, err := s.LoadFXTable(t.Context(), mustDate("2020-01-01"), mustDate("2020-12-31"))
	if err != nil {
		t.Fatalf("LoadFXTable of a year without rates: %v", err)
	}
	if table.Len() != 0 {
		t.Errorf("table of a year without rates holds %d rates, want 0", table.Len())
	}
}

func fxRatesRefused(t *testing.T, s Store) {
	bad := map[string]fxrates.Rate{
		"a zero rate":         fxRate("2026-03-02", "CHF", "0"),
		"a negative rate":     fxRate("2026-03-02", "CHF", "-0.94"),
		"an unknown currency": fxRate("2026-03-02", "XYZ", "1.5"),
		"a EUR rate not 1":    fxRate("2026-03-02", "EUR", "1.01"),
		"an impossible date":  {Date: canonical.NewDate(2026, 2, 30), Currency: "CHF", PerEUR: canonical.MustDecimal("0.94")},
	}
	for name, r := range bad {
		rates := append(fxFile(), r)
		ins, upd, err := s.UpsertFXRates(t.Context(), "bad.xml", rates)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: err = %v (%d inserted, %d updated), want ErrInvalid", name, err, ins, upd)
		}
		if err != nil && !strings.Contains(err.Error(), "rate 7") {
			t.Errorf("%s: error %q does not name rate 7", name, err)
		}
	}
	if rates := fxRatesOf(t, s, "2026-03-02"); len(rates) != 0 {
		t.Errorf("refused batches stored %d rates, want none:\n%s", len(rates), fxText(rates))
	}
	if _, err := s.FXRates(t.Context(), canonical.Date{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("FXRates of the zero date: err = %v, want ErrInvalid", err)
	}
}

func fxTableConverts(t *testing.T, s Store) {
	upsertFX(t, s, "eurofxref-hist-90d.xml", fxFile())
	upsertFX(t, s, "eurofxref-hist-90d.xml", []fxrates.Rate{fxRate("2026-01-15", "USD", "1.1")}) // outside the range below

	want := fxrates.NewTable()
	for _, r := range fxFile() {
		if err := want.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LoadFXTable(t.Context(), mustDate("2026-02-01"), mustDate("2026-03-02"))
	if err != nil {
		t.Fatalf("LoadFXTable: %v", err)
	}
	if got.Len() != want.Len() {
		t.Errorf("loaded table holds %d rates, want %d (both bounds included, 2026-01-15 left out)", got.Len(), want.Len())
	}
	for _, c := range []struct {
		date, amount, from, to, result string
	}{
		{"2026-03-02", "1000.00", "USD", "JPY", "139567"},
		{"2026-02-27", "1000.00", "USD", "JPY", "149398"},
		{"2026-03-02", "99.99", "JPY", "USD", "0.72"},
		{"2026-03-02", "250.00", "GBP", "EUR", "299.37"},
	} {
		amount := canonical.MustDecimal(c.amount)
		day := mustDate(c.date)
		w, err := want.Convert(amount, canonical.Currency(c.from), canonical.Currency(c.to), day)
		if err != nil {
			t.Fatal(err)
		}
		g, err := got.Convert(amount, canonical.Currency(c.from), canonical.Currency(c.to), day)
		if err != nil {
			t.Errorf("%s %s→%s on %s: %v", c.amount, c.from, c.to, c.date, err)
			continue
		}
		if g.String() != w.String() || g.String() != c.result {
			t.Errorf("%s %s→%s on %s = %s, file table gives %s, want %s", c.amount, c.from, c.to, c.date, g, w, c.result)
		}
	}
	if _, err := got.Rate(mustDate("2026-01-15"), "USD"); err == nil {
		t.Error("a rate before from was loaded")
	}
	all, err := s.LoadFXTable(t.Context(), canonical.Date{}, canonical.Date{})
	if err != nil {
		t.Fatalf("LoadFXTable without bounds: %v", err)
	}
	if all.Len() != want.Len()+1 {
		t.Errorf("unbounded table holds %d rates, want %d", all.Len(), want.Len()+1)
	}
}

func fxRatesBulk(t *testing.T, s Store) {
	currencies := []canonical.Currency{"USD", "JPY", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF",
		"ISK", "NOK", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW",
		"MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR"}
	var rates []fxrates.Rate
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; len(rates) < 10000; i++ {
		d := canonical.DateOf(day.AddDate(0, 0, -i))
		for j, c := range currencies {
			if len(rates) == 10000 {
				break
			}
			v := decimal.New(int64(10000+(i*7919+j*104729)%90000), -4)
			rates = append(rates, fxrates.Rate{Date: d, Currency: c, PerEUR: canonical.NewDecimal(v)})
		}
	}
	if ins, upd := upsertFX(t, s, "eurofxref-hist.xml", rates); ins != 10000 || upd != 0 {
		t.Fatalf("bulk load: %d inserted, %d updated, want 10000 and 0", ins, upd)
	}
	if ins, upd := upsertFX(t, s, "eurofxref-hist.xml", rates); ins != 0 || upd != 0 {
		t.Errorf("bulk load again: %d inserted, %d updated, want 0 and 0", ins, upd)
	}
	table, err := s.LoadFXTable(t.Context(), canonical.Date{}, canonical.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if table.Len() != 10000 {
		t.Errorf("table holds %d rates, want 10000", table.Len())
	}
	last := rates[len(rates)-1]
	if v, err := table.Rate(last.Date, last.Currency); err != nil || v.String() != last.PerEUR.String() {
		t.Errorf("last rate of the batch reads back as %s (%v), want %s", v, err, last.PerEUR)
	}
}
