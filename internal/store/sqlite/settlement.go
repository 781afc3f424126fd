package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// The rules of every method here are the PostgreSQL store's; see there.
// Writers take turns on the write lock, so a read followed by a write in
// one transaction needs no row locks.

// --- invoices ---

// UpsertInvoices writes a batch of supplier invoices received from partner
// in one transaction and reports what happened to each (see store.Change).
func (s *Store) UpsertInvoices(ctx context.Context, partner string, invs []*canonical.Invoice) ([]store.Change, error) {
	changes := make([]store.Change, len(invs))
	if len(invs) == 0 {
		return changes, nil
	}
	contents, err := store.CheckInvoices(invs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert invoices: %w", err)
	}
	last := store.LastInvoices(invs)
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		clear(changes)
		ts := now()
		for i, inv := range invs {
			if !last[i] {
				continue
			}
			c, err := writeInvoice(ctx, tx, ts, partner, inv, contents[i])
			if err != nil {
				return err
			}
			changes[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert invoices: %w", translate(err))
	}
	return changes, nil
}

func writeInvoice(ctx context.Context, tx *sql.Tx, ts, partner string, inv *canonical.Invoice, content []byte) (store.Change, error) {
	hash := store.HashContent(content)
	lineage, err := store.LineageJSON(inv.Source)
	if err != nil {
		return 0, err
	}
	var lin any
	if lineage != nil {
		lin = string(lineage)
	}
	var (
		id     int64
		stored string
	)
	change := store.ChangeUpdated
	err = tx.QueryRowContext(ctx, `SELECT id, content_hash FROM invoices WHERE supplier_id = ? AND invoice_number = ?`,
		inv.Supplier.ID, inv.InvoiceNumber).Scan(&id, &stored)
	switch {
	case err == sql.ErrNoRows:
		change = store.ChangeInserted
		if err := tx.QueryRowContext(ctx, `INSERT INTO invoices (partner, supplier_id, invoice_number, buyer_id,
			content_hash, version, document, lineage, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
			partner, inv.Supplier.ID, inv.InvoiceNumber, inv.Buyer.ID, hash, string(content), lin, ts, ts).Scan(&id); err != nil {
			return 0, fmt.Errorf("insert invoice %q of %q: %w", inv.InvoiceNumber, inv.Supplier.ID, err)
		}
	case err != nil:
		return 0, fmt.Errorf("look up invoice %q of %q: %w", inv.InvoiceNumber, inv.Supplier.ID, err)
	case stored == hash:
		return store.ChangeUnchanged, nil
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET partner = ?, buyer_id = ?, content_hash = ?, document = ?,
			lineage = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			partner, inv.Buyer.ID, hash, string(content), lin, ts, id); err != nil {
			return 0, fmt.Errorf("update invoice %q of %q: %w", inv.InvoiceNumber, inv.Supplier.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_orders WHERE invoice = ?`, id); err != nil {
			return 0, fmt.Errorf("unlink invoice %q from its orders: %w", inv.InvoiceNumber, err)
		}
	}
	for _, n := range store.InvoiceOrders(inv) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_orders (invoice, order_number) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, id, n); err != nil {
			return 0, fmt.Errorf("link invoice %q to its orders: %w", inv.InvoiceNumber, err)
		}
	}
	return change, nil
}

const invoiceColumns = `i.id, i.partner, i.document, i.lineage, i.content_hash, i.version, i.created_at, i.updated_at,
	i.match_status, i.match_result, i.overrides, i.settlement, i.paid, i.paid_at, i.auto_matched`

// scanInvoice reads one row of invoiceColumns.
func scanInvoice(row scanner) (store.StoredInvoice, int64, error) {
	var (
		id               int64
		r                store.DocumentRow
		created, updated string
		status, settled  string
		match, over      sql.NullString
		paid             string
		paidAt           sql.NullString
		auto             bool
	)
	if err := row.Scan(&id, &r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &created, &updated,
		&status, &match, &over, &settled, &paid, &paidAt, &auto); err != nil {
		return store.StoredInvoice{}, 0, err
	}
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return store.StoredInvoice{}, 0, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return store.StoredInvoice{}, 0, err
	}
	inv, err := store.InvoiceOf(r)
	if err != nil {
		return store.StoredInvoice{}, 0, err
	}
	if inv.Paid, err = canonical.ParseDecimal(paid); err != nil {
		return store.StoredInvoice{}, 0, fmt.Errorf("invoice %d: stored paid: %w", id, err)
	}
	if inv.PaidAt, err = nullTime(paidAt); err != nil {
		return store.StoredInvoice{}, 0, err
	}
	inv.MatchStatus, inv.Settlement, inv.AutoMatched = status, settled, auto
	inv.Match, inv.Overrides = rawJSON(match), rawJSON(over)
	return inv, id, nil
}

