-- A damaged original that still decodes in part is catalogued with a flag and the
-- reason in plain words (the part that does not decode shows grey in its previews),
-- instead of being refused; its session counts it.
ALTER TABLE photos
    ADD COLUMN damaged boolean NOT NULL DEFAULT false,
    ADD COLUMN damage  text;

-- Few photos are damaged: `?damaged=true` finds them in this small index.
CREATE INDEX photos_damaged ON photos (registered_at) WHERE damaged;

ALTER TABLE input_sessions
    ADD COLUMN damaged_count integer NOT NULL DEFAULT 0;
