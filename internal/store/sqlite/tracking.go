package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/procurehub/procurehub/canonical"
	"github.com/procurehub/procurehub/internal/store"
)

// UpsertShipments writes a batch of shipments received from partner in one
// transaction and reports what happened to each (see store.Change). See the
// PostgreSQL store for the rules; concurrent calls take turns on the write
// lock.
func (s *Store) UpsertShipments(ctx context.Context, partner string, shipments []*canonical.Shipment) ([]store.Change, error) {
	changes := make([]store.Change, len(shipments))
	if len(shipments) == 0 {
		return changes, nil
	}
	contents, err := store.CheckShipments(shipments)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert shipments: %w", err)
	}
	last := map[[2]string]int{}
	for i, sh := range shipments {
		last[[2]string{sh.Supplier.ID, sh.ShipmentID}] = i
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		ts := now()
		for i, sh := range shipments {
			if last[[2]string{sh.Supplier.ID, sh.ShipmentID}] != i {
				continue
			}
			c, err := writeShipment(ctx, tx, ts, partner, sh, contents[i])
			if err != nil {
				return err
			}
			changes[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert shipments: %w", translate(err))
	}
	return changes, nil
}

func writeShipment(ctx context.Context, tx *sql.Tx, ts, partner string, sh *canonical.Shipment, content []byte) (store.Change, error) {
	hash := store.HashContent(content)
	lineage, err := store.LineageJSON(sh.Source)
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
		change = store.ChangeInserted
	)
	err = tx.QueryRowContext(ctx, `SELECT id, content_hash FROM shipments WHERE supplier_id = ? AND shipment_id = ?`,
		sh.Supplier.ID, sh.ShipmentID).Scan(&id, &stored)
	switch {
	case err == sql.ErrNoRows:
		err = tx.QueryRowContext(ctx, `INSERT INTO shipments (partner, supplier_id, shipment_id, carrier, ship_date,
			estimated_arrival, content_hash, version, document, lineage, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
			partner, sh.Supplier.ID, sh.ShipmentID, sh.Carrier, dateText(sh.ShipDate), dateText(sh.EstimatedArrival),
			hash, string(content), lin, ts, ts).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("insert shipment %q: %w", sh.ShipmentID, err)
		}
	case err != nil:
		return 0, fmt.Errorf("look up shipment %q: %w", sh.ShipmentID, err)
	case stored == hash:
		return store.ChangeUnchanged, nil
	default:
		change = store.ChangeUpdated
		if _, err := tx.ExecContext(ctx, `UPDATE shipments SET partner = ?, carrier = ?, ship_date = ?, estimated_arrival = ?,
			content_hash = ?, document = ?, lineage = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			partner, sh.Carrier, dateText(sh.ShipDate), dateText(sh.EstimatedArrival), hash, string(content), lin, ts, id); err != nil {
			return 0, fmt.Errorf("update shipment %q: %w", sh.ShipmentID, err)
		}
		for _, table := range []string{"shipment_orders", "shipment_tracking"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE shipment = ?`, id); err != nil {
				return 0, fmt.Errorf("update shipment %q: %w", sh.ShipmentID, err)
			}
		}
	}
	for _, n := range sh.OrderNumbers {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO shipment_orders (shipment, order_number) VALUES (?, ?)`, id, n); err != nil {
			return 0, fmt.Errorf("link shipment %q to order %q: %w", sh.ShipmentID, n, err)
		}
	}
	for _, n := range sh.TrackingNumbers {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO shipment_tracking (shipment, tracking_number) VALUES (?, ?)`, id, n); err != nil {
			return 0, fmt.Errorf("link shipment %q to tracking number: %w", sh.ShipmentID, err)
		}
	}
	return change, nil
}

// ShipmentsOfOrder returns the shipments that name orderNumber, oldest first.
func (s *Store) ShipmentsOfOrder(ctx context.Context, orderNumber string) ([]store.StoredShipment, error) {
	return readDocuments(ctx, s, "shipments of order", store.ShipmentOf, `SELECT s.partner, s.document, s.lineage,
		s.content_hash, s.version, s.created_at, s.updated_at
		FROM shipments s JOIN shipment_orders o ON o.shipment = s.id
		WHERE o.order_number = ? ORDER BY s.id`, orderNumber)
}

// AddTrackingEvents keeps the events not kept before, each once per
// (tracking number, event id), and reports for each whether it was added.
func (s *Store) AddTrackingEvents(ctx context.Context, partner string, events []*canonical.TrackingEvent) ([]bool, error) {
	added := make([]bool, len(events))
	if len(events) == 0 {
		return added, nil
	}
	docs, err := store.CheckTrackingEvents(events)
	if err != nil {
		return nil, fmt.Errorf("sqlite: add tracking events: %w", err)
	}
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO tracking_events (partner, tracking_number, event_id, carrier,
			status, occurred_at, document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tracking_number, event_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		ts := now()
		for i, e := range events {
			res, err := ins.ExecContext(ctx, partner, e.TrackingNumber, e.EventID, e.Carrier, string(e.Status),
				e.OccurredAt.UTC().Format(timeLayout), string(docs[i]), ts)
			if err != nil {
				return fmt.Errorf("tracking event %q: %w", e.EventID, err)
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
		return nil, fmt.Errorf("sqlite: add tracking events: %w", translate(err))
	}
	return added, nil
}

// TrackingEvents returns every event of the tracking numbers, by the time
// they happened, then in the order they were received.
func (s *Store) TrackingEvents(ctx context.Context, trackingNumbers []string) ([]store.StoredTrackingEvent, error) {
	if len(trackingNumbers) == 0 {
		return nil, nil
	}
	args := make([]any, len(trackingNumbers))
	for i, n := range trackingNumbers {
		args[i] = n
	}
	rows, err := s.db.QueryContext(ctx, `SELECT partner, document, received_at FROM tracking_events
		WHERE tracking_number IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY occurred_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tracking events: %w", translate(err))
	}
	defer rows.Close()
	var out []store.StoredTrackingEvent
	for rows.Next() {
		var (
			ev                 store.StoredTrackingEvent
			document, received string
		)
		if err := rows.Scan(&ev.Partner, &document, &received); err != nil {
			return nil, fmt.Errorf("sqlite: tracking events: %w", err)
		}
		if err := json.Unmarshal([]byte(document), &ev.Event); err != nil {
			return nil, fmt.Errorf("sqlite: tracking events: stored document: %w", err)
		}
		if ev.ReceivedAt, err = parseTime(received); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tracking events: %w", translate(err))
	}
	return out, nil
}

