-- The catalog of domain.md. Every table a sync carries has an updated_at that the
-- database keeps itself (trigger), so a push can select changed rows by it.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- clock_timestamp, not now(): two updates in one transaction stay ordered.
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

CREATE TABLE system_settings (
    singleton               boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    installation_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    instance_name           text NOT NULL DEFAULT '',
    owner_name              text NOT NULL DEFAULT '',
    owner_website           text NOT NULL DEFAULT '',
    owner_bio               text NOT NULL DEFAULT '',
    default_sort            text NOT NULL DEFAULT 'taken_at_desc' CHECK (default_sort IN (
                                'taken_at_desc', 'taken_at_asc', 'registered_at_desc',
                                'registered_at_asc', 'rating_desc', 'rating_asc')),
    show_deleted_in_gallery boolean NOT NULL DEFAULT false,
    browse_buffer_size      integer NOT NULL DEFAULT 100 CHECK (browse_buffer_size BETWEEN 1 AND 10000),
    coldpreview_max_px      integer NOT NULL DEFAULT 1200 CHECK (coldpreview_max_px BETWEEN 150 AND 8000),
    coldpreview_quality     integer NOT NULL DEFAULT 85 CHECK (coldpreview_quality BETWEEN 1 AND 100),
    updated_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION keep_installation_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.installation_id IS DISTINCT FROM OLD.installation_id THEN
        RAISE EXCEPTION 'installation_id is immutable' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER system_settings_installation_id BEFORE UPDATE ON system_settings
    FOR EACH ROW EXECUTE FUNCTION keep_installation_id();
CREATE TRIGGER system_settings_updated_at BEFORE UPDATE ON system_settings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE photographers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    website     text NOT NULL DEFAULT '',
    bio         text NOT NULL DEFAULT '',
    notes       text NOT NULL DEFAULT '',
    is_default  boolean NOT NULL DEFAULT false,
    is_unknown  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (NOT (is_default AND is_unknown))
);
CREATE UNIQUE INDEX photographers_one_default ON photographers (is_default) WHERE is_default;
CREATE UNIQUE INDEX photographers_one_unknown ON photographers (is_unknown) WHERE is_unknown;

