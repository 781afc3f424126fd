package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// --- invoices ---

// UpsertInvoices writes a batch of supplier invoices received from partner
// in one transaction and reports what happened to each (see store.Change).
// Invoices are keyed by (supplier id, invoice number); one whose content
// hash equals the stored one is not written, a changed one gets version+1
// and its order links replaced, its match, overrides and settlement kept
// (the caller matches again). Within a batch the last invoice of a key
// wins. Every invoice is validated first; a refused one is a
// *store.InvalidInvoiceError and nothing of the batch is written.
func (s *Store) UpsertInvoices(ctx context.Context, partner string, invs []*canonical.Invoice) ([]store.Change, error) {
	changes := make([]store.Change, len(invs))
	if len(invs) == 0 {
		return changes, nil
	}
	contents, err := store.CheckInvoices(invs)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert invoices: %w", err)
	}
	// Key order, so that concurrent batches lock shared keys in one order.
	order := make([]int, len(invs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := invs[order[a]], invs[order[b]]
		if x.Supplier.ID != y.Supplier.ID {
			return x.Supplier.ID < y.Supplier.ID
		}
		return x.InvoiceNumber < y.InvoiceNumber
	})
	last := store.LastInvoices(invs)
	for attempt := 1; ; attempt++ {
		clear(changes)
		err := s.writeInvoices(ctx, partner, invs, contents, order, last, changes)
		if err == nil {
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert invoices: %w", err)
		}
	}
}

const upsertInvoice = `
INSERT INTO invoices AS i (partner, supplier_id, invoice_number, buyer_id, content_hash, document, lineage)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (supplier_id, invoice_number) DO UPDATE SET
    partner      = EXCLUDED.partner,
    buyer_id     = EXCLUDED.buyer_id,
    content_hash = EXCLUDED.content_hash,
    document     = EXCLUDED.document,
    lineage      = EXCLUDED.lineage,
    version      = i.version + 1,
    updated_at   = now()
WHERE i.content_hash <> EXCLUDED.content_hash
RETURNING id, version`

func (s *Store) writeInvoices(ctx context.Context, partner string, invs []*canonical.Invoice, contents [][]byte,
	order []int, last []bool, changes []store.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	for _, i := range order {
		if !last[i] {
			continue
		}
		inv := invs[i]
		lineage, err := store.LineageJSON(inv.Source)
		if err != nil {
			return err
		}
		var lin any
		if lineage != nil {
			lin = string(lineage)
		}
		var (
			id      int64
			version int
		)
		err = tx.QueryRow(ctx, upsertInvoice, partner, inv.Supplier.ID, inv.InvoiceNumber, inv.Buyer.ID,
			store.HashContent(contents[i]), string(contents[i]), lin).Scan(&id, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // same content: unchanged
		}
		if err != nil {
			return fmt.Errorf("write invoice %q of %q: %w", inv.InvoiceNumber, inv.Supplier.ID, err)
		}
		changes[i] = store.ChangeInserted
		if version > 1 {
			changes[i] = store.ChangeUpdated
			if _, err := tx.Exec(ctx, `DELETE FROM invoice_orders WHERE invoice = $1`, id); err != nil {
				return fmt.Errorf("unlink invoice %q from its orders: %w", inv.InvoiceNumber, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invoice_orders (invoice, order_number)
			SELECT $1, n FROM unnest($2::text[]) AS n ON CONFLICT DO NOTHING`, id, store.InvoiceOrders(inv)); err != nil {
			return fmt.Errorf("link invoice %q to its orders: %w", inv.InvoiceNumber, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

const invoiceColumns = `i.id, i.partner, i.document, i.lineage, i.content_hash, i.version, i.created_at, i.updated_at,
	i.match_status, i.match_result, i.overrides, i.settlement, i.paid::text, i.paid_at, i.auto_matched`

// scanInvoice reads one row of invoiceColumns.
func scanInvoice(row pgx.Row) (store.StoredInvoice, int64, error) {
	var (
		id              int64
		r               store.DocumentRow
		status, settled string
		match, over     *string
		paid            string
		paidAt          *time.Time
		auto            bool
	)
	if err := row.Scan(&id, &r.Partner, &r.Document, &r.Lineage, &r.ContentHash, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&status, &match, &over, &settled, &paid, &paidAt, &auto); err != nil {
		return store.StoredInvoice{}, 0, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	inv, err := store.InvoiceOf(r)
	if err != nil {
		return store.StoredInvoice{}, 0, err
	}
	if inv.Paid, err = canonical.ParseDecimal(paid); err != nil {
		return store.StoredInvoice{}, 0, fmt.Errorf("invoice %d: stored paid: %w", id, err)
	}
	inv.MatchStatus, inv.Settlement, inv.AutoMatched = status, settled, auto
	inv.Match, inv.Overrides = rawJSON(match), rawJSON(over)
	inv.PaidAt = utc(paidAt)
	return inv, id, nil
}

// rawJSON is the stored JSON text, nil for NULL.
func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// jsonText is the JSON for a text column, NULL for none.
func jsonText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// utc is t in UTC, nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetInvoice returns the supplier's invoice with this number, or
// ErrNotFound.
func (s *Store) GetInvoice(ctx context.Context, supplierID, invoiceNumber string) (*store.StoredInvoice, error) {
	inv, _, err := scanInvoice(s.pool.QueryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices i
		WHERE i.supplier_id = $1 AND i.invoice_number = $2`, supplierID, invoiceNumber))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: invoice %q of %q: %w", invoiceNumber, supplierID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: invoice %q of %q: %w", invoiceNumber, supplierID, translate(err))
	}
	return &inv, nil
}