// TrackedNumbers lists the tracking numbers of stored shipments — of one
// carrier (case-insensitive) or, with carrier "", of all — with the status
// of each number's latest event, for the pollers.
func (s *Store) TrackedNumbers(ctx context.Context, carrier string) ([]store.TrackedNumber, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT n.tracking_number,
       COALESCE((SELECT status FROM tracking_events e WHERE e.tracking_number = n.tracking_number
                 ORDER BY occurred_at DESC, id DESC LIMIT 1), ''),
       (SELECT occurred_at FROM tracking_events e WHERE e.tracking_number = n.tracking_number
                 ORDER BY occurred_at DESC, id DESC LIMIT 1)
FROM (SELECT DISTINCT t.tracking_number FROM shipment_tracking t JOIN shipments s ON s.id = t.shipment
      WHERE ? = '' OR lower(s.carrier) = lower(?)) n
ORDER BY n.tracking_number`, carrier, carrier)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tracked numbers: %w", translate(err))
	}
	defer rows.Close()
	var out []store.TrackedNumber
	for rows.Next() {
		var (
			t      store.TrackedNumber
			status string
			at     *string
		)
		if err := rows.Scan(&t.Number, &status, &at); err != nil {
			return nil, fmt.Errorf("sqlite: tracked numbers: %w", err)
		}
		t.Status = canonical.TrackingStatus(status)
		if at != nil {
			if t.ChangedAt, err = parseTime(*at); err != nil {
				return nil, err
			}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tracked numbers: %w", translate(err))
	}
	return out, nil
}
