-- Alerts (see the PostgreSQL migration of the same number). data is JSON
-- text; times TEXT in UTC as in 0001.

CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id          TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    severity          TEXT    NOT NULL,
    partner           TEXT    NOT NULL DEFAULT '',
    subject           TEXT    NOT NULL DEFAULT '',
    message           TEXT    NOT NULL DEFAULT '',
    suggested_action  TEXT    NOT NULL DEFAULT '',
    occurred_at       TEXT    NOT NULL,
    data              TEXT    NOT NULL DEFAULT '{}',
    order_number      TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'acknowledged', 'resolved')),
    status_changed_at TEXT    NOT NULL,
    status_by         TEXT    NOT NULL DEFAULT '',
    received_at       TEXT    NOT NULL,
    UNIQUE (alert_id)
) STRICT;
CREATE INDEX alerts_status_idx ON alerts (status, id);
CREATE INDEX alerts_kind_idx ON alerts (kind, id);
CREATE INDEX alerts_order_idx ON alerts (order_number, id) WHERE order_number <> '';
