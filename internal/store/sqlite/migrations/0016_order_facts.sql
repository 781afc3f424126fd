-- Order facts: one row per order, the projection the KPIs are computed
-- from (see the PostgreSQL migration of the same number). Money is TEXT
-- holding the decimal as written ("12.50"), dates TEXT YYYY-MM-DD, times
-- TEXT in UTC as in 0001: at a fixed width, so projected_at compares as
-- text. A milestone that has not happened is NULL, as is a date not known.
-- NULL sorts first, as the listing wants.

CREATE TABLE order_facts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order, kept when the row is replaced
    buyer_id          TEXT    NOT NULL,
    order_number      TEXT    NOT NULL,
    supplier_id       TEXT    NOT NULL DEFAULT '',
    carrier           TEXT    NOT NULL DEFAULT '',
    origin            TEXT    NOT NULL DEFAULT '',
    destination       TEXT    NOT NULL DEFAULT '',
    currency          TEXT    NOT NULL DEFAULT '',
    total_amount      TEXT    NOT NULL DEFAULT '0',       -- decimal text
    order_date        TEXT,                               -- YYYY-MM-DD
    requested_date    TEXT,                               -- YYYY-MM-DD
    state             TEXT    NOT NULL DEFAULT '',
    created_at        TEXT    NOT NULL,
    confirmed_at      TEXT,
    shipped_at        TEXT,
    delivered_at      TEXT,
    invoiced_at       TEXT,
    paid_at           TEXT,
    eta               TEXT,                               -- YYYY-MM-DD
    needed_correction INTEGER NOT NULL DEFAULT 0 CHECK (needed_correction IN (0, 1)),
    last_update_at    TEXT    NOT NULL,
    projected_at      TEXT    NOT NULL,
    UNIQUE (buyer_id, order_number)
) STRICT;
CREATE INDEX order_facts_order_date_idx ON order_facts (order_date, id);
CREATE INDEX order_facts_buyer_idx ON order_facts (buyer_id, order_date, id);
CREATE INDEX order_facts_supplier_idx ON order_facts (supplier_id, order_date, id);
