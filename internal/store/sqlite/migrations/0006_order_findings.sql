-- Validation findings of orders (see the PostgreSQL migration of the same
-- number). Times TEXT in UTC as in 0001.
CREATE TABLE order_findings (
    buyer_id     TEXT    NOT NULL,
    order_number TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    errors       INTEGER NOT NULL DEFAULT 0,
    warnings     INTEGER NOT NULL DEFAULT 0,
    findings     TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (buyer_id, order_number)
) STRICT;
