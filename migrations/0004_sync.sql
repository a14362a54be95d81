-- Sync to a central server: change tracking on this machine, the mirror on central.
--
-- On every machine, each synced row carries `change_seq`, taken from one sequence at
-- its insert and at every update that changes it, and each deletion leaves a
-- tombstone with a number from the same sequence. A target has everything numbered up
-- to its acknowledged `acked_seq`; a push sends what lies above it, in bounded batches.
--
-- A number taken by a transaction that has not committed yet would be skipped by a
-- push that acknowledged a larger one. So every writer holds an advisory lock shared
-- while it takes numbers, and a push fixes its horizon (`sync_horizon()`) holding that
-- lock exclusively for an instant: every number up to the horizon is then committed
-- (or gone with its transaction).
--
-- `origin` is NULL for this installation's own rows. Central stores what a machine
-- sends with that machine's installation id; such rows are a mirror: the rules the
-- origin enforces (one default photographer, a file path once, a category name once,
-- one master file, one stack cover) are enforced there, not again on central, where
-- two machines' rows meet. Central checks foreign keys at the end of each batch.

CREATE SEQUENCE sync_changes AS bigint;

-- 0x68707276 ('hprv'): the advisory lock writers share and a push's horizon takes.
CREATE FUNCTION note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1752199798);
    NEW.change_seq := nextval('sync_changes');
    RETURN NEW;
END;
$$;

-- Call it alone in its transaction: the exclusive lock lasts until that transaction ends.
CREATE FUNCTION sync_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    horizon bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(1752199798);
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO horizon FROM sync_changes;
    RETURN horizon;
END;
$$;

CREATE TABLE sync_tombstones (
    change_seq bigint PRIMARY KEY,
    -- The table the row was deleted from, and its key there (photos: the hothash).
    entity     text NOT NULL,
    entity_key text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION note_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deleted_key text;
BEGIN
    IF OLD.origin IS NOT NULL THEN
        RETURN OLD;  -- a mirrored row: its origin tells its own deletions
    END IF;
    IF TG_TABLE_NAME = 'photo_corrections' THEN
        SELECT hothash INTO deleted_key FROM photos WHERE id = OLD.photo_id;
        IF deleted_key IS NULL THEN
            RETURN OLD;  -- deleted with its photo, whose tombstone says it all
        END IF;
    ELSE
        deleted_key := to_jsonb(OLD) ->> TG_ARGV[0];
    END IF;
    PERFORM pg_advisory_xact_lock_shared(1752199798);
    INSERT INTO sync_tombstones (change_seq, entity, entity_key)
    VALUES (nextval('sync_changes'), TG_TABLE_NAME, deleted_key);
    RETURN OLD;
END;
$$;

DO $$
DECLARE
    synced text;
    synced_key text;
BEGIN
    FOR synced, synced_key IN VALUES ('photographers', 'id'), ('categories', 'id'),
            ('events', 'id'), ('input_sessions', 'id'), ('photos', 'hothash'),
            ('image_files', 'id'), ('collections', 'id'), ('text_items', 'id'),
            ('collection_items', 'id'), ('photo_corrections', 'photo_id') LOOP
        -- A volatile default numbers the existing rows without firing any trigger.
        EXECUTE format('ALTER TABLE %I ADD COLUMN origin uuid, '
                       'ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval(''sync_changes'')',
                       synced);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN change_seq DROP DEFAULT', synced);
        EXECUTE format('CREATE INDEX %I ON %I (change_seq)', synced || '_change_seq', synced);
        -- Named to run after <table>_edits and before <table>_updated_at: an update that
        -- changes nothing takes no number.
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION note_change()', synced || '_sync_insert', synced);
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION note_change()',
                       synced || '_sync_update', synced);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION note_deletion(%L)', synced || '_sync_delete', synced,
                       synced_key);
        -- A mirrored row keeps the updated_at its origin sent: central settles two
        -- machines' corrections of a photo by those times, not by when each arrived.
        EXECUTE format('DROP TRIGGER %I ON %I', synced || '_updated_at', synced);
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'WHEN (NEW.origin IS NULL) EXECUTE FUNCTION set_updated_at()',
                       synced || '_updated_at', synced);
    END LOOP;
END;
$$;

-- When each group of a photo's fields was last changed on this machine: where two
-- machines hold the same photo, central keeps each group from the machine that changed
-- it last. A group never changed since registration has no time, and loses to any edit.
ALTER TABLE photos
    ADD COLUMN edited_at jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT photos_edited_at_check CHECK (jsonb_typeof(edited_at) = 'object');

