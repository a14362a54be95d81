-- A failed push in plain words: what kind of failure it was (a short stable code a
-- client may act on) and a sentence for the photographer, next to the technical text.
ALTER TABLE sync_targets
    ADD COLUMN last_error_kind    text,
    ADD COLUMN last_error_message text;

-- After how many days of photos waiting unsynced the tray reminds (0: never).
ALTER TABLE system_settings
    ADD COLUMN sync_reminder_days integer NOT NULL DEFAULT 7
        CONSTRAINT system_settings_sync_reminder_days_check
            CHECK (sync_reminder_days BETWEEN 0 AND 365);
