package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// UpsertOrderResponses writes a batch of order responses received from
// partner in one transaction and reports what happened to each (see
// store.Change). See the PostgreSQL store for the rules; concurrent calls
// take turns on the write lock.
func (s *Store) UpsertOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse) ([]store.Change, error) {
	changes := make([]store.Change, len(responses))
	if len(responses) == 0 {
		return changes, nil
	}
	contents, err := store.CheckOrderResponses(responses)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert order responses: %w", err)
	}
	last := map[[2]string]int{}
	for i, r := range responses {
		last[[2]string{r.OrderNumber, r.ResponseNumber}] = i
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		ts := now()
		for i, r := range responses {
			if last[[2]string{r.OrderNumber, r.ResponseNumber}] != i {
				continue
			}
			c, err := writeOrderResponse(ctx, tx, ts, partner, r, contents[i])
			if err != nil {
				return err
			}
			changes[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert order responses: %w", translate(err))
	}
	return changes, nil
}

func writeOrderResponse(ctx context.Context, tx *sql.Tx, ts, partner string, r *canonical.OrderResponse, content []byte) (store.Change, error) {
	hash := store.HashContent(content)
	lineage, err := store.LineageJSON(r.Source)
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
	err = tx.QueryRowContext(ctx, `SELECT id, content_hash FROM order_responses WHERE order_number = ? AND response_number = ?`,
		r.OrderNumber, r.ResponseNumber).Scan(&id, &stored)
	switch {
	case err == sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_responses (partner, order_number, response_number, supplier_id,
			status, response_date, content_hash, version, document, lineage, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
			partner, r.OrderNumber, r.ResponseNumber, r.Supplier.ID, string(r.Status), dateText(r.ResponseDate),
			hash, string(content), lin, ts, ts); err != nil {
			return 0, fmt.Errorf("insert order response %q of order %q: %w", r.ResponseNumber, r.OrderNumber, err)
		}
		return store.ChangeInserted, nil
	case err != nil:
		return 0, fmt.Errorf("look up order response %q of order %q: %w", r.ResponseNumber, r.OrderNumber, err)
	case stored == hash:
		return store.ChangeUnchanged, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE order_responses SET partner = ?, supplier_id = ?, status = ?, response_date = ?,
		content_hash = ?, document = ?, lineage = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		partner, r.Supplier.ID, string(r.Status), dateText(r.ResponseDate), hash, string(content), lin, ts, id); err != nil {
		return 0, fmt.Errorf("update order response %q of order %q: %w", r.ResponseNumber, r.OrderNumber, err)
	}
	return store.ChangeUpdated, nil
}

// OrderResponses returns the responses to orderNumber, oldest first.
func (s *Store) OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error) {
	return readDocuments(ctx, s, "order responses", store.OrderResponseOf, `SELECT partner, document, lineage,
		content_hash, version, created_at, updated_at
		FROM order_responses WHERE order_number = ? ORDER BY id`, orderNumber)
}

// AddOrderEvents keeps the events not kept before, each once per event id,
// and reports for each whether it was added.
func (s *Store) AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error) {
	added := make([]bool, len(events))
	if len(events) == 0 {
		return added, nil
	}
	docs, err := store.CheckOrderEvents(events)
	if err != nil {
		return nil, fmt.Errorf("sqlite: add order events: %w", err)
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO order_events (partner, event_id, order_number, buyer_id,
			type, occurred_at, document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (event_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		ts := now()
		for i, e := range events {
			res, err := ins.ExecContext(ctx, partner, e.EventID, e.OrderNumber, e.BuyerID, string(e.Type),
				e.OccurredAt.UTC().Format(timeLayout), string(docs[i]), ts)
			if err != nil {
				return fmt.Errorf("order event %q: %w", e.EventID, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			added[i] = n == 1
		}
		return nil
	})
	if err != nil {
		clear(added)
		return nil, fmt.Errorf("sqlite: add order events: %w", translate(err))
	}
	return added, nil
}

// OrderEvents returns every event of orderNumber, by the time they
// happened, then in the order they were received.
func (s *Store) OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT partner, document, received_at FROM order_events
		WHERE order_number = ? ORDER BY occurred_at, id`, orderNumber)
	if err != nil {
		return nil, fmt.Errorf("sqlite: order events: %w", translate(err))
	}
	defer rows.Close()
	var out []store.StoredOrderEvent
	for rows.Next() {
		var (
			ev                 store.StoredOrderEvent
			document, received string
		)
		if err := rows.Scan(&ev.Partner, &document, &received); err != nil {
			return nil, fmt.Errorf("sqlite: order events: %w", err)
		}
		if err := json.Unmarshal([]byte(document), &ev.Event); err != nil {
			return nil, fmt.Errorf("sqlite: order events: stored document: %w", err)
		}
		if ev.ReceivedAt, err = parseTime(received); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: order events: %w", translate(err))
	}
	return out, nil
}
