-- Documents and message threads of orders (see the PostgreSQL migration of
-- the same number). Content is a BLOB; times TEXT in UTC as in 0001.

CREATE TABLE order_documents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id      TEXT    NOT NULL,
    order_number  TEXT    NOT NULL,
    document_type TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    content       BLOB    NOT NULL,
    uploaded_by   TEXT    NOT NULL DEFAULT '',
    party         TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    UNIQUE (buyer_id, order_number, document_type, sha256)
) STRICT;
CREATE INDEX order_documents_order_idx ON order_documents (buyer_id, order_number, id);

CREATE TABLE order_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id     TEXT    NOT NULL,
    order_number TEXT    NOT NULL,
    author       TEXT    NOT NULL DEFAULT '',
    party        TEXT    NOT NULL DEFAULT '',
    text         TEXT    NOT NULL,
    idempotency_key TEXT NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX order_messages_order_idx ON order_messages (buyer_id, order_number, id);
CREATE UNIQUE INDEX order_messages_key ON order_messages (buyer_id, order_number, party, author, idempotency_key)
    WHERE idempotency_key <> '';