// ListInvoices returns a page of the invoices that f selects, oldest first,
// and the cursor of the next page ("" after the last).
func (s *Store) ListInvoices(ctx context.Context, f store.InvoiceFilter) ([]store.StoredInvoice, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list invoices: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.SupplierID != "" {
		add("i.supplier_id = $%d", f.SupplierID)
	}
	if f.BuyerID != "" {
		add("i.buyer_id = $%d", f.BuyerID)
	}
	if f.OrderNumber != "" {
		add("EXISTS (SELECT 1 FROM invoice_orders o WHERE o.invoice = i.id AND o.order_number = $%d)", f.OrderNumber)
	}
	if f.MatchStatus != "" {
		add("i.match_status = $%d", f.MatchStatus)
	}
	if f.Settlement != "" {
		add("i.settlement = $%d", f.Settlement)
	}
	if f.Open {
		add("i.settlement <> $%d", store.SettlementReconciled)
	}
	if after > 0 {
		add("i.id > $%d", after)
	}
	q := `SELECT ` + invoiceColumns + ` FROM invoices i`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY i.id LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list invoices: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: list invoices: %w", err)
		}
		out = append(out, inv)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list invoices: %w", translate(err))
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
	tag, err := s.pool.Exec(ctx, q, append(args, supplierID, invoiceNumber)...)
	if err != nil {
		return fmt.Errorf("postgres: %s of invoice %q: %w", what, invoiceNumber, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s of invoice %q of %q: %w", what, invoiceNumber, supplierID, store.ErrNotFound)
	}
	return nil
}