// rawJSON is the stored JSON text, nil for NULL.
func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// jsonText is the JSON for a text column, NULL for none.
func jsonText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// nullTime reads a stored time that may be NULL.
func nullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// timeText is t as stored, NULL for nil.
func timeText(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// GetInvoice returns the supplier's invoice with this number, or
// ErrNotFound.
func (s *Store) GetInvoice(ctx context.Context, supplierID, invoiceNumber string) (*store.StoredInvoice, error) {
	inv, _, err := scanInvoice(s.db.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices i
		WHERE i.supplier_id = ? AND i.invoice_number = ?`, supplierID, invoiceNumber))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: invoice %q of %q: %w", invoiceNumber, supplierID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: invoice %q of %q: %w", invoiceNumber, supplierID, translate(err))
	}
	return &inv, nil
}

// ListInvoices returns a page of the invoices that f selects, oldest first,
// and the cursor of the next page ("" after the last).
func (s *Store) ListInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list invoices: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.SupplierID != "" {
		add("i.supplier_id = ?", f.SupplierID)
	}
	if f.BuyerID != "" {
		add("i.buyer_id = ?", f.BuyerID)
	}
	if f.OrderNumber != "" {
		add("EXISTS (SELECT 1 FROM invoice_orders o WHERE o.invoice = i.id AND o.order_number = ?)", f.OrderNumber)
	}
	if f.MatchStatus != "" {
		add("i.match_status = ?", f.MatchStatus)
	}
	if f.Settlement != "" {
		add("i.settlement = ?", f.Settlement)
	}
	if f.Open {
		add("i.settlement <> ?", store.SettlementReconciled)
	}
	if after > 0 {
		add("i.id > ?", after)
	}
	q := `SELECT ` + invoiceColumns + ` FROM invoices i`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY i.id LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list invoices: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.StoredInvoice
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		inv, id, err := scanInvoice(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list invoices: %w", err)
		}
		out = append(out, inv)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list invoices: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// updateInvoice runs an UPDATE of one invoice whose WHERE ends with the
// supplier id and invoice number as the last two arguments; no row is
// ErrNotFound.
func (s *Store) updateInvoice(ctx context.Context, what, supplierID, invoiceNumber, q string, args ...any) error {
	res, err := s.db.ExecContext(ctx, q, append(args, supplierID, invoiceNumber)...)
	if err != nil {
		return fmt.Errorf("sqlite: %s of invoice %q: %w", what, invoiceNumber, translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: %s of invoice %q of %q: %w", what, invoiceNumber, supplierID, store.ErrNotFound)
	}
	return nil
}

// SetInvoiceMatch records the three-way match's verdict and result.
func (s *Store) SetInvoiceMatch(ctx context.Context, supplierID, invoiceNumber, status string, result json.RawMessage) error {
	if err := store.CheckInvoiceMatchStatus(status); err != nil {
		return fmt.Errorf("sqlite: match of invoice %q: %w", invoiceNumber, err)
	}
	res, err := store.CompactJSON("match result", result, false)
	if err != nil {
		return fmt.Errorf("sqlite: match of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "match", supplierID, invoiceNumber, `UPDATE invoices SET match_status = ?,
		match_result = ?, updated_at = ? WHERE supplier_id = ? AND invoice_number = ?`, status, jsonText(res), now())
}

// AddInvoiceOverride appends a finance user's override (a JSON object) to
// the invoice's overrides, in one UPDATE, extending the array text the
// store wrote itself.
func (s *Store) AddInvoiceOverride(ctx context.Context, supplierID, invoiceNumber string, override json.RawMessage) error {
	o, err := store.CompactJSON("override", override, true)
	if err != nil {
		return fmt.Errorf("sqlite: override of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "override", supplierID, invoiceNumber, `UPDATE invoices SET
		overrides = CASE WHEN overrides IS NULL THEN '[' || ?1 || ']'
		                 ELSE substr(overrides, 1, length(overrides) - 1) || ',' || ?1 || ']' END,
		updated_at = ?2 WHERE supplier_id = ?3 AND invoice_number = ?4`, string(o), now())
}

// SetInvoiceSettlement records what the bank paid against the invoice;
// paid_at is set when it becomes reconciled, kept while it stays so,
// cleared otherwise.
func (s *Store) SetInvoiceSettlement(ctx context.Context, supplierID, invoiceNumber, settlement string, paid canonical.Decimal, auto bool, at time.Time) error {
	if err := store.CheckSettlement(settlement); err != nil {
		return fmt.Errorf("sqlite: settlement of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "settlement", supplierID, invoiceNumber, `UPDATE invoices SET
		paid_at = CASE WHEN ?1 <> 'reconciled' THEN NULL
		               WHEN settlement = 'reconciled' AND paid_at IS NOT NULL THEN paid_at
		               ELSE ?4 END,
		settlement = ?1, paid = ?2, auto_matched = ?3, updated_at = ?5
		WHERE supplier_id = ?6 AND invoice_number = ?7`,
		settlement, paid.String(), auto, at.UTC().Format(timeLayout), now())
}

// --- payment requests ---

// UpsertPaymentRequests writes a batch of payment requests in one
// transaction and reports what happened to each.
func (s *Store) UpsertPaymentRequests(ctx context.Context, reqs []store.PaymentRequest) ([]store.Change, error) {
	changes := make([]store.Change, len(reqs))
	if len(reqs) == 0 {
		return changes, nil
	}
	checked := make([]store.PaymentRequest, len(reqs))
	for i := range reqs {
		checked[i] = reqs[i]
		if err := store.CheckPaymentRequest(&checked[i]); err != nil {
			return nil, fmt.Errorf("sqlite: upsert payment requests: request %d: %w", i, err)
		}
	}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		clear(changes)
		ts := now()
		for i := range checked {
			r := &checked[i]
			docs, err := documentsJSON(r.Documents)
			if err != nil {
				return err
			}
			stored, _, err := scanPaymentRequest(tx.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payment_requests p
				WHERE p.request_id = ?`, r.ID))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := tx.ExecContext(ctx, `INSERT INTO payment_requests (request_id, buyer_id, order_number,
					supplier_id, sequence, stage, amount, currency, due_date, documents, invoice_number, end_to_end_id,
					status, blocked_reason, created_by, recommended, paid, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					r.ID, r.BuyerID, r.OrderNumber, r.SupplierID, r.Sequence, r.Stage, r.Amount.String(),
					string(r.Currency), dateText(r.DueDate), docs, r.InvoiceNumber, r.EndToEndID, r.Status,
					r.BlockedReason, r.CreatedBy, jsonText(r.Recommended), r.Paid.String(), ts, ts); err != nil {
					return fmt.Errorf("insert payment request %s: %w", r.ID, err)
				}
				changes[i] = store.ChangeInserted
				continue
			case err != nil:
				return fmt.Errorf("read payment request %s: %w", r.ID, err)
			}
			if !store.PlanEditable(stored.Status) || store.SamePlan(&stored, r) {
				continue // unchanged
			}
			if _, err := tx.ExecContext(ctx, `UPDATE payment_requests SET supplier_id = ?, sequence = ?, stage = ?,
				amount = ?, currency = ?, due_date = ?, documents = ?, invoice_number = ?, end_to_end_id = ?,
				updated_at = ? WHERE request_id = ?`,
				r.SupplierID, r.Sequence, r.Stage, r.Amount.String(), string(r.Currency), dateText(r.DueDate), docs,
				r.InvoiceNumber, r.EndToEndID, ts, r.ID); err != nil {
				return fmt.Errorf("update payment request %s: %w", r.ID, err)
			}
			changes[i] = store.ChangeUpdated
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert payment requests: %w", translate(err))
	}
	return changes, nil
}

// documentsJSON is the documents column: a JSON array, [] for none.
func documentsJSON(docs []string) (string, error) {
	if len(docs) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(docs)
	if err != nil {
		return "", fmt.Errorf("documents: %w", err)
	}
	return string(b), nil
}

const paymentColumns = `p.id, p.request_id, p.buyer_id, p.order_number, p.supplier_id, p.sequence, p.stage,
	p.amount, p.currency, p.due_date, p.documents, p.invoice_number, p.end_to_end_id, p.status,
	p.blocked_reason, p.created_by, p.approvals, p.recommended, p.paid, p.created_at, p.updated_at`

// scanPaymentRequest reads one row of paymentColumns.
func scanPaymentRequest(row scanner) (store.PaymentRequest, int64, error) {
	var (
		r                      store.PaymentRequest
		id                     int64
		amount, currency, paid string
		docs, approvals        string
		due, recommended       sql.NullString
		created, updated       string
	)
	if err := row.Scan(&id, &r.ID, &r.BuyerID, &r.OrderNumber, &r.SupplierID, &r.Sequence, &r.Stage, &amount, &currency,
		&due, &docs, &r.InvoiceNumber, &r.EndToEndID, &r.Status, &r.BlockedReason, &r.CreatedBy, &approvals,
		&recommended, &paid, &created, &updated); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	if err := store.FillPaymentRequest(&r, amount, paid, docs, approvals); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	r.Currency = canonical.Currency(currency)
	var err error
	if due.Valid {
		if r.DueDate, err = canonical.ParseDate(due.String); err != nil {
			return store.PaymentRequest{}, 0, fmt.Errorf("payment request %s: stored due date: %w", r.ID, err)
		}
	}
	r.Recommended = rawJSON(recommended)
	if r.CreatedAt, err = parseTime(created); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	return r, id, nil
}

// GetPaymentRequest returns the request with this id, or ErrNotFound.
func (s *Store) GetPaymentRequest(ctx context.Context, id string) (*store.PaymentRequest, error) {
	r, _, err := scanPaymentRequest(s.db.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payment_requests p
		WHERE p.request_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: payment request %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: payment request %q: %w", id, translate(err))
	}
	return &r, nil
}

// ListPaymentRequests returns a page of the requests that f selects,
// oldest first, and the cursor of the next page ("" after the last).
func (s *Store) ListPaymentRequests(ctx context.Context, f store.PaymentRequestFilter) ([]store.PaymentRequest, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list payment requests: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.BuyerID != "" {
		add("p.buyer_id = ?", f.BuyerID)
	}
	if f.SupplierID != "" {
		add("p.supplier_id = ?", f.SupplierID)
	}
	if f.OrderNumber != "" {
		add("p.order_number = ?", f.OrderNumber)
	}
	if f.Status != "" {
		add("p.status = ?", f.Status)
	}
	if after > 0 {
		add("p.id > ?", after)
	}
	q := `SELECT ` + paymentColumns + ` FROM payment_requests p`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY p.id LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list payment requests: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.PaymentRequest
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		r, id, err := scanPaymentRequest(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list payment requests: %w", err)
		}
		out = append(out, r)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list payment requests: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// paymentCAS runs a compare-and-set UPDATE of one payment request and
// tells one that did not apply because the status differed (false) from
// one that did not because there is no such request (ErrNotFound).
func (s *Store) paymentCAS(ctx context.Context, id, q string, args ...any) (bool, error) {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return false, translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n > 0 {
		return true, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM payment_requests WHERE request_id = ?`, id).Scan(&n); err != nil {
		return false, translate(err)
	}
	if n == 0 {
		return false, store.ErrNotFound
	}
	return false, nil
}

