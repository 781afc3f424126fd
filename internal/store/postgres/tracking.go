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

// UpsertShipments writes a batch of shipments received from partner in one
// transaction and reports what happened to each (see store.Change).
// Shipments are keyed by (supplier id, shipment id); one whose content hash
// equals the stored one is not written. A changed shipment gets version+1
// and its order and tracking-number links replaced. Every shipment is
// validated first; a refused one is a *store.InvalidShipmentError and
// nothing of the batch is written.
func (s *Store) UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error) {
	changes := make([]store.Change, len(shipments))
	if len(shipments) == 0 {
		return changes, nil
	}
	contents, err := store.CheckShipments(shipments)
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert shipments: %w", err)
	}
	// Key order, so that concurrent batches lock shared keys in one order.
	order := make([]int, len(shipments))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := shipments[order[a]], shipments[order[b]]
		if x.Supplier.ID != y.Supplier.ID {
			return x.Supplier.ID < y.Supplier.ID
		}
		return x.ShipmentID < y.ShipmentID
	})
	for attempt := 1; ; attempt++ {
		clear(changes)
		err := s.writeShipments(ctx, partner, shipments, contents, order, changes)
		if err == nil {
			return changes, nil
		}
		err = translate(err)
		if !errors.Is(err, store.ErrConflict) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: upsert shipments: %w", err)
		}
	}
}

const upsertShipment = `
INSERT INTO shipments AS s (partner, supplier_id, shipment_id, carrier, ship_date, estimated_arrival,
    content_hash, document, lineage)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (supplier_id, shipment_id) DO UPDATE SET
    partner           = EXCLUDED.partner,
    carrier           = EXCLUDED.carrier,
    ship_date         = EXCLUDED.ship_date,
    estimated_arrival = EXCLUDED.estimated_arrival,
    content_hash      = EXCLUDED.content_hash,
    document          = EXCLUDED.document,
    lineage           = EXCLUDED.lineage,
    version           = s.version + 1,
    updated_at        = now()
WHERE s.content_hash <> EXCLUDED.content_hash
RETURNING id, version`

