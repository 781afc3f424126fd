-- Order responses and order events (see the PostgreSQL migration of the same
-- number). Dates TEXT YYYY-MM-DD, times TEXT in UTC as in 0001.

CREATE TABLE order_responses (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    partner         TEXT    NOT NULL DEFAULT '',
    order_number    TEXT    NOT NULL,
    response_number TEXT    NOT NULL DEFAULT '',
    supplier_id     TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    response_date   TEXT,
    content_hash    TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    document        TEXT    NOT NULL,
    lineage         TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (order_number, response_number)
) STRICT;

CREATE TABLE order_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    partner      TEXT    NOT NULL DEFAULT '',
    event_id     TEXT    NOT NULL,
    order_number TEXT    NOT NULL,
    buyer_id     TEXT    NOT NULL DEFAULT '',
    type         TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,   -- UTC, fixed width: sorts as time
    document     TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    UNIQUE (event_id)
) STRICT;
CREATE INDEX order_events_order_time_idx ON order_events (order_number, occurred_at);