// SetPaymentStatus moves a request from status from to status to, with the
// reason it is blocked ("" clears it), and reports whether it did. Asking
// for payment (to pending) records by as its creator.
func (s *Store) SetPaymentStatus(ctx context.Context, id, from, to, by, reason string) (bool, error) {
	if err := store.CheckPaymentStatus(to); err != nil {
		return false, fmt.Errorf("sqlite: status of payment request %q: %w", id, err)
	}
	ok, err := s.paymentCAS(ctx, id, `UPDATE payment_requests SET status = ?3, blocked_reason = ?4,
		created_by = CASE WHEN ?3 = 'pending' THEN ?5 ELSE created_by END, updated_at = ?6
		WHERE request_id = ?1 AND status = ?2`, id, from, to, reason, by, now())
	if err != nil {
		return false, fmt.Errorf("sqlite: status of payment request %q: %w", id, err)
	}
	return ok, nil
}

// AddPaymentApproval appends a finance user's decision to the request and
// moves it to status to, in one UPDATE, when its status is still from.
func (s *Store) AddPaymentApproval(ctx context.Context, id, from string, a store.PaymentApproval, to string) (bool, error) {
	if err := store.CheckPaymentStatus(to); err != nil {
		return false, fmt.Errorf("sqlite: approval of payment request %q: %w", id, err)
	}
	a.At = a.At.UTC()
	b, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("sqlite: approval of payment request %q: %w", id, err)
	}
	ok, err := s.paymentCAS(ctx, id, `UPDATE payment_requests SET
		approvals = CASE WHEN approvals = '[]' THEN '[' || ?3 || ']'
		                 ELSE substr(approvals, 1, length(approvals) - 1) || ',' || ?3 || ']' END,
		status = ?4, updated_at = ?5
		WHERE request_id = ?1 AND status = ?2`, id, from, string(b), to, now())
	if err != nil {
		return false, fmt.Errorf("sqlite: approval of payment request %q: %w", id, err)
	}
	return ok, nil
}

