-- Bank statements with their entries.
-- A statement is kept as its canonical JSON without lineage (document, whose
-- SHA-256 is content_hash: store.StatementContent) plus where it last came
-- from (lineage), both text as for orders. The columns beside the document
-- are what lists and reconciliation query. Money is numeric, keeping the
-- scale it was given (1247.50 stays 1247.50).

CREATE TABLE bank_statements (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner            text        NOT NULL DEFAULT '',
    account_key        text        NOT NULL,              -- IBAN, or the number without one
    statement_id       text        NOT NULL,
    sequence_number    text        NOT NULL DEFAULT '',   -- '' when the bank sent none
    statement_type     text        NOT NULL DEFAULT '',
    currency           text        NOT NULL DEFAULT '',
    opening_balance    numeric,
    closing_balance    numeric,
    opening_date       date,
    closing_date       date,
    balance_check      text        NOT NULL DEFAULT '',   -- ok, mismatch or '' (no balances)
    balance_difference numeric,
    entry_count        integer     NOT NULL DEFAULT 0,
    content_hash       text        NOT NULL,              -- hex SHA-256 of document
    version            integer     NOT NULL DEFAULT 1,
    document           text        NOT NULL,              -- store.StatementContent
    lineage            text,                              -- JSON of the statement's source
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_statements_key UNIQUE (account_key, statement_id, sequence_number)
);

-- Lists are newest first (id descending) within a filter: the id rides along.
CREATE INDEX bank_statements_account_idx ON bank_statements (account_key, id);
CREATE INDEX bank_statements_account_closing_idx ON bank_statements (account_key, closing_date);
CREATE INDEX bank_statements_balance_check_idx ON bank_statements (balance_check, id);

-- One row per entry, replaced whole when its statement's content changes.
-- account_key repeats the statement's, so that an account's entries are
-- found by booking date without a join.
CREATE TABLE bank_entries (
    statement          bigint  NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index        integer NOT NULL,   -- 1-based position in the statement
    account_key        text    NOT NULL,
    amount             numeric NOT NULL,   -- signed: negative is a debit
    currency           text    NOT NULL DEFAULT '',
    booking_date       date,
    value_date         date,
    bank_reference     text,
    end_to_end_id      text,
    remittance_info    text,
    creditor_reference text,
    counterparty_name  text,
    counterparty_iban  text,
    reversal           boolean NOT NULL DEFAULT false,
    status             text    NOT NULL DEFAULT 'booked',
    PRIMARY KEY (statement, entry_index)
);

-- Reconciliation matches payments by their end-to-end id or creditor
-- reference, and an account's entries by booking date.
CREATE INDEX bank_entries_end_to_end_idx ON bank_entries (end_to_end_id) WHERE end_to_end_id IS NOT NULL;
CREATE INDEX bank_entries_creditor_reference_idx ON bank_entries (creditor_reference) WHERE creditor_reference IS NOT NULL;
CREATE INDEX bank_entries_account_booking_idx ON bank_entries (account_key, booking_date);
