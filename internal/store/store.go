// Package store holds what the consolidated stores share: the records they
// return, the domain errors they translate driver errors into, and the content
// hash that makes order writes idempotent.
//
// Two stores implement the same methods: internal/store/postgres (production,
// pgx) and internal/store/sqlite (embedded mode, modernc.org/sqlite). Both pass
// the conformance suite in internal/store/storetest. Callers declare the
// methods they need as an interface in their own package.
//
// Delivery in procurehub is at-least-once, so every write here is idempotent:
// an order is keyed by (buyer.id, order_number) and written only when its
// content hash changed; a file is claimed in the ledger once per (partner, sha256).
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/procurehub/procurehub/canonical"
)

// Domain errors. The stores translate SQLSTATEs and driver errors into these;
// test with errors.Is. The wrapped message keeps the driver's detail.
var (
	// ErrNotFound: the order or ledger entry does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the store cannot take this input, and retrying will not
	// help (a missing key, a duplicate line number, a malformed cursor, a
	// value the database refuses). Route it to the poison queue.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: a concurrent transaction got in the way (deadlock,
	// serialization failure, database busy). Retrying the call may succeed.
	ErrConflict = errors.New("conflict with a concurrent change")
	// ErrUnavailable: the database cannot be reached or is shutting down
	// (connection refused or lost, the server restarting). Nothing about
	// the input is wrong: retry the call once it is back.
	ErrUnavailable = errors.New("store unavailable")
)

// InvalidOrderError names the order of an UpsertOrders batch that the store
// refused; nothing of that batch was written. errors.Is(err, ErrInvalid) holds,
// so a caller can drop the order at Index and send the rest again.
type InvalidOrderError struct {
	Index       int // position in the batch passed to UpsertOrders
	BuyerID     string
	OrderNumber string
	Reason      string
}

