-- Validation findings of orders: one row per order, about the content it
-- had when validated (content_hash, as orders.content_hash). An order with
-- error findings has status needs_review until a corrected version comes.
CREATE TABLE order_findings (
    buyer_id     text        NOT NULL,
    order_number text        NOT NULL,
    content_hash text        NOT NULL,
    errors       integer     NOT NULL DEFAULT 0,
    warnings     integer     NOT NULL DEFAULT 0,
    findings     text        NOT NULL,   -- JSON array of {rule_id, severity, path, message, suggestion}
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_id, order_number)
);
