-- Browser sessions of the web UI. Never synced: a session belongs to the daemon that
-- made it. Only hashes are kept, so a copy of the database signs nobody in.
CREATE TABLE ui_sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- SHA-256 of the two halves: the token the page sends as a Bearer header, and the
    -- HttpOnly cookie the browser sends with it (and alone, for images).
    token_hash    bytea NOT NULL CONSTRAINT ui_sessions_token_key UNIQUE,
    cookie_hash   bytea NOT NULL CONSTRAINT ui_sessions_cookie_key UNIQUE,
    read_only     boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ui_sessions_last_used ON ui_sessions (last_used_at);
