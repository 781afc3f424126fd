package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// UpsertOrderResponses writes a batch of order responses received from
// partner in one transaction and reports what happened to each (see
// store.Change). Responses are keyed by (order number, response number);
// one whose content hash equals the stored one is not written, a changed
// one gets version+1. Every response is validated first; a refused one is
// a *store.InvalidOrderResponseError and nothing of the batch is written.
func (s *Store) UpsertOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse) ([]store.Change, error) {
	changes := make([]store.Change, len(responses))
	if len(responses) == 0 {
		return changes, nil
	}
	contents, err := store.CheckOrderResponses(responses)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert order responses: %w", err)
	}
	// Key order, so that concurrent batches lock shared keys in one order.
	order := make([]int, len(responses))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := responses[order[a]], responses[order[b]]
		if x.OrderNumber != y.OrderNumber {
			return x.OrderNumber < y.OrderNumber
		}
		return x.ResponseNumber < y.ResponseNumber
	})
	for attempt := 1; ; attempt++ {
		clear(changes)
		err := s.writeOrderResponses(ctx, partner, responses, contents, order, changes)
		if err == nil {
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert order responses: %w", err)
		}
	}
}

const upsertOrderResponse = `
INSERT INTO order_responses AS r (partner, order_number, response_number, supplier_id, status, response_date,
    content_hash, document, lineage)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (order_number, response_number) DO UPDATE SET
    partner       = EXCLUDED.partner,
    supplier_id   = EXCLUDED.supplier_id,
    status        = EXCLUDED.status,
    response_date = EXCLUDED.response_date,
    content_hash  = EXCLUDED.content_hash,
    document      = EXCLUDED.document,
    lineage       = EXCLUDED.lineage,
    version       = r.version + 1,
    updated_at    = now()
WHERE r.content_hash <> EXCLUDED.content_hash
RETURNING version`

func (s *Store) writeOrderResponses(ctx context.Context, partner string, responses []*canonical.OrderResponse, contents [][]byte, order []int, changes []store.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	// The last of a key in the batch wins; the earlier ones are unchanged.
	last := map[[2]string]int{}
	for _, i := range order {
		last[[2]string{responses[i].OrderNumber, responses[i].ResponseNumber}] = i
	}
	for _, i := range order {
		r := responses[i]
		if last[[2]string{r.OrderNumber, r.ResponseNumber}] != i {
			continue
		}
		lineage, err := store.LineageJSON(r.Source)
		if err != nil {
			return err
		}
		var lin any
		if lineage != nil {
			lin = string(lineage)
		}
		var version int
		err = tx.QueryRow(ctx, upsertOrderResponse, partner, r.OrderNumber, r.ResponseNumber, r.Supplier.ID,
			string(r.Status), date(r.ResponseDate), store.HashContent(contents[i]), string(contents[i]), lin,
		).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write order response %q of order %q: %w", r.ResponseNumber, r.OrderNumber, err)
		}
		changes[i] = store.ChangeInserted
		if version > 1 {
			changes[i] = store.ChangeUpdated
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// OrderResponses returns the responses to orderNumber, oldest first.
func (s *Store) OrderResponses(ctx context.Context, orderNumber string) ([]store.StoredOrderResponse, error) {
	return readDocuments(ctx, s, "order responses", store.OrderResponseOf, `SELECT partner, document, lineage,
		content_hash, version, created_at, updated_at
		FROM order_responses WHERE order_number = $1 ORDER BY id`, orderNumber)
}

// AddOrderEvents keeps the events not kept before, each once per event id,
// and reports for each whether it was added. Events are validated first
// (store.CheckOrderEvents); a refused one refuses the batch. Safe for
// concurrent use: of several callers adding the same event, exactly one
// reports it added.
func (s *Store) AddOrderEvents(ctx context.Context, partner string, events []*canonical.OrderEvent) ([]bool, error) {
	added := make([]bool, len(events))
	if len(events) == 0 {
		return added, nil
	}
	docs, err := store.CheckOrderEvents(events)
	if err != nil {
		return nil, fmt.Errorf("postgres: add order events: %w", err)
	}
	b := &pgx.Batch{}
	for i, e := range events {
		b.Queue(`INSERT INTO order_events (partner, event_id, order_number, buyer_id, type, occurred_at, document)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (event_id) DO NOTHING`,
			partner, e.EventID, e.OrderNumber, e.BuyerID, string(e.Type), e.OccurredAt, string(docs[i]))
	}
	br := s.pool.SendBatch(ctx, b)
	for i := range events {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return nil, fmt.Errorf("postgres: add order events: %w", translate(err))
		}
		added[i] = tag.RowsAffected() == 1
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: add order events: %w", translate(err))
	}
	return added, nil
}

// OrderEvents returns every event of orderNumber, by the time they
// happened, then in the order they were received.
func (s *Store) OrderEvents(ctx context.Context, orderNumber string) ([]store.StoredOrderEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT partner, document, received_at FROM order_events
		WHERE order_number = $1 ORDER BY occurred_at, id`, orderNumber)
	if err != nil {
		return nil, fmt.Errorf("postgres: order events: %w", translate(err))
	}
	defer rows.Close()
	var out []store.StoredOrderEvent
	for rows.Next() {
		var (
			ev       store.StoredOrderEvent
			document string
			received time.Time
		)
		if err := rows.Scan(&ev.Partner, &document, &received); err != nil {
			return nil, fmt.Errorf("postgres: order events: %w", err)
		}
		if err := json.Unmarshal([]byte(document), &ev.Event); err != nil {
			return nil, fmt.Errorf("postgres: order events: stored document: %w", err)
		}
		ev.ReceivedAt = received.UTC()
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: order events: %w", translate(err))
	}
	return out, nil
}
