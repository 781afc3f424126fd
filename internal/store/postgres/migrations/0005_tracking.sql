-- Shipments (advance ship notices) and carrier tracking events.
-- A shipment is kept as its canonical JSON without lineage (document, whose
-- SHA-256 is content_hash: store.ShipmentContent), keyed by the supplier's
-- id and its shipment id. The orders it delivers against and its tracking
-- numbers are rows of their own, for the links tracking number → shipment
-- → orders. Tracking events are kept whole, each once per (tracking
-- number, event id); an event whose tracking number no shipment names yet
-- is kept all the same, and is linked when the shipment arrives, since the
-- link is made when reading.

CREATE TABLE shipments (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner           text        NOT NULL DEFAULT '',
    supplier_id       text        NOT NULL DEFAULT '',
    shipment_id       text        NOT NULL,
    carrier           text        NOT NULL DEFAULT '',
    ship_date         date,
    estimated_arrival date,
    content_hash      text        NOT NULL,
    version           integer     NOT NULL DEFAULT 1,
    document          text        NOT NULL,
    lineage           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipments_key UNIQUE (supplier_id, shipment_id)
);

CREATE TABLE shipment_orders (
    shipment     bigint NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    order_number text   NOT NULL,
    PRIMARY KEY (shipment, order_number)
);
CREATE INDEX shipment_orders_order_idx ON shipment_orders (order_number);

CREATE TABLE shipment_tracking (
    shipment        bigint NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    tracking_number text   NOT NULL,
    PRIMARY KEY (shipment, tracking_number)
);
CREATE INDEX shipment_tracking_number_idx ON shipment_tracking (tracking_number);

CREATE TABLE tracking_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner         text        NOT NULL DEFAULT '',
    tracking_number text        NOT NULL,
    event_id        text        NOT NULL,
    carrier         text        NOT NULL DEFAULT '',
    status          text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    document        text        NOT NULL,   -- canonical JSON of the event, lineage included
    received_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tracking_events_key UNIQUE (tracking_number, event_id)
);
CREATE INDEX tracking_events_number_time_idx ON tracking_events (tracking_number, occurred_at);
