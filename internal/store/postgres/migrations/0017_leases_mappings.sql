-- Job leases, mapping versions and replays (store.JobLeases, store.MappingStore).
--
-- job_leases: one row per scheduled job or polled source that must run on
-- one instance at a time; the holder renews until, others take it once it
-- has run out.
CREATE TABLE job_leases (
    name        text        PRIMARY KEY,
    owner       text        NOT NULL,
    until       timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL
);

-- mapping_versions: every distinct content of a partner's mapping, numbered
-- from 1 per partner in the order the hub first ran with it.
CREATE TABLE mapping_versions (
    partner    text        NOT NULL,
    version    integer     NOT NULL CHECK (version > 0),
    sha256     text        NOT NULL,
    content    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner, version),
    CONSTRAINT mapping_versions_content UNIQUE (partner, sha256)
);

-- The mapping version an input was read with; 0 without a mapping.
ALTER TABLE file_ledger ADD COLUMN mapping_version integer NOT NULL DEFAULT 0;

-- ledger_replays: each re-ingestion of a ledger entry's file.
CREATE TABLE ledger_replays (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ledger_id       bigint      NOT NULL REFERENCES file_ledger (id),
    mapping_version integer     NOT NULL DEFAULT 0,
    status          text        NOT NULL,
    records         integer     NOT NULL DEFAULT 0,
    rejects         integer     NOT NULL DEFAULT 0,
    by_user         text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_replays_ledger_idx ON ledger_replays (ledger_id, id);
