-- Orders with their lines, and the file ledger.
-- STRICT tables keep every value in its declared type: money and quantities
-- are TEXT holding the decimal as written ("12.50"), never a REAL. Times are
-- TEXT in UTC, RFC 3339 with nine fraction digits, so they sort as text.
-- AUTOINCREMENT: ids are never reused, so "newest first" is id descending.

CREATE TABLE orders (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id                TEXT    NOT NULL,
    order_number            TEXT    NOT NULL,
    supplier_id             TEXT    NOT NULL DEFAULT '',
    status                  TEXT    NOT NULL DEFAULT 'submitted',
    currency                TEXT    NOT NULL DEFAULT '',
    order_date              TEXT,   -- YYYY-MM-DD
    requested_delivery_date TEXT,   -- YYYY-MM-DD
    total_amount            TEXT,   -- decimal text
    content_hash            TEXT    NOT NULL,  -- hex SHA-256 of document
    version                 INTEGER NOT NULL DEFAULT 1,
    document                TEXT    NOT NULL,  -- store.Content: canonical JSON without lineage
    lineage                 TEXT,              -- JSON: {"order": source, "lines": [source...]}
    created_at              TEXT    NOT NULL,
    updated_at              TEXT    NOT NULL,
    UNIQUE (buyer_id, order_number)
) STRICT;

-- Lists are newest first (id descending) within a filter: the id rides along.
CREATE INDEX orders_buyer_idx ON orders (buyer_id, id);
CREATE INDEX orders_supplier_idx ON orders (supplier_id, id);
CREATE INDEX orders_status_idx ON orders (status, id);
CREATE INDEX orders_order_number_idx ON orders (order_number);

CREATE TABLE order_lines (
    order_id       INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_number    INTEGER NOT NULL,
    sku            TEXT,
    description    TEXT,
    quantity       TEXT    NOT NULL,  -- decimal text
    unit           TEXT,
    unit_price     TEXT    NOT NULL,  -- decimal text
    amount         TEXT,              -- decimal text
    hs_code        TEXT,
    origin_country TEXT,
    PRIMARY KEY (order_id, line_number)
) STRICT, WITHOUT ROWID;

CREATE TABLE file_ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    partner    TEXT    NOT NULL,
    connector  TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL DEFAULT '',
    sha256     TEXT    NOT NULL,
    size       INTEGER NOT NULL DEFAULT 0,
    status     TEXT    NOT NULL DEFAULT 'processing',
    records    INTEGER NOT NULL DEFAULT 0,
    rejects    INTEGER NOT NULL DEFAULT 0,
    receipt    TEXT,   -- JSON
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (partner, sha256)
) STRICT;

CREATE INDEX file_ledger_partner_idx ON file_ledger (partner, id);
