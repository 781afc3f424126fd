-- Notifications of alerts (internal/notify). A delivery is one alert to one
-- recipient through one channel of the notification config, kept once per
-- (alert_id, channel, recipient): the notifier records every attempt, and a
-- redelivered alert sends only what is not yet sent or failed. status is
-- pending (tried, to be tried again), sent or failed (given up: the dead
-- letters of notifications); sent and failed are final.
--
-- notifications is the in-app inbox: an alert for a party, once per
-- (party, alert_id), newest first by id, read once (read_at).

CREATE TABLE notification_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    text        NOT NULL,
    channel     text        NOT NULL,
    recipient   text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    integer     NOT NULL DEFAULT 1,
    last_error  text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_deliveries_key UNIQUE (alert_id, channel, recipient)
);
CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (id) WHERE status = 'failed';

CREATE TABLE notifications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party            text        NOT NULL,
    alert_id         text        NOT NULL,
    kind             text        NOT NULL,
    severity         text        NOT NULL,
    partner          text        NOT NULL DEFAULT '',
    subject          text        NOT NULL DEFAULT '',
    message          text        NOT NULL DEFAULT '',
    suggested_action text        NOT NULL DEFAULT '',
    order_number     text        NOT NULL DEFAULT '',
    occurred_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    read_at          timestamptz,
    CONSTRAINT notifications_key UNIQUE (party, alert_id)
);
CREATE INDEX notifications_party_idx ON notifications (party, id);
CREATE INDEX notifications_unread_idx ON notifications (party, id) WHERE read_at IS NULL;