func (s *Store) writeShipments(ctx context.Context, partner string, shipments []*canonical.Shipment, contents [][]byte, order []int, changes []store.Change) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback(ctx, tx)
	// The last of a key in the batch wins; the earlier ones are unchanged.
	last := map[[2]string]int{}
	for _, i := range order {
		last[[2]string{shipments[i].Supplier.ID, shipments[i].ShipmentID}] = i
	}
	for _, i := range order {
		sh := shipments[i]
		if last[[2]string{sh.Supplier.ID, sh.ShipmentID}] != i {
			continue
		}
		lineage, err := store.LineageJSON(sh.Source)
		if err != nil {
			return err
		}
		var lin any
		if lineage != nil {
			lin = string(lineage)
		}
		var id int64
		var version int
		err = tx.QueryRow(ctx, upsertShipment, partner, sh.Supplier.ID, sh.ShipmentID, sh.Carrier,
			date(sh.ShipDate), date(sh.EstimatedArrival), store.HashContent(contents[i]), string(contents[i]), lin,
		).Scan(&id, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write shipment %q: %w", sh.ShipmentID, err)
		}
		changes[i] = store.ChangeInserted
		if version > 1 {
			changes[i] = store.ChangeUpdated
			if _, err := tx.Exec(ctx, `DELETE FROM shipment_orders WHERE shipment = $1`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM shipment_tracking WHERE shipment = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO shipment_orders (shipment, order_number)
			SELECT $1, n FROM unnest($2::text[]) AS n ON CONFLICT DO NOTHING`, id, sh.OrderNumbers); err != nil {
			return fmt.Errorf("link shipment %q to its orders: %w", sh.ShipmentID, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO shipment_tracking (shipment, tracking_number)
			SELECT $1, n FROM unnest($2::text[]) AS n ON CONFLICT DO NOTHING`, id, nonNil(sh.TrackingNumbers)); err != nil {
			return fmt.Errorf("link shipment %q to its tracking numbers: %w", sh.ShipmentID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ShipmentsOfOrder returns the shipments that name orderNumber, oldest first.
func (s *Store) ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error) {
	return readDocuments(ctx, s, "shipments of order", store.ShipmentOf, `SELECT s.partner, s.document, s.lineage,
		s.content_hash, s.version, s.created_at, s.updated_at
		FROM shipments s JOIN shipment_orders o ON o.shipment = s.id
		WHERE o.order_number = $1 ORDER BY s.id`, orderNumber)
}

// AddTrackingEvents keeps the events not kept before, each once per
// (tracking number, event id), and reports for each whether it was added.
// Events are validated first (store.CheckTrackingEvents); a refused one
// refuses the batch. Safe for concurrent use: of several callers adding the
// same event, exactly one reports it added.
func (s *Store) AddTrackingEvents(ctx context.Context, partner string, events []*canonical.TrackingEvent) ([]bool, error) {
	added := make([]bool, len(events))
	if len(events) == 0 {
		return added, nil
	}
	docs, err := store.CheckTrackingEvents(events)
	if err != nil {
		return nil, fmt.Errorf("postgres: add tracking events: %w", err)
	}
	b := &pgx.Batch{}
	for i, e := range events {
		b.Queue(`INSERT INTO tracking_events (partner, tracking_number, event_id, carrier, status, occurred_at, document)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (tracking_number, event_id) DO NOTHING`,
			partner, e.TrackingNumber, e.EventID, e.Carrier, string(e.Status), e.OccurredAt, string(docs[i]))
	}
	br := s.pool.SendBatch(ctx, b)
	for i := range events {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return nil, fmt.Errorf("postgres: add tracking events: %w", translate(err))
		}
		added[i] = tag.RowsAffected() == 1
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: add tracking events: %w", translate(err))
	}
	return added, nil
}

// TrackingEvents returns every event of the tracking numbers, by the time
// they happened, then in the order they were received.
func (s *Store) TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error) {
	if len(trackingNumbers) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT partner, document, received_at FROM tracking_events
		WHERE tracking_number = ANY($1) ORDER BY occurred_at, id`, trackingNumbers)
	if err != nil {
		return nil, fmt.Errorf("postgres: tracking events: %w", translate(err))
	}
	defer rows.Close()
	var out []store.StoredTrackingEvent
	for rows.Next() {
		var (
			ev       store.StoredTrackingEvent
			document string
			received time.Time
		)
		if err := rows.Scan(&ev.Partner, &document, &received); err != nil {
			return nil, fmt.Errorf("postgres: tracking events: %w", err)
		}
		if err := json.Unmarshal([]byte(document), &ev.Event); err != nil {
			return nil, fmt.Errorf("postgres: tracking events: stored document: %w", err)
		}
		ev.ReceivedAt = received.UTC()
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: tracking events: %w", translate(err))
	}
	return out, nil
}

// TrackedNumbers lists the tracking numbers of stored shipments — of one
// carrier (case-insensitive) or, with carrier "", of all — with the status
// of each number's latest event, for the pollers.
func (s *Store) TrackedNumbers(ctx context.Context, carrier string) ([]store.TrackedNumber, error) {
	rows, err := s.pool.Query(ctx, `
SELECT n.tracking_number, COALESCE(e.status, ''), e.occurred_at
FROM (SELECT DISTINCT t.tracking_number FROM shipment_tracking t JOIN shipments s ON s.id = t.shipment
      WHERE $1 = '' OR lower(s.carrier) = lower($1)) n
LEFT JOIN LATERAL (SELECT status, occurred_at FROM tracking_events e
      WHERE e.tracking_number = n.tracking_number ORDER BY occurred_at DESC, id DESC LIMIT 1) e ON true
ORDER BY n.tracking_number`, carrier)
	if err != nil {
		return nil, fmt.Errorf("postgres: tracked numbers: %w", translate(err))
	}
	defer rows.Close()
	var out []store.TrackedNumber
	for rows.Next() {
		var (
			t      store.TrackedNumber
			status string
			at     *time.Time
		)
		if err := rows.Scan(&t.Number, &status, &at); err != nil {
			return nil, fmt.Errorf("postgres: tracked numbers: %w", err)
		}
		t.Status = canonical.TrackingStatus(status)
		if at != nil {
			t.ChangedAt = at.UTC()
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: tracked numbers: %w", translate(err))
	}
	return out, nil
}
