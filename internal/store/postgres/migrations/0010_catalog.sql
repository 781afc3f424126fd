-- Supplier catalog items (procurehub.catalog.v1): what a supplier sells, in
-- which packs, at which prices, with its customs data. An item is kept as
-- its canonical JSON without lineage (document, whose SHA-256 is
-- content_hash: store.CatalogItemContent), keyed by the supplier's id and
-- the sku; the same price list imported again changes nothing, a changed
-- item gets version + 1. Lists are in the order items were first stored (id).

CREATE TABLE catalog_items (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner      text        NOT NULL DEFAULT '',
    supplier_id  text        NOT NULL,
    sku          text        NOT NULL,
    content_hash text        NOT NULL,
    version      integer     NOT NULL DEFAULT 1,
    document     text        NOT NULL,
    lineage      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT catalog_items_key UNIQUE (supplier_id, sku)
);
CREATE INDEX catalog_items_supplier_idx ON catalog_items (supplier_id, id);
CREATE INDEX catalog_items_sku_idx ON catalog_items (sku, id);
