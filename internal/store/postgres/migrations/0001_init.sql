-- Orders with their lines, and the file ledger.
-- Money and quantities are numeric (never a float); numeric keeps the scale
-- it was given, so 12.50 stays 12.50.
--
-- An order is kept as its canonical JSON without lineage (document, whose
-- SHA-256 is content_hash) plus where it last came from (lineage). Both are
-- text holding JSON written by the store itself: text keeps the bytes as
-- written, so content_hash stays the hash of document, and costs PostgreSQL
-- no JSON validation (jsonb cost about 0.45 s and json about 0.1 s more
-- PostgreSQL CPU per 100,000 order lines on a bulk load here; queries filter
-- on the columns, not on the documents — cast with document::json to look in).

CREATE TABLE orders (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_id                text        NOT NULL,
    order_number            text        NOT NULL,
    supplier_id             text        NOT NULL DEFAULT '',
    status                  text        NOT NULL DEFAULT 'submitted',
    currency                text        NOT NULL DEFAULT '',
    order_date              date,
    requested_delivery_date date,
    total_amount            numeric,
    content_hash            text        NOT NULL,   -- hex SHA-256 of document
    version                 integer     NOT NULL DEFAULT 1,
    document                text        NOT NULL,   -- store.Content: canonical JSON without lineage
    lineage                 text,                   -- JSON {"order": source, "lines": [source...]}
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_buyer_order_key UNIQUE (buyer_id, order_number)
);

-- Lists are newest first (id descending) within a filter: the id rides along.
CREATE INDEX orders_buyer_idx ON orders (buyer_id, id);
CREATE INDEX orders_supplier_idx ON orders (supplier_id, id);
CREATE INDEX orders_status_idx ON orders (status, id);
-- GetOrder without a buyer looks an order number up across buyers.
CREATE INDEX orders_order_number_idx ON orders (order_number);

-- order_lines.order_id is orders.id, but no FOREIGN KEY is declared: its
-- per-row check took about half the PostgreSQL CPU of a bulk load (0.5 s per
-- 100,000 lines measured here). Lines are written only by UpsertOrders, in the
-- transaction that holds their order's row; whatever deletes orders one day
-- deletes their lines in the same transaction.
CREATE TABLE order_lines (
    order_id       bigint  NOT NULL,   -- orders.id
    line_number    integer NOT NULL,
    sku            text,
    description    text,
    quantity       numeric NOT NULL,
    unit           text,
    unit_price     numeric NOT NULL,
    amount         numeric,
    hs_code        text,
    origin_country text,
    PRIMARY KEY (order_id, line_number)
);

CREATE TABLE file_ledger (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner    text        NOT NULL,
    connector  text        NOT NULL DEFAULT '',
    source     text        NOT NULL DEFAULT '',
    name       text        NOT NULL DEFAULT '',
    sha256     text        NOT NULL,
    size       bigint      NOT NULL DEFAULT 0,
    status     text        NOT NULL DEFAULT 'processing',
    records    integer     NOT NULL DEFAULT 0,
    rejects    integer     NOT NULL DEFAULT 0,
    receipt    jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT file_ledger_partner_sha256_key UNIQUE (partner, sha256)
);

CREATE INDEX file_ledger_partner_idx ON file_ledger (partner, id);