// SetInvoiceMatch records the three-way match's verdict and result.
func (s *Store) SetInvoiceMatch(ctx context.Context, supplierID, invoiceNumber, status string, result json.RawMessage) error {
	if err := store.CheckInvoiceMatchStatus(status); err != nil {
		return fmt.Errorf("postgres: match of invoice %q: %w", invoiceNumber, err)
	}
	res, err := store.CompactJSON("match result", result, false)
	if err != nil {
		return fmt.Errorf("postgres: match of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "match", supplierID, invoiceNumber, `UPDATE invoices SET match_status = $1,
		match_result = $2, updated_at = now() WHERE supplier_id = $3 AND invoice_number = $4`, status, jsonText(res))
}

// AddInvoiceOverride appends a finance user's override (a JSON object) to
// the invoice's overrides. The append is one UPDATE, so concurrent
// overrides are all kept; the array is text the store wrote itself, so it
// is extended without being parsed.
func (s *Store) AddInvoiceOverride(ctx context.Context, supplierID, invoiceNumber string, override json.RawMessage) error {
	o, err := store.CompactJSON("override", override, true)
	if err != nil {
		return fmt.Errorf("postgres: override of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "override", supplierID, invoiceNumber, `UPDATE invoices SET
		overrides = CASE WHEN overrides IS NULL THEN '[' || $1::text || ']' ELSE left(overrides, -1) || ',' || $1::text || ']' END,
		updated_at = now() WHERE supplier_id = $2 AND invoice_number = $3`, string(o))
}

// SetInvoiceSettlement records what the bank paid against the invoice.
// paid_at is set when the invoice becomes reconciled, kept while it stays
// reconciled, and cleared when it no longer is.
func (s *Store) SetInvoiceSettlement(ctx context.Context, supplierID, invoiceNumber, settlement string, paid canonical.Decimal, auto bool, at time.Time) error {
	if err := store.CheckSettlement(settlement); err != nil {
		return fmt.Errorf("postgres: settlement of invoice %q: %w", invoiceNumber, err)
	}
	return s.updateInvoice(ctx, "settlement", supplierID, invoiceNumber, `UPDATE invoices SET
		paid_at = CASE WHEN $1 <> 'reconciled' THEN NULL
		               WHEN settlement = 'reconciled' AND paid_at IS NOT NULL THEN paid_at
		               ELSE $4::timestamptz END,
		settlement = $1, paid = $2, auto_matched = $3, updated_at = now()
		WHERE supplier_id = $5 AND invoice_number = $6`, settlement, numeric(paid), auto, at.UTC())
}

// --- payment requests ---

// UpsertPaymentRequests writes a batch of payment requests in one
// transaction and reports what happened to each. A new request is inserted
// as given (status planned when empty, no approvals). An existing one gets
// the plan fields of the batch only while it is planned, pending or blocked
// and only when they changed; its status, approvals, creator,
// recommendation and paid amount are never touched here.
func (s *Store) UpsertPaymentRequests(ctx context.Context, reqs []store.PaymentRequest) ([]store.Change, error) {
	changes := make([]store.Change, len(reqs))
	if len(reqs) == 0 {
		return changes, nil
	}
	checked := make([]store.PaymentRequest, len(reqs))
	for i := range reqs {
		checked[i] = reqs[i]
		if err := store.CheckPaymentRequest(&checked[i]); err != nil {
			return nil, fmt.Errorf("postgres: upsert payment requests: request %d: %w", i, err)
		}
	}
	for attempt := 1; ; attempt++ {
		clear(changes)
		err := s.writePaymentRequests(ctx, checked, changes)
		if err == nil {
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert payment requests: %w", err)
		}
	}
}

func (s *Store) writePaymentRequests(ctx context.Context, reqs []store.PaymentRequest, changes []store.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	for i := range reqs {
		r := &reqs[i]
		docs, err := documentsJSON(r.Documents)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO payment_requests (request_id, buyer_id, order_number, supplier_id,
			sequence, stage, amount, currency, due_date, documents, invoice_number, end_to_end_id, status,
			blocked_reason, created_by, recommended, paid)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			ON CONFLICT (request_id) DO NOTHING`,
			r.ID, r.BuyerID, r.OrderNumber, r.SupplierID, r.Sequence, r.Stage, numeric(r.Amount), string(r.Currency),
			date(r.DueDate), docs, r.InvoiceNumber, r.EndToEndID, r.Status, r.BlockedReason, r.CreatedBy,
			jsonText(r.Recommended), numeric(r.Paid))
		if err != nil {
			return fmt.Errorf("write payment request %s: %w", r.ID, err)
		}
		if tag.RowsAffected() == 1 {
			changes[i] = store.ChangeInserted
			continue
		}
		// It exists: lock it, and compare its plan with the batch's.
		stored, _, err := scanPaymentRequest(tx.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payment_requests p
			WHERE p.request_id = $1 FOR UPDATE`, r.ID))
		if err != nil {
			return fmt.Errorf("read payment request %s: %w", r.ID, err)
		}
		if !store.PlanEditable(stored.Status) || store.SamePlan(&stored, r) {
			continue // unchanged
		}
		if _, err := tx.Exec(ctx, `UPDATE payment_requests SET supplier_id = $2, sequence = $3, stage = $4,
			amount = $5, currency = $6, due_date = $7, documents = $8, invoice_number = $9, end_to_end_id = $10,
			updated_at = now() WHERE request_id = $1`,
			r.ID, r.SupplierID, r.Sequence, r.Stage, numeric(r.Amount), string(r.Currency), date(r.DueDate), docs,
			r.InvoiceNumber, r.EndToEndID); err != nil {
			return fmt.Errorf("update payment request %s: %w", r.ID, err)
		}
		changes[i] = store.ChangeUpdated
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
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
	p.amount::text, p.currency, p.due_date, p.documents, p.invoice_number, p.end_to_end_id, p.status,
	p.blocked_reason, p.created_by, p.approvals, p.recommended, p.paid::text, p.created_at, p.updated_at`

// scanPaymentRequest reads one row of paymentColumns.
func scanPaymentRequest(row pgx.Row) (store.PaymentRequest, int64, error) {
	var (
		r                      store.PaymentRequest
		id                     int64
		amount, currency, paid string
		docs, approvals        string
		due                    pgtype.Date
		recommended            *string
	)
	if err := row.Scan(&id, &r.ID, &r.BuyerID, &r.OrderNumber, &r.SupplierID, &r.Sequence, &r.Stage, &amount, &currency,
		&due, &docs, &r.InvoiceNumber, &r.EndToEndID, &r.Status, &r.BlockedReason, &r.CreatedBy, &approvals,
		&recommended, &paid, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	if err := store.FillPaymentRequest(&r, amount, paid, docs, approvals); err != nil {
		return store.PaymentRequest{}, 0, err
	}
	r.Currency = canonical.Currency(currency)
	if due.Valid {
		r.DueDate = canonical.DateOf(due.Time)
	}
	r.Recommended = rawJSON(recommended)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, id, nil
}

// GetPaymentRequest returns the request with this id, or ErrNotFound.
func (s *Store) GetPaymentRequest(ctx context.Context, id string) (*store.PaymentRequest, error) {
	r, _, err := scanPaymentRequest(s.pool.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payment_requests p
		WHERE p.request_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: payment request %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: payment request %q: %w", id, translate(err))
	}
	return &r, nil
}

// ListPaymentRequests returns a page of the requests that f selects,
// oldest first, and the cursor of the next page ("" after the last).
func (s *Store) ListPaymentRequests(ctx context.Context, f store.PaymentRequestFilter) ([]store.PaymentRequest, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list payment requests: %w", err)
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.BuyerID != "" {
		add("p.buyer_id = $%d", f.BuyerID)
	}
	if f.SupplierID != "" {
		add("p.supplier_id = $%d", f.SupplierID)
	}
	if f.OrderNumber != "" {
		add("p.order_number = $%d", f.OrderNumber)
	}
	if f.Status != "" {
		add("p.status = $%d", f.Status)
	}
	if after > 0 {
		add("p.id > $%d", after)
	}
	q := `SELECT ` + paymentColumns + ` FROM payment_requests p`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY p.id LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list payment requests: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: list payment requests: %w", err)
		}
		out = append(out, r)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list payment requests: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// paymentRequestExists tells a compare-and-set that did not apply because
// the status differed from one that did not because there is no request.
func (s *Store) paymentRequestExists(ctx context.Context, id string) error {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM payment_requests WHERE request_id = $1`, id).Scan(&n); err != nil {
		return translate(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// SetPaymentStatus moves a request from status from to status to, with the
// reason it is blocked ("" clears it), and reports whether it did. Asking
// for payment (to pending) records by as its creator, whom the approvals
// then exclude.
func (s *Store) SetPaymentStatus(ctx context.Context, id, from, to, by, reason string) (bool, error) {
	if err := store.CheckPaymentStatus(to); err != nil {
		return false, fmt.Errorf("postgres: status of payment request %q: %w", id, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE payment_requests SET status = $3, blocked_reason = $4,
		created_by = CASE WHEN $3 = 'pending' THEN $5 ELSE created_by END, updated_at = now()
		WHERE request_id = $1 AND status = $2`, id, from, to, reason, by)
	if err != nil {
		return false, fmt.Errorf("postgres: status of payment request %q: %w", id, translate(err))
	}
	if tag.RowsAffected() > 0 {
		return true, nil
	}
	if err := s.paymentRequestExists(ctx, id); err != nil {
		return false, fmt.Errorf("postgres: status of payment request %q: %w", id, err)
	}
	return false, nil
}

// AddPaymentApproval appends a finance user's decision to the request and
// moves it to status to, in one UPDATE, when its status is still from.
func (s *Store) AddPaymentApproval(ctx context.Context, id, from string, a store.PaymentApproval, to string) (bool, error) {
	if err := store.CheckPaymentStatus(to); err != nil {
		return false, fmt.Errorf("postgres: approval of payment request %q: %w", id, err)
	}
	a.At = a.At.UTC()
	b, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("postgres: approval of payment request %q: %w", id, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE payment_requests SET
		approvals = CASE WHEN approvals = '[]' THEN '[' || $3::text || ']' ELSE left(approvals, -1) || ',' || $3::text || ']' END,
		status = $4, updated_at = now()
		WHERE request_id = $1 AND status = $2`, id, from, string(b), to)
	if err != nil {
		return false, fmt.Errorf("postgres: approval of payment request %q: %w", id, translate(err))
	}
	if tag.RowsAffected() > 0 {
		return true, nil
	}
	if err := s.paymentRequestExists(ctx, id); err != nil {
		return false, fmt.Errorf("postgres: approval of payment request %q: %w", id, err)
	}
	return false, nil
}

// SetPaymentRecommendation records the pay-date recommendation of a request.
func (s *Store) SetPaymentRecommendation(ctx context.Context, id string, rec json.RawMessage) error {
	b, err := store.CompactJSON("recommendation", rec, false)
	if err != nil {
		return fmt.Errorf("postgres: recommendation of payment request %q: %w", id, err)
	}
	return s.updatePaymentRequest(ctx, "recommendation", id,
		`UPDATE payment_requests SET recommended = $2, updated_at = now() WHERE request_id = $1`, jsonText(b))
}

// SetPaymentPaid records what bank entries allocated to a request.
func (s *Store) SetPaymentPaid(ctx context.Context, id string, paid canonical.Decimal) error {
	return s.updatePaymentRequest(ctx, "paid amount", id,
		`UPDATE payment_requests SET paid = $2, updated_at = now() WHERE request_id = $1`, numeric(paid))
}

func (s *Store) updatePaymentRequest(ctx context.Context, what, id, q string, v any) error {
	tag, err := s.pool.Exec(ctx, q, id, v)
	if err != nil {
		return fmt.Errorf("postgres: %s of payment request %q: %w", what, id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s of payment request %q: %w", what, id, store.ErrNotFound)
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

func scanPageEntry(row pgx.Row) (pageEntry, error) {
	var (
		er         pageEntry
		seq        string
		alloc, sug *string
		at         *time.Time
	)
	e := &er.entry
	if err := row.Scan(&er.statement, &e.Index, &e.AccountKey, &e.StatementID, &seq, &e.Status, &alloc, &e.Reason,
		&sug, &e.By, &at); err != nil {
		return pageEntry{}, err
	}
	e.ID = store.BankEntryID(e.AccountKey, e.StatementID, seq, e.Index)
	e.Allocations, e.Suggestions, e.ReconciledAt = rawJSON(alloc), rawJSON(sug), utc(at)
	return er, nil
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
			if err := s.pool.QueryRow(ctx, `SELECT document FROM bank_statements WHERE id = $1`, r.statement).Scan(&doc); err != nil {
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
		return nil, "", fmt.Errorf("postgres: bank entries: %w", err)
	}
	if f.Status != "" {
		if err := store.CheckEntryStatus(f.Status); err != nil {
			return nil, "", fmt.Errorf("postgres: bank entries: %w", err)
		}
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		args = append(args, v...)
		where = append(where, cond)
	}
	switch f.Status {
	case "":
	case store.EntryUnmatched:
		add("(r.status IS NULL OR r.status = 'unmatched')")
	default:
		add("r.status = $1", f.Status)
	}
	if after > 0 {
		st, idx := store.SplitEntryCursor(after)
		n := len(args)
		add(fmt.Sprintf("(e.statement, e.entry_index) > ($%d, $%d)", n+1, n+2), st, idx)
	}
	q := `SELECT ` + bankEntryColumns + bankEntryFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY e.statement, e.entry_index LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: bank entries: %w", translate(err))
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
			return nil, "", fmt.Errorf("postgres: bank entries: %w", err)
		}
		got = append(got, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: bank entries: %w", translate(err))
	}
	out, err := s.fillTransactions(ctx, got)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: bank entries: %w", err)
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
		return scanPageEntry(s.pool.QueryRow(ctx, `SELECT `+bankEntryColumns+bankEntryFrom+`
			JOIN bank_entry_ids m ON m.statement = e.statement AND m.entry_index = e.entry_index
			WHERE m.entry_id = $1`, id))
	}
	r, err := byID()
	if errors.Is(err, pgx.ErrNoRows) {
		// Perhaps an entry of a statement stored since the ids were last
		// mapped.
		if err := mapEntryIDs(ctx, s.pool); err != nil {
			return nil, fmt.Errorf("postgres: bank entry %s: %w", id, translate(err))
		}
		r, err = byID()
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: bank entry %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: bank entry %s: %w", id, translate(err))
	}
	out, err := s.fillTransactions(ctx, []pageEntry{r})
	if err != nil {
		return nil, fmt.Errorf("postgres: bank entry %s: %w", id, err)
	}
	return &out[0], nil
}

// execQuerier is what mapEntryIDs needs: the pool or a transaction.
type execQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// mapEntryIDs gives every stored entry that has none its row in
// bank_entry_ids. An entry id is a hash of its statement's key and its
// index, which SQL cannot reverse; the map is caught up here, when an id is
// not found, for the statements stored since, rather than by the statement
// writer. Rows go in statement order, and concurrent callers insert the
// same rows: the conflict keeps one.
func mapEntryIDs(ctx context.Context, q execQuerier) error {
	rows, err := q.Query(ctx, `SELECT s.id, s.account_key, s.statement_id, s.sequence_number, s.entry_count,
		coalesce(max(m.entry_index), 0)
		FROM bank_statements s LEFT JOIN bank_entry_ids m ON m.statement = s.id
		GROUP BY s.id HAVING s.entry_count > coalesce(max(m.entry_index), 0) ORDER BY s.id`)
	if err != nil {
		return err
	}
	var (
		ids        []string
		statements []int64
		indexes    []int32
	)
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
			ids = append(ids, store.BankEntryID(key, sid, seq, i))
			statements = append(statements, st)
			indexes = append(indexes, int32(i))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = q.Exec(ctx, `INSERT INTO bank_entry_ids (entry_id, statement, entry_index)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[]) ON CONFLICT DO NOTHING`, ids, statements, indexes)
	return err
}

// saveReconciliation writes one record unless its entry is reconciled
// already. The entry must be stored now, not only mapped: a corrected
// statement may have fewer entries than it had. known is false when no
// stored entry has the id.
const saveReconciliation = `
INSERT INTO bank_reconciliations AS r (entry_id, statement, entry_index, status, allocations, reason,
    suggestions, reconciled_by, reconciled_at)
SELECT m.entry_id, m.statement, m.entry_index, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz
FROM bank_entry_ids m JOIN bank_entries e ON e.statement = m.statement AND e.entry_index = m.entry_index
WHERE m.entry_id = $1
ON CONFLICT (entry_id) DO UPDATE SET
    status        = EXCLUDED.status,
    allocations   = EXCLUDED.allocations,
    reason        = EXCLUDED.reason,
    suggestions   = EXCLUDED.suggestions,
    reconciled_by = EXCLUDED.reconciled_by,
    reconciled_at = EXCLUDED.reconciled_at
WHERE r.status = 'unmatched'`

// SaveReconciliations records how entries were reconciled and reports, for
// each record, whether it was written: an entry already matched
// automatically, manually or ignored keeps that, and only an unmatched
// record (or none) is replaced. An id that names no stored entry refuses
// the whole call.
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
			return nil, fmt.Errorf("postgres: save reconciliations: record %d: %w", i, err)
		}
		alloc, err := store.CompactJSON("allocations", r.Allocations, false)
		if err != nil {
			return nil, fmt.Errorf("postgres: save reconciliations: record %d: %w", i, err)
		}
		sug, err := store.CompactJSON("suggestions", r.Suggestions, false)
		if err != nil {
			return nil, fmt.Errorf("postgres: save reconciliations: record %d: %w", i, err)
		}
		checked[i] = rec{r, alloc, sug}
	}
	for attempt := 1; ; attempt++ {
		clear(written)
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			mapped := false
			for i := 0; i < len(checked); i++ {
				r := &checked[i]
				var at any
				if r.Status != store.EntryUnmatched {
					at = r.At.UTC()
				}
				tag, err := tx.Exec(ctx, saveReconciliation,
					r.EntryID, r.Status, jsonText(r.alloc), r.Reason, jsonText(r.sug), r.By, at)
				if err != nil {
					return fmt.Errorf("entry %s: %w", r.EntryID, err)
				}
				if tag.RowsAffected() == 1 {
					written[i] = true
					continue
				}
				var n int
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM bank_reconciliations WHERE entry_id = $1`, r.EntryID).Scan(&n); err != nil {
					return fmt.Errorf("entry %s: %w", r.EntryID, err)
				}
				switch {
				case n > 0: // reconciled already: kept
				case !mapped:
					// Perhaps an entry of a statement stored since the ids
					// were last mapped: map them, and try this record again.
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
		if err == nil {
			return written, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: save reconciliations: %w", err)
		}
	}
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
// verification unless a status is given, and reports whether it was added:
// an account already on file is left as it is.
func (s *Store) AddSupplierAccount(ctx context.Context, a store.SupplierAccount) (bool, error) {
	a.Account = store.NormalizeAccount(a.Account)
	if a.Status == "" {
		a.Status = store.AccountPending
	}
	if err := store.CheckSupplierAccount(&a); err != nil {
		return false, fmt.Errorf("postgres: add supplier account: %w", err)
	}
	if a.AddedAt.IsZero() {
		a.AddedAt = time.Now()
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO supplier_accounts (supplier_id, account, bic, country, status,
		added_by, added_at, verified_by, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (supplier_id, account) DO NOTHING`,
		a.SupplierID, a.Account, a.BIC, string(a.Country), a.Status, a.AddedBy, a.AddedAt.UTC(), a.VerifiedBy, utc(a.VerifiedAt))
	if err != nil {
		return false, fmt.Errorf("postgres: add supplier account: %w", translate(err))
	}
	return tag.RowsAffected() == 1, nil
}

// VerifySupplierAccount marks an account verified by a finance user other
// than the one who added it. A revoked account stays revoked.
func (s *Store) VerifySupplierAccount(ctx context.Context, supplierID, account, by string, at time.Time) error {
	account = store.NormalizeAccount(account)
	tag, err := s.pool.Exec(ctx, `UPDATE supplier_accounts SET status = 'verified', verified_by = $3, verified_at = $4
		WHERE supplier_id = $1 AND account = $2 AND added_by <> $3 AND status <> 'revoked' AND $3 <> ''`,
		supplierID, account, by, at.UTC())
	if err != nil {
		return fmt.Errorf("postgres: verify supplier account: %w", translate(err))
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var addedBy, status string
	err = s.pool.QueryRow(ctx, `SELECT added_by, status FROM supplier_accounts WHERE supplier_id = $1 AND account = $2`,
		supplierID, account).Scan(&addedBy, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: verify supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: verify supplier account: %w", translate(err))
	}
	return fmt.Errorf("postgres: verify supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID,
		store.VerifyRefusal(addedBy, status, by))
}

// SetSupplierAccountStatus sets the status of an account on file.
func (s *Store) SetSupplierAccountStatus(ctx context.Context, supplierID, account, status string) error {
	if err := store.CheckAccountStatus(status); err != nil {
		return fmt.Errorf("postgres: supplier account status: %w", err)
	}
	account = store.NormalizeAccount(account)
	tag, err := s.pool.Exec(ctx, `UPDATE supplier_accounts SET status = $3 WHERE supplier_id = $1 AND account = $2`,
		supplierID, account, status)
	if err != nil {
		return fmt.Errorf("postgres: supplier account status: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: supplier account %s of %q: %w", canonical.MaskAccount(account), supplierID, store.ErrNotFound)
	}
	return nil
}

// SupplierAccounts returns a supplier's accounts on file, oldest first.
func (s *Store) SupplierAccounts(ctx context.Context, supplierID string) ([]store.SupplierAccount, error) {
	rows, err := s.pool.Query(ctx, `SELECT supplier_id, account, bic, country, status, added_by, added_at,
		verified_by, verified_at FROM supplier_accounts WHERE supplier_id = $1 ORDER BY id`, supplierID)
	if err != nil {
		return nil, fmt.Errorf("postgres: supplier accounts: %w", translate(err))
	}
	defer rows.Close()
	var out []store.SupplierAccount
	for rows.Next() {
		var (
			a       store.SupplierAccount
			country string
			vat     *time.Time
		)
		if err := rows.Scan(&a.SupplierID, &a.Account, &a.BIC, &country, &a.Status, &a.AddedBy, &a.AddedAt,
			&a.VerifiedBy, &vat); err != nil {
			return nil, fmt.Errorf("postgres: supplier accounts: %w", err)
		}
		a.Country, a.AddedAt, a.VerifiedAt = canonical.Country(country), a.AddedAt.UTC(), utc(vat)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: supplier accounts: %w", translate(err))
	}
	return out, nil
}
