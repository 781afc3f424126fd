package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// UpsertOrderFacts writes each fact in one transaction, replacing the whole
// stored row of its (buyer id, order number), and reports per fact whether
// it was written: a fact is not written when the stored row has a newer
// ProjectedAt, so a late replay never undoes a newer fact. Facts of one key
// in a batch are written in batch order, each against what the one before
// left. A fact without a key, or with a value a column cannot take, refuses
// the batch with store.ErrInvalid and nothing is written.
func (s *Store) UpsertOrderFacts(ctx context.Context, facts []store.OrderFact) ([]bool, error) {
	written := make([]bool, len(facts))
	if len(facts) == 0 {
		return written, nil
	}
	if err := store.CheckOrderFacts(facts); err != nil {
		return nil, fmt.Errorf("postgres: upsert order facts: %w", err)
	}
	// Key order, so that concurrent batches lock shared keys in one order;
	// the sort is stable, so one key's facts keep their batch order.
	order := make([]int, len(facts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := &facts[order[a]], &facts[order[b]]
		if x.BuyerID != y.BuyerID {
			return x.BuyerID < y.BuyerID
		}
		return x.OrderNumber < y.OrderNumber
	})
	for attempt := 1; ; attempt++ {
		clear(written)
		err := s.writeOrderFacts(ctx, facts, order, written)
		if err == nil {
			return written, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert order facts: %w", err)
		}
	}
}

// The WHERE of DO UPDATE keeps a newer stored fact: then no row comes back.
// id is left alone, so a replaced fact keeps its place in the listing.
const upsertOrderFact = `
INSERT INTO order_facts AS f (buyer_id, order_number, supplier_id, carrier, origin, destination, currency,
    total_amount, order_date, requested_date, state, created_at, confirmed_at, shipped_at, delivered_at,
    invoiced_at, paid_at, eta, needed_correction, last_update_at, projected_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT (buyer_id, order_number) DO UPDATE SET
    supplier_id       = EXCLUDED.supplier_id,
    carrier           = EXCLUDED.carrier,
    origin            = EXCLUDED.origin,
    destination       = EXCLUDED.destination,
    currency          = EXCLUDED.currency,
    total_amount      = EXCLUDED.total_amount,
    order_date        = EXCLUDED.order_date,
    requested_date    = EXCLUDED.requested_date,
    state             = EXCLUDED.state,
    created_at        = EXCLUDED.created_at,
    confirmed_at      = EXCLUDED.confirmed_at,
    shipped_at        = EXCLUDED.shipped_at,
    delivered_at      = EXCLUDED.delivered_at,
    invoiced_at       = EXCLUDED.invoiced_at,
    paid_at           = EXCLUDED.paid_at,
    eta               = EXCLUDED.eta,
    needed_correction = EXCLUDED.needed_correction,
    last_update_at    = EXCLUDED.last_update_at,
    projected_at      = EXCLUDED.projected_at
WHERE f.projected_at <= EXCLUDED.projected_at
RETURNING id`

func (s *Store) writeOrderFacts(ctx context.Context, facts []store.OrderFact, order []int, written []bool) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	for _, i := range order {
		f := &facts[i]
		var id int64
		err := tx.QueryRow(ctx, upsertOrderFact, f.BuyerID, f.OrderNumber, f.SupplierID, f.Carrier,
			string(f.Origin), string(f.Destination), string(f.Currency), numeric(f.TotalAmount),
			date(f.OrderDate), date(f.RequestedDate), f.State, f.CreatedAt, f.ConfirmedAt, f.ShippedAt,
			f.DeliveredAt, f.InvoicedAt, f.PaidAt, date(f.ETA), f.NeededCorrection, f.LastUpdateAt,
			f.ProjectedAt).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // the stored fact is newer
		}
		if err != nil {
			return fmt.Errorf("write order fact %q of %q: %w", f.OrderNumber, f.BuyerID, err)
		}
		written[i] = true
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

const factColumns = `id, buyer_id, order_number, supplier_id, carrier, origin, destination, currency,
	total_amount::text, order_date, requested_date, state, created_at, confirmed_at, shipped_at, delivered_at,
	invoiced_at, paid_at, eta, needed_correction, last_update_at, projected_at`