// SetPaymentRecommendation records the pay-date recommendation of a request.
func (s *Store) SetPaymentRecommendation(ctx context.Context, id string, rec json.RawMessage) error {
	b, err := store.CompactJSON("recommendation", rec, false)
	if err != nil {
		return fmt.Errorf("sqlite: recommendation of payment request %q: %w", id, err)
	}
	return s.updatePaymentRequest(ctx, "recommendation", id,
		`UPDATE payment_requests SET recommended = ?2, updated_at = ?3 WHERE request_id = ?1`, jsonText(b))
}

// SetPaymentPaid records what bank entries allocated to a request.
func (s *Store) SetPaymentPaid(ctx context.Context, id string, paid canonical.Decimal) error {
	return s.updatePaymentRequest(ctx, "paid amount", id,
		`UPDATE payment_requests SET paid = ?2, updated_at = ?3 WHERE request_id = ?1`, paid.String())
}

func (s *Store) updatePaymentRequest(ctx context.Context, what, id, q string, v any) error {
	res, err := s.db.ExecContext(ctx, q, id, v, now())
	if err != nil {
		return fmt.Errorf("sqlite: %s of payment request %q: %w", what, id, translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: %s of payment request %q: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// --- bank entries and their reconciliation ---

const bankEntryColumns = `e.statement, e.entry_index, s.account_key, s.statement_id, s.sequence_number,
	coalesce(r.status, 'unmatched'), r.allocations, coalesce(r.reason, ''), r.suggestions,
	coalesce(r.reconciled_by, ''), r.reconciled_at`

const bankEntryFrom = ` FROM bank_entries e JOIN bank_statements s ON s.id = e.statement
	LEFT JOIN bank_reconciliations r ON r.statement = e.statement AND r.entry_index = e.entry_index`

// pageEntry is a row of bankEntryColumns before its transaction is read
// from the statement's document.
type pageEntry struct {
	statement int64
	entry     store.BankEntry
}

func scanPageEntry(row scanner) (pageEntry, error) {
	var (
		pe         pageEntry
		seq        string
		alloc, sug sql.NullString
		at         sql.NullString
	)
	e := &pe.entry
	if err := row.Scan(&pe.statement, &e.Index, &e.AccountKey, &e.StatementID, &seq, &e.Status, &alloc, &e.Reason,
		&sug, &e.By, &at); err != nil {
		return pageEntry{}, err
	}
	e.ID = store.BankEntryID(e.AccountKey, e.StatementID, seq, e.Index)
	e.Allocations, e.Suggestions = rawJSON(alloc), rawJSON(sug)
	var err error
	if e.ReconciledAt, err = nullTime(at); err != nil {
		return pageEntry{}, err
	}
	return pe, nil
}

// fillTransactions reads each entry's transaction from its statement's
// stored document, one read per statement of the page.
func (s *Store) fillTransactions(ctx context.Context, rows []pageEntry) ([]store.BankEntry, error) {
	docs := map[int64]*canonical.BankStatement{}
	out := make([]store.BankEntry, len(rows))
	for i, r := range rows {
		st, ok := docs[r.statement]
		if !ok {
			var doc string
			if err := s.db.QueryRowContext(ctx, `SELECT document FROM bank_statements WHERE id = ?`, r.statement).Scan(&doc); err != nil {
				return nil, fmt.Errorf("statement %d: %w", r.statement, translate(err))
			}
			st = new(canonical.BankStatement)
			if err := json.Unmarshal([]byte(doc), st); err != nil {
				return nil, fmt.Errorf("statement %d: stored document does not decode: %w", r.statement, err)
			}
			docs[r.statement] = st
		}
		if r.entry.Index < 1 || r.entry.Index > len(st.Entries) {
			return nil, fmt.Errorf("statement %d changed while its entries were read: %w", r.statement, store.ErrConflict)
		}
		out[i] = r.entry
		out[i].Transaction = st.Entries[r.entry.Index-1]
	}
	return out, nil
}

// BankEntries returns a page of the entries of stored statements that f
// selects, by statement and then index, and the cursor of the next page.
func (s *Store) BankEntries(ctx context.Context, f store.BankEntryFilter) ([]store.BankEntry, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: bank entries: %w", err)
	}
	if f.Status != "" {
		if err := store.CheckEntryStatus(f.Status); err != nil {
			return nil, "", fmt.Errorf("sqlite: bank entries: %w", err)
		}
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		where = append(where, cond)
		args = append(args, v...)
	}
	switch f.Status {
	case "":
	case store.EntryUnmatched:
		add("(r.status IS NULL OR r.status = 'unmatched')")
	default:
		add("r.status = ?", f.Status)
	}
	if after > 0 {
		st, idx := store.SplitEntryCursor(after)
		add("(e.statement, e.entry_index) > (?, ?)", st, idx)
	}
	q := `SELECT ` + bankEntryColumns + bankEntryFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY e.statement, e.entry_index LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: bank entries: %w", translate(err))
	}
	var (
		got  []pageEntry
		more bool
	)
	for rows.Next() {
		if len(got) == limit {
			more = true
			break
		}
		r, err := scanPageEntry(rows)
		if err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("sqlite: bank entries: %w", err)
		}
		got = append(got, r)
	}
	// Closed before the documents are read: an in-memory store has one
	// connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: bank entries: %w", translate(err))
	}
	out, err := s.fillTransactions(ctx, got)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: bank entries: %w", err)
	}
	next := ""
	if more {
		l := got[len(got)-1]
		next = page.Cursor(store.EntryCursor(l.statement, l.entry.Index))
	}
	return out, next, nil
}