CREATE FUNCTION note_photo_edits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_json jsonb := to_jsonb(clock_timestamp());
    edits jsonb := '{}';
BEGIN
    IF NEW.origin IS NOT NULL THEN
        RETURN NEW;  -- central: the merge writes the origins' times itself
    END IF;
    IF (NEW.taken_at, NEW.taken_at_offset, NEW.taken_at_source, NEW.taken_at_accuracy)
            IS DISTINCT FROM
            (OLD.taken_at, OLD.taken_at_offset, OLD.taken_at_source, OLD.taken_at_accuracy) THEN
        edits := edits || jsonb_build_object('taken_at', now_json);
    END IF;
    IF (NEW.location_lat, NEW.location_lng, NEW.location_source, NEW.location_accuracy)
            IS DISTINCT FROM
            (OLD.location_lat, OLD.location_lng, OLD.location_source, OLD.location_accuracy) THEN
        edits := edits || jsonb_build_object('location', now_json);
    END IF;
    IF NEW.tags IS DISTINCT FROM OLD.tags THEN
        edits := edits || jsonb_build_object('tags', now_json);
    END IF;
    IF NEW.category_id IS DISTINCT FROM OLD.category_id THEN
        edits := edits || jsonb_build_object('category', now_json);
    END IF;
    IF NEW.rating IS DISTINCT FROM OLD.rating THEN
        edits := edits || jsonb_build_object('rating', now_json);
    END IF;
    IF NEW.photographer_id IS DISTINCT FROM OLD.photographer_id THEN
        edits := edits || jsonb_build_object('photographer', now_json);
    END IF;
    IF NEW.input_session_id IS DISTINCT FROM OLD.input_session_id THEN
        edits := edits || jsonb_build_object('input_session', now_json);
    END IF;
    IF NEW.event_id IS DISTINCT FROM OLD.event_id THEN
        edits := edits || jsonb_build_object('event', now_json);
    END IF;
    IF (NEW.stack_id, NEW.is_stack_cover) IS DISTINCT FROM (OLD.stack_id, OLD.is_stack_cover) THEN
        edits := edits || jsonb_build_object('stack', now_json);
    END IF;
    IF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
        edits := edits || jsonb_build_object('deleted', now_json);
    END IF;
    NEW.edited_at := NEW.edited_at || edits;
    RETURN NEW;
END;
$$;
CREATE TRIGGER photos_edits BEFORE UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION note_photo_edits();

-- Whether a group's time in `incoming` is later than in `current` (absent: never edited).
CREATE FUNCTION edit_is_newer(incoming jsonb, current jsonb, edit_group text)
RETURNS boolean STABLE LANGUAGE sql AS $$
    SELECT (incoming ->> edit_group) IS NOT NULL
        AND ((current ->> edit_group) IS NULL
            OR (incoming ->> edit_group)::timestamptz > (current ->> edit_group)::timestamptz)
$$;

-- The later time of each group in two edit maps.
CREATE FUNCTION merge_edits(current jsonb, incoming jsonb) RETURNS jsonb STABLE LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(edit_group,
            CASE WHEN edit_is_newer(incoming, current, edit_group) THEN incoming -> edit_group
                 ELSE current -> edit_group END), '{}'::jsonb)
    FROM (SELECT jsonb_object_keys(current) UNION SELECT jsonb_object_keys(incoming))
        AS groups (edit_group)
$$;

-- The origin's rules hold for its own rows (see the top of this file).
DROP INDEX photographers_one_default;
CREATE UNIQUE INDEX photographers_one_default ON photographers (is_default)
    WHERE is_default AND origin IS NULL;
DROP INDEX photographers_one_unknown;
CREATE UNIQUE INDEX photographers_one_unknown ON photographers (is_unknown)
    WHERE is_unknown AND origin IS NULL;
ALTER TABLE categories DROP CONSTRAINT categories_name_key;
CREATE UNIQUE INDEX categories_name_key ON categories (name) WHERE origin IS NULL;
ALTER TABLE image_files DROP CONSTRAINT image_files_file_path_key;
CREATE UNIQUE INDEX image_files_file_path_key ON image_files (file_path) WHERE origin IS NULL;
DROP INDEX image_files_one_master;
CREATE UNIQUE INDEX image_files_one_master ON image_files (photo_id)
    WHERE is_master AND origin IS NULL;
