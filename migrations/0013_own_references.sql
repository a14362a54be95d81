-- Central: a machine's rows point only at its own rows (and at any photo, which machines
-- share). Central now refuses a batch that points at another machine's rows; before, it
-- took them, and such a row then blocked the other machine's deletion of what it named.
-- Those it holds are let go of here, as central lets go of them when the row named goes:
-- a sub-event stands alone, a session keeps no default event, a session's photographer
-- becomes central's unknown photographer, and an item leaves a collection (or a text card)
-- that is not its machine's. A machine's own catalog has no origins: nothing changes there.

UPDATE events c SET parent_id = NULL
FROM events p
WHERE p.id = c.parent_id AND p.origin IS DISTINCT FROM c.origin;

UPDATE input_sessions s SET default_event_id = NULL
FROM events e
WHERE e.id = s.default_event_id AND e.origin IS DISTINCT FROM s.origin;

-- Central makes its unknown photographer at every start; a central that never started
-- gets it here, if a session needs it.
INSERT INTO photographers (name, is_unknown)
SELECT 'Unknown photographer', true
WHERE NOT EXISTS (SELECT 1 FROM photographers WHERE origin IS NULL AND is_unknown)
    AND EXISTS (
        SELECT 1 FROM input_sessions s JOIN photographers g ON g.id = s.default_photographer_id
        WHERE g.origin IS DISTINCT FROM s.origin AND g.origin IS NOT NULL);

UPDATE input_sessions s SET default_photographer_id = (
        SELECT id FROM photographers WHERE origin IS NULL AND is_unknown)
FROM photographers g
WHERE g.id = s.default_photographer_id AND g.origin IS DISTINCT FROM s.origin
    AND g.origin IS NOT NULL;

DELETE FROM collection_items i
USING collections c
WHERE c.id = i.collection_id AND c.origin IS DISTINCT FROM i.origin;

DELETE FROM collection_items i
USING text_items t
WHERE t.id = i.text_item_id AND t.origin IS DISTINCT FROM i.origin;
