-- Supplier catalog items (see the PostgreSQL migration of the same number).
-- Times TEXT in UTC as in 0001.

CREATE TABLE catalog_items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    partner      TEXT    NOT NULL DEFAULT '',
    supplier_id  TEXT    NOT NULL,
    sku          TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    document     TEXT    NOT NULL,
    lineage      TEXT,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    UNIQUE (supplier_id, sku)
) STRICT;
CREATE INDEX catalog_items_supplier_idx ON catalog_items (supplier_id, id);
CREATE INDEX catalog_items_sku_idx ON catalog_items (sku, id);