CREATE TABLE categories (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    excluded_from_stream boolean NOT NULL DEFAULT false,
    display_order        integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE events (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (btrim(name) <> ''),
    description   text NOT NULL DEFAULT '',
    date          date,
    location      text NOT NULL DEFAULT '',
    -- One level of nesting; the service refuses deeper trees and deleting parents.
    parent_id     uuid REFERENCES events (id) ON DELETE RESTRICT CHECK (parent_id <> id),
    cover_hothash text,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_parent ON events (parent_id);

CREATE TABLE input_sessions (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                    text NOT NULL CHECK (btrim(name) <> ''),
    source_path             text NOT NULL,
    recursive               boolean NOT NULL DEFAULT true,
    default_photographer_id uuid NOT NULL REFERENCES photographers (id) ON DELETE RESTRICT,
    default_event_id        uuid REFERENCES events (id) ON DELETE SET NULL,
    status                  text NOT NULL DEFAULT 'pending' CHECK (status IN (
                                'pending', 'running', 'uploading', 'completed', 'cancelled',
                                'interrupted', 'failed')),
    started_at              timestamptz,
    completed_at            timestamptz,
    photo_count             integer NOT NULL DEFAULT 0 CHECK (photo_count >= 0),
    duplicate_count         integer NOT NULL DEFAULT 0 CHECK (duplicate_count >= 0),
    error_count             integer NOT NULL DEFAULT 0 CHECK (error_count >= 0),
    -- Progress, written with every batch so that a crash leaves honest figures.
    already_registered_count integer NOT NULL DEFAULT 0 CHECK (already_registered_count >= 0),
    files_found             integer NOT NULL DEFAULT 0 CHECK (files_found >= 0),
    files_ignored           integer NOT NULL DEFAULT 0 CHECK (files_ignored >= 0),
    groups_total            integer CHECK (groups_total >= 0),
    groups_done             integer NOT NULL DEFAULT 0 CHECK (groups_done >= 0),
    failure                 text,
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE photos (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    hothash             text NOT NULL UNIQUE CHECK (hothash ~ '^[0-9a-f]{64}$'),
    hotpreview_b64      text NOT NULL,
    coldpreview_path    text,
    exif_data           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(exif_data) = 'object'),
    -- Wall-clock time as the camera recorded it; the offset when EXIF names one.
    taken_at            timestamp,
    taken_at_offset     interval,
    taken_at_source     smallint NOT NULL DEFAULT 0 CHECK (taken_at_source IN (0, 1, 2)),
    taken_at_accuracy   text NOT NULL DEFAULT 'second'
                            CHECK (taken_at_accuracy IN ('second', 'hour', 'day', 'month', 'year')),
    location_lat        double precision CHECK (location_lat BETWEEN -90 AND 90),
    location_lng        double precision CHECK (location_lng BETWEEN -180 AND 180),
    location_source     smallint CHECK (location_source IN (0, 1, 2)),
    location_accuracy   text CHECK (location_accuracy IN ('exact', 'street', 'city', 'region', 'country')),
    camera_make         text,
    camera_model        text,
    lens_model          text,
    iso                 integer CHECK (iso > 0),
    shutter_speed       text,
    aperture            real CHECK (aperture > 0),
    focal_length        real CHECK (focal_length > 0),
    tags                text[] NOT NULL DEFAULT '{}',
    category_id         uuid REFERENCES categories (id) ON DELETE SET NULL,
    rating              smallint CHECK (rating BETWEEN 1 AND 5),
    photographer_id     uuid NOT NULL REFERENCES photographers (id) ON DELETE RESTRICT,
    input_session_id    uuid REFERENCES input_sessions (id) ON DELETE SET NULL,
    event_id            uuid REFERENCES events (id) ON DELETE SET NULL,
    stack_id            uuid,
    is_stack_cover      boolean NOT NULL DEFAULT false,
    registered_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((location_lat IS NULL) = (location_lng IS NULL)),
    CHECK (location_lat IS NULL OR location_source IS NOT NULL),
    CHECK (NOT is_stack_cover OR stack_id IS NOT NULL)
);
-- One index per list order, over the photos outside the trash, holding every key of
-- the ORDER BY (id last): a page's ids come from an index-only scan, so even an
-- offset of 90,000 walks narrow index entries instead of rows with hotpreviews.
CREATE INDEX photos_taken_at_desc ON photos (taken_at DESC NULLS LAST, registered_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX photos_taken_at_asc ON photos (taken_at ASC NULLS LAST, registered_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX photos_registered_at ON photos (registered_at, id) WHERE deleted_at IS NULL;
CREATE INDEX photos_rating_desc ON photos (rating DESC NULLS LAST, registered_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX photos_rating_asc ON photos (rating ASC NULLS LAST, registered_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX photos_tags ON photos USING gin (tags);
CREATE INDEX photos_photographer ON photos (photographer_id);
CREATE INDEX photos_session ON photos (input_session_id);
CREATE INDEX photos_event ON photos (event_id);
CREATE INDEX photos_category ON photos (category_id);
CREATE INDEX photos_stack ON photos (stack_id) WHERE stack_id IS NOT NULL;
CREATE UNIQUE INDEX photos_one_stack_cover ON photos (stack_id) WHERE is_stack_cover;
CREATE INDEX photos_deleted ON photos (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX photos_updated_at ON photos (updated_at);

-- Covers point at photos by hothash; hard-deleting the photo clears the cover.
ALTER TABLE events ADD FOREIGN KEY (cover_hothash) REFERENCES photos (hothash)
    ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE image_files (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    photo_id   uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    file_path  text NOT NULL UNIQUE,
    file_type  text NOT NULL CHECK (file_type IN ('RAW', 'JPEG', 'TIFF', 'PNG', 'HEIC', 'XMP')),
    is_master  boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX image_files_photo ON image_files (photo_id);
CREATE UNIQUE INDEX image_files_one_master ON image_files (photo_id) WHERE is_master;

CREATE TABLE duplicate_files (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    photo_id    uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    file_path   text NOT NULL UNIQUE,
    session_id  uuid REFERENCES input_sessions (id) ON DELETE SET NULL,
    detected_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX duplicate_files_photo ON duplicate_files (photo_id);
CREATE INDEX duplicate_files_session ON duplicate_files (session_id);

CREATE TABLE session_errors (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL REFERENCES input_sessions (id) ON DELETE CASCADE,
    file_path   text NOT NULL,
    error       text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX session_errors_session ON session_errors (session_id, occurred_at);
CREATE INDEX input_sessions_created ON input_sessions (created_at);

CREATE TABLE collections (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (btrim(name) <> ''),
    description   text NOT NULL DEFAULT '',
    cover_hothash text REFERENCES photos (hothash) ON DELETE SET NULL ON UPDATE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE text_items (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title      text NOT NULL DEFAULT '',
    body       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE collection_items (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    hothash       text REFERENCES photos (hothash) ON DELETE CASCADE ON UPDATE CASCADE,
    text_item_id  uuid REFERENCES text_items (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    caption       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((hothash IS NULL) <> (text_item_id IS NULL))
);
CREATE INDEX collection_items_order ON collection_items (collection_id, position);
CREATE INDEX collection_items_photo ON collection_items (hothash);

CREATE TABLE photo_corrections (
    photo_id                   uuid PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    rotation                   smallint NOT NULL DEFAULT 0 CHECK (rotation IN (0, 90, 180, 270)),
    horizon_angle              real NOT NULL DEFAULT 0 CHECK (horizon_angle BETWEEN -15 AND 15),
    exposure_ev                real NOT NULL DEFAULT 0 CHECK (exposure_ev BETWEEN -5 AND 5),
    crop_left                  real NOT NULL DEFAULT 0 CHECK (crop_left BETWEEN 0 AND 1),
    crop_top                   real NOT NULL DEFAULT 0 CHECK (crop_top BETWEEN 0 AND 1),
    crop_right                 real NOT NULL DEFAULT 1 CHECK (crop_right BETWEEN 0 AND 1),
    crop_bottom                real NOT NULL DEFAULT 1 CHECK (crop_bottom BETWEEN 0 AND 1),
    corrected_coldpreview_path text,
    updated_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (crop_left < crop_right AND crop_top < crop_bottom)
);

DO $$
DECLARE
    synced text;
BEGIN
    FOREACH synced IN ARRAY ARRAY['photographers', 'categories', 'events', 'input_sessions',
            'photos', 'image_files', 'collections', 'text_items', 'collection_items',
            'photo_corrections'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION set_updated_at()', synced || '_updated_at', synced);
    END LOOP;
END;
$$;
