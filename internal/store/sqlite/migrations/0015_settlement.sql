-- Settlement: invoices, payment requests, the reconciliation of bank
-- entries and suppliers' bank accounts (see the PostgreSQL migration of the
-- same number). Money is TEXT holding the decimal as written ("1247.50"),
-- dates TEXT YYYY-MM-DD, times TEXT in UTC as in 0001, JSON as TEXT.

CREATE TABLE invoices (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    partner        TEXT    NOT NULL DEFAULT '',
    supplier_id    TEXT    NOT NULL,
    invoice_number TEXT    NOT NULL,
    buyer_id       TEXT    NOT NULL DEFAULT '',
    content_hash   TEXT    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    document       TEXT    NOT NULL,
    lineage        TEXT,
    match_status   TEXT    NOT NULL DEFAULT '',           -- '' until matched
    match_result   TEXT,                                  -- JSON of match.Result
    overrides      TEXT,                                  -- JSON array, oldest first
    settlement     TEXT    NOT NULL DEFAULT 'unmatched',
    paid           TEXT    NOT NULL DEFAULT '0',          -- decimal text
    paid_at        TEXT,
    auto_matched   INTEGER NOT NULL DEFAULT 0 CHECK (auto_matched IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    UNIQUE (supplier_id, invoice_number)
) STRICT;
CREATE INDEX invoices_supplier_idx ON invoices (supplier_id, id);
CREATE INDEX invoices_buyer_idx ON invoices (buyer_id, id);
CREATE INDEX invoices_settlement_idx ON invoices (settlement, id);
CREATE INDEX invoices_match_status_idx ON invoices (match_status, id);

CREATE TABLE invoice_orders (
    invoice      INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    order_number TEXT    NOT NULL,
    PRIMARY KEY (invoice, order_number)
) STRICT, WITHOUT ROWID;
CREATE INDEX invoice_orders_order_idx ON invoice_orders (order_number, invoice);

CREATE TABLE payment_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id     TEXT    NOT NULL UNIQUE,
    buyer_id       TEXT    NOT NULL DEFAULT '',
    order_number   TEXT    NOT NULL DEFAULT '',
    supplier_id    TEXT    NOT NULL DEFAULT '',
    sequence       INTEGER NOT NULL DEFAULT 0,
    stage          TEXT    NOT NULL DEFAULT '',
    amount         TEXT    NOT NULL,                      -- decimal text
    currency       TEXT    NOT NULL DEFAULT '',
    due_date       TEXT,                                  -- YYYY-MM-DD
    documents      TEXT    NOT NULL DEFAULT '[]',
    invoice_number TEXT    NOT NULL DEFAULT '',
    end_to_end_id  TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT 'planned',
    blocked_reason TEXT    NOT NULL DEFAULT '',
    created_by     TEXT    NOT NULL DEFAULT '',
    approvals      TEXT    NOT NULL DEFAULT '[]',
    recommended    TEXT,
    paid           TEXT    NOT NULL DEFAULT '0',          -- decimal text
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX payment_requests_order_idx ON payment_requests (order_number, id);
CREATE INDEX payment_requests_buyer_idx ON payment_requests (buyer_id, id);
CREATE INDEX payment_requests_supplier_idx ON payment_requests (supplier_id, id);
CREATE INDEX payment_requests_status_idx ON payment_requests (status, id);
CREATE INDEX payment_requests_end_to_end_idx ON payment_requests (end_to_end_id) WHERE end_to_end_id <> '';

CREATE TABLE bank_entry_ids (
    entry_id    TEXT    PRIMARY KEY,
    statement   INTEGER NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index INTEGER NOT NULL,
    UNIQUE (statement, entry_index)
) STRICT, WITHOUT ROWID;

CREATE TABLE bank_reconciliations (
    entry_id      TEXT    PRIMARY KEY,
    statement     INTEGER NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index   INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    allocations   TEXT,
    reason        TEXT    NOT NULL DEFAULT '',
    suggestions   TEXT,
    reconciled_by TEXT    NOT NULL DEFAULT '',
    reconciled_at TEXT,
    UNIQUE (statement, entry_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX bank_reconciliations_status_idx ON bank_reconciliations (status, statement, entry_index);

CREATE TABLE supplier_accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    bic         TEXT    NOT NULL DEFAULT '',
    country     TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'pending',
    added_by    TEXT    NOT NULL DEFAULT '',
    added_at    TEXT    NOT NULL,
    verified_by TEXT    NOT NULL DEFAULT '',
    verified_at TEXT,
    UNIQUE (supplier_id, account)
) STRICT;
