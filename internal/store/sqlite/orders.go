package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/orderbatch"
	"github.com/procurehub/procurehub/internal/store/internal/page"
	"github.com/procurehub/procurehub/internal/store/internal/textsearch"
)

// UpsertOrders writes a batch of orders in one transaction and reports, for
// each order of the batch, what happened to it (see store.Change).
//
// Orders are keyed by (buyer.id, order_number). An order whose content hash
// equals the stored one is not written (ChangeUnchanged). A new key is
// inserted with status "submitted" and version 1; a changed order gets
// version+1, its new document and its lines replaced. When a key appears
// several times in the batch, the last one wins and the earlier ones report
// ChangeUnchanged.
//
// A batch the store refuses returns a *store.InvalidOrderError naming the
// order, and nothing of the batch is written. Concurrent calls take turns on
// the write lock; exactly one of them reports each insert or update.
func (s *Store) UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error) {
	changes := make([]store.Change, len(orders))
	if len(orders) == 0 {
		return changes, nil
	}
	items, err := orderbatch.Prepare(orders)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert orders: %w", err)
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		w, err := newOrderWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for i := range items {
			c, err := w.write(ctx, &items[i])
			if err != nil {
				return err
			}
			changes[items[i].Index] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert orders: %w", translate(err))
	}
	return changes, nil
}

// orderWriter holds the statements of one UpsertOrders transaction.
type orderWriter struct {
	now                                       string
	lookup, insert, update, deleteLines, line *sql.Stmt
}

