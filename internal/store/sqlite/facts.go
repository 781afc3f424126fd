package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/internal/store/internal/page"
)

// UpsertOrderFacts writes each fact in one transaction, replacing the whole
// stored row of its (buyer id, order number), and reports per fact whether
// it was written. See the PostgreSQL store for the rules; concurrent calls
// take turns on the write lock.
func (s *Store) UpsertOrderFacts(ctx context.Context, facts []store.OrderFact) ([]bool, error) {
	written := make([]bool, len(facts))
	if len(facts) == 0 {
		return written, nil
	}
	if err := store.CheckOrderFacts(facts); err != nil {
		return nil, fmt.Errorf("sqlite: upsert order facts: %w", err)
	}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		clear(written)
		for i := range facts {
			f := &facts[i]
			var id int64
			err := tx.QueryRowContext(ctx, upsertOrderFact, f.BuyerID, f.OrderNumber, f.SupplierID, f.Carrier,
				string(f.Origin), string(f.Destination), string(f.Currency), f.TotalAmount.String(),
				dateText(f.OrderDate), dateText(f.RequestedDate), f.State, factTime(&f.CreatedAt),
				factTime(f.ConfirmedAt), factTime(f.ShippedAt), factTime(f.DeliveredAt), factTime(f.InvoicedAt),
				factTime(f.PaidAt), dateText(f.ETA), f.NeededCorrection, factTime(&f.LastUpdateAt),
				factTime(&f.ProjectedAt)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue // the stored fact is newer
			}
			if err != nil {
				return fmt.Errorf("write order fact %q of %q: %w", f.OrderNumber, f.BuyerID, err)
			}
			written[i] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert order facts: %w", translate(err))
	}
	return written, nil
}

// The WHERE of DO UPDATE keeps a newer stored fact: then no row comes back.
// projected_at compares as text, which orders like the time: every stored
// time has the same width. id is left alone, so a replaced fact keeps its
// place in the listing.
const upsertOrderFact = `
INSERT INTO order_facts (buyer_id, order_number, supplier_id, carrier, origin, destination, currency,
    total_amount, order_date, requested_date, state, created_at, confirmed_at, shipped_at, delivered_at,
    invoiced_at, paid_at, eta, needed_correction, last_update_at, projected_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (buyer_id, order_number) DO UPDATE SET
    supplier_id       = excluded.supplier_id,
    carrier           = excluded.carrier,
    origin            = excluded.origin,
    destination       = excluded.destination,
    currency          = excluded.currency,
    total_amount      = excluded.total_amount,
    order_date        = excluded.order_date,
    requested_date    = excluded.requested_date,
    state             = excluded.state,
    created_at        = excluded.created_at,
    confirmed_at      = excluded.confirmed_at,
    shipped_at        = excluded.shipped_at,
    delivered_at      = excluded.delivered_at,
    invoiced_at       = excluded.invoiced_at,
    paid_at           = excluded.paid_at,
    eta               = excluded.eta,
    needed_correction = excluded.needed_correction,
    last_update_at    = excluded.last_update_at,
    projected_at      = excluded.projected_at
WHERE order_facts.projected_at <= excluded.projected_at
RETURNING id`

// factTime is a fact's time as stored, NULL for nil. It keeps microseconds,
// as PostgreSQL does, so that both stores tell the same ProjectedAt apart.
func factTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	u := t.Truncate(time.Microsecond)
	return timeText(&u)
}

const factColumns = `id, buyer_id, order_number, supplier_id, carrier, origin, destination, currency,
	total_amount, order_date, requested_date, state, created_at, confirmed_at, shipped_at, delivered_at,
	invoiced_at, paid_at, eta, needed_correction, last_update_at, projected_at`