DROP INDEX photos_one_stack_cover;
CREATE UNIQUE INDEX photos_one_stack_cover ON photos (stack_id)
    WHERE is_stack_cover AND origin IS NULL;

-- Foreign keys between synced tables may be checked at commit: a batch on central holds
-- rows in any order (an event and its cover photo point at each other).
DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT c.conrelid::regclass::text AS tbl, c.conname
        FROM pg_constraint c
        WHERE c.contype = 'f'
            AND c.conrelid::regclass::text IN ('photographers', 'categories', 'events',
                'input_sessions', 'photos', 'image_files', 'collections', 'text_items',
                'collection_items', 'photo_corrections')
            AND c.confrelid::regclass::text <> 'watched_folders'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER CONSTRAINT %I DEFERRABLE INITIALLY IMMEDIATE',
                       fk.tbl, fk.conname);
    END LOOP;
END;
$$;

-- This machine's sync targets (central servers it pushes to).
CREATE TABLE sync_targets (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What the user calls the target (`hotprevue sync --target NAME`).
    name            text NOT NULL CONSTRAINT sync_targets_name_key UNIQUE
                        CONSTRAINT sync_targets_name_check CHECK (btrim(name) <> ''),
    url             text NOT NULL CONSTRAINT sync_targets_url_key UNIQUE,
    -- This machine's machine token there (central keeps only its hash).
    token           text NOT NULL CONSTRAINT sync_targets_token_check CHECK (token <> ''),
    -- How this machine is named on the target (registered_machines.machine_name).
    machine_name    text NOT NULL CONSTRAINT sync_targets_machine_name_check
                        CHECK (btrim(machine_name) <> ''),
    -- A CA certificate file for a target whose certificate no public CA signed.
    ca_file         text,
    -- Every change numbered up to here is on the target.
    acked_seq       bigint NOT NULL DEFAULT 0 CONSTRAINT sync_targets_acked_seq_check
                        CHECK (acked_seq >= 0),
    acked_at        timestamptz,
    -- The target's installation id: another one means a new (or restored) central,
    -- which is then sent everything again.
    central_id      uuid,
    last_success_at timestamptz,
    last_error      text,
    last_error_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER sync_targets_updated_at BEFORE UPDATE ON sync_targets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Which version of each row a target acknowledged, and when.
CREATE TABLE sync_log (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    target_id   uuid NOT NULL CONSTRAINT sync_log_target_id_fkey
                    REFERENCES sync_targets (id) ON DELETE CASCADE,
    entity_type text NOT NULL,
    entity_id   text NOT NULL,
    change_seq  bigint NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    synced_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT sync_log_entity_key UNIQUE (target_id, entity_type, entity_id)
);

-- Central: the machines that push to it, and their tokens.
CREATE TABLE registered_machines (
    installation_id uuid PRIMARY KEY,
    machine_name    text NOT NULL,
    first_sync_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_sync_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The machine's changes central has, up to this change number: a batch that starts
    -- after it (central restored from a backup) is answered "send from here".
    acked_seq       bigint NOT NULL DEFAULT 0
                        CONSTRAINT registered_machines_acked_seq_check CHECK (acked_seq >= 0)
);

-- Which machines hold each photo on central (sent it, and have not deleted it since):
-- a photo stays while one does.
CREATE TABLE photo_holders (
    photo_id uuid NOT NULL CONSTRAINT photo_holders_photo_id_fkey
                 REFERENCES photos (id) ON DELETE CASCADE,
    origin   uuid NOT NULL,
    CONSTRAINT photo_holders_pkey PRIMARY KEY (photo_id, origin)
);

CREATE TABLE machine_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CONSTRAINT machine_tokens_name_check CHECK (btrim(name) <> ''),
    -- SHA-256 of the token: it has 256 random bits, so no slow hash is needed.
    token_sha256    bytea NOT NULL CONSTRAINT machine_tokens_token_sha256_key UNIQUE,
    -- Bound at the token's first use; it then works for that installation only.
    installation_id uuid CONSTRAINT machine_tokens_installation_id_fkey
                        REFERENCES registered_machines (installation_id),
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE UNIQUE INDEX machine_tokens_active_name ON machine_tokens (name) WHERE revoked_at IS NULL;
-- One active token per installation, even when two are first used at once.
CREATE UNIQUE INDEX machine_tokens_active_installation ON machine_tokens (installation_id)
    WHERE revoked_at IS NULL AND installation_id IS NOT NULL;
