-- Proof that a push comes from the installation it names. A machine token binds to an
-- installation at its first use; once that token is revoked, a new one may take the
-- installation over (and with it every row central mirrors of it) only with the
-- installation's secret, which only that installation's own database holds.

-- Every installation: the secret it sends central servers beside its id, made at its
-- first push. Never synced.
CREATE TABLE installation_secret (
    singleton  boolean PRIMARY KEY DEFAULT true
                   CONSTRAINT installation_secret_singleton_check CHECK (singleton),
    secret     text NOT NULL CONSTRAINT installation_secret_secret_check
                   CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Central: SHA-256 of each installation's secret (it has 256 random bits, so no slow
-- hash is needed). NULL until the installation first sends one: an older Hotprevue, or
-- an installation registered before this migration, or handed to a token by the
-- administrator (`hotprevue machines add NAME --installation ID`).
ALTER TABLE registered_machines ADD COLUMN secret_sha256 bytea;
