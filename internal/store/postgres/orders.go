package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/orderbatch"
	"github.com/procurehub/procurehub/internal/store/internal/page"
	"github.com/procurehub/procurehub/internal/store/internal/textsearch"
)

// maxAttempts bounds how often UpsertOrders retries a batch that lost to a
// concurrent transaction (deadlock or serialization failure).
const maxAttempts = 3

// UpsertOrders writes a batch of orders in one transaction and reports, for
// each order of the batch, what happened to it (see store.Change).
//
// Orders are keyed by (buyer.id, order_number). An order whose content hash
// equals the stored one is not written (ChangeUnchanged), so redelivered
// messages cost a read and nothing else. A new key is inserted with status
// "submitted" and version 1; a changed order gets version+1, its new document
// and its lines replaced. When a key appears several times in the batch, the
// last one wins and the earlier ones report ChangeUnchanged.
//
// A batch the store refuses returns a *store.InvalidOrderError naming the
// order, and nothing of the batch is written. Safe for concurrent use: two
// callers writing the same orders at once both succeed, and exactly one of
// them reports each insert or update.
func (s *Store) UpsertOrders(ctx context.Context, orders []*canonical.Order) ([]store.Change, error) {
	changes := make([]store.Change, len(orders))
	if len(orders) == 0 {
		return changes, nil
	}
	items, err := orderbatch.Prepare(orders)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert orders: %w", err)
	}
	pending, allNew, err := s.changedOnly(ctx, items)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert orders: %w", translate(err))
	}
	if len(pending) == 0 {
		return changes, nil
	}
	staged := make([][]any, len(pending))
	for i := range pending {
		if staged[i], err = stageRow(&pending[i]); err != nil {
			return nil, fmt.Errorf("postgres: upsert orders: %w", err)
		}
	}
	if allNew {
		// None of the keys was stored a moment ago: insert them straight,
		// without the staging table. If another writer inserted one of them
		// in the meantime, the unique key refuses the batch and the upsert
		// below does it right.
		written, err := s.insertNew(ctx, pending, staged)
		if err == nil {
			for _, w := range written {
				changes[w.index] = w.change
			}
			return changes, nil
		}
		if !isUniqueViolation(err) && !errors.Is(translate(err), store.ErrConflict) {
			return nil, fmt.Errorf("postgres: upsert orders: %w", translate(err))
		}
	}
	for attempt := 1; ; attempt++ {
		written, err := s.writeOrders(ctx, pending, staged)
		if err == nil {
			for _, w := range written {
				changes[w.index] = w.change
			}
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert orders: %w", err)
		}
	}
}

