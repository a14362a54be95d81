-- Every time a client can set stays where Python, and so every reader of a row, can go:
-- the years 1 to 9999, as wall time and read in UTC with its offset; offsets within
-- ±18 hours. Before these checks a time shifted past 9999-12-31 was stored as year
-- 10000, and every listing that met the row failed.
--
-- Rows already out of range are repaired first, so the checks can be added:
-- - a wall time outside the years is clamped to the nearest bound, so the photo keeps
--   its place at that end of the timeline (POST /api/photos/{hothash}/reset-time gives
--   back its EXIF time);
-- - an offset beyond ±18 hours names no real zone and is cleared (the wall time stays);
-- - an offset that would move the time out of range in UTC is cleared likewise;
-- - an event date outside the years is cleared.

UPDATE photos
SET taken_at = CASE
        WHEN taken_at < '0001-01-01 00:00:00' THEN '0001-01-01 00:00:00'::timestamp
        ELSE '9999-12-31 23:59:59.999999'::timestamp
    END
WHERE taken_at NOT BETWEEN '0001-01-01 00:00:00' AND '9999-12-31 23:59:59.999999';

UPDATE photos SET taken_at_offset = NULL
WHERE taken_at_offset NOT BETWEEN interval '-18 hours' AND interval '18 hours'
    OR taken_at - taken_at_offset NOT BETWEEN '0001-01-01 00:00:00'
        AND '9999-12-31 23:59:59.999999';

UPDATE events SET date = NULL WHERE date NOT BETWEEN '0001-01-01' AND '9999-12-31';

ALTER TABLE photos
    ADD CONSTRAINT photos_taken_at_in_range
        CHECK (taken_at BETWEEN '0001-01-01 00:00:00' AND '9999-12-31 23:59:59.999999'),
    ADD CONSTRAINT photos_taken_at_offset_in_range
        CHECK (taken_at_offset BETWEEN interval '-18 hours' AND interval '18 hours'),
    ADD CONSTRAINT photos_taken_at_utc_in_range
        CHECK (taken_at - taken_at_offset BETWEEN '0001-01-01 00:00:00'
            AND '9999-12-31 23:59:59.999999');

ALTER TABLE events
    ADD CONSTRAINT events_date_in_range CHECK (date BETWEEN '0001-01-01' AND '9999-12-31');
