-- Edit times that a wrong clock cannot win with for ever.
--
-- Central settles a photo's groups of fields (photos.edited_at) and a photo's
-- correction (photo_corrections.updated_at) by the machines' edit times. Two rules keep
-- a machine's wrong clock from deciding that:
--
-- On central, an edit is judged once, when it first arrives: its time is bounded by
-- central's clock plus a small skew (a clock ahead wins by that much at most), and what
-- a machine sends again unchanged is no new edit (else it would be bounded anew, later,
-- at every push of the photo). `photo_holders` keeps what each machine last sent.
--
-- On a machine, every receipt carries central's clock, later than every edit time
-- central holds. As with a hybrid logical clock, this machine stamps its edits no
-- earlier than that clock plus the time gone by since it came: an edit made after a push
-- wins over what central held then, whatever this machine's own clock says; and as that
-- time moves on, two edits do not share a time as they would at a fixed floor (central
-- would take the second for the first sent again). The clock comes from central only,
-- never from this machine's own stamps: a machine whose clock is far ahead does not
-- carry its later edits further ahead with it.

-- The clock the target's central answered last, and this machine's clock then (NULL:
-- none yet, or an older central).
ALTER TABLE sync_targets
    ADD COLUMN central_clock    timestamptz,
    ADD COLUMN central_clock_at timestamptz;

-- The time of an edit made now on this machine: its clock, or the latest central's clock
-- moved on by the time gone by since, when that is later. Never past the last
-- microsecond of 9999, the latest time a push can carry.
CREATE FUNCTION edit_time() RETURNS timestamptz VOLATILE LANGUAGE sql AS $$
    SELECT least(greatest(clock_timestamp(),
                          max(central_clock + (clock_timestamp() - central_clock_at))
                              + interval '1 microsecond'),
                 '9999-12-31 23:59:59.999999+00'::timestamptz)
    FROM sync_targets
$$;

-- As in 0004, with edit_time(), looked up only when a group changed (a registration
-- rewrites many photos without editing them).
CREATE OR REPLACE FUNCTION note_photo_edits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    edited text[] := '{}';
    stamp jsonb;
BEGIN
    IF NEW.origin IS NOT NULL THEN
        RETURN NEW;  -- central: the merge writes the origins' times itself
    END IF;
    IF (NEW.taken_at, NEW.taken_at_offset, NEW.taken_at_source, NEW.taken_at_accuracy)
            IS DISTINCT FROM
            (OLD.taken_at, OLD.taken_at_offset, OLD.taken_at_source, OLD.taken_at_accuracy) THEN
        edited := array_append(edited, 'taken_at');
    END IF;
    IF (NEW.location_lat, NEW.location_lng, NEW.location_source, NEW.location_accuracy)
            IS DISTINCT FROM
            (OLD.location_lat, OLD.location_lng, OLD.location_source, OLD.location_accuracy) THEN
        edited := array_append(edited, 'location');
    END IF;
    IF NEW.tags IS DISTINCT FROM OLD.tags THEN
        edited := array_append(edited, 'tags');
    END IF;
    IF NEW.category_id IS DISTINCT FROM OLD.category_id THEN
        edited := array_append(edited, 'category');
    END IF;
    IF NEW.rating IS DISTINCT FROM OLD.rating THEN
        edited := array_append(edited, 'rating');
    END IF;
    IF NEW.photographer_id IS DISTINCT FROM OLD.photographer_id THEN
        edited := array_append(edited, 'photographer');
    END IF;
    IF NEW.input_session_id IS DISTINCT FROM OLD.input_session_id THEN
        edited := array_append(edited, 'input_session');
    END IF;
    IF NEW.event_id IS DISTINCT FROM OLD.event_id THEN
        edited := array_append(edited, 'event');
    END IF;
    IF (NEW.stack_id, NEW.is_stack_cover) IS DISTINCT FROM (OLD.stack_id, OLD.is_stack_cover) THEN
        edited := array_append(edited, 'stack');
    END IF;
    IF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
        edited := array_append(edited, 'deleted');
    END IF;
    IF cardinality(edited) > 0 THEN
        stamp := to_jsonb(edit_time());
        NEW.edited_at := NEW.edited_at
            || (SELECT jsonb_object_agg(edit_group, stamp) FROM unnest(edited) AS edit_group);
    END IF;
    RETURN NEW;
END;
$$;

-- A correction made on this machine is stamped the same way (central settles two
-- machines' corrections of a photo by it); a mirrored one keeps its origin's time.
CREATE FUNCTION set_edit_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := edit_time();
    RETURN NEW;
END;
$$;
DROP TRIGGER photo_corrections_updated_at ON photo_corrections;
CREATE TRIGGER photo_corrections_updated_at BEFORE UPDATE ON photo_corrections
    FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION set_edit_time();
ALTER TABLE photo_corrections ALTER COLUMN updated_at SET DEFAULT edit_time();

-- Central: what each machine last sent of a photo it holds, its edit times and its
-- correction's time; sent again unchanged, they are no new edits.
ALTER TABLE photo_holders
    ADD COLUMN sent_edits jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN sent_correction_at timestamptz;

-- The groups of `incoming` whose time differs from `sent` (what the same machine sent
-- before), each bounded by `latest`.
CREATE FUNCTION fresh_edits(incoming jsonb, sent jsonb, latest timestamptz)
RETURNS jsonb STABLE LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(edit_group,
            CASE WHEN (edited #>> '{}')::timestamptz > latest THEN to_jsonb(latest)
                 ELSE edited END), '{}'::jsonb)
    FROM jsonb_each(incoming) AS edits (edit_group, edited)
    WHERE (edited #>> '{}')::timestamptz IS DISTINCT FROM (sent ->> edit_group)::timestamptz
$$;

-- Central's rows from before: the times it holds were judged when they came, unbounded.
-- Each holder is taken to have sent what central holds (the machine that won sends it
-- again unchanged), and every time is bounded now (by the skew daemon/services/central.py
-- allows).
UPDATE photo_holders h SET sent_edits = p.edited_at
FROM photos p
WHERE p.id = h.photo_id AND p.edited_at <> '{}';
UPDATE photo_holders h SET sent_correction_at = c.updated_at
FROM photo_corrections c
WHERE c.photo_id = h.photo_id AND c.origin = h.origin;
UPDATE photos
SET edited_at = fresh_edits(edited_at, '{}', now() + interval '1 minute'),
    updated_at = least(updated_at, now() + interval '1 minute')
WHERE origin IS NOT NULL
    AND (updated_at > now() + interval '1 minute'
        OR EXISTS (SELECT 1 FROM jsonb_each_text(edited_at) AS edits (edit_group, edited)
                   WHERE edited::timestamptz > now() + interval '1 minute'));
UPDATE photo_corrections SET updated_at = now() + interval '1 minute'
WHERE origin IS NOT NULL AND updated_at > now() + interval '1 minute';
