-- Watched folders, and what the catalog knows of each file's whereabouts.
--
-- A watched folder is configuration; what its watcher is doing right now (scanning,
-- watching, polling, offline) lives in the running daemon and is reported by the API,
-- because a stored state would be stale after any crash.

CREATE TABLE watched_folders (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    path            text NOT NULL UNIQUE CHECK (path <> ''),
    recursive       boolean NOT NULL DEFAULT true,
    -- NULL: the default photographer at the time each photo is registered.
    photographer_id uuid REFERENCES photographers (id) ON DELETE SET NULL,
    paused          boolean NOT NULL DEFAULT false,
    -- When the last complete scan (catch-up or periodic rescan) of the folder ended.
    last_scan_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER watched_folders_updated_at BEFORE UPDATE ON watched_folders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The sessions a watched folder opened (NULL for `register` and uploads).
ALTER TABLE input_sessions
    ADD COLUMN watched_folder_id uuid REFERENCES watched_folders (id) ON DELETE SET NULL;
CREATE INDEX input_sessions_watched_folder ON input_sessions (watched_folder_id)
    WHERE watched_folder_id IS NOT NULL;

-- online: seen where the catalog says; offline: its folder cannot be reached (a disk
-- unplugged); missing: its folder is there, the file is not. Never a deletion: the
-- photo and its previews stay whatever happens to the file.
ALTER TABLE image_files
    ADD COLUMN state text NOT NULL DEFAULT 'online'
        CONSTRAINT image_files_state_check CHECK (state IN ('online', 'offline', 'missing')),
    ADD COLUMN state_changed_at timestamptz;
CREATE INDEX image_files_not_online ON image_files (state, photo_id) WHERE state <> 'online';
-- Prefix look-ups (a renamed folder, a folder gone offline) by the C collation.
CREATE INDEX image_files_path_prefix ON image_files (file_path text_pattern_ops);

ALTER TABLE system_settings
    ADD COLUMN watching_enabled boolean NOT NULL DEFAULT true,
    -- A file counts once its size and mtime have not changed for this long.
    ADD COLUMN watch_quiet_seconds double precision NOT NULL DEFAULT 5
        CONSTRAINT system_settings_watch_quiet_seconds_check
            CHECK (watch_quiet_seconds BETWEEN 0.1 AND 3600),
    -- Every watched folder is walked again this often, for events the OS dropped.
    ADD COLUMN watch_rescan_minutes integer NOT NULL DEFAULT 60
        CONSTRAINT system_settings_watch_rescan_minutes_check
            CHECK (watch_rescan_minutes BETWEEN 1 AND 10080);
