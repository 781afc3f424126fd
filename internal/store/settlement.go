package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/procurehub/procurehub/canonical"
)

// --- settlement: invoices, payment requests, bank reconciliation ---
//
// A supplier invoice (procurehub.invoices.v1) is keyed by (supplier id,
// invoice number) and, like an order, written only when its content hash
// changed. Beside the invoice the store keeps what settlement decided about
// it: the three-way match (its status and result), the finance users'
// overrides, and how much of it the bank has paid. Payment requests are the
// stages of an order's payment plan, each approved (or not) by finance users
// and settled by bank entries. A bank entry (a row of a stored statement) is
// reconciled once: an automatic match or a finance user's manual match is
// never overwritten by a later run.

// Match statuses of an invoice (StoredInvoice.MatchStatus). "" until matched.
const (
	InvoiceMatched         = "matched"
	InvoiceWithinTolerance = "matched_within_tolerance"
	InvoiceMismatch        = "mismatch"
	InvoiceOverridden      = "overridden"
)

// Settlement statuses of an invoice and of a payment request: how much of it
// the bank has paid.
const (
	SettlementUnmatched  = "unmatched"
	SettlementPartial    = "partially_reconciled"
	SettlementReconciled = "reconciled"
)

// StoredInvoice is a supplier invoice as the store keeps it.
type StoredInvoice struct {
	Partner     string             // the partner of the last write of its content
	Invoice     *canonical.Invoice // as last written, lineage (Source) included
	ContentHash string             // hex SHA-256 of InvoiceContent(Invoice)
	Version     int                // 1 when inserted, +1 on every change of content
	// MatchStatus is the three-way match's verdict (Invoice* above), "" until
	// SetInvoiceMatch; Match its full result as JSON (match.Result).
	MatchStatus string
	Match       json.RawMessage
	// Overrides are the finance users' overrides, oldest first, as JSON
	// objects (match.Override) in one array; nil when none.
	Overrides json.RawMessage
	// Settlement is Settlement* above; Paid what the bank entries allocated
	// to it so far, in the invoice currency; PaidAt when it became
	// reconciled (nil until then); AutoMatched whether every allocation was
	// automatic.
	Settlement  string
	Paid        canonical.Decimal
	PaidAt      *time.Time
	AutoMatched bool
	CreatedAt   time.Time // first received: the start of the settlement cycle
	UpdatedAt   time.Time // last change of content, match or settlement
}

// InvoiceFilter selects invoices for ListInvoices. Empty fields match
// everything.
type InvoiceFilter struct {
	SupplierID  string
	BuyerID     string
	OrderNumber string // one of the invoice's order numbers
	MatchStatus string
	Settlement  string
	// Open lists only invoices whose Settlement is not reconciled.
	Open   bool
	Limit  int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor string // opaque, the nextCursor of the previous page; "" for the first page
}

// InvalidInvoiceError names the invoice of an UpsertInvoices batch that the
// store refused; nothing of that batch was written. errors.Is(err,
// ErrInvalid) holds.
type InvalidInvoiceError struct {
	Index         int
	SupplierID    string
	InvoiceNumber string
	Reason        string
}

func (e *InvalidInvoiceError) Error() string {
	return fmt.Sprintf("invoice %d (supplier %q, invoice %q): %s", e.Index, e.SupplierID, e.InvoiceNumber, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidInvoiceError) Is(target error) bool { return target == ErrInvalid }

// InvoiceContent returns the canonical JSON of inv without its lineage: the
// bytes whose hash decides whether an invoice changed.
func InvoiceContent(inv *canonical.Invoice) ([]byte, error) {
	c := *inv
	c.Source = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("store: invoice content: %w", err)
	}
	return b, nil
}

// CheckInvoices validates a batch for UpsertInvoices: each invoice must
// have a supplier id and an invoice number a text column takes, and pass
// canonical validation. It returns the content of each, or an
// *InvalidInvoiceError.
func CheckInvoices(invs []*canonical.Invoice) ([][]byte, error) {
	out := make([][]byte, len(invs))
	for i, inv := range invs {
		if inv == nil {
			return nil, &InvalidInvoiceError{Index: i, Reason: "nil invoice"}
		}
		invalid := func(reason string) error {
			return &InvalidInvoiceError{Index: i, SupplierID: printable(inv.Supplier.ID), InvoiceNumber: printable(inv.InvoiceNumber), Reason: reason}
		}
		switch {
		case inv.Supplier.ID == "":
			return nil, invalid("no supplier id")
		case inv.InvoiceNumber == "":
			return nil, invalid("no invoice number")
		case !storableText(inv.Supplier.ID) || !storableText(inv.InvoiceNumber):
			return nil, invalid("supplier id or invoice number is not storable text")
		}
		if err := inv.Validate(); err != nil {
			return nil, invalid(err.Error())
		}
		b, err := InvoiceContent(inv)
		if err != nil {
			return nil, invalid(err.Error())
		}
		out[i] = b
	}
	return out, nil
}

