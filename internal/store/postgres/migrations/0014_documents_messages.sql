-- Documents and message threads of orders (the multi-party portal).
--
-- order_documents keeps what the parties of an order upload (a commercial
-- invoice, a packing list, a bill of lading...), with its content, once per
-- (buyer_id, order_number, document_type, sha256): the same content uploaded
-- again as the same type of the same order is the stored document. name is
-- as the uploader gave it and never used as a path; media_type is sniffed
-- from the content. uploaded_by and party are the caller ('' without one).
--
-- order_messages is the thread of an order, oldest first by id. A message
-- posted with an idempotency key (the client's Idempotency-Key) is kept
-- once per (buyer_id, order_number, party, author, idempotency_key): a
-- retried post is the message stored first.

CREATE TABLE order_documents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_id      text        NOT NULL,
    order_number  text        NOT NULL,
    document_type text        NOT NULL,
    name          text        NOT NULL,
    media_type    text        NOT NULL,
    sha256        text        NOT NULL,
    size          bigint      NOT NULL CHECK (size > 0),
    content       bytea       NOT NULL,
    uploaded_by   text        NOT NULL DEFAULT '',
    party         text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_documents_key UNIQUE (buyer_id, order_number, document_type, sha256)
);
CREATE INDEX order_documents_order_idx ON order_documents (buyer_id, order_number, id);

CREATE TABLE order_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_id     text        NOT NULL,
    order_number text        NOT NULL,
    author       text        NOT NULL DEFAULT '',
    party        text        NOT NULL DEFAULT '',
    text         text        NOT NULL,
    idempotency_key text     NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_messages_order_idx ON order_messages (buyer_id, order_number, id);
CREATE UNIQUE INDEX order_messages_key ON order_messages (buyer_id, order_number, party, author, idempotency_key)
    WHERE idempotency_key <> '';