// GetBankEntry returns the entry with this id (store.BankEntryID), or
// ErrNotFound.
func (s *Store) GetBankEntry(ctx context.Context, id string) (*store.BankEntry, error) {
	byID := func() (pageEntry, error) {
		return scanPageEntry(s.db.QueryRowContext(ctx, `SELECT `+bankEntryColumns+bankEntryFrom+`
			JOIN bank_entry_ids m ON m.statement = e.statement AND m.entry_index = e.entry_index
			WHERE m.entry_id = ?`, id))
	}
	r, err := byID()
	if errors.Is(err, sql.ErrNoRows) {
		// Perhaps an entry of a statement stored since the ids were last
		// mapped.
		if err := inTx(ctx, s.db, func(tx *sql.Tx) error { return mapEntryIDs(ctx, tx) }); err != nil {
			return nil, fmt.Errorf("sqlite: bank entry %s: %w", id, translate(err))
		}
		r, err = byID()
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: bank entry %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: bank entry %s: %w", id, translate(err))
	}
	out, err := s.fillTransactions(ctx, []pageEntry{r})
	if err != nil {
		return nil, fmt.Errorf("sqlite: bank entry %s: %w", id, err)
	}
	return &out[0], nil
}

// mapEntryIDs gives every stored entry that has none its row in
// bank_entry_ids: an entry id is a hash SQL cannot reverse, so the map is
// caught up here, when an id is not found, for the statements stored
// since, rather than by the statement writer.
func mapEntryIDs(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.account_key, s.statement_id, s.sequence_number, s.entry_count,
		coalesce(max(m.entry_index), 0)
		FROM bank_statements s LEFT JOIN bank_entry_ids m ON m.statement = s.id
		GROUP BY s.id HAVING s.entry_count > coalesce(max(m.entry_index), 0)`)
	if err != nil {
		return err
	}
	type missing struct {
		id        string
		statement int64
		index     int
	}
	var todo []missing
	for rows.Next() {
		var (
			st            int64
			key, sid, seq string
			count, mapped int
		)
		if err := rows.Scan(&st, &key, &sid, &seq, &count, &mapped); err != nil {
			rows.Close()
			return err
		}
		for i := mapped + 1; i <= count; i++ {
			todo = append(todo, missing{store.BankEntryID(key, sid, seq, i), st, i})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bank_entry_ids (entry_id, statement, entry_index) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, m.id, m.statement, m.index); err != nil {
			return err
		}
	}
	return nil
}

// saveReconciliation writes one record unless its entry is reconciled
// already. The entry must be stored now, not only mapped: a corrected
// statement may have fewer entries than it had. (The WHERE before ON
// CONFLICT also keeps SQLite's parser from reading ON CONFLICT as a join
// constraint.)
const saveReconciliation = `
INSERT INTO bank_reconciliations (entry_id, statement, entry_index, status, allocations, reason,
    suggestions, reconciled_by, reconciled_at)
SELECT m.entry_id, m.statement, m.entry_index, ?, ?, ?, ?, ?, ?
FROM bank_entry_ids m JOIN bank_entries e ON e.statement = m.statement AND e.entry_index = m.entry_index
WHERE m.entry_id = ?
ON CONFLICT (entry_id) DO UPDATE SET
    status        = excluded.status,
    allocations   = excluded.allocations,
    reason        = excluded.reason,
    suggestions   = excluded.suggestions,
    reconciled_by = excluded.reconciled_by,
    reconciled_at = excluded.reconciled_at
WHERE bank_reconciliations.status = 'unmatched'`

// SaveReconciliations records how entries were reconciled and reports, for
// each record, whether it was written: only an entry without a
// reconciliation or with an unmatched one takes a record. An id that names
// no stored entry refuses the whole call.
func (s *Store) SaveReconciliations(ctx context.Context, recs []store.EntryReconciliation) ([]bool, error) {
	written := make([]bool, len(recs))
	if len(recs) == 0 {
		return written, nil
	}
	type rec struct {
		store.EntryReconciliation
		alloc, sug []byte
	}
	checked := make([]rec, len(recs))
	for i, r := range recs {
		if err := store.CheckEntryStatus(r.Status); err != nil {
			return nil, fmt.Errorf("sqlite: save reconciliations: record %d: %w", i, err)
		}
		alloc, err := store.CompactJSON("allocations", r.Allocations, false)
		if err != nil {
			return nil, fmt.Errorf("sqlite: save reconciliations: record %d: %w", i, err)
		}
		sug, err := store.CompactJSON("suggestions", r.Suggestions, false)
		if err != nil {
			return nil, fmt.Errorf("sqlite: save reconciliations: record %d: %w", i, err)
		}
		checked[i] = rec{r, alloc, sug}
	}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		clear(written)
		mapped := false
		for i := 0; i < len(checked); i++ {
			r := &checked[i]
			var at any
			if r.Status != store.EntryUnmatched {
				at = r.At.UTC().Format(timeLayout)
			}
			res, err := tx.ExecContext(ctx, saveReconciliation,
				r.Status, jsonText(r.alloc), r.Reason, jsonText(r.sug), r.By, at, r.EntryID)
			if err != nil {
				return fmt.Errorf("entry %s: %w", r.EntryID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				written[i] = true
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bank_reconciliations WHERE entry_id = ?`, r.EntryID).Scan(&n); err != nil {
				return fmt.Errorf("entry %s: %w", r.EntryID, err)
			}
			switch {
			case n > 0: // reconciled already: kept
			case !mapped:
				// Perhaps an entry of a statement stored since the ids were
				// last mapped: map them, and try this record again.
				if err := mapEntryIDs(ctx, tx); err != nil {
					return fmt.Errorf("map entry ids: %w", err)
				}
				mapped = true
				i--
			default:
				return fmt.Errorf("%w: record %d: no stored bank entry has id %s", store.ErrInvalid, i, printableID(r.EntryID))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: save reconciliations: %w", translate(err))
	}
	return written, nil
}

