-- Job leases, mapping versions and replays (see the PostgreSQL migration
-- of the same number). Times are TEXT in UTC at a fixed width, as in 0001.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    until       TEXT NOT NULL,
    acquired_at TEXT NOT NULL
) STRICT;

CREATE TABLE mapping_versions (
    partner    TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    sha256     TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (partner, version),
    UNIQUE (partner, sha256)
) STRICT;

ALTER TABLE file_ledger ADD COLUMN mapping_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ledger_replays (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ledger_id       INTEGER NOT NULL REFERENCES file_ledger (id),
    mapping_version INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL,
    records         INTEGER NOT NULL DEFAULT 0,
    rejects         INTEGER NOT NULL DEFAULT 0,
    by_user         TEXT    NOT NULL DEFAULT '',
    at              TEXT    NOT NULL
) STRICT;
CREATE INDEX ledger_replays_ledger_idx ON ledger_replays (ledger_id, id);
