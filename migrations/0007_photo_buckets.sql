-- The photo list's buckets (GET /api/photos/buckets) and its camera filter.

-- Buckets count every photo of the list, a million of them in a large catalog, so they
-- must be counted from an index alone: this one carries every key a bucket is made of
-- (taken_at, registered_at, rating) and what `stacks=collapsed` asks of a photo
-- (stack_id, is_stack_cover, registered_at, id). It replaces the registered_at sort's
-- index, whose keys it keeps. In registration order, as the table is: an index-only
-- scan then checks the visibility map page by page, not at random as the taken_at
-- index would (a third faster at 1M photos). Rows arrive in that order, at its right
-- edge, so its pages are filled.
DROP INDEX photos_registered_at;
CREATE INDEX photos_registered_at ON photos (registered_at, id)
    INCLUDE (taken_at, rating, stack_id, is_stack_cover)
    WITH (fillfactor = 100)
    WHERE deleted_at IS NULL;

-- Stacked photos are few; with what a stack's members are asked (which is the cover,
-- which comes first, which side of the trash), `stacks=collapsed` and each item's
-- stack_size read this index alone too. It replaces the plain one on stack_id.
DROP INDEX photos_stack;
CREATE INDEX photos_stack ON photos (stack_id)
    INCLUDE (registered_at, id, is_stack_cover, deleted_at)
    WHERE stack_id IS NOT NULL;

-- A day or a month holds many photos: without statistics of these expressions the
-- planner expects a group per photo and sorts a million rows instead of hashing them.
CREATE STATISTICS photos_taken_day ON (taken_at::date) FROM photos;
CREATE STATISTICS photos_taken_month ON (date_trunc('month', taken_at)::date) FROM photos;
CREATE STATISTICS photos_registered_day ON ((registered_at AT TIME ZONE 'UTC')::date)
    FROM photos;
CREATE STATISTICS photos_registered_month
    ON (date_trunc('month', registered_at AT TIME ZONE 'UTC')::date) FROM photos;

-- A camera's one name, which GET /api/cameras lists and GET /api/photos?camera= takes:
-- the model alone when it already starts with the make ("Canon" + "Canon EOS R5"), else
-- make and model joined by a space, or whichever of them exists. Immutable, so it can be
-- indexed; a single expression, so the planner inlines it and matches the index.
CREATE FUNCTION camera_name(make text, model text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN make IS NULL THEN model
        WHEN model IS NULL THEN make
        WHEN starts_with(lower(model), lower(make)) THEN model
        ELSE make || ' ' || model
    END;

-- The filter finds a camera's photos by name; make and model ride along, so the camera
-- list is counted from this small (deduplicated) index alone.
CREATE INDEX photos_camera ON photos (camera_name(camera_make, camera_model), camera_make,
    camera_model) WHERE deleted_at IS NULL;
-- The planner takes no whole-table figures from a partial index: without these a common
-- camera looks rare, and its first page is sorted out of a hundred thousand rows.
CREATE STATISTICS photos_camera_name ON (camera_name(camera_make, camera_model)) FROM photos;