// changedOnly drops the items whose stored content hash is already theirs,
// and reports whether none of the remaining keys is stored at all. It is only
// a shortcut: writeOrders checks the hash again under the row lock.
func (s *Store) changedOnly(ctx context.Context, items []orderbatch.Item) (pending []orderbatch.Item, allNew bool, err error) {
	buyers := make([]string, len(items))
	numbers := make([]string, len(items))
	for i, it := range items {
		buyers[i], numbers[i] = it.Key.BuyerID, it.Key.OrderNumber
	}
	rows, err := s.pool.Query(ctx, `
		SELECT o.buyer_id, o.order_number, o.content_hash
		FROM unnest($1::text[], $2::text[]) AS k(buyer_id, order_number)
		JOIN orders o ON o.buyer_id = k.buyer_id AND o.order_number = k.order_number`,
		buyers, numbers)
	if err != nil {
		return nil, false, fmt.Errorf("read content hashes: %w", err)
	}
	stored := make(map[orderbatch.Key]string, len(items))
	var k orderbatch.Key
	var hash string
	_, err = pgx.ForEachRow(rows, []any{&k.BuyerID, &k.OrderNumber, &hash}, func() error {
		stored[k] = hash
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read content hashes: %w", err)
	}
	pending = items[:0:0]
	for _, it := range items {
		if h, ok := stored[it.Key]; !ok || h != it.Hash {
			pending = append(pending, it)
		}
	}
	return pending, len(stored) == 0, nil
}

// stageColumns are the columns of the order_stage temporary table, in the
// order stageRow fills them.
var stageColumns = []string{
	"buyer_id", "order_number", "supplier_id", "currency", "order_date",
	"requested_delivery_date", "total_amount", "content_hash", "document", "lineage",
	"duplicate_key",
}

// createStage makes the connection's staging table on first use. Its rows
// vanish at every commit or rollback.
const createStage = `CREATE TEMPORARY TABLE IF NOT EXISTS order_stage (
	buyer_id                text,
	order_number            text,
	supplier_id             text,
	currency                text,
	order_date              date,
	requested_delivery_date date,
	total_amount            numeric,
	content_hash            text,
	document                text,
	lineage                 text,
	duplicate_key           text
) ON COMMIT DELETE ROWS`

// upsertFromStage moves the staged orders into orders. Rows are taken in key
// order so that concurrent batches lock shared keys in the same order and
// cannot deadlock. The WHERE makes an equal content hash a no-op, and such
// rows are not returned. Version 1 in the result means inserted.
const upsertFromStage = `
INSERT INTO orders AS o (buyer_id, order_number, supplier_id, currency, order_date,
                         requested_delivery_date, total_amount, content_hash, document, lineage,
                         duplicate_key)
SELECT buyer_id, order_number, supplier_id, currency, order_date,
       requested_delivery_date, total_amount, content_hash, document, lineage,
       duplicate_key
FROM order_stage
ORDER BY buyer_id, order_number
ON CONFLICT (buyer_id, order_number) DO UPDATE SET
    supplier_id             = EXCLUDED.supplier_id,
    currency                = EXCLUDED.currency,
    order_date              = EXCLUDED.order_date,
    requested_delivery_date = EXCLUDED.requested_delivery_date,
    total_amount            = EXCLUDED.total_amount,
    content_hash            = EXCLUDED.content_hash,
    document                = EXCLUDED.document,
    lineage                 = EXCLUDED.lineage,
    duplicate_key           = EXCLUDED.duplicate_key,
    version                 = o.version + 1,
    updated_at              = now()
WHERE o.content_hash <> EXCLUDED.content_hash
RETURNING o.id, o.buyer_id, o.order_number, o.version`

var lineColumns = []string{
	"order_id", "line_number", "sku", "description", "quantity", "unit",
	"unit_price", "amount", "hs_code", "origin_country",
}

// written is one order that writeOrders inserted or updated.
type written struct {
	index  int // in the caller's batch
	change store.Change
}

// insertNew inserts orders whose keys are not stored: their ids come from
// the identity sequence in one query, then the orders and their lines are
// COPYed in, in key order (so that two writers racing for the same new keys
// meet on the first one instead of deadlocking). A key inserted meanwhile by
// another writer fails the whole transaction with a unique violation.
func (s *Store) insertNew(ctx context.Context, items []orderbatch.Item, staged [][]any) ([]written, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)

	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('orders', 'id')) FROM generate_series(1, $1)`, len(items))
	if err != nil {
		return nil, fmt.Errorf("take order ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("take order ids: %w", err)
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ka, kb := items[order[a]].Key, items[order[b]].Key
		return ka.BuyerID < kb.BuyerID || ka.BuyerID == kb.BuyerID && ka.OrderNumber < kb.OrderNumber
	})
	orderRows := make([][]any, 0, len(items))
	var lines [][]any
	out := make([]written, 0, len(items))
	for n, i := range order {
		id := ids[n]
		orderRows = append(orderRows, append([]any{id}, staged[i]...))
		for j := range items[i].Order.Lines {
			lines = append(lines, lineRow(id, &items[i].Order.Lines[j]))
		}
		out = append(out, written{index: items[i].Index, change: store.ChangeInserted})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"orders"}, append([]string{"id"}, stageColumns...), pgx.CopyFromRows(orderRows)); err != nil {
		return nil, fmt.Errorf("copy new orders: %w", err)
	}
	if len(lines) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"order_lines"}, lineColumns, pgx.CopyFromRows(lines)); err != nil {
			return nil, fmt.Errorf("copy order lines: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return out, nil
}

// isUniqueViolation reports a unique key refusing a row (SQLSTATE 23505).
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// writeOrders runs one attempt of the write transaction: COPY the orders into
// the staging table, upsert them into orders, then replace the lines of the
// orders that were written.
func (s *Store) writeOrders(ctx context.Context, items []orderbatch.Item, staged [][]any) ([]written, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)

	if _, err := tx.Exec(ctx, createStage); err != nil {
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"order_stage"}, stageColumns, pgx.CopyFromRows(staged)); err != nil {
		return nil, fmt.Errorf("copy orders to staging table: %w", err)
	}
	rows, err := tx.Query(ctx, upsertFromStage)
	if err != nil {
		return nil, fmt.Errorf("upsert orders: %w", err)
	}
	byKey := make(map[orderbatch.Key]int, len(items)) // key → index in items
	for i, it := range items {
		byKey[it.Key] = i
	}
	type row struct {
		id   int64
		item int
	}
	var (
		out     []written
		wrote   []row
		updated []int64
		id      int64
		k       orderbatch.Key
		version int
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &k.BuyerID, &k.OrderNumber, &version}, func() error {
		i, ok := byKey[k]
		if !ok {
			return fmt.Errorf("upsert returned an order that is not in the batch: buyer %q order %q", k.BuyerID, k.OrderNumber)
		}
		w := written{index: items[i].Index, change: store.ChangeInserted}
		if version > 1 {
			w.change = store.ChangeUpdated
			updated = append(updated, id)
		}
		out = append(out, w)
		wrote = append(wrote, row{id: id, item: i})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("upsert orders: %w", err)
	}
	if len(updated) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM order_lines WHERE order_id = ANY($1)`, updated); err != nil {
			return nil, fmt.Errorf("delete replaced lines: %w", err)
		}
	}
	var lines [][]any
	for _, w := range wrote {
		for j := range items[w.item].Order.Lines {
			lines = append(lines, lineRow(w.id, &items[w.item].Order.Lines[j]))
		}
	}
	if len(lines) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"order_lines"}, lineColumns, pgx.CopyFromRows(lines)); err != nil {
			return nil, fmt.Errorf("copy order lines: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return out, nil
}

// stageRow is the order_stage row of an item.
func stageRow(it *orderbatch.Item) ([]any, error) {
	lineage, err := it.Lineage()
	if err != nil {
		return nil, err
	}
	o := it.Order
	var total, lineageJSON any // NULL unless given
	if o.TotalAmount != nil {
		total = numeric(*o.TotalAmount)
	}
	if lineage != nil {
		lineageJSON = lineage
	}
	return []any{
		o.Buyer.ID, o.OrderNumber, o.Supplier.ID, string(o.Currency), date(o.OrderDate),
		date(o.RequestedDeliveryDate), total, it.Hash, it.Content, lineageJSON,
		store.DuplicateKey(o),
	}, nil
}

// lineRow is the order_lines row of a line.
func lineRow(orderID int64, l *canonical.OrderLine) []any {
	var amount any
	if l.Amount != nil {
		amount = numeric(*l.Amount)
	}
	return []any{
		orderID, l.LineNumber, text(l.SKU), text(l.Description), numeric(l.Quantity),
		text(string(l.Unit)), numeric(l.UnitPrice), amount, text(string(l.HSCode)),
		text(string(l.OriginCountry)),
	}
}

// date is NULL for the zero date.
func date(d canonical.Date) any {
	if d.IsZero() {
		return nil
	}
	return pgtype.Date{Time: d.Time(), Valid: true}
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
	var row pgx.Row
	if buyerID == "" {
		row = s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders
			WHERE order_number = $1 ORDER BY updated_at DESC, id DESC LIMIT 1`, orderNumber)
	} else {
		row = s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders
			WHERE buyer_id = $1 AND order_number = $2`, buyerID, orderNumber)
	}
	o, _, err := scanOrder(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: order %q of buyer %q: %w", orderNumber, buyerID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get order %q: %w", orderNumber, translate(err))
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
		return nil, "", fmt.Errorf("postgres: list orders: %w", err)
	}
	limit := page.Limit(f.Limit)
	words, err := textsearch.Words(f.Search)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list orders: %w", err)
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.BuyerID != "" {
		add("buyer_id = $%d", f.BuyerID)
	}
	if f.SupplierID != "" {
		add("supplier_id = $%d", f.SupplierID)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.OrderNumber != "" {
		add("order_number = $%d", f.OrderNumber)
	}
	if f.Party != "" {
		// The orders the party is on: buyer, supplier, assigned, or
		// carrier of one of their shipments.
		add(`(buyer_id = $%[1]d OR supplier_id = $%[1]d
			OR EXISTS (SELECT 1 FROM order_assignments a
				WHERE a.party_id = $%[1]d AND a.buyer_id = orders.buyer_id AND a.order_number = orders.order_number)
			OR EXISTS (SELECT 1 FROM shipment_orders so JOIN shipments sh ON sh.id = so.shipment
				WHERE so.order_number = orders.order_number AND sh.carrier = $%[1]d))`, f.Party)
	}
	if len(words) > 0 {
		// Only a search adds these; the plain list keeps its plan.
		var all, verbatim []string
		for _, w := range words {
			all = append(all, textsearch.Contains(w))
			if textsearch.Verbatim(w) {
				verbatim = append(verbatim, textsearch.Contains(w))
			}
		}
		if len(verbatim) > 0 {
			// A word found in a field is found in the document too: a
			// plain text scan drops most orders before any JSON is read.
			add("document ILIKE ALL ($%d::text[])", verbatim)
		}
		add(searchText+" ILIKE ALL ($%d::text[])", all)
	}
	if after > 0 {
		add("id < $%d", after)
	}
	q := `SELECT ` + orderColumns + ` FROM orders`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)

	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: list orders: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.StoredOrder
		ids  []int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		o, id, err := scanOrder(rows)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: list orders: %w", err)
		}
		out = append(out, *o)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: list orders: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(ids[len(ids)-1])
	}
	return out, next, nil
}

