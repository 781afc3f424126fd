-- Order responses and order events, for the order's timeline.
-- An order response (a supplier's confirmation, rejection or change) is kept
-- as its canonical JSON without lineage (document, whose SHA-256 is
-- content_hash: store.OrderResponseContent), keyed by its order number and
-- response number ('' when the supplier gave none); a changed response gets
-- version + 1. An order event is kept whole, lineage included, once per
-- event id. Both are read by order number.

CREATE TABLE order_responses (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner         text        NOT NULL DEFAULT '',
    order_number    text        NOT NULL,
    response_number text        NOT NULL DEFAULT '',
    supplier_id     text        NOT NULL DEFAULT '',
    status          text        NOT NULL,
    response_date   date,
    content_hash    text        NOT NULL,
    version         integer     NOT NULL DEFAULT 1,
    document        text        NOT NULL,
    lineage         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_responses_key UNIQUE (order_number, response_number)
);

CREATE TABLE order_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner      text        NOT NULL DEFAULT '',
    event_id     text        NOT NULL,
    order_number text        NOT NULL,
    buyer_id     text        NOT NULL DEFAULT '',
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    document     text        NOT NULL,   -- canonical JSON of the event, lineage included
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_events_key UNIQUE (event_id)
);
CREATE INDEX order_events_order_time_idx ON order_events (order_number, occurred_at);