func newOrderWriter(ctx context.Context, tx *sql.Tx) (*orderWriter, error) {
	w := &orderWriter{now: now()}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.lookup, `SELECT id, content_hash FROM orders WHERE buyer_id = ? AND order_number = ?`},
		{&w.insert, `INSERT INTO orders (buyer_id, order_number, supplier_id, status, currency,
			order_date, requested_delivery_date, total_amount, content_hash, version, document,
			lineage, duplicate_key, created_at, updated_at)
			VALUES (?, ?, ?, '` + store.StatusSubmitted + `', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) RETURNING id`},
		{&w.update, `UPDATE orders SET supplier_id = ?, currency = ?, order_date = ?,
			requested_delivery_date = ?, total_amount = ?, content_hash = ?, document = ?,
			lineage = ?, duplicate_key = ?, version = version + 1, updated_at = ?
			WHERE id = ?`},
		{&w.deleteLines, `DELETE FROM order_lines WHERE order_id = ?`},
		{&w.line, `INSERT INTO order_lines (order_id, line_number, sku, description, quantity,
			unit, unit_price, amount, hs_code, origin_country)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	}
	for _, st := range stmts {
		p, err := tx.PrepareContext(ctx, st.sql)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*st.dst = p
	}
	return w, nil
}

func (w *orderWriter) close() {
	for _, st := range []*sql.Stmt{w.lookup, w.insert, w.update, w.deleteLines, w.line} {
		if st != nil {
			_ = st.Close() // closing a prepared statement frees memory only
		}
	}
}

// write stores one item unless its content hash is already the stored one.
func (w *orderWriter) write(ctx context.Context, it *orderbatch.Item) (store.Change, error) {
	var (
		id   int64
		hash string
	)
	err := w.lookup.QueryRowContext(ctx, it.Key.BuyerID, it.Key.OrderNumber).Scan(&id, &hash)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up order %q: %w", it.Key.OrderNumber, err)
	}
	if exists && hash == it.Hash {
		return store.ChangeUnchanged, nil
	}
	lineage, err := it.Lineage()
	if err != nil {
		return 0, err
	}
	var lineageText any // NULL without lineage
	if lineage != nil {
		lineageText = string(lineage)
	}
	o := it.Order
	dupKey := store.DuplicateKey(o)
	change := store.ChangeInserted
	if exists {
		change = store.ChangeUpdated
		_, err = w.update.ExecContext(ctx, o.Supplier.ID, string(o.Currency), dateText(o.OrderDate),
			dateText(o.RequestedDeliveryDate), decimalText(o.TotalAmount), it.Hash, string(it.Content),
			lineageText, dupKey, w.now, id)
		if err == nil {
			_, err = w.deleteLines.ExecContext(ctx, id)
		}
	} else {
		err = w.insert.QueryRowContext(ctx, o.Buyer.ID, o.OrderNumber, o.Supplier.ID, string(o.Currency),
			dateText(o.OrderDate), dateText(o.RequestedDeliveryDate), decimalText(o.TotalAmount),
			it.Hash, string(it.Content), lineageText, dupKey, w.now, w.now).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("write order %q: %w", it.Key.OrderNumber, err)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		_, err := w.line.ExecContext(ctx, id, l.LineNumber, text(l.SKU), text(l.Description),
			l.Quantity.String(), text(string(l.Unit)), l.UnitPrice.String(), decimalText(l.Amount),
			text(string(l.HSCode)), text(string(l.OriginCountry)))
		if err != nil {
			return 0, fmt.Errorf("write line %d of order %q: %w", l.LineNumber, it.Key.OrderNumber, err)
		}
	}
	return change, nil
}

// decimalText is the decimal as written ("12.50"), or NULL.
func decimalText(d *canonical.Decimal) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// dateText is "YYYY-MM-DD", or NULL for the zero date.
func dateText(d canonical.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// text is NULL for the empty string.
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const orderColumns = `id, document, lineage, status, content_hash, version, created_at, updated_at`

// GetOrder returns the order (buyerID, orderNumber). With buyerID "" it
// returns the order with that number at any buyer, the most recently updated
// if several buyers have one. A missing order is store.ErrNotFound.
func (s *Store) GetOrder(ctx context.Context, buyerID, orderNumber string) (*store.StoredOrder, error) {
	var row *sql.Row
	if buyerID == "" {
		row = s.db.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders
			WHERE order_number = ? ORDER BY updated_at DESC, id DESC LIMIT 1`, orderNumber)
	} else {
		row = s.db.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders
			WHERE buyer_id = ? AND order_number = ?`, buyerID, orderNumber)
	}
	o, _, err := scanOrder(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: order %q of buyer %q: %w", orderNumber, buyerID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get order %q: %w", orderNumber, translate(err))
	}
	return o, nil
}

// ListOrders returns one page of the orders that match f, newest first
// (by creation), and the cursor of the next page ("" after the last page).
// Pages are keyset-paginated: an order created while a caller walks the
// pages never makes another order appear twice or go missing.
func (s *Store) ListOrders(ctx context.Context, f store.OrderFilter) ([]store.StoredOrder, string, error) {
	after, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list orders: %w", err)
	}
	limit := page.Limit(f.Limit)
	words, err := textsearch.Words(f.Search)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list orders: %w", err)
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.BuyerID != "" {
		add("buyer_id = ?", f.BuyerID)
	}
	if f.SupplierID != "" {
		add("supplier_id = ?", f.SupplierID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.OrderNumber != "" {
		add("order_number = ?", f.OrderNumber)
	}
	if f.Party != "" {
		where = append(where, partyFilter)
		args = append(args, f.Party, f.Party, f.Party, f.Party)
	}
	if len(words) > 0 {
		// Only a search adds these; the plain list keeps its plan.
		const like = ` LIKE ? ESCAPE '` + textsearch.Escape + `'`
		var patterns, inFields []string
		for _, w := range words {
			p := textsearch.Contains(strings.ToLower(w))
			patterns = append(patterns, p)
			inFields = append(inFields, `s.h`+like)
			if textsearch.Verbatim(w) {
				// A word found in a field is found in the document too
				// (fold maps rune by rune): a plain text scan drops most
				// orders before any JSON is read.
				add(foldFunc+`(document)`+like, p)
			}
		}
		where = append(where, `EXISTS (SELECT 1 FROM (`+searchText+`) AS s WHERE `+strings.Join(inFields, " AND ")+`)`)
		for _, p := range patterns {
			args = append(args, p)
		}
	}
	if after > 0 {
		add("id < ?", after)
	}
	q := `SELECT ` + orderColumns + ` FROM orders`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: list orders: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.StoredOrder
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		o, id, err := scanOrder(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: list orders: %w", err)
		}
		out = append(out, *o)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: list orders: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(last)
	}
	return out, next, nil
}

// partyFilter keeps the orders a party is on (store.OrderFilter.Party):
// buyer, supplier, assigned, or carrier of one of their shipments. It
// takes the party four times.
const partyFilter = `(buyer_id = ? OR supplier_id = ?
	OR EXISTS (SELECT 1 FROM order_assignments a
		WHERE a.party_id = ? AND a.buyer_id = orders.buyer_id AND a.order_number = orders.order_number)
	OR EXISTS (SELECT 1 FROM shipment_orders so JOIN shipments sh ON sh.id = so.shipment
		WHERE so.order_number = orders.order_number AND sh.carrier = ?))`

// searchText is what store.OrderFilter.Search looks in, case folded, one
// field a line: order number, buyer and supplier ids and names, and the SKU,
// buyer SKU and description of every line. A word has no white space, so it
// never matches across two fields.
const searchText = `SELECT ` + foldFunc + `(concat_ws(char(10), orders.order_number, orders.buyer_id, orders.supplier_id,
		orders.document ->> '$.buyer.name', orders.document ->> '$.supplier.name',
		(SELECT group_concat(concat_ws(char(10), l.value ->> '$.sku', l.value ->> '$.buyer_sku', l.value ->> '$.description'), char(10))
			FROM json_each(orders.document, '$.lines') AS l))) AS h`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanOrder reads one row of orderColumns.
func scanOrder(row scanner) (*store.StoredOrder, int64, error) {
	var (
		o                store.StoredOrder
		id               int64
		doc              string
		lineage          sql.NullString
		created, updated string
	)
	if err := row.Scan(&id, &doc, &lineage, &o.Status, &o.ContentHash, &o.Version, &created, &updated); err != nil {
		return nil, 0, err
	}
	var err error
	if o.Order, err = orderbatch.Decode([]byte(doc), []byte(lineage.String)); err != nil {
		return nil, 0, fmt.Errorf("order %d: %w", id, err)
	}
	if o.CreatedAt, err = parseTime(created); err != nil {
		return nil, 0, fmt.Errorf("order %d: %w", id, err)
	}
	if o.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, 0, fmt.Errorf("order %d: %w", id, err)
	}
	return &o, id, nil
}
