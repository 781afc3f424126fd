-- Bank statements with their entries (see the PostgreSQL migration of the
-- same number). Money is TEXT holding the decimal as written ("1247.50"),
-- dates TEXT YYYY-MM-DD, times TEXT in UTC as in 0001.

CREATE TABLE bank_statements (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    partner            TEXT    NOT NULL DEFAULT '',
    account_key        TEXT    NOT NULL,              -- IBAN, or the number without one
    statement_id       TEXT    NOT NULL,
    sequence_number    TEXT    NOT NULL DEFAULT '',   -- '' when the bank sent none
    statement_type     TEXT    NOT NULL DEFAULT '',
    currency           TEXT    NOT NULL DEFAULT '',
    opening_balance    TEXT,                          -- decimal text
    closing_balance    TEXT,                          -- decimal text
    opening_date       TEXT,                          -- YYYY-MM-DD
    closing_date       TEXT,                          -- YYYY-MM-DD
    balance_check      TEXT    NOT NULL DEFAULT '',   -- ok, mismatch or '' (no balances)
    balance_difference TEXT,                          -- decimal text
    entry_count        INTEGER NOT NULL DEFAULT 0,
    content_hash       TEXT    NOT NULL,              -- hex SHA-256 of document
    version            INTEGER NOT NULL DEFAULT 1,
    document           TEXT    NOT NULL,              -- store.StatementContent
    lineage            TEXT,                          -- JSON of the statement's source
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    UNIQUE (account_key, statement_id, sequence_number)
) STRICT;

CREATE INDEX bank_statements_account_idx ON bank_statements (account_key, id);
CREATE INDEX bank_statements_account_closing_idx ON bank_statements (account_key, closing_date);
CREATE INDEX bank_statements_balance_check_idx ON bank_statements (balance_check, id);

CREATE TABLE bank_entries (
    statement          INTEGER NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    entry_index        INTEGER NOT NULL,   -- 1-based position in the statement
    account_key        TEXT    NOT NULL,
    amount             TEXT    NOT NULL,   -- decimal text, signed: negative is a debit
    currency           TEXT    NOT NULL DEFAULT '',
    booking_date       TEXT,               -- YYYY-MM-DD
    value_date         TEXT,               -- YYYY-MM-DD
    bank_reference     TEXT,
    end_to_end_id      TEXT,
    remittance_info    TEXT,
    creditor_reference TEXT,
    counterparty_name  TEXT,
    counterparty_iban  TEXT,
    reversal           INTEGER NOT NULL DEFAULT 0 CHECK (reversal IN (0, 1)),
    status             TEXT    NOT NULL DEFAULT 'booked',
    PRIMARY KEY (statement, entry_index)
) STRICT, WITHOUT ROWID;

CREATE INDEX bank_entries_end_to_end_idx ON bank_entries (end_to_end_id) WHERE end_to_end_id IS NOT NULL;
CREATE INDEX bank_entries_creditor_reference_idx ON bank_entries (creditor_reference) WHERE creditor_reference IS NOT NULL;
CREATE INDEX bank_entries_account_booking_idx ON bank_entries (account_key, booking_date);
