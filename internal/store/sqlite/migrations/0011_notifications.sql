-- Notifications of alerts (see the PostgreSQL migration of the same
-- number). Times TEXT in UTC as in 0001; read_at NULL while unread.

CREATE TABLE notification_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (alert_id, channel, recipient)
) STRICT;
CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (id) WHERE status = 'failed';

CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    party            TEXT    NOT NULL,
    alert_id         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    severity         TEXT    NOT NULL,
    partner          TEXT    NOT NULL DEFAULT '',
    subject          TEXT    NOT NULL DEFAULT '',
    message          TEXT    NOT NULL DEFAULT '',
    suggested_action TEXT    NOT NULL DEFAULT '',
    order_number     TEXT    NOT NULL DEFAULT '',
    occurred_at      TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    read_at          TEXT,
    UNIQUE (party, alert_id)
) STRICT;
CREATE INDEX notifications_party_idx ON notifications (party, id);
CREATE INDEX notifications_unread_idx ON notifications (party, id) WHERE read_at IS NULL;