// searchText is what store.OrderFilter.Search looks in, one field a line:
// order number, buyer and supplier ids and names, and the SKU, buyer SKU and
// description of every line. A word has no white space, so it never matches
// across two fields. The document is parsed once per order tested (OFFSET 0
// keeps the planner from pulling d up into each of its uses).
const searchText = `(SELECT concat_ws(E'\n', orders.order_number, orders.buyer_id, orders.supplier_id,
		d->'buyer'->>'name', d->'supplier'->>'name',
		(SELECT string_agg(concat_ws(E'\n', l->>'sku', l->>'buyer_sku', l->>'description'), E'\n')
			FROM jsonb_array_elements(d->'lines') AS l))
	FROM (SELECT orders.document::jsonb AS d OFFSET 0) AS doc)`

// scanOrder reads one row of orderColumns.
func scanOrder(row pgx.Row) (*store.StoredOrder, int64, error) {
	var (
		o            store.StoredOrder
		id           int64
		doc, lineage []byte
	)
	if err := row.Scan(&id, &doc, &lineage, &o.Status, &o.ContentHash, &o.Version, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, 0, err
	}
	var err error
	if o.Order, err = orderbatch.Decode(doc, lineage); err != nil {
		return nil, 0, fmt.Errorf("order %d: %w", id, err)
	}
	return &o, id, nil
}
