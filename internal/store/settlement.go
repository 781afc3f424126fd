package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// InvoiceOf turns a document row of the invoices table into a
// StoredInvoice; the stores fill in the settlement columns beside it.
func InvoiceOf(r DocumentRow) (StoredInvoice, error) {
	inv, err := decodeDocument("invoice", r.Document, r.Lineage, func(i *canonical.Invoice) **canonical.Source { return &i.Source })
	if err != nil {
		return StoredInvoice{}, err
	}
	return StoredInvoice{Partner: r.Partner, Invoice: inv, ContentHash: r.ContentHash, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// LastInvoices returns, for each invoice of a batch, whether it is the last
// of its (supplier id, invoice number) in the batch: the stores write only
// those, the earlier ones are unchanged.
func LastInvoices(invs []*canonical.Invoice) []bool {
	last := make(map[[2]string]int, len(invs))
	for i, inv := range invs {
		last[[2]string{inv.Supplier.ID, inv.InvoiceNumber}] = i
	}
	out := make([]bool, len(invs))
	for _, i := range last {
		out[i] = true
	}
	return out
}

// InvoiceOrders returns the order numbers an invoice names, in the header
// or on a line, each once: ListInvoices finds the invoice by any of them.
func InvoiceOrders(inv *canonical.Invoice) []string {
	out := []string{}
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range inv.OrderNumbers {
		add(n)
	}
	for _, l := range inv.Lines {
		add(l.OrderNumber)
	}
	return out
}

// NormalizeAccount is a bank account as supplier accounts are keyed: every
// space removed, upper case, so "de89 3704 0044..." and "DE893704..." are
// one account. Callers comparing an invoice's payee account with the ones
// on file use it too.
func NormalizeAccount(account string) string {
	return strings.ToUpper(strings.Join(strings.Fields(account), ""))
}

// oneOf returns an error wrapping ErrInvalid unless s is one of allowed.
func oneOf(what, s string, allowed ...string) error {
	if slices.Contains(allowed, s) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a %s (want one of %s)", ErrInvalid, printable(s), what, strings.Join(allowed, ", "))
}

// CheckInvoiceMatchStatus refuses a match status that is not one of
// Invoice*.
func CheckInvoiceMatchStatus(s string) error {
	return oneOf("match status", s, InvoiceMatched, InvoiceWithinTolerance, InvoiceMismatch, InvoiceOverridden)
}

// CheckSettlement refuses a settlement status that is not one of
// Settlement*.
func CheckSettlement(s string) error {
	return oneOf("settlement status", s, SettlementUnmatched, SettlementPartial, SettlementReconciled)
}

// CheckPaymentStatus refuses a payment request status that is not one of
// Payment*.
func CheckPaymentStatus(s string) error {
	return oneOf("payment request status", s, PaymentPlanned, PaymentPending, PaymentApproved, PaymentRejected, PaymentBlocked, PaymentPaid)
}

// CheckEntryStatus refuses a reconciliation status that is not one of
// Entry*.
func CheckEntryStatus(s string) error {
	return oneOf("reconciliation status", s, EntryUnmatched, EntryMatched, EntryManual, EntryIgnored)
}

// CheckAccountStatus refuses a supplier account status that is not one of
// Account*.
func CheckAccountStatus(s string) error {
	return oneOf("supplier account status", s, AccountPending, AccountVerified, AccountRevoked)
}

// PlanEditable reports whether an upsert may still change the plan fields
// of a payment request in this status: once approved, rejected or paid, the
// plan is what was decided on.
func PlanEditable(status string) bool {
	return status == PaymentPlanned || status == PaymentPending || status == PaymentBlocked
}

// SamePlan reports whether two payment requests have the same plan fields
// (the ones UpsertPaymentRequests may change). Amounts compare as written:
// 100.0 and 100.00 differ, since the stored amount keeps its scale.
func SamePlan(a, b *PaymentRequest) bool {
	return a.SupplierID == b.SupplierID && a.Sequence == b.Sequence && a.Stage == b.Stage &&
		a.Amount.String() == b.Amount.String() && a.Currency == b.Currency && a.DueDate == b.DueDate &&
		slices.Equal(a.Documents, b.Documents) && a.InvoiceNumber == b.InvoiceNumber && a.EndToEndID == b.EndToEndID
}

// CheckPaymentRequest validates a request for UpsertPaymentRequests and
// fills in its default status.
func CheckPaymentRequest(r *PaymentRequest) error {
	if r.Status == "" {
		r.Status = PaymentPlanned
	}
	if r.ID == "" || !storableText(r.ID) {
		return fmt.Errorf("%w: a payment request needs an id of text", ErrInvalid)
	}
	if err := CheckPaymentStatus(r.Status); err != nil {
		return fmt.Errorf("payment request %s: %w", r.ID, err)
	}
	for _, s := range append([]string{r.BuyerID, r.OrderNumber, r.SupplierID, r.Stage, string(r.Currency), r.InvoiceNumber,
		r.EndToEndID, r.BlockedReason, r.CreatedBy}, r.Documents...) {
		if !storableText(s) {
			return fmt.Errorf("%w: payment request %s: a field is not valid UTF-8 text", ErrInvalid, r.ID)
		}
	}
	if len(r.Recommended) > 0 && !json.Valid(r.Recommended) {
		return fmt.Errorf("%w: payment request %s: the recommendation is not JSON", ErrInvalid, r.ID)
	}
	return nil
}

// CompactJSON returns b without insignificant space, nil for an empty b,
// or an error wrapping ErrInvalid when b is not JSON. With object set it
// must be a JSON object.
func CompactJSON(what string, b []byte, object bool) ([]byte, error) {
	if len(b) == 0 {
		if object {
			return nil, fmt.Errorf("%w: %s: not a JSON object", ErrInvalid, what)
		}
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("%w: %s: not JSON", ErrInvalid, what)
	}
	if object && buf.Bytes()[0] != '{' {
		return nil, fmt.Errorf("%w: %s: not a JSON object", ErrInvalid, what)
	}
	return buf.Bytes(), nil
}

// EntryCursor packs the keyset of BankEntries
// (statement row id, entry index) into the one number of a page cursor:
// the index takes the low 24 bits, room for 16 million entries in a
// statement.
func EntryCursor(statement int64, index int) int64 { return statement<<24 | int64(index) }

// SplitEntryCursor is the inverse of EntryCursor.
func SplitEntryCursor(c int64) (statement int64, index int) { return c >> 24, int(c & (1<<24 - 1)) }

// FillPaymentRequest sets the fields of a stored payment request that the
// stores keep as text: the amounts as decimal text, the documents and
// approvals as JSON arrays.
func FillPaymentRequest(r *PaymentRequest, amount, paid, documents, approvals string) error {
	var err error
	if r.Amount, err = canonical.ParseDecimal(amount); err != nil {
		return fmt.Errorf("payment request %s: stored amount: %w", r.ID, err)
	}
	if r.Paid, err = canonical.ParseDecimal(paid); err != nil {
		return fmt.Errorf("payment request %s: stored paid: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(documents), &r.Documents); err != nil {
		return fmt.Errorf("payment request %s: stored documents: %w", r.ID, err)
	}
	if len(r.Documents) == 0 {
		r.Documents = nil
	}
	if err := json.Unmarshal([]byte(approvals), &r.Approvals); err != nil {
		return fmt.Errorf("payment request %s: stored approvals: %w", r.ID, err)
	}
	if len(r.Approvals) == 0 {
		r.Approvals = nil
	}
	return nil
}

// CheckSupplierAccount validates an account for AddSupplierAccount, its
// account already normalised and its status filled in.
func CheckSupplierAccount(a *SupplierAccount) error {
	switch {
	case a.SupplierID == "" || a.Account == "":
		return fmt.Errorf("%w: a supplier account needs a supplier id and an account", ErrInvalid)
	case !storableText(a.SupplierID) || !storableText(a.Account) || !storableText(a.BIC) || !storableText(a.AddedBy) ||
		!storableText(a.VerifiedBy) || !storableText(string(a.Country)):
		return fmt.Errorf("%w: a field of the supplier account is not valid UTF-8 text", ErrInvalid)
	case a.Status == AccountVerified && (a.VerifiedBy == "" || a.VerifiedBy == a.AddedBy):
		return fmt.Errorf("%w: an account is verified by someone other than who added it", ErrInvalid)
	}
	return CheckAccountStatus(a.Status)
}

// VerifyRefusal is why VerifySupplierAccount refused to verify an account
// added by addedBy, now in status, by by: an error wrapping ErrInvalid.
func VerifyRefusal(addedBy, status, by string) error {
	switch {
	case by == "":
		return fmt.Errorf("%w: no verifier named", ErrInvalid)
	case by == addedBy:
		return fmt.Errorf("%w: the user who added an account cannot verify it (four eyes)", ErrInvalid)
	case status == AccountRevoked:
		return fmt.Errorf("%w: the account is revoked", ErrInvalid)
	}
	return fmt.Errorf("%w: the account cannot be verified", ErrInvalid)
}
