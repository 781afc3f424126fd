-- Shipments and carrier tracking events (see the PostgreSQL migration of the
-- same number). Dates TEXT YYYY-MM-DD, times TEXT in UTC as in 0001.

CREATE TABLE shipments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    partner           TEXT    NOT NULL DEFAULT '',
    supplier_id       TEXT    NOT NULL DEFAULT '',
    shipment_id       TEXT    NOT NULL,
    carrier           TEXT    NOT NULL DEFAULT '',
    ship_date         TEXT,
    estimated_arrival TEXT,
    content_hash      TEXT    NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    document          TEXT    NOT NULL,
    lineage           TEXT,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    UNIQUE (supplier_id, shipment_id)
) STRICT;

CREATE TABLE shipment_orders (
    shipment     INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    order_number TEXT    NOT NULL,
    PRIMARY KEY (shipment, order_number)
) STRICT;
CREATE INDEX shipment_orders_order_idx ON shipment_orders (order_number);

CREATE TABLE shipment_tracking (
    shipment        INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    tracking_number TEXT    NOT NULL,
    PRIMARY KEY (shipment, tracking_number)
) STRICT;
CREATE INDEX shipment_tracking_number_idx ON shipment_tracking (tracking_number);

CREATE TABLE tracking_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    partner         TEXT    NOT NULL DEFAULT '',
    tracking_number TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    carrier         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    occurred_at     TEXT    NOT NULL,   -- UTC, fixed width: sorts as time
    document        TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    UNIQUE (tracking_number, event_id)
) STRICT;
CREATE INDEX tracking_events_number_time_idx ON tracking_events (tracking_number, occurred_at);
