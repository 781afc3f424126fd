-- Identity, credentials and the audit log (see the PostgreSQL migration of
-- the same number). Times TEXT in UTC as in 0001; NULL where PostgreSQL
-- has NULL. before/after hold JSON text.

CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    party_id      TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    display_name  TEXT    NOT NULL DEFAULT '',
    password_hash TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX users_party_idx ON users (party_id);

CREATE TABLE api_tokens (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    hash         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL DEFAULT '',
    scopes       TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
) STRICT;
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, seq);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    party_id   TEXT NOT NULL DEFAULT '',
    credential TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    before     TEXT,
    after      TEXT,
    outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed'))
) STRICT;
CREATE INDEX audit_log_user_idx ON audit_log (user_id, id);
CREATE INDEX audit_log_party_idx ON audit_log (party_id, id);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