// printableID is an id for an error message, cut short: it came from a
// caller and may be anything.
func printableID(id string) string {
	if len(id) > 40 {
		id = id[:40] + "…"
	}
	return strconv.Quote(id)
}

// --- supplier accounts ---

// AddSupplierAccount puts a supplier's bank account on file, pending
// verification unless a status is given, and reports whether it was added.
func (s *Store) AddSupplierAccount(ctx context.Context, a store.SupplierAccount) (bool, error) {
	a.Account = store.NormalizeAccount(a.Account)
	if a.Status == "" {
		a.Status = store.AccountPending
	}
	if err := store.CheckSupplierAccount(&a); err != nil {
		return false, fmt.Errorf("sqlite: add supplier account: %w", err)
	}
	if a.AddedAt.IsZero() {
		a.AddedAt = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO supplier_accounts (supplier_id, account, bic, country, status,
		added_by, added_at, verified_by, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (supplier_id, account) DO NOTHING`,
		a.SupplierID, a.Account, a.BIC, string(a.Country), a.Status, a.AddedBy, a.AddedAt.UTC().Format(timeLayout),
		a.VerifiedBy, timeText(a.VerifiedAt))
	if err != nil {
		return false, fmt.Errorf("sqlite: add supplier account: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: add supplier account: %w", err)
	}
	return n == 1, nil
}

// VerifySupplierAccount marks an account verified by a finance user other
// than the one who added it. A revoked account stays revoked.
func (s *Store) VerifySupplierAccount(ctx context.Context, supplierID, account, by string, at time.Time) error {
	account = store.NormalizeAccount(account)
	res, err := s.db.ExecContext(ctx, `UPDATE supplier_accounts SET status = 'verified', verified_by = ?3, verified_at = ?4
		WHERE supplier_id = ?1 AND account = ?2 AND added_by <> ?3 AND status <> 'revoked' AND ?3 <> ''`,
		supplierID, account, by, at.UTC().Format(timeLayout))
	if err != nil {
		return fmt.Errorf("sqlite: verify supplier account: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	var addedBy, status string
	err = s.db.QueryRowContext(ctx, `SELECT added_by, status FROM supplier_accounts WHERE supplier_id = ? AND account = ?`,
		supplierID, account).Scan(&addedBy, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: verify supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: verify supplier account: %w", translate(err))
	}
	return fmt.Errorf("sqlite: verify supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID,
		store.VerifyRefusal(addedBy, status, by))
}

// SetSupplierAccountStatus sets the status of an account on file.
func (s *Store) SetSupplierAccountStatus(ctx context.Context, supplierID, account, status string) error {
	if err := store.CheckAccountStatus(status); err != nil {
		return fmt.Errorf("sqlite: supplier account status: %w", err)
	}
	account = store.NormalizeAccount(account)
	res, err := s.db.ExecContext(ctx, `UPDATE supplier_accounts SET status = ? WHERE supplier_id = ? AND account = ?`,
		status, supplierID, account)
	if err != nil {
		return fmt.Errorf("sqlite: supplier account status: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID, store.ErrNotFound)
	}
	return nil
}

// SupplierAccounts returns a supplier's accounts on file, oldest first.
func (s *Store) SupplierAccounts(ctx context.Context, supplierID string) ([]store.SupplierAccount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT supplier_id, account, bic, country, status, added_by, added_at,
		verified_by, verified_at FROM supplier_accounts WHERE supplier_id = ? ORDER BY id`, supplierID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: supplier accounts: %w", translate(err))
	}
	defer rows.Close()
	var out []store.SupplierAccount
	for rows.Next() {
		var (
			a              store.SupplierAccount
			country, added string
			verified       sql.NullString
		)
		if err := rows.Scan(&a.SupplierID, &a.Account, &a.BIC, &country, &a.Status, &a.AddedBy, &added,
			&a.VerifiedBy, &verified); err != nil {
			return nil, fmt.Errorf("sqlite: supplier accounts: %w", err)
		}
		a.Country = canonical.Country(country)
		if a.AddedAt, err = parseTime(added); err != nil {
			return nil, fmt.Errorf("sqlite: supplier accounts: %w", err)
		}
		if a.VerifiedAt, err = nullTime(verified); err != nil {
			return nil, fmt.Errorf("sqlite: supplier accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: supplier accounts: %w", translate(err))
	}
	return out, nil
}
