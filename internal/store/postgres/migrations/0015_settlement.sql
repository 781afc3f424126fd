-- Settlement: supplier invoices, payment requests, the reconciliation of
-- bank entries and suppliers' bank accounts.
--
-- An invoice (procurehub.invoices.v1) is kept as its canonical JSON without
-- lineage (document, whose SHA-256 is content_hash: store.InvoiceContent),
-- keyed by the supplier's id and the invoice number, and written only when
-- its content changed, as catalog items are. Beside it: what settlement
-- decided (the three-way match and its result, the finance users'
-- overrides as a JSON array the store appends to, how much the bank paid).
-- A content change keeps those: the caller matches again. invoice_orders
-- holds every order number the invoice names, in the header or on a line,
-- so that an order's invoices are found by an index.

CREATE TABLE invoices (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner        text        NOT NULL DEFAULT '',
    supplier_id    text        NOT NULL,
    invoice_number text        NOT NULL,
    buyer_id       text        NOT NULL DEFAULT '',
    content_hash   text        NOT NULL,
    version        integer     NOT NULL DEFAULT 1,
    document       text        NOT NULL,
    lineage        text,
    match_status   text        NOT NULL DEFAULT '',           -- '' until matched
    match_result   text,                                      -- JSON of match.Result
    overrides      text,                                      -- JSON array, oldest first
    settlement     text        NOT NULL DEFAULT 'unmatched',
    paid           numeric     NOT NULL DEFAULT 0,            -- in the invoice currency
    paid_at        timestamptz,                               -- when it became reconciled
    auto_matched   boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_key UNIQUE (supplier_id, invoice_number)
);
-- Lists are oldest first (id) within a filter: the id rides along.
CREATE INDEX invoices_supplier_idx ON invoices (supplier_id, id);
CREATE INDEX invoices_buyer_idx ON invoices (buyer_id, id);
CREATE INDEX invoices_settlement_idx ON invoices (settlement, id);
CREATE INDEX invoices_match_status_idx ON invoices (match_status, id);

CREATE TABLE invoice_orders (
    invoice      bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    order_number text   NOT NULL,
    PRIMARY KEY (invoice, order_number)
);
CREATE INDEX invoice_orders_order_idx ON invoice_orders (order_number, invoice);

-- Payment requests, the stages of an order's payment plan, keyed by
-- request_id (store.PaymentRequestID). Documents and approvals are JSON
-- arrays; approvals are appended by the store, never rewritten. Amounts are
-- numeric, keeping the scale they were given.
CREATE TABLE payment_requests (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id     text        NOT NULL,
    buyer_id       text        NOT NULL DEFAULT '',
    order_number   text        NOT NULL DEFAULT '',
    supplier_id    text        NOT NULL DEFAULT '',
    sequence       integer     NOT NULL DEFAULT 0,
    stage          text        NOT NULL DEFAULT '',
    amount         numeric     NOT NULL,
    currency       text        NOT NULL DEFAULT '',
    due_date       date,                                      -- NULL while it waits for an event
    documents      text        NOT NULL DEFAULT '[]',         -- JSON array of document types
    invoice_number text        NOT NULL DEFAULT '',
    end_to_end_id  text        NOT NULL DEFAULT '',
    status         text        NOT NULL DEFAULT 'planned',
    blocked_reason text        NOT NULL DEFAULT '',
    created_by     text        NOT NULL DEFAULT '',
    approvals      text        NOT NULL DEFAULT '[]',         -- JSON array of store.PaymentApproval
    recommended    text,                                      -- JSON of plan.Recommendation
    paid           numeric     NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_requests_key UNIQUE (request_id)
);
CREATE INDEX payment_requests_order_idx ON payment_requests (order_number, id);
CREATE INDEX payment_requests_buyer_idx ON payment_requests (buyer_id, id);
CREATE INDEX payment_requests_supplier_idx ON payment_requests (supplier_id, id);
CREATE INDEX payment_requests_status_idx ON payment_requests (status, id);
-- Reconciliation finds a payment again by the end-to-end id it quoted.
CREATE INDEX payment_requests_end_to_end_idx ON payment_requests (end_to_end_id) WHERE end_to_end_id <> '';

-- The ids of stored bank entries (store.BankEntryID, a hash of the
-- statement's key and the entry's index), filled in by the store when it
-- is asked for an id it has not mapped yet: the statement writer stays as
-- it is, and an id leads to its entry through an index.
CREATE TABLE bank_entry_ids (
    entry_id    text    PRIMARY KEY,
    statement   bigint  NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index integer NOT NULL,
    CONSTRAINT bank_entry_ids_entry UNIQUE (statement, entry_index)
);

-- How each bank entry was reconciled; an entry without a row is unmatched.
-- A matched, manual or ignored row is final: the store overwrites only an
-- unmatched one. statement and entry_index repeat the entry's place, for
-- the join from bank_entries.
CREATE TABLE bank_reconciliations (
    entry_id      text        PRIMARY KEY,
    statement     bigint      NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index   integer     NOT NULL,
    status        text        NOT NULL,
    allocations   text,                                       -- JSON of []reconcile.Allocation
    reason        text        NOT NULL DEFAULT '',
    suggestions   text,                                       -- JSON of []reconcile.Suggestion
    reconciled_by text        NOT NULL DEFAULT '',
    reconciled_at timestamptz,
    CONSTRAINT bank_reconciliations_entry UNIQUE (statement, entry_index)
);
CREATE INDEX bank_reconciliations_status_idx ON bank_reconciliations (status, statement, entry_index);

-- Suppliers' bank accounts on file, keyed by the supplier and the account
-- as store.NormalizeAccount writes it. verified_by is never added_by (four
-- eyes); the store checks it.
CREATE TABLE supplier_accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id text        NOT NULL,
    account     text        NOT NULL,
    bic         text        NOT NULL DEFAULT '',
    country     text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'pending',
    added_by    text        NOT NULL DEFAULT '',
    added_at    timestamptz NOT NULL DEFAULT now(),
    verified_by text        NOT NULL DEFAULT '',
    verified_at timestamptz,
    CONSTRAINT supplier_accounts_key UNIQUE (supplier_id, account)
);
