-- Identity, credentials and the audit log (internal/auth).
--
-- A user belongs to one party and has roles (space-separated). Only the
-- SHA-256 of a token's secret, of a session id and of a CSRF token is kept,
-- never the secrets. A token is found by the hash of the secret its holder
-- shows; seq orders the token lists. The audit log is append-only: one
-- row per write of the API, who (user, party, credential), what (action,
-- target, before and after) and how it ended.

CREATE TABLE users (
    id            text        PRIMARY KEY,
    party_id      text        NOT NULL,
    roles         text        NOT NULL,
    display_name  text        NOT NULL DEFAULT '',
    password_hash text,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_party_idx ON users (party_id);

CREATE TABLE api_tokens (
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           text        PRIMARY KEY,
    user_id      text        NOT NULL REFERENCES users (id),
    hash         text        NOT NULL UNIQUE,
    name         text        NOT NULL DEFAULT '',
    scopes       text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, seq);

CREATE TABLE sessions (
    id_hash    text        PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users (id),
    csrf_hash  text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    text        NOT NULL DEFAULT '',
    party_id   text        NOT NULL DEFAULT '',
    credential text        NOT NULL DEFAULT '',
    action     text        NOT NULL,
    target     text        NOT NULL DEFAULT '',
    before     jsonb,
    after      jsonb,
    outcome    text        NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed'))
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, id);
CREATE INDEX audit_log_party_idx ON audit_log (party_id, id);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
