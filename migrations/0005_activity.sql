-- What the tray asks every second (`GET /api/activity`), kept cheap on a large catalog.

-- The last change number every write holding one has committed (or given up), or NULL
-- while a writer still holds one: a count taken after a non-NULL answer includes every
-- change up to it, so a cache keyed by it is never stale. Unlike `sync_horizon()` it
-- never waits for writers (it polls, and a busy catalog is counted afresh). The lock is
-- the one of 0004_sync.sql; call it alone in its transaction, which then lasts an instant.
CREATE FUNCTION settled_change() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    settled bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(1752199798) THEN
        RETURN NULL;
    END IF;
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO settled FROM sync_changes;
    RETURN settled;
END;
$$;

-- Sessions not finished yet, oldest first, without reading every session ever run.
CREATE INDEX input_sessions_unfinished ON input_sessions (created_at)
    WHERE status IN ('pending', 'running', 'uploading');
