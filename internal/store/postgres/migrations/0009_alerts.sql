-- Alerts of procurehub.alerts.v1, kept once per alert_id (deterministic: the
-- same condition delivered again changes nothing), with their lifecycle:
-- open, then acknowledged, then resolved (or open, then resolved). data is
-- the alert's string map; order_number is data->>'order_number' ('' without
-- one), a column of its own for filtering. Lists are newest first by id.

CREATE TABLE alerts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id          text        NOT NULL,
    kind              text        NOT NULL,
    severity          text        NOT NULL,
    partner           text        NOT NULL DEFAULT '',
    subject           text        NOT NULL DEFAULT '',
    message           text        NOT NULL DEFAULT '',
    suggested_action  text        NOT NULL DEFAULT '',   -- what a person should do about it
    occurred_at       timestamptz NOT NULL,
    data              jsonb       NOT NULL DEFAULT '{}',
    order_number      text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'acknowledged', 'resolved')),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    status_by         text        NOT NULL DEFAULT '',
    received_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alerts_key UNIQUE (alert_id)
);
CREATE INDEX alerts_status_idx ON alerts (status, id);
CREATE INDEX alerts_kind_idx ON alerts (kind, id);
CREATE INDEX alerts_order_idx ON alerts (order_number, id) WHERE order_number <> '';
