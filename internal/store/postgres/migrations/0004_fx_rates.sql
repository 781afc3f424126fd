-- ECB euro foreign exchange reference rates by date (connectors/fxrates).
-- per_eur is how many units of currency one euro buys on rate_date, numeric
-- keeping the digits as published (150.90 stays 150.90). source says where
-- the rate was last written from (e.g. the file's URL); updated_at is when
-- it was inserted or last corrected.

CREATE TABLE fx_rates (
    rate_date  date        NOT NULL,
    currency   text        NOT NULL,
    per_eur    numeric     NOT NULL CHECK (per_eur > 0),
    source     text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rate_date, currency)
);