// scanOrderFact reads one row of factColumns.
func scanOrderFact(row scanner) (store.OrderFact, int64, error) {
	var (
		f                                store.OrderFact
		id                               int64
		origin, destination, currency    string
		total                            string
		orderDate, requested, eta        sql.NullString
		confirmed, shipped, delivered    sql.NullString
		invoiced, paid                   sql.NullString
		created, lastUpdate, projectedAt string
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
	for _, d := range []struct {
		dst *canonical.Date
		s   sql.NullString
	}{{&f.OrderDate, orderDate}, {&f.RequestedDate, requested}, {&f.ETA, eta}} {
		if !d.s.Valid {
			continue
		}
		if *d.dst, err = canonical.ParseDate(d.s.String); err != nil {
			return store.OrderFact{}, 0, fmt.Errorf("order fact %d: stored date: %w", id, err)
		}
	}
	for _, t := range []struct {
		dst *time.Time
		s   string
	}{{&f.CreatedAt, created}, {&f.LastUpdateAt, lastUpdate}, {&f.ProjectedAt, projectedAt}} {
		if *t.dst, err = parseTime(t.s); err != nil {
			return store.OrderFact{}, 0, fmt.Errorf("order fact %d: %w", id, err)
		}
	}
	for _, t := range []struct {
		dst **time.Time
		s   sql.NullString
	}{{&f.ConfirmedAt, confirmed}, {&f.ShippedAt, shipped}, {&f.DeliveredAt, delivered},
		{&f.InvoicedAt, invoiced}, {&f.PaidAt, paid}} {
		if *t.dst, err = nullTime(t.s); err != nil {
			return store.OrderFact{}, 0, fmt.Errorf("order fact %d: %w", id, err)
		}
	}
	return f, id, nil
}

// GetOrderFact returns the fact of the buyer's order, or ErrNotFound.
func (s *Store) GetOrderFact(ctx context.Context, buyerID, orderNumber string) (*store.OrderFact, error) {
	f, _, err := scanOrderFact(s.db.QueryRowContext(ctx, `SELECT `+factColumns+` FROM order_facts
		WHERE buyer_id = ? AND order_number = ?`, buyerID, orderNumber))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: order fact %q of %q: %w", orderNumber, buyerID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: order fact %q of %q: %w", orderNumber, buyerID, translate(err))
	}
	return &f, nil
}

// OrderFacts returns a page of the facts that f selects, by order date
// (facts without one first) and then in the order they were first stored,
// and the cursor of the next page ("" after the last).
func (s *Store) OrderFacts(ctx context.Context, f store.FactFilter) ([]store.OrderFact, string, error) {
	cursor, err := page.ParseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: order facts: %w", err)
	}
	for _, d := range []canonical.Date{f.From, f.To} {
		if !d.IsZero() && !d.Valid() {
			return nil, "", fmt.Errorf("sqlite: order facts: %w: %s is not a calendar date", store.ErrInvalid, d)
		}
	}
	limit := page.Limit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		where = append(where, cond)
		args = append(args, v...)
	}
	if f.BuyerID != "" {
		add("buyer_id = ?", f.BuyerID)
	}
	if f.SupplierID != "" {
		add("supplier_id = ?", f.SupplierID)
	}
	if !f.From.IsZero() {
		add("order_date >= ?", f.From.String())
	}
	if !f.To.IsZero() {
		add("order_date <= ?", f.To.String())
	}
	if cursor > 0 {
		day, id, err := store.SplitFactCursor(cursor)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: order facts: %w", err)
		}
		if day.IsZero() {
			// After a fact without an order date: the rest of those, then
			// every fact with one.
			add("(order_date IS NOT NULL OR id > ?)", id)
		} else {
			add("(order_date, id) > (?, ?)", day.String(), id)
		}
	}
	q := `SELECT ` + factColumns + ` FROM order_facts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	// NULL sorts first in SQLite: facts without an order date lead.
	q += ` ORDER BY order_date, id LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: order facts: %w", translate(err))
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
			return nil, "", fmt.Errorf("sqlite: order facts: %w", err)
		}
		out = append(out, fact)
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: order facts: %w", translate(err))
	}
	next := ""
	if more {
		next = page.Cursor(store.FactCursor(out[len(out)-1].OrderDate, last))
	}
	return out, next, nil
}