// scanOrderFact reads one row of factColumns.
func scanOrderFact(row pgx.Row) (store.OrderFact, int64, error) {
	var (
		f                                store.OrderFact
		id                               int64
		origin, destination, currency    string
		total                            string
		orderDate, requested, eta        pgtype.Date
		confirmed, shipped, delivered    *time.Time
		invoiced, paid                   *time.Time
		created, lastUpdate, projectedAt time.Time
	)
	if err := row.Scan(&id, &f.BuyerID, &f.OrderNumber, &f.SupplierID, &f.Carrier, &origin, &destination, &currency,
		&total, &orderDate, &requested, &f.State, &created, &confirmed, &shipped, &delivered, &invoiced, &paid,
		&eta, &f.NeededCorrection, &lastUpdate, &projectedAt); err != nil {
		return store.OrderFact{}, 0, err
	}
	var err error
	if f.TotalAmount, err = canonical.ParseDecimal(total); err != nil {
		return store.OrderFact{}, 0, fmt.Errorf("order fact %d: stored total amount: %w", id, err)
	}
	f.Origin, f.Destination, f.Currency = canonical.Country(origin), canonical.Country(destination), canonical.Currency(currency)
	f.OrderDate, f.RequestedDate, f.ETA = dateOf(orderDate), dateOf(requested), dateOf(eta)
	f.CreatedAt, f.LastUpdateAt, f.ProjectedAt = created.UTC(), lastUpdate.UTC(), projectedAt.UTC()
	f.ConfirmedAt, f.ShippedAt, f.DeliveredAt = utc(confirmed), utc(shipped), utc(delivered)
	f.InvoicedAt, f.PaidAt = utc(invoiced), utc(paid)
	return f, id, nil
}

// dateOf is the calendar date of a date column, zero for NULL.
func dateOf(d pgtype.Date) canonical.Date {
	if !d.Valid {
		return canonical.Date{}
	}
	return canonical.DateOf(d.Time)
}

// GetOrderFact returns the fact of the buyer's order, or ErrNotFound.
func (s *Store) GetOrderFact(ctx context.Context, buyerID, orderNumber string) (*store.OrderFact, error) {
	f, _, err := scanOrderFact(s.pool.QueryRow(ctx, `SELECT `+factColumns+` FROM order_facts
		WHERE buyer_id = $1 AND order_number = $2`, buyerID, orderNumber))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: order fact %q of %q: %w", orderNumber, buyerID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: order fact %q of %q: %w", orderNumber, buyerID, translate(err))
	}
	return &f, nil
}

// OrderFacts returns a page of the facts that f selects, by order date
// (facts without one first) and then in the order they were first stored,
// and the cursor of the next page ("" after the last).
func (s *Store) OrderFacts(ctx context.Context, f store.FactFilter) ([]store.OrderFact, string, error) {
	cursor, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: order facts: %w", err)
	}
	for _, d := range []canonical.Date{f.From, f.To} {
		if !d.IsZero() && !d.Valid() {
			return nil, "", fmt.Errorf("postgres: order facts: %w: %s is not a calendar date", store.ErrInvalid, d)
		}
	}
	limit := page.Limit(f.Limit)
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
	if !f.From.IsZero() {
		add("order_date >= $%d", date(f.From))
	}
	if !f.To.IsZero() {
		add("order_date <= $%d", date(f.To))
	}
	if cursor > 0 {
		day, id, err := store.SplitFactCursor(cursor)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: order facts: %w", err)
		}
		if day.IsZero() {
			// After a fact without an order date: the rest of those, then
			// every fact with one.
			add("(order_date IS NOT NULL OR id > $%d)", id)
		} else {
			args = append(args, date(day), id)
			where = append(where, fmt.Sprintf("(order_date, id) > ($%d, $%d)", len(args)-1, len(args)))
		}
	}
	q := `SELECT ` + factColumns + ` FROM order_facts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY order_date NULLS FIRST, id LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: order facts: %w", translate(err))
	}
	defer rows.Close()
	var (
		out  []store.OrderFact
		last int64
		more bool
	)
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		fact, id, err := scanOrderFact(rows)
		if err != nil {
			return nil, "", fmt.Errorf("postgres: order facts: %w", err)
		}
		out = append(out, fact)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: order facts: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(store.FactCursor(out[len(out)-1].OrderDate, last))
	}
	return out, next, nil
}