func (e *InvalidOrderError) Error() string {
	if e.BuyerID == "" && e.OrderNumber == "" {
		return fmt.Sprintf("order %d: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("order %d (buyer %q, order %q): %s", e.Index, e.BuyerID, e.OrderNumber, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidOrderError) Is(target error) bool { return target == ErrInvalid }

// Change says what UpsertOrders did with one order of a batch.
type Change int

const (
	// ChangeUnchanged: nothing was written, because the stored order has the
	// same content hash, or because a later order with the same key in the
	// same batch superseded this one.
	ChangeUnchanged Change = iota
	// ChangeInserted: the order is new; it was stored with version 1.
	ChangeInserted
	// ChangeUpdated: the content changed; the version went up by one and the
	// lines were replaced.
	ChangeUpdated
)

// String returns "unchanged", "inserted" or "updated".
func (c Change) String() string {
	switch c {
	case ChangeUnchanged:
		return "unchanged"
	case ChangeInserted:
		return "inserted"
	case ChangeUpdated:
		return "updated"
	}
	return fmt.Sprintf("Change(%d)", int(c))
}

// StatusSubmitted is the status of an order when it is first stored. Later
// lifecycle steps (confirmed, shipped...) change it; an update of the order's
// content keeps whatever status it has.
const StatusSubmitted = "submitted"

// StoredOrder is an order as the store keeps it.
type StoredOrder struct {
	Order       canonical.Order // as last written, lineage (Source) included
	Status      string
	ContentHash string // ContentHash of Order
	Version     int    // 1 when inserted, +1 on every change of content
	CreatedAt   time.Time
	UpdatedAt   time.Time // last change of content or status
}

// Limits of one page of ListOrders and ListLedger.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// OrderFilter selects orders for ListOrders. Empty fields match everything.
type OrderFilter struct {
	BuyerID    string
	SupplierID string
	Status     string
	// Party, when set, keeps the orders that party is on: as their buyer,
	// their supplier, a party assigned to them (AddAssignment), or the
	// carrier of one of their shipments. The API's party scope.
	Party string
	// OrderNumber keeps the orders of that number (one per buyer using it).
	OrderNumber string
	// Search is text a person typed. Split at white space into words, it
	// keeps the orders where every word is found, ignoring case, in the
	// order number, the buyer's or supplier's id or name, or the SKU, buyer
	// SKU or description of one of the lines (not necessarily the same
	// field for every word). A word matches where it is contained; '%' and
	// '_' are just characters. Text that is not valid UTF-8 is
	// store.ErrInvalid; blank text keeps every order.
	Search string
	Limit  int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor string // opaque, the nextCursor of the previous page; "" for the first page
}

// Ledger statuses. A claim starts as LedgerProcessing; the connector that
// claimed the file finishes it with LedgerDone or LedgerFailed (or a status
// of its own).
const (
	LedgerProcessing = "processing"
	LedgerDone       = "done"
	LedgerFailed     = "failed"
)

// LedgerEntry is one input (file, webhook body, API page) a source has taken,
// unique on (Partner, SHA256).
type LedgerEntry struct {
	ID        int64
	Partner   string
	Connector string
	Source    string // where it came from, e.g. "sftp://partner-x/outbox"
	Name      string // file name as the partner gave it
	SHA256    string // hex of the content
	Size      int64
	Status    string
	Records   int
	Rejects   int
	Receipt   json.RawMessage // the receipt written back to the partner, if any
	CreatedAt time.Time
	UpdatedAt time.Time
	// LeaseOwner holds the input until LeaseUntil ("" and zero when nobody does).
	LeaseOwner string
	LeaseUntil time.Time
	// SettledAt is when the input left the inbox (archive or quarantine,
	// receipt written); zero while it has not.
	SettledAt time.Time
	// MappingVersion is the version of the partner's mapping the input was
	// read with (see MappingStore); 0 when its connector has no mapping.
	// Set by the claim that takes the input (again).
	MappingVersion int
}

// Lease is a claim on an input for a while: instances polling the same
// inbox take each input once, and an input whose taker died is taken again
// once its lease runs out.
type Lease struct {
	Owner string        // the instance, unique among running instances
	TTL   time.Duration // how long the lease holds without renewal
}

// ErrLeased is returned when another instance holds the lease of an input.
var ErrLeased = errors.New("store: input leased by another instance")

// CheckLease applies the rules both stores share: an owner and a positive
// TTL. It returns an error wrapping ErrInvalid.
func CheckLease(l Lease) error {
	if l.Owner == "" {
		return fmt.Errorf("%w: lease owner is required", ErrInvalid)
	}
	if l.TTL <= 0 {
		return fmt.Errorf("%w: lease ttl %s is not positive", ErrInvalid, l.TTL)
	}
	return nil
}

// Content returns the canonical JSON of o without its lineage: o.Source and
// every line's Source are left out, so the same order read from another
// file, line or connector has the same content. o is not modified. The
// stores keep these bytes as the order's document.
func Content(o *canonical.Order) ([]byte, error) {
	if o == nil {
		return nil, fmt.Errorf("store: content: %w: nil order", ErrInvalid)
	}
	// The same bytes as json.Marshal of the order with its sources
	// cleared, without copying it (the bulk path).
	return canonical.MarshalOrderContent(o), nil
}

// ContentHash returns the hex SHA-256 of Content(o). Two orders with the
// same hash have the same content, whatever their lineage.
func ContentHash(o *canonical.Order) (string, error) {
	b, err := Content(o)
	if err != nil {
		return "", err
	}
	return HashContent(b), nil
}

// HashContent returns the hex SHA-256 of content bytes made by Content.
func HashContent(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// CheckLedgerFinish applies the rules both stores' LedgerFinish share: a
// status is required, and a receipt, when given, is JSON. It returns an
// error wrapping ErrInvalid.
func CheckLedgerFinish(status string, receipt json.RawMessage) error {
	if status == "" {
		return fmt.Errorf("%w: status is required", ErrInvalid)
	}
	if len(receipt) > 0 && !json.Valid(receipt) {
		return fmt.Errorf("%w: receipt is not JSON", ErrInvalid)
	}
	return nil
}

// --- bank statements ---

// A bank statement is keyed by (account key, statement id, sequence number):
// the account's IBAN or, without one, its number (canonical.BankAccount.AccountKey);
// the bank's statement id; and its sequence number, "" when it has none. Like
// an order, it is written only when its content hash changed.

// StatementKey is the business key of a stored statement.
type StatementKey struct {
	AccountKey     string
	StatementID    string
	SequenceNumber string // "" when the bank sent none
}

// KeyOf returns the key of s.
func KeyOf(s *canonical.BankStatement) StatementKey {
	return StatementKey{AccountKey: s.Account.AccountKey(), StatementID: s.StatementID, SequenceNumber: s.SequenceNumber}
}

// StoredStatement is a bank statement as the store keeps it.
type StoredStatement struct {
	ID          int64
	Partner     string                   // the partner of the last write of its content
	Statement   *canonical.BankStatement // as last written, lineage (Source) included
	ContentHash string                   // StatementContentHash of Statement
	Version     int                      // 1 when inserted, +1 on every change of content
	CreatedAt   time.Time
	UpdatedAt   time.Time // last change of content
}

// StatementFilter selects statements for ListStatements. Empty fields match
// everything.
type StatementFilter struct {
	AccountKey string // IBAN, or the account number of an account without one
	// From and To bound the closing date, both included; the zero date
	// leaves that side open. With either bound set, a statement without a
	// closing date is not listed.
	From, To     canonical.Date
	BalanceCheck string // "ok" or "mismatch"
	Limit        int    // page size: DefaultLimit when 0 or less, at most MaxLimit
	Cursor       string // opaque, the nextCursor of the previous page; "" for the first page
}

// InvalidStatementError names the statement of an UpsertStatements batch that
// the store refused; nothing of that batch was written. errors.Is(err,
// ErrInvalid) holds, so a caller can drop the statement at Index and send the
// rest again. The account is not named: an account number is sensitive.
type InvalidStatementError struct {
	Index       int // position in the batch passed to UpsertStatements
	StatementID string
	Reason      string
}

func (e *InvalidStatementError) Error() string {
	if e.StatementID == "" {
		return fmt.Sprintf("statement %d: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("statement %d (%q): %s", e.Index, e.StatementID, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidStatementError) Is(target error) bool { return target == ErrInvalid }

// StatementContent returns the canonical JSON of s without its lineage:
// s.Source is left out (bank entries carry no lineage of their own), so the
// same statement read from another file or connector has the same content.
// s is not modified. The stores keep these bytes as the statement's document.
func StatementContent(s *canonical.BankStatement) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("store: statement content: %w: nil statement", ErrInvalid)
	}
	c := *s
	c.Source = nil
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("store: statement content: %w: %w", ErrInvalid, err)
	}
	return b, nil
}

// StatementContentHash returns the hex SHA-256 of StatementContent(s).
func StatementContentHash(s *canonical.BankStatement) (string, error) {
	b, err := StatementContent(s)
	if err != nil {
		return "", err
	}
	return HashContent(b), nil
}

// CheckStatement applies the rules both stores' UpsertStatements share: s
// passes canonical validation, and every value the stores keep in a column
// of its own can be stored and read back (text is UTF-8 without NUL, numbers
// have at most 64 digits before and after the point, dates are calendar
// dates). index is the statement's position in the batch; the error is an
// *InvalidStatementError.
func CheckStatement(index int, s *canonical.BankStatement) error {
	if s == nil {
		return &InvalidStatementError{Index: index, Reason: "nil statement"}
	}
	invalid := func(reason string) error {
		return &InvalidStatementError{Index: index, StatementID: printable(s.StatementID), Reason: reason}
	}
	if err := s.Validate(); err != nil {
		return invalid(err.Error())
	}
	texts := []string{s.StatementID, s.SequenceNumber, string(s.StatementType), s.Account.IBAN,
		s.Account.Number, string(s.Account.Currency)}
	for _, t := range texts {
		if !storableText(t) {
			return invalid("the statement id, sequence number, type or account is not valid UTF-8 text")
		}
	}
	for _, d := range []*canonical.Decimal{s.OpeningBalance, s.ClosingBalance, s.BalanceDifference} {
		if d != nil && !readableDecimal(*d) {
			return invalid("a balance has too many digits")
		}
	}
	for i := range s.Entries {
		e := &s.Entries[i]
		texts := []string{string(e.Currency), e.BankReference, e.EndToEndID, e.RemittanceInfo,
			e.CreditorReference, string(e.Status)}
		if c := e.Counterparty; c != nil {
			texts = append(texts, c.Name, c.IBAN)
		}
		for _, t := range texts {
			if !storableText(t) {
				return invalid(fmt.Sprintf("entries[%d]: a text field is not valid UTF-8 text", i))
			}
		}
		if !readableDecimal(e.Amount) {
			return invalid(fmt.Sprintf("entries[%d]: amount has too many digits", i))
		}
	}
	return nil
}

// storableText reports whether s can go into a text column: valid UTF-8, no NUL.
func storableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// readableDecimal reports whether d has at most 64 digits before and after
// the point, the bound canonical.ParseDecimal reads back.
func readableDecimal(d canonical.Decimal) bool {
	exp := int64(d.Exponent())
	return int64(d.NumDigits())+exp <= 64 && -exp <= 64
}

// printable makes a key printable in an error message.
func printable(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// ReadPages reads a list page after page, MaxLimit at a time: page is
// called with the cursor of the next page ("" first) and returns the page
// and the next cursor ("" after the last). It stops after max items when
// max > 0, and then reports more when the list went on.
func ReadPages[T any](max int, page func(cursor string) ([]T, string, error)) (items []T, more bool, err error) {
	cursor := ""
	for {
		p, next, err := page(cursor)
		if err != nil {
			return nil, false, err
		}
		items = append(items, p...)
		if next == "" {
			return items, false, nil
		}
		if max > 0 && len(items) >= max {
			return items, true, nil
		}
		cursor = next
	}
}