// Payment request statuses.
const (
	PaymentPlanned  = "planned"  // in the plan, not yet asked for
	PaymentPending  = "pending"  // asked for, waiting for approval
	PaymentApproved = "approved" // every approval it needs is given
	PaymentRejected = "rejected"
	PaymentBlocked  = "blocked" // held: a mismatch, a missing document or a risk alert
	PaymentPaid     = "paid"    // the bank shows it paid (reconciled)
)

// PaymentRequest is one stage of an order's payment plan: an amount due to
// the supplier on a date, against documents, approved by finance users.
type PaymentRequest struct {
	// ID is PaymentRequestID(BuyerID, OrderNumber, Sequence): the same plan
	// built twice is the same requests.
	ID            string
	BuyerID       string
	OrderNumber   string
	SupplierID    string
	Sequence      int    // 1-based position in the plan
	Stage         string // deposit, balance or payment (match.Stage*)
	Amount        canonical.Decimal
	Currency      canonical.Currency
	DueDate       canonical.Date    // zero when it waits for an event (shipment, B/L)
	Documents     []string          // document types the stage needs
	InvoiceNumber string            // the invoice it pays, "" before one is known
	EndToEndID    string            // quoted on the payment, found again on the statement
	Status        string            // Payment* above
	BlockedReason string            // why it is blocked, "" otherwise
	CreatedBy     string            // who asked for it; never one of its approvers
	Approvals     []PaymentApproval // oldest first
	Recommended   json.RawMessage   // the pay-date recommendation (plan.Recommendation), nil until made
	Paid          canonical.Decimal // allocated by bank entries
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PaymentApproval is one finance user's decision on a payment request.
type PaymentApproval struct {
	By       string    `json:"by"`
	Decision string    `json:"decision"` // approve or reject
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// PaymentRequestID is the id of the seq-th request of an order's plan.
func PaymentRequestID(buyerID, orderNumber string, seq int) string {
	sum := sha256.Sum256([]byte(buyerID + "\x00" + orderNumber + "\x00" + strconv.Itoa(seq)))
	return "PR-" + hex.EncodeToString(sum[:8])
}

// PaymentRequestFilter selects requests for ListPaymentRequests. Empty
// fields match everything.
type PaymentRequestFilter struct {
	BuyerID     string
	SupplierID  string
	OrderNumber string
	Status      string
	Limit       int
	Cursor      string
}

// BankEntryID is the stable id of the index-th (1-based) entry of a stored
// statement: it does not show the account number.
func BankEntryID(accountKey, statementID, sequenceNumber string, index int) string {
	sum := sha256.Sum256([]byte(accountKey + "\x00" + statementID + "\x00" + sequenceNumber + "\x00" + strconv.Itoa(index)))
	return "BE-" + hex.EncodeToString(sum[:8])
}

// Reconciliation statuses of a bank entry.
const (
	EntryUnmatched = "unmatched" // no match yet; Suggestions may name candidates
	EntryMatched   = "matched"   // matched automatically
	EntryManual    = "manual"    // matched by a finance user
	EntryIgnored   = "ignored"   // not a settlement (fees, transfers): a finance user said so
)

// BankEntry is one entry of a stored statement with its reconciliation.
type BankEntry struct {
	ID          string // BankEntryID
	AccountKey  string
	StatementID string
	Index       int
	Transaction canonical.BankTransaction
	// Reconciliation; Status is EntryUnmatched for an entry never reconciled.
	Status       string
	Allocations  json.RawMessage // []reconcile.Allocation as JSON, nil when none
	Reason       string          // why it is unmatched
	Suggestions  json.RawMessage // []reconcile.Suggestion as JSON, nil when none
	By           string          // "auto" or the finance user; "" when unmatched
	ReconciledAt *time.Time
}

// BankEntryFilter selects entries for BankEntries, in the order they were
// stored (statement, then index).
type BankEntryFilter struct {
	Status string // one of Entry*; "" is every entry
	Limit  int
	Cursor string
}

// EntryReconciliation is what SaveReconciliations records for one entry.
type EntryReconciliation struct {
	EntryID     string
	Status      string
	Allocations json.RawMessage
	Reason      string
	Suggestions json.RawMessage
	By          string
	At          time.Time
}

// SupplierAccount is a supplier's bank account on file. Only a verified
// account may be paid; an invoice naming another account blocks payment
// until that one is verified.
type SupplierAccount struct {
	SupplierID string
	Account    string // IBAN, or the account number (normalised: no spaces, upper case)
	BIC        string
	Country    canonical.Country // of the bank, the beneficiary's country
	Status     string            // AccountVerified, AccountPending or AccountRevoked
	AddedBy    string
	AddedAt    time.Time
	VerifiedBy string // "" until verified; never AddedBy
	VerifiedAt *time.Time
}

// Supplier account statuses.
const (
	AccountPending  = "pending"
	AccountVerified = "verified"
	AccountRevoked  = "revoked"
)
