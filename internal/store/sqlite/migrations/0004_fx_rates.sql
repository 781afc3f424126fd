-- ECB euro foreign exchange reference rates by date (see the PostgreSQL
-- migration of the same number). per_eur is TEXT holding the decimal as
-- published ("150.90"), rate_date TEXT YYYY-MM-DD, updated_at TEXT in UTC as
-- in 0001.

CREATE TABLE fx_rates (
    rate_date  TEXT NOT NULL,   -- YYYY-MM-DD
    currency   TEXT NOT NULL,
    per_eur    TEXT NOT NULL,   -- decimal text, positive
    source     TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (rate_date, currency)
) STRICT, WITHOUT ROWID;
